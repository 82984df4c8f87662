//! State-space reductions: partial-order reduction and symmetry reduction. Both are opt-in
//! (`--reduce por,symmetry`, or `reduce = [...]` in a model file's `[search]`), both keep every
//! verdict the run checks, and both change the unique-state count, which a model file pins
//! together with its reductions.
//!
//! # Partial-order reduction (`por`)
//! Deliveries at different processes commute; what they cannot do, in general, is commute with
//! the *later* deliveries at the same process that other processes' steps make possible. So the
//! classic ample-set conditions (Peled 1993; Clarke, Grumberg, Peled, *Model Checking*,
//! ch. 10) rarely allow a whole process's receipts to be taken alone in a broadcast algorithm,
//! where everybody sends to everybody. The steps they do allow are the ones this reduction
//! takes: the receipt by `p` of a message that `p` ignores for good
//! ([`crate::runtime::protocol::Protocol::ignores`]: no state change, no send, no delivery, now and in
//! every later state of `p`). Such a step
//! - is **invisible**: it changes neither the history the properties read nor any process
//!   state (condition C2);
//! - is **independent** of every other step: it touches only its own envelope, stays enabled
//!   until taken, and stays a no-op (C1). A crash of `p` discards the envelope instead, which
//!   reaches the same state as taking the receipt first;
//! - can be taken eagerly without ignoring anything forever (C3): it shrinks the network, so
//!   no cycle consists of such steps alone.
//!
//! So `ample(s) = {that receipt}` is a valid ample set, and the reduced graph takes every such
//! receipt at once: in-flight messages their receiver ignores are dropped after each step. A
//! safety verdict, and a liveness verdict judged at quiescent states (which differ only by
//! those envelopes), is the same with and without the reduction. Counterexamples are shorter:
//! they no longer show useless receipts, and the trace says what was dropped.
//!
//! The reduction is only as sound as each protocol's `ignores`; a test audits it on every
//! model (`ignores` must be a no-op and stay true), and another runs every model file with the
//! reductions on to check that every seeded bug is still found.
//!
//! # Symmetry reduction (`symmetry`)
//! If renaming processes maps the transition relation and the checked properties onto
//! themselves, states equal up to a renaming satisfy the same properties and have renamed
//! successors (Ip–Dill 1996; Emerson–Sistla 1996), so the search need only visit one state per
//! orbit. The visited set stores the least fingerprint over the orbit (every renaming in the
//! group is tried: N! for N interchangeable processes), and traces are replayed on concrete
//! states, so they stay real runs.
//!
//! The group is honest about what breaks symmetry: it only permutes processes that the
//! protocol does not distinguish ([`crate::runtime::protocol::Protocol::distinguished`], e.g. a
//! sequencer) and that have the same broadcast quota (a distinguished sender, `senders=0`, is
//! a fixed point). The catalogue's properties quantify over all processes and messages, so
//! renaming preserves them; a protocol without a renaming of its states, or a run whose
//! settings break symmetry (an overlay, the heartbeat detector), is checked without it and the
//! report says why.
//!
//! # With omission faults (`faults=send-omission|omission`, [`crate::runtime::faults`])
//! Both reductions stay sound, and a test runs every broadcast model both ways under both
//! omission kinds (`tests/faults.rs`):
//! - `por`: an omission is not a step; it is a run that ends with the message still in
//!   flight. Taking an ignored receipt at once removes an envelope that changes nothing
//!   whether it is received or omitted, so the quiescent states of the reduced graph differ
//!   from the raw graph's only by such envelopes, as with a crashed sender's messages; which
//!   messages may be left undelivered ([`crate::runtime::system::System::may_lose`]) is
//!   decided per envelope and is unaffected by removing others.
//! - `symmetry`: the set of faulty processes is part of the state (one initial state per
//!   placement) and of the signature a renaming must map (bit 61 of
//!   [`crate::runtime::system_symmetry`]'s per-process signature), so a renaming maps a faulty
//!   process to a faulty one, the placements fall into orbits, and the properties' "correct"
//!   (not crashed, not faulty) is renamed with them.
//!
//! # In the synchronous-rounds runtime ([`crate::runtime::rounds`])
//! There are no interleavings there: all the nondeterminism is the traitors' (or crashing
//! processes') choice of what to put in each message slot, made one slot per step in a fixed
//! order. The state space is a tree whose size is the product of the options per slot, so
//! the reductions are of a different kind, each resting on a fact the protocol declares and
//! an audit checks ([`crate::runtime::rounds::Rounds::audit`], run on every model file):
//! - `por`, **last round receiver by receiver.** Nothing follows the last round, so a
//!   receiver's decision depends only on the round's start state and on the messages sent to
//!   it, and the choices for different receivers are independent. The runtime orders the
//!   slots by receiver, delivers each receiver's messages as soon as its slots are filled,
//!   and keeps only the decision. The states of one receiver's choices are no longer
//!   multiplied by those of every other receiver: they add up.
//! - `por`, **silence as the default** (`silence_is_default`, OM: "a missing value counts as
//!   RETREAT"). A traitor's silence leads to nothing that sending RETREAT does not, so it is
//!   not offered. The audit checks that the outcomes after silence are among those after the
//!   slot's messages.
//! - `por`, **no messages between traitors** (`faulty_receipts_matter() == false`, OM: a
//!   traitor's slots are its relay paths, whatever it received). Not applied when a checked
//!   property (C2, C3) reads traitors' decisions. The audit checks the slots never change.
//! - `symmetry`, **initial states up to renaming** (`classes`, OM and SM: the lieutenants;
//!   the consensus models: every process). One initial state per orbit of (placement of the
//!   faulty processes, inputs). A renaming maps runs to runs and preserves C1–C4, and IC1,
//!   IC2 and TERM as long as it fixes the commander p0 (when one of those is checked, p0 is
//!   put in a class of its own), so the runs from one member of the orbit stand for all. The
//!   audit checks that renamed outcomes are the outcomes of the renamed initial state.
//!
//! With both, OM(2) with n=7 and f=2 (out of reach unreduced: about 3^50 traitor choices per
//! placement) is exhaustive: 1,374,270 states.
//!
//! Both reductions work the same in BFS and DFS (stateright's BFS ignores `symmetry()`; this
//! project's search calls [`crate::engine::spec::Spec::fingerprint`] in both).

