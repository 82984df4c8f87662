//! The project's own exhaustive search over stateright's [`Model`](stateright::Model) trait.
//!
//! Why not stateright's checkers: their BFS ignores `symmetry()`, `threads(1)` ignores the
//! timeout, a model's `eventually` is unsound on cycles, and the count at which a multi-threaded
//! run stops is not reproducible. This search is:
//! - **deterministic**: BFS expands each level in batches; successors are computed (and
//!   properties evaluated) in parallel on `threads` workers, and inserted into the visited set
//!   by the workers with the result of in-order insertion, so the unique-state count and every
//!   counterexample are the same whatever the thread count. That is what lets model files pin
//!   state counts. DFS on several workers (roots from a short BFS prefix, one shared visited
//!   set) finds the same states and verdicts; when several counterexamples exist, which one it
//!   reports may vary between runs, so model files pin BFS or single-threaded DFS.
//! - **honest about bounds**: a depth, state-count or time bound that cut the search makes the
//!   run *bounded*; properties without a counterexample are then `unknown`, never `holds`.
//! - **aware of quiescence**: liveness properties are judged at quiescent states (see
//!   the property catalogue), each with a reachability witness against vacuity.
//!
//! Visited states are kept as 64-bit fingerprints only ([`crate::engine::visited`], 10–15 bytes per
//! state). DFS keeps the fingerprints of the current path on its stack; BFS rebuilds a path by
//! re-running the levels above the state with parent links. Either way the counterexample is
//! rebuilt by replaying the model from its initial state along the fingerprint chain (as
//! stateright does), on concrete states even under symmetry reduction.
//!
//! The search stops early once every property is decided (every safety and liveness property
//! violated, every witness found); the report then says it was not exhaustive.
//!
//! Where the time goes: most successors are visited already (9 in 10 on the eager-RB
//! benchmark), so a successor is first only fingerprinted. A model that can says what its
//! successor's fingerprint is without building it ([`Spec::successor_fingerprint`]; the
//! runtime does it for deliveries and timers from an incrementally kept digest, see
//! the asynchronous runtime's incrementally kept digest); the others are built in two reused scratch states
//! ([`Spec::next_into`]). Only a new successor is built for keeps. Lookups are pipelined: one
//! fingerprint waits while the next is computed, its visited-set line prefetched. DFS workers
//! answer most duplicates from a small per-worker cache of fingerprints they met in the shared
//! set, which spares them the shared set's segment locks.

use crate::engine::checkpoint::CheckpointNote;
use crate::engine::expand::{expand_one, par_chunks, Cx, Insert, Scratch, Unvisited};
use crate::engine::fingerprint::Fingerprinter;
use crate::engine::outcome::{
    replay, Bound, Finding, Options, Outcome, Progress, Status, Strategy,
};
use crate::engine::property::Kind;
use crate::engine::spec::Spec;
use crate::engine::visited::FpSet;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::time::{Duration, Instant};

/// Identity hasher for fingerprints, which are hashes already.
#[derive(Default)]
pub(super) struct IdHasher(u64);
impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(super) type Parents = HashMap<u64, u64, BuildHasherDefault<IdHasher>>;

/// What the search must decide: each property's verdict, and each liveness witness.
#[derive(Copy, Clone)]
pub(super) struct Slot {
    pub(super) prop: usize,
    pub(super) witness: bool,
}

pub(super) struct Expanded {
    pub(super) events: Vec<(usize, Option<String>)>,
    pub(super) quiescent: bool,
    pub(super) has_succ: bool,
    /// Successors were computed (false at the depth bound).
    pub(super) expanded: bool,
    /// Successors generated, before the `admit` filter.
    pub(super) generated: usize,
    /// How many successors were admitted (appended to the caller's vector).
    pub(super) succs: usize,
}

/// A state's admitted successors, for [`Search::absorb`].
pub(super) struct Succs<S> {
    pub(super) list: Vec<(S, u64)>,
    /// Already in the visited set (expand_one inserted them); otherwise absorb inserts them
    /// and drops the ones already there.
    pub(super) inserted: bool,
}

