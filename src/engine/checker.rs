//! The project's own exhaustive search over stateright's [`Model`] trait.
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

use crate::engine::property::{Kind, PropDef, PropMeta};
use crate::engine::visited::FpSet;
use stateright::{Expectation, Model, Property};
use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::time::{Duration, Instant};

/// A model the checker can search: a stateright [`Model`] that names its properties (from the
/// catalogue), knows its quiescent states, and can narrate its steps.
pub trait Spec:
    Model<
        State: Clone + Hash + Eq + Send + Sync + Debug,
        Action: Clone + PartialEq + Send + Sync + Debug,
    > + Sync
{
    /// The properties this run checks.
    fn props(&self) -> &[PropDef<Self>];
    /// No obligatory step is left (liveness properties are judged here). By default: no step
    /// is enabled at all.
    fn quiescent(&self, s: &Self::State) -> bool {
        let mut actions = Vec::new();
        self.actions(s, &mut actions);
        actions.is_empty()
    }
    /// Writes the successor of `s` by `a` into `into`, whose buffers a model may reuse (the
    /// search calls this with the same two scratch states over and over); false if `a` has no
    /// successor. By default: [`Model::next_state`].
    fn next_into(&self, s: &Self::State, a: Self::Action, into: &mut Option<Self::State>) -> bool {
        match self.next_state(s, a) {
            Some(t) => {
                *into = Some(t);
                true
            }
            None => false,
        }
    }
    /// The fingerprint of the successor of `s` by `a`, if the model can compute it without
    /// building the successor (most successors are visited already; only new ones are then
    /// built, with [`Spec::next_into`]). By default: `None`, always build.
    fn successor_fingerprint(
        &self,
        _fpr: &Fingerprinter,
        _s: &Self::State,
        _a: &Self::Action,
    ) -> Option<u64> {
        None
    }
    /// A step in words: the action, then what changed.
    fn render_step(&self, prev: &Self::State, a: &Self::Action, next: &Self::State) -> Step;
    /// Opening lines for the initial state of a trace (who is faulty, the inputs).
    fn render_init(&self, _s: &Self::State) -> Vec<String> {
        Vec::new()
    }
    /// Closing lines for the last state of a trace.
    fn render_end(&self, s: &Self::State) -> Vec<String>;
    /// Number of processes (lifelines of sequence charts).
    fn processes(&self) -> usize;
    /// What a step shows on a sequence chart.
    fn events(
        &self,
        prev: &Self::State,
        a: &Self::Action,
        next: &Self::State,
    ) -> Vec<crate::engine::chart::Event>;
    /// What a trace's initial state shows on a chart (who is faulty).
    fn start_events(&self, _s: &Self::State) -> Vec<crate::engine::chart::Event> {
        Vec::new()
    }
    /// What a trace's last state adds to a chart (messages lost for good).
    fn end_events(&self, _s: &Self::State) -> Vec<crate::engine::chart::Event> {
        Vec::new()
    }
    /// The temporal formula of a liveness property that the fair-cycle method judges on this
    /// model's (cyclic) graph ([`crate::engine::liveness`]); `None`, the default: the property
    /// is judged at quiescent states.
    fn temporal(&self, _meta: &PropMeta) -> Option<crate::engine::liveness::Temporal<Self::State>> {
        None
    }
    /// The fairness assumptions under which the fair-cycle method judges [`Spec::temporal`]
    /// properties (empty: none).
    fn fairness(&self) -> Vec<crate::engine::liveness::FairClass<Self::Action>> {
        Vec::new()
    }
    /// Why a [`Spec::temporal`] property fails on a lasso, in words.
    fn why_not(&self, meta: &PropMeta) -> String {
        format!("{} fails on a fair run", meta.name)
    }
    /// Which method judges liveness, and under which assumptions (stated in every report).
    fn liveness_method(&self) -> &'static str;
    /// The fingerprint the visited set stores for `s`. By default the hash of `s`; a model with
    /// symmetry reduction returns the same value for every state of a symmetry orbit.
    fn fingerprint(&self, fpr: &Fingerprinter, s: &Self::State) -> u64 {
        fpr.fp(s)
    }
    /// What the reductions asked for do in this run (one line each, for the report).
    fn reductions(&self) -> Vec<String> {
        Vec::new()
    }
    /// The reductions this model was built with (replay needs the same).
    fn reduce(&self) -> crate::engine::reductions::Reductions {
        crate::engine::reductions::Reductions::default()
    }
}

/// One step of a rendered trace.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Step {
    pub action: String,
    pub effects: Vec<String>,
}

/// Search order.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Strategy {
    Bfs,
    Dfs,
}

impl Strategy {
    pub fn parse(s: &str) -> Option<Strategy> {
        match s {
            "bfs" => Some(Strategy::Bfs),
            "dfs" => Some(Strategy::Dfs),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Bfs => "bfs",
            Strategy::Dfs => "dfs",
        }
    }
}

/// How to search.
#[derive(Clone, Debug)]
pub struct Options {
    pub strategy: Strategy,
    /// Workers (BFS: expansion and insertion; DFS: whole subtrees).
    pub threads: usize,
    /// Do not expand states at this depth (the initial state has depth 0).
    pub max_depth: Option<usize>,
    /// Stop after this many unique states.
    pub max_states: Option<usize>,
    pub timeout: Option<Duration>,
    /// Called about once a second with the search's progress (the CLI prints it on a terminal).
    pub progress: Option<fn(&Progress)>,
}

