//! # Perfect failure detection by heartbeats ("exclude on timeout")
//!
//! Cachin, Guerraoui, Rodrigues, *Introduction to Reliable and Secure Distributed Programming*
//! (2nd ed., 2011), **Algorithm 2.5 "Exclude on Timeout"**; seed notes 000 ("PFD: exclude on
//! timeout", heartbeat requests and replies). The monitor p0 watches p1, which may crash.
//!
//! ```text
//! upon event ⟨Init⟩ do  alive := Π; detected := ∅; starttimer(Δ); send [HEARTBEATREQUEST] to p1;
//! upon event ⟨Timeout⟩ do
//!     if p1 ∉ alive and p1 ∉ detected then detected := {p1}; trigger ⟨P, Crash | p1⟩;
//!     else  alive := ∅;  send [HEARTBEATREQUEST] to p1;  starttimer(Δ);
//! upon event ⟨pl, Deliver | p0, [HEARTBEATREQUEST]⟩ (at p1) do  send [HEARTBEATREPLY] to p0;
//! upon event ⟨pl, Deliver | p1, [HEARTBEATREPLY]⟩ (at p0) do  alive := {p1};
//! ```
//!
//! Time is modelled explicitly: a `tick` advances the monitor's timer and ages the messages in
//! flight, and **synchrony** means a message must be delivered within `delay` ticks (time cannot
//! pass a message's deadline). Replies from an earlier round are ignored (each round's request
//! is numbered). After a suspicion the monitor stops.
//!
//! - **PFD2 strong accuracy** (safety): p1 is never suspected unless it crashed. It holds when
//!   the timeout covers the round trip (`timeout ≥ 2 × delay`). With a shorter timeout (an
//!   asynchronous setting, for the timer), a slow reply makes p0 suspect a live p1.
//! - **PFD1 strong completeness** (liveness, fair-cycle method, `crashed leads to suspected`):
//!   once p1 crashes, p0 eventually suspects it, under weak fairness of time and deliveries.

use crate::engine::chart::Event;
use crate::engine::liveness::{FairClass, Fairness, Temporal};
use crate::engine::property::{PropDef, PropMeta};
use crate::engine::spec::Step;
use crate::error::{Error, Result};
use crate::models::entry::{FairEntry, ModelInfo};
use crate::models::params::{ParamSpec, Params};
use crate::props::{PFD1, PFD2};
use crate::runtime::fair::{FairProtocol, FairSystem};
use std::fmt;

/// The heartbeat detector with its timing parameters.
#[derive(Debug)]
pub struct Heartbeat {
    /// Whether p1 may crash (f = 1).
    pub crashes: bool,
    pub delay: u8,
    pub timeout: u8,
}

/// Monitor, monitored process, messages in flight (by age).
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct HbState {
    pub crashed: bool,
    pub elapsed: u8,
    pub req: Option<u8>,
    pub rep: Option<u8>,
    pub alive: bool,
    pub suspected: bool,
}

impl fmt::Debug for HbState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let age = |a: Option<u8>| a.map_or("-".to_string(), |x| format!("age {x}"));
        write!(
            f,
            "p0: timer {}, reply seen {}, suspects p1: {}; p1 {}; REQ {}, REPLY {}",
            self.elapsed,
            self.alive,
            self.suspected,
            if self.crashed { "CRASHED" } else { "up" },
            age(self.req),
            age(self.rep)
        )
    }
}

/// A step.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum HbAction {
    Tick,
    DeliverReq,
    DeliverRep,
    Timeout,
    Crash,
}

impl Heartbeat {
    /// A message at its deadline must be delivered before time passes or the timer fires.
    fn due(&self, s: &HbState) -> bool {
        s.req == Some(self.delay) || s.rep == Some(self.delay)
    }
}

impl FairProtocol for Heartbeat {
    type State = HbState;
    type Action = HbAction;

    fn init(&self) -> HbState {
        HbState {
            crashed: false,
            elapsed: 0,
            req: Some(0),
            rep: None,
            alive: false,
            suspected: false,
        }
    }

