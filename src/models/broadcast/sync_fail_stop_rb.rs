//! # Fail-stop reliable broadcast with one message per process (the seeds' homework)
//!
//! Seed notes 001, *Homework 1*: "Write the pseudo code for solving the reliable broadcast
//! problem assuming a fail-stop model and a synchronous system. Your solution must ensure all
//! properties of reliable broadcast, and in fault-free executions each process collaborates in
//! the dissemination by sending a single message." Fail-stop here means the perfect failure
//! detector's `upon crash(p)` (CGR §2.6.2).
//!
//! The solution modelled: a **relay ring**. Processes pass the message along the ring starting
//! after its origin, each sending it once to its successor, until the ring is back at the
//! origin. When a process learns that the process it forwarded to crashed, it forwards again to
//! its new successor. The model checks it in the asynchronous model with a perfect detector,
//! which is weaker than the homework's synchronous one, so what holds here holds there.
//!
//! ```text
//! upon event ⟨rb, Init⟩ do
//!     delivered := ∅; correct := Π; sentto[m] := ⊥ for all m;
//! function succ(m) is   -- next process after self on the ring, not known crashed, before origin(m)
//!     for i in 1 .. N-1: q := (self + i) mod N;
//!         if q = origin(m) then return ⊥;  if q ∈ correct then return q;
//!     return ⊥;
//! procedure forward(m) is
//!     sentto[m] := succ(m);  if sentto[m] ≠ ⊥ then trigger ⟨pl, Send | sentto[m], [DATA, m]⟩;
//! upon event ⟨rb, Broadcast | m⟩ do
//!     delivered := delivered ∪ {m}; trigger ⟨rb, Deliver | self, m⟩; forward(m);
//! upon event ⟨pl, Deliver | p, [DATA, m]⟩ do
//!     if m ∉ delivered then
//!         delivered := delivered ∪ {m}; trigger ⟨rb, Deliver | origin(m), m⟩; forward(m);
//! upon event ⟨P, Crash | p⟩ do
//!     correct := correct \ {p};
//!     forall m ∈ delivered such that sentto[m] = p do forward(m);
//! ```
//!
//! Claims **RB1–RB4** for any number of crashes with a perfect detector, and the homework's
//! economy as a model-specific safety property, **HW1 one message per process**: in a
//! fault-free run, no process sends a broadcast message more than once (the last process
//! before the origin on the ring sends none).
//!
//! Unlike Lazy RB, this ring depends on *accuracy*: with `detector=inaccurate` a process may
//! skip a live successor that then never receives the message: **RB4 agreement** fails.

use crate::engine::property::{Kind, PropDef, PropMeta};
use crate::models::entry::{Entry, ModelInfo};
use crate::models::params::Params;
use crate::props::{RB1, RB2, RB3, RB4};
use crate::runtime::bits::{MSet, PSet};
use crate::runtime::protocol::Data;
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use crate::runtime::system::System;

/// The homework's economy requirement.
pub const HW1: PropMeta = PropMeta {
    id: "HW1",
    aliases: &[],
    name: "HW1 one message per process",
    witness: "",
    kind: Kind::Safety,
    about: "In a fault-free run, each process sends each broadcast message at most once.",
    needs_detector: false,
};

/// The relay ring.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct RingRb;

/// Local state.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct RingState {
    pub delivered: MSet,
    pub correct: PSet,
    /// `sentto[m]`, for delivered messages that were forwarded, sorted by message.
    pub sentto: Vec<(MsgId, Pid)>,
    /// Messages forwarded at least once, and whether some message was forwarded twice
    /// (bookkeeping for HW1).
    pub forwarded: MSet,
    pub forwarded_twice: bool,
}

impl RingRb {
    fn succ(env: &Env, me: Pid, st: &RingState, m: MsgId) -> Option<Pid> {
        (1..env.n)
            .map(|i| (me + i) % env.n)
            .take_while(|&q| q != m.origin)
            .find(|&q| st.correct.contains(q))
    }

    fn forward(env: &Env, me: Pid, st: &mut RingState, m: MsgId, out: &mut Out<Data>) {
        st.sentto.retain(|(x, _)| *x != m);
        if let Some(q) = Self::succ(env, me, st, m) {
            st.sentto.push((m, q));
            st.sentto.sort_unstable();
            if !st.forwarded.insert(m) {
                st.forwarded_twice = true;
            }
            out.send(q, Data(m));
        }
    }
}