/// Progress of a running search.
#[derive(Clone, Debug)]
pub struct Progress {
    pub states: usize,
    pub unique_states: usize,
    pub depth: usize,
    pub elapsed: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            strategy: Strategy::Bfs,
            threads: 1,
            max_depth: None,
            max_states: None,
            timeout: None,
            progress: None,
        }
    }
}

/// A verdict.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Holds,
    Violated,
    Witnessed,
    Unreachable,
    Unknown,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Holds => "holds",
            Status::Violated => "violated",
            Status::Witnessed => "witnessed",
            Status::Unreachable => "unreachable",
            Status::Unknown => "unknown",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Holds,
            Status::Violated,
            Status::Witnessed,
            Status::Unreachable,
            Status::Unknown,
        ]
        .into_iter()
        .find(|st| st.name() == s)
    }
}

/// A path from an initial state.
pub struct Path<M: Model> {
    pub init: M::State,
    pub steps: Vec<(M::Action, M::State)>,
    /// The index of the initial state, then of each action in the model's `actions()` list:
    /// the replay handle, and the Explorer's `#/steps/…` URL path.
    pub indices: Vec<usize>,
}

impl<M: Model> Path<M> {
    pub fn last(&self) -> &M::State {
        self.steps.last().map_or(&self.init, |(_, s)| s)
    }

    /// The replay handle: indices joined by dots, e.g. `0.3.1.4`.
    pub fn handle(&self) -> String {
        let v: Vec<String> = self.indices.iter().map(|i| i.to_string()).collect();
        v.join(".")
    }

    /// The Explorer URL path (after the host) that opens this path's last state.
    pub fn explorer_path(&self) -> String {
        let v: Vec<String> = self.indices.iter().map(|i| i.to_string()).collect();
        format!("#/steps/{}", v.join("/"))
    }

    /// Replays a handle: `None` if it does not fit the model.
    pub fn from_handle(m: &M, handle: &str) -> Option<Path<M>>
    where
        M::State: Clone,
        M::Action: Clone,
    {
        let indices: Vec<usize> = handle
            .trim()
            .split('.')
            .map(|x| x.parse::<usize>().ok())
            .collect::<Option<_>>()?;
        let (&first, rest) = indices.split_first()?;
        let init = m.init_states().into_iter().nth(first)?;
        let mut cur = init.clone();
        let mut steps = Vec::new();
        for &i in rest {
            let mut actions = Vec::new();
            m.actions(&cur, &mut actions);
            let a = actions.into_iter().nth(i)?;
            let next = m.next_state(&cur, a.clone())?;
            cur = next.clone();
            steps.push((a, next));
        }
        Some(Path {
            init,
            steps,
            indices,
        })
    }
}

/// The verdict on one property or witness.
pub struct Finding<M: Model> {
    pub meta: &'static PropMeta,
    /// `Reachability` for a witness.
    pub kind: Kind,
    pub status: Status,
    /// Why the property fails in the last state of `path`.
    pub why: Option<String>,
    /// Counterexample (violations) or example (witnesses).
    pub path: Option<Path<M>>,
}

impl<M: Model> Finding<M> {
    /// Display name (`RB4 agreement`, or `RB4 agreement (witness)`).
    pub fn name(&self) -> &'static str {
        if self.kind == Kind::Reachability {
            self.meta.witness
        } else {
            self.meta.name
        }
    }
}

/// What a search found.
pub struct Outcome<M: Model> {
    pub unique_states: usize,
    /// States generated, duplicates included.
    pub states: usize,
    pub max_depth: usize,
    pub elapsed: Duration,
    /// Which bound cut the search, if any.
    pub bound: Option<String>,
    /// Stopped because every property was decided.
    pub stopped_early: bool,
    /// Quiescent states seen (where liveness was judged).
    pub quiescent_states: usize,
    /// Bytes of the visited set (fingerprints only).
    pub visited_bytes: usize,
    /// Peak bytes of states waiting in the BFS frontier or on the DFS stack.
    pub pending_bytes: usize,
    pub findings: Vec<Finding<M>>,
}

impl<M: Model> Outcome<M> {
    /// Every reachable state was visited.
    pub fn exhaustive(&self) -> bool {
        self.bound.is_none() && !self.stopped_early
    }
}

/// Identity hasher for fingerprints, which are hashes already.
#[derive(Default)]
struct IdHasher(u64);
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

type Parents = HashMap<u64, u64, BuildHasherDefault<IdHasher>>;

/// Fingerprints: a fixed-seed 64-bit hash of a value's `Hash` writes (stable across runs and
/// machines), never 0 (0 marks "no parent").
///
/// A state's `Hash` impl makes many tiny writes (a `u8` pid, a `u16` message id, a length).
/// Mixing each one separately costs a multiply apiece; instead the writes are packed into a
/// 64-bit sponge, and only a full sponge is folded into the accumulator, with one 64×64→128-bit
/// multiply (the construction of the `foldhash` crate), and the result gets a final avalanche.
/// Packing is sound because a type's derived `Hash` writes are prefix-free: two different
/// values first differ in a write of the same size at the same position, so the words they
/// fold differ.
#[derive(Clone)]
pub struct Fingerprinter {
    seeds: [u64; 2],
}

impl Default for Fingerprinter {
    fn default() -> Self {
        Fingerprinter::FIXED
    }
}

/// The high and low halves of the full product, xored.
#[inline(always)]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// The streaming hasher behind [`Fingerprinter`] (lengths are written as 32 bits: states are far
/// smaller).
struct Sponge {
    acc: u64,
    sponge: u64,
    /// Bits used in `sponge`.
    used: u32,
    fold_seed: u64,
}

