//! # No-Waiting Causal Broadcast
//!
//! Cachin, Guerraoui, Rodrigues, *Introduction to Reliable and Secure Distributed Programming*
//! (2nd ed., 2011), **Algorithm 3.13 "No-Waiting Causal Broadcast"**, over reliable broadcast
//! (the Lazy RB layer, fail-stop); seed notes 002 ("Causal broadcast").
//!
//! Every message carries its causal past: the list of messages its sender broadcast or
//! delivered before it. A receiver first delivers whatever of that past it has not delivered
//! yet, in order, then the message itself; it never waits.
//!
//! ```text
//! upon event ⟨crb, Init⟩ do  delivered := ∅; past := [];
//! upon event ⟨crb, Broadcast | m⟩ do
//!     trigger ⟨rb, Broadcast | [DATA, past, m]⟩;  append(past, (self, m));
//! upon event ⟨rb, Deliver | p, [DATA, mpast, m]⟩ do
//!     if m ∉ delivered then
//!         forall (s, n) ∈ mpast do                       -- in list order
//!             if n ∉ delivered then
//!                 trigger ⟨crb, Deliver | s, n⟩;  delivered := delivered ∪ {n};
//!                 if (s, n) ∉ past then append(past, (s, n));
//!         trigger ⟨crb, Deliver | p, m⟩;  delivered := delivered ∪ {m};
//!         if (p, m) ∉ past then append(past, (p, m));
//! ```
//!
//! Claims **RB1–RB4** and **CRB5 causal delivery** (hence FRB5). The price: messages grow
//! with the history (no garbage collection here).

use crate::models::broadcast::lazy_rb::{LazyLayer, Payload};
use crate::models::entry::{Entry, ModelInfo};
use crate::models::params::Params;
use crate::props::{CRB5, FRB5, RB1, RB2, RB3, RB4};
use crate::runtime::bits::MSet;
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use std::fmt;

/// No-Waiting Causal Broadcast.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct CausalNoWaiting;

/// `[DATA, mpast, m]`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct PastData {
    pub m: MsgId,
    pub past: Vec<MsgId>,
}

impl fmt::Debug for PastData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[DATA past={:?} {}]", self.past, self.m)
    }
}

impl Payload for PastData {
    fn id(&self) -> MsgId {
        self.m
    }
}

/// Local state.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct NoWaitState {
    pub rb: LazyLayer<PastData>,
    pub delivered: MSet,
    pub past: Vec<MsgId>,
}

fn wrap(d: PastData) -> PastData {
    d
}

fn crb_deliver(st: &mut NoWaitState, n: MsgId, out: &mut Out<PastData>) {
    out.deliver(n);
    st.delivered.insert(n);
    if !st.past.contains(&n) {
        st.past.push(n);
    }
}

impl Protocol for CausalNoWaiting {
    type State = NoWaitState;
    type Msg = PastData;

    // upon event ⟨crb, Init⟩
    fn init(&self, env: &Env, _me: Pid) -> NoWaitState {
        NoWaitState {
            rb: LazyLayer::new(env),
            delivered: MSet::EMPTY,
            past: Vec::new(),
        }
    }

    // upon event ⟨crb, Broadcast | m⟩
    fn on_broadcast(
        &self,
        env: &Env,
        _me: Pid,
        st: &mut NoWaitState,
        m: MsgId,
        out: &mut Out<PastData>,
    ) {
        let data = PastData {
            m,
            past: st.past.clone(),
        };
        st.rb.broadcast(env, out, wrap, data);
        st.past.push(m);
    }

    // upon event ⟨rb, Deliver | p, [DATA, mpast, m]⟩
    fn on_receive(
        &self,
        env: &Env,
        _me: Pid,
        st: &mut NoWaitState,
        _from: Pid,
        msg: &PastData,
        out: &mut Out<PastData>,
    ) {
        if !st.rb.on_data(env, out, wrap, msg) || st.delivered.contains(msg.m) {
            return;
        }
        for &n in &msg.past {
            if !st.delivered.contains(n) {
                crb_deliver(st, n, out);
            }
        }
        crb_deliver(st, msg.m, out);
    }

    fn on_crash(&self, env: &Env, _me: Pid, st: &mut NoWaitState, p: Pid, out: &mut Out<PastData>) {
        st.rb.on_crash(env, out, wrap, p);
    }

    fn uses_detector(&self) -> bool {
        true
    }
}

pub static ENTRY: Entry<CausalNoWaiting> = Entry {
    info: ModelInfo {
        name: "causal-no-waiting",
        title: "No-Waiting Causal Broadcast",
        source: "Cachin-Guerraoui-Rodrigues 2011, Alg. 3.13, over Lazy RB (Alg. 3.2)",
        fault_model: "fail-stop (perfect failure detector)",
        tolerance: "any f, with a perfect failure detector",
        tolerates: |_| true,
        claims: &[&RB1, &RB2, &RB3, &RB4, &FRB5, &CRB5],
        params: &[],
        uses_detector: true,
        default_n: 3,
    },
    build: |_: &Params| Ok(CausalNoWaiting),
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn causal() {
        let r = run("causal-no-waiting", 3, 0, &[("senders", "0,1")], &[]);
        assert_statuses(
            &r,
            &[("CRB5", "holds"), ("FRB5", "holds"), ("RB4", "holds")],
        );
    }
}
