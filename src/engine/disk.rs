//! Breadth-first search beyond RAM (`--disk DIR`), after Stern and Dill's disk-based Murφ
//! ("Using magnetic disk instead of main memory in the Murφ verifier", CAV 1998).
//!
//! The frontier lives on disk, one file per level; so do the parent links (one file per
//! level, for rebuilding counterexamples) and, once memory runs short, the visited set:
//! - the **visited set** is split in two. `R`, in memory, is the usual compact set
//!   ([`crate::engine::visited`]); `D`, on disk, is a sorted file of fingerprints. A successor
//!   already in `R` is dropped at once. When `R` outgrows its share of the memory budget it is
//!   sorted and merged into `D` (one sequential pass) and emptied.
//! - while `D` is empty every successor new to `R` is new: it goes straight to the next
//!   level's file. Once `D` exists, successors new to `R` are *candidates*: they wait in a
//!   candidate file until the end of the level (or the next merge), when their fingerprints
//!   are sorted and checked against `D` in one pass; the new ones are appended to the next
//!   level, in their candidate order. Duplicates are thus removed once per level, as in
//!   Stern–Dill, and the next level lists the same states in the same order as an in-memory
//!   BFS (so counts, verdicts and counterexamples are the same).
//!
//! Memory is bounded by `R`'s share, one batch of states and the fingerprints of one level's
//! candidates; everything else is streamed. A write error (a full disk) ends the search in a
//! labelled bounded report, as a memory stop does.

use crate::engine::checker::{Search, Sink, BATCH};
use crate::engine::codec::StateCodec;
use crate::engine::expand::Scratch;
use crate::engine::outcome::Bound;
use crate::engine::spec::Spec;
use crate::engine::visited::FpSet;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// What the search keeps about its disk run (not generic: [`Search`] holds it).
pub(super) struct DiskRun {
    /// The run's own directory inside the user's `--disk DIR` (removed when the run ends).
    pub(super) run: PathBuf,
    /// Unique states found so far (those of `R` not yet checked against `D` excluded).
    pub(super) unique: usize,
    /// Most bytes the run's files held at once.
    pub(super) peak_bytes: u64,
    /// Fingerprints in `D`.
    pub(super) on_disk: u64,
}

impl DiskRun {
    pub(super) fn files(&self) -> Files {
        Files(self.run.clone())
    }
}

/// The run directory's files.
pub(super) struct Files(pub(super) PathBuf);

