//! Broadcast properties (Cachin–Guerraoui–Rodrigues ch. 3 and the seeds' course notes): each
//! a predicate over the ghost [`History`] only, so any broadcast model can be checked against
//! any of them.

use crate::engine::property::{Kind, PropDef, PropMeta};
use crate::runtime::bits::MSet;
use crate::runtime::bits::PSet;
use crate::runtime::history::History;
use crate::runtime::protocol::{MsgId, Pid, Protocol};
use crate::runtime::system::System;

pub const BEB1: PropMeta = PropMeta {
    id: "BEB1",
    aliases: &[],
    name: "BEB1 validity",
    witness: "BEB1 validity (witness)",
    kind: Kind::Liveness,
    about: "If a correct process broadcasts m, then every correct process eventually delivers m.",
    needs_detector: false,
};
pub const RB1: PropMeta = PropMeta {
    id: "RB1",
    aliases: &["URB1"],
    name: "RB1 validity",
    witness: "RB1 validity (witness)",
    kind: Kind::Liveness,
    about: "If a correct process p broadcasts m, then p eventually delivers m.",
    needs_detector: false,
};
pub const RB2: PropMeta = PropMeta {
    id: "RB2",
    aliases: &["BEB2", "URB2"],
    name: "BEB2/RB2 no duplication",
    witness: "",
    kind: Kind::Safety,
    about: "No message is delivered more than once.",
    needs_detector: false,
};
pub const RB3: PropMeta = PropMeta {
    id: "RB3",
    aliases: &["BEB3", "URB3"],
    name: "BEB3/RB3 no creation",
    witness: "",
    kind: Kind::Safety,
    about: "If a process delivers m with sender s, then m was previously broadcast by s.",
    needs_detector: false,
};
pub const RB4: PropMeta = PropMeta {
    id: "RB4",
    aliases: &[],
    name: "RB4 agreement",
    witness: "RB4 agreement (witness)",
    kind: Kind::Liveness,
    about: "If a message m is delivered by some correct process, then m is eventually delivered by every correct process.",
    needs_detector: false,
};
pub const URB4: PropMeta = PropMeta {
    id: "URB4",
    aliases: &[],
    name: "URB4 uniform agreement",
    witness: "URB4 uniform agreement (witness)",
    kind: Kind::Liveness,
    about: "If a message m is delivered by some process (correct or faulty), then m is eventually delivered by every correct process.",
    needs_detector: false,
};
pub const PFD1: PropMeta = PropMeta {
    id: "PFD1",
    aliases: &[],
    name: "PFD1 strong completeness",
    witness: "PFD1 strong completeness (witness)",
    kind: Kind::Liveness,
    about:
        "Eventually, every process that crashes is permanently detected by every correct process.",
    needs_detector: true,
};
pub const PFD2: PropMeta = PropMeta {
    id: "PFD2",
    aliases: &[],
    name: "PFD2 strong accuracy",
    witness: "",
    kind: Kind::Safety,
    about: "If a process p is detected by any process, then p has crashed.",
    needs_detector: true,
};

pub const FRB5: PropMeta = PropMeta {
    id: "FRB5",
    aliases: &[],
    name: "FRB5 FIFO delivery",
    witness: "",
    kind: Kind::Safety,
    about: "If some process broadcasts m1 before it broadcasts m2, then no process delivers m2 unless it has already delivered m1.",
    needs_detector: false,
};
pub const CRB5: PropMeta = PropMeta {
    id: "CRB5",
    aliases: &[],
    name: "CRB5 causal delivery",
    witness: "",
    kind: Kind::Safety,
    about: "For any message m1 that potentially caused m2 (m1 → m2), no process delivers m2 unless it has already delivered m1.",
    needs_detector: false,
};
pub const TOB5: PropMeta = PropMeta {
    id: "TOB5",
    aliases: &[],
    name: "TOB5 total order",
    witness: "",
    kind: Kind::Safety,
    about: "If two processes both deliver m1 and m2, they deliver them in the same order (checked on every process, crashed ones included: the uniform version).",
    needs_detector: false,
};
pub const FTOB5: PropMeta = PropMeta {
    id: "FTOB5",
    aliases: &["FIFO-TOB"],
    name: "FTOB5 FIFO-total order",
    witness: "",
    kind: Kind::Safety,
    about: "FRB5 FIFO delivery and TOB5 total order together.",
    needs_detector: false,
};

