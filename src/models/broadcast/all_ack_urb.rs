//! # All-Ack Uniform Reliable Broadcast
//!
//! Cachin, Guerraoui, Rodrigues, *Introduction to Reliable and Secure Distributed Programming*
//! (2nd ed., 2011), **Algorithm 3.4 "All-Ack Uniform Reliable Broadcast"**, fail-stop; seed notes
//! 001 ("Uniform Reliable Broadcast": before delivering, make sure enough processes have a copy).
//!
//! Every process relays a message when it first sees it; the relays double as acknowledgements.
//! A process delivers m only once every process it still believes correct has acknowledged m, so
//! a process that delivers and then crashes has not been the only one holding m.
//!
//! ```text
//! upon event ⟨urb, Init⟩ do
//!     delivered := ∅; pending := ∅; correct := Π; forall m do ack[m] := ∅;
//! upon event ⟨urb, Broadcast | m⟩ do
//!     pending := pending ∪ {(self, m)};
//!     trigger ⟨beb, Broadcast | [DATA, self, m]⟩;
//! upon event ⟨beb, Deliver | p, [DATA, s, m]⟩ do
//!     ack[m] := ack[m] ∪ {p};
//!     if (s, m) ∉ pending then
//!         pending := pending ∪ {(s, m)};
//!         trigger ⟨beb, Broadcast | [DATA, s, m]⟩;
//! upon event ⟨P, Crash | p⟩ do
//!     correct := correct \ {p};
//! function candeliver(m) returns Boolean is
//!     return (correct ⊆ ack[m]);
//! upon exists (s, m) ∈ pending such that candeliver(m) ∧ m ∉ delivered do
//!     delivered := delivered ∪ {m};
//!     trigger ⟨urb, Deliver | s, m⟩;
//! ```
//!
//! The guarded `upon exists` event runs at the end of every handler that may enable it (a fair
//! scheduler runs it eventually; running it at once is one such schedule).
//!
//! Dead state: once m is delivered, `ack[m]` is never read again. The model clears it and
//! ignores later acks for m (SPIN's dead-variable reduction, done by hand); no run's sends or
//! deliveries change, and the receipts of those acks become no-ops that `--reduce por` skips.
//!
//! Claims **RB1–RB3** and **URB4 uniform agreement** for any number of crashes, with a perfect
//! detector. Without strong accuracy (`detector=inaccurate`) a process may stop waiting for a
//! live process, deliver, and crash: URB4 fails. Without strong completeness
//! (`detector=incomplete`) a process may wait forever for a crashed one: RB1 validity fails.
//!
//! The same skeleton with a different `candeliver` is Majority-Ack URB
//! ([`crate::models::broadcast::majority_ack_urb`]); both are [`AckUrb`].

use crate::models::broadcast::beb::beb_broadcast;
use crate::models::entry::{Entry, ModelInfo};
use crate::models::params::Params;
use crate::props::{RB1, RB2, RB3, URB4};
use crate::runtime::bits::{MSet, PSet};
use crate::runtime::protocol::Data;
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol, MAX_MSGS};
use crate::runtime::reduce::{rename_by_msg, Perm, Rename};

/// When a pending message may be delivered.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum CanDeliver {
    /// `correct ⊆ ack[m]` (All-Ack, Alg. 3.4; needs a perfect failure detector).
    AllCorrect,
    /// `#ack[m] ≥ quorum` (Majority-Ack, Alg. 3.5, with quorum ⌊N/2⌋+1).
    Quorum(u8),
}

/// Acknowledgement-based uniform reliable broadcast.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct AckUrb {
    pub rule: CanDeliver,
}

/// Local state.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct AckState {
    pub delivered: MSet,
    pub pending: MSet,
    /// Processes not (yet) reported crashed. Unused by the quorum rule.
    pub correct: PSet,
    /// `ack[m]`, indexed by [`MsgId::bit`].
    pub ack: Vec<PSet>,
}

impl AckUrb {
    fn candeliver(&self, st: &AckState, m: MsgId) -> bool {
        let ack = st.ack[m.bit() as usize];
        match self.rule {
            CanDeliver::AllCorrect => st.correct.is_subset(ack),
            CanDeliver::Quorum(q) => ack.len() >= q as usize,
        }
    }

    // upon exists (s, m) ∈ pending such that candeliver(m) ∧ m ∉ delivered
    fn deliver_ready(&self, st: &mut AckState, out: &mut Out<Data>) {
        for m in st.pending.iter() {
            if !st.delivered.contains(m) && self.candeliver(st, m) {
                st.delivered.insert(m);
                out.deliver(m);
                // ack[m] is dead from here on (only undelivered messages are tested): clear it,
                // and ignore later acks for m (dead-variable reduction, as SPIN does).
                st.ack[m.bit() as usize] = PSet::EMPTY;
            }
        }
    }
}

