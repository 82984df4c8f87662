//! # Delivery semantics: at-most-once, at-least-once, exactly-once
//!
//! Seed notes 003 (Kleppmann's lecture): "keep retrying until you get an ack"; "reliable =
//! at-least-once delivery (so it needs to be idempotent)"; "at-most-once: send once, don't
//! retry"; "exactly once = at-least-once plus server-side de-duplication". An idempotent
//! operation is `write x = 2`; a non-idempotent one is `increment x`.
//!
//! ```text
//! client:  upon invoke do  send [REQ, op] to server                     (all three)
//!          upon timeout and no [ACK] yet do  send [REQ, op] again        (at-least / exactly)
//!          upon [ACK] do  done
//! server:  upon [REQ, op] do
//!              if exactly-once and op ∈ seen then skip applying         (de-duplication)
//!              else apply op;  seen := seen ∪ {op}
//!              send [ACK] to client
//! ```
//!
//! The network may lose any request or acknowledgement (fair loss), with at most two copies of
//! each in flight. Properties (model-specific):
//! - **DS1 applied**: the operation is eventually applied (liveness, fair-cycle method);
//! - **DS2 at most once**: it is never applied twice (safety);
//! - **DS3 correct result**: the server's x is one the client can expect: 0 or 1 for
//!   `increment`, 0 or 2 for `write x = 2` (safety).
//!
//! Fairness (`fairness=off` drops it): weak fairness on the first send and on the client's
//! retry timer; strong fairness on the delivery of requests and of acknowledgements (fair
//! loss). What the checker shows:
//! - at-most-once over a lossy link violates DS1 (the request is lost and never retried);
//! - at-least-once applies an increment twice when an ack is lost or the retry timer fires
//!   before the ack is back (DS2 and DS3 fail; the shortest trace is the early retry), while
//!   the idempotent write is fine (DS3 holds, DS2 still fails);
//! - exactly-once holds DS1–DS3 under fairness, and loses DS1 to a lasso without it.

use crate::engine::chart::Event;
use crate::engine::liveness::{FairClass, Fairness, Temporal};
use crate::engine::property::{Kind, PropDef, PropMeta};
use crate::engine::spec::Step;
use crate::error::{Error, Result};
use crate::models::entry::{FairEntry, ModelInfo};
use crate::models::params::{ParamSpec, Params};
use crate::runtime::fair::{FairProtocol, FairSystem};
use std::fmt;

/// Which delivery semantics.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Semantics {
    AtMostOnce,
    AtLeastOnce,
    ExactlyOnce,
}

/// The client's operation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Op {
    Increment,
    Write2,
}

/// A delivery-semantics model.
#[derive(Debug)]
pub struct Delivery {
    pub sem: Semantics,
    pub op: Op,
}

/// Client, network and server.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct DState {
    pub sent: bool,
    pub acked: bool,
    /// Requests and acknowledgements in flight (at most 2 each).
    pub req: u8,
    pub ack: u8,
    /// Times the server applied the operation (saturates at 2), its de-duplication memory, x.
    pub applied: u8,
    pub seen: bool,
    pub x: u8,
}

impl fmt::Debug for DState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "client: sent={} acked={}; in flight: {} REQ, {} ACK; server: applied {}x, x = {}",
            self.sent, self.acked, self.req, self.ack, self.applied, self.x
        )
    }
}

/// A step.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum DAction {
    Send,
    Retry,
    DeliverReq,
    LoseReq,
    DeliverAck,
    LoseAck,
}

pub const DS1: PropMeta = PropMeta {
    id: "DS1",
    aliases: &[],
    name: "DS1 applied",
    witness: "",
    kind: Kind::Liveness,
    about: "The client's operation is eventually applied by the server.",
    needs_detector: false,
};
pub const DS2: PropMeta = PropMeta {
    id: "DS2",
    aliases: &[],
    name: "DS2 at most once",
    witness: "",
    kind: Kind::Safety,
    about: "The operation is never applied more than once.",
    needs_detector: false,
};
pub const DS3: PropMeta = PropMeta {
    id: "DS3",
    aliases: &[],
    name: "DS3 correct result",
    witness: "",
    kind: Kind::Safety,
    about: "The server's value is one a single application can produce (0/1 for increment, 0/2 for write x=2).",
    needs_detector: false,
};

impl FairProtocol for Delivery {
    type State = DState;
    type Action = DAction;

    fn init(&self) -> DState {
        DState {
            sent: false,
            acked: false,
            req: 0,
            ack: 0,
            applied: 0,
            seen: false,
            x: 0,
        }
    }