/// Every property of the broadcast catalogue, in report order.
pub const PRB1: PropMeta = PropMeta {
    id: "PRB1",
    aliases: &[],
    name: "PRB1 validity",
    witness: "PRB1 validity (witness)",
    kind: Kind::Liveness,
    about: "If a correct process p broadcasts m, then p eventually delivers m (probabilistic reliable broadcast, seed 001).",
    needs_detector: false,
};
pub const PRB2: PropMeta = PropMeta {
    id: "PRB2",
    aliases: &["PB2"],
    name: "PRB2 no duplication",
    witness: "",
    kind: Kind::Safety,
    about: "No message is delivered more than once.",
    needs_detector: false,
};
pub const PRB3: PropMeta = PropMeta {
    id: "PRB3",
    aliases: &["PB3"],
    name: "PRB3 no creation",
    witness: "",
    kind: Kind::Safety,
    about: "If a process delivers m with sender s, then m was previously broadcast by s.",
    needs_detector: false,
};
pub const PRB4: PropMeta = PropMeta {
    id: "PRB4",
    aliases: &["PB1"],
    name: "PRB4 probabilistic agreement",
    witness: "PRB4 probabilistic agreement (witness)",
    kind: Kind::Liveness,
    about: "If a message m is delivered by some correct process, then m is eventually delivered by every correct process — only with high probability: the checker finds the runs where it fails, and 'broadcheck prob' computes how likely it is to hold.",
    needs_detector: false,
};

pub const BROADCAST_CATALOGUE: &[&PropMeta] = &[
    &BEB1, &RB1, &RB2, &RB3, &RB4, &URB4, &PFD1, &PFD2, &FRB5, &CRB5, &TOB5, &FTOB5, &PRB1, &PRB2,
    &PRB3, &PRB4,
];

/// The properties whose predicates read only *which* messages each process delivered and how
/// often, never in which order: with only these checked, the runtime may keep delivery logs
/// sorted (a state merge that none of them can tell apart).
pub fn order_blind(meta: &PropMeta) -> bool {
    const BLIND: &[&PropMeta] = &[
        &BEB1, &RB1, &RB2, &RB3, &RB4, &URB4, &PFD1, &PFD2, &PRB1, &PRB2, &PRB3, &PRB4,
    ];
    BLIND.iter().any(|b| b.id == meta.id)
}

// ---------------------------------------------------------------------------------------------
// Generic predicates over the ghost history. `None` = holds; `Some(why)` = violated.

/// BEB1: every message broadcast by a correct process is delivered by every correct process.
pub fn beb1(n: u8, h: &History) -> Option<String> {
    let correct = h.correct(n);
    for m in h.broadcast.iter().filter(|m| correct.contains(m.origin)) {
        if let Some(q) = correct.iter().find(|&q| !h.delivered(q, m)) {
            return Some(format!(
                "correct p{} broadcast {m}, but correct p{q} never delivers it",
                m.origin
            ));
        }
    }
    None
}

/// RB1: every message broadcast by a correct process is delivered by that process.
pub fn rb1(n: u8, h: &History) -> Option<String> {
    let correct = h.correct(n);
    h.broadcast
        .iter()
        .find(|m| correct.contains(m.origin) && !h.delivered(m.origin, *m))
        .map(|m| {
            format!(
                "correct p{} broadcast {m} but never delivers it itself",
                m.origin
            )
        })
}

/// RB2: no process delivers a message twice.
pub fn no_duplication(h: &History) -> Option<String> {
    for (p, log) in h.log.iter().enumerate() {
        for (i, m) in log.iter().enumerate() {
            if log[..i].contains(m) {
                return Some(format!("p{p} delivered {m} twice"));
            }
        }
    }
    None
}