impl Files {
    fn level(&self, d: usize) -> PathBuf {
        self.0.join(format!("level-{d}.bin"))
    }
    fn parents(&self, d: usize) -> PathBuf {
        self.0.join(format!("parents-{d}.bin"))
    }
    fn visited(&self) -> PathBuf {
        self.0.join("visited.bin")
    }
    fn candidates(&self) -> PathBuf {
        self.0.join("candidates.bin")
    }
    /// Bytes the run's files hold now.
    fn bytes(&self) -> u64 {
        std::fs::read_dir(&self.0)
            .map(|rd| {
                rd.flatten()
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }
}

/// Creates a fresh run directory inside `dir` (which is created if missing).
pub(super) fn create_run(dir: &Path) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    for i in 0.. {
        let run = dir.join(format!("broadcheck-bfs-{}-{i}", std::process::id()));
        match std::fs::create_dir(&run) {
            Ok(()) => return Ok(run),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("an unbounded range ends")
}

/// The next level being written: its states and parent links, and (once `D` exists) the
/// candidates that wait for the check against `D`.
struct NextLevel<'c, S> {
    codec: &'c StateCodec<S>,
    states: BufWriter<File>,
    parents: BufWriter<File>,
    candidates: Option<(BufWriter<File>, Vec<u64>)>,
    /// Keeps the fingerprint bits the visited set keeps (what `D` stores).
    mask: u64,
    buf: Vec<u8>,
    /// States written to this level, and new states counted by the pushes.
    written: usize,
    fresh: usize,
    error: Option<String>,
}

impl<S> NextLevel<'_, S> {
    fn write_state(&mut self, fp: u64, parent: u64, bytes: &[u8]) -> io::Result<()> {
        self.states.write_all(&fp.to_le_bytes())?;
        self.states.write_all(&(bytes.len() as u32).to_le_bytes())?;
        self.states.write_all(bytes)?;
        self.parents.write_all(&fp.to_le_bytes())?;
        self.parents.write_all(&parent.to_le_bytes())?;
        self.written += 1;
        Ok(())
    }
}

impl<S> Sink<S> for NextLevel<'_, S> {
    fn push(&mut self, s: S, fp: u64, parent: u64) {
        if self.error.is_some() {
            return;
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let r = if !(self.codec.encode)(&s, &mut buf) {
            Err(io::Error::other("a state could not be encoded"))
        } else if let Some((w, fps)) = self.candidates.as_mut() {
            fps.push(fp & self.mask);
            write_candidate(w, fp, parent, &buf)
        } else {
            self.fresh += 1;
            self.write_state(fp, parent, &buf)
        };
        if let Err(e) = r {
            self.error = Some(e.to_string());
        }
        self.buf = buf;
    }
}

fn write_candidate(w: &mut impl Write, fp: u64, parent: u64, bytes: &[u8]) -> io::Result<()> {
    w.write_all(&fp.to_le_bytes())?;
    w.write_all(&parent.to_le_bytes())?;
    w.write_all(&(bytes.len() as u32).to_le_bytes())?;
    w.write_all(bytes)
}

fn read_u64(r: &mut impl Read) -> io::Result<Option<u64>> {
    let mut b = [0u8; 8];
    match r.read_exact(&mut b) {
        Ok(()) => Ok(Some(u64::from_le_bytes(b))),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(e),
    }
}

fn read_bytes(r: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<()> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    buf.resize(u32::from_le_bytes(len) as usize, 0);
    r.read_exact(buf)
}

fn corrupt(what: &Path) -> io::Error {
    io::Error::other(format!(
        "{} holds a state that does not decode",
        what.display()
    ))
}

/// Reads up to `max` states of a level file into `out` (emptied first).
pub(super) fn read_batch<S>(
    r: &mut impl Read,
    codec: &StateCodec<S>,
    max: usize,
    out: &mut Vec<(S, u64)>,
    buf: &mut Vec<u8>,
    path: &Path,
) -> io::Result<()> {
    out.clear();
    while out.len() < max {
        let Some(fp) = read_u64(r)? else { break };
        read_bytes(r, buf)?;
        out.push(((codec.decode)(buf).ok_or_else(|| corrupt(path))?, fp));
    }
    Ok(())
}

/// Reads a file of sorted fingerprints.
fn fingerprints(path: &Path) -> io::Result<impl Iterator<Item = io::Result<u64>>> {
    let mut r = BufReader::with_capacity(1 << 16, File::open(path)?);
    Ok(std::iter::from_fn(move || read_u64(&mut r).transpose()))
}

/// Keeps, of the sorted `fps`, those not in the sorted file `d` (one pass over each).
fn drop_visited(d: &Path, fps: &mut Vec<u64>) -> io::Result<()> {
    let mut on_disk = fingerprints(d)?;
    let mut cur = on_disk.next().transpose()?;
    let mut keep = Vec::with_capacity(fps.len());
    for &f in fps.iter() {
        while cur.is_some_and(|g| g < f) {
            cur = on_disk.next().transpose()?;
        }
        if cur != Some(f) {
            keep.push(f);
        }
    }
    *fps = keep;
    Ok(())
}

/// Merges the sorted `fps` into the sorted file `d` (a union), through a temporary file
/// renamed over it. Returns the fingerprints `d` then holds.
fn merge_into(d: &Path, fps: &[u64]) -> io::Result<u64> {
    let tmp = d.with_extension("tmp");
    let mut w = BufWriter::with_capacity(1 << 16, File::create(&tmp)?);
    let mut n = 0u64;
    let mut put = |w: &mut BufWriter<File>, f: u64| -> io::Result<()> {
        n += 1;
        w.write_all(&f.to_le_bytes())
    };
    let mut mem = fps.iter().copied().peekable();
    if d.exists() {
        for g in fingerprints(d)? {
            let g = g?;
            while let Some(&f) = mem.peek().filter(|&&f| f < g) {
                put(&mut w, f)?;
                mem.next();
            }
            if mem.peek() == Some(&g) {
                mem.next();
            }
            put(&mut w, g)?;
        }
    }
    for f in mem {
        put(&mut w, f)?;
    }
    w.into_inner().map_err(|e| e.into_error())?.sync_data()?;
    std::fs::rename(&tmp, d)?;
    Ok(n)
}

impl<S> NextLevel<'_, S> {
    /// Checks the waiting candidates against `D` and appends the new ones to the level.
    fn settle(&mut self, run: &Files) -> io::Result<()> {
        let Some((w, mut fps)) = self.candidates.take() else {
            return Ok(());
        };
        w.into_inner().map_err(|e| e.into_error())?;
        fps.sort_unstable();
        drop_visited(&run.visited(), &mut fps)?;
        let path = run.candidates();
        let mut r = BufReader::with_capacity(1 << 16, File::open(&path)?);
        let mut buf = Vec::new();
        while let Some(fp) = read_u64(&mut r)? {
            let parent = read_u64(&mut r)?.ok_or_else(|| corrupt(&path))?;
            read_bytes(&mut r, &mut buf)?;
            if fps.binary_search(&(fp & self.mask)).is_ok() {
                self.fresh += 1;
                self.write_state(fp, parent, &buf)?;
            }
        }
        let w = BufWriter::with_capacity(1 << 16, File::create(&path)?);
        self.candidates = Some((w, Vec::new()));
        Ok(())
    }
}