    fn actions(&self, s: &DState, out: &mut Vec<DAction>) {
        if !s.sent {
            out.push(DAction::Send);
        } else if !s.acked && self.sem != Semantics::AtMostOnce {
            out.push(DAction::Retry);
        }
        if s.req > 0 {
            out.push(DAction::DeliverReq);
            out.push(DAction::LoseReq);
        }
        if s.ack > 0 {
            out.push(DAction::DeliverAck);
            out.push(DAction::LoseAck);
        }
    }

    fn step(&self, s: &DState, a: &DAction) -> DState {
        let mut t = s.clone();
        match a {
            // client: upon invoke
            DAction::Send => {
                t.sent = true;
                t.req = (t.req + 1).min(2);
            }
            // client: upon timeout and no ACK yet
            DAction::Retry => t.req = (t.req + 1).min(2),
            // server: upon [REQ, op]
            DAction::DeliverReq => {
                t.req -= 1;
                let skip = self.sem == Semantics::ExactlyOnce && t.seen;
                if !skip {
                    t.applied = (t.applied + 1).min(2);
                    t.x = match self.op {
                        Op::Increment => (t.x + 1).min(2),
                        Op::Write2 => 2,
                    };
                }
                t.seen = true;
                t.ack = (t.ack + 1).min(2);
            }
            DAction::LoseReq => t.req -= 1,
            // client: upon [ACK]
            DAction::DeliverAck => {
                t.ack -= 1;
                t.acked = true;
            }
            DAction::LoseAck => t.ack -= 1,
        }
        t
    }

    fn catalogue() -> Vec<PropDef<FairSystem<Self>>> {
        vec![
            PropDef {
                meta: &DS1,
                check: |_, _| None,
                witness: None,
            },
            PropDef {
                meta: &DS2,
                check: |_, s| {
                    (s.applied > 1).then(|| "the server applied the operation twice".to_string())
                },
                witness: None,
            },
            PropDef {
                meta: &DS3,
                check: |m, s| {
                    let ok = match m.proto.op {
                        Op::Increment => s.x <= 1,
                        Op::Write2 => s.x == 0 || s.x == 2,
                    };
                    (!ok).then(|| format!("x = {}, which one application cannot produce", s.x))
                },
                witness: None,
            },
        ]
    }

    fn temporal(meta: &PropMeta) -> Option<Temporal<DState>> {
        (meta.id == "DS1").then_some(Temporal::Eventually(|s: &DState| s.applied > 0))
    }

    fn fairness(&self) -> Vec<FairClass<DAction>> {
        vec![
            FairClass {
                name: "WF(send)",
                kind: Fairness::Weak,
                member: |a| *a == DAction::Send,
            },
            FairClass {
                name: "WF(retry timer)",
                kind: Fairness::Weak,
                member: |a| *a == DAction::Retry,
            },
            FairClass {
                name: "SF(deliver REQ)",
                kind: Fairness::Strong,
                member: |a| *a == DAction::DeliverReq,
            },
            FairClass {
                name: "SF(deliver ACK)",
                kind: Fairness::Strong,
                member: |a| *a == DAction::DeliverAck,
            },
        ]
    }

    fn why_not(&self, _meta: &PropMeta) -> String {
        "the server never applies the operation on this run".to_string()
    }

    fn describe(&self, prev: &DState, a: &DAction, next: &DState) -> Step {
        let action = match a {
            DAction::Send => "client sends [REQ]".to_string(),
            DAction::Retry => {
                "client's timer fires, no ACK yet: client sends [REQ] again".to_string()
            }
            DAction::DeliverReq => "server receives [REQ]".to_string(),
            DAction::LoseReq => "the network loses a [REQ]".to_string(),
            DAction::DeliverAck => "client receives [ACK]".to_string(),
            DAction::LoseAck => "the network loses an [ACK]".to_string(),
        };
        let mut effects = Vec::new();
        if next.applied > prev.applied {
            effects.push(format!("server applies the operation: x = {}", next.x));
        } else if *a == DAction::DeliverReq {
            effects.push("server has seen this request: not applied again (de-duplication)".into());
        }
        if *a == DAction::DeliverReq {
            effects.push("server sends [ACK]".into());
        }
        effects.push(format!("{next:?}"));
        Step { action, effects }
    }

    fn events(&self, _p: &DState, a: &DAction, next: &DState) -> Vec<Event> {
        let msg = |from, to, label: &str, lost| Event::Msg {
            from,
            to,
            label: label.to_string(),
            lost,
        };
        match a {
            DAction::Send | DAction::Retry => vec![Event::Note {
                at: 0,
                text: "send REQ".into(),
            }],
            DAction::DeliverReq => vec![
                msg(0, 1, "REQ", false),
                Event::Note {
                    at: 1,
                    text: format!("x = {}", next.x),
                },
            ],
            DAction::LoseReq => vec![msg(0, 1, "REQ", true)],
            DAction::DeliverAck => vec![msg(1, 0, "ACK", false)],
            DAction::LoseAck => vec![msg(1, 0, "ACK", true)],
        }
    }
}