/// RB3: every delivered message was broadcast by its origin.
pub fn no_creation(h: &History) -> Option<String> {
    for (p, log) in h.log.iter().enumerate() {
        if let Some(m) = log.iter().find(|m| !h.broadcast.contains(**m)) {
            return Some(format!(
                "p{p} delivered {m}, which p{} never broadcast",
                m.origin
            ));
        }
    }
    None
}

fn agreement(n: u8, h: &History, uniform: bool) -> Option<String> {
    let correct = h.correct(n);
    let deliverers = if uniform { PSet::all(n) } else { correct };
    for m in h.delivered_by_any(deliverers).iter() {
        if let Some(q) = correct.iter().find(|&q| !h.delivered(q, m)) {
            let p: Pid = deliverers
                .iter()
                .find(|&p| h.delivered(p, m))
                .unwrap_or_default();
            let who = if correct.contains(p) {
                "correct"
            } else {
                "crashed"
            };
            return Some(format!(
                "{who} p{p} delivered {m}, but correct p{q} never delivers it"
            ));
        }
    }
    None
}

/// RB4: a message delivered by a correct process is delivered by every correct process.
pub fn rb4(n: u8, h: &History) -> Option<String> {
    agreement(n, h, false)
}

/// URB4: a message delivered by any process is delivered by every correct process.
pub fn urb4(n: u8, h: &History) -> Option<String> {
    agreement(n, h, true)
}

/// PFD1: every crashed process is reported to every correct process.
pub fn pfd1(n: u8, h: &History) -> Option<String> {
    let correct = h.correct(n);
    for p in correct.iter() {
        if let Some(q) = h
            .crashed
            .iter()
            .find(|&q| !h.suspects[p as usize].contains(q))
        {
            return Some(format!(
                "p{q} crashed, but the detector of correct p{p} never reports it"
            ));
        }
    }
    None
}

/// PFD2: only crashed processes are ever reported.
pub fn pfd2(h: &History) -> Option<String> {
    for (p, s) in h.suspects.iter().enumerate() {
        if let Some(q) = s.iter().find(|&q| !h.crashed.contains(q)) {
            return Some(format!(
                "the detector of p{p} reported p{q} as crashed, but p{q} is alive"
            ));
        }
    }
    None
}

/// The first delivery in some log of a message before one that must precede it.
/// `before(m2)` lists the messages that must be delivered before `m2`.
fn order_violation(
    h: &History,
    before: impl Fn(MsgId) -> MSet,
    relation: impl Fn(MsgId, MsgId) -> String,
) -> Option<String> {
    for (p, log) in h.log.iter().enumerate() {
        for (i, m2) in log.iter().enumerate() {
            let earlier = &log[..i];
            if let Some(m1) = before(*m2).iter().find(|m1| !earlier.contains(m1)) {
                let when = if log.contains(&m1) {
                    format!("delivers {m2} (delivery #{}) before {m1}", i + 1)
                } else {
                    format!(
                        "delivers {m2} (delivery #{}) without having delivered {m1}",
                        i + 1
                    )
                };
                return Some(format!("p{p} {when}, but {}", relation(m1, *m2)));
            }
        }
    }
    None
}

/// FRB5: each origin's messages are delivered in broadcast order.
pub fn fifo(h: &History) -> Option<String> {
    order_violation(
        h,
        |m2| {
            let mut s = MSet::EMPTY;
            for seq in 0..m2.seq {
                s.insert(MsgId {
                    origin: m2.origin,
                    seq,
                });
            }
            s
        },
        |m1, m2| format!("p{} broadcast {m1} before {m2}", m1.origin),
    )
}