impl Sponge {
    #[inline(always)]
    fn absorb(&mut self, x: u64, bits: u32) {
        if self.used + bits > 64 {
            self.acc = folded_multiply(self.sponge ^ self.acc, self.fold_seed);
            self.sponge = x;
            self.used = bits;
        } else {
            // used ≤ 56 here unless bits = 64 and used = 0.
            self.sponge |= x << self.used;
            self.used += bits;
        }
    }
}

impl Hasher for Sponge {
    #[inline]
    fn finish(&self) -> u64 {
        let acc = folded_multiply(
            self.sponge ^ self.acc,
            self.fold_seed ^ u64::from(self.used),
        );
        // murmur3's fmix64: every input bit reaches the low bits the visited set indexes by.
        let mut h = acc;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.absorb(u64::from_le_bytes(w), 64);
        }
        for &b in chunks.remainder() {
            self.absorb(u64::from(b), 8);
        }
    }
    #[inline(always)]
    fn write_u8(&mut self, x: u8) {
        self.absorb(u64::from(x), 8);
    }
    #[inline(always)]
    fn write_u16(&mut self, x: u16) {
        self.absorb(u64::from(x), 16);
    }
    #[inline(always)]
    fn write_u32(&mut self, x: u32) {
        self.absorb(u64::from(x), 32);
    }
    #[inline(always)]
    fn write_u64(&mut self, x: u64) {
        self.absorb(x, 64);
    }
    #[inline(always)]
    fn write_usize(&mut self, x: usize) {
        match u32::try_from(x) {
            Ok(x) => self.write_u32(x),
            Err(_) => self.write_u64(x as u64),
        }
    }
}

impl Fingerprinter {
    /// The one seed set every search uses (fingerprints are comparable across searches).
    pub const FIXED: Fingerprinter = Fingerprinter {
        seeds: [0x243f_6a88_85a3_08d3, 0xa409_3822_299f_31d0],
    };

    /// The fingerprint of `t`.
    #[inline]
    pub fn fp<T: Hash + ?Sized>(&self, t: &T) -> u64 {
        self.part(t).max(1)
    }

    /// The hash of `t`, to be combined with others (may be 0).
    #[inline]
    pub fn part<T: Hash + ?Sized>(&self, t: &T) -> u64 {
        let [acc, fold_seed] = self.seeds;
        let mut h = Sponge {
            acc,
            sponge: 0,
            used: 0,
            fold_seed,
        };
        t.hash(&mut h);
        h.finish()
    }
}

/// What the search must decide: each property's verdict, and each liveness witness.
#[derive(Copy, Clone)]
struct Slot {
    prop: usize,
    witness: bool,
}

struct Expanded {
    events: Vec<(usize, Option<String>)>,
    quiescent: bool,
    has_succ: bool,
    /// Successors were computed (false at the depth bound).
    expanded: bool,
    /// Successors generated, before the `admit` filter.
    generated: usize,
    /// How many successors were admitted (appended to the caller's vector).
    succs: usize,
}

/// A state's admitted successors, for [`Search::absorb`].
struct Succs<S> {
    list: Vec<(S, u64)>,
    /// Already in the visited set (expand_one inserted them); otherwise absorb inserts them
    /// and drops the ones already there.
    inserted: bool,
}

impl<S> Succs<S> {
    fn inserted(list: Vec<(S, u64)>) -> Self {
        Succs {
            list,
            inserted: true,
        }
    }
    fn unchecked(list: Vec<(S, u64)>) -> Self {
        Succs {
            list,
            inserted: false,
        }
    }
}

/// One BFS worker's share of a batch: each state's expansion, and their successors in order.
type Chunk<S> = (Vec<Expanded>, Vec<(S, u64)>);

/// Runs the search.
pub fn check<M: Spec>(m: &M, opts: &Options) -> Outcome<M> {
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
    let mut s = Search::new(m, opts, slots, None);
    match opts.strategy {
        Strategy::Bfs => s.bfs(),
        Strategy::Dfs => s.dfs(),
    }
    s.finish()
}

/// How the search can rebuild the path to a state it found.
#[derive(Clone)]
enum Trail {
    /// The fingerprints from an initial state to it (DFS: its stack; BFS: parent links).
    Chain(Vec<u64>),
    /// Only its fingerprint and depth (BFS without parent links): rebuilt by a second search.
    At { fp: u64, depth: usize },
}

struct Search<'a, M: Spec> {
    m: &'a M,
    opts: &'a Options,
    fpr: Fingerprinter,
    visited: FpSet,
    /// Parent links, kept only by the second BFS that rebuilds counterexamples.
    parents: Option<Parents>,
    slots: Vec<Slot>,
    found: Vec<Option<(Trail, Option<String>)>>,
    /// `decided[i]`: slot i has its verdict (a cheap copy of `found` for the workers).
    decided: Vec<bool>,
    undecided: usize,
    generated: usize,
    max_depth: usize,
    quiescent: usize,
    bound: Option<String>,
    stopped_early: bool,
    start: Instant,
    last_progress: Instant,
    /// Peak bytes of states held by the frontier or stack.
    pending_bytes: usize,
}

const BATCH: usize = 1 << 14;

impl<'a, M: Spec> Search<'a, M> {
    fn new(m: &'a M, opts: &'a Options, slots: Vec<Slot>, parents: Option<Parents>) -> Self {
        Search {
            m,
            opts,
            fpr: Fingerprinter::default(),
            visited: FpSet::default(),
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
        }
    }

