//! # Pull gossip
//!
//! Seed notes 001, "Gossip Types": instead of pushing, every process periodically asks `t`
//! random peers "do you have new messages?", and a peer answers with the messages the asker
//! lacks:
//!
//! ```text
//! [Sender] <--- do you have (digest) --- [Receiver]   PULL
//! [Sender] ---- message --------------> [Receiver]    PUSH
//! ```
//!
//! ```text
//! upon event ⟨Broadcast | m⟩ do known := known ∪ {m}; deliver m;
//! upon event ⟨Timeout⟩ do                         -- `rounds` times per process
//!     forall q ∈ picktargets(t) do send [PULL, known] to q;
//! upon event ⟨Deliver | p, [PULL, k]⟩ do
//!     if known \ k ≠ ∅ then send [PUSH, known \ k] to p;
//! upon event ⟨Deliver | p, [PUSH, ms]⟩ do
//!     forall m ∈ ms \ known do known := known ∪ {m}; deliver m;
//! ```
//!
//! A process cannot know what it is missing, so it keeps pulling: a timer bounded to `rounds`
//! firings per process keeps runs finite (and the state graph acyclic). Pull is slow: a message
//! spreads only when someone who lacks it happens to ask someone who has it. *When* timers fire
//! relative to the broadcast is the scheduler's choice, so the probability of **PRB4 agreement**
//! is an interval: `prob` reports the worst scheduler (every process pulls before anybody has the
//! message: 0) and the best one.

use crate::models::entry::{Entry, ModelInfo};
use crate::models::gossip::peers::{self, Peers, FANOUT, LOSS, OVERLAY, ROUNDS};
use crate::models::params::Params;
use crate::runtime::bits::MSet;
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use std::fmt;

/// Pull gossip.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct PullGossip {
    pub fanout: u8,
    pub rounds: u8,
    pub peers: Peers,
}

/// Local state: the messages known (= delivered) and the pulls left.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Puller {
    pub known: MSet,
    pub left: u8,
}

#[derive(
    Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum PullMsg {
    Pull(MSet),
    Push(MSet),
}

impl fmt::Debug for PullMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PullMsg::Pull(k) => write!(f, "[PULL have {k:?}]"),
            PullMsg::Push(ms) => write!(f, "[PUSH {ms:?}]"),
        }
    }
}

impl Puller {
    /// `upon event ⟨Init⟩`: nothing known, `rounds` timer firings to go.
    pub fn new(rounds: u8) -> Puller {
        Puller {
            known: MSet::EMPTY,
            left: rounds,
        }
    }

    /// `upon event ⟨Broadcast | m⟩`: keep m (others will fetch it) and deliver it.
    pub fn hold<M: Clone>(&mut self, m: MsgId, out: &mut Out<M>) {
        self.known.insert(m);
        out.deliver(m);
    }
}

/// Delivers every message of `ms` not yet known.
pub fn learn<M: Clone>(st: &mut MSet, ms: MSet, out: &mut Out<M>) {
    for m in ms.iter() {
        if st.insert(m) {
            out.deliver(m);
        }
    }
}

impl Protocol for PullGossip {
    type State = Puller;
    type Msg = PullMsg;

    fn init(&self, _env: &Env, _me: Pid) -> Puller {
        Puller::new(self.rounds)
    }

    // upon event ⟨Broadcast | m⟩
    fn on_broadcast(&self, _: &Env, _me: Pid, st: &mut Puller, m: MsgId, out: &mut Out<PullMsg>) {
        st.hold(m, out);
    }

    fn on_receive(
        &self,
        _env: &Env,
        _me: Pid,
        st: &mut Puller,
        from: Pid,
        msg: &PullMsg,
        out: &mut Out<PullMsg>,
    ) {
        match *msg {
            // upon event ⟨Deliver | p, [PULL, k]⟩
            PullMsg::Pull(k) => {
                let news = st.known.minus(k);
                if !news.is_empty() {
                    out.send(from, PullMsg::Push(news));
                }
            }
            // upon event ⟨Deliver | p, [PUSH, ms]⟩
            PullMsg::Push(ms) => learn(&mut st.known, ms, out),
        }
    }

    /// A PUSH of messages all known does nothing, now and later.
    fn ignores(&self, st: &Puller, msg: &PullMsg) -> bool {
        matches!(*msg, PullMsg::Push(ms) if ms.is_subset(st.known))
    }

    fn timer_armed(&self, _env: &Env, st: &Puller) -> bool {
        st.left > 0
    }

    // upon event ⟨Timeout⟩
    fn on_timer(&self, _env: &Env, me: Pid, st: &mut Puller, out: &mut Out<PullMsg>) {
        st.left -= 1;
        self.peers
            .gossip(out, me, None, self.fanout, PullMsg::Pull(st.known));
    }
}

pub static ENTRY: Entry<PullGossip> = Entry {
    info: ModelInfo {
        name: "pull-gossip",
        title: "Pull gossip",
        source: "seed 001 (Gossip Types)",
        fault_model: "crash-stop, fair-loss links",
        tolerance: "PRB4 only with some probability, scheduler-dependent (see prob)",
        tolerates: |_| true,
        claims: crate::models::gossip::eager_gossip::CLAIMS,
        params: &[FANOUT, ROUNDS, LOSS, OVERLAY],
        uses_detector: false,
        default_n: 3,
    },
    build: |p: &Params| {
        Ok(PullGossip {
            fanout: peers::fanout(p)?,
            rounds: peers::rounds(p)?,
            peers: Peers::from_params(p)?,
        })
    },
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn pulling_too_early_misses_the_message() {
        let r = run("pull-gossip", 2, 0, &[("rounds", "1")], &["PRB4"]);
        assert_statuses(&r, &[("PRB4", "violated")]);
        assert_trace(
            &r,
            "PRB4",
            &[
                "p0's timer fires",
                "p1 receives [PULL have {}] from p0",
                "p1's timer fires",
                "p0 receives [PULL have {}] from p1",
                "p0 broadcasts m0.1",
            ],
        );
    }
}
