//! # FIFO reliable broadcast: Broadcast with Sequence Number
//!
//! Cachin, Guerraoui, Rodrigues, *Introduction to Reliable and Secure Distributed Programming*
//! (2nd ed., 2011), **Algorithm 3.12 "Broadcast with Sequence Number"**, over reliable broadcast
//! (here the Lazy RB layer of [`crate::models::broadcast::lazy_rb`], fail-stop); seed notes 002 ("FIFO broadcast").
//!
//! ```text
//! upon event ⟨frb, Init⟩ do  lsn := 0; pending := ∅; next := [1]^N;
//! upon event ⟨frb, Broadcast | m⟩ do
//!     lsn := lsn + 1;  trigger ⟨rb, Broadcast | [DATA, self, m, lsn]⟩;
//! upon event ⟨rb, Deliver | p, [DATA, s, m, sn]⟩ do
//!     pending := pending ∪ {(s, m, sn)};
//!     while exists (s, m', sn') ∈ pending such that sn' = next[s] do
//!         next[s] := next[s] + 1;  pending := pending \ {(s, m', sn')};
//!         trigger ⟨frb, Deliver | s, m'⟩;
//! ```
//!
//! The sequence number is the message's own (`m0.2` is p0's second). Claims **RB1–RB4** and
//! **FRB5 FIFO delivery**. It is not causal: p0 broadcasts m0.1; p1 delivers it and then
//! broadcasts m1.1; p2 may deliver m1.1 before m0.1 (different senders), violating **CRB5**.

use crate::models::broadcast::lazy_rb::LazyLayer;
use crate::models::entry::{Entry, ModelInfo};
use crate::models::params::Params;
use crate::props::{FRB5, RB1, RB2, RB3, RB4};
use crate::runtime::bits::MSet;
use crate::runtime::protocol::Data;
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};

/// Broadcast with Sequence Number.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Fifo;

/// Local state.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FifoState {
    pub rb: LazyLayer<Data>,
    pub pending: MSet,
    /// `next[s]`: the sequence number (0-based) expected next from `s`.
    pub next: Vec<u8>,
}

fn wrap(d: Data) -> Data {
    d
}

impl Protocol for Fifo {
    type State = FifoState;
    type Msg = Data;

    // upon event ⟨frb, Init⟩
    fn init(&self, env: &Env, _me: Pid) -> FifoState {
        FifoState {
            rb: LazyLayer::new(env),
            pending: MSet::EMPTY,
            next: vec![0; env.n as usize],
        }
    }

    // upon event ⟨frb, Broadcast | m⟩ (lsn is m.seq)
    fn on_broadcast(&self, env: &Env, _me: Pid, st: &mut FifoState, m: MsgId, out: &mut Out<Data>) {
        st.rb.broadcast(env, out, wrap, Data(m));
    }

    // upon event ⟨rb, Deliver | p, [DATA, s, m, sn]⟩
    fn on_receive(
        &self,
        env: &Env,
        _me: Pid,
        st: &mut FifoState,
        _from: Pid,
        msg: &Data,
        out: &mut Out<Data>,
    ) {
        if !st.rb.on_data(env, out, wrap, msg) {
            return;
        }
        st.pending.insert(msg.0);
        let s = msg.0.origin;
        loop {
            let want = MsgId {
                origin: s,
                seq: st.next[s as usize],
            };
            if !st.pending.contains(want) {
                break;
            }
            st.pending.remove(want);
            st.next[s as usize] += 1;
            out.deliver(want);
        }
    }

    fn on_crash(&self, env: &Env, _me: Pid, st: &mut FifoState, p: Pid, out: &mut Out<Data>) {
        st.rb.on_crash(env, out, wrap, p);
    }

    fn uses_detector(&self) -> bool {
        true
    }
}

pub static ENTRY: Entry<Fifo> = Entry {
    info: ModelInfo {
        name: "fifo",
        title: "FIFO reliable broadcast (Broadcast with Sequence Number)",
        source: "Cachin-Guerraoui-Rodrigues 2011, Alg. 3.12, over Lazy RB (Alg. 3.2)",
        fault_model: "fail-stop (perfect failure detector)",
        tolerance: "any f, with a perfect failure detector",
        tolerates: |_| true,
        claims: &[&RB1, &RB2, &RB3, &RB4, &FRB5],
        params: &[],
        uses_detector: true,
        default_n: 3,
    },
    build: |_: &Params| Ok(Fifo),
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn fifo_but_not_causal() {
        let r = run("fifo", 3, 0, &[("senders", "0,1")], &["FRB5", "CRB5"]);
        assert_statuses(&r, &[("FRB5", "holds"), ("CRB5", "violated")]);
        let p = prop(&r, "CRB5");
        assert_eq!(
            p.why.as_deref(),
            Some("p0 delivers m1.1 (delivery #1) without having delivered m0.1, but m0.1 → m1.1: p1 delivered m0.1 before broadcasting m1.1")
        );
        let actions: Vec<&str> = p.trace.iter().map(|s| s.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "p0 broadcasts m0.1",
                "p1 receives [DATA m0.1] from p0",
                "p1 broadcasts m1.1",
                "p0 receives [DATA m1.1] from p1",
            ]
        );
    }

    #[test]
    fn a_third_process_can_break_causality_too() {
        // The issue's scenario: A broadcasts m1, B delivers it and broadcasts m2, C delivers
        // m2 first. Sending only to C makes C the one that breaks the order.
        let r = run("fifo", 3, 0, &[("senders", "0,1")], &["CRB5"]);
        let logs = &prop(&r, "CRB5").end;
        assert!(logs.iter().any(|l| l.contains("m1.1")), "{logs:?}");
    }

    #[test]
    fn fifo_with_two_messages_and_a_crash() {
        let r = run("fifo", 3, 1, &[("msgs", "2")], &[]);
        assert_statuses(&r, &[("RB1", "holds"), ("RB4", "holds"), ("FRB5", "holds")]);
    }
}
