//! Agreement properties (Lamport–Shostak–Pease 1982; CGR ch. 5), over the decisions the
//! synchronous-rounds runtime records; [`disagreement`] serves asynchronous consensus too.

use crate::engine::property::{Kind, PropDef, PropMeta};
use crate::runtime::bits::PSet;
use crate::runtime::protocol::Pid;
use crate::runtime::rounds::{RState, RoundProtocol, Rounds, Val};

// ---------------------------------------------------------------------------------------------
// Agreement properties (Lamport-Shostak-Pease 1982; CGR ch. 5), over the decisions recorded by
// the synchronous-rounds runtime. Process p0 is the commander of the generals problems.

pub const IC1: PropMeta = PropMeta {
    id: "IC1",
    aliases: &[],
    name: "IC1 agreement",
    witness: "",
    kind: Kind::Safety,
    about: "All loyal lieutenants obey the same order (decide the same value).",
    needs_detector: false,
};
pub const IC2: PropMeta = PropMeta {
    id: "IC2",
    aliases: &[],
    name: "IC2 validity",
    witness: "",
    kind: Kind::Safety,
    about:
        "If the commanding general is loyal, then every loyal lieutenant obeys the order he sends.",
    needs_detector: false,
};
pub const TERM: PropMeta = PropMeta {
    id: "TERM",
    aliases: &[],
    name: "TERM termination",
    witness: "TERM termination (witness)",
    kind: Kind::Liveness,
    about: "Every loyal lieutenant eventually decides.",
    needs_detector: false,
};
pub const C1: PropMeta = PropMeta {
    id: "C1",
    aliases: &[],
    name: "C1 termination",
    witness: "C1 termination (witness)",
    kind: Kind::Liveness,
    about: "Every correct process eventually decides some value.",
    needs_detector: false,
};
pub const C2: PropMeta = PropMeta {
    id: "C2",
    aliases: &[],
    name: "C2 validity",
    witness: "",
    kind: Kind::Safety,
    about: "If a process decides v, then v was proposed by some process.",
    needs_detector: false,
};
pub const C3: PropMeta = PropMeta {
    id: "C3",
    aliases: &[],
    name: "C3 integrity",
    witness: "",
    kind: Kind::Safety,
    about: "No process decides twice.",
    needs_detector: false,
};
pub const C4: PropMeta = PropMeta {
    id: "C4",
    aliases: &[],
    name: "C4 agreement",
    witness: "",
    kind: Kind::Safety,
    about: "No two correct processes decide differently.",
    needs_detector: false,
};

pub const UC4: PropMeta = PropMeta {
    id: "UC4",
    aliases: &[],
    name: "UC4 uniform agreement",
    witness: "",
    kind: Kind::Safety,
    about: "No two processes decide differently.",
    needs_detector: false,
};

/// The first two processes of `who` that decided differently, in words (`decision` reads a
/// process's decision, `name` shows a value): the check of C4, UC4 and IC1 in any runtime.
pub fn disagreement(
    who: PSet,
    decision: impl Fn(Pid) -> Option<Val>,
    name: impl Fn(Val) -> String,
    role: &str,
) -> Option<String> {
    let decided: Vec<(Pid, Val)> = who
        .iter()
        .filter_map(|p| decision(p).map(|v| (p, v)))
        .collect();
    let (p, v) = *decided.first()?;
    decided.iter().find(|(_, w)| *w != v).map(|(q, w)| {
        format!(
            "{role} p{p} decided {} but {role} p{q} decided {}",
            name(v),
            name(*w)
        )
    })
}

/// Every agreement property, in report order.
pub const AGREEMENT_CATALOGUE: &[&PropMeta] = &[&IC1, &IC2, &TERM, &C1, &C2, &C3, &C4];

/// Loyal lieutenants: correct processes other than the commander p0.
fn loyal_lieutenants<P: RoundProtocol>(m: &Rounds<P>, s: &RState<P>) -> PSet {
    let mut c = m.correct(s);
    c.remove(0);
    c
}

fn first_disagreement<P: RoundProtocol>(
    m: &Rounds<P>,
    s: &RState<P>,
    who: PSet,
    role: &str,
) -> Option<String> {
    disagreement(
        who,
        |p| s.decision[p as usize],
        |v| m.env.name(v).to_string(),
        role,
    )
}

fn undecided<P: RoundProtocol>(
    m: &Rounds<P>,
    s: &RState<P>,
    who: PSet,
    role: &str,
) -> Option<String> {
    who.iter()
        .find(|p| s.decision[*p as usize].is_none())
        .map(|p| {
            format!(
                "the run is over and {role} p{p} never decides: {}",
                m.proto.explain(&m.env, p, &s.procs[p as usize])
            )
        })
}

/// The agreement catalogue bound to a round-based model.
pub fn agreement_catalogue<P: RoundProtocol>() -> Vec<PropDef<Rounds<P>>> {
    vec![
        PropDef {
            meta: &IC1,
            check: |m, s| first_disagreement(m, s, loyal_lieutenants(m, s), "loyal lieutenant"),
            witness: None,
        },
        PropDef {
            meta: &IC2,
            check: |m, s| {
                if s.faulty.contains(0) {
                    return None;
                }
                let order = s.inputs[0]?;
                loyal_lieutenants(m, s).iter().find_map(|p| match s.decision[p as usize] {
                    Some(v) if v != order => Some(format!(
                        "the commander p0 is loyal and ordered {}, but loyal lieutenant p{p} decided {}",
                        m.env.name(order),
                        m.env.name(v)
                    )),
                    _ => None,
                })
            },
            witness: None,
        },
        PropDef {
            meta: &TERM,
            check: |m, s| undecided(m, s, loyal_lieutenants(m, s), "loyal lieutenant"),
            witness: Some(|m, s| {
                let l = loyal_lieutenants(m, s);
                !l.is_empty() && l.iter().all(|p| s.decision[p as usize].is_some())
            }),
        },
        PropDef {
            meta: &C1,
            check: |m, s| undecided(m, s, m.correct(s), "correct"),
            witness: Some(|m, s| {
                let c = m.correct(s);
                !c.is_empty() && c.iter().all(|p| s.decision[p as usize].is_some())
            }),
        },
        PropDef {
            meta: &C2,
            check: |m, s| {
                m.env.procs().find_map(|p| {
                    let v = s.decision[p as usize]?;
                    (!s.inputs.contains(&Some(v))).then(|| {
                        format!("p{p} decided {}, which no process proposed", m.env.name(v))
                    })
                })
            },
            witness: None,
        },
        PropDef {
            meta: &C3,
            check: |_, s| {
                s.decided_twice
                    .iter()
                    .next()
                    .map(|p| format!("p{p} decided twice"))
            },
            witness: None,
        },
        PropDef {
            meta: &C4,
            check: |m, s| {
                if !m.done(s) {
                    return None; // who is correct is only known once the run is over
                }
                first_disagreement(m, s, m.correct(s), "correct")
            },
            witness: None,
        },
    ]
}
