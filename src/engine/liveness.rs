//! Liveness under fairness: the *fair-cycle* method, for models whose state graph has cycles
//! (retransmission, heartbeats), where stateright's `eventually` is unsound (it ignores
//! violations that close a cycle) and has no notion of fairness.
//!
//! # Properties
//! - `eventually P` (◇P): every fair run reaches a P-state.
//! - `always eventually P` (□◇P): every fair run visits P-states infinitely often.
//! - `P leads to Q` (□(P ⇒ ◇Q)).
//!
//! # Fairness, declared per model as classes of actions
//! - **weak** (justice): an action class continuously enabled from some point on is eventually
//!   taken: a fair cycle takes it or passes a state where it is disabled;
//! - **strong** (compassion): an action class enabled infinitely often is taken infinitely
//!   often: a fair cycle takes it or never enables it.
//!
//! # Algorithm
//! 1. Explore the whole reachable graph (exhaustively: a bounded graph gives `unknown`).
//! 2. Restrict it to the states where the goal does not hold (¬P, or ¬Q after a P∧¬Q state),
//!    reachable from where the run may start failing.
//! 3. Tarjan's algorithm splits the restriction into strongly connected components. A component
//!    with an internal edge is *fair* if, for every weak class, it has an internal edge of the
//!    class or a state where the class is disabled; and, for every strong class, an internal
//!    edge of the class or no state enabling it. If a strong class fails only because of
//!    states that enable it, those states are removed and the rest is decomposed again (the
//!    classic Streett-emptiness refinement).
//! 4. A fair component gives a **lasso**: a shortest prefix into it, and a cycle through it that
//!    takes one edge of each required class (and visits a disabling state for each weak class
//!    satisfied that way), back to its entry. A terminal ¬P state (no successor) is also a
//!    counterexample to `eventually`: a run that stops.
//!
//! # Cost and limits
//! Time and memory are linear in the explored graph (states and edges are stored: it is meant
//! for the small cyclic models of links and detectors, not for millions of states) for each
//! round of strong-fairness refinement; each round removes at least one state, so the worst
//! case is quadratic. Symmetry reduction is not applied here; the search is
//! exhaustive, so the verdicts are sound.

use crate::engine::fingerprint::Fingerprinter;
use crate::engine::outcome::Bound;
use crate::engine::spec::Spec;
use std::collections::{HashMap, VecDeque};

/// Weak or strong fairness.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Fairness {
    Weak,
    Strong,
}

/// A fairness assumption on a class of actions.
pub struct FairClass<A> {
    pub name: &'static str,
    pub kind: Fairness,
    pub member: fn(&A) -> bool,
}

/// A temporal property over state predicates.
pub enum Temporal<S> {
    Eventually(fn(&S) -> bool),
    AlwaysEventually(fn(&S) -> bool),
    LeadsTo(fn(&S) -> bool, fn(&S) -> bool),
}

/// The explored graph.
pub struct Graph<M: Spec> {
    pub states: Vec<M::State>,
    /// `edges[i]`: (action, target index).
    pub edges: Vec<Vec<(M::Action, usize)>>,
    pub init: Vec<usize>,
    pub complete: bool,
    /// What cut the exploration (when not complete).
    pub cut: Option<Bound>,
}