impl<S> Succs<S> {
    pub(super) fn inserted(list: Vec<(S, u64)>) -> Self {
        Succs {
            list,
            inserted: true,
        }
    }
    pub(super) fn unchecked(list: Vec<(S, u64)>) -> Self {
        Succs {
            list,
            inserted: false,
        }
    }
}

/// One BFS worker's share of a batch: each state's expansion, and their successors in order.
pub(super) type Chunk<S> = (Vec<Expanded>, Vec<(S, u64)>);

/// Runs the search.
pub fn check<M: Spec>(m: &M, opts: &Options) -> Outcome<M> {
    let slots = slots_of(m);
    let mut s = Search::new(m, opts, slots, None);
    match opts.strategy {
        Strategy::Bfs => s.bfs(),
        Strategy::Dfs => s.dfs(),
    }
    s.finish()
}

pub use crate::engine::checkpoint::resume;

/// The property slots of `m`: each property's verdict, and each liveness witness.
pub(super) fn slots_of<M: Spec>(m: &M) -> Vec<Slot> {
    let mut slots = Vec::new();
    for (i, d) in m.props().iter().enumerate() {
        slots.push(Slot {
            prop: i,
            witness: false,
        });
        if d.witness.is_some() {
            slots.push(Slot {
                prop: i,
                witness: true,
            });
        }
    }
    slots
}

/// How the search can rebuild the path to a state it found.
#[derive(Clone)]
pub(super) enum Trail {
    /// The fingerprints from an initial state to it (DFS: its stack; BFS: parent links).
    Chain(Vec<u64>),
    /// Only its fingerprint and depth (BFS without parent links): rebuilt by a second search.
    At { fp: u64, depth: usize },
}

pub(super) struct Search<'a, M: Spec> {
    pub(super) m: &'a M,
    pub(super) opts: &'a Options,
    pub(super) fpr: Fingerprinter,
    pub(super) visited: FpSet,
    /// Parent links, kept only by the second BFS that rebuilds counterexamples.
    pub(super) parents: Option<Parents>,
    pub(super) slots: Vec<Slot>,
    pub(super) found: Vec<Option<(Trail, Option<String>)>>,
    /// `decided[i]`: slot i has its verdict (a cheap copy of `found` for the workers).
    pub(super) decided: Vec<bool>,
    pub(super) undecided: usize,
    pub(super) generated: usize,
    pub(super) max_depth: usize,
    pub(super) quiescent: usize,
    pub(super) bound: Option<Bound>,
    pub(super) stopped_early: bool,
    pub(super) start: Instant,
    pub(super) last_progress: Instant,
    /// Peak bytes of states held by the frontier or stack.
    pub(super) pending_bytes: usize,
    /// The disk run of a search beyond RAM (`--disk`).
    pub(super) disk: Option<crate::engine::disk::DiskRun>,
    pub(super) last_checkpoint: Instant,
    /// The model's identity a checkpoint records (computed at the first one).
    pub(super) identity: Option<u64>,
    pub(super) checkpoint: Option<CheckpointNote>,
    /// Time spent before the checkpoint this search resumed from.
    pub(super) elapsed_before: Duration,
}

pub(super) const BATCH: usize = 1 << 14;

/// Where a BFS level's new states go: the next level in memory, or on disk
/// ([`crate::engine::disk`]), each with its parent's fingerprint.
pub(super) trait Sink<S> {
    fn push(&mut self, s: S, fp: u64, parent: u64);
}

impl<S> Sink<S> for Vec<(S, u64)> {
    fn push(&mut self, s: S, fp: u64, _parent: u64) {
        Vec::push(self, (s, fp));
    }
}

impl<'a, M: Spec> Search<'a, M> {
    pub(super) fn new(
        m: &'a M,
        opts: &'a Options,
        slots: Vec<Slot>,
        parents: Option<Parents>,
    ) -> Self {
        Search {
            m,
            opts,
            fpr: Fingerprinter::default(),
            visited: FpSet::with_bits(opts.fingerprint_bits),
            parents,
            found: vec![None; slots.len()],
            decided: vec![false; slots.len()],
            undecided: slots.len(),
            slots,
            generated: 0,
            max_depth: 0,
            quiescent: 0,
            bound: None,
            stopped_early: false,
            start: Instant::now(),
            last_progress: Instant::now(),
            pending_bytes: 0,
            disk: None,
            last_checkpoint: Instant::now(),
            identity: None,
            checkpoint: None,
            elapsed_before: Duration::ZERO,
        }
    }

