//! # Majority-Ack Uniform Reliable Broadcast
//!
//! Cachin, Guerraoui, Rodrigues, *Introduction to Reliable and Secure Distributed Programming*
//! (2nd ed., 2011), **Algorithm 3.5 "Majority-Ack Uniform Reliable Broadcast"**, fail-silent;
//! seed notes 001 ("more than f processes must have a copy of the message" before delivery).
//!
//! All-Ack URB ([`crate::models::broadcast::all_ack_urb`]) without a failure detector: a process delivers m once
//! more than half of the processes acknowledged (relayed) it.
//!
//! ```text
//! (as Algorithm 3.4, without ⟨P, Crash⟩ and with)
//! function candeliver(m) returns Boolean is
//!     return #(ack[m]) > N/2;
//! ```
//!
//! Claims **RB1–RB3** and **URB4** when fewer than half of the processes crash (`f < n/2`): any
//! two majorities intersect, so a delivering process's majority contains a correct process
//! whose relay reaches everyone. With `f ≥ n/2` the correct processes cannot gather a majority
//! and **RB1 validity** fails. With a quorum below a majority (`quorum=` parameter, broken), a
//! process may deliver on too few acknowledgements and crash: **URB4** fails.

use crate::error::Error;
use crate::models::broadcast::all_ack_urb::{AckUrb, CanDeliver};
use crate::models::entry::{Entry, ModelInfo};
use crate::models::params::{ParamSpec, Params};
use crate::props::{RB1, RB2, RB3, URB4};

const QUORUM: ParamSpec = ParamSpec {
    key: "quorum",
    default: "majority",
    values: &[],
    help: "acknowledgements needed to deliver: 'majority' (= n/2+1, the algorithm) or a number 1..n (broken if below a majority)",
};

fn build(p: &Params) -> Result<AckUrb, Error> {
    let q = match p.get("quorum") {
        "majority" => u32::from(p.n) / 2 + 1,
        _ => p.get_int("quorum", 1, u32::from(p.n))?,
    };
    Ok(AckUrb {
        rule: CanDeliver::Quorum(q as u8),
    })
}

pub static ENTRY: Entry<AckUrb> = Entry {
    info: ModelInfo {
        name: "majority-ack-urb",
        title: "Majority-Ack Uniform Reliable Broadcast",
        source: "Cachin-Guerraoui-Rodrigues 2011, Alg. 3.5",
        fault_model: "fail-silent",
        tolerance: "f < n/2",
        tolerates: |p| 2 * u32::from(p.f) < u32::from(p.n),
        claims: &[&RB1, &RB2, &RB3, &URB4],
        params: &[QUORUM],
        uses_detector: false,
        default_n: 3,
    },
    build,
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn uniform_below_half_crashes() {
        let r = run("majority-ack-urb", 3, 1, &[], &[]);
        assert!(r.within_tolerance);
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
    fn half_crashed_blocks_validity_and_uniformity() {
        let r = run("majority-ack-urb", 2, 1, &[], &["RB1", "URB4"]);
        assert!(!r.within_tolerance);
        // With n = 2 the quorum is both processes: p1 can collect both acks, deliver, and crash
        // before its relay (p0's second ack) arrives.
        assert_statuses(&r, &[("RB1", "violated"), ("URB4", "violated")]);
        assert_eq!(
            prop(&r, "URB4").why.as_deref(),
            Some("crashed p1 delivered m0.1, but correct p0 never delivers it")
        );
        assert_trace(
            &r,
            "RB1",
            &[
                "p0 broadcasts m0.1",
                "p1 crashes",
                "p0 receives [DATA m0.1] from p0",
            ],
        );
    }

    #[test]
    fn minority_quorum_breaks_uniformity() {
        let r = run("majority-ack-urb", 3, 1, &[("quorum", "1")], &["URB4"]);
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
    }
}
