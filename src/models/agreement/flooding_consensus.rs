//! # Flooding Consensus (Cachin–Guerraoui–Rodrigues 2011, Alg. 5.1)
//!
//! Regular consensus in the fail-stop model: asynchronous processes, perfect links, and a
//! perfect failure detector P. Every process proposes a value; the processes flood the sets of
//! proposals they have seen, round by round, and a process decides once a round brings no news
//! about crashes: it heard in this round from exactly the processes it heard from in the
//! previous one, so every proposal it could learn of has reached it. It decides the least
//! proposal it has seen and floods the decision.
//!
//! ```text
//! upon event ⟨c, Init⟩ do
//!     correct := Π; round := 1; decision := ⊥;
//!     receivedfrom := [∅]^N; proposals := [∅]^N; receivedfrom[0] := Π;
//! upon event ⟨P, Crash | p⟩ do
//!     correct := correct \ {p};
//! upon event ⟨c, Propose | v⟩ do
//!     proposals[1] := proposals[1] ∪ {v};
//!     trigger ⟨beb, Broadcast | [PROPOSAL, 1, proposals[1]]⟩;
//! upon event ⟨beb, Deliver | p, [PROPOSAL, r, ps]⟩ do
//!     receivedfrom[r] := receivedfrom[r] ∪ {p};
//!     proposals[r] := proposals[r] ∪ ps;
//! upon correct ⊆ receivedfrom[round] ∧ decision = ⊥ do
//!     if receivedfrom[round] = receivedfrom[round − 1] then
//!         decision := min(proposals[round]);
//!         trigger ⟨beb, Broadcast | [DECIDED, decision]⟩;
//!         trigger ⟨c, Decide | decision⟩;
//!     else
//!         round := round + 1;
//!         trigger ⟨beb, Broadcast | [PROPOSAL, round, proposals[round − 1]]⟩;
//! upon event ⟨beb, Deliver | p, [DECIDED, v]⟩ such that p ∈ correct ∧ decision = ⊥ do
//!     decision := v;
//!     trigger ⟨beb, Broadcast | [DECIDED, decision]⟩;
//!     trigger ⟨c, Decide | decision⟩;
//! ```
//!
//! The guarded `upon correct ⊆ …` is evaluated after every event, until it no longer holds
//! ([`FloodingConsensus::advance`]). `Propose` is the application's request: every process
//! proposes once (`senders=all`, the default here), the value `proposals` gives it (by default
//! `distinct`: p_i proposes i, the case where agreement has the most to get wrong).
//!
//! Properties (CGR Module 5.1): **C1 termination**, **C2 validity**, **C3 integrity**, **C4
//! agreement**, claimed for any number of crashes with a perfect detector. **UC4 uniform
//! agreement** (Module 5.2) is not claimed and fails with f ≥ 2 at n = 3: a process that
//! decides in round 1 and crashes before its DECIDED arrives can leave the others, who missed a
//! crashed process's proposal, to decide a larger value in a later round (CGR's Flooding
//! Uniform Consensus, Alg. 5.3, waits N rounds for that reason).
//!
//! The detector is what the algorithm leans on, both ways: with `detector=incomplete` a process
//! may wait forever for the round message of a crashed process (**C1** fails); with
//! `detector=inaccurate` two processes that falsely suspect a live one move past round 1
//! without its proposal and decide a value it never sees, while it decides its own (**C4**
//! fails). With omission faults (`faults=send-omission`) P reports nobody, and a process waits
//! forever for a round message the faulty process omitted (**C1** fails).
//!
//! **Rounds: more than N.** The book sizes `receivedfrom` and `proposals` at N, as if a
//! process decided by round N, but a round is not decided whenever its `receivedfrom` differs
//! from the previous round's, and a crashed process's messages may be lost selectively: with
//! n = 3 and f = 2 a process can need five rounds. p0 proposes and crashes, its round-1
//! message reaching p1 only; p1 and p2 go to round 2 once P reports p0; p1's round-2 message
//! to p2 is lost but its round-3 message arrives (p1 then crashes), so p2 sees
//! `receivedfrom` = {p1,p2}, {p2}, {p1,p2}, {p2}, {p2} in rounds 1 to 5 and decides only in
//! round 5. Each crash can cost two rounds (a sender missing from one round, then back
//! through an early message of the next); run with smaller stores, the checker finds at most
//! 3 rounds needed at n = 2 (f ≤ 2) and at n = 3 with f = 1, and 5 at n = 3 with f ≥ 2:
//! within 2f + 1 (the run above, checked by hand, is one of them). The model stores rounds
//! 0 ‥ 2N + 1 and stops a process that would go further, saying so in the trace and in C1's
//! verdict, so a cap that is too small can never pass silently. The state graph is acyclic,
//! so liveness is judged at quiescent states.

