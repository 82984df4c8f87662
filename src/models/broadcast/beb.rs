//! # Basic Broadcast (best-effort broadcast)
//!
//! Cachin, Guerraoui, Rodrigues, *Introduction to Reliable and Secure Distributed Programming*
//! (2nd ed., 2011), **Algorithm 3.1 "Basic Broadcast"**, fail-silent; seed notes 000 ("BEB: Basic
//! broadcast (fail-silent)").
//!
//! The sender sends the message to every process (itself included) over perfect point-to-point
//! links; a process delivers whatever the link delivers.
//!
//! ```text
//! upon event ⟨beb, Broadcast | m⟩ do
//!     forall q ∈ Π do trigger ⟨pl, Send | q, m⟩;
//! upon event ⟨pl, Deliver | p, m⟩ do
//!     trigger ⟨beb, Deliver | p, m⟩;
//! ```
//!
//! Properties: **BEB1 validity** (if a *correct* process broadcasts m, every correct process
//! delivers m), **BEB2 no duplication**, **BEB3 no creation**. BEB promises nothing when the
//! sender crashes: with one crash, the sender's message can reach one process and not another,
//! which violates **RB4 agreement**; that is the seed's "Scenario 1", and the reason for reliable
//! broadcast.
//!
//! The function [`beb_broadcast`] is this algorithm as a building block: the reliable
//! broadcasts of CGR ch. 3 call it where their pseudo-code says `⟨beb, Broadcast | …⟩`.

use crate::models::entry::{Entry, ModelInfo};
use crate::models::params::Params;
use crate::props::{BEB1, RB2, RB3};
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use crate::runtime::reduce::{Perm, Rename};
use std::fmt;

/// `⟨beb, Broadcast | msg⟩`: `⟨pl, Send | q, msg⟩` to every process q ∈ Π, self included.
pub fn beb_broadcast<M: Clone>(env: &Env, out: &mut Out<M>, msg: M) {
    for q in env.procs() {
        out.send(q, msg.clone());
    }
}

/// Basic Broadcast. No parameters of its own.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Beb;

/// The wire message is the application message itself.
#[derive(
    Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct BebMsg(pub MsgId);

impl fmt::Debug for BebMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Protocol for Beb {
    type State = ();
    type Msg = BebMsg;

    fn init(&self, _env: &Env, _me: Pid) {}

    fn rename_state(&self, _st: &(), _perm: &Perm) -> Option<()> {
        Some(())
    }

    fn rename_msg(&self, msg: &BebMsg, perm: &Perm) -> Option<BebMsg> {
        Some(BebMsg(msg.0.rename(perm)))
    }

    // upon event ⟨beb, Broadcast | m⟩
    fn on_broadcast(&self, env: &Env, _me: Pid, _st: &mut (), m: MsgId, out: &mut Out<BebMsg>) {
        beb_broadcast(env, out, BebMsg(m));
    }

    // upon event ⟨pl, Deliver | p, m⟩
    fn on_receive(
        &self,
        _env: &Env,
        _me: Pid,
        _st: &mut (),
        _from: Pid,
        msg: &BebMsg,
        out: &mut Out<BebMsg>,
    ) {
        out.deliver(msg.0);
    }
}

pub static ENTRY: Entry<Beb> = Entry {
    info: ModelInfo {
        name: "beb",
        title: "Basic Broadcast (best-effort)",
        source: "Cachin-Guerraoui-Rodrigues 2011, Alg. 3.1",
        fault_model: "fail-silent",
        tolerance: "any f (best-effort guarantees only)",
        tolerates: |_| true,
        claims: &[&BEB1, &RB2, &RB3],
        params: &[],
        uses_detector: false,
        default_n: 3,
    },
    build: |_: &Params| Ok(Beb),
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn holds_its_claims_with_crashes() {
        let r = run("beb", 3, 1, &[], &[]);
        assert_statuses(&r, &[("BEB1", "holds"), ("RB2", "holds"), ("RB3", "holds")]);
    }

    #[test]
    fn one_crash_breaks_agreement() {
        let r = run("beb", 3, 1, &[], &["RB4"]);
        assert_statuses(&r, &[("RB4", "violated")]);
        // Shortest counterexample: p0 broadcasts, crashes, one copy arrives, the other is lost.
        assert_trace(
            &r,
            "RB4",
            &[
                "p0 broadcasts m0.1",
                "p0 crashes",
                "p1 receives m0.1 from p0",
            ],
        );
        let end = &prop(&r, "RB4").end;
        assert!(
            end.iter().any(|l| l.starts_with("lost: m0.1 p0→p2")),
            "{end:?}"
        );
        assert_eq!(
            prop(&r, "RB4").why.as_deref(),
            Some("correct p1 delivered m0.1, but correct p2 never delivers it")
        );
    }

    #[test]
    fn fault_free_beb_is_reliable() {
        let r = run("beb", 3, 0, &[], &["RB4", "URB4"]);
        assert_statuses(&r, &[("RB4", "holds"), ("URB4", "holds")]);
    }
}