impl Protocol for AckUrb {
    type State = AckState;
    type Msg = Data;

    // upon event ⟨urb, Init⟩
    fn init(&self, env: &Env, _me: Pid) -> AckState {
        AckState {
            delivered: MSet::EMPTY,
            pending: MSet::EMPTY,
            correct: PSet::all(env.n),
            ack: vec![PSet::EMPTY; env.n as usize * MAX_MSGS as usize],
        }
    }

    // upon event ⟨urb, Broadcast | m⟩
    fn on_broadcast(&self, env: &Env, _me: Pid, st: &mut AckState, m: MsgId, out: &mut Out<Data>) {
        st.pending.insert(m);
        beb_broadcast(env, out, Data(m));
    }

    // upon event ⟨beb, Deliver | p, [DATA, s, m]⟩
    fn on_receive(
        &self,
        env: &Env,
        _me: Pid,
        st: &mut AckState,
        from: Pid,
        msg: &Data,
        out: &mut Out<Data>,
    ) {
        let m = msg.0;
        if st.delivered.contains(m) {
            return; // a late ack for a delivered message (see deliver_ready)
        }
        st.ack[m.bit() as usize].insert(from);
        if st.pending.insert(m) {
            beb_broadcast(env, out, *msg);
        }
        self.deliver_ready(st, out);
    }

    /// Acks for a delivered message are ignored (see `deliver_ready`).
    fn ignores(&self, st: &AckState, msg: &Data) -> bool {
        st.delivered.contains(msg.0)
    }

    fn rename_state(&self, st: &AckState, perm: &Perm) -> Option<AckState> {
        Some(AckState {
            delivered: st.delivered.rename(perm),
            pending: st.pending.rename(perm),
            correct: st.correct.rename(perm),
            ack: rename_by_msg(&st.ack, perm),
        })
    }

    fn rename_msg(&self, msg: &Data, perm: &Perm) -> Option<Data> {
        Some(msg.rename(perm))
    }

    // upon event ⟨P, Crash | p⟩
    fn on_crash(&self, _env: &Env, _me: Pid, st: &mut AckState, p: Pid, out: &mut Out<Data>) {
        st.correct.remove(p);
        self.deliver_ready(st, out);
    }

    fn uses_detector(&self) -> bool {
        self.rule == CanDeliver::AllCorrect
    }
}

pub static ENTRY: Entry<AckUrb> = Entry {
    info: ModelInfo {
        name: "all-ack-urb",
        title: "All-Ack Uniform Reliable Broadcast",
        source: "Cachin-Guerraoui-Rodrigues 2011, Alg. 3.4",
        fault_model: "fail-stop (perfect failure detector)",
        tolerance: "any f, with a perfect failure detector",
        tolerates: |_| true,
        claims: &[&RB1, &RB2, &RB3, &URB4],
        params: &[],
        uses_detector: true,
        default_n: 3,
    },
    build: |_: &Params| {
        Ok(AckUrb {
            rule: CanDeliver::AllCorrect,
        })
    },
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn uniform_with_perfect_detector() {
        let r = run("all-ack-urb", 3, 1, &[], &[]);
        assert_statuses(
            &r,
            &[
                ("RB1", "holds"),
                ("RB2", "holds"),
                ("RB3", "holds"),
                ("URB4", "holds"),
            ],
        );
    }

    #[test]
    fn inaccurate_detector_breaks_uniformity() {
        let r = run(
            "all-ack-urb",
            3,
            1,
            &[("detector", "inaccurate")],
            &["URB4"],
        );
        assert_statuses(&r, &[("URB4", "violated")]);
        let why = prop(&r, "URB4").why.clone().unwrap_or_default();
        assert!(why.starts_with("crashed p"), "{why}");
        let trace = &prop(&r, "URB4").trace;
        assert!(
            trace.iter().any(|s| s.action.contains("falsely tells")),
            "{trace:?}"
        );
    }

    #[test]
    fn incomplete_detector_blocks_delivery() {
        let r = run("all-ack-urb", 3, 1, &[("detector", "incomplete")], &["RB1"]);
        assert_statuses(&r, &[("RB1", "violated")]);
        assert_eq!(
            prop(&r, "RB1").why.as_deref(),
            Some("correct p0 broadcast m0.1 but never delivers it itself")
        );
    }
}