use crate::engine::property::{PropDef, PropMeta};
use crate::error::{Error, Result};
use crate::models::broadcast::beb::beb_broadcast;
use crate::models::entry::{Entry, ModelInfo};
use crate::models::params::{ParamSpec, Params};
use crate::props::{disagreement, C1, C2, C3, C4, UC4};
use crate::runtime::bits::PSet;
use crate::runtime::history::History;
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use crate::runtime::rounds::Val;
use crate::runtime::system::System;
use std::fmt;

/// The largest value a process may propose (values are kept as a 16-bit set).
pub const MAX_VAL: Val = 15;

/// A set of proposed values, one bit per value.
#[derive(
    Copy, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Vals(pub u16);

impl Vals {
    fn with(self, v: Val) -> Vals {
        Vals(self.0 | 1 << v)
    }
    fn union(self, o: Vals) -> Vals {
        Vals(self.0 | o.0)
    }
    /// `min(proposals)`; `None` for the empty set.
    pub fn min(self) -> Option<Val> {
        (self.0 != 0).then(|| self.0.trailing_zeros() as Val)
    }
}

impl fmt::Debug for Vals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let vs: Vec<String> = (0..=MAX_VAL)
            .filter(|v| self.0 & 1 << v != 0)
            .map(|v| v.to_string())
            .collect();
        write!(f, "{{{}}}", vs.join(","))
    }
}

/// The wire messages.
#[derive(
    Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum FcMsg {
    /// `[PROPOSAL, r, ps]`.
    Proposal { round: u8, ps: Vals },
    /// `[DECIDED, v]`.
    Decided(Val),
}

impl fmt::Debug for FcMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FcMsg::Proposal { round, ps } => write!(f, "[PROPOSAL {round} {ps:?}]"),
            FcMsg::Decided(v) => write!(f, "[DECIDED {v}]"),
        }
    }
}

/// A process's variables.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FcState {
    pub correct: PSet,
    /// 0 until the process proposes.
    pub round: u8,
    pub decision: Option<Val>,
    /// How many times `⟨c, Decide⟩` was triggered (C3 reads it).
    pub decides: u8,
    /// Whether the process would have gone past the last round the model stores.
    pub out_of_rounds: bool,
    /// `receivedfrom[r]` and `proposals[r]` for r = 0 ‥ 2N + 1. Rounds before `round − 1` are
    /// never read again and are cleared, so states that differ only there are one state.
    pub receivedfrom: Vec<PSet>,
    pub proposals: Vec<Vals>,
}

impl FcState {
    /// Why an undecided process has not decided, in words (`None` once it decided): what
    /// the end of a trace and C1's verdict say.
    pub fn pending(&self) -> Option<String> {
        if self.decision.is_some() {
            None
        } else if self.out_of_rounds {
            Some(format!(
                "in round {}, the model's last: it would need a round more",
                self.round
            ))
        } else if self.round == 0 {
            Some("it has not proposed".to_string())
        } else {
            Some(format!(
                "in round {}, waiting for {:?}",
                self.round,
                self.correct.minus(self.receivedfrom[self.round as usize])
            ))
        }
    }
}