/// CRB5: messages are delivered after their causal past.
pub fn causal(h: &History) -> Option<String> {
    if h.past.is_empty() {
        return None;
    }
    order_violation(
        h,
        |m2| h.past[m2.bit() as usize],
        |m1, m2| {
            let why = if m1.origin == m2.origin {
                format!("p{} broadcast {m1} before {m2}", m1.origin)
            } else if h.delivered(m2.origin, m1) {
                format!("p{} delivered {m1} before broadcasting {m2}", m2.origin)
            } else {
                format!("{m1} happened before {m2} (transitively)")
            };
            format!("{m1} → {m2}: {why}")
        },
    )
}

/// TOB5: any two processes deliver their common messages in the same order.
pub fn total_order(h: &History) -> Option<String> {
    let n = h.log.len();
    for p in 0..n {
        for q in p + 1..n {
            let (lp, lq) = (&h.log[p], &h.log[q]);
            for (i, a) in lp.iter().enumerate() {
                for b in &lp[i + 1..] {
                    let (ia, ib) = (
                        lq.iter().position(|x| x == a),
                        lq.iter().position(|x| x == b),
                    );
                    if let (Some(ia), Some(ib)) = (ia, ib) {
                        if ib < ia {
                            return Some(format!(
                                "p{p} delivers {a} before {b}, but p{q} delivers {b} before {a}"
                            ));
                        }
                    }
                }
            }
        }
    }
    None
}

fn some_correct_broadcast(n: u8, h: &History) -> bool {
    let correct = h.correct(n);
    h.broadcast.iter().any(|m| correct.contains(m.origin))
}

/// A catalogue predicate over a history alone (`n` processes): what a recorded run is judged
/// by ([`crate::actor::judge`]), the very functions the checker's properties call.
pub type HistoryPredicate = fn(u8, &History) -> Option<String>;

/// The history predicate of a catalogue property (`None` for a property that is not the
/// catalogue's, e.g. one reading an algorithm's local state). PRB1–PRB4 state the reliable
/// predicates; on one run, PRB4 says whether agreement held on that run (its probability is
/// `prob`'s).
pub fn history_predicate(meta: &PropMeta) -> Option<HistoryPredicate> {
    let table: &[(&PropMeta, HistoryPredicate)] = &[
        (&BEB1, beb1),
        (&RB1, rb1),
        (&RB2, |_, h| no_duplication(h)),
        (&RB3, |_, h| no_creation(h)),
        (&RB4, rb4),
        (&URB4, urb4),
        (&PFD1, pfd1),
        (&PFD2, |_, h| pfd2(h)),
        (&FRB5, |_, h| fifo(h)),
        (&CRB5, |_, h| causal(h)),
        (&TOB5, |_, h| total_order(h)),
        (&FTOB5, |_, h| fifo(h).or_else(|| total_order(h))),
        (&PRB1, rb1),
        (&PRB2, |_, h| no_duplication(h)),
        (&PRB3, |_, h| no_creation(h)),
        (&PRB4, rb4),
    ];
    table.iter().find(|(m, _)| m.id == meta.id).map(|(_, f)| *f)
}

/// The broadcast catalogue bound to a runtime model.
pub fn broadcast_catalogue<P: Protocol>() -> Vec<PropDef<System<P>>> {
    let mut defs = reliable_catalogue::<P>();
    // Probabilistic reliable broadcast states the same predicates; what differs is the claim
    // (PRB4 only with high probability) and how it is judged ([`crate::engine::prob`]).
    for (rb, prb) in [(&RB1, &PRB1), (&RB2, &PRB2), (&RB3, &PRB3), (&RB4, &PRB4)] {
        if let Some(d) = defs.iter().find(|d| d.meta.id == rb.id) {
            let mut d = d.clone();
            d.meta = prb;
            defs.push(d);
        }
    }
    defs
}