/// The rest of a disk-based BFS: what [`bfs`] needs beside the search.
struct Io<'c, S> {
    codec: &'c StateCodec<S>,
    batch: usize,
    /// `R` is merged into `D` once it holds this many bytes.
    share: usize,
}

/// Runs the BFS with its frontier on disk (`opts.disk`): see the module's doc.
pub(super) fn bfs<M: Spec>(search: &mut Search<'_, M>) {
    let Some(codec) = search.m.store() else {
        search.bound = Some(Bound::Disk {
            error: "this model's states cannot be written to disk".into(),
            states: 0,
        });
        return;
    };
    let Some(opts) = search.opts.disk.clone() else {
        return;
    };
    let dir = opts.dir;
    let run = match create_run(&dir) {
        Ok(run) => run,
        Err(e) => {
            search.bound = Some(Bound::Disk {
                error: format!("cannot use {}: {e}", dir.display()),
                states: 0,
            });
            return;
        }
    };
    let budget = crate::engine::stop::budget().unwrap_or_else(crate::engine::stop::default_budget);
    let state_bytes = std::mem::size_of::<(M::State, u64)>();
    let io = Io {
        codec: &codec,
        batch: (budget as usize / 64 / state_bytes.max(1)).clamp(256, BATCH),
        share: opts.memory.unwrap_or((budget / 10 * 4) as usize),
    };
    search.disk = Some(DiskRun {
        run,
        unique: 0,
        peak_bytes: 0,
        on_disk: 0,
    });
    if let Err(e) = levels(search, &io) {
        let states = search.unique();
        search.bound = Some(Bound::Disk {
            error: e.to_string(),
            states,
        });
    }
}