/// Flooding Consensus, with each process's proposal.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FloodingConsensus {
    /// `proposal[p]`: the value p proposes.
    pub proposal: Vec<Val>,
}

impl FloodingConsensus {
    /// The last round the model stores: 2N + 1, at least the 2f + 1 rounds a run with f
    /// crashes was seen to need (see the module header).
    fn last_round(env: &Env) -> u8 {
        2 * env.n + 1
    }

    fn decide(&self, env: &Env, st: &mut FcState, v: Val, out: &mut Out<FcMsg>) {
        st.decision = Some(v);
        st.decides = st.decides.saturating_add(1);
        beb_broadcast(env, out, FcMsg::Decided(v));
    }

    /// `upon correct ⊆ receivedfrom[round] ∧ decision = ⊥`, as long as it holds.
    fn advance(&self, env: &Env, st: &mut FcState, out: &mut Out<FcMsg>) {
        while st.round >= 1 && st.decision.is_none() && !st.out_of_rounds {
            let r = st.round as usize;
            if !st.correct.minus(st.receivedfrom[r]).is_empty() {
                return;
            }
            if st.receivedfrom[r] == st.receivedfrom[r - 1] {
                let v = st.proposals[r].min().unwrap_or_default();
                self.decide(env, st, v, out);
            } else if st.round == Self::last_round(env) {
                st.out_of_rounds = true;
            } else {
                st.round += 1;
                let r = st.round as usize;
                // Rounds before r − 1 are never read again.
                if r >= 2 {
                    st.receivedfrom[r - 2] = PSet::EMPTY;
                    st.proposals[r - 2] = Vals::default();
                }
                beb_broadcast(
                    env,
                    out,
                    FcMsg::Proposal {
                        round: st.round,
                        ps: st.proposals[r - 1],
                    },
                );
            }
        }
    }
}

impl Protocol for FloodingConsensus {
    type State = FcState;
    type Msg = FcMsg;

    // upon event ⟨c, Init⟩
    fn init(&self, env: &Env, _me: Pid) -> FcState {
        let rounds = Self::last_round(env) as usize + 1;
        let mut receivedfrom = vec![PSet::EMPTY; rounds];
        receivedfrom[0] = PSet::all(env.n);
        FcState {
            correct: PSet::all(env.n),
            round: 0,
            decision: None,
            decides: 0,
            out_of_rounds: false,
            receivedfrom,
            proposals: vec![Vals::default(); rounds],
        }
    }

    // upon event ⟨c, Propose | v⟩
    fn on_broadcast(&self, env: &Env, me: Pid, st: &mut FcState, _m: MsgId, out: &mut Out<FcMsg>) {
        st.round = 1;
        st.proposals[1] = st.proposals[1].with(self.proposal[me as usize]);
        beb_broadcast(
            env,
            out,
            FcMsg::Proposal {
                round: 1,
                ps: st.proposals[1],
            },
        );
        self.advance(env, st, out);
    }

    fn on_receive(
        &self,
        env: &Env,
        _me: Pid,
        st: &mut FcState,
        from: Pid,
        msg: &FcMsg,
        out: &mut Out<FcMsg>,
    ) {
        if self.ignores(st, msg) {
            return;
        }
        match *msg {
            // upon event ⟨beb, Deliver | p, [PROPOSAL, r, ps]⟩
            FcMsg::Proposal { round, ps } => {
                let r = round as usize;
                st.receivedfrom[r].insert(from);
                st.proposals[r] = st.proposals[r].union(ps);
                self.advance(env, st, out);
            }
            // upon event ⟨beb, Deliver | p, [DECIDED, v]⟩ such that p ∈ correct ∧ decision = ⊥
            FcMsg::Decided(v) => {
                if st.correct.contains(from) {
                    self.decide(env, st, v, out);
                }
            }
        }
    }