/// Explores everything reachable, up to `max_states` states, `max_depth` steps and `timeout`;
/// a graph cut by a bound is marked incomplete (verdicts are then `Unknown`).
pub fn explore<M: Spec>(
    m: &M,
    max_states: usize,
    max_depth: Option<usize>,
    timeout: Option<std::time::Duration>,
) -> Graph<M> {
    let start = std::time::Instant::now();
    let mut depth: Vec<usize> = Vec::new();
    let fpr = Fingerprinter::default();
    let mut index: HashMap<u64, usize> = HashMap::new();
    let mut states = Vec::new();
    let mut edges: Vec<Vec<(M::Action, usize)>> = Vec::new();
    let mut queue = VecDeque::new();
    let mut init = Vec::new();
    for s in m.init_states() {
        let f = fpr.fp(&s);
        if let std::collections::hash_map::Entry::Vacant(v) = index.entry(f) {
            v.insert(states.len());
            init.push(states.len());
            queue.push_back(states.len());
            states.push(s);
            edges.push(Vec::new());
            depth.push(0);
        }
    }
    let mut complete = true;
    let mut cut = None;
    let mut popped = 0usize;
    while let Some(i) = queue.pop_front() {
        popped += 1;
        if let Some(t) = timeout.filter(|&t| start.elapsed() >= t) {
            complete = false;
            cut = Some(Bound::Time(t));
            break;
        }
        if popped.is_multiple_of(1024) {
            crate::engine::stop::note_states(states.len());
            if let Some(r) = crate::engine::stop::requested() {
                complete = false;
                cut = Some(Bound::from_request(r, states.len()));
                break;
            }
        }
        let mut actions = Vec::new();
        m.actions(&states[i], &mut actions);
        if let Some(d) = max_depth.filter(|&d| depth[i] >= d) {
            if !actions.is_empty() {
                complete = false;
                cut.get_or_insert(Bound::Depth(d));
            }
            continue;
        }
        for a in actions {
            let Some(t) = m.next_state(&states[i], a.clone()) else {
                continue;
            };
            let f = fpr.fp(&t);
            let j = match index.get(&f) {
                Some(&j) => j,
                None => {
                    if states.len() >= max_states {
                        complete = false;
                        cut.get_or_insert(Bound::States(max_states));
                        continue;
                    }
                    let j = states.len();
                    index.insert(f, j);
                    states.push(t);
                    edges.push(Vec::new());
                    depth.push(depth[i] + 1);
                    queue.push_back(j);
                    j
                }
            };
            edges[i].push((a, j));
        }
    }
    Graph {
        states,
        edges,
        init,
        complete,
        cut,
    }
}

/// A lasso counterexample: indices of states; the cycle starts and ends at `cycle[0]`.
#[derive(Debug)]
pub struct Lasso {
    pub prefix: Vec<usize>,
    /// Empty for a run that stops in a terminal state.
    pub cycle: Vec<usize>,
    /// Edges (state, index in its edge list) the cycle must take for fairness; other steps
    /// take any edge between their two states.
    pub forced: Vec<(usize, usize)>,
}

