//! The audit of the claims a round protocol makes for the reductions (silence is a default,
//! faulty receipts do not matter, symmetry classes), over the unreduced state graph.

use crate::runtime::bits::PSet;
use crate::runtime::reduce::Rename;
use crate::runtime::rounds::{FaultKind, RAction, RState, Reads, RoundProtocol, Rounds, Val};
use std::collections::BTreeSet;

/// What a run ends with: every process's decision, who decided twice, who crashed.
type Outcome = (Vec<Option<Val>>, u16, u16);

/// The outcomes of every run from each state explored so far.
type Memo<P> = std::collections::HashMap<RState<P>, std::rc::Rc<BTreeSet<Outcome>>>;

impl<P: RoundProtocol> Rounds<P> {
    /// Audits the facts the reductions rely on, over the unreduced state graph; the list of
    /// failures. With at most `max_states` states the whole graph is explored and every claim
    /// is checked exactly; beyond that, only [`RoundProtocol::faulty_receipts_matter`] is
    /// checked, on the states explored.
    /// - `faulty_receipts_matter() == false`: a traitor's slots are the same in every reachable
    ///   state as in its initial state.
    /// - `silence_is_default()`: whatever a run can end with after a traitor stays silent in a
    ///   slot, it can also end with after the traitor sends one of the slot's messages.
    /// - `classes()`: when a renaming in the group maps an initial state onto another one of
    ///   the model (the two are then merged), the outcomes of the image are the renamed
    ///   outcomes.
    pub fn audit(&self, max_states: usize) -> Vec<String> {
        self.audit_report(max_states).0
    }

    /// [`Rounds::audit`], and whether the whole unreduced graph fitted in `max_states` (only
    /// then are the silence and symmetry claims checked).
    pub fn audit_report(&self, max_states: usize) -> (Vec<String>, bool) {
        use stateright::Model;
        let plain = Rounds {
            proto: self.proto.clone(),
            env: self.env.clone(),
            props: Vec::new(),
            reduce: crate::engine::reductions::Reductions::default(),
            reads: Reads::default(),
        };
        let mut problems = Vec::new();
        let inits = plain.all_inits();
        let mut memo: Memo<P> = Memo::new();
        let mut complete = true;
        for s in &inits {
            if plain.outcomes(s, &mut memo, max_states).is_none() {
                complete = false;
                break;
            }
        }
        if !self.proto.faulty_receipts_matter() {
            for s in memo.keys() {
                for p in s.faulty.iter() {
                    let r = s.round.min(self.proto.rounds(&self.env));
                    let start = self.proto.init(&self.env, p, s.inputs[p as usize]);
                    let now = self
                        .proto
                        .byzantine_slots(&self.env, p, &s.procs[p as usize], r);
                    if now != self.proto.byzantine_slots(&self.env, p, &start, r) {
                        problems.push(format!(
                            "faulty_receipts_matter() is false, but traitor p{p}'s round-{r} slots depend on what it received ({:?})",
                            s.procs[p as usize]
                        ));
                        return (problems, complete);
                    }
                }
            }
        }
        for s in memo.keys() {
            for p in self.env.procs() {
                if !self.proto.decides(&self.env, p) && s.decision[p as usize].is_some() {
                    problems.push(format!(
                        "decides(p{p}) is false, but p{p} decides in a reachable state"
                    ));
                    return (problems, complete);
                }
            }
        }
        if !complete {
            return (problems, complete);
        }
        let get = |memo: &Memo<P>, t: &RState<P>| -> std::rc::Rc<BTreeSet<Outcome>> {
            memo.get(t).cloned().unwrap_or_default()
        };
        if self.proto.silence_is_default() && self.env.kind == FaultKind::Byzantine {
            for s in memo.keys() {
                let mut acts = Vec::new();
                plain.actions(s, &mut acts);
                let (silent, sent): (Vec<_>, Vec<_>) = acts
                    .into_iter()
                    .filter(|a| matches!(a, RAction::Send { .. }))
                    .partition(|a| matches!(a, RAction::Send { msg: None, .. }));
                let Some(silent) = silent.into_iter().next() else {
                    continue;
                };
                let mut covered = BTreeSet::new();
                for a in sent {
                    if let Some(t) = plain.next_state(s, a) {
                        covered.extend(get(&memo, &t).iter().cloned());
                    }
                }
                let quiet = plain
                    .next_state(s, silent.clone())
                    .map(|t| get(&memo, &t))
                    .unwrap_or_default();
                if let Some(o) = quiet.iter().find(|o| !covered.contains(*o)) {
                    problems.push(format!(
                        "silence_is_default() is true, but after {} a run can end with decisions {:?} that no message in that slot allows",
                        plain.format_action(&silent),
                        o.0
                    ));
                    return (problems, complete);
                }
            }
        }
        if let Some(class) = self.proto.classes(&self.env) {
            for g in crate::runtime::reduce::group(self.env.n, &class) {
                for s in &inits {
                    let (faulty, inputs) = self.renamed_start(s, &g);
                    // An image outside the model (e.g. `traitors` names one placement) is never
                    // merged with `s`, so only images inside it need the same outcomes.
                    let Some(image) = inits
                        .iter()
                        .find(|t| t.faulty == faulty && t.inputs == inputs)
                    else {
                        continue;
                    };
                    let renamed: BTreeSet<Outcome> = get(&memo, s)
                        .iter()
                        .map(|(dec, twice, crashed)| {
                            let mut d = vec![None; dec.len()];
                            for p in self.env.procs() {
                                d[g.pid(p) as usize] = dec[p as usize];
                            }
                            (d, PSet(*twice).rename(&g).0, PSet(*crashed).rename(&g).0)
                        })
                        .collect();
                    if renamed != *get(&memo, image) {
                        problems.push(format!(
                            "classes(): renaming {g:?} does not map the outcomes of traitors {:?}, inputs {:?} onto those of its image",
                            s.faulty, s.inputs
                        ));
                        return (problems, complete);
                    }
                }
            }
        }
        (problems, complete)
    }