    // upon event ⟨P, Crash | p⟩
    fn on_crash(&self, env: &Env, _me: Pid, st: &mut FcState, who: Pid, out: &mut Out<FcMsg>) {
        st.correct.remove(who);
        self.advance(env, st, out);
    }

    /// After deciding, nothing changes the process any more; before, a round message older
    /// than `round − 1` is never read again (rounds only grow).
    fn ignores(&self, st: &FcState, msg: &FcMsg) -> bool {
        st.decision.is_some()
            || st.out_of_rounds
            || matches!(*msg, FcMsg::Proposal { round, .. } if st.round >= 2 && round < st.round - 1)
    }

    fn uses_detector(&self) -> bool {
        true
    }

    fn delivers() -> bool {
        false
    }

    fn describe_request(&self, _env: &Env, p: Pid, _m: MsgId) -> Option<String> {
        Some(format!("p{p} proposes {}", self.proposal[p as usize]))
    }

    fn describe_outcome(&self, _env: &Env, procs: &[FcState], hist: &History) -> Vec<String> {
        procs
            .iter()
            .enumerate()
            .map(|(p, st)| {
                let who = hist.label(p as Pid);
                match (st.decision, st.pending()) {
                    (Some(v), _) => format!("{who} decided {v} (round {})", st.round),
                    (None, why) => format!("{who} undecided: {}", why.unwrap_or_default()),
                }
            })
            .collect()
    }

    fn extra_properties() -> Vec<PropDef<System<Self>>> {
        fn decision(
            s: &crate::runtime::system::SysState<FloodingConsensus>,
            p: Pid,
        ) -> Option<Val> {
            s.procs[p as usize].decision
        }
        vec![
            PropDef {
                meta: &C1,
                check: |m, s| {
                    let correct = s.hist.correct(m.env.n);
                    correct.iter().find(|&p| decision(s, p).is_none()).map(|p| {
                        format!(
                            "the run is over and correct p{p} never decides: {}",
                            s.procs[p as usize].pending().unwrap_or_default()
                        )
                    })
                },
                witness: Some(|m, s| {
                    let c = s.hist.correct(m.env.n);
                    !c.is_empty() && c.iter().all(|p| decision(s, p).is_some())
                }),
            },
            PropDef {
                meta: &C2,
                check: |m, s| {
                    m.env.procs().find_map(|p| {
                        let v = decision(s, p)?;
                        (!m.proto.proposal.contains(&v))
                            .then(|| format!("p{p} decided {v}, which no process proposed"))
                    })
                },
                witness: None,
            },
            PropDef {
                meta: &C3,
                check: |m, s| {
                    m.env
                        .procs()
                        .find(|&p| s.procs[p as usize].decides > 1)
                        .map(|p| format!("p{p} decided twice"))
                },
                witness: None,
            },
            PropDef {
                // Who is correct is known only at the end, but two running processes that
                // disagree already violate C4: the run may go on without either crashing.
                meta: &C4,
                check: |m, s| {
                    disagreement(
                        s.hist.correct(m.env.n),
                        |p| decision(s, p),
                        |v| v.to_string(),
                        "correct",
                    )
                },
                witness: None,
            },
            PropDef {
                meta: &UC4,
                check: |m, s| {
                    disagreement(
                        PSet::all(m.env.n),
                        |p| decision(s, p),
                        |v| v.to_string(),
                        "process",
                    )
                },
                witness: None,
            },
        ]
    }
}

const SENDERS: ParamSpec = ParamSpec {
    key: "senders",
    default: "all",
    values: &[],
    help: "processes that propose: comma-separated ids (e.g. 0,2) or 'all'",
};

const MSGS: ParamSpec = ParamSpec {
    key: "msgs",
    default: "1",
    values: &["1"],
    help: "proposals per process (consensus: one)",
};