use crate::runtime::bits::{MSet, PSet};
use crate::runtime::protocol::{MsgId, Pid, MAX_PROCS};

/// A renaming of process ids: process `p` becomes `map[p]`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Perm {
    map: [Pid; MAX_PROCS as usize],
    n: u8,
}

impl Perm {
    pub fn identity(n: u8) -> Perm {
        let mut map = [0; MAX_PROCS as usize];
        for (i, m) in map.iter_mut().enumerate() {
            *m = i as Pid;
        }
        Perm { map, n }
    }

    /// The new name of `p`.
    pub fn pid(&self, p: Pid) -> Pid {
        self.map[p as usize]
    }

    pub fn is_identity(&self) -> bool {
        (0..self.n).all(|p| self.pid(p) == p)
    }
}

/// Every permutation of `0..n` that moves processes only within their class: `class[p]` is
/// p's class (processes with different classes are never swapped). The identity comes first.
pub fn group(n: u8, class: &[u32]) -> Vec<Perm> {
    let mut out = Vec::new();
    let mut cur = Perm::identity(n);
    let mut used = [false; MAX_PROCS as usize];
    fn go(
        p: usize,
        n: usize,
        class: &[u32],
        cur: &mut Perm,
        used: &mut [bool; MAX_PROCS as usize],
        out: &mut Vec<Perm>,
    ) {
        if p == n {
            out.push(*cur);
            return;
        }
        for q in 0..n {
            if !used[q] && class[q] == class[p] {
                used[q] = true;
                cur.map[p] = q as Pid;
                go(p + 1, n, class, cur, used, out);
                used[q] = false;
            }
        }
    }
    go(0, n as usize, class, &mut cur, &mut used, &mut out);
    out
}

/// The classes of `class` (as given to [`group`]) in order of their first member, e.g.
/// `{p0} {p1,p2}`, for reports.
pub fn describe_classes(n: u8, class: &[u32]) -> String {
    let mut classes: Vec<(u32, Vec<String>)> = Vec::new();
    for p in 0..n {
        let c = class[p as usize];
        match classes.iter_mut().find(|(k, _)| *k == c) {
            Some((_, members)) => members.push(format!("p{p}")),
            None => classes.push((c, vec![format!("p{p}")])),
        }
    }
    let parts: Vec<String> = classes
        .iter()
        .map(|(_, m)| format!("{{{}}}", m.join(",")))
        .collect();
    parts.join(" ")
}

