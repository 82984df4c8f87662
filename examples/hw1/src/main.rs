//! # The seeds' Homework 1, checked from a user's own crate
//!
//! Seed notes 001, *Homework 1*: reliable broadcast in a fail-stop, synchronous system, where
//! "in fault free executions each process collaborates in the dissemination by sending a
//! single message". The answer written here is a **relay ring**: the message travels once
//! around the ring, from its origin to the process before it, each process sending it to its
//! successor. `docs/own-algorithm.md` (in the broadcheck repository) builds it step by step.
//!
//! Two versions, chosen with `--param version=first|fixed`:
//! - `first` forgets the fail-stop part: a process whose successor crashed does nothing, so
//!   the ring breaks and RB4 agreement fails (`models/ring-first-version-violates-rb4.toml`);
//! - `fixed` uses the perfect failure detector's `upon crash(p)`: a process that forwarded
//!   m to a process that crashed forwards m again to its next correct successor.
//!
//! ```text
//! upon event ⟨Init⟩ do delivered := ∅; correct := Π; sentto := [⊥]
//! function next(m) is the first q after self on the ring with q ∈ correct, before origin(m)
//! procedure forward(m) is sentto[m] := next(m); if sentto[m] ≠ ⊥ then send [DATA, m] to it
//! upon event ⟨Broadcast | m⟩ do delivered ∪= {m}; trigger ⟨Deliver | self, m⟩; forward(m)
//! upon event ⟨pl, Deliver | p, [DATA, m]⟩ do
//!     if m ∉ delivered then delivered ∪= {m}; trigger ⟨Deliver | origin(m), m⟩; forward(m)
//! upon event ⟨P, Crash | p⟩ do                                       -- fixed version only
//!     correct := correct \ {p}; forall m with sentto[m] = p do forward(m)
//! ```
//!
//! The homework's economy is a property of this crate's own, **HW1 one message per
//! process**, checked beside the catalogue's RB1–RB4.

use broadcheck::prelude::*;

/// The homework's economy requirement, as a property of this algorithm.
pub const HW1: PropMeta = PropMeta {
    id: "HW1",
    aliases: &[],
    name: "HW1 one message per process",
    witness: "",
    kind: Kind::Safety,
    about: "In a fault-free run, each process sends each broadcast message at most once.",
    needs_detector: false,
};

/// The relay ring; `fixed` says whether it reacts to crashes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ring {
    pub fixed: bool,
}

/// What a process remembers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct RingState {
    pub delivered: MSet,
    pub correct: PSet,
    /// `sentto[m]`: (m, the successor m was last sent to), sorted by m.
    pub sentto: Vec<(MsgId, Pid)>,
    /// How often this process sent some message more than once (for HW1).
    pub resent: u8,
}

impl Ring {
    /// `next(m)`: the first process after `me` on the ring not known to have crashed, before
    /// the origin of m (the ring ends there).
    fn next(env: &Env, me: Pid, st: &RingState, m: MsgId) -> Option<Pid> {
        (1..env.n)
            .map(|i| (me + i) % env.n)
            .take_while(|&q| q != m.origin)
            .find(|&q| st.correct.contains(q))
    }

    /// `forward(m)`.
    fn forward(env: &Env, me: Pid, st: &mut RingState, m: MsgId, out: &mut Out<Data>) {
        let before = st.sentto.len();
        st.sentto.retain(|(x, _)| *x != m);
        if st.sentto.len() < before {
            st.resent = st.resent.saturating_add(1);
        }
        if let Some(q) = Self::next(env, me, st, m) {
            st.sentto.push((m, q));
            st.sentto.sort_unstable();
            out.send(q, Data(m));
        }
    }
}

impl Protocol for Ring {
    type State = RingState;
    type Msg = Data;

    // upon event ⟨Init⟩ do delivered := ∅; correct := Π; sentto := [⊥]
    fn init(&self, env: &Env, _me: Pid) -> RingState {
        RingState {
            delivered: MSet::EMPTY,
            correct: PSet::all(env.n),
            sentto: Vec::new(),
            resent: 0,
        }
    }

    // upon event ⟨Broadcast | m⟩ do delivered ∪= {m}; trigger ⟨Deliver | self, m⟩; forward(m)
    fn on_broadcast(&self, env: &Env, me: Pid, st: &mut RingState, m: MsgId, out: &mut Out<Data>) {
        st.delivered.insert(m);
        out.deliver(m);
        Self::forward(env, me, st, m, out);
    }

