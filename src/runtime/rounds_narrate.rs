//! The synchronous-rounds runtime's steps in words and as chart events: each round's
//! messages, what the traitors said, who decided what and why.

use crate::engine::spec::{Narrate, Step};
use crate::runtime::bits::PSet;
use crate::runtime::protocol::Pid;
use crate::runtime::rounds::{FaultKind, RAction, RState, Receipt, RoundProtocol, Rounds};

impl<P: RoundProtocol> Narrate for Rounds<P> {
    fn render_step(&self, prev: &RState<P>, a: &RAction<P::Msg>, next: &RState<P>) -> Step {
        let env = &self.env;
        let mut effects = Vec::new();
        let action = match a {
            RAction::Crash { p, now: true } => {
                format!(
                    "round {}: p{p} crashes (its messages of this round may be lost)",
                    prev.round
                )
            }
            RAction::Crash { p, now: false } => {
                format!("round {}: p{p} does not crash yet", prev.round)
            }
            RAction::Send { from, to, msg } => {
                let what = match msg {
                    Some(m) => self.proto.show(env, m),
                    None => "nothing".to_string(),
                };
                let verb = if self.env.kind == FaultKind::Crash {
                    if msg.is_some() {
                        "still sends"
                    } else {
                        "never sends (lost)"
                    }
                } else {
                    "tells"
                };
                format!(
                    "round {}: p{from}{} {verb} p{to}: {what}",
                    prev.round,
                    self.role(prev, *from)
                )
            }
            RAction::Receive { p, round } => {
                let Receipt {
                    inbox,
                    state: st,
                    decision: v,
                } = self.receive_one(prev, *p);
                // Messages a step chose (and showed): a traitor's, or a crashing process's.
                let chosen = |from: Pid| match env.kind {
                    FaultKind::Byzantine => prev.faulty.contains(from),
                    FaultKind::Crash => prev.crashing.contains(from),
                };
                let mut by_sender: Vec<(Pid, Vec<String>)> = Vec::new();
                for (from, m) in &inbox {
                    if chosen(*from) {
                        continue; // shown at the step that chose it
                    }
                    let shown = self.proto.show(env, m);
                    match by_sender.iter_mut().find(|(q, _)| q == from) {
                        Some((_, ms)) => ms.push(shown),
                        None => by_sender.push((*from, vec![shown])),
                    }
                }
                for (from, ms) in by_sender {
                    effects.push(format!("p{from} tells p{p}: {}", ms.join(", ")));
                }
                if let Some(v) = v {
                    effects.push(format!(
                        "p{p}{} decides {}: {}",
                        self.role(next, *p),
                        env.name(v),
                        self.proto.explain(env, *p, &st)
                    ));
                }
                format!(
                    "round {round}: p{p} receives every message of the round sent to it (last round, receiver by receiver)"
                )
            }
            RAction::EndRound { round } if self.by_receiver(prev) => {
                format!("end of round {round}: every receiver has had its messages")
            }
            RAction::EndRound { round } => {
                let silent = match env.kind {
                    FaultKind::Byzantine => prev.faulty,
                    FaultKind::Crash => PSet(prev.crashed.0 | prev.crashing.0),
                };
                for p in PSet::all(env.n).minus(silent).iter() {
                    let sends = self.proto.sends(env, p, &prev.procs[p as usize], *round);
                    let mut by_msg: Vec<(String, Vec<String>)> = Vec::new();
                    for (to, m) in sends {
                        let shown = self.proto.show(env, &m);
                        match by_msg.iter_mut().find(|(x, _)| *x == shown) {
                            Some((_, tos)) => tos.push(format!("p{to}")),
                            None => by_msg.push((shown, vec![format!("p{to}")])),
                        }
                    }
                    for (m, tos) in by_msg {
                        effects.push(format!("p{p} tells {}: {m}", tos.join(", ")));
                    }
                }
                for p in env.procs() {
                    if let (None, Some(v)) = (prev.decision[p as usize], next.decision[p as usize])
                    {
                        effects.push(format!(
                            "p{p}{} decides {}: {}",
                            self.role(next, p),
                            env.name(v),
                            self.proto.explain(env, p, &next.procs[p as usize])
                        ));
                    }
                }
                format!("end of round {round}: every message of the round is delivered")
            }
        };
        Step { action, effects }
    }