/// Renaming processes in a value. Implementations must rename every process id the value
/// holds (including ids inside message ids) and keep sorted containers sorted.
pub trait Rename {
    fn rename(&self, p: &Perm) -> Self;
}

impl Rename for PSet {
    fn rename(&self, p: &Perm) -> PSet {
        let mut s = PSet::EMPTY;
        for q in self.iter() {
            s.insert(p.pid(q));
        }
        s
    }
}

impl Rename for MsgId {
    fn rename(&self, p: &Perm) -> MsgId {
        MsgId {
            origin: p.pid(self.origin),
            seq: self.seq,
        }
    }
}

impl Rename for MSet {
    fn rename(&self, p: &Perm) -> MSet {
        let mut s = MSet::EMPTY;
        for m in self.iter() {
            s.insert(m.rename(p));
        }
        s
    }
}

/// A sorted vector stays sorted.
impl<T: Rename + Ord> Rename for Vec<T> {
    fn rename(&self, p: &Perm) -> Vec<T> {
        let mut v: Vec<T> = self.iter().map(|x| x.rename(p)).collect();
        v.sort();
        v
    }
}

/// A vector indexed by [`MsgId::bit`] (e.g. `ack[m]`): entries move with their message.
pub fn rename_by_msg<T: Rename + Clone>(v: &[T], p: &Perm) -> Vec<T> {
    let mut out = v.to_vec();
    for (bit, x) in v.iter().enumerate() {
        let to = MsgId::from_bit(bit as u8).rename(p).bit() as usize;
        if to < out.len() {
            out[to] = x.rename(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reductions::Reductions;
    use std::path::PathBuf;

    fn model_files() -> Vec<PathBuf> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models");
        crate::app::verify::collect(&[dir]).expect("models/ is readable")
    }

    const ALL: Reductions = Reductions {
        por: true,
        symmetry: true,
    };

    /// Every model file's verdicts, the seeded bugs' violations included, are the same with
    /// both reductions on.
    #[test]
    fn every_seeded_bug_is_still_found_with_reductions() {
        let files = model_files();
        let results = crate::app::verify::verify_all(
            &crate::app::registry::Registry::builtin(),
            &files,
            2,
            Some(ALL),
        )
        .expect("files load");
        let violated = results
            .iter()
            .flat_map(|r| &r.rows)
            .filter(|row| row.expected == "violated")
            .count();
        assert!(violated >= 40, "only {violated} seeded violations");
        let wrong: Vec<String> = results
            .iter()
            .flat_map(|r| {
                r.rows.iter().filter(|row| !row.ok).map(move |row| {
                    format!(
                        "{}: {} expected {}, got {}",
                        r.path, row.what, row.expected, row.actual
                    )
                })
            })
            .collect();
        assert!(wrong.is_empty(), "with --reduce all: {wrong:?}");
    }

    /// What the reductions rely on (`ignores` is a monotone no-op; renamings preserve the
    /// properties and commute with the steps) holds on every model file's configuration, and
    /// so does what the search relies on without them (digests, stepping in place).
    #[test]
    fn reductions_are_honest_on_every_model_file() {
        for path in model_files() {
            let mf = crate::app::modelfile::ModelFile::load(&path).expect("loads");
            for reduce in [crate::engine::reductions::Reductions::default(), ALL] {
                let mut spec = mf.run_spec().expect("valid");
                spec.reduce = reduce;
                let entry = crate::app::registry::Registry::builtin()
                    .find(&mf.model)
                    .expect("known model");
                let problems = entry.audit(&spec, 1500).expect("builds");
                assert!(
                    problems.is_empty(),
                    "{} ({reduce:?}): {}",
                    path.display(),
                    problems.join("\n")
                );
            }
        }
    }

    /// The audit is not vacuous: a protocol that claims to ignore what it does not is caught.
    #[test]
    fn the_audit_catches_a_dishonest_ignores() {
        use crate::models::broadcast::eager_rb::EagerRb;
        use crate::runtime::protocol::{Env, Out, Pid, Protocol};
        /// `lie_ignores`: claims every message is ignored. Otherwise: forgets to rename its
        /// state.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        struct Liar(EagerRb, bool);
        impl Protocol for Liar {
            type State = MSet;
            type Msg = crate::runtime::protocol::Data;
            fn init(&self, env: &Env, me: Pid) -> MSet {
                self.0.init(env, me)
            }
            fn on_broadcast(
                &self,
                env: &Env,
                me: Pid,
                st: &mut MSet,
                m: MsgId,
                out: &mut Out<Self::Msg>,
            ) {
                self.0.on_broadcast(env, me, st, m, out)
            }
            fn on_receive(
                &self,
                env: &Env,
                me: Pid,
                st: &mut MSet,
                from: Pid,
                msg: &Self::Msg,
                out: &mut Out<Self::Msg>,
            ) {
                self.0.on_receive(env, me, st, from, msg, out)
            }
            fn ignores(&self, st: &MSet, msg: &Self::Msg) -> bool {
                self.1 || self.0.ignores(st, msg)
            }
            fn rename_state(&self, st: &MSet, perm: &Perm) -> Option<MSet> {
                Some(if self.1 { st.rename(perm) } else { *st })
            }
            fn rename_msg(&self, msg: &Self::Msg, perm: &Perm) -> Option<Self::Msg> {
                Some(msg.rename(perm))
            }
        }
        for lie_ignores in [true, false] {
            let env = Env {
                n: 3,
                f: 0,
                quota: vec![1, 1, 1],
            };
            let mut sys = crate::runtime::system::System::new(
                Liar(EagerRb { dedup: true }, lie_ignores),
                env,
                crate::runtime::network::NetKind::Bag,
                crate::runtime::detector::Detector::Perfect,
            );
            sys.enable_symmetry();
            assert_eq!(sys.symmetry.len(), 6);
            assert!(!sys.audit(200).is_empty(), "lie_ignores={lie_ignores}");
        }
    }

    /// The orbit fingerprint tries only the renamings that sort processes by signature; the
    /// counts are the ones the whole group gives (pinned from a run that tried every renaming).
    #[test]
    fn signature_pruning_keeps_orbits_whole() {
        let count = |model: &str, n: u32, f: u32, params: &[(&str, &str)], r: Reductions| {
            let spec = crate::models::params::RunSpec {
                reduce: r,
                ..crate::models::params::RunSpec::of(model, n, f, params)
            };
            let entry = crate::app::registry::Registry::builtin()
                .find(model)
                .expect("known");
            let opts = crate::engine::outcome::Options::default();
            entry.check(&spec, &opts).expect("runs").unique_states
        };
        let sym = Reductions {
            por: false,
            symmetry: true,
        };
        assert_eq!(count("majority-ack-urb", 4, 1, &[], sym), 26_265);
        assert_eq!(count("eager-rb", 4, 1, &[("senders", "all")], ALL), 18_530);
        assert_eq!(count("eager-rb", 3, 0, &[("senders", "all")], ALL), 147);
    }

    #[test]
    fn the_audit_passes_an_honest_model() {
        use crate::models::broadcast::eager_rb::EagerRb;
        use crate::runtime::protocol::Env;
        let env = Env {
            n: 3,
            f: 1,
            quota: vec![1, 1, 1],
        };
        let mut sys = crate::runtime::system::System::new(
            EagerRb { dedup: true },
            env,
            crate::runtime::network::NetKind::Bag,
            crate::runtime::detector::Detector::Perfect,
        );
        sys.enable_symmetry();
        assert_eq!(sys.audit(2000), Vec::<String>::new());
    }

    #[test]
    fn groups_respect_classes() {
        assert_eq!(group(3, &[0, 0, 0]).len(), 6);
        assert_eq!(group(4, &[0, 0, 0, 0]).len(), 24);
        // p0 distinguished: only p1..p3 move.
        let g = group(4, &[1, 0, 0, 0]);
        assert_eq!(g.len(), 6);
        assert!(g.iter().all(|p| p.pid(0) == 0));
        assert!(g[0].is_identity());
        // Two classes of two.
        assert_eq!(group(4, &[0, 1, 0, 1]).len(), 4);
    }

    #[test]
    fn renaming_moves_ids_inside_sets() {
        let g = group(3, &[0, 0, 0]);
        let swap01 = g
            .iter()
            .find(|p| p.pid(0) == 1 && p.pid(1) == 0)
            .expect("in the group");
        let mut s = MSet::EMPTY;
        s.insert(MsgId { origin: 0, seq: 1 });
        let r = s.rename(swap01);
        assert!(r.contains(MsgId { origin: 1, seq: 1 }));
        assert_eq!(PSet(0b101).rename(swap01), PSet(0b110));
    }
}
