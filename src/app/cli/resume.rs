//! `check --checkpoint DIR` and `resume DIR`: what a checkpoint records of the run (its tag:
//! broadcheck's version, the model, its parameters and the search options that shape the
//! state space), and going on from one.
//!
//! The engine writes and reads the checkpoints ([`crate::engine::checkpoint`]); this layer
//! says which run a checkpoint belongs to and refuses, in one line (exit 2), one that
//! another version of broadcheck wrote, or that does not fit the model it names.

use super::args::ResumeArgs;
use super::checking::{print_report, show_progress};
use super::runs::workers;
use crate::app::registry::Registry;
use crate::engine::checkpoint::CheckpointOptions;
use crate::engine::outcome::{Options, Strategy};
use crate::engine::reductions::Reductions;
use crate::error::{Error, Result};
use crate::models::params::RunSpec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

/// Minutes between two checkpoints unless `--checkpoint-every` says.
const DEFAULT_EVERY_MIN: f64 = 10.0;

/// Which run a checkpoint belongs to (written as JSON into the checkpoint's tag).
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Tag {
    broadcheck: String,
    model: String,
    n: Option<u32>,
    f: Option<u32>,
    params: BTreeMap<String, String>,
    properties: Vec<String>,
    reduce: Vec<String>,
    max_depth: Option<usize>,
    fingerprint_bits: u32,
}

impl Tag {
    fn of(spec: &RunSpec, opts: &Options) -> Tag {
        Tag {
            broadcheck: env!("CARGO_PKG_VERSION").to_string(),
            model: spec.model.clone(),
            n: spec.n,
            f: spec.f,
            params: spec.params.clone(),
            properties: spec.properties.clone(),
            reduce: spec.reduce.names().iter().map(|s| s.to_string()).collect(),
            max_depth: opts.max_depth,
            fingerprint_bits: opts.fingerprint_bits,
        }
    }

    fn text(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::Io(format!("cannot encode a tag: {e}")))
    }
}

fn every(flag: &str, minutes: Option<f64>) -> Result<Duration> {
    let m = minutes.unwrap_or(DEFAULT_EVERY_MIN);
    if !m.is_finite() || !(0.0..=1e6).contains(&m) {
        return Err(Error::input(format!(
            "{flag} must be a number of minutes between 0 and 1000000 (got {m})"
        )));
    }
    Ok(Duration::from_secs_f64(m * 60.0))
}

/// The checkpoint options of `check --checkpoint DIR` for this (final) spec and options.
pub(super) fn checkpoint_options(
    dir: &Path,
    minutes: Option<f64>,
    spec: &RunSpec,
    opts: &Options,
) -> Result<CheckpointOptions> {
    if opts.strategy != Strategy::Bfs {
        return Err(Error::input(
            "--checkpoint checkpoints a bfs: it needs --strategy bfs",
        ));
    }
    if opts.disk.is_some() {
        return Err(Error::input(
            "--checkpoint and --disk do not go together yet: a checkpoint holds an in-memory search",
        ));
    }
    if opts.max_states.is_some() {
        return Err(Error::input(
            "--checkpoint does not take --max-states (a state bound is not a stop to resume from)",
        ));
    }
    if dir.exists() && !dir.is_dir() {
        return Err(Error::input(format!(
            "--checkpoint {}: not a directory",
            dir.display()
        )));
    }
    if crate::engine::checkpoint::exists(dir) {
        return Err(Error::input(format!(
            "{} holds a checkpoint already: go on with `broadcheck resume {}`, or choose another directory",
            dir.display(),
            dir.display()
        )));
    }
    Ok(CheckpointOptions {
        dir: dir.to_path_buf(),
        every: every("--checkpoint-every", minutes)?,
        tag: Tag::of(spec, opts).text()?,
    })
}

/// `broadcheck resume DIR`.
pub(super) fn resume(a: ResumeArgs, reg: &Registry) -> Result<i32> {
    let text = crate::engine::checkpoint::tag(&a.dir).map_err(Error::input)?;
    let tag: Tag = serde_json::from_str(&text).map_err(|e| {
        Error::input(format!(
            "{} holds a checkpoint this broadcheck cannot read: {e}",
            a.dir.display()
        ))
    })?;
    let ours = env!("CARGO_PKG_VERSION");
    if tag.broadcheck != ours {
        return Err(Error::input(format!(
            "{} was written by broadcheck {}; this is broadcheck {ours}: run the check again",
            a.dir.display(),
            tag.broadcheck
        )));
    }
    let entry = reg.find(&tag.model).map_err(|e| {
        Error::input(format!(
            "{} is a checkpoint of model {}: {e}",
            a.dir.display(),
            tag.model
        ))
    })?;
    let spec = RunSpec {
        model: tag.model.clone(),
        n: tag.n,
        f: tag.f,
        params: tag.params.clone(),
        properties: tag.properties.clone(),
        reduce: Reductions::parse(&tag.reduce)?,
    };
    let mut opts = Options {
        threads: workers("--threads", Some(a.threads))?,
        max_depth: tag.max_depth,
        fingerprint_bits: tag.fingerprint_bits,
        ..Options::default()
    };
    if let Some(t) = a.timeout {
        opts.timeout = Some(crate::app::modelfile::seconds("--timeout", t)?);
    }
    if std::io::stderr().is_terminal() && std::env::var_os("CI").is_none() {
        opts.progress = Some(show_progress);
    }
    opts.checkpoint = Some(CheckpointOptions {
        dir: a.dir.clone(),
        every: every("--checkpoint-every", a.checkpoint_every)?,
        tag: text,
    });
    let report = entry.resume(&spec, &opts)?;
    if opts.progress.is_some() {
        eprint!("\r\x1b[K");
    }
    print_report(&report, a.format)
}