    /// Unique states found so far.
    pub(super) fn unique(&self) -> usize {
        self.disk.as_ref().map_or(self.visited.len(), |d| d.unique)
    }

    pub(super) fn inits(&mut self) -> Vec<(M::State, u64)> {
        let mut v = Vec::new();
        for s in self.m.init_states() {
            let f = self.m.fingerprint(&self.fpr, &s);
            self.generated += 1;
            if self.visited.insert(f) {
                if let Some(p) = self.parents.as_mut() {
                    p.insert(f, 0);
                }
                v.push((s, f));
            }
        }
        v
    }

    pub(super) fn report_progress(&mut self, depth: usize) {
        if let Some(f) = self.opts.progress {
            if self.last_progress.elapsed() >= Duration::from_secs(1) {
                self.last_progress = Instant::now();
                f(&Progress {
                    states: self.generated,
                    unique_states: self.unique(),
                    depth,
                    elapsed: self.start.elapsed(),
                });
            }
        }
    }

    /// Whether the next BFS level can take a batch's successors within the memory budget (a
    /// growing vector briefly holds its old and new buffers, which could otherwise jump past
    /// the budget between two polls). False, with the bound set, if it cannot.
    pub(super) fn room_for<T>(&mut self, next: &mut Vec<T>, state_bytes: usize) -> bool {
        let want = 4 * BATCH;
        if next.len() + want <= next.capacity() {
            return true;
        }
        // The next push may double the vector: its new buffer must fit beside the old one.
        let growth = (next.capacity().max(want) * 2 * state_bytes) as u64;
        match crate::engine::stop::budget() {
            Some(limit) if crate::engine::stop::held() + growth > limit => {
                self.bound = Some(Bound::Memory {
                    limit,
                    states: self.unique(),
                });
                false
            }
            _ => true,
        }
    }

    /// Whether the search must stop now: its timeout, the memory budget, a signal (the bound
    /// is then set).
    pub(super) fn timed_out(&mut self) -> bool {
        crate::engine::stop::note_states(self.unique());
        // The second search that rebuilds counterexamples (with parent links) finishes what
        // the first found: only the hard limit stops it.
        if self.parents.is_none() {
            if let Some(r) = crate::engine::stop::requested() {
                self.bound = Some(Bound::from_request(r, self.unique()));
                return true;
            }
        }
        match self.opts.timeout {
            Some(t) if self.start.elapsed() >= t => {
                self.bound = Some(Bound::Time(t));
                true
            }
            _ => false,
        }
    }

    /// Records a state's property events and successors. Returns false to stop the search.
    /// `trail` tells how to reach the state (called only if a property event needs it).
    pub(super) fn absorb(
        &mut self,
        fp: u64,
        depth: usize,
        trail: impl Fn(Option<&Parents>) -> Trail,
        r: Expanded,
        succs: Succs<M::State>,
        mut push: impl FnMut(M::State, u64),
    ) -> bool {
        for (slot, why) in r.events {
            if self.found[slot].is_none() {
                let t = trail(self.parents.as_ref());
                self.found[slot] = Some((t, why));
                self.decided[slot] = true;
                self.undecided -= 1;
            }
        }
        if r.quiescent {
            self.quiescent += 1;
        }
        if self.undecided == 0 {
            self.stopped_early = true;
            return false;
        }
        if r.has_succ && !r.expanded && self.bound.is_none() {
            self.bound = Some(Bound::Depth(depth));
        }
        self.generated += r.generated;
        for (succ, f) in succs.list {
            if succs.inserted || self.visited.insert(f) {
                if let Some(p) = self.parents.as_mut() {
                    p.insert(f, fp);
                }
                push(succ, f);
                if let Some(max) = self.opts.max_states {
                    if self.visited.len() >= max {
                        self.bound = Some(Bound::States(max));
                        return false;
                    }
                }
            }
        }
        true
    }

