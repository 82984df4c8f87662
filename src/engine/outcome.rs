//! What a search is asked ([`Options`]) and what it answers ([`Outcome`]): verdicts,
//! counterexample paths with their replay handles, counts and bounds.

use crate::engine::fingerprint::Fingerprinter;
use crate::engine::property::{Kind, PropMeta};
use crate::engine::spec::Spec;
use crate::engine::stop::{Signal, Size};
use stateright::Model;
use std::time::Duration;

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
    /// Bits of each fingerprint the visited set keeps (see [`crate::engine::visited`]).
    pub fingerprint_bits: u32,
    /// BFS beyond RAM: the frontier, the parent links and (when memory runs short) the
    /// visited set live in files under this directory (see the disk module).
    pub disk: Option<DiskOptions>,
    /// Write checkpoints of the BFS (see the checkpoint module).
    pub checkpoint: Option<crate::engine::checkpoint::CheckpointOptions>,
}

/// Where and how a BFS beyond RAM keeps its files.
#[derive(Clone, Debug)]
pub struct DiskOptions {
    pub dir: std::path::PathBuf,
    /// Bytes of visited fingerprints kept in memory before they are merged into the sorted
    /// file (default: 40 % of the memory budget).
    pub memory: Option<usize>,
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
            fingerprint_bits: crate::engine::visited::MAX_BITS,
            disk: None,
            checkpoint: None,
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
    pub bound: Option<Bound>,
    /// Stopped because every property was decided.
    pub stopped_early: bool,
    /// Quiescent states seen (where liveness was judged).
    pub quiescent_states: usize,
    /// Bytes of the visited set (fingerprints only).
    pub visited_bytes: usize,
    /// Peak bytes of states waiting in the BFS frontier or on the DFS stack.
    pub pending_bytes: usize,
    /// Bits per fingerprint in the visited set (0: no visited set, as in a replay).
    pub fingerprint_bits: u32,
    /// Peak bytes of the search's files on disk (`--disk`; 0 otherwise).
    pub disk_bytes: u64,
    /// The checkpoints this run wrote (`--checkpoint`).
    pub checkpoint: Option<crate::engine::checkpoint::CheckpointNote>,
    pub findings: Vec<Finding<M>>,
}

impl<M: Model> Outcome<M> {
    /// Every reachable state was visited.
    pub fn exhaustive(&self) -> bool {
        self.bound.is_none() && !self.stopped_early
    }
}

/// Rebuilds a path by replaying the model along a chain of fingerprints (with symmetry
/// reduction these are canonical fingerprints; the replay follows concrete states).
pub(crate) fn replay<M: Spec>(m: &M, fpr: &Fingerprinter, chain: &[u64]) -> Option<Path<M>> {
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

/// What cut a search short: the run is then bounded, and properties without a counterexample
/// are `unknown`.
#[derive(Clone, Debug, PartialEq)]
pub enum Bound {
    /// `--max-depth`.
    Depth(usize),
    /// `--max-states`.
    States(usize),
    /// `--timeout`.
    Time(Duration),
    /// The memory budget (`--memory-limit`), with the unique states found by then.
    Memory { limit: u64, states: usize },
    /// SIGINT or SIGTERM, with the unique states found by then.
    Signal { signal: Signal, states: usize },
    /// A replay follows one path, not the state space.
    Replay(String),
    /// The search beyond RAM (`--disk`) could not read or write its files.
    Disk { error: String, states: usize },
}

impl Bound {
    /// The bound that an outside stop request ([`crate::engine::stop::requested`]) sets.
    pub fn from_request(r: crate::engine::stop::Request, states: usize) -> Bound {
        match r {
            crate::engine::stop::Request::Memory { limit } => Bound::Memory { limit, states },
            crate::engine::stop::Request::Signal(signal) => Bound::Signal { signal, states },
        }
    }
}

/// Writes `n` as `31,415,926`.
pub fn grouped(n: usize) -> String {
    let d = n.to_string();
    let mut out = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::Depth(d) => write!(f, "depth limit {d}"),
            Bound::States(n) => write!(f, "state limit {n}"),
            Bound::Time(t) => write!(f, "timeout of {} s", t.as_secs_f64()),
            Bound::Memory { limit, states } => write!(
                f,
                "memory limit {} reached after {} states",
                Size(*limit),
                grouped(*states)
            ),
            Bound::Signal { signal, states } => write!(
                f,
                "interrupted by {} after {} states",
                signal.name(),
                grouped(*states)
            ),
            Bound::Replay(h) => write!(f, "replay of trace {h}"),
            Bound::Disk { error, states } => {
                write!(f, "disk error after {} states: {error}", grouped(*states))
            }
        }
    }
}

impl serde::Serialize for Bound {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
