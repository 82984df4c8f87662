//! Checkpoints of a breadth-first search (`--checkpoint DIR`), and resuming from one.
//!
//! A checkpoint is taken between two batches of a BFS level: the visited fingerprints, the
//! rest of the current level, the next level so far (states through the model's
//! [`StateCodec`]), the counters and what has been found. Resuming reloads them and goes on
//! with the same batch; since a BFS's result does not depend on where its batches are cut, the
//! resumed run reaches the same count, verdicts and counterexamples as one that never stopped.
//!
//! **Atomicity.** Each checkpoint is written to `DIR/ckpt-N.tmp/`, every file synced, the
//! directory renamed to `DIR/ckpt-N`, and only then is `DIR/CURRENT` (which names the live
//! checkpoint) replaced, through a synced temporary file renamed over it. A process killed at
//! any point leaves `CURRENT` naming a complete checkpoint (the previous one); leftovers of an
//! unfinished write are removed by the next write.
//!
//! **Identity.** A checkpoint records the caller's tag (the app writes the model, its
//! parameters and broadcheck's version there) and the model's own identity (the fingerprints
//! of its initial states, its properties, the fingerprint width); [`load`] refuses a checkpoint
//! whose tag or identity differs.

use crate::engine::checker::{Search, Trail};
use crate::engine::codec::StateCodec;
use crate::engine::fingerprint::Fingerprinter;
use crate::engine::outcome::{Bound, Options, Outcome};
use crate::engine::spec::Spec;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The checkpoint format (bumped when the layout changes).
pub(super) const FORMAT: u32 = 1;

/// How often and where a search writes checkpoints.
#[derive(Clone, Debug)]
pub struct CheckpointOptions {
    pub dir: PathBuf,
    /// Between two checkpoints (one is also written at every stop of the budget, a signal or
    /// the timeout).
    pub every: Duration,
    /// What the caller records to know the run again (model, parameters, version).
    pub tag: String,
}

/// What a run says about its checkpoints.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct CheckpointNote {
    pub dir: PathBuf,
    /// Checkpoints written by this run.
    pub written: usize,
    /// Unique states in the last one.
    pub states: usize,
    /// Why the last attempt failed, if it did.
    pub error: Option<String>,
}

/// The counters and findings of a search at a checkpoint.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct Meta {
    pub(super) format: u32,
    pub(super) tag: String,
    pub(super) identity: u64,
    pub(super) depth: usize,
    pub(super) generated: usize,
    pub(super) quiescent: usize,
    pub(super) pending_bytes: usize,
    /// A depth bound already cut the search here (it goes on, bounded).
    pub(super) depth_bound: Option<usize>,
    pub(super) elapsed_ms: u64,
    /// Per property slot: the state (fingerprint, depth) that decided it, and why.
    pub(super) found: Vec<Option<(u64, usize, Option<String>)>>,
    pub(super) visited: usize,
    pub(super) level: usize,
    pub(super) next: usize,
}

/// A checkpoint read back.
pub(super) struct Loaded<S> {
    pub(super) meta: Meta,
    pub(super) visited: Vec<u64>,
    pub(super) level: Vec<(S, u64)>,
    pub(super) next: Vec<(S, u64)>,
}

/// States whose fingerprints make up a model's identity.
const IDENTITY_STATES: usize = 4096;

/// The model's identity: the fingerprints of the first states of its breadth-first order
/// (which differ between two parameter sets as soon as their behaviours do, within those
/// states), its properties, the fingerprint width.
pub(super) fn identity<M: Spec>(m: &M, fpr: &Fingerprinter, bits: u32) -> u64 {
    let mut seen = std::collections::HashSet::new();
    let mut queue: std::collections::VecDeque<M::State> = m.init_states().into();
    let mut fps = Vec::new();
    let mut actions = Vec::new();
    while let Some(s) = queue.pop_front() {
        if fps.len() >= IDENTITY_STATES {
            break;
        }
        let f = m.fingerprint(fpr, &s);
        if !seen.insert(f) {
            continue;
        }
        fps.push(f);
        actions.clear();
        m.actions(&s, &mut actions);
        for a in actions.drain(..) {
            if let Some(t) = m.next_state(&s, a) {
                queue.push_back(t);
            }
        }
    }
    let props: Vec<&str> = m.props().iter().map(|d| d.meta.name).collect();
    fpr.fp(&(fps, props, bits, FORMAT))
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

fn write_states<S>(path: &Path, codec: &StateCodec<S>, states: &[(S, u64)]) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 16, File::create(path)?);
    let mut buf = Vec::new();
    for (s, fp) in states {
        buf.clear();
        if !(codec.encode)(s, &mut buf) {
            return Err(io::Error::other("a state could not be encoded"));
        }
        w.write_all(&fp.to_le_bytes())?;
        w.write_all(&(buf.len() as u32).to_le_bytes())?;
        w.write_all(&buf)?;
    }
    w.into_inner().map_err(|e| e.into_error())?.sync_all()
}

