//! # Lazy push gossip
//!
//! Seed notes 001, "Gossip Types": for big messages, gossip *announces* the message id instead
//! of pushing the payload; a receiver that lacks the message asks for it, and only then is the
//! payload sent:
//!
//! ```text
//! [Sender] ---- mid ---------------> [Receiver]      IHAVE
//! [Sender] <--- send me m with mid - [Receiver]      IWANT
//! [Sender] ---- message -----------> [Receiver]      DATA
//! ```
//!
//! ```text
//! upon event ⟨Broadcast | m⟩ do delivered := {m}; deliver m; announce(m);
//! procedure announce(m) is forall q ∈ picktargets(t) do send [IHAVE, m] to q;
//! upon event ⟨Deliver | p, [IHAVE, m]⟩ do if m ∉ delivered then send [IWANT, m] to p;
//! upon event ⟨Deliver | p, [IWANT, m]⟩ do send [DATA, m] to p;
//! upon event ⟨Deliver | p, [DATA, m]⟩ do
//!     if m ∉ delivered then delivered := delivered ∪ {m}; deliver m; announce(m);
//! ```
//!
//! Announcing is infect-and-die, as in [`crate::models::gossip::eager_gossip`]: with reliable links and no
//! crashes, who gets the message is decided by the same random choices, so the probability of
//! **PRB4 agreement** is exactly eager gossip's (a test checks that). Three messages per
//! infection instead of one: over lossy links, or when an announcer crashes before it answers,
//! lazy push is *less* reliable, and `prob` shows by how much.

use crate::models::entry::{Entry, ModelInfo};
use crate::models::gossip::peers::{self, Peers, FANOUT, LOSS, OVERLAY};
use crate::models::params::Params;
use crate::runtime::bits::MSet;
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use std::fmt;

/// Lazy push gossip.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct LazyPush {
    pub fanout: u8,
    pub peers: Peers,
}

#[derive(
    Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum LazyMsg {
    IHave(MsgId),
    IWant(MsgId),
    Data(MsgId),
}

impl fmt::Debug for LazyMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LazyMsg::IHave(m) => write!(f, "[IHAVE {m}]"),
            LazyMsg::IWant(m) => write!(f, "[IWANT {m}]"),
            LazyMsg::Data(m) => write!(f, "[DATA {m}]"),
        }
    }
}

impl Protocol for LazyPush {
    /// `delivered`.
    type State = MSet;
    type Msg = LazyMsg;

    fn init(&self, _env: &Env, _me: Pid) -> MSet {
        MSet::EMPTY
    }

    // upon event ⟨Broadcast | m⟩
    fn on_broadcast(&self, _: &Env, me: Pid, st: &mut MSet, m: MsgId, out: &mut Out<LazyMsg>) {
        st.insert(m);
        out.deliver(m);
        self.peers
            .gossip(out, me, None, self.fanout, LazyMsg::IHave(m));
    }

    /// IHAVE and DATA for a delivered message do nothing, now and later.
    fn ignores(&self, delivered: &MSet, msg: &LazyMsg) -> bool {
        match *msg {
            LazyMsg::IHave(m) | LazyMsg::Data(m) => delivered.contains(m),
            LazyMsg::IWant(_) => false,
        }
    }

    fn on_receive(
        &self,
        _env: &Env,
        me: Pid,
        delivered: &mut MSet,
        from: Pid,
        msg: &LazyMsg,
        out: &mut Out<LazyMsg>,
    ) {
        match *msg {
            // upon event ⟨Deliver | p, [IHAVE, m]⟩
            LazyMsg::IHave(m) => {
                if !delivered.contains(m) {
                    out.send(from, LazyMsg::IWant(m));
                }
            }
            // upon event ⟨Deliver | p, [IWANT, m]⟩
            LazyMsg::IWant(m) => out.send(from, LazyMsg::Data(m)),
            // upon event ⟨Deliver | p, [DATA, m]⟩
            LazyMsg::Data(m) => {
                if delivered.insert(m) {
                    out.deliver(m);
                    self.peers
                        .gossip(out, me, None, self.fanout, LazyMsg::IHave(m));
                }
            }
        }
    }
}

pub static ENTRY: Entry<LazyPush> = Entry {
    info: ModelInfo {
        name: "lazy-push-gossip",
        title: "Lazy push gossip (IHAVE / IWANT / DATA)",
        source: "seed 001 (Gossip Types)",
        fault_model: "crash-stop, fair-loss links",
        tolerance: "PRB4 only with high probability (see prob)",
        tolerates: |_| true,
        claims: crate::models::gossip::eager_gossip::CLAIMS,
        params: &[FANOUT, LOSS, OVERLAY],
        uses_detector: false,
        default_n: 4,
    },
    build: |p: &Params| {
        Ok(LazyPush {
            fanout: peers::fanout(p)?,
            peers: Peers::from_params(p)?,
        })
    },
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn three_steps_per_infection() {
        let r = run("lazy-push-gossip", 3, 0, &[("fanout", "1")], &["PRB4"]);
        assert_statuses(&r, &[("PRB4", "violated")]);
        assert_trace(
            &r,
            "PRB4",
            &[
                "p0 broadcasts m0.1",
                "p0 picks p1 at random among {p1, p2} (probability 1/2)",
                "p1 receives [IHAVE m0.1] from p0",
                "p0 receives [IWANT m0.1] from p1",
                "p1 receives [DATA m0.1] from p0",
                "p1 picks p0 at random among {p0, p2} (probability 1/2)",
                "p0 receives [IHAVE m0.1] from p1",
            ],
        );
    }
}