    fn render_init(&self, s: &RState<P>) -> Vec<String> {
        let env = &self.env;
        let faulty: Vec<String> = s.faulty.iter().map(|p| format!("p{p}")).collect();
        let faulty = if faulty.is_empty() {
            "none".to_string()
        } else {
            faulty.join(", ")
        };
        let what = match env.kind {
            FaultKind::Byzantine => "traitors",
            FaultKind::Crash => "processes that may crash",
        };
        let inputs: Vec<String> = env
            .procs()
            .filter_map(|p| s.inputs[p as usize].map(|v| format!("p{p}: {}", env.name(v))))
            .collect();
        vec![format!(
            "0. {what}: {faulty}; inputs: {}",
            inputs.join(", ")
        )]
    }

    fn render_end(&self, s: &RState<P>) -> Vec<String> {
        let env = &self.env;
        let mut lines = Vec::new();
        for p in env.procs() {
            let input = s.inputs[p as usize]
                .map(|v| format!("input {}, ", env.name(v)))
                .unwrap_or_default();
            let status = match s.decision[p as usize] {
                Some(v) => format!("decided {}", env.name(v)),
                None => "decided nothing".into(),
            };
            // Receiver by receiver, the last round's messages are forgotten once received:
            // the reasons are shown at the step where p received them.
            let last = self.proto.rounds(env);
            let why = if !self.received_last_round(s, p) {
                self.proto.explain(env, p, &s.procs[p as usize])
            } else if s.decision[p as usize].is_some() {
                format!("its reasons are at the step where it received round {last}")
            } else {
                format!("what it received in round {last} is not kept (receiver by receiver, only decisions are)")
            };
            lines.push(format!("p{p}{}: {input}{status} — {why}", self.role(s, p)));
        }
        lines
    }

    fn processes(&self) -> usize {
        self.env.n as usize
    }

    fn events(
        &self,
        prev: &RState<P>,
        a: &RAction<P::Msg>,
        next: &RState<P>,
    ) -> Vec<crate::engine::chart::Event> {
        use crate::engine::chart::Event;
        let env = &self.env;
        let mut ev = Vec::new();
        match a {
            RAction::Crash { p, now: true } => ev.push(Event::Note {
                at: *p,
                text: format!("CRASH (round {})", prev.round),
            }),
            RAction::Crash { .. } => {}
            RAction::Send { from, to, msg } => {
                if msg.is_none() && env.kind == FaultKind::Crash {
                    ev.push(Event::Msg {
                        from: *from,
                        to: *to,
                        label: format!("round {} message", prev.round),
                        lost: true,
                    });
                }
            }
            RAction::Receive { p, .. } => {
                for (from, m) in self.receive_one(prev, *p).inbox {
                    ev.push(Event::Msg {
                        from,
                        to: *p,
                        label: self.proto.show(env, &m),
                        lost: false,
                    });
                }
                if let (None, Some(v)) = (prev.decision[*p as usize], next.decision[*p as usize]) {
                    ev.push(Event::Note {
                        at: *p,
                        text: format!("decide {}", env.name(v)),
                    });
                }
            }
            RAction::EndRound { .. } if self.by_receiver(prev) => {}
            RAction::EndRound { .. } => {
                for (from, to, m) in self.round_messages(prev) {
                    ev.push(Event::Msg {
                        from,
                        to,
                        label: self.proto.show(env, &m),
                        lost: false,
                    });
                }
                for p in env.procs() {
                    if let (None, Some(v)) = (prev.decision[p as usize], next.decision[p as usize])
                    {
                        ev.push(Event::Note {
                            at: p,
                            text: format!("decide {}", env.name(v)),
                        });
                    }
                }
            }
        }
        ev
    }

    fn start_events(&self, s: &RState<P>) -> Vec<crate::engine::chart::Event> {
        let what = match self.env.kind {
            FaultKind::Byzantine => "TRAITOR",
            FaultKind::Crash => "may crash",
        };
        s.faulty
            .iter()
            .map(|p| crate::engine::chart::Event::Note {
                at: p,
                text: what.to_string(),
            })
            .collect()
    }
}
