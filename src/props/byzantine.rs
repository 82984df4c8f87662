//! Byzantine broadcast properties (Cachin–Guerraoui–Rodrigues 2011, Modules 3.11 and 3.12),
//! over the ghost history. One broadcast instance per sender: the value a process delivers for
//! sender `s` is the message id `m s.k` it delivers (a Byzantine sender may make different
//! processes deliver different ids of its instance: that is equivocation).

use crate::engine::property::{Kind, PropDef, PropMeta};
use crate::runtime::history::History;
use crate::runtime::protocol::Protocol;
use crate::runtime::system::System;

pub const BCB1: PropMeta = PropMeta {
    id: "BCB1",
    aliases: &[],
    name: "BCB1 validity",
    witness: "BCB1 validity (witness)",
    kind: Kind::Liveness,
    about: "If a correct process p broadcasts a message m, then every correct process eventually delivers m.",
    needs_detector: false,
};
pub const BCB2: PropMeta = PropMeta {
    id: "BCB2",
    aliases: &[],
    name: "BCB2 no duplication",
    witness: "",
    kind: Kind::Safety,
    about: "Every correct process delivers at most one message (per sender).",
    needs_detector: false,
};
pub const BCB3: PropMeta = PropMeta {
    id: "BCB3",
    aliases: &[],
    name: "BCB3 integrity",
    witness: "",
    kind: Kind::Safety,
    about: "If some correct process delivers a message m with sender p and process p is correct, then m was previously broadcast by p.",
    needs_detector: false,
};
pub const BCB4: PropMeta = PropMeta {
    id: "BCB4",
    aliases: &[],
    name: "BCB4 consistency",
    witness: "",
    kind: Kind::Safety,
    about: "If some correct process delivers a message m and another correct process delivers a message m' (from the same sender), then m = m'.",
    needs_detector: false,
};

/// BCB1 (the same predicate as BEB1).
pub fn bcb1(n: u8, h: &History) -> Option<String> {
    crate::props::beb1(n, h)
}

/// BCB2: no correct process delivers two messages of one sender (or one twice).
pub fn bcb2(n: u8, h: &History) -> Option<String> {
    let correct = h.correct(n);
    h.log.iter().enumerate().find_map(|(p, log)| {
        if !correct.contains(p as u8) {
            return None;
        }
        log.iter().enumerate().find_map(|(i, m)| {
            log[..i].iter().find(|x| x.origin == m.origin).map(|x| {
                format!(
                    "correct p{p} delivered {x} and then {m}, two messages of sender p{}",
                    m.origin
                )
            })
        })
    })
}

/// BCB3: what a correct process delivers from a correct sender, that sender broadcast.
pub fn bcb3(n: u8, h: &History) -> Option<String> {
    let correct = h.correct(n);
    h.log.iter().enumerate().find_map(|(p, log)| {
        if !correct.contains(p as u8) {
            return None;
        }
        log.iter()
            .find(|m| correct.contains(m.origin) && !h.broadcast.contains(**m))
            .map(|m| {
                format!(
                    "correct p{p} delivered {m}, which correct p{} never broadcast",
                    m.origin
                )
            })
    })
}

/// BCB4: correct processes that deliver from one sender deliver the same message.
pub fn bcb4(n: u8, h: &History) -> Option<String> {
    let correct: Vec<u8> = h.correct(n).iter().collect();
    for (i, &p) in correct.iter().enumerate() {
        for &q in &correct[i + 1..] {
            for m in h.log[p as usize].iter() {
                if let Some(w) = h.log[q as usize]
                    .iter()
                    .find(|w| w.origin == m.origin && *w != m)
                {
                    return Some(format!(
                        "correct p{p} delivered {m} but correct p{q} delivered {w}: p{} made them deliver different messages",
                        m.origin
                    ));
                }
            }
        }
    }
    None
}