const PROPOSALS: ParamSpec = ParamSpec {
    key: "proposals",
    default: "distinct",
    values: &[],
    help: "what each process proposes: 'distinct' (p_i proposes i) or one value 0-15 per process, comma-separated (e.g. 1,0,1)",
};

/// The proposals of `p`'s `proposals` parameter.
fn proposals(p: &Params) -> Result<Vec<Val>> {
    let raw = p.get("proposals");
    if raw == "distinct" {
        return Ok((0..p.n).collect());
    }
    let vals: Vec<Option<Val>> = raw
        .split(',')
        .map(|x| x.trim().parse::<Val>().ok().filter(|v| *v <= MAX_VAL))
        .collect();
    if vals.len() != p.n as usize || vals.iter().any(Option::is_none) {
        return Err(Error::input(format!(
            "parameter proposals must be 'distinct' or {} comma-separated values 0-{MAX_VAL}, one per process (got '{raw}')",
            p.n
        )));
    }
    Ok(vals.into_iter().flatten().collect())
}

/// The properties Flooding Consensus claims (regular consensus).
pub const CLAIMS: &[&PropMeta] = &[&C1, &C2, &C3, &C4];

pub static ENTRY: Entry<FloodingConsensus> = Entry {
    info: ModelInfo {
        name: "flooding-consensus",
        title: "Flooding Consensus",
        source: "Cachin-Guerraoui-Rodrigues 2011, Alg. 5.1",
        fault_model: "fail-stop (perfect failure detector)",
        tolerance: "any f, with a perfect failure detector",
        tolerates: |_| true,
        claims: CLAIMS,
        params: &[SENDERS, MSGS, PROPOSALS],
        uses_detector: true,
        default_n: 3,
    },
    build: |p: &Params| {
        Ok(FloodingConsensus {
            proposal: proposals(p)?,
        })
    },
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn regular_consensus_with_a_perfect_detector() {
        let r = run("flooding-consensus", 2, 2, &[], &[]);
        assert_statuses(
            &r,
            &[
                ("C1", "holds"),
                ("C2", "holds"),
                ("C3", "holds"),
                ("C4", "holds"),
            ],
        );
        assert!(r.exhaustive);
        assert_eq!(prop_witness(&r, "C1"), "witnessed");
    }

    #[test]
    fn not_uniform_with_two_crashes() {
        let r = run("flooding-consensus", 3, 2, &[], &["UC4"]);
        assert_statuses(&r, &[("UC4", "violated")]);
        let end = &prop(&r, "UC4").end;
        assert!(
            end.iter().any(|l| l.starts_with("p1 (crashed) decided 0")),
            "{end:?}"
        );
    }

    #[test]
    fn inaccurate_detector_breaks_agreement() {
        let r = run(
            "flooding-consensus",
            3,
            0,
            &[("detector", "inaccurate")],
            &["C4"],
        );
        assert_statuses(&r, &[("C4", "violated")]);
        let trace: Vec<&str> = prop(&r, "C4")
            .trace
            .iter()
            .map(|s| s.action.as_str())
            .collect();
        assert!(
            trace
                .iter()
                .any(|a| a.starts_with("failure detector falsely tells")),
            "{trace:?}"
        );
    }

    #[test]
    fn incomplete_detector_blocks() {
        let r = run(
            "flooding-consensus",
            2,
            1,
            &[("detector", "incomplete")],
            &["C1", "C4"],
        );
        assert_statuses(&r, &[("C1", "violated"), ("C4", "holds")]);
    }

    #[test]
    fn proposals_are_validated() {
        let spec =
            crate::models::params::RunSpec::of("flooding-consensus", 3, 0, &[("proposals", "1,2")]);
        let entry = crate::app::registry::Registry::builtin()
            .find("flooding-consensus")
            .expect("known model");
        let err = entry
            .check(&spec, &crate::engine::outcome::Options::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("one per process"), "{err}");
    }
}
