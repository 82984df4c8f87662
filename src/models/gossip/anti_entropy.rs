//! # Anti-entropy (push-pull)
//!
//! Seed notes 001, "Gossip Summary": **anti-entropy** is gossip with t = 1, run *periodically
//! by everyone*: each process contacts one random peer and the two reconcile what they know.
//! Demers et al., *Epidemic Algorithms for Replicated Database Maintenance* (PODC 1987), the
//! push-pull variant:
//!
//! ```text
//! upon event ⟨Broadcast | m⟩ do known := known ∪ {m}; deliver m;
//! upon event ⟨Timeout⟩ do                          -- `rounds` times per process
//!     send [SYNC, known] to one random peer;
//! upon event ⟨Deliver | p, [SYNC, k]⟩ do
//!     learn(k \ known);                           -- the push half
//!     if known \ k ≠ ∅ then send [PUSH, known \ k] to p;   -- the pull half
//! upon event ⟨Deliver | p, [PUSH, ms]⟩ do learn(ms);
//! ```
//!
//! Unlike [`crate::models::gossip::pull_gossip`], an exchange also pushes: a process that has the message
//! infects the peer it contacts. Anti-entropy converges with probability 1 as rounds go to
//! infinity; with a bounded number of rounds (to keep runs finite) **PRB4 agreement** has a
//! probability, which depends on when timers fire: `prob` gives the interval.

use crate::models::entry::{Entry, ModelInfo};
use crate::models::gossip::peers::{self, Peers, LOSS, OVERLAY, ROUNDS};
use crate::models::gossip::pull_gossip::{learn, Puller};
use crate::models::params::Params;
use crate::runtime::bits::MSet;
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use std::fmt;

/// Push-pull anti-entropy.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct AntiEntropy {
    pub rounds: u8,
    pub peers: Peers,
}

#[derive(
    Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum SyncMsg {
    Sync(MSet),
    Push(MSet),
}

impl fmt::Debug for SyncMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncMsg::Sync(k) => write!(f, "[SYNC {k:?}]"),
            SyncMsg::Push(ms) => write!(f, "[PUSH {ms:?}]"),
        }
    }
}

impl Protocol for AntiEntropy {
    type State = Puller;
    type Msg = SyncMsg;

    fn init(&self, _env: &Env, _me: Pid) -> Puller {
        Puller::new(self.rounds)
    }

    // upon event ⟨Broadcast | m⟩
    fn on_broadcast(&self, _: &Env, _me: Pid, st: &mut Puller, m: MsgId, out: &mut Out<SyncMsg>) {
        st.hold(m, out);
    }

    fn on_receive(
        &self,
        _env: &Env,
        _me: Pid,
        st: &mut Puller,
        from: Pid,
        msg: &SyncMsg,
        out: &mut Out<SyncMsg>,
    ) {
        match *msg {
            // upon event ⟨Deliver | p, [SYNC, k]⟩
            SyncMsg::Sync(k) => {
                let news = st.known.minus(k);
                learn(&mut st.known, k, out);
                if !news.is_empty() {
                    out.send(from, SyncMsg::Push(news));
                }
            }
            // upon event ⟨Deliver | p, [PUSH, ms]⟩
            SyncMsg::Push(ms) => learn(&mut st.known, ms, out),
        }
    }

    /// A PUSH of messages all known does nothing, now and later.
    fn ignores(&self, st: &Puller, msg: &SyncMsg) -> bool {
        matches!(*msg, SyncMsg::Push(ms) if ms.is_subset(st.known))
    }

    fn timer_armed(&self, _env: &Env, st: &Puller) -> bool {
        st.left > 0
    }

    // upon event ⟨Timeout⟩
    fn on_timer(&self, _env: &Env, me: Pid, st: &mut Puller, out: &mut Out<SyncMsg>) {
        st.left -= 1;
        self.peers.gossip(out, me, None, 1, SyncMsg::Sync(st.known));
    }
}

pub static ENTRY: Entry<AntiEntropy> = Entry {
    info: ModelInfo {
        name: "anti-entropy",
        title: "Anti-entropy (periodic push-pull with one random peer)",
        source: "seed 001 (Gossip Summary); Demers et al. 1987",
        fault_model: "crash-stop, fair-loss links",
        tolerance: "PRB4 with probability → 1 as rounds grow (see prob)",
        tolerates: |_| true,
        claims: crate::models::gossip::eager_gossip::CLAIMS,
        params: &[ROUNDS, LOSS, OVERLAY],
        uses_detector: false,
        default_n: 3,
    },
    build: |p: &Params| {
        Ok(AntiEntropy {
            rounds: peers::rounds(p)?,
            peers: Peers::from_params(p)?,
        })
    },
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn one_round_can_leave_someone_out() {
        let r = run("anti-entropy", 3, 0, &[("rounds", "1")], &["PRB4", "PRB2"]);
        assert_statuses(&r, &[("PRB4", "violated"), ("PRB2", "holds")]);
    }
}