    fn actions(&self, s: &HbState, out: &mut Vec<HbAction>) {
        if s.suspected {
            return;
        }
        if !s.crashed && self.crashes {
            out.push(HbAction::Crash);
        }
        if s.req.is_some() {
            out.push(HbAction::DeliverReq);
        }
        if s.rep.is_some() {
            out.push(HbAction::DeliverRep);
        }
        if !self.due(s) {
            if s.elapsed < self.timeout {
                out.push(HbAction::Tick);
            } else {
                out.push(HbAction::Timeout);
            }
        }
    }

    fn step(&self, s: &HbState, a: &HbAction) -> HbState {
        let mut t = s.clone();
        match a {
            HbAction::Tick => {
                t.elapsed += 1;
                t.req = t.req.map(|x| x + 1);
                t.rep = t.rep.map(|x| x + 1);
            }
            // upon ⟨pl, Deliver | p0, [HEARTBEATREQUEST]⟩ at p1
            HbAction::DeliverReq => {
                t.req = None;
                if !t.crashed {
                    t.rep = Some(0);
                }
            }
            // upon ⟨pl, Deliver | p1, [HEARTBEATREPLY]⟩ at p0
            HbAction::DeliverRep => {
                t.rep = None;
                t.alive = true;
            }
            // upon ⟨Timeout⟩
            HbAction::Timeout => {
                if t.alive {
                    t.alive = false;
                    t.elapsed = 0;
                    t.req = Some(0);
                    t.rep = None; // a late reply of the last round is ignored
                } else {
                    t.suspected = true;
                }
            }
            HbAction::Crash => t.crashed = true,
        }
        t
    }

    fn catalogue() -> Vec<PropDef<FairSystem<Self>>> {
        vec![
            PropDef {
                meta: &PFD1,
                check: |_, _| None,
                witness: None,
            },
            PropDef {
                meta: &PFD2,
                check: |_, s| {
                    (s.suspected && !s.crashed)
                        .then(|| "p0 suspects p1, but p1 is alive (its reply was late)".to_string())
                },
                witness: None,
            },
        ]
    }

    fn temporal(meta: &PropMeta) -> Option<Temporal<HbState>> {
        (meta.id == "PFD1").then_some(Temporal::LeadsTo(
            |s: &HbState| s.crashed,
            |s: &HbState| s.suspected,
        ))
    }

    fn fairness(&self) -> Vec<FairClass<HbAction>> {
        vec![
            FairClass {
                name: "WF(tick): time passes",
                kind: Fairness::Weak,
                member: |a| *a == HbAction::Tick,
            },
            FairClass {
                name: "WF(timer)",
                kind: Fairness::Weak,
                member: |a| *a == HbAction::Timeout,
            },
            FairClass {
                name: "WF(deliver)",
                kind: Fairness::Weak,
                member: |a| matches!(a, HbAction::DeliverReq | HbAction::DeliverRep),
            },
        ]
    }

    fn why_not(&self, _meta: &PropMeta) -> String {
        "p1 crashed, but p0 never detects it on this run".to_string()
    }

    fn describe(&self, _prev: &HbState, a: &HbAction, next: &HbState) -> Step {
        let action = match a {
            HbAction::Tick => "one tick passes".to_string(),
            HbAction::DeliverReq => "p1 receives [HEARTBEATREQUEST]".to_string(),
            HbAction::DeliverRep => "p0 receives [HEARTBEATREPLY]".to_string(),
            HbAction::Timeout => "p0's timer expires".to_string(),
            HbAction::Crash => "p1 crashes".to_string(),
        };
        let mut effects = Vec::new();
        if *a == HbAction::Timeout {
            effects.push(if next.suspected {
                "no reply this round: p0 detects p1 as crashed".to_string()
            } else {
                "p1 replied: p0 sends a new [HEARTBEATREQUEST] and restarts its timer".to_string()
            });
        }
        effects.push(format!("{next:?}"));
        Step { action, effects }
    }