    fn inits(&mut self) -> Vec<(M::State, u64)> {
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

    fn report_progress(&mut self, depth: usize) {
        if let Some(f) = self.opts.progress {
            if self.last_progress.elapsed() >= Duration::from_secs(1) {
                self.last_progress = Instant::now();
                f(&Progress {
                    states: self.generated,
                    unique_states: self.visited.len(),
                    depth,
                    elapsed: self.start.elapsed(),
                });
            }
        }
    }

    fn timed_out(&mut self) -> bool {
        match self.opts.timeout {
            Some(t) if self.start.elapsed() >= t => {
                self.bound = Some(format!("timeout of {} s", t.as_secs_f64()));
                true
            }
            _ => false,
        }
    }

    /// Records a state's property events and successors. Returns false to stop the search.
    /// `trail` tells how to reach the state (called only if a property event needs it).
    fn absorb(
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
            self.bound = Some(format!("depth limit {depth}"));
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
                        self.bound = Some(format!("state limit {max}"));
                        return false;
                    }
                }
            }
        }
        true
    }

    fn bfs(&mut self) {
        let mut level = self.inits();
        let mut depth = 0;
        let state_bytes = std::mem::size_of::<(M::State, u64)>();
        while !level.is_empty() {
            self.max_depth = depth;
            let expand = self.opts.max_depth.is_none_or(|d| depth < d);
            let mut next = Vec::new();
            let mut scratch = Scratch::default();
            for batch in level.chunks(BATCH) {
                self.report_progress(depth);
                if self.timed_out() {
                    return;
                }
                if self.opts.threads <= 1 {
                    // One worker: successors go into the visited set as they are generated
                    // (most are duplicates of states of the same level, dropped on the spot).
                    for (s, f) in batch {
                        let mut new = Vec::new();
                        let admit = Insert {
                            visited: &mut self.visited,
                            max: self.opts.max_states,
                        };
                        let (m, slots, decided, fpr) =
                            (self.m, &self.slots, &self.decided, &self.fpr);
                        let cx = Cx { m, slots, fpr };
                        let r = expand_one(cx, decided, s, expand, admit, &mut new, &mut scratch);
                        let trail = |p: Option<&Parents>| level_trail(p, *f, depth);
                        let push = |s, f| next.push((s, f));
                        if !self.absorb(*f, depth, trail, r, Succs::inserted(new), push) {
                            return;
                        }
                    }
                    self.pending_bytes = self
                        .pending_bytes
                        .max((level.capacity() + next.capacity()) * state_bytes);
                    continue;
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
                    if !self.absorb_batch(batch, depth, chunks, &mut next) {
                        return;
                    }
                    self.pending_bytes = self
                        .pending_bytes
                        .max((level.capacity() + next.capacity()) * state_bytes);
                    continue;
                }
                let mut states = batch.iter();
                for (rs, out) in chunks {
                    let mut out = out.into_iter();
                    for r in rs {
                        let f = states.next().map_or(0, |(_, f)| *f);
                        let succs: Vec<_> = out.by_ref().take(r.succs).collect();
                        let trail = |p: Option<&Parents>| level_trail(p, f, depth);
                        let push = |s, f| next.push((s, f));
                        if !self.absorb(f, depth, trail, r, Succs::unchecked(succs), push) {
                            return;
                        }
                    }
                }
                self.pending_bytes = self
                    .pending_bytes
                    .max((level.capacity() + next.capacity()) * state_bytes);
            }
            level = next;
            depth += 1;
        }
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
        next: &mut Vec<(M::State, u64)>,
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
                self.bound = Some(format!("depth limit {depth}"));
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
        let succs = chunks.into_iter().flat_map(|(_, out)| out).take(kept);
        next.extend(succs.zip(new).filter_map(|(x, is_new)| is_new.then_some(x)));
        cut == batch.len()
    }

    /// Depth-first, with the path to the current state on the stack: each frame is a state's
    /// fingerprint and its not yet explored new successors.
    fn dfs(&mut self) {
        if self.opts.threads > 1 && self.parents.is_none() {
            return self.dfs_parallel();
        }
        // One flat stack of the states still to expand, each with its depth; `path` holds the
        // fingerprints of the ancestors of the state being expanded (its trail).
        let state_bytes = std::mem::size_of::<(M::State, u64)>();
        let mut stack = self.inits();
        stack.reverse();
        let mut depths: Vec<u32> = vec![0; stack.len()];
        let mut path: Vec<u64> = Vec::new();
        let mut scratch = Scratch::default();
        let mut n = 0usize;
        while let (Some((s, f)), Some(depth)) = (stack.pop(), depths.pop()) {
            let depth = depth as usize;
            path.truncate(depth);
            n += 1;
            if n.is_multiple_of(1024) {
                self.report_progress(self.max_depth);
                if self.timed_out() {
                    return;
                }
            }
            self.max_depth = self.max_depth.max(depth);
            let expand = self.opts.max_depth.is_none_or(|d| depth < d);
            // New successors enter the visited set as they are generated, and the stack
            // right after; duplicates are dropped on the spot.
            let admit = Insert {
                visited: &mut self.visited,
                max: self.opts.max_states,
            };
            let cx = Cx {
                m: self.m,
                slots: &self.slots,
                fpr: &self.fpr,
            };
            let start = stack.len();
            let r = expand_one(
                cx,
                &self.decided,
                &s,
                expand,
                admit,
                &mut stack,
                &mut scratch,
            );
            let trail = |_: Option<&Parents>| {
                let mut c = path.clone();
                c.push(f);
                Trail::Chain(c)
            };
            let go_on = self.absorb(f, depth, trail, r, Succs::inserted(Vec::new()), |_, _| {});
            if !go_on {
                return;
            }
            if let Some(max) = self.opts.max_states {
                if self.visited.len() >= max {
                    self.bound = Some(format!("state limit {max}"));
                    return;
                }
            }
            // Expanded in the order generated.
            stack[start..].reverse();
            depths.resize(stack.len(), depth as u32 + 1);
            self.pending_bytes = self.pending_bytes.max(stack.len() * state_bytes);
            path.push(f);
        }
    }

    /// DFS on several workers: a short BFS (with parent links) grows a frontier of at least
    /// 64 states per worker; the workers then take frontier states one at a time and search
    /// depth-first from each, sharing one visited set. Unique-state counts and verdicts are
    /// those of the sequential search; when several counterexamples exist, which one is
    /// reported first may vary between runs.
    fn dfs_parallel(&mut self) {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
        use std::sync::Mutex;
        let threads = self.opts.threads;
        // The BFS prefix.
        self.parents = Some(Parents::default());
        let mut level = self.inits();
        let mut depth = 0;
        while !level.is_empty() && level.len() < 64 * threads {
            self.max_depth = depth;
            if self.opts.max_depth.is_some_and(|d| depth >= d) {
                break;
            }
            let mut next = Vec::new();
            let mut scratch = Scratch::default();
            for (s, f) in &level {
                let mut succs = Vec::new();
                let cx = Cx {
                    m: self.m,
                    slots: &self.slots,
                    fpr: &self.fpr,
                };
                let r = expand_one(
                    cx,
                    &self.decided,
                    s,
                    true,
                    KeepAll,
                    &mut succs,
                    &mut scratch,
                );
                let trail = |p: Option<&Parents>| level_trail(p, *f, depth);
                if !self.absorb(*f, depth, trail, r, Succs::unchecked(succs), |s, f| {
                    next.push((s, f))
                }) {
                    self.parents = None;
                    return;
                }
            }
            level = next;
            depth += 1;
        }
        let prefix = self.parents.take().unwrap_or_default();
        let root_depth = depth;
        // The parallel phase.
        let visited = std::mem::take(&mut self.visited).into_shared();
        let found = Mutex::new(std::mem::take(&mut self.found));
        let decided: Vec<AtomicBool> = self.decided.iter().map(|d| AtomicBool::new(*d)).collect();
        let undecided = AtomicUsize::new(self.undecided);
        let stop = AtomicBool::new(false);
        let stopped_early = AtomicBool::new(false);
        let bound: Mutex<Option<String>> = Mutex::new(self.bound.take());
        let next_root = AtomicUsize::new(0);
        let generated = AtomicUsize::new(0);
        let quiescent = AtomicUsize::new(0);
        let max_depth = AtomicUsize::new(self.max_depth);
        let held_peak = AtomicUsize::new(0);
        let (m, slots, fpr, opts, start) = (self.m, &self.slots, &self.fpr, self.opts, self.start);
        // Records the first bound that cut the search; `halt` stops every worker.
        let set_bound = |b: String, halt: bool| {
            if let Ok(mut g) = bound.lock() {
                g.get_or_insert(b);
            }
            if halt {
                stop.store(true, Relaxed);
            }
        };
        let worker = || {
            let mut local_decided: Vec<bool> = decided.iter().map(|d| d.load(Relaxed)).collect();
            let mut n = 0usize;
            let mut peak = 0usize;
            let (mut gen, mut quiet, mut deepest) = (0usize, 0usize, 0usize);
            let mut scratch = Scratch::default();
            let mut seen = SeenCache::new();
            // As in the sequential search: one flat stack with depths (relative to the root),
            // and the trail of the state being expanded below its root.
            let mut stack: Vec<(M::State, u64)> = Vec::new();
            let mut depths: Vec<u32> = Vec::new();
            let mut path: Vec<u64> = Vec::new();
            'roots: loop {
                let i = next_root.fetch_add(1, Relaxed);
                let Some((root, rf)) = level.get(i) else {
                    break;
                };
                stack.clear();
                depths.clear();
                stack.push((root.clone(), *rf));
                depths.push(0);
                while let (Some((s, f)), Some(rel)) = (stack.pop(), depths.pop()) {
                    let rel = rel as usize;
                    path.truncate(rel);
                    let depth = root_depth + rel;
                    n += 1;
                    if n.is_multiple_of(1024) {
                        if stop.load(Relaxed) {
                            break 'roots;
                        }
                        if opts.timeout.is_some_and(|t| start.elapsed() >= t) {
                            let t = opts.timeout.map_or(0.0, |t| t.as_secs_f64());
                            set_bound(format!("timeout of {t} s"), true);
                            break 'roots;
                        }
                        for (l, d) in local_decided.iter_mut().zip(&decided) {
                            *l = d.load(Relaxed);
                        }
                    }
                    deepest = deepest.max(depth);
                    let expand = opts.max_depth.is_none_or(|d| depth < d);
                    let cx = Cx { m, slots, fpr };
                    let admit = SharedInsert {
                        set: &visited,
                        cache: &mut seen,
                    };
                    let top = stack.len();
                    let r = expand_one(
                        cx,
                        &local_decided,
                        &s,
                        expand,
                        admit,
                        &mut stack,
                        &mut scratch,
                    );
                    if r.quiescent {
                        quiet += 1;
                    }
                    if !r.events.is_empty() {
                        // The prefix's chain ends at the root; `path` starts below it.
                        let mut c = chain(&prefix, *rf);
                        c.extend(path.iter().skip(1));
                        if rel > 0 {
                            c.push(f);
                        }
                        if let Ok(mut found) = found.lock() {
                            for (slot, why) in r.events {
                                local_decided[slot] = true;
                                if found[slot].is_none() {
                                    found[slot] = Some((Trail::Chain(c.clone()), why));
                                    decided[slot].store(true, Relaxed);
                                    if undecided.fetch_sub(1, Relaxed) == 1 {
                                        stopped_early.store(true, Relaxed);
                                        stop.store(true, Relaxed);
                                    }
                                }
                            }
                        }
                        if stop.load(Relaxed) {
                            break 'roots;
                        }
                    }
                    if r.has_succ && !r.expanded {
                        set_bound(format!("depth limit {depth}"), false);
                    }
                    gen += r.generated;
                    // The new successors are already in the visited set (expand_one's filter
                    // inserted them).
                    if let Some(max) = opts.max_states.filter(|max| visited.len() >= *max) {
                        set_bound(format!("state limit {max}"), true);
                        break 'roots;
                    }
                    stack[top..].reverse();
                    depths.resize(stack.len(), rel as u32 + 1);
                    peak = peak.max(stack.len());
                    path.push(f);
                }
            }
            generated.fetch_add(gen, Relaxed);
            quiescent.fetch_add(quiet, Relaxed);
            max_depth.fetch_max(deepest, Relaxed);
            held_peak.fetch_add(peak, Relaxed);
        };
        std::thread::scope(|sc| {
            let hs: Vec<_> = (0..threads).map(|_| sc.spawn(worker)).collect();
            for h in hs {
                if let Err(e) = h.join() {
                    std::panic::resume_unwind(e);
                }
            }
        });
        self.visited = visited.into_inner();
        self.found = found.into_inner().unwrap_or_else(|p| p.into_inner());
        self.decided = self.found.iter().map(Option::is_some).collect();
        self.undecided = undecided.into_inner();
        self.stopped_early = stopped_early.into_inner();
        self.bound = bound.into_inner().unwrap_or_else(|p| p.into_inner());
        self.generated += generated.into_inner();
        self.quiescent += quiescent.into_inner();
        self.max_depth = max_depth.into_inner();
        self.pending_bytes = self
            .pending_bytes
            .max(held_peak.into_inner() * std::mem::size_of::<(M::State, u64)>());
    }

    fn finish(self) -> Outcome<M> {
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
        let rebuilt: Option<Parents> = rebuild_depth.map(|d| {
            let opts = Options {
                max_depth: Some(d),
                max_states: None,
                timeout: None,
                progress: None,
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
                        Trail::At { fp, .. } => rebuilt
                            .as_ref()
                            .filter(|p| p.contains_key(fp))
                            .map(|p| chain(p, *fp)),
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
        Outcome {
            unique_states: self.visited.len(),
            states: self.generated,
            max_depth: self.max_depth,
            elapsed: self.start.elapsed(),
            bound: self.bound,
            stopped_early: self.stopped_early,
            quiescent_states: self.quiescent,
            visited_bytes: self.visited.bytes(),
            pending_bytes: self.pending_bytes,
            findings,
        }
    }
}

/// How to reach a state found at `depth` of a level-by-level search: its chain of parent links
/// if they are kept, otherwise its fingerprint and depth.
fn level_trail(parents: Option<&Parents>, fp: u64, depth: usize) -> Trail {
    match parents {
        Some(p) => Trail::Chain(chain(p, fp)),
        None => Trail::At { fp, depth },
    }
}

/// The fingerprints from an initial state to `target`, following parent links.
fn chain(parents: &Parents, target: u64) -> Vec<u64> {
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

/// What one worker reuses from state to state: the action list, and two scratch states to
/// build successors in.
struct Scratch<M: Model> {
    actions: Vec<M::Action>,
    built: [Option<M::State>; 2],
}

impl<M: Model> Default for Scratch<M> {
    fn default() -> Self {
        Scratch {
            actions: Vec::new(),
            built: [None, None],
        }
    }
}

/// Where the successor waiting for its visited-set lookup is.
#[derive(Copy, Clone)]
enum Waiting {
    /// Built in `Scratch::built[i]`.
    Built(usize),
    /// Not built: the `j`-th action builds it if it is new.
    Unbuilt(usize),
}

/// Evaluates the undecided properties on `s` and, if `expand`, computes its successors.
/// Admitted successors are appended to `succs`.
fn expand_one<M: Spec>(
    cx: Cx<'_, M>,
    decided: &[bool],
    s: &M::State,
    expand: bool,
    mut admit: impl Admit,
    succs: &mut Vec<(M::State, u64)>,
    scratch: &mut Scratch<M>,
) -> Expanded {
    let Cx { m, slots, fpr } = cx;
    let quiescent = m.quiescent(s);
    let mut events = Vec::new();
    for (i, slot) in slots.iter().enumerate() {
        if decided[i] {
            continue;
        }
        let def = &m.props()[slot.prop];
        if slot.witness {
            if quiescent && def.witness.is_some_and(|w| w(m, s)) {
                events.push((i, None));
            }
        } else if def.meta.kind != Kind::Liveness || quiescent {
            if let Some(why) = (def.check)(m, s) {
                events.push((i, Some(why)));
            }
        }
    }
    // Every open property is decided here: the search stops before the successors count.
    let finishes = events.len() == decided.iter().filter(|d| !**d).count();
    let mut actions = std::mem::take(&mut scratch.actions);
    actions.clear();
    m.actions(s, &mut actions);
    let has_succ = !actions.is_empty();
    let mut generated = 0;
    let before = succs.len();
    if expand && !finishes {
        // A successor is either only fingerprinted (built later if it is new) or built in
        // a scratch state. One successor waits while the next is generated, so the
        // visited-set line its lookup needs has been prefetched by the time it is looked up.
        let built = &mut scratch.built;
        let mut k = 0;
        let mut waiting: Option<(u64, Waiting)> = None;
        for j in 0..actions.len() {
            let a = &actions[j];
            let seen = m
                .successor_fingerprint(fpr, s, a)
                .map(|f| (f, Waiting::Unbuilt(j)));
            let (f, w) = match seen {
                Some(x) => x,
                None => {
                    if !m.next_into(s, a.clone(), &mut built[k]) {
                        continue;
                    }
                    let Some(t) = built[k].as_ref() else {
                        continue;
                    };
                    let x = (m.fingerprint(fpr, t), Waiting::Built(k));
                    k = 1 - k;
                    x
                }
            };
            generated += 1;
            admit.prefetch(f);
            if let Some((wf, ww)) = waiting.replace((f, w)) {
                if admit.admit(wf) {
                    keep(m, s, &actions, built, succs, wf, ww);
                }
            }
        }
        if let Some((wf, ww)) = waiting {
            if admit.admit(wf) {
                keep(m, s, &actions, built, succs, wf, ww);
            }
        }
    }
    scratch.actions = actions;
    Expanded {
        events,
        quiescent,
        has_succ,
        expanded: expand,
        generated,
        succs: succs.len() - before,
    }
}

/// Appends the admitted successor `w` (fingerprint `f`) of `s` to `succs`.
fn keep<M: Spec>(
    m: &M,
    s: &M::State,
    actions: &[M::Action],
    built: &mut [Option<M::State>; 2],
    succs: &mut Vec<(M::State, u64)>,
    f: u64,
    w: Waiting,
) {
    match w {
        Waiting::Built(i) => {
            if let Some(t) = built[i].take() {
                succs.push((t, f));
            }
        }
        Waiting::Unbuilt(j) => {
            let mut t = None;
            if m.next_into(s, actions[j].clone(), &mut t) {
                if let Some(t) = t {
                    succs.push((t, f));
                }
            }
        }
    }
}

/// What [`expand_one`] works with: the model, its property slots, the fingerprinter.
struct Cx<'a, M: Spec> {
    m: &'a M,
    slots: &'a [Slot],
    fpr: &'a Fingerprinter,
}

impl<M: Spec> Clone for Cx<'_, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: Spec> Copy for Cx<'_, M> {}

/// What happens to each successor's fingerprint in [`expand_one`].
trait Admit {
    /// A lookup of `f` follows soon.
    fn prefetch(&self, _f: u64) {}
    /// Whether the successor with fingerprint `f` is kept.
    fn admit(&mut self, f: u64) -> bool;
}

/// Keeps every successor (the caller inserts them).
struct KeepAll;

impl Admit for KeepAll {
    fn admit(&mut self, _f: u64) -> bool {
        true
    }
}

/// Keeps the successors neither visited nor kept already by this worker (BFS workers; the
/// caller inserts them in order).
struct Unvisited<'a> {
    visited: &'a FpSet,
    kept: &'a mut FpSet,
}

impl Admit for Unvisited<'_> {
    fn prefetch(&self, f: u64) {
        self.visited.prefetch(f);
    }
    fn admit(&mut self, f: u64) -> bool {
        !self.visited.contains(f) && self.kept.insert(f)
    }
}

