//! # Waiting Causal Broadcast (vector clocks)
//!
//! Cachin, Guerraoui, Rodrigues, *Introduction to Reliable and Secure Distributed Programming*
//! (2nd ed., 2011), **Algorithm 3.15 "Waiting Causal Broadcast"**, over reliable broadcast (the
//! Lazy RB layer, fail-stop); Kleppmann's lecture algorithm; seed notes 002.
//!
//! Each message carries a vector W counting, per process, the messages of that process its
//! sender had delivered (for itself: broadcast) before it. A receiver holds a message back
//! until its own vector V dominates W.
//!
//! ```text
//! upon event ⟨crb, Init⟩ do  V := [0]^N; lsn := 0; pending := ∅;
//! upon event ⟨crb, Broadcast | m⟩ do
//!     W := V;  W[rank(self)] := lsn;  lsn := lsn + 1;
//!     trigger ⟨rb, Broadcast | [DATA, W, m]⟩;
//! upon event ⟨rb, Deliver | p, [DATA, W, m]⟩ do
//!     pending := pending ∪ {(p, W, m)};
//!     while exists (p', W', m') ∈ pending such that W' ≤ V do
//!         pending := pending \ {(p', W', m')};  V[rank(p')] := V[rank(p')] + 1;
//!         trigger ⟨crb, Deliver | p', m'⟩;
//! ```
//!
//! Claims **RB1–RB4** and **CRB5** (hence FRB5). Causal order is not total order: with two
//! processes broadcasting concurrently, each may deliver its own message first, violating
//! **TOB5**.

use crate::models::broadcast::lazy_rb::{LazyLayer, Payload};
use crate::models::entry::{Entry, ModelInfo};
use crate::models::params::Params;
use crate::props::{CRB5, FRB5, RB1, RB2, RB3, RB4};
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use std::fmt;

/// Waiting Causal Broadcast.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct CausalWaiting;

/// `[DATA, W, m]`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct VcData {
    pub m: MsgId,
    pub w: Vec<u8>,
}

impl fmt::Debug for VcData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[DATA W={:?} {}]", self.w, self.m)
    }
}

impl Payload for VcData {
    fn id(&self) -> MsgId {
        self.m
    }
}

/// Local state.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct VcState {
    pub rb: LazyLayer<VcData>,
    pub v: Vec<u8>,
    pub lsn: u8,
    pub pending: Vec<VcData>,
}

fn wrap(d: VcData) -> VcData {
    d
}

impl Protocol for CausalWaiting {
    type State = VcState;
    type Msg = VcData;

    // upon event ⟨crb, Init⟩
    fn init(&self, env: &Env, _me: Pid) -> VcState {
        VcState {
            rb: LazyLayer::new(env),
            v: vec![0; env.n as usize],
            lsn: 0,
            pending: Vec::new(),
        }
    }

    // upon event ⟨crb, Broadcast | m⟩
    fn on_broadcast(&self, env: &Env, me: Pid, st: &mut VcState, m: MsgId, out: &mut Out<VcData>) {
        let mut w = st.v.clone();
        w[me as usize] = st.lsn;
        st.lsn += 1;
        st.rb.broadcast(env, out, wrap, VcData { m, w });
    }

    /// A message the RB layer delivered already is ignored for good.
    fn ignores(&self, st: &VcState, msg: &VcData) -> bool {
        st.rb.ignores(msg)
    }

    // No renaming (symmetry reduction is not applied): when one receipt makes several pending
    // messages deliverable, they are delivered in message-id order, a tie-break by process id,
    // so renaming processes does not commute with the handler. The reduction audit
    // (`reduce::tests`) finds exactly that when a renaming is supplied.

    // upon event ⟨rb, Deliver | p, [DATA, W, m]⟩
    fn on_receive(
        &self,
        env: &Env,
        _me: Pid,
        st: &mut VcState,
        _from: Pid,
        msg: &VcData,
        out: &mut Out<VcData>,
    ) {
        if !st.rb.on_data(env, out, wrap, msg) {
            return;
        }
        st.pending.push(msg.clone());
        st.pending.sort();
        while let Some(i) = st
            .pending
            .iter()
            .position(|d| d.w.iter().zip(&st.v).all(|(a, b)| a <= b))
        {
            let d = st.pending.remove(i);
            st.v[d.m.origin as usize] += 1;
            out.deliver(d.m);
        }
    }

    fn on_crash(&self, env: &Env, _me: Pid, st: &mut VcState, p: Pid, out: &mut Out<VcData>) {
        st.rb.on_crash(env, out, wrap, p);
    }

    fn uses_detector(&self) -> bool {
        true
    }
}

pub static ENTRY: Entry<CausalWaiting> = Entry {
    info: ModelInfo {
        name: "causal-waiting",
        title: "Waiting Causal Broadcast (vector clocks)",
        source: "Cachin-Guerraoui-Rodrigues 2011, Alg. 3.15, over Lazy RB (Alg. 3.2)",
        fault_model: "fail-stop (perfect failure detector)",
        tolerance: "any f, with a perfect failure detector",
        tolerates: |_| true,
        claims: &[&RB1, &RB2, &RB3, &RB4, &FRB5, &CRB5],
        params: &[],
        uses_detector: true,
        default_n: 3,
    },
    build: |_: &Params| Ok(CausalWaiting),
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn causal_but_not_total() {
        let r = run(
            "causal-waiting",
            2,
            0,
            &[("senders", "all")],
            &["CRB5", "TOB5"],
        );
        assert_statuses(&r, &[("CRB5", "holds"), ("TOB5", "violated")]);
        assert_eq!(
            prop(&r, "TOB5").why.as_deref(),
            Some("p0 delivers m0.1 before m1.1, but p1 delivers m1.1 before m0.1")
        );
    }

    #[test]
    fn causal_with_a_crash() {
        let r = run("causal-waiting", 3, 1, &[("senders", "0,1")], &[]);
        assert_statuses(&r, &[("CRB5", "holds"), ("RB4", "holds"), ("RB1", "holds")]);
    }
}
