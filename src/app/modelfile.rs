//! Model files (`models/*.toml`), TLC-style: a model is data. One file = one configuration of
//! one algorithm: parameters, faults and network, the properties to check, the verdict expected
//! for each, and the pinned unique-state count.
//!
//! ```toml
//! model = "beb"
//! description = "BEB is not reliable: one crash breaks agreement"
//! n = 3
//! f = 1
//!
//! [params]           # model parameters (see `broadcheck list`)
//! network = "bag"
//!
//! [search]           # optional: strategy, bounds and reductions
//! strategy = "bfs"
//! reduce = ["por"]   # or "symmetry", "all" (the pinned count is then the reduced one)
//! memory_limit = "2G" # stop with a bounded report at this budget (verify runs every
//!                     # file under the lowest budget any of them sets)
//!
//! [expect]
//! unique_states = 21
//! [expect.properties]
//! "RB4" = "violated"
//! "BEB1" = "holds"
//! ```
//!
//! Models with random steps can also pin exact probabilities (see `broadcheck prob`):
//!
//! ```toml
//! [expect.probability]
//! "PRB4" = "1/2"          # the same under every scheduler
//! # "PRB4" = "0..15/16"   # worst and best scheduler
//! ```
//!
//! Property keys are IDs or names from the catalogue; a liveness property's witness can be
//! pinned as `"RB4 witness"`. An unpinned witness is expected `witnessed` whenever its property
//! is expected to hold, so a vacuous pass is a mismatch.

use crate::engine::outcome::{Options, Status, Strategy};
use crate::error::{Error, Result};
use crate::models::params::RunSpec;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// A parsed model file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    pub model: String,
    #[serde(default)]
    pub description: String,
    pub n: u32,
    #[serde(default)]
    pub f: u32,
    #[serde(default)]
    pub params: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub search: SearchCfg,
    pub expect: Expect,
}

/// How to search (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchCfg {
    pub strategy: Option<String>,
    pub max_depth: Option<usize>,
    pub max_states: Option<usize>,
    pub timeout: Option<f64>,
    /// State-space reductions: `["por", "symmetry"]`, `["all"]` (the pinned state count is
    /// the reduced one).
    #[serde(default)]
    pub reduce: Vec<String>,
    /// The memory budget for this file's run (`"500M"`, `"4G"`), if lower than the process's.
    pub memory_limit: Option<String>,
    /// Bits per fingerprint in the visited set (16–64; 64 by default).
    pub fingerprint_bits: Option<u32>,
}

/// A fingerprint width given as `what`, checked against what the visited set supports.
pub fn fingerprint_bits(what: &str, b: u32) -> Result<u32> {
    use crate::engine::visited::{MAX_BITS, MIN_BITS};
    if (MIN_BITS..=MAX_BITS).contains(&b) {
        Ok(b)
    } else {
        Err(Error::input(format!(
            "{what} must be between {MIN_BITS} and {MAX_BITS} (got {b})"
        )))
    }
}

/// Expected outcome.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub unique_states: Option<usize>,
    pub properties: BTreeMap<String, String>,
    /// Exact probabilities (`broadcheck prob`): `"PRB4" = "1/2"` when every scheduler gives the
    /// same value, `"PRB4" = "0..15/16"` for the worst and best scheduler.
    #[serde(default)]
    pub probability: BTreeMap<String, String>,
}

/// Parses a pinned probability: `1/2` or `MIN..MAX`.
pub fn parse_pinned(s: &str) -> Option<(num_rational::BigRational, num_rational::BigRational)> {
    match s.split_once("..") {
        Some((a, b)) => {
            let (a, b) = (
                crate::engine::prob::parse_exact(a)?,
                crate::engine::prob::parse_exact(b)?,
            );
            (a < b).then_some((a, b))
        }
        None => {
            let a = crate::engine::prob::parse_exact(s)?;
            Some((a.clone(), a))
        }
    }
}

impl ModelFile {
    pub fn load(path: &Path) -> Result<ModelFile> {
        let shown = path.display().to_string();
        if !path.is_file() {
            return Err(Error::input(not_a_file(path)));
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::File {
            path: shown.clone(),
            msg: e.to_string(),
        })?;
        let mf: ModelFile = toml::from_str(&text).map_err(|e| Error::File {
            path: shown.clone(),
            msg: e.message().to_string(),
        })?;
        if mf.expect.properties.is_empty() {
            return Err(Error::File {
                path: shown,
                msg: "[expect.properties] lists no property to check".into(),
            });
        }
        for (k, v) in &mf.expect.properties {
            if Status::parse(v).is_none() {
                return Err(Error::File {
                    path: shown,
                    msg: format!("expected status of '{k}' must be holds, violated, witnessed, unreachable or unknown (got '{v}')"),
                });
            }
        }
        for (k, v) in &mf.expect.probability {
            if parse_pinned(v).is_none() {
                return Err(Error::File {
                    path: shown,
                    msg: format!("expected probability of '{k}' must be a fraction in [0, 1] like 1/2, or MIN..MAX (got '{v}')"),
                });
            }
        }
        Ok(mf)
    }