    /// The outcomes of every run from `s` (memoized); `None` once `memo` outgrows `budget`.
    fn outcomes(
        &self,
        s: &RState<P>,
        memo: &mut Memo<P>,
        budget: usize,
    ) -> Option<std::rc::Rc<BTreeSet<Outcome>>> {
        use stateright::Model;
        if let Some(o) = memo.get(s) {
            return Some(o.clone());
        }
        if memo.len() >= budget {
            return None;
        }
        let mut acts = Vec::new();
        self.actions(s, &mut acts);
        let mut out = BTreeSet::new();
        if acts.is_empty() {
            out.insert((s.decision.clone(), s.decided_twice.0, s.crashed.0));
        }
        for a in acts {
            if let Some(t) = self.next_state(s, a) {
                out.extend(self.outcomes(&t, memo, budget)?.iter().cloned());
            }
        }
        let out = std::rc::Rc::new(out);
        memo.insert(s.clone(), out.clone());
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reductions::Reductions;
    use crate::models::params::RunSpec;
    use crate::runtime::protocol::Pid;
    use crate::runtime::rounds::REnv;
    use crate::test_util::*;

    /// Delegates to `inner` but makes the claims it is told to, and with `bias` set, that
    /// lieutenant always decides attack (an asymmetry).
    #[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct Liar<P> {
        inner: P,
        silence: bool,
        receipts_matter: bool,
        classes: Option<Vec<u32>>,
        bias: Option<Pid>,
    }

