//! # Point-to-point links: fair-loss, stubborn, perfect
//!
//! Cachin, Guerraoui, Rodrigues, *Introduction to Reliable and Secure Distributed Programming*
//! (2nd ed., 2011), §2.4: **fair-loss links** (FLL1 fair-loss, FLL2 finite duplication, FLL3
//! no creation), **stubborn links** by **Algorithm 2.1 "Retransmit Forever"** (SL1 stubborn
//! delivery, SL2 no creation), and **perfect links** by **Algorithm 2.2 "Eliminate
//! Duplicates"** (PL1 reliable delivery, PL2 no duplication, PL3 no creation); seeds 000, 001,
//! 003 ("keep retrying until you get an ack"; at-least-once plus dedup).
//!
//! ```text
//! Retransmit Forever (sl over fll):
//!   upon event ⟨sl, Send | q, m⟩ do  sent := sent ∪ {(q, m)};  trigger ⟨fll, Send | q, m⟩;
//!   upon event ⟨Timeout⟩ do  forall (q, m) ∈ sent do trigger ⟨fll, Send | q, m⟩;  starttimer;
//!   upon event ⟨fll, Deliver | p, m⟩ do  trigger ⟨sl, Deliver | p, m⟩;
//! Eliminate Duplicates (pl over sl):
//!   upon event ⟨pl, Send | q, m⟩ do  trigger ⟨sl, Send | q, m⟩;
//!   upon event ⟨sl, Deliver | p, m⟩ do
//!       if m ∉ delivered then delivered := delivered ∪ {m};  trigger ⟨pl, Deliver | p, m⟩;
//! ```
//!
//! One sender p0 sends one message m to p1. The fair-loss network may lose any copy. At most two
//! copies are in flight, and a retransmission into a full channel changes nothing. Deliveries
//! are counted up to 2, which is enough for "twice". Retransmission makes the state graph
//! cyclic, so liveness is checked by the fair-cycle method ([`crate::engine::liveness`]) under these
//! fairness assumptions (`fairness=off` drops them):
//! - weak fairness on the send and on the sender's retransmission timer (a correct process's
//!   timer eventually fires);
//! - strong fairness on delivery: the fair-loss property itself, "a message sent infinitely often
//!   is delivered infinitely often".
//!
//! What the checker shows: fair-loss without retransmission violates **PL1** (the one copy is
//! lost); stubborn without deduplication violates **PL2**; the perfect link holds **PL1** under
//! fairness and violates it, with a lasso (retransmit, lose, forever), without.

use crate::engine::chart::Event;
use crate::engine::liveness::{FairClass, Fairness, Temporal};
use crate::engine::property::{Kind, PropDef, PropMeta};
use crate::engine::spec::Step;
use crate::error::{Error, Result};
use crate::models::entry::{FairEntry, ModelInfo};
use crate::models::params::{ParamSpec, Params};
use crate::runtime::fair::{FairProtocol, FairSystem};
use std::fmt;

/// Which link.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum LinkKind {
    /// The sender sends once over the lossy network.
    FairLoss,
    /// Retransmit Forever, no deduplication.
    Stubborn,
    /// Retransmit Forever plus Eliminate Duplicates.
    Perfect,
}

const CAP: u8 = 2;

/// A link model.
#[derive(Debug)]
pub struct Links {
    pub kind: LinkKind,
}

/// The state of the link.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct LinkState {
    /// The sender has sent m.
    pub sent: bool,
    /// Copies of m in flight (at most 2).
    pub chan: u8,
    /// How often the receiver delivered m (saturates at 2).
    pub delivered: u8,
    /// The receiver's `delivered` set (Eliminate Duplicates).
    pub got: bool,
    /// The last step was a delivery (for "infinitely often").
    pub just_delivered: bool,
}

impl fmt::Debug for LinkState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "p0: sent={}; in flight: {} cop{} of m; p1: delivered m {} time(s)",
            self.sent,
            self.chan,
            if self.chan == 1 { "y" } else { "ies" },
            self.delivered
        )
    }
}

/// A step.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum LinkAction {
    Send,
    Retransmit,
    Deliver,
    Lose,
}

pub const PL1: PropMeta = PropMeta {
    id: "PL1",
    aliases: &[],
    name: "PL1 reliable delivery",
    witness: "",
    kind: Kind::Liveness,
    about: "If a correct process p sends a message m to a correct process q, then q eventually delivers m.",
    needs_detector: false,
};
pub const PL2: PropMeta = PropMeta {
    id: "PL2",
    aliases: &[],
    name: "PL2 no duplication",
    witness: "",
    kind: Kind::Safety,
    about: "No message is delivered by a process more than once.",
    needs_detector: false,
};
pub const PL3: PropMeta = PropMeta {
    id: "PL3",
    aliases: &["SL2", "FLL3"],
    name: "PL3/SL2/FLL3 no creation",
    witness: "",
    kind: Kind::Safety,
    about: "If some process q delivers a message m with sender p, then m was previously sent to q by p.",
    needs_detector: false,
};
pub const SL1: PropMeta = PropMeta {
    id: "SL1",
    aliases: &[],
    name: "SL1 stubborn delivery",
    witness: "",
    kind: Kind::Liveness,
    about: "If a correct process p sends m once to a correct process q, then q delivers m an infinite number of times.",
    needs_detector: false,
};