fn levels<M: Spec>(search: &mut Search<'_, M>, io: &Io<'_, M::State>) -> io::Result<()> {
    let mask = match search.visited.bits() {
        64 => u64::MAX,
        b => u64::MAX << (64 - b),
    };
    let new_level =
        |run: &Files, d: usize, candidates: bool| -> io::Result<NextLevel<'_, M::State>> {
            let w = |p: PathBuf| File::create(p).map(|f| BufWriter::with_capacity(1 << 16, f));
            Ok(NextLevel {
                codec: io.codec,
                states: w(run.level(d))?,
                parents: w(run.parents(d))?,
                candidates: if candidates {
                    Some((w(run.candidates())?, Vec::new()))
                } else {
                    None
                },
                mask,
                buf: Vec::new(),
                written: 0,
                fresh: 0,
                error: None,
            })
        };
    // Level 0: the initial states.
    let inits = search.inits();
    let info = Files(
        search
            .disk
            .as_ref()
            .map(|d| d.run.clone())
            .unwrap_or_default(),
    );
    let mut level0 = new_level(&info, 0, false)?;
    for (s, f) in inits {
        level0.push(s, f, 0);
    }
    finish_level(level0)?;
    set_unique(search, search.visited.len());
    let mut depth = 0;
    let mut batch = Vec::new();
    let mut buf = Vec::new();
    let mut scratch = Scratch::default();
    loop {
        search.max_depth = depth;
        let path = info.level(depth);
        let mut r = BufReader::with_capacity(1 << 16, File::open(&path)?);
        let on_disk = search.disk.as_ref().map_or(0, |d| d.on_disk);
        let mut next = new_level(&info, depth + 1, on_disk > 0)?;
        let before = search.unique();
        loop {
            read_batch(&mut r, io.codec, io.batch, &mut batch, &mut buf, &path)?;
            if batch.is_empty() {
                break;
            }
            search.report_progress(depth);
            if search.visited.bytes() >= io.share && !search.visited.is_empty() {
                spill(search, &info, &mut next)?;
            }
            if search.timed_out() {
                // The count at the stop includes the candidates waiting for `D`, as the
                // in-memory search's includes every state it inserted.
                next.settle(&info)?;
                set_unique(search, before + next.fresh);
                return Ok(());
            }
            let go = search.bfs_batch(&batch, depth, &mut scratch, &mut next);
            if let Some(e) = next.error.take() {
                return Err(io::Error::other(e));
            }
            let counted = before + next.fresh;
            set_unique(search, counted);
            search.pending_bytes = search
                .pending_bytes
                .max(batch.capacity() * std::mem::size_of::<(M::State, u64)>());
            if !go {
                next.settle(&info)?;
                set_unique(search, before + next.fresh);
                return Ok(());
            }
        }
        drop(r);
        next.settle(&info)?;
        set_unique(search, before + next.fresh);
        let written = next.written;
        finish_level(next)?;
        let bytes = info.bytes();
        if let Some(d) = search.disk.as_mut() {
            d.peak_bytes = d.peak_bytes.max(bytes);
        }
        std::fs::remove_file(&path)?;
        if written == 0 {
            let _ = std::fs::remove_file(info.level(depth + 1));
            return Ok(());
        }
        depth += 1;
    }
}

fn set_unique<M: Spec>(search: &mut Search<'_, M>, n: usize) {
    if let Some(d) = search.disk.as_mut() {
        d.unique = n;
    }
}

fn finish_level<S>(next: NextLevel<'_, S>) -> io::Result<()> {
    if let Some(e) = next.error {
        return Err(io::Error::other(e));
    }
    next.states.into_inner().map_err(|e| e.into_error())?;
    next.parents.into_inner().map_err(|e| e.into_error())?;
    Ok(())
}

/// Merges `R` into `D` (after settling the candidates waiting against the old `D`), and
/// empties `R`; from now on successors new to `R` are candidates.
fn spill<M: Spec>(
    search: &mut Search<'_, M>,
    info: &Files,
    next: &mut NextLevel<'_, M::State>,
) -> io::Result<()> {
    next.settle(info)?;
    let bits = search.visited.bits();
    let mut fps: Vec<u64> = search.visited.fingerprints().collect();
    search.visited = FpSet::with_bits(bits);
    fps.sort_unstable();
    let n = merge_into(&info.visited(), &fps)?;
    drop(fps);
    if next.candidates.is_none() {
        let w = BufWriter::with_capacity(1 << 16, File::create(info.candidates())?);
        next.candidates = Some((w, Vec::new()));
    }
    let bytes = info.bytes();
    if let Some(d) = search.disk.as_mut() {
        d.on_disk = n;
        d.peak_bytes = d.peak_bytes.max(bytes);
    }
    Ok(())
}