fn read_states<S>(path: &Path, codec: &StateCodec<S>, n: usize) -> io::Result<Vec<(S, u64)>> {
    let mut r = BufReader::with_capacity(1 << 16, File::open(path)?);
    let mut out = Vec::with_capacity(n);
    let mut buf = Vec::new();
    crate::engine::disk::read_batch(&mut r, codec, usize::MAX, &mut out, &mut buf, path)?;
    if out.len() != n {
        return Err(io::Error::other(format!(
            "{} holds {} states, its checkpoint says {n}",
            path.display(),
            out.len()
        )));
    }
    Ok(out)
}

/// The test suite's hook: a pause in the middle of writing a checkpoint, so that a test can
/// kill the process there.
fn stall_for_tests() {
    if let Some(ms) = std::env::var_os("BROADCHECK_CHECKPOINT_STALL_MS")
        .and_then(|v| v.to_str().and_then(|v| v.parse::<u64>().ok()))
    {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// Writes a checkpoint (see the module's doc for how it stays atomic).
pub(super) fn save<S>(
    dir: &Path,
    codec: &StateCodec<S>,
    meta: &Meta,
    visited: impl Iterator<Item = u64>,
    level: &[(S, u64)],
    next: &[(S, u64)],
) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let seq = current(dir)
        .ok()
        .and_then(|c| c.strip_prefix("ckpt-").and_then(|n| n.parse::<u64>().ok()))
        .map_or(1, |n| n + 1);
    let name = format!("ckpt-{seq}");
    let tmp = dir.join(format!("{name}.tmp"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    std::fs::create_dir(&tmp)?;
    let mut w = BufWriter::with_capacity(1 << 16, File::create(tmp.join("visited.bin"))?);
    for f in visited {
        w.write_all(&f.to_le_bytes())?;
    }
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    stall_for_tests();
    write_states(&tmp.join("level.bin"), codec, level)?;
    write_states(&tmp.join("next.bin"), codec, next)?;
    let text = serde_json::to_string_pretty(meta).map_err(io::Error::other)?;
    let mut m = File::create(tmp.join("meta.json"))?;
    m.write_all(text.as_bytes())?;
    m.sync_all()?;
    sync_dir(&tmp)?;
    let done = dir.join(&name);
    std::fs::rename(&tmp, &done)?;
    sync_dir(dir)?;
    let cur = dir.join("CURRENT.tmp");
    let mut c = File::create(&cur)?;
    c.write_all(name.as_bytes())?;
    c.sync_all()?;
    std::fs::rename(&cur, dir.join("CURRENT"))?;
    sync_dir(dir)?;
    // The older checkpoints and any unfinished write are no longer needed.
    for e in std::fs::read_dir(dir)?.flatten() {
        let n = e.file_name().to_string_lossy().to_string();
        if n.starts_with("ckpt-") && n != name {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
    Ok(())
}

/// The name of the live checkpoint in `dir`.
fn current(dir: &Path) -> io::Result<String> {
    let name = std::fs::read_to_string(dir.join("CURRENT"))?;
    let name = name.trim().to_string();
    if !name.starts_with("ckpt-") || name.contains('/') {
        return Err(io::Error::other("CURRENT does not name a checkpoint"));
    }
    Ok(name)
}

/// Whether `dir` holds a checkpoint.
pub fn exists(dir: &Path) -> bool {
    current(dir).is_ok()
}

/// The tag the live checkpoint in `dir` was written with.
pub fn tag(dir: &Path) -> Result<String, String> {
    read_meta(dir).map(|m| m.tag)
}

fn read_meta(dir: &Path) -> Result<Meta, String> {
    let name = current(dir).map_err(|e| format!("{} holds no checkpoint ({e})", dir.display()))?;
    let path = dir.join(&name).join("meta.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let meta: Meta = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a checkpoint's meta.json: {e}", path.display()))?;
    if meta.format != FORMAT {
        return Err(format!(
            "{} is a checkpoint of format {}; this broadcheck reads format {FORMAT}",
            dir.display(),
            meta.format
        ));
    }
    Ok(meta)
}

/// Reads the live checkpoint in `dir`, refusing one written with another tag or by another
/// model (`identity`).
pub(super) fn load<S>(
    dir: &Path,
    codec: &StateCodec<S>,
    tag: &str,
    identity: u64,
) -> Result<Loaded<S>, String> {
    let meta = read_meta(dir)?;
    if meta.tag != tag {
        return Err(format!(
            "{} is a checkpoint of another run ({}), not of this one ({tag})",
            dir.display(),
            meta.tag
        ));
    }
    if meta.identity != identity {
        return Err(format!(
            "{} is a checkpoint of another model: its initial states, properties or fingerprint width differ",
            dir.display()
        ));
    }
    let ck = dir.join(current(dir).map_err(|e| e.to_string())?);
    let io = |e: io::Error| format!("cannot read checkpoint {}: {e}", ck.display());
    let mut visited = Vec::with_capacity(meta.visited);
    let mut r = BufReader::with_capacity(1 << 16, File::open(ck.join("visited.bin")).map_err(io)?);
    let mut b = [0u8; 8];
    loop {
        match r.read_exact(&mut b) {
            Ok(()) => visited.push(u64::from_le_bytes(b)),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(io(e)),
        }
    }
    if visited.len() != meta.visited {
        return Err(format!(
            "checkpoint {} is damaged: {} fingerprints, its meta says {}",
            ck.display(),
            visited.len(),
            meta.visited
        ));
    }
    let level = read_states(&ck.join("level.bin"), codec, meta.level).map_err(io)?;
    let next = read_states(&ck.join("next.bin"), codec, meta.next).map_err(io)?;
    Ok(Loaded {
        meta,
        visited,
        level,
        next,
    })
}

/// Checkpointing a running search.
impl<M: Spec> Search<'_, M> {
    pub(super) fn checkpoint_due(&self) -> bool {
        self.opts
            .checkpoint
            .as_ref()
            .is_some_and(|c| self.last_checkpoint.elapsed() >= c.every)
    }

    /// Writes a checkpoint of the BFS at this batch boundary (`--checkpoint`): `rest` of the
    /// current level at `depth`, and `next`. A failure is noted in the report; the search goes
    /// on.
    pub(super) fn save_checkpoint(
        &mut self,
        rest: &[(M::State, u64)],
        next: &[(M::State, u64)],
        depth: usize,
    ) {
        let Some(c) = self.opts.checkpoint.as_ref() else {
            return;
        };
        let Some(codec) = self.m.store() else {
            return;
        };
        let meta = Meta {
            format: FORMAT,
            tag: c.tag.clone(),
            identity: *self
                .identity
                .get_or_insert_with(|| identity(self.m, &self.fpr, self.visited.bits())),
            depth,
            generated: self.generated,
            quiescent: self.quiescent,
            pending_bytes: self.pending_bytes,
            depth_bound: match self.bound {
                Some(Bound::Depth(d)) => Some(d),
                _ => None,
            },
            elapsed_ms: self.elapsed().as_millis() as u64,
            found: self
                .found
                .iter()
                .map(|f| {
                    f.as_ref().and_then(|(t, why)| match t {
                        Trail::At { fp, depth } => Some((*fp, *depth, why.clone())),
                        Trail::Chain(_) => None,
                    })
                })
                .collect(),
            visited: self.visited.len(),
            level: rest.len(),
            next: next.len(),
        };
        let r = save(
            &c.dir,
            &codec,
            &meta,
            self.visited.fingerprints(),
            rest,
            next,
        );
        let note = self.checkpoint.get_or_insert_with(|| CheckpointNote {
            dir: c.dir.clone(),
            ..CheckpointNote::default()
        });
        match r {
            Ok(()) => {
                note.written += 1;
                note.states = meta.visited;
                note.error = None;
            }
            Err(e) => note.error = Some(e.to_string()),
        }
        self.last_checkpoint = Instant::now();
    }
}

/// Resumes the BFS from the checkpoint in `opts.checkpoint`'s directory (which must have been
/// written with the same tag, by the same model), and goes on checkpointing there.
pub fn resume<M: Spec>(m: &M, opts: &Options) -> Result<Outcome<M>, String> {
    let c = opts
        .checkpoint
        .as_ref()
        .ok_or_else(|| "resume needs a checkpoint directory".to_string())?;
    let codec = m
        .store()
        .ok_or_else(|| "this model cannot read its states from disk".to_string())?;
    let fpr = Fingerprinter::default();
    let identity = identity(m, &fpr, opts.fingerprint_bits);
    let loaded = load(&c.dir, &codec, &c.tag, identity)?;
    let slots = crate::engine::checker::slots_of(m);
    if loaded.meta.found.len() != slots.len() {
        return Err(format!(
            "{} is a checkpoint of another property list",
            c.dir.display()
        ));
    }
    let mut s = Search::new(m, opts, slots, None);
    for f in loaded.visited {
        s.visited.insert(f);
    }
    let meta = loaded.meta;
    s.generated = meta.generated;
    s.quiescent = meta.quiescent;
    s.pending_bytes = meta.pending_bytes;
    s.max_depth = meta.depth;
    s.bound = meta.depth_bound.map(Bound::Depth);
    s.elapsed_before = Duration::from_millis(meta.elapsed_ms);
    for (i, f) in meta.found.into_iter().enumerate() {
        if let Some((fp, depth, why)) = f {
            s.found[i] = Some((Trail::At { fp, depth }, why));
            s.decided[i] = true;
            s.undecided -= 1;
        }
    }
    // The timeout counts this run's search, not the loading.
    s.start = Instant::now();
    s.bfs_levels(loaded.level, loaded.next, meta.depth);
    Ok(s.finish())
}

#[cfg(test)]
mod tests {
    use super::CheckpointOptions;
    use crate::engine::checker::{check, resume};
    use crate::engine::outcome::Options;
    use crate::engine::spec::Spec;
    use crate::models::params::RunSpec;
    use crate::models::{broadcast::beb, broadcast::eager_rb, broadcast::majority_ack_urb};
    use std::time::Duration;

    use crate::test_util::seen;

    fn opts(dir: &std::path::Path, timeout: Option<Duration>, tag: &str) -> Options {
        Options {
            timeout,
            checkpoint: Some(CheckpointOptions {
                dir: dir.to_path_buf(),
                every: Duration::ZERO,
                tag: tag.into(),
            }),
            ..Options::default()
        }
    }

    /// A run stopped by its timeout at once (the checkpoint holds the initial states only)
    /// and one stopped mid-search, resumed (several times if it stops again), reach the
    /// counts, verdicts and paths of a run that never stopped.
    fn resumes_to_the_same<M: Spec>(name: &str, m: &M) {
        let whole = check(m, &Options::default());
        for timeout in [Duration::ZERO, Duration::from_millis(2)] {
            let dir = tempfile::tempdir().expect("temp dir");
            let first = check(m, &opts(dir.path(), Some(timeout), name));
            let mut out = first;
            let mut rounds = 0;
            while out.bound.is_some() && rounds < 1000 {
                let c = out.checkpoint.as_ref().expect("a checkpoint note");
                assert!(c.written > 0 && c.error.is_none(), "{name}: {c:?}");
                out = resume(m, &opts(dir.path(), Some(Duration::from_millis(20)), name))
                    .expect("resumes");
                rounds += 1;
            }
            assert_eq!(seen(&out), seen(&whole), "{name} after {rounds} resumes");
        }
    }

    fn spec(n: u32, f: u32) -> RunSpec {
        RunSpec::of("", n, f, &[])
    }

    #[test]
    fn resumed_runs_match_uninterrupted_ones() {
        let (m, _) = eager_rb::ENTRY.system(&spec(3, 1)).expect("valid");
        resumes_to_the_same("eager-rb", &m);
        let (m, _) = majority_ack_urb::ENTRY.system(&spec(4, 1)).expect("valid");
        resumes_to_the_same("majority-ack-urb", &m);
        let (m, _) = beb::ENTRY.system(&spec(3, 1)).expect("valid");
        resumes_to_the_same("beb", &m);
    }

    #[test]
    fn another_tag_or_model_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (m, _) = eager_rb::ENTRY.system(&spec(3, 1)).expect("valid");
        let _ = check(&m, &opts(dir.path(), Some(Duration::ZERO), "eager-rb n=3"));
        let e = resume(&m, &opts(dir.path(), None, "eager-rb n=4"))
            .err()
            .expect("refused");
        assert!(e.contains("another run"), "{e}");
        let (other, _) = eager_rb::ENTRY.system(&spec(4, 1)).expect("valid");
        let e = resume(&other, &opts(dir.path(), None, "eager-rb n=3"))
            .err()
            .expect("refused");
        assert!(e.contains("another model"), "{e}");
        let empty = tempfile::tempdir().expect("temp dir");
        let e = resume(&m, &opts(empty.path(), None, "x"))
            .err()
            .expect("refused");
        assert!(e.contains("holds no checkpoint"), "{e}");
    }
}
#[cfg(test)]
mod roundtrip {
    use crate::engine::spec::Spec;
    use crate::models::broadcast::eager_rb;
    use crate::models::params::RunSpec;
    use stateright::Model;
    #[test]
    fn states_round_trip() {
        let (m, _) = eager_rb::ENTRY
            .system(&RunSpec::of("", 3, 1, &[]))
            .expect("valid");
        let codec = m.store().expect("codec");
        let mut todo = m.init_states();
        let mut seen = std::collections::HashSet::new();
        while let Some(s) = todo.pop() {
            if !seen.insert(s.clone()) {
                continue;
            }
            let mut b = Vec::new();
            assert!((codec.encode)(&s, &mut b));
            let t = (codec.decode)(&b).expect("decodes");
            assert_eq!(format!("{s:?}"), format!("{t:?}"));
            assert!(s == t, "{s:?}");
            let mut acts = Vec::new();
            m.actions(&s, &mut acts);
            for a in acts {
                if let Some(n) = m.next_state(&s, a) {
                    todo.push(n);
                }
            }
        }
    }
}
