//! Expanding one state: its properties evaluated, its successors fingerprinted, the new ones
//! built and admitted. Shared by the BFS and DFS workers.

use crate::engine::checker::{Expanded, Slot};
use crate::engine::fingerprint::Fingerprinter;
use crate::engine::property::Kind;
use crate::engine::spec::Spec;
use crate::engine::visited::FpSet;
use stateright::Model;

/// What one worker reuses from state to state: the action list, and two scratch states to
/// build successors in.
pub(super) struct Scratch<M: Model> {
    pub(super) actions: Vec<M::Action>,
    pub(super) built: [Option<M::State>; 2],
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
pub(super) enum Waiting {
    /// Built in `Scratch::built[i]`.
    Built(usize),
    /// Not built: the `j`-th action builds it if it is new.
    Unbuilt(usize),
}

/// Evaluates the undecided properties on `s` and, if `expand`, computes its successors.
/// Admitted successors are appended to `succs`.
pub(super) fn expand_one<M: Spec>(
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
pub(super) fn keep<M: Spec>(
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
pub(super) struct Cx<'a, M: Spec> {
    pub(super) m: &'a M,
    pub(super) slots: &'a [Slot],
    pub(super) fpr: &'a Fingerprinter,
}

impl<M: Spec> Clone for Cx<'_, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: Spec> Copy for Cx<'_, M> {}

/// What happens to each successor's fingerprint in [`expand_one`].
pub(super) trait Admit {
    /// A lookup of `f` follows soon.
    fn prefetch(&self, _f: u64) {}
    /// Whether the successor with fingerprint `f` is kept.
    fn admit(&mut self, f: u64) -> bool;
}

/// Keeps every successor (the caller inserts them).
pub(super) struct KeepAll;

impl Admit for KeepAll {
    fn admit(&mut self, _f: u64) -> bool {
        true
    }
}

/// Keeps the successors neither visited nor kept already by this worker (BFS workers; the
/// caller inserts them in order).
pub(super) struct Unvisited<'a> {
    pub(super) visited: &'a FpSet,
    pub(super) kept: &'a mut FpSet,
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
pub(super) struct Insert<'a> {
    pub(super) visited: &'a mut FpSet,
    pub(super) max: Option<usize>,
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
pub(super) struct SharedInsert<'a> {
    pub(super) set: &'a crate::engine::visited::SharedFpSet,
    pub(super) cache: &'a mut SeenCache,
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
pub(super) struct SeenCache {
    pub(super) slots: Vec<u64>,
}

impl SeenCache {
    /// 2^17 fingerprints: 1 MiB per worker (two thirds of the duplicates hit on the eager-RB
    /// workload).
    const BITS: u32 = 17;

    pub(super) fn new() -> SeenCache {
        SeenCache {
            slots: vec![0; 1 << Self::BITS],
        }
    }

    fn index(f: u64) -> usize {
        (f & ((1 << Self::BITS) - 1)) as usize
    }

    pub(super) fn has(&self, f: u64) -> bool {
        self.slots[Self::index(f)] == f
    }

    pub(super) fn put(&mut self, f: u64) {
        self.slots[Self::index(f)] = f;
    }
}

/// Splits `items` into up to `threads` consecutive runs and maps `f` over each run on its own
/// scoped worker; the results in order.
pub(super) fn par_chunks<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    if threads <= 1 || items.len() < 256 {
        return vec![f(items)];
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|sc| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| {
                sc.spawn(|| {
                    let r = f(c);
                    crate::engine::stop::flush_thread();
                    r
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}