/// Inserts each successor into the visited set and keeps the new ones, up to `max` states.
struct Insert<'a> {
    visited: &'a mut FpSet,
    max: Option<usize>,
}

impl Admit for Insert<'_> {
    fn prefetch(&self, f: u64) {
        self.visited.prefetch(f);
    }
    fn admit(&mut self, f: u64) -> bool {
        self.max.is_none_or(|m| self.visited.len() < m) && self.visited.insert(f)
    }
}

/// [`Insert`] into the set the DFS workers share, through the worker's [`SeenCache`].
struct SharedInsert<'a> {
    set: &'a crate::engine::visited::SharedFpSet,
    cache: &'a mut SeenCache,
}

impl Admit for SharedInsert<'_> {
    fn prefetch(&self, f: u64) {
        if !self.cache.has(f) {
            self.set.prefetch(f);
        }
    }
    fn admit(&mut self, f: u64) -> bool {
        if self.cache.has(f) {
            return false;
        }
        let new = self.set.insert(f);
        self.cache.put(f);
        new
    }
}

/// A DFS worker's lossy, direct-mapped memory of fingerprints it found in (or put into) the
/// shared visited set. Most duplicates close a diamond of interleavings the same worker has
/// just explored, so they are answered here, without touching the shared set (whose segment
/// locks the workers would otherwise pass back and forth on every lookup). A hit is always
/// right: only fingerprints already in the shared set are remembered.
struct SeenCache {
    slots: Vec<u64>,
}

