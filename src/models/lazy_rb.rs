//! # Lazy Reliable Broadcast
//!
//! Cachin, Guerraoui, Rodrigues, *Introduction to Reliable and Secure Distributed Programming*
//! (2nd ed., 2011), **Algorithm 3.2 "Lazy Reliable Broadcast"**, fail-stop; seed notes 000 ("RB:
//! Lazy Reliable broadcast (fail-stop)": relay only if the sender crashed).
//!
//! Messages are relayed only when their sender is detected as crashed by the perfect failure
//! detector P, so fault-free runs cost one best-effort broadcast.
//!
//! ```text
//! upon event ⟨rb, Init⟩ do
//!     correct := Π;  from[p] := ∅ for all p ∈ Π;
//! upon event ⟨rb, Broadcast | m⟩ do
//!     trigger ⟨beb, Broadcast | [DATA, self, m]⟩;
//! upon event ⟨beb, Deliver | p, [DATA, s, m]⟩ do
//!     if m ∉ from[s] then
//!         trigger ⟨rb, Deliver | s, m⟩;
//!         from[s] := from[s] ∪ {m};
//!         if s ∉ correct then trigger ⟨beb, Broadcast | [DATA, s, m]⟩;
//! upon event ⟨P, Crash | p⟩ do
//!     correct := correct \ {p};
//!     forall m ∈ from[p] do trigger ⟨beb, Broadcast | [DATA, p, m]⟩;
//! ```
//!
//! Claims **RB1–RB4** with a perfect detector, for any number of crashes. What each half of P
//! buys (`detector=` parameter):
//! - without *strong completeness* (`incomplete`), a crashed sender is never detected, nobody
//!   relays, and **RB4 agreement** fails;
//! - without *strong accuracy* (`inaccurate`), false suspicions only cause extra relays: the
//!   properties still hold (CGR §3.3.3 says as much).

use super::beb::beb_broadcast;
use super::Data;
use crate::bits::{MSet, PSet};
use crate::params::Params;
use crate::properties::{RB1, RB2, RB3, RB4};
use crate::protocol::{Env, MsgId, Out, Pid, Protocol};
use crate::registry::{Entry, ModelInfo};

/// Lazy Reliable Broadcast.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LazyRb;

/// Local state. `from[s]` is the set of delivered messages whose origin is `s`; since a message
/// id names its origin, all of `from` is one message set.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LazyState {
    pub correct: PSet,
    pub from: MSet,
}

impl Protocol for LazyRb {
    type State = LazyState;
    type Msg = Data;

    // upon event ⟨rb, Init⟩
    fn init(&self, env: &Env, _me: Pid) -> LazyState {
        LazyState {
            correct: PSet::all(env.n),
            from: MSet::EMPTY,
        }
    }

    // upon event ⟨rb, Broadcast | m⟩
    fn on_broadcast(
        &self,
        env: &Env,
        _me: Pid,
        _st: &mut LazyState,
        m: MsgId,
        out: &mut Out<Data>,
    ) {
        beb_broadcast(env, out, Data(m));
    }

    // upon event ⟨beb, Deliver | p, [DATA, s, m]⟩
    fn on_receive(
        &self,
        env: &Env,
        _me: Pid,
        st: &mut LazyState,
        _from: Pid,
        msg: &Data,
        out: &mut Out<Data>,
    ) {
        let m = msg.0;
        if st.from.insert(m) {
            out.deliver(m);
            if !st.correct.contains(m.origin) {
                beb_broadcast(env, out, *msg);
            }
        }
    }

    // upon event ⟨P, Crash | p⟩
    fn on_crash(&self, env: &Env, _me: Pid, st: &mut LazyState, p: Pid, out: &mut Out<Data>) {
        st.correct.remove(p);
        for m in st.from.iter().filter(|m| m.origin == p) {
            beb_broadcast(env, out, Data(m));
        }
    }

    fn uses_detector(&self) -> bool {
        true
    }
}

pub static ENTRY: Entry<LazyRb> = Entry {
    info: ModelInfo {
        name: "lazy-rb",
        title: "Lazy Reliable Broadcast",
        source: "Cachin-Guerraoui-Rodrigues 2011, Alg. 3.2",
        fault_model: "fail-stop (perfect failure detector)",
        tolerance: "any f, with a perfect failure detector",
        tolerates: |_, _| true,
        claims: &[&RB1, &RB2, &RB3, &RB4],
        params: &[],
        uses_detector: true,
        default_n: 3,
    },
    build: |_: &Params| Ok(LazyRb),
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn reliable_with_perfect_detector() {
        let r = run(
            "lazy-rb",
            3,
            1,
            &[],
            &["RB1", "RB2", "RB3", "RB4", "PFD1", "PFD2"],
        );
        assert_statuses(
            &r,
            &[
                ("RB1", "holds"),
                ("RB2", "holds"),
                ("RB3", "holds"),
                ("RB4", "holds"),
                ("PFD1", "holds"),
                ("PFD2", "holds"),
            ],
        );
        assert_eq!(r.unique_states, 207);
    }

    #[test]
    fn incomplete_detector_breaks_agreement() {
        let r = run("lazy-rb", 3, 1, &[("detector", "incomplete")], &["RB4"]);
        assert_statuses(&r, &[("RB4", "violated")]);
        assert_trace(
            &r,
            "RB4",
            &[
                "p0 broadcasts m0.1",
                "p0 crashes",
                "p1 receives [DATA m0.1] from p0",
            ],
        );
        let end = &prop(&r, "RB4").end;
        assert!(
            end.iter().any(
                |l| l == "the crash of p0 is reported to p1: never: the detector is incomplete"
            ),
            "{end:?}"
        );
    }

    #[test]
    fn inaccurate_detector_is_harmless_but_inaccurate() {
        let r = run(
            "lazy-rb",
            3,
            1,
            &[("detector", "inaccurate")],
            &["RB4", "PFD2"],
        );
        assert_statuses(&r, &[("RB4", "holds"), ("PFD2", "violated")]);
    }
}