    fn bfs(&mut self) {
        if self.opts.disk.is_some() {
            return crate::engine::disk::bfs(self);
        }
        let level = self.inits();
        self.bfs_levels(level, Vec::new(), 0);
    }

    /// The in-memory BFS from `level` at `depth`, with `next` holding the next level's
    /// states found so far (a resumed search starts mid-level).
    pub(super) fn bfs_levels(
        &mut self,
        mut level: Vec<(M::State, u64)>,
        mut next: Vec<(M::State, u64)>,
        mut depth: usize,
    ) {
        let state_bytes = std::mem::size_of::<(M::State, u64)>();
        let mut scratch = Scratch::default();
        while !level.is_empty() {
            self.max_depth = self.max_depth.max(depth);
            for (k, batch) in level.chunks(BATCH).enumerate() {
                self.report_progress(depth);
                let rest = &level[k * BATCH..];
                if self.timed_out() || !self.room_for(&mut next, state_bytes) {
                    // A stop of the budget, a signal or the timeout: a checkpoint to go on from.
                    self.save_checkpoint(rest, &next, depth);
                    return;
                }
                if self.checkpoint_due() {
                    self.save_checkpoint(rest, &next, depth);
                }
                let go = self.bfs_batch(batch, depth, &mut scratch, &mut next);
                self.pending_bytes = self
                    .pending_bytes
                    .max((level.capacity() + next.capacity()) * state_bytes);
                if !go {
                    return;
                }
            }
            level = std::mem::take(&mut next);
            depth += 1;
        }
    }

    /// Time spent on this search, before a resume included.
    pub(super) fn elapsed(&self) -> Duration {
        self.elapsed_before + self.start.elapsed()
    }

    /// Expands one batch of a BFS level at `depth`: its property events recorded, its new
    /// successors pushed to `next` (with their parent) in the order in-order insertion gives.
    /// False to stop the search.
    pub(super) fn bfs_batch(
        &mut self,
        batch: &[(M::State, u64)],
        depth: usize,
        scratch: &mut Scratch<M>,
        next: &mut impl Sink<M::State>,
    ) -> bool {
        let expand = self.opts.max_depth.is_none_or(|d| depth < d);
        if self.opts.threads <= 1 {
            // One worker: successors go into the visited set as they are generated
            // (most are duplicates of states of the same level, dropped on the spot).
            for (s, f) in batch {
                let mut new = Vec::new();
                let admit = Insert {
                    visited: &mut self.visited,
                    max: self.opts.max_states,
                };
                let (m, slots, decided, fpr) = (self.m, &self.slots, &self.decided, &self.fpr);
                let cx = Cx { m, slots, fpr };
                let r = expand_one(cx, decided, s, expand, admit, &mut new, scratch);
                let trail = |p: Option<&Parents>| level_trail(p, *f, depth);
                let push = |s, c| next.push(s, c, *f);
                if !self.absorb(*f, depth, trail, r, Succs::inserted(new), push) {
                    return false;
                }
            }
            return true;
        }
        let (m, slots, fpr, decided, visited) =
            (self.m, &self.slots, &self.fpr, &self.decided, &self.visited);
        // Each worker expands a run of the batch into one vector of successors: no
        // allocation per state, and none freed on another thread.
        // A worker also drops the successors it already kept in this batch (BFS
        // duplicates are mostly of states of the same level): only the first of each
        // is built, which is the one in-order insertion keeps.
        let chunks = par_chunks(batch, self.opts.threads, |states| {
            let mut out = Vec::new();
            let mut scratch = Scratch::default();
            let mut kept = FpSet::default();
            let rs: Vec<_> = states
                .iter()
                .map(|(s, _)| {
                    let admit = Unvisited {
                        visited,
                        kept: &mut kept,
                    };
                    let cx = Cx { m, slots, fpr };
                    expand_one(cx, decided, s, expand, admit, &mut out, &mut scratch)
                })
                .collect();
            (rs, out)
        });
        let room = self.opts.max_states.is_none_or(|max| {
            self.visited.len() + chunks.iter().map(|(_, o)| o.len()).sum::<usize>() < max
        });
        if room {
            return self.absorb_batch(batch, depth, chunks, next);
        }
        let mut states = batch.iter();
        for (rs, out) in chunks {
            let mut out = out.into_iter();
            for r in rs {
                let f = states.next().map_or(0, |(_, f)| *f);
                let succs: Vec<_> = out.by_ref().take(r.succs).collect();
                let trail = |p: Option<&Parents>| level_trail(p, f, depth);
                let push = |s, c| next.push(s, c, f);
                if !self.absorb(f, depth, trail, r, Succs::unchecked(succs), push) {
                    return false;
                }
            }
        }
        true
    }