    // upon event ⟨pl, Deliver | p, [DATA, m]⟩ do
    //     if m ∉ delivered then delivered ∪= {m}; trigger ⟨Deliver | origin(m), m⟩; forward(m)
    fn on_receive(
        &self,
        env: &Env,
        me: Pid,
        st: &mut RingState,
        _from: Pid,
        msg: &Data,
        out: &mut Out<Data>,
    ) {
        let Data(m) = *msg;
        if st.delivered.insert(m) {
            out.deliver(m);
            Self::forward(env, me, st, m, out);
        }
    }

    // upon event ⟨P, Crash | p⟩ do correct := correct \ {p}; forall m with sentto[m] = p do forward(m)
    fn on_crash(&self, env: &Env, me: Pid, st: &mut RingState, p: Pid, out: &mut Out<Data>) {
        if !self.fixed {
            return; // the first version ignores the detector: the ring breaks at a crash
        }
        st.correct.remove(p);
        let redo: Vec<MsgId> = st
            .sentto
            .iter()
            .filter(|(_, q)| *q == p)
            .map(|(m, _)| *m)
            .collect();
        for m in redo {
            Self::forward(env, me, st, m, out);
        }
    }

    fn uses_detector(&self) -> bool {
        true
    }

    /// HW1, read from the processes' own bookkeeping: in a run where nobody crashed, no
    /// process sent a message twice.
    fn extra_properties() -> Vec<PropDef<System<Ring>>> {
        vec![PropDef {
            meta: &HW1,
            check: |_, s| {
                if !s.hist.crashed.is_empty() {
                    return None; // not a fault-free run
                }
                s.procs.iter().enumerate().find_map(|(p, st)| {
                    (st.resent > 0)
                        .then(|| format!("fault-free run, but p{p} sent a message twice"))
                })
            },
            witness: None,
        }]
    }
}

const VERSION: ParamSpec = ParamSpec {
    key: "version",
    default: "fixed",
    values: &["first", "fixed"],
    help: "first = ignores crashes (the ring breaks); fixed = forwards again when the successor crashes",
};

pub static RING: Entry<Ring> = Entry {
    info: ModelInfo {
        name: "ring-rb",
        title: "Fail-stop relay ring (Homework 1, written in a user's crate)",
        source: "seed notes 001, Homework 1",
        fault_model: "fail-stop (perfect failure detector)",
        tolerance: "any f, with a perfect failure detector",
        tolerates: |_| true,
        claims: &[&props::RB1, &props::RB2, &props::RB3, &props::RB4, &HW1],
        params: &[VERSION],
        uses_detector: true,
        default_n: 3,
    },
    build: |p: &Params| {
        Ok(Ring {
            fixed: p.get("version") == "fixed",
        })
    },
};

fn main() {
    std::process::exit(main_with(Registry::builtin().with(&RING)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(n: u8) -> Env {
        Env {
            n,
            f: 0,
            quota: vec![1; n as usize],
        }
    }

    /// The ring goes forward from the origin and stops before it.
    #[test]
    fn forwards_to_the_successor_and_stops_at_the_origin() {
        let ring = Ring { fixed: true };
        let e = env(3);
        let m = MsgId { origin: 1, seq: 0 };
        let mut st = ring.init(&e, 2);
        let mut out = Out::default();
        ring.on_receive(&e, 2, &mut st, 1, &Data(m), &mut out);
        assert_eq!(out.sends(), &[(0, Data(m))]);
        let mut st0 = ring.init(&e, 0);
        let mut out0 = Out::default();
        ring.on_receive(&e, 0, &mut st0, 2, &Data(m), &mut out0);
        assert!(
            out0.sends().is_empty(),
            "p0 is the last before the origin p1"
        );
        assert_eq!(out0.delivers(), &[m]);
    }

    /// Only the fixed version forwards again when its successor crashes.
    #[test]
    fn only_the_fixed_version_repairs_the_ring() {
        let e = env(3);
        let m = MsgId { origin: 0, seq: 0 };
        for (fixed, resends) in [(false, 0), (true, 1)] {
            let ring = Ring { fixed };
            let mut st = ring.init(&e, 0);
            let mut out = Out::default();
            ring.on_broadcast(&e, 0, &mut st, m, &mut out);
            let mut again = Out::default();
            ring.on_crash(&e, 0, &mut st, 1, &mut again);
            assert_eq!(again.sends().len(), resends, "fixed = {fixed}");
        }
    }
}
