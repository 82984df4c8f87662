//! Every runtime model as a stateright [`ActorModel`] of [`Node`] actors, checked by
//! stateright's own checker against the same property predicates.
//!
//! - Process `p` is actor `p`; a protocol with an oracle failure detector gets one more actor,
//!   the detector ([`Role::Oracle`]).
//! - The network is stateright's non-duplicating unordered network (`network=bag`) or its
//!   ordered one (`network=fifo`); fair-loss links (`loss`) are its lossy network.
//! - **Crash-stop, not stateright's crash-recovery.** stateright 0.31's `max_crashes` lets a
//!   crashed actor recover at any time (it restarts from `on_start`) and keeps messages to it in
//!   flight. The adapter does not use it: each process that may crash has a `Crash` timer, after
//!   which it ignores everything, and the model's boundary (`within_boundary`) leaves out every
//!   state with more than `f` crashed processes. Messages to a crashed actor stay in stateright's
//!   network (they are never delivered: a no-op receipt is no step), where the runtime discards
//!   them; properties see the runtime's view.
//! - Properties are judged on the runtime's view of an actor state ([`to_system_state`]): the
//!   very predicates of the catalogue, safety as `always`, liveness as `always` at quiescent
//!   states (the runtime's [`System::quiescent`]: the in-flight messages of a crashed sender
//!   may be lost, exactly as in the runtime), and each liveness witness as `sometimes`.
//!
//! Not modelled as actors (refused with a reason): the heartbeat detector with explicit time
//! (a real-run detector here, [`crate::actor::udp`]) and the duplicating network (stateright's
//! duplicates without bound; the runtime's allows one extra copy).

use crate::actor::node::{Node, NodeState, Role, Wire};
use crate::engine::fingerprint::Fingerprinter;
use crate::engine::property::Kind;
use crate::runtime::bits::MSet;
use crate::runtime::history::History;
use crate::runtime::network::{Net, NetKind};
use crate::runtime::protocol::{MsgId, Pid, Protocol};
use crate::runtime::system::{SysState, System};
use stateright::actor::{ActorModel, ActorModelState, Id, LossyNetwork, Network};
use stateright::{Checker, Expectation, HasDiscoveries, Model};
use std::sync::Arc;

/// A protocol's actor model; its configuration is the runtime model it mirrors.
pub type Actors<P> = ActorModel<Node<P>, System<P>, ()>;
/// A state of [`Actors`].
pub type ActorsState<P> = ActorModelState<Node<P>, ()>;

/// Why a runtime model has no actor model.
pub fn unsupported<P: Protocol>(sys: &System<P>) -> Option<String> {
    if sys.timing().is_some() {
        return Some(
            "the heartbeat detector with explicit time is not an actor here (real runs use one over real timers)"
                .into(),
        );
    }
    if sys.net == NetKind::Dup {
        return Some(
            "stateright's duplicating network duplicates without bound; the runtime's allows one extra copy"
                .into(),
        );
    }
    if !sys.symmetry.is_empty() || sys.drop_ignored {
        return Some("run it with --reduce none: reductions are the runtime's".into());
    }
    None
}