/// The Byzantine consistent broadcast properties, bound to an asynchronous model.
pub fn consistent_catalogue<P: Protocol>() -> Vec<PropDef<System<P>>> {
    vec![
        PropDef {
            meta: &BCB1,
            check: |m, s| bcb1(m.env.n, &s.hist),
            witness: Some(|m, s| {
                let correct = s.hist.correct(m.env.n);
                s.hist.broadcast.iter().any(|x| correct.contains(x.origin))
                    && bcb1(m.env.n, &s.hist).is_none()
            }),
        },
        PropDef {
            meta: &BCB2,
            check: |m, s| bcb2(m.env.n, &s.hist),
            witness: None,
        },
        PropDef {
            meta: &BCB3,
            check: |m, s| bcb3(m.env.n, &s.hist),
            witness: None,
        },
        PropDef {
            meta: &BCB4,
            check: |m, s| bcb4(m.env.n, &s.hist),
            witness: None,
        },
    ]
}

pub const BRB1: PropMeta = PropMeta {
    id: "BRB1",
    aliases: &[],
    name: "BRB1 validity",
    witness: "BRB1 validity (witness)",
    kind: Kind::Liveness,
    about: "If a correct process p broadcasts a message m, then every correct process eventually delivers m.",
    needs_detector: false,
};
pub const BRB2: PropMeta = PropMeta {
    id: "BRB2",
    aliases: &[],
    name: "BRB2 no duplication",
    witness: "",
    kind: Kind::Safety,
    about: "Every correct process delivers at most one message (per sender).",
    needs_detector: false,
};
pub const BRB3: PropMeta = PropMeta {
    id: "BRB3",
    aliases: &[],
    name: "BRB3 integrity",
    witness: "",
    kind: Kind::Safety,
    about: "If some correct process delivers a message m with sender p and process p is correct, then m was previously broadcast by p.",
    needs_detector: false,
};
pub const BRB4: PropMeta = PropMeta {
    id: "BRB4",
    aliases: &[],
    name: "BRB4 consistency",
    witness: "",
    kind: Kind::Safety,
    about: "If some correct process delivers a message m and another correct process delivers a message m' (from the same sender), then m = m'.",
    needs_detector: false,
};
pub const BRB5: PropMeta = PropMeta {
    id: "BRB5",
    aliases: &[],
    name: "BRB5 totality",
    witness: "BRB5 totality (witness)",
    kind: Kind::Liveness,
    about: "If some message is delivered by any correct process, every correct process eventually delivers a message (from the same sender).",
    needs_detector: false,
};

/// BRB5: once a correct process delivers from sender s, every correct process does.
pub fn brb5(n: u8, h: &History) -> Option<String> {
    let correct = h.correct(n);
    for p in correct.iter() {
        for m in h.log[p as usize].iter() {
            if let Some(q) = correct
                .iter()
                .find(|&q| !h.log[q as usize].iter().any(|w| w.origin == m.origin))
            {
                return Some(format!(
                    "correct p{p} delivered {m}, but correct p{q} never delivers any message of sender p{}",
                    m.origin
                ));
            }
        }
    }
    None
}

/// The Byzantine reliable broadcast properties: BCB's four under BRB's names, and totality.
pub fn reliable_catalogue<P: Protocol>() -> Vec<PropDef<System<P>>> {
    let mut defs: Vec<PropDef<System<P>>> = consistent_catalogue::<P>()
        .into_iter()
        .zip([&BRB1, &BRB2, &BRB3, &BRB4])
        .map(|(mut d, meta)| {
            d.meta = meta;
            d
        })
        .collect();
    defs.push(PropDef {
        meta: &BRB5,
        check: |m, s| brb5(m.env.n, &s.hist),
        witness: Some(|m, s| {
            let correct = s.hist.correct(m.env.n);
            correct.iter().any(|p| !s.hist.log[p as usize].is_empty())
                && brb5(m.env.n, &s.hist).is_none()
        }),
    });
    defs
}