/// Tarjan's SCCs of the subgraph induced by `alive`.
fn sccs(edges: &[Vec<usize>], alive: &[bool]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut counter = 0;
    for root in 0..n {
        if !alive[root] || index[root] != usize::MAX {
            continue;
        }
        // Iterative Tarjan: (node, next edge position).
        let mut call = vec![(root, 0usize)];
        index[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on[root] = true;
        while let Some(&mut (v, ref mut pos)) = call.last_mut() {
            if let Some(&w) = edges[v].get(*pos) {
                *pos += 1;
                if !alive[w] {
                    continue;
                }
                if index[w] == usize::MAX {
                    index[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w);
                    on[w] = true;
                    call.push((w, 0));
                } else if on[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                call.pop();
                if let Some(&(u, _)) = call.last() {
                    low[u] = low[u].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut comp = Vec::new();
                    while let Some(w) = stack.pop() {
                        on[w] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    out.push(comp);
                }
            }
        }
    }
    out
}

/// The verdict of the fair-cycle checker.
#[derive(Debug)]
pub enum Verdict {
    Holds,
    Violated(Lasso),
    /// The graph was not explored completely: never `Holds`.
    Unknown,
}

/// Checks a temporal property under fairness.
pub fn check<M: Spec>(
    g: &Graph<M>,
    prop: &Temporal<M::State>,
    fair: &[FairClass<M::Action>],
) -> Verdict {
    if !g.complete {
        return Verdict::Unknown;
    }
    let n = g.states.len();
    let succ: Vec<Vec<usize>> = g
        .edges
        .iter()
        .map(|e| e.iter().map(|(_, j)| *j).collect())
        .collect();
    // Where a failing run may start, and which states it must stay in.
    let (starts, bad): (Vec<usize>, Vec<bool>) = match prop {
        Temporal::Eventually(p) => {
            let bad: Vec<bool> = g.states.iter().map(|s| !p(s)).collect();
            (g.init.iter().copied().filter(|&i| bad[i]).collect(), bad)
        }
        Temporal::AlwaysEventually(p) => {
            let bad: Vec<bool> = g.states.iter().map(|s| !p(s)).collect();
            ((0..n).filter(|&i| bad[i]).collect(), bad)
        }
        Temporal::LeadsTo(p, q) => {
            let bad: Vec<bool> = g.states.iter().map(|s| !q(s)).collect();
            ((0..n).filter(|&i| bad[i] && p(&g.states[i])).collect(), bad)
        }
    };
    // States reachable from the starts through bad states.
    let mut region = vec![false; n];
    let mut q: VecDeque<usize> = starts.iter().copied().collect();
    for &s in &starts {
        region[s] = true;
    }
    while let Some(v) = q.pop_front() {
        for &w in &succ[v] {
            if bad[w] && !region[w] {
                region[w] = true;
                q.push_back(w);
            }
        }
    }
    let mut is_start = vec![false; n];
    for &s in &starts {
        is_start[s] = true;
    }
    // A run that stops in a bad state violates all three properties.
    if let Some(t) = (0..n).find(|&i| region[i] && succ[i].is_empty()) {
        return Verdict::Violated(Lasso {
            prefix: prefix_to(g, &succ, prop, &region, &is_start, &|v| v == t),
            cycle: Vec::new(),
            forced: Vec::new(),
        });
    }
    let enabled =
        |c: &FairClass<M::Action>, i: usize| g.edges[i].iter().any(|(a, _)| (c.member)(a));
    let mut work = vec![region.clone()];
    while let Some(alive) = work.pop() {
        for comp in sccs(&succ, &alive) {
            let inside: Vec<bool> = {
                let mut v = vec![false; n];
                for &c in &comp {
                    v[c] = true;
                }
                v
            };
            let has_edge = comp.iter().any(|&v| succ[v].iter().any(|&w| inside[w]));
            if !has_edge {
                continue;
            }
            let takes = |c: &FairClass<M::Action>| {
                comp.iter()
                    .any(|&v| g.edges[v].iter().any(|(a, w)| inside[*w] && (c.member)(a)))
            };
            let mut fair_ok = true;
            let mut refine: Option<Vec<bool>> = None;
            for c in fair {
                if takes(c) {
                    continue;
                }
                match c.kind {
                    Fairness::Weak => {
                        if comp.iter().all(|&v| enabled(c, v)) {
                            fair_ok = false;
                        }
                    }
                    Fairness::Strong => {
                        if comp.iter().any(|&v| enabled(c, v)) {
                            fair_ok = false;
                            let mut sub = inside.clone();
                            for &v in &comp {
                                if enabled(c, v) {
                                    sub[v] = false;
                                }
                            }
                            refine = Some(sub);
                        }
                    }
                }
                if !fair_ok {
                    break;
                }
            }
            if fair_ok {
                let prefix = prefix_to(g, &succ, prop, &region, &is_start, &|v| inside[v]);
                let entry = prefix.last().copied().unwrap_or(comp[0]);
                let (cycle, forced) = cycle_through(g, &succ, entry, &inside, fair);
                return Verdict::Violated(Lasso {
                    prefix,
                    cycle,
                    forced,
                });
            }
            if let Some(sub) = refine {
                work.push(sub);
            }
        }
    }
    Verdict::Holds
}

/// Shortest path by BFS from `sources` to a state in `goal`, moving only through `allowed`
/// states (the sources themselves must be allowed). `None` if unreachable.
fn bfs_path(
    succ: &[Vec<usize>],
    sources: &[usize],
    allowed: &dyn Fn(usize) -> bool,
    goal: &dyn Fn(usize) -> bool,
) -> Option<Vec<usize>> {
    let n = succ.len();
    let mut parent = vec![usize::MAX; n];
    let mut seen = vec![false; n];
    let mut q = VecDeque::new();
    for &s in sources.iter().filter(|&&s| allowed(s)) {
        if !seen[s] {
            seen[s] = true;
            q.push_back(s);
        }
    }
    while let Some(v) = q.pop_front() {
        if goal(v) {
            let mut path = vec![v];
            let mut c = v;
            while parent[c] != usize::MAX {
                c = parent[c];
                path.push(c);
            }
            path.reverse();
            return Some(path);
        }
        for &w in &succ[v] {
            if allowed(w) && !seen[w] {
                seen[w] = true;
                parent[w] = v;
                q.push_back(w);
            }
        }
    }
    None
}

/// The prefix of a counterexample, from an initial state to a state of `target`:
/// - `eventually P`: through ¬P states only, from a ¬P initial state;
/// - `always eventually P`: any path;
/// - `P leads to Q`: any path to a P∧¬Q state, then through ¬Q states only.
fn prefix_to<M: Spec>(
    g: &Graph<M>,
    succ: &[Vec<usize>],
    prop: &Temporal<M::State>,
    region: &[bool],
    is_start: &[bool],
    target: &dyn Fn(usize) -> bool,
) -> Vec<usize> {
    let any = |_: usize| true;
    let in_region = |v: usize| region[v];
    let found = match prop {
        Temporal::Eventually(_) => bfs_path(succ, &g.init, &in_region, target),
        Temporal::AlwaysEventually(_) => bfs_path(succ, &g.init, &any, target),
        Temporal::LeadsTo(..) => {
            let starts: Vec<usize> = (0..succ.len()).filter(|&v| is_start[v]).collect();
            bfs_path(succ, &starts, &in_region, target).and_then(|tail| {
                let s0 = tail[0];
                bfs_path(succ, &g.init, &any, &|v| v == s0).map(|mut head| {
                    head.pop();
                    head.extend(tail);
                    head
                })
            })
        }
    };
    found.unwrap_or_default()
}

/// Shortest path inside the component from `a` to a state meeting `goal` (excluding `a`,
/// which may itself be the goal: then a cycle back to it).
fn inner_path(
    succ: &[Vec<usize>],
    inside: &[bool],
    a: usize,
    goal: impl Fn(usize) -> bool,
) -> Vec<usize> {
    let n = succ.len();
    let mut parent = vec![usize::MAX; n];
    let mut seen = vec![false; n];
    let mut q = VecDeque::from([a]);
    seen[a] = true;
    while let Some(v) = q.pop_front() {
        for &w in &succ[v] {
            if !inside[w] {
                continue;
            }
            if goal(w) {
                let mut p = vec![w];
                let mut c = v;
                while c != a {
                    p.push(c);
                    c = parent[c];
                }
                p.reverse();
                return p;
            }
            if !seen[w] {
                seen[w] = true;
                parent[w] = v;
                q.push_back(w);
            }
        }
    }
    Vec::new()
}

/// A cycle from `entry` back to `entry` inside the component, taking an edge of every class
/// the component takes.
fn cycle_through<M: Spec>(
    g: &Graph<M>,
    succ: &[Vec<usize>],
    entry: usize,
    inside: &[bool],
    fair: &[FairClass<M::Action>],
) -> (Vec<usize>, Vec<(usize, usize)>) {
    let mut forced = Vec::new();
    let mut cycle = vec![entry];
    let mut cur = entry;
    let enabled =
        |c: &FairClass<M::Action>, i: usize| g.edges[i].iter().any(|(a, _)| (c.member)(a));
    for c in fair {
        let taken = (0..g.states.len())
            .any(|v| inside[v] && g.edges[v].iter().any(|(a, w)| inside[*w] && (c.member)(a)));
        if !taken {
            // Weak class satisfied by a disabling state: pass through one.
            if let Some(v) = (0..g.states.len()).find(|&v| inside[v] && !enabled(c, v)) {
                if cur != v {
                    cycle.extend(inner_path(succ, inside, cur, |x| x == v));
                    cur = v;
                }
            }
            continue;
        }
        // An internal edge (v -> w) of class c, if any.
        let edge = (0..g.states.len()).filter(|&v| inside[v]).find_map(|v| {
            g.edges[v]
                .iter()
                .enumerate()
                .find(|(_, (a, w))| inside[*w] && (c.member)(a))
                .map(|(k, (_, w))| (v, k, *w))
        });
        if let Some((v, k, w)) = edge {
            if cur != v {
                cycle.extend(inner_path(succ, inside, cur, |x| x == v));
            }
            forced.push((v, k));
            cycle.push(w);
            cur = w;
        }
    }
    // Close the cycle (at least one step).
    let back = inner_path(succ, inside, cur, |x| x == entry);
    cycle.extend(back);
    if cycle.len() == 1 {
        cycle.push(entry);
    }
    (cycle, forced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::property::PropDef;
    use crate::engine::spec::{Narrate, Step};
    use stateright::{Checker, Model, Property};

    /// A `Spec` for a toy graph model: no properties, no narration.
    macro_rules! toy_spec {
        ($t:ty, $s:ty, $a:ty) => {
            impl Spec for $t {
                fn props(&self) -> &[PropDef<Self>] {
                    &[]
                }
                fn quiescent(&self, _: &$s) -> bool {
                    false
                }
                fn liveness_method(&self) -> &'static str {
                    "fair-cycle"
                }
            }

            impl Narrate for $t {
                fn render_step(&self, _: &$s, _: &$a, _: &$s) -> Step {
                    Step {
                        action: String::new(),
                        effects: Vec::new(),
                    }
                }
                fn render_end(&self, _: &$s) -> Vec<String> {
                    Vec::new()
                }
                fn processes(&self) -> usize {
                    1
                }
                fn events(&self, _: &$s, _: &$a, _: &$s) -> Vec<crate::engine::chart::Event> {
                    Vec::new()
                }
            }
        };
    }

    /// Two states flipping forever; the goal never holds.
    struct Flip;

    impl Model for Flip {
        type State = bool;
        type Action = ();
        fn init_states(&self) -> Vec<bool> {
            vec![false]
        }
        fn actions(&self, _: &bool, a: &mut Vec<()>) {
            a.push(());
        }
        fn next_state(&self, s: &bool, _: ()) -> Option<bool> {
            Some(!s)
        }
        fn properties(&self) -> Vec<Property<Self>> {
            vec![Property::eventually("done", |_, _| false)]
        }
    }

    toy_spec!(Flip, bool, ());

    #[test]
    fn stateright_eventually_misses_a_cycle_that_we_find() {
        let m = Flip;
        let sr = Flip.checker().spawn_bfs().join();
        assert_eq!(sr.unique_state_count(), 2);
        assert!(
            sr.discovery("done").is_none(),
            "stateright's eventually should miss the cycle (that is the trap)"
        );
        let g = explore(&m, 100, None, None);
        let Verdict::Violated(lasso) = check(&g, &Temporal::Eventually(|_| false), &[]) else {
            panic!("expected a lasso");
        };
        assert_eq!(lasso.prefix, vec![0]);
        assert_eq!(lasso.cycle, vec![0, 1, 0]);
        // Under weak fairness of the flip the cycle is still fair (the flip is taken).
        let fair = [FairClass {
            name: "WF(flip)",
            kind: Fairness::Weak,
            member: |_: &()| true,
        }];
        assert!(matches!(
            check(&g, &Temporal::Eventually(|_| false), &fair),
            Verdict::Violated(_)
        ));
        // And the goal "eventually true" holds: the second state is true.
        assert!(matches!(
            check(&g, &Temporal::Eventually(|s| *s), &[]),
            Verdict::Holds
        ));
        // Always-eventually true also holds on the only cycle.
        assert!(matches!(
            check(&g, &Temporal::AlwaysEventually(|s| *s), &[]),
            Verdict::Holds
        ));
        // An incomplete graph is unknown, never holds.
        let partial = explore(&m, 1, None, None);
        assert!(matches!(
            check(&partial, &Temporal::Eventually(|s| *s), &[]),
            Verdict::Unknown
        ));
    }

    #[test]
    fn strong_fairness_refines_components() {
        // Graph: 0 -a-> 1, 1 -b-> 0, 1 -c-> 2 (goal), 2 -> 2. Without fairness the a/b cycle
        // avoids the goal; strong fairness on c (enabled at 1 infinitely often) excludes it,
        // while weak fairness on c does not (c is disabled at 0).
        struct G;
        impl Model for G {
            type State = u8;
            type Action = char;
            fn init_states(&self) -> Vec<u8> {
                vec![0]
            }
            fn actions(&self, s: &u8, a: &mut Vec<char>) {
                match s {
                    0 => a.push('a'),
                    1 => {
                        a.push('b');
                        a.push('c');
                    }
                    _ => a.push('d'),
                }
            }
            fn next_state(&self, s: &u8, a: char) -> Option<u8> {
                Some(match (s, a) {
                    (0, 'a') => 1,
                    (1, 'b') => 0,
                    (1, 'c') => 2,
                    _ => 2,
                })
            }
        }
        toy_spec!(G, u8, char);
        let g = explore(&G, 10, None, None);
        let goal = Temporal::Eventually(|s: &u8| *s == 2);
        assert!(matches!(check(&g, &goal, &[]), Verdict::Violated(_)));
        let weak = [FairClass {
            name: "WF(c)",
            kind: Fairness::Weak,
            member: |a: &char| *a == 'c',
        }];
        assert!(matches!(check(&g, &goal, &weak), Verdict::Violated(_)));
        let strong = [FairClass {
            name: "SF(c)",
            kind: Fairness::Strong,
            member: |a: &char| *a == 'c',
        }];
        assert!(matches!(check(&g, &goal, &strong), Verdict::Holds));
    }

    #[test]
    fn leads_to_prefix_passes_through_p() {
        // 0 -> 1 (P) -> 3 (loop), and 0 -> 3 directly. Q never holds. The counterexample to
        // "P leads to Q" must visit the P state 1, not take the shortcut 0 -> 3.
        struct L;
        impl Model for L {
            type State = u8;
            type Action = u8;
            fn init_states(&self) -> Vec<u8> {
                vec![0]
            }
            fn actions(&self, s: &u8, a: &mut Vec<u8>) {
                match s {
                    0 => a.extend([3, 1]),
                    _ => a.push(3),
                }
            }
            fn next_state(&self, _: &u8, a: u8) -> Option<u8> {
                Some(a)
            }
        }
        toy_spec!(L, u8, u8);
        let g = explore(&L, 10, None, None);
        let prop = Temporal::LeadsTo(|s: &u8| *s == 1, |_: &u8| false);
        let Verdict::Violated(lasso) = check(&g, &prop, &[]) else {
            panic!("expected a lasso");
        };
        let states: Vec<u8> = lasso.prefix.iter().map(|&i| g.states[i]).collect();
        assert_eq!(states, vec![0, 1, 3]);
        let cycle: Vec<u8> = lasso.cycle.iter().map(|&i| g.states[i]).collect();
        assert_eq!(cycle, vec![3, 3]);
        // A depth bound makes the graph incomplete: unknown, never holds.
        let cut = explore(&L, 10, Some(1), None);
        assert!(matches!(check(&cut, &prop, &[]), Verdict::Unknown));
    }
}
