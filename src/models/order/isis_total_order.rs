//! # ISIS total order broadcast
//!
//! Birman and Joseph, "Reliable communication in the presence of failures", *ACM TOCS* 5(1),
//! 1987 (the ISIS ABCAST protocol), in the version of seed notes 004 (Coulouris et al., §15.4.3):
//!
//! ```text
//! upon event ⟨tob, Broadcast | m⟩ at the sender do  send [ASK, m] to every process;
//! upon [ASK, m] from s do
//!     proposed := max(proposed, agreed) + 1;
//!     put m in the hold-back queue with number (proposed, self), undeliverable;
//!     send [PROPOSE, m, (proposed, self)] to s;
//! upon [PROPOSE, m, a] at the sender, once all N proposals are in, do
//!     (k, q) := the maximum proposal (ties broken by process id);
//!     send [AGREED, m, (k, q)] to every process;
//! upon [AGREED, m, (k, q)] do
//!     m's number := (k, q), deliverable;  agreed := max(agreed, k);
//!     reorder the queue by number;
//!     while the head of the queue is deliverable do deliver it and remove it;
//! ```
//!
//! Claims **RB1–RB4** and **TOB5 total order** without crashes. The sender waits for *every*
//! proposal: one crashed receiver makes it wait forever, so nobody delivers and **RB1 validity**
//! fails ("don't use this if possible", seed 004).

use crate::models::entry::{Entry, ModelInfo};
use crate::models::params::Params;
use crate::props::{RB1, RB2, RB3, RB4, TOB5};
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use std::fmt;

/// ISIS total order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Isis;

/// A sequence number: (number, proposer), ordered lexicographically.
pub type Num = (u8, Pid);

/// Wire messages.
#[derive(
    Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum IsisMsg {
    Ask(MsgId),
    Propose(MsgId, Num),
    Agreed(MsgId, Num),
}

impl fmt::Debug for IsisMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IsisMsg::Ask(m) => write!(f, "[ASK {m}]"),
            IsisMsg::Propose(m, (k, q)) => write!(f, "[PROPOSE {m} ({k},p{q})]"),
            IsisMsg::Agreed(m, (k, q)) => write!(f, "[AGREED {m} ({k},p{q})]"),
        }
    }
}

/// A hold-back queue entry.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Held {
    pub num: Num,
    pub m: MsgId,
    pub deliverable: bool,
}

/// Local state.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct IsisState {
    pub proposed: u8,
    pub agreed: u8,
    /// Sorted by number.
    pub queue: Vec<Held>,
    /// Proposals collected for the messages this process broadcast.
    pub proposals: Vec<(MsgId, Vec<Num>)>,
}

impl Protocol for Isis {
    type State = IsisState;
    type Msg = IsisMsg;

    fn init(&self, _env: &Env, _me: Pid) -> IsisState {
        IsisState {
            proposed: 0,
            agreed: 0,
            queue: Vec::new(),
            proposals: Vec::new(),
        }
    }

    // upon event ⟨tob, Broadcast | m⟩
    fn on_broadcast(
        &self,
        env: &Env,
        _me: Pid,
        st: &mut IsisState,
        m: MsgId,
        out: &mut Out<IsisMsg>,
    ) {
        st.proposals.push((m, Vec::new()));
        for q in env.procs() {
            out.send(q, IsisMsg::Ask(m));
        }
    }

    fn on_receive(
        &self,
        env: &Env,
        me: Pid,
        st: &mut IsisState,
        from: Pid,
        msg: &IsisMsg,
        out: &mut Out<IsisMsg>,
    ) {
        match *msg {
            // upon [ASK, m] from s
            IsisMsg::Ask(m) => {
                st.proposed = st.proposed.max(st.agreed) + 1;
                let num = (st.proposed, me);
                st.queue.push(Held {
                    num,
                    m,
                    deliverable: false,
                });
                st.queue.sort();
                out.send(from, IsisMsg::Propose(m, num));
            }
            // upon [PROPOSE, m, a] at the sender
            IsisMsg::Propose(m, num) => {
                let Some(i) = st.proposals.iter().position(|(x, _)| *x == m) else {
                    return;
                };
                st.proposals[i].1.push(num);
                if st.proposals[i].1.len() == env.n as usize {
                    let (_, nums) = st.proposals.remove(i);
                    let best = nums.into_iter().max().unwrap_or((0, me));
                    for q in env.procs() {
                        out.send(q, IsisMsg::Agreed(m, best));
                    }
                }
            }
            // upon [AGREED, m, (k, q)]
            IsisMsg::Agreed(m, num) => {
                if let Some(h) = st.queue.iter_mut().find(|h| h.m == m) {
                    h.num = num;
                    h.deliverable = true;
                }
                st.agreed = st.agreed.max(num.0);
                st.queue.sort();
                while st.queue.first().is_some_and(|h| h.deliverable) {
                    let h = st.queue.remove(0);
                    out.deliver(h.m);
                }
            }
        }
    }
}

pub static ENTRY: Entry<Isis> = Entry {
    info: ModelInfo {
        name: "isis-total-order",
        title: "ISIS total order broadcast",
        source: "Birman-Joseph 1987 (ISIS ABCAST), as in seed notes 004",
        fault_model: "fail-silent; no crash tolerated",
        tolerance: "f = 0 (the sender waits for every proposal)",
        tolerates: |p| p.f == 0,
        claims: &[&RB1, &RB2, &RB3, &RB4, &TOB5],
        params: &[],
        uses_detector: false,
        default_n: 3,
    },
    build: |_: &Params| Ok(Isis),
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn total_order_without_crashes() {
        let r = run("isis-total-order", 3, 0, &[("senders", "0,1")], &[]);
        assert_statuses(&r, &[("TOB5", "holds"), ("RB1", "holds"), ("RB4", "holds")]);
    }

    #[test]
    fn a_crashed_receiver_blocks_the_sender() {
        let r = run("isis-total-order", 3, 1, &[], &["RB1"]);
        assert_statuses(&r, &[("RB1", "violated")]);
        assert_eq!(
            prop(&r, "RB1").why.as_deref(),
            Some("correct p0 broadcast m0.1 but never delivers it itself")
        );
    }
}
