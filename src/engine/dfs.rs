//! Depth-first search, on one worker or several sharing one visited set.

use crate::engine::checker::{chain, level_trail, Parents, Search, Succs, Trail};
use crate::engine::expand::{expand_one, Cx, Insert, KeepAll, Scratch, SeenCache, SharedInsert};
use crate::engine::outcome::Bound;
use crate::engine::spec::Spec;

impl<M: Spec> Search<'_, M> {
    /// Depth-first, with the path to the current state on the stack: each frame is a state's
    /// fingerprint and its not yet explored new successors.
    pub(super) fn dfs(&mut self) {
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
                    self.bound = Some(Bound::States(max));
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
        use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
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
        let bound: Mutex<Option<Bound>> = Mutex::new(self.bound.take());
        let last_progress = AtomicU64::new(0);
        let next_root = AtomicUsize::new(0);
        let generated = AtomicUsize::new(0);
        let quiescent = AtomicUsize::new(0);
        let max_depth = AtomicUsize::new(self.max_depth);
        let held_peak = AtomicUsize::new(0);
        let (m, slots, fpr, opts, start) = (self.m, &self.slots, &self.fpr, self.opts, self.start);
        // Records the first bound that cut the search; `halt` stops every worker.
        let set_bound = |b: Bound, halt: bool| {
            if let Ok(mut g) = bound.lock() {
                // A stop from outside (memory, a signal) says more than a depth bound met
                // before it.
                let outside = matches!(b, Bound::Memory { .. } | Bound::Signal { .. });
                let first = !matches!(*g, Some(Bound::Memory { .. } | Bound::Signal { .. }));
                if g.is_none() || (outside && first) {
                    *g = Some(b);
                }
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
                        if let Some(t) = opts.timeout.filter(|&t| start.elapsed() >= t) {
                            set_bound(Bound::Time(t), true);
                            break 'roots;
                        }
                        crate::engine::stop::note_states(visited.len());
                        if let Some(r) = crate::engine::stop::requested() {
                            set_bound(Bound::from_request(r, visited.len()), true);
                            break 'roots;
                        }
                        // About once a second, one worker reports the progress of all.
                        let now = start.elapsed().as_millis() as u64;
                        let last = last_progress.load(Relaxed);
                        if now >= last + 1000
                            && last_progress
                                .compare_exchange(last, now, Relaxed, Relaxed)
                                .is_ok()
                        {
                            if let Some(report) = opts.progress {
                                report(&crate::engine::outcome::Progress {
                                    states: generated.load(Relaxed) + gen,
                                    unique_states: visited.len(),
                                    depth: max_depth.load(Relaxed).max(deepest),
                                    elapsed: start.elapsed(),
                                });
                            }
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
                        set_bound(Bound::Depth(depth), false);
                    }
                    gen += r.generated;
                    // The new successors are already in the visited set (expand_one's filter
                    // inserted them).
                    if let Some(max) = opts.max_states.filter(|max| visited.len() >= *max) {
                        set_bound(Bound::States(max), true);
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
            crate::engine::stop::flush_thread();
        };
        std::thread::scope(|sc| {
            // A worker whose model panics stops the others, so the panic reaches the caller
            // (which locates the panicking step) at once.
            let guarded = || {
                if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(&worker)) {
                    stop.store(true, Relaxed);
                    std::panic::resume_unwind(e);
                }
            };
            let hs: Vec<_> = (0..threads).map(|_| sc.spawn(guarded)).collect();
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
}