    fn events(&self, _p: &HbState, a: &HbAction, next: &HbState) -> Vec<Event> {
        let msg = |from, to, label: &str| Event::Msg {
            from,
            to,
            label: label.to_string(),
            lost: false,
        };
        match a {
            HbAction::DeliverReq => vec![msg(0, 1, "HEARTBEATREQUEST")],
            HbAction::DeliverRep => vec![msg(1, 0, "HEARTBEATREPLY")],
            HbAction::Crash => vec![Event::Note {
                at: 1,
                text: "CRASH".into(),
            }],
            HbAction::Timeout if next.suspected => vec![Event::Note {
                at: 0,
                text: "detect p1".into(),
            }],
            HbAction::Timeout | HbAction::Tick => Vec::new(),
        }
    }
}

const DELAY: ParamSpec = ParamSpec {
    key: "delay",
    default: "1",
    values: &[],
    help: "synchrony bound: a message is delivered within this many ticks (1-3)",
};
const TIMEOUT: ParamSpec = ParamSpec {
    key: "timeout",
    default: "2",
    values: &[],
    help: "the monitor's timeout in ticks (1-8); accurate iff >= 2 x delay (the round trip)",
};
const FAIRNESS: ParamSpec = ParamSpec {
    key: "fairness",
    default: "on",
    values: &["on", "off"],
    help: "on = weak fairness on time, the timer and deliveries; off = none",
};

const PARAMS: &[ParamSpec] = &[DELAY, TIMEOUT, FAIRNESS];

impl Heartbeat {
    /// The monitor p0 and the monitored p1 (which crashes iff f = 1), with the timing of
    /// `params`.
    fn of(params: &Params) -> Result<Heartbeat> {
        if params.n != 2 || params.f > 1 {
            return Err(Error::input(
                "heartbeat-fd models a monitor p0 and a monitored p1 that may crash: n must be 2 and f at most 1",
            ));
        }
        Ok(Heartbeat {
            crashes: params.f == 1,
            delay: params.get_int("delay", 1, 3)? as u8,
            timeout: params.get_int("timeout", 1, 8)? as u8,
        })
    }
}

pub static ENTRY: FairEntry<Heartbeat> = FairEntry {
    info: ModelInfo {
        name: "heartbeat-fd",
        title: "Perfect failure detector by heartbeats (Exclude on Timeout)",
        source: "Cachin-Guerraoui-Rodrigues 2011, Alg. 2.5; seed notes 000",
        fault_model: "crash-stop, synchronous links (delivery within `delay` ticks)",
        tolerance: "timeout >= 2 x delay",
        tolerates: |p| {
            let d = p.get_int("delay", 1, 3).unwrap_or(1);
            let t = p.get_int("timeout", 1, 8).unwrap_or(0);
            t >= 2 * d
        },
        claims: &[&PFD1, &PFD2],
        params: PARAMS,
        uses_detector: false,
        default_n: 2,
    },
    default_f: 1,
    make: Heartbeat::of,
    // PFD1/PFD2 are the catalogue's detector properties, here about this detector.
    is_detector: true,
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn accurate_and_complete_when_the_timeout_covers_the_round_trip() {
        let r = run("heartbeat-fd", 2, 1, &[], &[]);
        assert!(r.within_tolerance);
        assert_statuses(&r, &[("PFD1", "holds"), ("PFD2", "holds")]);
    }

    #[test]
    fn a_short_timeout_suspects_a_live_process() {
        let r = run("heartbeat-fd", 2, 1, &[("timeout", "1")], &["PFD2"]);
        assert!(!r.within_tolerance);
        assert_statuses(&r, &[("PFD2", "violated")]);
        let actions: Vec<&str> = prop(&r, "PFD2")
            .trace
            .iter()
            .map(|s| s.action.as_str())
            .collect();
        assert!(!actions.contains(&"p1 crashes"), "{actions:?}");
        assert_eq!(actions.last(), Some(&"p0's timer expires"));
    }

    #[test]
    fn longer_delays_need_longer_timeouts() {
        let r = run(
            "heartbeat-fd",
            2,
            1,
            &[("delay", "2"), ("timeout", "4")],
            &[],
        );
        assert_statuses(&r, &[("PFD1", "holds"), ("PFD2", "holds")]);
        let r = run(
            "heartbeat-fd",
            2,
            1,
            &[("delay", "2"), ("timeout", "3")],
            &["PFD2"],
        );
        assert_statuses(&r, &[("PFD2", "violated")]);
    }
}