impl SeenCache {
    /// 2^17 fingerprints: 1 MiB per worker (two thirds of the duplicates hit on the eager-RB
    /// workload).
    const BITS: u32 = 17;

    fn new() -> SeenCache {
        SeenCache {
            slots: vec![0; 1 << Self::BITS],
        }
    }

    fn index(f: u64) -> usize {
        (f & ((1 << Self::BITS) - 1)) as usize
    }

    fn has(&self, f: u64) -> bool {
        self.slots[Self::index(f)] == f
    }

    fn put(&mut self, f: u64) {
        self.slots[Self::index(f)] = f;
    }
}

/// Splits `items` into up to `threads` consecutive runs and maps `f` over each run on its own
/// scoped worker; the results in order.
fn par_chunks<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    if threads <= 1 || items.len() < 256 {
        return vec![f(items)];
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|sc| {
        let handles: Vec<_> = items.chunks(chunk).map(|c| sc.spawn(|| f(c))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Rebuilds a path by replaying the model along a chain of fingerprints (with symmetry
/// reduction these are canonical fingerprints; the replay follows concrete states).
fn replay<M: Spec>(m: &M, fpr: &Fingerprinter, chain: &[u64]) -> Option<Path<M>> {
    let (&first, rest) = chain.split_first()?;
    let (i0, init) = m
        .init_states()
        .into_iter()
        .enumerate()
        .find(|(_, s)| m.fingerprint(fpr, s) == first)?;
    let mut indices = vec![i0];
    let mut steps = Vec::new();
    let mut cur = init.clone();
    for &f in rest {
        let mut actions = Vec::new();
        m.actions(&cur, &mut actions);
        let (i, a, s) = actions.into_iter().enumerate().find_map(|(i, a)| {
            let s = m.next_state(&cur, a.clone())?;
            (m.fingerprint(fpr, &s) == f).then_some((i, a, s))
        })?;
        cur = s.clone();
        indices.push(i);
        steps.push((a, s));
    }
    Some(Path {
        init,
        steps,
        indices,
    })
}

// ---------------------------------------------------------------------------------------------
// stateright properties, for the Explorer. stateright takes plain `fn` pointers, so each
// property index gets its own monomorphized function reading `props()[I]`.

/// A stateright [`Model`] that stands for a [`Spec`]: the spec itself, or a wrapper around one
/// (the Explorer's, which adds sequence charts). Its properties are the spec's.
pub trait AsSpec {
    type Spec: Spec;
    fn as_spec(&self) -> &Self::Spec;
}

impl<M: Spec> AsSpec for M {
    type Spec = M;
    fn as_spec(&self) -> &M {
        self
    }
}

/// A [`Model`] whose states are its spec's.
pub trait SpecModel: AsSpec + Model<State = <<Self as AsSpec>::Spec as Model>::State> {}
impl<V: AsSpec + Model<State = <<V as AsSpec>::Spec as Model>::State>> SpecModel for V {}

fn sr_always<V: SpecModel, const I: usize>(v: &V, s: &V::State) -> bool {
    let m = v.as_spec();
    let Some(d) = m.props().get(I) else {
        return true;
    };
    if d.meta.kind == Kind::Liveness && !m.quiescent(s) {
        return true;
    }
    (d.check)(m, s).is_none()
}

fn sr_witness<V: SpecModel, const I: usize>(v: &V, s: &V::State) -> bool {
    let m = v.as_spec();
    m.props()
        .get(I)
        .and_then(|d| d.witness)
        .is_some_and(|w| m.quiescent(s) && w(m, s))
}

type Cond<V> = fn(&V, &<V as Model>::State) -> bool;

macro_rules! conds {
    ($f:ident, $($i:literal)*) => { [$($f::<V, $i> as Cond<V>),*] };
}

/// Most properties one run can show in the Explorer.
pub const MAX_EXPLORER_PROPS: usize = 16;

/// The run's properties as stateright [`Property`]s: safety and liveness as `always` (liveness
/// only constrains quiescent states), witnesses as `sometimes`.
pub fn stateright_properties<V: SpecModel>(view: &V) -> Vec<Property<V>> {
    let always: [Cond<V>; MAX_EXPLORER_PROPS] =
        conds!(sr_always, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    let witness: [Cond<V>; MAX_EXPLORER_PROPS] =
        conds!(sr_witness, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    let mut v = Vec::new();
    for (i, d) in view
        .as_spec()
        .props()
        .iter()
        .enumerate()
        .take(MAX_EXPLORER_PROPS)
    {
        v.push(Property {
            expectation: Expectation::Always,
            name: d.meta.name,
            condition: always[i],
        });
        if d.witness.is_some() {
            v.push(Property {
                expectation: Expectation::Sometimes,
                name: d.meta.witness,
                condition: witness[i],
            });
        }
    }
    v
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
        let paths = |threads| -> Vec<(Status, Option<Vec<usize>>)> {
            let out = check(
                &sys,
                &Options {
                    threads,
                    ..Options::default()
                },
            );
            assert_eq!(out.unique_states, 153_479);
            out.findings
                .iter()
                .map(|f| (f.status, f.path.as_ref().map(|p| p.indices.clone())))
                .collect()
        };
        let one = paths(1);
        assert!(one
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
        assert_eq!(out.bound.as_deref(), Some("depth limit 3"));
        assert!(out.findings.iter().all(|f| f.status == Status::Unknown));
        let out = check(
            &sys,
            &Options {
                max_states: Some(10),
                ..Options::default()
            },
        );
        assert_eq!(out.bound.as_deref(), Some("state limit 10"));
        assert_eq!(out.unique_states, 10);
    }
}
