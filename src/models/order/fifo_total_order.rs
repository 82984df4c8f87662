//! # FIFO-total order broadcast (sequencer that respects each sender's order)
//!
//! Kleppmann, *Distributed Systems* lecture notes (Cambridge, 2020), §4.2 "total order broadcast
//! via a single leader"; seed notes 002 ("FIFO-total order broadcast: like total order
//! broadcast, but with the additional FIFO requirement").
//!
//! Senders hand their messages to the sequencer, which numbers them in each sender's order
//! (holding back a sender's m.2 until its m.1 is numbered) and spreads `[ORDER, k, m]` by
//! reliable broadcast (the Lazy RB layer, fail-stop); everyone delivers in number order.
//!
//! ```text
//! upon event ⟨ftob, Broadcast | m⟩ do  send [REQ, m] to the sequencer;
//! upon [REQ, m] at the sequencer do
//!     pending := pending ∪ {m};
//!     while exists m' ∈ pending with seq(m') = nextfrom[origin(m')] do
//!         pending := pending \ {m'};  nextfrom[origin(m')]++;
//!         trigger ⟨rb, Broadcast | [ORDER, next, m']⟩;  next := next + 1;
//! upon event ⟨rb, Deliver | s, [ORDER, k, m]⟩ do
//!     deliver in number order, as in the fixed sequencer
//! ```
//!
//! Claims **RB1–RB4**, **FTOB5 FIFO-total order**, and therefore **CRB5**: FIFO-total order is
//! stronger than causal order (seed 002). Like every sequencer, it does not survive the
//! sequencer's crash.

use crate::models::broadcast::lazy_rb::LazyLayer;
use crate::models::entry::{Entry, ModelInfo};
use crate::models::order::sequencer_total_order::{
    order, read_sequencer, receive_order, Ordered, SeqMsg, SEQUENCER,
};
use crate::models::params::Params;
use crate::props::{CRB5, FTOB5, RB1, RB2, RB3, RB4};
use crate::runtime::bits::MSet;
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};

/// FIFO-respecting sequencer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FifoTotal {
    pub sequencer: Pid,
}

/// Local state.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FifoTotalState {
    pub rb: LazyLayer<Ordered>,
    /// Sequencer: next number, requests waiting for their predecessors, next seq per sender.
    pub next: u8,
    pub pending: MSet,
    pub nextfrom: Vec<u8>,
    /// Everyone: next number to deliver, hold-back queue.
    pub delivered: u8,
    pub holdback: Vec<Ordered>,
}

impl Protocol for FifoTotal {
    type State = FifoTotalState;
    type Msg = SeqMsg;

    fn init(&self, env: &Env, _me: Pid) -> FifoTotalState {
        FifoTotalState {
            rb: LazyLayer::new(env),
            next: 0,
            pending: MSet::EMPTY,
            nextfrom: vec![0; env.n as usize],
            delivered: 0,
            holdback: Vec::new(),
        }
    }

    // upon event ⟨ftob, Broadcast | m⟩
    fn on_broadcast(
        &self,
        _env: &Env,
        _me: Pid,
        _st: &mut FifoTotalState,
        m: MsgId,
        out: &mut Out<SeqMsg>,
    ) {
        out.send(self.sequencer, SeqMsg::Req(m));
    }

    fn on_receive(
        &self,
        env: &Env,
        me: Pid,
        st: &mut FifoTotalState,
        _from: Pid,
        msg: &SeqMsg,
        out: &mut Out<SeqMsg>,
    ) {
        match *msg {
            // upon [REQ, m] at the sequencer
            SeqMsg::Req(m) if me == self.sequencer => {
                st.pending.insert(m);
                while let Some(m2) = st
                    .pending
                    .iter()
                    .find(|x| x.seq == st.nextfrom[x.origin as usize])
                {
                    st.pending.remove(m2);
                    st.nextfrom[m2.origin as usize] += 1;
                    let o = Ordered {
                        k: st.next,
                        m: m2,
                        by: me,
                    };
                    st.next += 1;
                    st.rb.broadcast(env, out, order, o);
                }
            }
            SeqMsg::Req(_) | SeqMsg::Num(..) => {}
            // upon event ⟨rb, Deliver | s, [ORDER, k, m]⟩
            SeqMsg::Order(o) => {
                receive_order(&mut st.rb, &mut st.delivered, &mut st.holdback, env, out, o)
            }
        }
    }

    fn on_crash(
        &self,
        env: &Env,
        _me: Pid,
        st: &mut FifoTotalState,
        p: Pid,
        out: &mut Out<SeqMsg>,
    ) {
        st.rb.on_crash(env, out, order, p);
    }

    fn uses_detector(&self) -> bool {
        true
    }
}

pub static ENTRY: Entry<FifoTotal> = Entry {
    info: ModelInfo {
        name: "fifo-total-order",
        title: "FIFO-total order broadcast (FIFO-respecting sequencer)",
        source: "Kleppmann 2020 lecture notes §4.2; seed notes 002",
        fault_model: "fail-stop (perfect failure detector); the sequencer must not crash",
        tolerance: "f = 0 (the sequencer is a single point of failure)",
        tolerates: |p| p.f == 0,
        claims: &[&RB1, &RB2, &RB3, &RB4, &FTOB5, &CRB5],
        params: &[SEQUENCER],
        uses_detector: true,
        default_n: 3,
    },
    build: |p: &Params| {
        Ok(FifoTotal {
            sequencer: read_sequencer(p)?,
        })
    },
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn fifo_total_and_causal() {
        let r = run(
            "fifo-total-order",
            3,
            0,
            &[("senders", "0,1"), ("msgs", "2")],
            &[],
        );
        assert_statuses(
            &r,
            &[
                ("FTOB5", "holds"),
                ("CRB5", "holds"),
                ("RB1", "holds"),
                ("RB4", "holds"),
            ],
        );
    }
}