impl Protocol for RingRb {
    type State = RingState;
    type Msg = Data;

    // upon event ⟨rb, Init⟩
    fn init(&self, env: &Env, _me: Pid) -> RingState {
        RingState {
            delivered: MSet::EMPTY,
            correct: PSet::all(env.n),
            sentto: Vec::new(),
            forwarded: MSet::EMPTY,
            forwarded_twice: false,
        }
    }

    // upon event ⟨rb, Broadcast | m⟩
    fn on_broadcast(&self, env: &Env, me: Pid, st: &mut RingState, m: MsgId, out: &mut Out<Data>) {
        st.delivered.insert(m);
        out.deliver(m);
        Self::forward(env, me, st, m, out);
    }

    // upon event ⟨pl, Deliver | p, [DATA, m]⟩
    fn on_receive(
        &self,
        env: &Env,
        me: Pid,
        st: &mut RingState,
        _from: Pid,
        msg: &Data,
        out: &mut Out<Data>,
    ) {
        let m = msg.0;
        if st.delivered.insert(m) {
            out.deliver(m);
            Self::forward(env, me, st, m, out);
        }
    }

    // upon event ⟨P, Crash | p⟩
    fn on_crash(&self, env: &Env, me: Pid, st: &mut RingState, p: Pid, out: &mut Out<Data>) {
        st.correct.remove(p);
        let redo: Vec<MsgId> = st
            .sentto
            .iter()
            .filter(|(_, q)| *q == p)
            .map(|(m, _)| *m)
            .collect();
        for m in redo {
            Self::forward(env, me, st, m, out);
        }
    }

    fn uses_detector(&self) -> bool {
        true
    }

    fn extra_properties() -> Vec<PropDef<System<Self>>> {
        vec![PropDef {
            meta: &HW1,
            check: |_, s| {
                if !s.hist.crashed.is_empty() || s.hist.suspects.iter().any(|x| !x.is_empty()) {
                    return None; // not a fault-free run
                }
                s.procs.iter().enumerate().find_map(|(p, st)| {
                    st.forwarded_twice
                        .then(|| format!("fault-free run, but p{p} sent some message twice"))
                })
            },
            witness: None,
        }]
    }
}

pub static ENTRY: Entry<RingRb> = Entry {
    info: ModelInfo {
        name: "sync-fail-stop-rb",
        title: "Fail-stop relay-ring Reliable Broadcast (seed homework)",
        source: "seed notes 001, Homework 1; fail-stop per Cachin-Guerraoui-Rodrigues 2011 §2.6",
        fault_model: "fail-stop (perfect failure detector)",
        tolerance: "any f, with a perfect failure detector",
        tolerates: |_| true,
        claims: &[&RB1, &RB2, &RB3, &RB4, &HW1],
        params: &[],
        uses_detector: true,
        default_n: 3,
    },
    build: |_: &Params| Ok(RingRb),
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn reliable_and_economical() {
        let r = run("sync-fail-stop-rb", 4, 2, &[], &[]);
        assert_statuses(
            &r,
            &[
                ("RB1", "holds"),
                ("RB2", "holds"),
                ("RB3", "holds"),
                ("RB4", "holds"),
                ("HW1", "holds"),
            ],
        );
    }

    #[test]
    fn inaccurate_detector_skips_a_live_process() {
        let r = run(
            "sync-fail-stop-rb",
            3,
            0,
            &[("detector", "inaccurate")],
            &["RB4", "HW1"],
        );
        assert_statuses(&r, &[("RB4", "violated"), ("HW1", "holds")]);
        // p1 falsely suspects its successor p2, so the ring skips p2 and ends at the origin.
        assert_eq!(
            prop(&r, "RB4").why.as_deref(),
            Some("correct p0 delivered m0.1, but correct p2 never delivers it")
        );
        let trace = &prop(&r, "RB4").trace;
        assert!(
            trace.iter().any(|s| s.action.contains("falsely tells")),
            "{trace:?}"
        );
    }

    #[test]
    fn eager_rb_is_not_economical_but_ring_is() {
        // HW1 is specific to this model; the ring sends n-1 messages in all.
        let r = run(
            "sync-fail-stop-rb",
            4,
            0,
            &[("senders", "all")],
            &["HW1", "RB4"],
        );
        assert_statuses(&r, &[("HW1", "holds"), ("RB4", "holds")]);
    }
}