impl FairProtocol for Links {
    type State = LinkState;
    type Action = LinkAction;

    fn init(&self) -> LinkState {
        LinkState {
            sent: false,
            chan: 0,
            delivered: 0,
            got: false,
            just_delivered: false,
        }
    }

    fn actions(&self, s: &LinkState, out: &mut Vec<LinkAction>) {
        if !s.sent {
            out.push(LinkAction::Send);
        } else if self.kind != LinkKind::FairLoss {
            out.push(LinkAction::Retransmit);
        }
        if s.chan > 0 {
            out.push(LinkAction::Deliver);
            out.push(LinkAction::Lose);
        }
    }

    fn step(&self, s: &LinkState, a: &LinkAction) -> LinkState {
        let mut t = s.clone();
        t.just_delivered = false;
        match a {
            // upon ⟨sl, Send⟩ / ⟨pl, Send⟩: the first fll-send
            LinkAction::Send => {
                t.sent = true;
                t.chan = (t.chan + 1).min(CAP);
            }
            // upon ⟨Timeout⟩: fll-send again
            LinkAction::Retransmit => t.chan = (t.chan + 1).min(CAP),
            // upon ⟨fll, Deliver⟩
            LinkAction::Deliver => {
                t.chan -= 1;
                let deliver = self.kind != LinkKind::Perfect || !t.got;
                t.got = true;
                if deliver {
                    t.delivered = (t.delivered + 1).min(2);
                    t.just_delivered = true;
                }
            }
            LinkAction::Lose => t.chan -= 1,
        }
        t
    }

    /// The link properties: safety ones for the state-space checker, liveness ones as
    /// temporal formulas for the fair-cycle checker.
    fn catalogue() -> Vec<PropDef<FairSystem<Self>>> {
        vec![
            PropDef {
                meta: &PL1,
                check: |_, _| None,
                witness: None,
            },
            PropDef {
                meta: &SL1,
                check: |_, _| None,
                witness: None,
            },
            PropDef {
                meta: &PL2,
                check: |_, s| (s.delivered > 1).then(|| "p1 delivered m twice".to_string()),
                witness: None,
            },
            PropDef {
                meta: &PL3,
                check: |_, s| {
                    (s.delivered > 0 && !s.sent)
                        .then(|| "p1 delivered m, which p0 never sent".to_string())
                },
                witness: None,
            },
        ]
    }

    fn temporal(meta: &PropMeta) -> Option<Temporal<LinkState>> {
        match meta.id {
            "PL1" => Some(Temporal::Eventually(|s| s.delivered > 0)),
            "SL1" => Some(Temporal::AlwaysEventually(|s| s.just_delivered)),
            _ => None,
        }
    }

    fn fairness(&self) -> Vec<FairClass<LinkAction>> {
        vec![
            FairClass {
                name: "WF(send)",
                kind: Fairness::Weak,
                member: |a| *a == LinkAction::Send,
            },
            FairClass {
                name: "WF(retransmit timer)",
                kind: Fairness::Weak,
                member: |a| *a == LinkAction::Retransmit,
            },
            FairClass {
                name: "SF(deliver): fair loss",
                kind: Fairness::Strong,
                member: |a| *a == LinkAction::Deliver,
            },
        ]
    }

    fn why_not(&self, meta: &PropMeta) -> String {
        match meta.id {
            "PL1" => "p1 never delivers m on this run".to_string(),
            _ => "from some point on, p1 never delivers m again on this run".to_string(),
        }
    }

    fn describe(&self, _prev: &LinkState, a: &LinkAction, next: &LinkState) -> Step {
        let action = match a {
            LinkAction::Send => "p0 sends m to p1 (fll-send)".to_string(),
            LinkAction::Retransmit => "p0's timer fires: p0 sends m again".to_string(),
            LinkAction::Deliver => "p1 receives a copy of m".to_string(),
            LinkAction::Lose => "the network loses a copy of m".to_string(),
        };
        let mut effects = Vec::new();
        if next.just_delivered {
            effects.push("p1 delivers m".to_string());
        } else if *a == LinkAction::Deliver {
            effects.push("p1 already delivered m: duplicate discarded".to_string());
        }
        effects.push(format!("{next:?}"));
        Step { action, effects }
    }

