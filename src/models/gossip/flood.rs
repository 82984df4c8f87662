//! # Flooding
//!
//! Seed notes 001, "Gossip Summary": **flood** is gossip with fanout t = N: a process that
//! receives a message for the first time forwards it to *everyone* it knows. Over full
//! membership and reliable links this is Eager Reliable Broadcast (Cachin, Guerraoui, Rodrigues
//! 2011, Alg. 3.3) without the self-send, so **PRB4 agreement** holds with probability 1 — at the
//! price of N² messages. It is the baseline the probabilistic variants trade reliability against.
//!
//! The algorithm is [`crate::models::gossip::eager_gossip`] with every peer as a target (infect and die, no round
//! limit); the runtime sends to all candidates without a random choice when `k ≥ |candidates|`.
//!
//! What breaks it: lossy links (`loss`) or a sparse overlay (`overlay=ring:1` with a crash)
//! make agreement fail, and `prob` gives its exact probability. With `loss = 1/2`, n = 3 and
//! p0 broadcasting (derived by hand): p0 sends to p1 and p2. If both arrive (1/4) all deliver.
//! If exactly one arrives (1/2), that process relays to the other, which succeeds with 1/2; so
//! P = 1/4 + 1/2·1/2 + (both lost) 1/4·0 = 1/2.

use crate::models::entry::{Entry, ModelInfo};
use crate::models::gossip::eager_gossip::{self, EagerGossip, Forward};
use crate::models::gossip::peers::{LOSS, OVERLAY};
use crate::models::params::Params;
use crate::props::{PRB1, PRB2, PRB3, PRB4};

pub static ENTRY: Entry<EagerGossip> = Entry {
    info: ModelInfo {
        name: "flood",
        title: "Flooding (gossip with t = N)",
        source: "seed 001 (Gossip Summary); Cachin-Guerraoui-Rodrigues 2011, Alg. 3.3",
        fault_model: "crash-stop, fair-loss links",
        tolerance: "any f over reliable links and full membership",
        tolerates: |p| {
            crate::engine::prob::Ratio::parse("loss", p.get("loss")).ok()
                == Some(crate::engine::prob::Ratio::ZERO)
                && p.get("overlay") == "full"
        },
        claims: &[&PRB1, &PRB2, &PRB3, &PRB4],
        params: &[LOSS, OVERLAY],
        uses_detector: false,
        default_n: 4,
    },
    build: |p: &Params| eager_gossip::build(p, p.n.saturating_sub(1).max(1), Forward::First),
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn agreement_holds_with_crashes() {
        let r = run("flood", 4, 2, &[], &[]);
        assert_statuses(
            &r,
            &[
                ("PRB1", "holds"),
                ("PRB2", "holds"),
                ("PRB3", "holds"),
                ("PRB4", "holds"),
            ],
        );
    }

    #[test]
    fn lossy_links_break_agreement() {
        let r = run("flood", 3, 0, &[("loss", "1/2")], &["PRB4"]);
        assert_statuses(&r, &[("PRB4", "violated")]);
        assert_trace(
            &r,
            "PRB4",
            &[
                "p0 broadcasts m0.1",
                "the link loses [GOSSIP m0.1] p0→p1 (probability 1/2)",
                "the link loses [GOSSIP m0.1] p0→p2 (probability 1/2)",
            ],
        );
    }
}
