//! # Random walk
//!
//! Seed notes 001, "Gossip Summary": a **random walk** is eager push gossip with fanout t = 1
//! and a *time to live*: the message hops from process to process, each forwarding it to one
//! random peer every time it arrives, until its TTL runs out. It is how one searches an overlay,
//! not a way to broadcast: the walk covers everyone only if it happens to visit everyone within
//! TTL hops.
//!
//! ```text
//! upon event ⟨Broadcast | m⟩ do deliver m; send [WALK, m, TTL] to one random peer;
//! upon event ⟨Deliver | p, [WALK, m, r]⟩ do
//!     if m ∉ delivered then delivered := delivered ∪ {m}; deliver m;
//!     if r > 1 then send [WALK, m, r − 1] to one random peer (other than p if exclude_sender);
//! ```
//!
//! This is [`crate::models::gossip::eager_gossip`] with `fanout = 1`, `forward = every` (CGR Alg. 3.9 read
//! literally). PRB4 is the probability that the walk covers every process within TTL hops
//! (derived by hand for n = 3, ttl = 2: hop 1 reaches p1 or p2; hop 2 must go to the other one,
//! probability 1/2; with `exclude_sender=true` it cannot go back, so probability 1).

use crate::models::entry::{Entry, ModelInfo};
use crate::models::gossip::eager_gossip::{self, EagerGossip, CLAIMS};
use crate::models::gossip::peers::{EXCLUDE_SENDER, LOSS, OVERLAY};
use crate::models::params::{ParamSpec, Params};

const TTL: ParamSpec = ParamSpec {
    key: "ttl",
    default: "3",
    values: &[],
    help: "hops the walk may take (1-16)",
};

pub static ENTRY: Entry<EagerGossip> = Entry {
    info: ModelInfo {
        name: "random-walk",
        title: "Random walk (t = 1 with a TTL)",
        source: "seed 001 (Gossip Summary)",
        fault_model: "crash-stop, fair-loss links",
        tolerance: "PRB4 only with some probability (see prob)",
        tolerates: |_| true,
        claims: CLAIMS,
        params: &[TTL, EXCLUDE_SENDER, LOSS, OVERLAY],
        uses_detector: false,
        default_n: 3,
    },
    build: |p: &Params| eager_gossip::build(p, 1, eager_gossip::Forward::Every),
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn a_short_walk_misses_someone() {
        let r = run("random-walk", 3, 0, &[("ttl", "2")], &["PRB4"]);
        assert_statuses(&r, &[("PRB4", "violated")]);
        let r = run("random-walk", 3, 0, &[("ttl", "1")], &["PRB1", "PRB2"]);
        assert_statuses(&r, &[("PRB1", "holds"), ("PRB2", "holds")]);
    }
}