    /// [`Search::absorb`] for a whole BFS batch, with the visited-set insertions spread over
    /// the workers ([`FpSet::insert_many`]). Same result as absorbing the states one by one:
    /// property events are scanned first (in order, up to the state that decides the last
    /// property, whose successors the one-by-one search would not insert either), then the
    /// successors are inserted in order.
    fn absorb_batch(
        &mut self,
        batch: &[(M::State, u64)],
        depth: usize,
        chunks: Vec<Chunk<M::State>>,
        next: &mut impl Sink<M::State>,
    ) -> bool {
        let results: Vec<&Expanded> = chunks.iter().flat_map(|(rs, _)| rs).collect();
        let mut cut = results.len();
        for (i, (r, (_, f))) in results.iter().zip(batch).enumerate() {
            for (slot, why) in &r.events {
                if self.found[*slot].is_none() {
                    self.found[*slot] = Some((Trail::At { fp: *f, depth }, why.clone()));
                    self.decided[*slot] = true;
                    self.undecided -= 1;
                }
            }
            if r.quiescent {
                self.quiescent += 1;
            }
            if self.undecided == 0 {
                self.stopped_early = true;
                cut = i;
                break;
            }
            if r.has_succ && !r.expanded && self.bound.is_none() {
                self.bound = Some(Bound::Depth(depth));
            }
        }
        self.generated += results.iter().take(cut).map(|r| r.generated).sum::<usize>();
        let kept: usize = results.iter().take(cut).map(|r| r.succs).sum();
        let fps: Vec<u64> = chunks
            .iter()
            .flat_map(|(_, out)| out.iter().map(|(_, f)| *f))
            .take(kept)
            .collect();
        let new = self.visited.insert_many(&fps, self.opts.threads);
        if let Some(parents) = self.parents.as_mut() {
            // Each new successor's parent: the states in order, each with its kept successors.
            let mut child = fps.iter().zip(&new);
            for (r, (_, pf)) in results.iter().take(cut).zip(batch) {
                for (f, is_new) in child.by_ref().take(r.succs) {
                    if *is_new {
                        parents.insert(*f, *pf);
                    }
                }
            }
        }
        let counts: Vec<usize> = results.iter().take(cut).map(|r| r.succs).collect();
        let mut succs = chunks.into_iter().flat_map(|(_, out)| out).zip(new);
        for (n, (_, pf)) in counts.into_iter().zip(batch) {
            for ((s, f), is_new) in succs.by_ref().take(n) {
                if is_new {
                    next.push(s, f, *pf);
                }
            }
        }
        cut == batch.len()
    }

