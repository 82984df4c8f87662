//! # Unanimous consensus (vote collection by flooding)
//!
//! Seed notes 004 ("unanimous: everyone agrees; difficult: if some process doesn't respond, we
//! won't get all the votes"). The vote collection of [`crate::models::agreement::majority_consensus`] (flooding for
//! t+1 rounds) with a unanimity rule: a process decides only once it knows **every** process's
//! vote: `commit` if all voted commit, otherwise `abort`.
//!
//! ```text
//! after round t+1:  if #known = N then decide (commit if every vote is commit, else abort)
//!                   else decide nothing (waiting for the missing votes)
//! ```
//!
//! Claims **C2, C3, C4**, and **C1 termination** only without crashes. One process that crashes
//! before its vote got out (a silent process) leaves the others waiting forever: **C1** fails.

use crate::models::agreement::majority_consensus::{read_t, Flood, Rule, ABORT, T};
use crate::models::entry::ModelInfo;
use crate::models::entry::RoundEntry;
use crate::models::params::Params;
use crate::props::{C1, C2, C3, C4};
use crate::runtime::rounds::FaultKind;

pub static ENTRY: RoundEntry<Flood> = RoundEntry {
    info: ModelInfo {
        name: "unanimous-consensus",
        title: "Unanimous consensus (votes collected by flooding)",
        source: "seed notes 004",
        fault_model: "crash-stop, synchronous",
        tolerance: "f = 0 for termination",
        tolerates: |p| p.f == 0,
        claims: &[&C1, &C2, &C3, &C4],
        params: &[T],
        uses_detector: false,
        default_n: 3,
    },
    kind: FaultKind::Crash,
    names: ["commit", "abort"],
    default: ABORT,
    default_f: 0,
    build: |p: &Params| {
        Ok(Flood {
            rule: Rule::Unanimous,
            t: read_t(p)?,
        })
    },
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn fault_free_holds() {
        let r = run("unanimous-consensus", 3, 0, &[], &[]);
        assert_statuses(
            &r,
            &[
                ("C1", "holds"),
                ("C2", "holds"),
                ("C3", "holds"),
                ("C4", "holds"),
            ],
        );
    }

    #[test]
    fn a_silent_process_blocks_termination() {
        let r = run("unanimous-consensus", 3, 1, &[], &["C1", "C4"]);
        assert_statuses(&r, &[("C1", "violated"), ("C4", "holds")]);
        let why = prop(&r, "C1").why.clone().unwrap_or_default();
        assert!(why.contains("unanimity needs all"), "{why}");
    }
}