    impl<P: RoundProtocol> RoundProtocol for Liar<P> {
        type State = P::State;
        type Msg = P::Msg;
        fn rounds(&self, env: &REnv) -> u8 {
            self.inner.rounds(env)
        }
        fn has_input(&self, env: &REnv, me: Pid) -> bool {
            self.inner.has_input(env, me)
        }
        fn init(&self, env: &REnv, me: Pid, input: Option<Val>) -> P::State {
            self.inner.init(env, me, input)
        }
        fn sends(&self, env: &REnv, me: Pid, st: &P::State, round: u8) -> Vec<(Pid, P::Msg)> {
            self.inner.sends(env, me, st, round)
        }
        fn byzantine_slots(
            &self,
            env: &REnv,
            me: Pid,
            st: &P::State,
            round: u8,
        ) -> Vec<(Pid, Vec<P::Msg>)> {
            self.inner.byzantine_slots(env, me, st, round)
        }
        fn receive(
            &self,
            env: &REnv,
            me: Pid,
            st: &mut P::State,
            round: u8,
            inbox: &[(Pid, P::Msg)],
        ) -> Option<Val> {
            let v = self.inner.receive(env, me, st, round, inbox);
            if self.bias == Some(me) {
                return v.map(|_| 0);
            }
            v
        }
        fn explain(&self, env: &REnv, me: Pid, st: &P::State) -> String {
            self.inner.explain(env, me, st)
        }
        fn show(&self, env: &REnv, msg: &P::Msg) -> String {
            self.inner.show(env, msg)
        }
        fn silence_is_default(&self) -> bool {
            self.silence
        }
        fn faulty_receipts_matter(&self) -> bool {
            self.receipts_matter
        }
        fn decides(&self, env: &REnv, me: Pid) -> bool {
            self.inner.decides(env, me)
        }
        fn classes(&self, _env: &REnv) -> Option<Vec<u32>> {
            self.classes.clone()
        }
    }

    fn audit<P: RoundProtocol>(
        entry: &crate::models::entry::RoundEntry<P>,
        n: u32,
        f: u32,
        liar: impl Fn(P) -> Liar<P>,
    ) -> Vec<String> {
        let spec = RunSpec::of(entry.info.name, n, f, &[]);
        let (m, _) = entry.system(&spec).expect("builds");
        let m = Rounds {
            proto: liar(m.proto),
            env: m.env,
            props: Vec::new(),
            reduce: Reductions::default(),
            reads: m.reads,
        };
        m.audit(100_000)
    }

    fn honest<P: RoundProtocol>(p: P) -> Liar<P> {
        Liar {
            silence: p.silence_is_default(),
            receipts_matter: p.faulty_receipts_matter(),
            classes: None,
            bias: None,
            inner: p,
        }
    }

    #[test]
    fn the_audit_passes_the_honest_claims() {
        let om = &crate::models::agreement::om::ENTRY;
        let sm = &crate::models::agreement::sm::ENTRY;
        let lieutenants = Some(vec![0, 1, 1, 1]);
        let p = audit(om, 4, 1, |p| Liar {
            classes: lieutenants.clone(),
            ..honest(p)
        });
        assert_eq!(p, Vec::<String>::new());
        let p = audit(sm, 4, 2, |p| Liar {
            classes: lieutenants.clone(),
            ..honest(p)
        });
        assert_eq!(p, Vec::<String>::new());
    }

    /// The audit runs to completion (every claim checked) on a configuration of each protocol
    /// that declares something, OM(2) included, and finds nothing wrong.
    #[test]
    fn the_audit_completes_on_each_declaring_protocol() {
        for (model, n, f, params) in [
            ("om", 4, 1, vec![]),
            ("om", 4, 2, vec![("m", "2")]),
            ("sm", 4, 2, vec![]),
            ("majority-consensus", 4, 1, vec![]),
        ] {
            let spec = RunSpec {
                reduce: Reductions {
                    por: true,
                    symmetry: true,
                },
                ..RunSpec::of(model, n, f, &params)
            };
            let entry = crate::app::registry::Registry::builtin()
                .find(model)
                .expect("known");
            let problems = entry.audit(&spec, 200_000).expect("builds");
            assert_eq!(problems, Vec::<String>::new(), "{model} n={n} f={f}");
        }
        let spec = RunSpec::of("om", 4, 2, &[("m", "2")]);
        let (m, _) = crate::models::agreement::om::ENTRY
            .system(&spec)
            .expect("builds");
        assert_eq!(m.audit_report(200_000), (Vec::new(), true));
    }

