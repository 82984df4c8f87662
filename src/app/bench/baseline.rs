//! The baseline the benchmark measures against: eager reliable broadcast (CGR Alg. 3.3) written
//! the plain way, as a stateright [`ActorModel`] checked by stateright's own checker.
//!
//! It has the same semantics as broadcheck's `eager-rb` with no crashes, so that both find
//! the same states (the tests below check that): a sender's broadcast is a step of its own
//! (a one-shot timer), the network is an unordered non-duplicating bag, every receipt consumes
//! its message (the handler takes `state.to_mut()` first; a receipt that left the state
//! borrowed would be a stateright no-op that leaves the message in flight forever).
//!
//! Nothing here is tuned: a `BTreeSet` of delivered messages, stateright's hash-map network and
//! its visited map of fingerprints and parents. That is what "plain ActorModel" means.

use stateright::actor::{model_timeout, Actor, ActorModel, Id, Network, Out};
use stateright::{Checker, Model};
use std::borrow::Cow;
use std::collections::BTreeSet;

/// `[DATA, s, m]`: the message broadcast by origin `s` (each sender broadcasts once).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Data(pub usize);

/// One eager-RB process.
pub struct EagerRbActor {
    pub peers: Vec<Id>,
    pub sender: bool,
}

/// The timer that makes a sender broadcast (the application's choice of when).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BroadcastNow;

impl Actor for EagerRbActor {
    type Msg = Data;
    type Timer = BroadcastNow;
    type State = BTreeSet<usize>;
    type Storage = ();
    type Random = ();

    // upon event ⟨rb, Init⟩
    fn on_start(&self, _id: Id, _storage: &Option<()>, o: &mut Out<Self>) -> BTreeSet<usize> {
        if self.sender {
            o.set_timer(BroadcastNow, model_timeout());
        }
        BTreeSet::new()
    }

    // upon event ⟨rb, Broadcast | m⟩
    fn on_timeout(
        &self,
        id: Id,
        _state: &mut Cow<BTreeSet<usize>>,
        _timer: &BroadcastNow,
        o: &mut Out<Self>,
    ) {
        o.broadcast(&self.peers, &Data(usize::from(id)));
    }

    // upon event ⟨beb, Deliver | p, [DATA, s, m]⟩
    fn on_msg(
        &self,
        _id: Id,
        state: &mut Cow<BTreeSet<usize>>,
        _src: Id,
        msg: Data,
        o: &mut Out<Self>,
    ) {
        let delivered = state.to_mut();
        if delivered.insert(msg.0) {
            o.broadcast(&self.peers, &msg);
        }
    }
}

/// The baseline model: `n` processes, of which `senders` broadcast once.
pub fn model(n: usize, senders: &[usize]) -> ActorModel<EagerRbActor, (), ()> {
    let peers: Vec<Id> = (0..n).map(Id::from).collect();
    ActorModel::new((), ())
        .actors((0..n).map(|p| EagerRbActor {
            peers: peers.clone(),
            sender: senders.contains(&p),
        }))
        .init_network(Network::new_unordered_nonduplicating([]))
        // A model without properties explores only its initial state. RB2 no duplication
        // holds by construction (delivered is a set); checking it keeps the search going.
        .property(
            stateright::Expectation::Always,
            "RB2 no duplication",
            |_, s| s.actor_states.iter().all(|d| d.len() <= 64),
        )
}

/// Result of one baseline run.
pub struct Run {
    pub unique_states: usize,
    pub seconds: f64,
    /// The search ran to the end (no state budget, no timeout).
    pub complete: bool,
}

/// Runs stateright's own checker (BFS or DFS) on the baseline, to the end or to `timeout`
/// (stateright ignores its timeout with one thread, so at least two are used then).
pub fn run(
    n: usize,
    senders: &[usize],
    dfs: bool,
    threads: usize,
    timeout: std::time::Duration,
) -> Run {
    let start = std::time::Instant::now();
    let b = model(n, senders)
        .checker()
        .threads(threads.max(2))
        .timeout(timeout);
    let (unique_states, done) = if dfs {
        let c = b.spawn_dfs().join();
        (c.unique_state_count(), c.is_done())
    } else {
        let c = b.spawn_bfs().join();
        (c.unique_state_count(), c.is_done())
    };
    let seconds = start.elapsed().as_secs_f64();
    Run {
        unique_states,
        seconds,
        complete: done && seconds < timeout.as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::checker::check;
    use crate::engine::outcome::Options;
    use crate::models::broadcast::eager_rb;
    use crate::models::params::RunSpec;

    fn ours(n: u32, senders: &str) -> usize {
        let spec = RunSpec::of("eager-rb", n, 0, &[("senders", senders)]);
        let (sys, _) = eager_rb::ENTRY.system(&spec).expect("valid");
        let out = check(&sys, &Options::default());
        assert!(out.exhaustive());
        out.unique_states
    }

    /// The baseline and broadcheck's eager-rb explore the same states.
    #[test]
    fn baseline_has_the_same_states_as_eager_rb() {
        for (n, senders, sv) in [(2, "all", vec![0, 1]), (3, "1", vec![1]), (4, "0", vec![0])] {
            let theirs = super::run(
                n as usize,
                &sv,
                false,
                1,
                std::time::Duration::from_secs(60),
            )
            .unique_states;
            assert_eq!(ours(n, senders), theirs, "n={n} senders={senders}");
        }
    }
}