const OP: ParamSpec = ParamSpec {
    key: "op",
    default: "increment",
    values: &["increment", "write"],
    help: "increment x (not idempotent) or write x = 2 (idempotent)",
};

const FAIRNESS: ParamSpec = ParamSpec {
    key: "fairness",
    default: "on",
    values: &["on", "off"],
    help:
        "on = weak fairness on send and retry, strong fairness on delivery (fair loss); off = none",
};

const PARAMS: &[ParamSpec] = &[OP, FAIRNESS];

impl Delivery {
    /// The client p0 and server p1 (both correct) with semantics `sem`.
    fn of(sem: Semantics, params: &Params, name: &str) -> Result<Delivery> {
        if params.n != 2 || params.f != 0 {
            return Err(Error::input(format!(
                "{name} models one client p0 and one server p1, both correct: n must be 2 and f 0"
            )));
        }
        let op = if params.get("op") == "write" {
            Op::Write2
        } else {
            Op::Increment
        };
        Ok(Delivery { sem, op })
    }
}

const fn entry(
    name: &'static str,
    title: &'static str,
    claims: &'static [&'static PropMeta],
    make: fn(&Params) -> Result<Delivery>,
) -> FairEntry<Delivery> {
    FairEntry {
        info: ModelInfo {
            name,
            title,
            source: "seed notes 003 (Kleppmann, delivery semantics)",
            fault_model: "fair-loss network, correct client and server",
            tolerance: "any loss, under fairness",
            tolerates: |_| true,
            claims,
            params: PARAMS,
            uses_detector: false,
            default_n: 2,
        },
        default_f: 0,
        make,
        is_detector: false,
    }
}

pub static AT_MOST_ONCE: FairEntry<Delivery> = entry(
    "at-most-once",
    "At-most-once delivery (no retry)",
    &[&DS2, &DS3],
    |p| Delivery::of(Semantics::AtMostOnce, p, "at-most-once"),
);
pub static AT_LEAST_ONCE: FairEntry<Delivery> = entry(
    "at-least-once",
    "At-least-once delivery (retry until ack)",
    &[&DS1],
    |p| Delivery::of(Semantics::AtLeastOnce, p, "at-least-once"),
);
pub static EXACTLY_ONCE: FairEntry<Delivery> = entry(
    "exactly-once",
    "Exactly-once delivery (retry until ack, server de-duplication)",
    &[&DS1, &DS2, &DS3],
    |p| Delivery::of(Semantics::ExactlyOnce, p, "exactly-once"),
);

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn at_most_once_may_never_apply() {
        let r = run("at-most-once", 2, 0, &[], &["DS1", "DS2"]);
        assert_statuses(&r, &[("DS1", "violated"), ("DS2", "holds")]);
    }

    #[test]
    fn at_least_once_increments_twice_but_writes_are_fine() {
        let r = run("at-least-once", 2, 0, &[], &["DS1", "DS2", "DS3"]);
        assert_statuses(
            &r,
            &[("DS1", "holds"), ("DS2", "violated"), ("DS3", "violated")],
        );
        // Shortest: the client's timer fires before the ACK is back (a lost ACK does the same,
        // one step later); the server applies the increment twice.
        let actions: Vec<&str> = prop(&r, "DS3")
            .trace
            .iter()
            .map(|s| s.action.as_str())
            .collect();
        assert_eq!(
            actions
                .iter()
                .filter(|a| **a == "server receives [REQ]")
                .count(),
            2,
            "{actions:?}"
        );
        assert_eq!(
            prop(&r, "DS3").why.as_deref(),
            Some("x = 2, which one application cannot produce")
        );
        let r = run("at-least-once", 2, 0, &[("op", "write")], &["DS2", "DS3"]);
        assert_statuses(&r, &[("DS2", "violated"), ("DS3", "holds")]);
    }

    #[test]
    fn exactly_once_under_fairness_only() {
        let r = run("exactly-once", 2, 0, &[], &[]);
        assert_statuses(&r, &[("DS1", "holds"), ("DS2", "holds"), ("DS3", "holds")]);
        let r = run("exactly-once", 2, 0, &[("fairness", "off")], &["DS1"]);
        assert_statuses(&r, &[("DS1", "violated")]);
        assert!(prop(&r, "DS1")
            .trace
            .iter()
            .any(|s| s.action.starts_with("↻ ")));
    }
}