    /// The run this file describes. Witness keys select their property.
    pub fn run_spec(&self) -> Result<RunSpec> {
        let mut params = BTreeMap::new();
        for (k, v) in &self.params {
            if k == "n" || k == "f" {
                return Err(Error::input(format!(
                    "put {k} at the top level of the model file, not under [params]"
                )));
            }
            params.insert(k.clone(), value_text(k, v)?);
        }
        let properties = self
            .expect
            .properties
            .keys()
            .map(|k| strip_witness(k).to_string())
            .collect();
        Ok(RunSpec {
            model: self.model.clone(),
            n: Some(self.n),
            f: Some(self.f),
            params,
            properties,
            reduce: crate::engine::reductions::Reductions::parse(&self.search.reduce)
                .map_err(|e| Error::input(format!("search.reduce: {e}")))?,
        })
    }

    /// The run of the `[expect.probability]` checks: the same model, those properties.
    pub fn prob_spec(&self) -> Result<RunSpec> {
        let mut spec = self.run_spec()?;
        spec.properties = self.expect.probability.keys().cloned().collect();
        Ok(spec)
    }

    /// `search.timeout`, validated.
    fn timeout(&self) -> Result<Option<Duration>> {
        self.search
            .timeout
            .map(|t| seconds("search.timeout", t))
            .transpose()
    }

    /// Bounds of the probability computation (the `[search]` bounds that apply to it).
    pub fn prob_options(&self) -> Result<crate::engine::prob::ProbOptions> {
        Ok(crate::engine::prob::ProbOptions {
            max_states: self.search.max_states,
            timeout: self.timeout()?,
        })
    }

    /// Search options (strategy and bounds) of this file.
    /// The file's memory budget in bytes, if it sets one.
    pub fn memory_limit(&self) -> Result<Option<u64>> {
        self.search
            .memory_limit
            .as_deref()
            .map(|m| {
                crate::engine::stop::parse_size(m)
                    .map_err(|e| Error::input(format!("search.memory_limit: {e}")))
            })
            .transpose()
    }

    pub fn options(&self) -> Result<Options> {
        let strategy = match &self.search.strategy {
            None => Strategy::Bfs,
            Some(s) => Strategy::parse(s).ok_or_else(|| {
                Error::input(format!("search.strategy must be bfs or dfs (got '{s}')"))
            })?,
        };
        Ok(Options {
            strategy,
            threads: 1,
            max_depth: self.search.max_depth,
            max_states: self.search.max_states,
            timeout: self.timeout()?,
            progress: None,
            fingerprint_bits: match self.search.fingerprint_bits {
                None => crate::engine::visited::MAX_BITS,
                Some(b) => fingerprint_bits("search.fingerprint_bits", b)?,
            },
            disk: None,
            checkpoint: None,
        })
    }
}

/// Why `path` cannot be read as a model file (it is not a regular file): the message names
/// what it is instead, so that a pipe or a device is refused at once, never read.
pub fn not_a_file(path: &Path) -> String {
    use std::os::unix::fs::FileTypeExt;
    let shown = path.display();
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            format!("no such file or directory: {shown}")
        }
        Err(e) => format!("cannot read {shown}: {e}"),
        Ok(md) => {
            let t = md.file_type();
            let what = if t.is_symlink() {
                match std::fs::metadata(path) {
                    Err(e) => format!("a symbolic link that cannot be followed ({e})"),
                    Ok(_) => "a symbolic link to something that is not a regular file".into(),
                }
            } else if t.is_dir() {
                "a directory".into()
            } else if t.is_fifo() {
                "a named pipe".into()
            } else if t.is_char_device() || t.is_block_device() {
                "a device".into()
            } else if t.is_socket() {
                "a socket".into()
            } else {
                "not a regular file".into()
            };
            format!("{shown} is {what}, not a model file")
        }
    }
}

/// A positive, finite number of seconds.
pub fn seconds(what: &str, t: f64) -> Result<Duration> {
    match Duration::try_from_secs_f64(t) {
        Ok(d) if t > 0.0 && t <= 1e9 => Ok(d),
        _ => Err(Error::input(format!(
            "{what} must be a positive number of seconds, at most 1e9 (got {t})"
        ))),
    }
}

use crate::engine::property::strip_witness;

fn value_text(key: &str, v: &toml::Value) -> Result<String> {
    match v {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Array(items) => items
            .iter()
            .map(|x| value_text(key, x))
            .collect::<Result<Vec<_>>>()
            .map(|v| v.join(",")),
        _ => Err(Error::input(format!(
            "parameter {key}: expected a string, integer, boolean or list"
        ))),
    }
}