fn reliable_catalogue<P: Protocol>() -> Vec<PropDef<System<P>>> {
    vec![
        PropDef {
            meta: &BEB1,
            check: |m, s| beb1(m.env.n, &s.hist),
            witness: Some(|m, s| {
                some_correct_broadcast(m.env.n, &s.hist) && beb1(m.env.n, &s.hist).is_none()
            }),
        },
        PropDef {
            meta: &RB1,
            check: |m, s| rb1(m.env.n, &s.hist),
            witness: Some(|m, s| {
                some_correct_broadcast(m.env.n, &s.hist) && rb1(m.env.n, &s.hist).is_none()
            }),
        },
        PropDef {
            meta: &RB2,
            check: |_, s| no_duplication(&s.hist),
            witness: None,
        },
        PropDef {
            meta: &RB3,
            check: |_, s| no_creation(&s.hist),
            witness: None,
        },
        PropDef {
            meta: &RB4,
            check: |m, s| rb4(m.env.n, &s.hist),
            witness: Some(|m, s| {
                let h = &s.hist;
                !h.delivered_by_any(h.correct(m.env.n)).is_empty() && rb4(m.env.n, h).is_none()
            }),
        },
        PropDef {
            meta: &URB4,
            check: |m, s| urb4(m.env.n, &s.hist),
            witness: Some(|m, s| {
                let h = &s.hist;
                !h.delivered_by_any(PSet::all(m.env.n)).is_empty() && urb4(m.env.n, h).is_none()
            }),
        },
        PropDef {
            meta: &PFD1,
            check: |m, s| pfd1(m.env.n, &s.hist),
            witness: Some(|m, s| {
                let h = &s.hist;
                !h.crashed.is_empty()
                    && !h.correct(m.env.n).is_empty()
                    && pfd1(m.env.n, h).is_none()
            }),
        },
        PropDef {
            meta: &PFD2,
            check: |_, s| pfd2(&s.hist),
            witness: None,
        },
        PropDef {
            meta: &FRB5,
            check: |_, s| fifo(&s.hist),
            witness: None,
        },
        PropDef {
            meta: &CRB5,
            check: |_, s| causal(&s.hist),
            witness: None,
        },
        PropDef {
            meta: &TOB5,
            check: |_, s| total_order(&s.hist),
            witness: None,
        },
        PropDef {
            meta: &FTOB5,
            check: |_, s| fifo(&s.hist).or_else(|| total_order(&s.hist)),
            witness: None,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::protocol::MsgId;

    fn m(o: u8) -> MsgId {
        MsgId { origin: o, seq: 0 }
    }

    #[test]
    fn names_match_ids_aliases_and_short_names() {
        assert!(RB2.matches("BEB2"));
        assert!(RB2.matches("rb2"));
        assert!(RB2.matches("no duplication"));
        assert!(RB4.matches("RB4 agreement"));
        assert!(!RB4.matches("URB4"));
        assert!(RB4.matches_witness("RB4 witness"));
        assert!(RB4.matches_witness("RB4 agreement (witness)"));
        assert!(!RB2.matches_witness("RB2 witness"));
    }

    #[test]
    fn agreement_distinguishes_uniform() {
        let mut h = History::new(3, false);
        h.broadcast.insert(m(0));
        h.crashed.insert(0);
        h.log.push(0, m(0), false);
        // Only the crashed sender delivered: fine for RB4, not for URB4.
        assert_eq!(rb4(3, &h), None);
        assert_eq!(
            urb4(3, &h).as_deref(),
            Some("crashed p0 delivered m0.1, but correct p1 never delivers it")
        );
        h.log.push(1, m(0), false);
        assert_eq!(
            rb4(3, &h).as_deref(),
            Some("correct p1 delivered m0.1, but correct p2 never delivers it")
        );
    }

    #[test]
    fn safety_predicates() {
        let mut h = History::new(2, true);
        h.log.push(1, m(0), false);
        assert!(no_creation(&h).is_some());
        h.broadcast.insert(m(0));
        assert!(no_creation(&h).is_none());
        h.log.push(1, m(0), false);
        assert_eq!(
            no_duplication(&h).as_deref(),
            Some("p1 delivered m0.1 twice")
        );
        h.suspects[0].insert(1);
        assert!(pfd2(&h).is_some());
        h.crashed.insert(1);
        assert!(pfd2(&h).is_none());
        assert!(pfd1(2, &h).is_none());
    }
}
