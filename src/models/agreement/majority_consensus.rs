//! # Majority-vote consensus (vote collection by flooding)
//!
//! Seed notes 004 ("consensus: most processes agree on the result; unanimous or majority
//! consensus … majority: more than half of the votes"). Votes are collected by flooding, as in
//! the FloodSet algorithm for synchronous crash-stop systems (Lynch, *Distributed Algorithms*,
//! 1996, §6.2; CGR 2011 Alg. 5.1 is its asynchronous form with a perfect detector), and the
//! decision is taken by majority.
//!
//! ```text
//! upon Init with vote v:  known := {(self, v)};
//! in each round r = 1 … t+1:  send known to every other process;
//!                             upon receiving K: known := known ∪ K;
//! after round t+1:  if #known > N/2 then decide the value with most votes (tie: abort)
//!                   else decide nothing (not enough votes)
//! ```
//!
//! `t` is what the algorithm *tolerates* (it sets the number of rounds); `f` is how many
//! processes the checker *injects* as crash-stop faults. A crash can cut a round's sends, so
//! different processes may hold different vote sets. t+1 rounds guarantee that some round has
//! no crash, after which all correct processes know the same votes.
//!
//! Claims **C1 termination, C2 validity, C3 integrity, C4 agreement** when f ≤ t < N/2:
//! - with f ≥ N/2 processes crashing before they vote, no majority of votes exists and **C1**
//!   fails;
//! - with f > t (e.g. `t=0`, a single round) a crash that reaches only some processes splits
//!   the vote sets, and **C4** fails.
//!
//! The same skeleton with a unanimity rule is [`crate::models::agreement::unanimous_consensus`]; both are [`Flood`].

use crate::error::{Error, Result};
use crate::models::entry::ModelInfo;
use crate::models::entry::RoundEntry;
use crate::models::params::{ParamSpec, Params};
use crate::props::{C1, C2, C3, C4};
use crate::runtime::bits::PSet;
use crate::runtime::protocol::Pid;
use crate::runtime::rounds::{FaultKind, REnv, RoundProtocol, Val};
use std::fmt;

pub const COMMIT: Val = 0;
pub const ABORT: Val = 1;

/// How the collected votes decide.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Rule {
    /// More than half of all votes known; the value with most votes (tie: abort).
    Majority,
    /// Every process's vote known; the common value if unanimous, else abort.
    Unanimous,
}

/// Vote collection by flooding for `t + 1` rounds.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Flood {
    pub rule: Rule,
    pub t: u8,
}

/// The votes a process knows: who voted, and who voted abort.
#[derive(
    Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Votes {
    pub known: PSet,
    pub abort: PSet,
}

impl fmt::Debug for Votes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v: Vec<String> = self
            .known
            .iter()
            .map(|p| {
                let s = if self.abort.contains(p) {
                    "abort"
                } else {
                    "commit"
                };
                format!("p{p}:{s}")
            })
            .collect();
        write!(f, "votes {{{}}}", v.join(", "))
    }
}

impl Flood {
    fn decide(&self, n: u8, v: &Votes) -> Option<Val> {
        let known = v.known.len();
        let aborts = v.abort.len();
        let commits = known - aborts;
        match self.rule {
            Rule::Majority if 2 * known > n as usize => {
                Some(if commits > aborts { COMMIT } else { ABORT })
            }
            Rule::Unanimous if known == n as usize => {
                Some(if aborts == 0 { COMMIT } else { ABORT })
            }
            _ => None,
        }
    }
}

impl RoundProtocol for Flood {
    type State = Votes;
    type Msg = Votes;

    fn rounds(&self, _env: &REnv) -> u8 {
        self.t + 1
    }

    fn has_input(&self, _env: &REnv, _me: Pid) -> bool {
        true
    }

    // Every process runs the same code; decisions count votes, not voters.
    fn classes(&self, env: &REnv) -> Option<Vec<u32>> {
        Some(env.procs().map(|_| 0).collect())
    }