    /// A property that singles out p0 keeps p0 out of the renamings, even for a protocol whose
    /// processes are all alike.
    #[test]
    fn symmetry_fixes_p0_when_a_property_names_it() {
        let both = Reductions {
            por: true,
            symmetry: true,
        };
        for props in [&["C1", "C4"][..], &["IC2"][..]] {
            let plain = RunSpec {
                properties: props.iter().map(|p| p.to_string()).collect(),
                ..RunSpec::of("majority-consensus", 3, 1, &[])
            };
            let reduced = RunSpec {
                reduce: both,
                ..plain.clone()
            };
            let entry = crate::app::registry::Registry::builtin()
                .find("majority-consensus")
                .expect("known");
            let opts = crate::engine::outcome::Options::default();
            let a = entry.check(&plain, &opts).expect("valid");
            let b = entry.check(&reduced, &opts).expect("valid");
            for p in props {
                assert_eq!(
                    prop(&a, p).status.name(),
                    prop(&b, p).status.name(),
                    "{p}:\n{}",
                    b.to_text()
                );
            }
        }
    }

    /// The audit is not vacuous: each claim, made falsely, is caught.
    #[test]
    fn the_audit_catches_dishonest_claims() {
        let om = &crate::models::agreement::om::ENTRY;
        let sm = &crate::models::agreement::sm::ENTRY;
        // SM: a traitor may relay only the signed chains it received.
        let p = audit(sm, 3, 1, |p| Liar {
            receipts_matter: false,
            ..honest(p)
        });
        assert!(
            p.iter().any(|e| e.contains("faulty_receipts_matter")),
            "{p:?}"
        );
        // SM: a traitorous commander's silence is not one of its signed orders.
        let p = audit(sm, 4, 1, |p| Liar {
            silence: true,
            ..honest(p)
        });
        assert!(p.iter().any(|e| e.contains("silence_is_default")), "{p:?}");
        // OM with p1 biased: lieutenants are no longer interchangeable.
        let p = audit(om, 4, 1, |p| Liar {
            classes: Some(vec![0, 1, 1, 1]),
            bias: Some(1),
            ..honest(p)
        });
        assert!(p.iter().any(|e| e.contains("classes()")), "{p:?}");
    }

    fn reduced(n: u32, f: u32, reduce: Reductions) -> crate::app::report::Report {
        let spec = RunSpec {
            reduce,
            ..RunSpec::of("om", n, f, &[])
        };
        crate::app::registry::Registry::builtin()
            .find("om")
            .expect("om")
            .check(&spec, &crate::engine::outcome::Options::default())
            .expect("valid")
    }

    #[test]
    fn om_reductions_keep_verdicts() {
        let all = [false, true];
        for (por, symmetry) in all.iter().flat_map(|&p| all.map(|s| (p, s))) {
            let reduce = Reductions { por, symmetry };
            let r = reduced(4, 1, reduce);
            assert_statuses(&r, &[("IC1", "holds"), ("IC2", "holds"), ("TERM", "holds")]);
        }
        let both = Reductions {
            por: true,
            symmetry: true,
        };
        // Three generals: the same counterexample, one receiver at a time.
        let r = reduced(3, 1, both);
        assert_statuses(&r, &[("IC1", "holds"), ("IC2", "violated")]);
        assert_trace(
            &r,
            "IC2",
            &[
                "end of round 1: every message of the round is delivered",
                "round 2: p1 (traitor) tells p2: \"p0 said retreat\"",
                "round 2: p2 receives every message of the round sent to it (last round, receiver by receiver)",
            ],
        );
        let last = &prop(&r, "IC2").trace[2].effects;
        assert_eq!(
            last,
            &["p2 decides retreat: from p0 directly: attack; p1 says p0 said: retreat → 1-1 tie → default retreat"]
        );
    }
}