    pub(super) fn finish(self) -> Outcome<M> {
        let exhaustive = self.bound.is_none() && !self.stopped_early;
        // BFS without parent links: re-run the levels down to the deepest finding, with parent
        // links, to rebuild the paths (deterministic order: the same states are found again).
        let rebuild_depth = self
            .found
            .iter()
            .flatten()
            .filter_map(|(t, _)| match t {
                Trail::At { depth, .. } => Some(*depth),
                Trail::Chain(_) => None,
            })
            .max();
        // A disk run rebuilds its paths from its parent files instead.
        let rebuild_depth = rebuild_depth.filter(|_| self.disk.is_none());
        let rebuilt: Option<Parents> = rebuild_depth.map(|d| {
            let opts = Options {
                max_depth: Some(d),
                max_states: None,
                timeout: None,
                progress: None,
                // The rebuild writes no checkpoint over the first search's.
                checkpoint: None,
                disk: None,
                ..self.opts.clone()
            };
            let mut again =
                Search::new(self.m, &opts, self.slots.clone(), Some(Parents::default()));
            again.bfs();
            again.parents.unwrap_or_default()
        });
        let mut findings = Vec::new();
        for (slot, found) in self.slots.iter().zip(&self.found) {
            let def = &self.m.props()[slot.prop];
            let kind = if slot.witness {
                Kind::Reachability
            } else {
                def.meta.kind
            };
            let (status, why, path) = match found {
                Some((trail, why)) => {
                    let st = if slot.witness {
                        Status::Witnessed
                    } else {
                        Status::Violated
                    };
                    let chain = match trail {
                        Trail::Chain(c) => Some(c.clone()),
                        Trail::At { fp, depth } => match &self.disk {
                            Some(d) => crate::engine::disk::chain(&d.files(), *fp, *depth)
                                .ok()
                                .flatten(),
                            None => rebuilt
                                .as_ref()
                                .filter(|p| p.contains_key(fp))
                                .map(|p| chain(p, *fp)),
                        },
                    };
                    let path = chain.and_then(|c| replay(self.m, &self.fpr, &c));
                    (st, why.clone(), path)
                }
                None if !exhaustive => (Status::Unknown, None, None),
                None if slot.witness => (Status::Unreachable, None, None),
                None => (Status::Holds, None, None),
            };
            findings.push(Finding {
                meta: def.meta,
                kind,
                status,
                why,
                path,
            });
        }
        let outcome = Outcome {
            unique_states: self.unique(),
            states: self.generated,
            max_depth: self.max_depth,
            elapsed: self.elapsed(),
            bound: self.bound,
            stopped_early: self.stopped_early,
            quiescent_states: self.quiescent,
            visited_bytes: self.visited.bytes(),
            pending_bytes: self.pending_bytes,
            fingerprint_bits: self.visited.bits(),
            disk_bytes: self.disk.as_ref().map_or(0, |d| d.peak_bytes),
            checkpoint: self.checkpoint.or_else(|| {
                self.opts.checkpoint.as_ref().map(|c| CheckpointNote {
                    dir: c.dir.clone(),
                    ..CheckpointNote::default()
                })
            }),
            findings,
        };
        if let Some(d) = &self.disk {
            // The run's files served their purpose (a checkpoint keeps its own copy).
            let _ = std::fs::remove_dir_all(&d.run);
        }
        outcome
    }
}

/// How to reach a state found at `depth` of a level-by-level search: its chain of parent links
/// if they are kept, otherwise its fingerprint and depth.
pub(super) fn level_trail(parents: Option<&Parents>, fp: u64, depth: usize) -> Trail {
    match parents {
        Some(p) => Trail::Chain(chain(p, fp)),
        None => Trail::At { fp, depth },
    }
}