/// The fingerprints from an initial state to the state `fp` found at `depth`, read from the
/// run's parent files (one backward pass per level).
pub(super) fn chain(run: &Files, fp: u64, depth: usize) -> io::Result<Option<Vec<u64>>> {
    let mut chain = vec![fp];
    let mut cur = fp;
    for d in (1..=depth).rev() {
        let mut r = BufReader::with_capacity(1 << 16, File::open(run.parents(d))?);
        let mut parent = None;
        while let Some(f) = read_u64(&mut r)? {
            let p = read_u64(&mut r)?.ok_or_else(|| corrupt(&run.parents(d)))?;
            if f == cur {
                parent = Some(p);
                break;
            }
        }
        let Some(p) = parent else { return Ok(None) };
        chain.push(p);
        cur = p;
    }
    chain.reverse();
    Ok(Some(chain))
}

#[cfg(test)]
mod tests {
    use crate::engine::checker::check;
    use crate::engine::outcome::{DiskOptions, Options, Status};
    use crate::engine::spec::Spec;
    use crate::models::params::RunSpec;
    use crate::models::{agreement::om, broadcast::beb, broadcast::eager_rb};
    use crate::models::{broadcast::majority_ack_urb, order::causal_waiting};

    use crate::test_util::seen;

    /// In memory and on disk, with the visited set all in memory or spilled every few
    /// hundred fingerprints, on one and two threads: the same counts, verdicts and paths.
    fn same_on_disk<M: Spec>(name: &str, m: &M) {
        let mem = check(m, &Options::default());
        let dir = tempfile::tempdir().expect("temp dir");
        for memory in [None, Some(2048)] {
            for threads in [1, 2] {
                let opts = Options {
                    threads,
                    disk: Some(DiskOptions {
                        dir: dir.path().to_path_buf(),
                        memory,
                    }),
                    ..Options::default()
                };
                let disk = check(m, &opts);
                assert_eq!(disk.bound, mem.bound, "{name} {memory:?} {threads}");
                assert_eq!(disk.stopped_early, mem.stopped_early, "{name}");
                assert_eq!(seen(&disk), seen(&mem), "{name} {memory:?} {threads}");
                assert!(disk.disk_bytes > 0, "{name}");
            }
        }
        // Each run removes its own files.
        let left = std::fs::read_dir(dir.path()).expect("dir").count();
        assert_eq!(left, 0, "{name}");
    }

    fn spec(n: u32, f: u32, params: &[(&str, &str)]) -> RunSpec {
        RunSpec::of("", n, f, params)
    }

    #[test]
    fn disk_search_matches_memory() {
        let (m, _) = eager_rb::ENTRY.system(&spec(3, 1, &[])).expect("valid");
        same_on_disk("eager-rb", &m);
        // Violations (BEB2 with a crashed sender) and witnesses, rebuilt from parent files.
        let (m, _) = beb::ENTRY.system(&spec(3, 1, &[])).expect("valid");
        same_on_disk("beb", &m);
        // A search that stops once RB4 and its witness are decided, with candidates waiting.
        let early = RunSpec {
            properties: vec!["RB4".into()],
            ..spec(4, 1, &[])
        };
        let (m, _) = beb::ENTRY.system(&early).expect("valid");
        assert!(check(&m, &Options::default()).stopped_early);
        same_on_disk("beb RB4", &m);
        let (m, _) = majority_ack_urb::ENTRY
            .system(&spec(4, 1, &[]))
            .expect("valid");
        same_on_disk("majority-ack-urb", &m);
        let (m, _) = causal_waiting::ENTRY
            .system(&spec(3, 1, &[]))
            .expect("valid");
        same_on_disk("causal-waiting", &m);
        let (m, _) = om::ENTRY.system(&spec(4, 1, &[])).expect("valid");
        same_on_disk("om", &m);
    }

    #[test]
    fn a_bad_directory_is_a_labelled_stop() {
        let (m, _) = beb::ENTRY.system(&spec(3, 1, &[])).expect("valid");
        let opts = Options {
            disk: Some(DiskOptions {
                dir: "/proc/version/nope".into(),
                memory: None,
            }),
            ..Options::default()
        };
        let out = check(&m, &opts);
        assert!(!out.exhaustive());
        assert!(matches!(
            out.bound,
            Some(crate::engine::outcome::Bound::Disk { .. })
        ));
        assert!(out.findings.iter().all(|f| f.status == Status::Unknown));
    }
}