    fn events(&self, _prev: &LinkState, a: &LinkAction, next: &LinkState) -> Vec<Event> {
        match a {
            LinkAction::Send | LinkAction::Retransmit => vec![Event::Note {
                at: 0,
                text: "send m".into(),
            }],
            LinkAction::Deliver => {
                let mut v = vec![Event::Msg {
                    from: 0,
                    to: 1,
                    label: "m".into(),
                    lost: false,
                }];
                if next.just_delivered {
                    v.push(Event::Note {
                        at: 1,
                        text: "deliver m".into(),
                    });
                }
                v
            }
            LinkAction::Lose => vec![Event::Msg {
                from: 0,
                to: 1,
                label: "m".into(),
                lost: true,
            }],
        }
    }
}

const PARAMS: &[ParamSpec] = &[ParamSpec {
    key: "fairness",
    default: "on",
    values: &["on", "off"],
    help: "on = weak fairness on send and the retransmission timer, strong fairness on delivery (fair loss); off = none",
}];

impl Links {
    /// The link of `kind` between p0 and p1, both correct.
    fn of(kind: LinkKind, params: &Params, name: &str) -> Result<Links> {
        if params.n != 2 || params.f != 0 {
            return Err(Error::input(format!(
                "{name} models one sender p0 and one receiver p1, both correct: n must be 2 and f 0"
            )));
        }
        Ok(Links { kind })
    }
}

const fn link(
    name: &'static str,
    title: &'static str,
    source: &'static str,
    fault_model: &'static str,
    tolerance: &'static str,
    claims: &'static [&'static PropMeta],
    make: fn(&Params) -> Result<Links>,
) -> FairEntry<Links> {
    FairEntry {
        info: ModelInfo {
            name,
            title,
            source,
            fault_model,
            tolerance,
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

pub static FAIR_LOSS: FairEntry<Links> = link(
    "fair-loss-link",
    "Fair-loss link (one send, no retransmission)",
    "Cachin-Guerraoui-Rodrigues 2011, §2.4.2",
    "lossy network, correct processes",
    "delivers nothing reliably",
    &[&PL3],
    |p| Links::of(LinkKind::FairLoss, p, "fair-loss-link"),
);

pub static STUBBORN: FairEntry<Links> = link(
    "stubborn-link",
    "Stubborn link (Retransmit Forever)",
    "Cachin-Guerraoui-Rodrigues 2011, Alg. 2.1",
    "fair-loss network, correct processes",
    "any loss, under fairness",
    &[&SL1, &PL3],
    |p| Links::of(LinkKind::Stubborn, p, "stubborn-link"),
);

pub static PERFECT: FairEntry<Links> = link(
    "perfect-link",
    "Perfect link (Eliminate Duplicates over Retransmit Forever)",
    "Cachin-Guerraoui-Rodrigues 2011, Alg. 2.2",
    "fair-loss network, correct processes",
    "any loss, under fairness",
    &[&PL1, &PL2, &PL3],
    |p| Links::of(LinkKind::Perfect, p, "perfect-link"),
);

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn perfect_link_holds_under_fairness() {
        let r = run("perfect-link", 2, 0, &[], &[]);
        assert_statuses(&r, &[("PL1", "holds"), ("PL2", "holds"), ("PL3", "holds")]);
        assert!(
            r.liveness_method.starts_with("fair-cycle"),
            "{}",
            r.liveness_method
        );
    }

    #[test]
    fn perfect_link_without_fairness_has_a_lasso() {
        let r = run("perfect-link", 2, 0, &[("fairness", "off")], &["PL1"]);
        assert_statuses(&r, &[("PL1", "violated")]);
        let p = prop(&r, "PL1");
        assert!(
            p.trace.iter().any(|s| s.action.starts_with("↻ ")),
            "{:?}",
            p.trace
        );
        assert!(p
            .trace
            .iter()
            .all(|s| !s.effects.iter().any(|e| e == "p1 delivers m")));
        assert!(p.end[0].contains("repeat forever"));
    }

    #[test]
    fn fair_loss_without_retransmission_loses() {
        let r = run("fair-loss-link", 2, 0, &[], &["PL1"]);
        assert_statuses(&r, &[("PL1", "violated")]);
        let actions: Vec<&str> = prop(&r, "PL1")
            .trace
            .iter()
            .map(|s| s.action.as_str())
            .collect();
        assert_eq!(
            actions,
            [
                "p0 sends m to p1 (fll-send)",
                "the network loses a copy of m"
            ]
        );
    }

    #[test]
    fn stubborn_delivers_forever_but_duplicates() {
        let r = run("stubborn-link", 2, 0, &[], &["SL1", "PL2"]);
        assert_statuses(&r, &[("SL1", "holds"), ("PL2", "violated")]);
        let r = run("stubborn-link", 2, 0, &[("fairness", "off")], &["SL1"]);
        assert_statuses(&r, &[("SL1", "violated")]);
    }
}