/// The actor model of `sys` (see the module text).
pub fn actor_model<P: Protocol>(sys: System<P>) -> Result<Actors<P>, String> {
    if let Some(why) = unsupported(&sys) {
        return Err(why);
    }
    let n = sys.env.n;
    let oracle = sys.detector.filter(|d| d.oracle());
    let count = n as usize + usize::from(oracle.is_some());
    let ids: Arc<Vec<Id>> = Arc::new((0..count).map(Id::from).collect());
    let node = |role| Node {
        proto: sys.proto.clone(),
        env: sys.env.clone(),
        role,
        detector: sys.detector,
        ids: ids.clone(),
        crashes: sys.env.f > 0,
        causal: sys.track_causality,
        live: None,
    };
    let mut actors: Vec<Node<P>> = (0..n).map(|p| node(Role::Process(p))).collect();
    if oracle.is_some() {
        actors.push(node(Role::Oracle));
    }
    let network = match sys.net {
        NetKind::Fifo => Network::new_ordered([]),
        _ => Network::new_unordered_nonduplicating([]),
    };
    let lossy = if sys.loss.is_some() {
        LossyNetwork::Yes
    } else {
        LossyNetwork::No
    };
    let mut m = ActorModel::new(sys, ())
        .actors(actors)
        .init_network(network)
        .lossy_network(lossy)
        .within_boundary(|sys, s| {
            let crashed = s
                .actor_states
                .iter()
                .take(sys.env.n as usize)
                .filter(|a| a.crashed)
                .count();
            crashed <= sys.env.f as usize
        });
    let always: [Cond<P>; MAX] = conds!(always, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    let witness: [Cond<P>; MAX] = conds!(witness, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    let props: Vec<_> = m
        .cfg
        .props
        .iter()
        .take(MAX)
        .map(|d| (d.meta, d.witness.is_some()))
        .collect();
    for (i, (meta, has_witness)) in props.into_iter().enumerate() {
        m = m.property(Expectation::Always, meta.name, always[i]);
        if has_witness {
            m = m.property(Expectation::Sometimes, meta.witness, witness[i]);
        }
    }
    // Not a property of the algorithm: tells the conformance whether random choices happen.
    m = m.property(Expectation::Sometimes, RANDOM_STEP, |_, s| {
        s.random_choices.iter().any(|r| !r.map.is_empty())
    });
    Ok(m)
}

/// The observer property that finds a pending random choice.
pub const RANDOM_STEP: &str = "(observer) a random choice is pending";

const MAX: usize = 16;
type Cond<P> = fn(&Actors<P>, &ActorsState<P>) -> bool;
macro_rules! conds {
    ($f:ident, $($i:literal)*) => { [$($f::<P, $i> as Cond<P>),*] };
}
use conds;

fn always<P: Protocol, const I: usize>(m: &Actors<P>, s: &ActorsState<P>) -> bool {
    let sys = &m.cfg;
    let Some(d) = sys.props.get(I) else {
        return true;
    };
    let t = to_system_state(sys, s);
    if d.meta.kind == Kind::Liveness && !sys.quiescent(&t) {
        return true;
    }
    (d.check)(sys, &t).is_none()
}

fn witness<P: Protocol, const I: usize>(m: &Actors<P>, s: &ActorsState<P>) -> bool {
    let sys = &m.cfg;
    let Some(w) = sys.props.get(I).and_then(|d| d.witness) else {
        return false;
    };
    let t = to_system_state(sys, s);
    sys.quiescent(&t) && w(sys, &t)
}

/// The runtime's view of an actor state: process states, the in-flight algorithm messages
/// (those to crashed processes discarded), pending random sends, and the ghost history rebuilt
/// from the actors' logs and broadcast counters.
pub fn to_system_state<P: Protocol>(sys: &System<P>, s: &ActorsState<P>) -> SysState<P> {
    let n = sys.env.n as usize;
    let procs: Vec<&NodeState<P>> = s.actor_states.iter().take(n).map(|a| &**a).collect();
    let mut hist = History::with_causality(sys.env.n, sys.detector.is_some(), sys.track_causality);
    for (p, a) in procs.iter().enumerate() {
        if a.crashed {
            hist.crashed.insert(p as Pid);
        }
        if let Some(x) = hist.suspects.get_mut(p) {
            *x = a.suspects;
        }
        for &m in &a.log {
            hist.log.push(p as Pid, m, !sys.keep_order);
        }
        for seq in 0..a.broadcasts {
            hist.broadcast.insert(MsgId {
                origin: p as Pid,
                seq,
            });
        }
    }
    if sys.track_causality {
        // The causal past of each broadcast: the closure of what it directly follows, in
        // broadcast order of each origin (a message only follows earlier ones).
        let mut known = vec![false; hist.past.len()];
        loop {
            let mut progress = false;
            for (p, a) in procs.iter().enumerate() {
                for (seq, direct) in a.direct.iter().enumerate() {
                    let m = MsgId {
                        origin: p as Pid,
                        seq: seq as u8,
                    };
                    let b = m.bit() as usize;
                    if known[b] || !direct.iter().all(|x| known[x.bit() as usize]) {
                        continue;
                    }
                    let mut past = *direct;
                    for x in direct.iter() {
                        past = MSet(past.0 | hist.past[x.bit() as usize].0);
                    }
                    past.remove(m);
                    hist.past[b] = past;
                    known[b] = true;
                    progress = true;
                }
            }
            if !progress {
                break;
            }
        }
    }
    let mut net: Net<P::Msg> = Net::new();
    let mut add = |src: Id, dst: Id, w: &Wire<P::Msg>| {
        let (src, dst) = (usize::from(src), usize::from(dst));
        if let Wire::App(msg) = w {
            if src < n && dst < n && !hist.crashed.contains(dst as Pid) {
                sys.net.push(&mut net, src as Pid, dst as Pid, msg.clone());
            }
        }
    };
    // stateright 0.31's `Network::iter_all` is wrong for both networks the adapter uses: it
    // never moves past the head of an ordered channel (its cursor is not advanced), so it yields
    // that message forever; and it yields a message sent `c > 1` times `c + 1` times on the
    // non-duplicating network (the first copy is not counted). Read the networks directly.
    match &s.network {
        Network::Ordered(channels) => {
            for (&(src, dst), queue) in channels {
                for w in queue {
                    add(src, dst, w);
                }
            }
        }
        Network::UnorderedNonDuplicating(multiset) => {
            for (e, &copies) in multiset.iter() {
                for _ in 0..copies {
                    add(e.src, e.dst, &e.msg);
                }
            }
        }
        Network::UnorderedDuplicating(set, _) => {
            for e in set.iter() {
                add(e.src, e.dst, &e.msg);
            }
        }
    }
    let pending = procs
        .iter()
        .filter(|a| !a.crashed)
        .flat_map(|a| a.pending.iter().cloned())
        .collect();
    let states = procs
        .iter()
        .map(|a| a.st.clone().expect("a process actor has a protocol state"))
        .collect();
    sys.state_of(states, net, pending, hist)
}

/// What stateright's checker says of an actor model.
#[derive(Clone, Debug)]
pub struct ActorCheck {
    /// Unique states stateright visited.
    pub unique: usize,
    /// Whether it explored every state (not stopped at `max_states`).
    pub complete: bool,
    /// Per property ID: a counterexample was found.
    pub violated: Vec<(&'static str, bool)>,
    /// Per property ID with a witness: one was found.
    pub witnessed: Vec<(&'static str, bool)>,
    /// Some state has a random choice pending (its own step here, part of the handler's
    /// step in the runtime).
    pub random_steps: bool,
}

/// A never-met finish condition: stateright explores everything.
fn everything() -> HasDiscoveries {
    HasDiscoveries::AllOf(std::iter::once("\u{0}never").collect())
}

/// Checks the actor model of `sys` with stateright's BFS, exploring every state (up to
/// `max_states` generated states, duplicates included: stateright's `target_state_count`).
pub fn check_actors<P: Protocol>(sys: System<P>, max_states: usize) -> Result<ActorCheck, String> {
    let metas: Vec<_> = sys
        .props
        .iter()
        .map(|d| (d.meta, d.witness.is_some()))
        .collect();
    let c = bfs_everything(actor_model(sys)?, max_states);
    Ok(ActorCheck {
        unique: c.unique_state_count(),
        complete: c.state_count() < max_states,
        random_steps: c.discovery(RANDOM_STEP).is_some(),
        violated: metas
            .iter()
            .map(|(meta, _)| (meta.id, c.discovery(meta.name).is_some()))
            .collect(),
        witnessed: metas
            .iter()
            .filter(|(_, w)| *w)
            .map(|(meta, _)| (meta.id, c.discovery(meta.witness).is_some()))
            .collect(),
    })
}

/// Unique states of the runtime model itself under stateright's BFS (every state, up to
/// `max_states` generated): the other side of a count comparison.
pub fn count_runtime<P: Protocol>(sys: System<P>, max_states: usize) -> (usize, bool) {
    let c = bfs_everything(sys, max_states);
    (c.unique_state_count(), c.state_count() < max_states)
}

/// stateright's single-threaded BFS over every state of `m`, up to `max_states` generated.
fn bfs_everything<M>(m: M, max_states: usize) -> impl Checker<M>
where
    M: Model + Send + Sync + 'static,
    M::State: std::hash::Hash + Send + Sync + Clone + PartialEq + 'static,
    M::Action: Clone + PartialEq,
{
    m.checker()
        .threads(1)
        .finish_when(everything())
        .target_state_count(max_states)
        .spawn_bfs()
        .join()
}

/// Every state of a stateright model reachable within its boundary (breadth-first, up to
/// `max_states` generated), each handed to `visit`; the number of unique states and whether
/// the search was complete. States are told apart by their 64-bit fingerprints, as in the
/// checker's own search.
fn explore<M: Model>(m: &M, max_states: usize, mut visit: impl FnMut(&M::State)) -> (usize, bool)
where
    M::State: std::hash::Hash,
{
    let key = |s: &M::State| FPR.fp(s);
    let mut seen = std::collections::HashSet::new();
    let mut queue = std::collections::VecDeque::new();
    for s in m.init_states().into_iter().filter(|s| m.within_boundary(s)) {
        if seen.insert(key(&s)) {
            queue.push_back(s);
        }
    }
    let (mut generated, mut actions) = (0usize, Vec::new());
    while let Some(s) = queue.pop_front() {
        visit(&s);
        actions.clear();
        m.actions(&s, &mut actions);
        for a in actions.drain(..) {
            let Some(t) = m.next_state(&s, a) else {
                continue;
            };
            if !m.within_boundary(&t) {
                continue;
            }
            generated += 1;
            if generated >= max_states {
                return (seen.len(), false);
            }
            if seen.insert(key(&t)) {
                queue.push_back(t);
            }
        }
    }
    (seen.len(), true)
}

/// The fingerprints every state set here is kept by.
const FPR: Fingerprinter = Fingerprinter::FIXED;

/// The runtime's view of the actor model's state space, beside the runtime's own.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Views {
    /// Distinct runtime views of the actor states.
    pub views: usize,
    /// Runtime states that are the view of no actor state (must be 0: the actors can do
    /// everything the runtime can).
    pub runtime_unmatched: usize,
    /// Views that are no runtime state (0 unless random choices interleave, which the runtime
    /// does not allow).
    pub views_unmatched: usize,
    pub complete: bool,
}

/// Projects every actor state onto the runtime's view ([`to_system_state`]) and compares the
/// set of views with the runtime's own reachable states. Both graphs built from `build`.
pub fn compare_views<P: Protocol>(
    build: &dyn Fn() -> crate::error::Result<System<P>>,
    max_states: usize,
) -> crate::error::Result<Result<Views, String>> {
    let runtime = build()?;
    let mut theirs = std::collections::HashSet::new();
    let (_, c1) = explore(&runtime, max_states, |s| {
        theirs.insert(FPR.fp(s));
    });
    let m = match actor_model(build()?) {
        Ok(m) => m,
        Err(why) => return Ok(Err(why)),
    };
    let mut views = std::collections::HashSet::new();
    let (_, c2) = explore(&m, max_states, |s| {
        views.insert(FPR.fp(&to_system_state(&m.cfg, s)));
    });
    Ok(Ok(Views {
        views: views.len(),
        runtime_unmatched: theirs.difference(&views).count(),
        views_unmatched: views.difference(&theirs).count(),
        complete: c1 && c2,
    }))
}

/// Where the two encodings are not isomorphic, and so why their counts may differ.
pub fn encoding_differences<P: Protocol>(sys: &System<P>) -> Vec<&'static str> {
    let mut v = Vec::new();
    if sys.env.f > 0 {
        v.push("a message to a crashed process stays in stateright's network, where the runtime discards it (so a receipt that changed nothing before the crash and no receipt at all are two states, not one)");
    }
    if sys.detector.is_some_and(|d| d.oracle()) {
        v.push("the oracle detector is an actor: a crash reaches it as a message, and each report is a message of its own (two steps where the runtime has one Detect step)");
    }
    if sys.detector.is_some_and(|d| d.may_suspect_alive()) {
        v.push("a false suspicion is an oracle timer, then a message");
    }
    if sys.track_causality {
        v.push("each actor keeps what its broadcasts directly follow, the runtime their causal closure: two runs with the same closure are one runtime state");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::broadcast::{beb, eager_rb};
    use crate::models::params::RunSpec;

    fn spec(n: u32, f: u32, props: &[&str]) -> RunSpec {
        RunSpec {
            n: Some(n),
            f: Some(f),
            properties: props.iter().map(|s| s.to_string()).collect(),
            reduce: crate::engine::reductions::Reductions::default(),
            ..RunSpec::default()
        }
    }

    /// Fault-free eager reliable broadcast: the encodings are isomorphic, so stateright counts
    /// the same states on both, and every property holds with a witness.
    #[test]
    fn fault_free_eager_rb_is_isomorphic() {
        let build = || {
            let (mut s, _) = eager_rb::ENTRY.system(&spec(3, 0, &[])).expect("valid");
            s.keep_order = true;
            s
        };
        assert!(encoding_differences(&build()).is_empty());
        let a = check_actors(build(), 1_000_000).expect("an actor model");
        let (r, complete) = count_runtime(build(), 1_000_000);
        assert!(a.complete && complete);
        assert_eq!(a.unique, r);
        assert!(a.violated.iter().all(|(_, v)| !v), "{a:?}");
        assert!(a.witnessed.iter().all(|(_, w)| *w), "{a:?}");
    }

    /// Best-effort broadcast with a crashing sender violates RB4 as an actor model too: the
    /// crash cuts the broadcast's sends through the runtime's fail-silent quiescence.
    #[test]
    fn beb_crash_violates_rb4_as_actors() {
        let (s, _) = beb::ENTRY
            .system(&spec(3, 1, &["RB4", "BEB1"]))
            .expect("valid");
        let a = check_actors(s, 1_000_000).expect("an actor model");
        assert_eq!(a.violated, vec![("RB4", true), ("BEB1", false)], "{a:?}");
    }

    /// stateright 0.31's `Network::iter_all` repeats the head of an ordered channel forever;
    /// the runtime view reads ordered queues itself, in order.
    #[test]
    fn ordered_networks_are_read_whole_and_in_order() {
        let mut sp = spec(2, 0, &["FRB5"]);
        for (k, v) in [("senders", "all"), ("msgs", "2"), ("network", "fifo")] {
            sp.params.insert(k.into(), v.into());
        }
        let (sys, _) = eager_rb::ENTRY.system(&sp).expect("valid");
        let m = actor_model(sys).expect("an actor model");
        let mut s = m.init_states().remove(0);
        let (a, b) = (Id::from(0), Id::from(1));
        let data = |seq| Wire::App(crate::runtime::protocol::Data(MsgId { origin: 0, seq }));
        s.network = Network::new_ordered([
            stateright::actor::Envelope {
                src: a,
                dst: b,
                msg: data(0),
            },
            stateright::actor::Envelope {
                src: a,
                dst: b,
                msg: data(1),
            },
        ]);
        let t = to_system_state(&m.cfg, &s);
        let seqs: Vec<u8> = t.net.iter().map(|e| e.msg.0.seq).collect();
        assert_eq!(seqs, vec![0, 1]);
    }

    /// stateright 0.31's `Network::iter_all` yields a message sent twice three times on the
    /// non-duplicating network; the runtime view counts copies itself.
    #[test]
    fn repeated_sends_are_counted_once_each() {
        let (sys, _) = eager_rb::ENTRY.system(&spec(2, 0, &[])).expect("valid");
        let m = actor_model(sys).expect("an actor model");
        let mut s = m.init_states().remove(0);
        let (a, b) = (Id::from(0), Id::from(1));
        let data = || Wire::App(crate::runtime::protocol::Data(MsgId { origin: 0, seq: 0 }));
        let e = || stateright::actor::Envelope {
            src: a,
            dst: b,
            msg: data(),
        };
        s.network = Network::new_unordered_nonduplicating([e(), e()]);
        assert_eq!(s.network.len(), 2);
        assert_eq!(to_system_state(&m.cfg, &s).net.len(), 2);
    }
}