    // upon Init with vote v
    fn init(&self, _env: &REnv, me: Pid, input: Option<Val>) -> Votes {
        let mut v = Votes {
            known: PSet::EMPTY,
            abort: PSet::EMPTY,
        };
        v.known.insert(me);
        if input == Some(ABORT) {
            v.abort.insert(me);
        }
        v
    }

    // in each round: send known to every other process
    fn sends(&self, env: &REnv, me: Pid, st: &Votes, _round: u8) -> Vec<(Pid, Votes)> {
        env.procs().filter(|q| *q != me).map(|q| (q, *st)).collect()
    }

    fn byzantine_slots(
        &self,
        _env: &REnv,
        _me: Pid,
        _st: &Votes,
        _round: u8,
    ) -> Vec<(Pid, Vec<Votes>)> {
        Vec::new() // crash faults only
    }

    // upon receiving K; after round t+1: decide
    fn receive(
        &self,
        env: &REnv,
        _me: Pid,
        st: &mut Votes,
        round: u8,
        inbox: &[(Pid, Votes)],
    ) -> Option<Val> {
        for (_, k) in inbox {
            st.known = PSet(st.known.0 | k.known.0);
            st.abort = PSet(st.abort.0 | k.abort.0);
        }
        if round == self.t + 1 {
            self.decide(env.n, st)
        } else {
            None
        }
    }

    fn explain(&self, env: &REnv, _me: Pid, st: &Votes) -> String {
        let known = st.known.len();
        let aborts = st.abort.len();
        let rule = match (self.rule, self.decide(env.n, st)) {
            (Rule::Majority, None) => format!("{known} of {} votes is no majority", env.n),
            (Rule::Unanimous, None) => {
                format!("only {known} of {} votes: unanimity needs all", env.n)
            }
            (Rule::Majority, Some(v)) => format!(
                "{} commit, {aborts} abort → {}",
                known - aborts,
                env.name(v)
            ),
            (Rule::Unanimous, Some(v)) => format!("all {known} votes known → {}", env.name(v)),
        };
        format!("knows {st:?}: {rule}")
    }

    fn show(&self, _env: &REnv, m: &Votes) -> String {
        format!("{m:?}")
    }
}

pub const T: ParamSpec = ParamSpec {
    key: "t",
    default: "max",
    values: &[],
    help: "crashes the algorithm tolerates (sets t+1 rounds); 'max' = (n-1)/2",
};

/// Reads `t` (default: the largest t < n/2).
pub fn read_t(p: &Params) -> Result<u8> {
    let t = match p.get("t") {
        "max" => (u32::from(p.n) - 1) / 2,
        _ => p.get_int("t", 0, u32::from(p.n))?,
    };
    if t + 1 > 8 {
        return Err(Error::input(format!(
            "t = {t} means {} rounds; at most 8 are supported",
            t + 1
        )));
    }
    Ok(t as u8)
}

pub static ENTRY: RoundEntry<Flood> = RoundEntry {
    info: ModelInfo {
        name: "majority-consensus",
        title: "Majority-vote consensus (votes collected by flooding)",
        source: "seed notes 004; FloodSet, Lynch 1996 §6.2",
        fault_model: "crash-stop, synchronous",
        tolerance: "f <= t < n/2",
        tolerates: |p| read_t(p).is_ok_and(|t| p.f <= t && 2 * u32::from(t) < u32::from(p.n)),
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
            rule: Rule::Majority,
            t: read_t(p)?,
        })
    },
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn tolerates_a_minority_of_crashes() {
        let r = run("majority-consensus", 3, 1, &[], &[]);
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
    fn half_crashed_cannot_decide() {
        let r = run("majority-consensus", 2, 1, &[("t", "1")], &["C1"]);
        assert_statuses(&r, &[("C1", "violated")]);
    }

    #[test]
    fn too_few_rounds_split_the_votes() {
        let r = run("majority-consensus", 3, 1, &[("t", "0")], &["C4"]);
        assert_statuses(&r, &[("C4", "violated")]);
    }
}