/// The fingerprints from an initial state to `target`, following parent links.
pub(super) fn chain(parents: &Parents, target: u64) -> Vec<u64> {
    let mut chain = vec![target];
    let mut cur = target;
    while let Some(&p) = parents.get(&cur) {
        if p == 0 {
            break;
        }
        chain.push(p);
        cur = p;
    }
    chain.reverse();
    chain
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::entry::Entry;
    use crate::models::params::RunSpec;
    use crate::models::{
        broadcast::all_ack_urb, broadcast::beb, broadcast::eager_rb, broadcast::lazy_rb,
        broadcast::majority_ack_urb, broadcast::sync_fail_stop_rb,
    };
    use crate::runtime::protocol::Protocol;
    use stateright::Checker;

    fn spec(n: u32, f: u32, params: &[(&str, &str)]) -> RunSpec {
        RunSpec::of("", n, f, params)
    }

    /// Our count must equal stateright's own BFS on the same `Model` (claimed properties hold,
    /// so neither search stops early), and DFS and two threads must find the same count.
    fn agrees<M: Spec + Send + 'static>(name: &str, m: M) -> usize {
        let ours = check(&m, &Options::default());
        assert!(ours.exhaustive(), "{name}");
        for opts in [
            Options {
                strategy: Strategy::Dfs,
                ..Options::default()
            },
            Options {
                threads: 2,
                ..Options::default()
            },
            Options {
                strategy: Strategy::Dfs,
                threads: 2,
                ..Options::default()
            },
        ] {
            assert_eq!(check(&m, &opts).unique_states, ours.unique_states, "{name}");
        }
        let theirs = m.checker().spawn_bfs().join();
        assert_eq!(ours.unique_states, theirs.unique_state_count(), "{name}");
        ours.unique_states
    }

    fn same_as_stateright<P: Protocol>(
        e: &Entry<P>,
        n: u32,
        f: u32,
        params: &[(&str, &str)],
    ) -> usize {
        let (sys, _) = e.system(&spec(n, f, params)).expect("valid");
        agrees(e.info.name, sys)
    }

    #[test]
    fn counts_agree_with_stateright_dfs_and_threads() {
        assert_eq!(same_as_stateright(&beb::ENTRY, 3, 1, &[]), 36);
        assert_eq!(same_as_stateright(&eager_rb::ENTRY, 3, 1, &[]), 1575);
        assert_eq!(same_as_stateright(&lazy_rb::ENTRY, 3, 1, &[]), 207);
        assert_eq!(same_as_stateright(&all_ack_urb::ENTRY, 3, 1, &[]), 3575);
        assert_eq!(same_as_stateright(&majority_ack_urb::ENTRY, 3, 1, &[]), 748);
        assert_eq!(same_as_stateright(&sync_fail_stop_rb::ENTRY, 3, 1, &[]), 64);
        same_as_stateright(
            &eager_rb::ENTRY,
            2,
            0,
            &[("network", "fifo"), ("senders", "all")],
        );
        same_as_stateright(&beb::ENTRY, 2, 1, &[("network", "dup"), ("msgs", "2")]);
    }

    /// The same cross-check for the synchronous-rounds runtime.
    fn rounds_same_as_stateright<P: crate::runtime::rounds::RoundProtocol>(
        e: &crate::models::entry::RoundEntry<P>,
        n: u32,
        f: u32,
    ) -> usize {
        let (m, _) = e.system(&spec(n, f, &[])).expect("valid");
        agrees(e.info.name, m)
    }

    #[test]
    fn round_counts_agree_with_stateright() {
        use crate::models::{agreement::majority_consensus, agreement::om, agreement::sm};
        assert_eq!(rounds_same_as_stateright(&om::ENTRY, 4, 1), 326);
        assert_eq!(rounds_same_as_stateright(&sm::ENTRY, 3, 1), 150);
        assert_eq!(
            rounds_same_as_stateright(&majority_consensus::ENTRY, 3, 1),
            624
        );
    }

    /// BFS paths do not depend on the thread count, including those rebuilt by the second
    /// run with parent links (witnesses), which takes the parallel path too.
    #[test]
    fn bfs_paths_do_not_depend_on_threads() {
        let (sys, _) = majority_ack_urb::ENTRY
            .system(&spec(4, 1, &[]))
            .expect("valid");
        type Found = Vec<(Status, Option<Vec<usize>>)>;
        let paths = |threads| -> (usize, Found) {
            let out = check(
                &sys,
                &Options {
                    threads,
                    ..Options::default()
                },
            );
            let found = out
                .findings
                .iter()
                .map(|f| (f.status, f.path.as_ref().map(|p| p.indices.clone())))
                .collect();
            (out.unique_states, found)
        };
        let one = paths(1);
        assert!(one
            .1
            .iter()
            .any(|(st, p)| *st == Status::Witnessed && p.is_some()));
        assert_eq!(one, paths(2));
    }

    #[test]
    fn bounded_runs_never_hold() {
        let (sys, _) = eager_rb::ENTRY.system(&spec(3, 1, &[])).expect("valid");
        let out = check(
            &sys,
            &Options {
                max_depth: Some(3),
                ..Options::default()
            },
        );
        assert!(!out.exhaustive());
        assert_eq!(out.bound, Some(Bound::Depth(3)));
        assert!(out.findings.iter().all(|f| f.status == Status::Unknown));
        let out = check(
            &sys,
            &Options {
                max_states: Some(10),
                ..Options::default()
            },
        );
        assert_eq!(out.bound, Some(Bound::States(10)));
        assert_eq!(out.unique_states, 10);
    }
}
