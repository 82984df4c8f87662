//! # Eager Reliable Broadcast
//!
//! Cachin, Guerraoui, Rodrigues, *Introduction to Reliable and Secure Distributed Programming*
//! (2nd ed., 2011), **Algorithm 3.3 "Eager Reliable Broadcast"**, fail-silent; seed notes 000
//! ("RB: Eager Reliable Broadcast (fail-silent)").
//!
//! Every process relays a message the first time it delivers it, so if any correct process
//! delivers m, its relay reaches every correct process: agreement without a failure detector,
//! at the price of N² messages per broadcast.
//!
//! ```text
//! upon event ⟨rb, Init⟩ do delivered := ∅;
//! upon event ⟨rb, Broadcast | m⟩ do
//!     trigger ⟨beb, Broadcast | [DATA, self, m]⟩;
//! upon event ⟨beb, Deliver | p, [DATA, s, m]⟩ do
//!     if m ∉ delivered then
//!         delivered := delivered ∪ {m};
//!         trigger ⟨rb, Deliver | s, m⟩;
//!         trigger ⟨beb, Broadcast | [DATA, s, m]⟩;
//! ```
//!
//! Claims **RB1–RB4** for any number of crashes. It is *not* uniform: a process may deliver,
//! relay, and crash before any relay arrives; **URB4 uniform agreement** then fails.
//!
//! Broken variant `variant=no-dedup`: delivers every copy it receives (but relays only the
//! first), which violates **RB2 no duplication**.

use crate::error::Error;
use crate::models::broadcast::beb::beb_broadcast;
use crate::models::entry::{Entry, ModelInfo};
use crate::models::params::{ParamSpec, Params};
use crate::props::{RB1, RB2, RB3, RB4};
use crate::runtime::bits::MSet;
use crate::runtime::protocol::Data;
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use crate::runtime::reduce::{Perm, Rename};

/// Eager Reliable Broadcast.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct EagerRb {
    /// `false` for the broken `no-dedup` variant.
    pub dedup: bool,
}

impl Protocol for EagerRb {
    /// `delivered`.
    type State = MSet;
    type Msg = Data;

    // upon event ⟨rb, Init⟩
    fn init(&self, _env: &Env, _me: Pid) -> MSet {
        MSet::EMPTY
    }

    // upon event ⟨rb, Broadcast | m⟩
    fn on_broadcast(&self, env: &Env, _me: Pid, _st: &mut MSet, m: MsgId, out: &mut Out<Data>) {
        beb_broadcast(env, out, Data(m));
    }

    /// A delivered message is ignored for good (unless the broken variant re-delivers it).
    fn ignores(&self, delivered: &MSet, msg: &Data) -> bool {
        self.dedup && delivered.contains(msg.0)
    }

    fn rename_state(&self, delivered: &MSet, perm: &Perm) -> Option<MSet> {
        Some(delivered.rename(perm))
    }

    fn rename_msg(&self, msg: &Data, perm: &Perm) -> Option<Data> {
        Some(msg.rename(perm))
    }

    // upon event ⟨beb, Deliver | p, [DATA, s, m]⟩
    fn on_receive(
        &self,
        env: &Env,
        _me: Pid,
        delivered: &mut MSet,
        _from: Pid,
        msg: &Data,
        out: &mut Out<Data>,
    ) {
        let m = msg.0;
        if delivered.insert(m) {
            out.deliver(m);
            beb_broadcast(env, out, *msg);
        } else if !self.dedup {
            out.deliver(m);
        }
    }
}

const VARIANT: ParamSpec = ParamSpec {
    key: "variant",
    default: "standard",
    values: &["standard", "no-dedup"],
    help: "no-dedup = deliver every received copy (broken: violates RB2)",
};

pub static ENTRY: Entry<EagerRb> = Entry {
    info: ModelInfo {
        name: "eager-rb",
        title: "Eager Reliable Broadcast",
        source: "Cachin-Guerraoui-Rodrigues 2011, Alg. 3.3",
        fault_model: "fail-silent",
        tolerance: "any f",
        tolerates: |_| true,
        claims: &[&RB1, &RB2, &RB3, &RB4],
        params: &[VARIANT],
        uses_detector: false,
        default_n: 3,
    },
    build: |p: &Params| match p.get("variant") {
        "standard" => Ok(EagerRb { dedup: true }),
        "no-dedup" => Ok(EagerRb { dedup: false }),
        v => Err(Error::input(format!("unknown variant '{v}'"))),
    },
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn reliable_with_crashes() {
        let r = run("eager-rb", 3, 2, &[], &[]);
        assert_statuses(
            &r,
            &[
                ("RB1", "holds"),
                ("RB2", "holds"),
                ("RB3", "holds"),
                ("RB4", "holds"),
            ],
        );
        assert!(r.exhaustive);
    }

    #[test]
    fn not_uniform() {
        let r = run("eager-rb", 3, 1, &[], &["URB4"]);
        assert_statuses(&r, &[("URB4", "violated")]);
        assert_trace(
            &r,
            "URB4",
            &[
                "p0 broadcasts m0.1",
                "p0 receives [DATA m0.1] from p0",
                "p0 crashes",
            ],
        );
        assert_eq!(
            prop(&r, "URB4").why.as_deref(),
            Some("crashed p0 delivered m0.1, but correct p1 never delivers it")
        );
    }

    #[test]
    fn order_blind_checks_merge_delivery_orders() {
        let kv = [("senders", "all"), ("msgs", "2"), ("network", "fifo")];
        let blind = run("eager-rb", 2, 0, &kv, &["RB2", "RB4"]);
        let ordered = run("eager-rb", 2, 0, &kv, &["RB2", "RB4", "FRB5"]);
        assert_statuses(&blind, &[("RB2", "holds"), ("RB4", "holds")]);
        assert_statuses(&ordered, &[("RB2", "holds"), ("RB4", "holds")]);
        assert!(blind.exhaustive && ordered.exhaustive);
        assert_eq!(
            (blind.unique_states, ordered.unique_states),
            (100592, 122254)
        );
        // Sorted logs still show each delivery at the step where it happens.
        let dup = run(
            "eager-rb",
            2,
            0,
            &[("variant", "no-dedup"), ("senders", "all")],
            &["RB2"],
        );
        let t = &prop(&dup, "RB2").trace;
        assert!(t
            .iter()
            .any(|s| s.effects.iter().any(|e| e.contains("delivers"))));
    }

    #[test]
    fn no_dedup_variant_duplicates() {
        let r = run("eager-rb", 2, 0, &[("variant", "no-dedup")], &["RB2"]);
        assert_statuses(&r, &[("RB2", "violated")]);
        assert_eq!(
            prop(&r, "RB2").why.as_deref(),
            Some("p0 delivered m0.1 twice")
        );
    }
}
