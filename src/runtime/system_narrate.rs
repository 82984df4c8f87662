//! The asynchronous runtime's steps in words and as chart events: who sent what to whom, who
//! crashed, what was lost, who delivered what.

use crate::runtime::bits::PSet;
use crate::runtime::network::Envelope;
use crate::runtime::protocol::{MsgId, Pid, Protocol};
use crate::runtime::system::{Action, SysState, System};

impl<P: Protocol> System<P> {
    /// One line for a step's action, as a person would say it.
    pub fn describe_action(&self, prev: &SysState<P>, a: &Action<P::Msg>) -> String {
        match a {
            Action::Broadcast { p, m } => self
                .proto
                .describe_request(&self.env, *p, *m)
                .unwrap_or_else(|| format!("p{p} broadcasts {m}")),
            Action::Deliver {
                src,
                dst,
                msg,
                keep_copy,
                ..
            } => {
                let dup = if *keep_copy {
                    " (a duplicate stays in flight)"
                } else {
                    ""
                };
                format!("p{dst} receives {msg:?} from p{src}{dup}")
            }
            Action::Crash { p } => format!("p{p} crashes"),
            Action::Detect { p, q } => {
                if prev.hist.crashed.contains(*q) {
                    format!("failure detector tells p{p}: p{q} crashed")
                } else {
                    format!("failure detector falsely tells p{p}: p{q} crashed (p{q} is alive)")
                }
            }
            Action::Tick { p } => format!("p{p}'s timer fires"),
            Action::Choose { p, targets, of } => {
                let among = prev.pending.first().map_or(PSet::EMPTY, |x| x.among);
                format!(
                    "p{p} picks {} at random among {among:?} (probability 1/{of})",
                    names(*targets)
                )
            }
            Action::Lose { src, dst, msg, .. } => {
                let q = self
                    .loss
                    .map_or_else(String::new, |q| format!(" (probability {q})"));
                format!("the link loses {msg:?} p{src}→p{dst}{q}")
            }
            Action::Time => match (self.timing(), &prev.beats) {
                (Some(t), Some(b)) if t.expiring(b) => {
                    "the heartbeat timers expire: ⟨Timeout⟩ at every correct process".to_string()
                }
                (Some(t), Some(b)) => {
                    format!(
                        "tick: time {} of the {}-tick heartbeat period",
                        b.elapsed + 1,
                        t.timeout
                    )
                }
                _ => "tick".to_string(),
            },
            Action::Beat { beat, .. } => {
                let kind = if beat.reply {
                    "HEARTBEATREPLY"
                } else {
                    "HEARTBEATREQUEST"
                };
                format!("p{} receives {kind} from p{}", beat.dst, beat.src)
            }
        }
    }

    /// What a step changed that matters: deliveries, sends, discarded messages.
    pub fn describe_effects(
        &self,
        prev: &SysState<P>,
        a: &Action<P::Msg>,
        next: &SysState<P>,
    ) -> Vec<String> {
        let mut lines = Vec::new();
        if matches!(a, Action::Time) {
            for (p, q) in new_suspicions(prev, next) {
                let truth = if next.hist.crashed.contains(q) {
                    String::new()
                } else {
                    format!(" (FALSE: p{q} is alive; its reply is late)")
                };
                lines.push(format!(
                    "p{p} heard nothing from p{q} this period: ⟨P, Crash | p{q}⟩ at p{p}{truth}"
                ));
            }
        }
        if let Action::Beat { beat, .. } = a {
            if !beat.reply && !prev.hist.crashed.contains(beat.dst) {
                lines.push(format!(
                    "p{} sends HEARTBEATREPLY to p{}",
                    beat.dst, beat.src
                ));
            }
        }
        for p in self.env.procs() {
            for m in new_deliveries(&prev.hist.log[p as usize], &next.hist.log[p as usize]) {
                lines.push(format!("p{p} delivers {m}"));
            }
        }
        // What was in flight before, minus what this step consumed.
        let mut pool: Vec<Envelope<P::Msg>> = prev.net.to_vec();
        match a {
            Action::Deliver { idx, keep_copy, .. } => {
                let i = *idx as usize;
                if *keep_copy {
                    pool[i].copies -= 1;
                } else {
                    pool.remove(i);
                }
            }
            Action::Lose { idx, .. } => {
                pool.remove(*idx as usize);
            }
            Action::Crash { p } => {
                let dropped = pool.iter().filter(|e| e.dst == *p).count();
                if dropped > 0 {
                    lines.push(format!(
                        "{dropped} in-flight message(s) to p{p} discarded (crash-stop)"
                    ));
                }
                pool.retain(|e| e.dst != *p);
            }
            _ => {}
        }
        // New messages = next.net minus pool (as multisets), grouped by sender and content. With
        // partial-order reduction, the sends are read off the unreduced successor, and what the
        // reduction dropped is said.
        let full;
        let mut dropped_lines = Vec::new();
        let after = if self.drop_ignored {
            full = self.step(prev, a.clone(), false);
            let mut dropped: Vec<&Envelope<P::Msg>> = full.net.iter().collect();
            for e in &next.net {
                if let Some(i) = dropped.iter().position(|x| *x == e) {
                    dropped.swap_remove(i);
                }
            }
            dropped.sort();
            for e in dropped {
                dropped_lines.push(format!(
                    "dropped (partial-order reduction): {:?} p{}→p{}, which p{} ignores for good",
                    e.msg, e.src, e.dst, e.dst
                ));
            }
            &full
        } else {
            next
        };
        let mut sent: Vec<(Pid, &P::Msg, Vec<Pid>)> = Vec::new();
        for e in &after.net {
            if let Some(i) = pool.iter().position(|x| x == e) {
                pool.swap_remove(i);
                continue;
            }
            match sent
                .iter_mut()
                .find(|(s, m, _)| *s == e.src && *m == &e.msg)
            {
                Some((_, _, to)) => to.push(e.dst),
                None => sent.push((e.src, &e.msg, vec![e.dst])),
            }
        }
        for (src, msg, mut to) in sent {
            to.sort_unstable();
            let to: Vec<String> = to.iter().map(|d| format!("p{d}")).collect();
            lines.push(format!("p{src} sends {msg:?} to {}", to.join(", ")));
        }
        lines.extend(dropped_lines);
        lines
    }

    /// The closing lines of a trace: messages lost to crashes, silent detectors, delivery logs.
    pub fn describe_end(&self, s: &SysState<P>) -> Vec<String> {
        let mut lines = Vec::new();
        let quiescent = self.quiescent(s);
        for e in &s.net {
            let lost = quiescent
                .then(|| {
                    let msg = format!("{:?}", e.msg);
                    let h = &s.hist;
                    self.faults
                        .loss_reason(h.crashed, h.faulty, e.src, e.dst, &msg)
                })
                .flatten();
            match lost {
                Some(line) => lines.push(line),
                None => lines.push(format!("in flight: {:?} p{}→p{}", e.msg, e.src, e.dst)),
            }
        }
        if let Some(d) = self.detector.filter(|d| d.oracle()) {
            for p in self.alive(s).iter() {
                for q in s.hist.crashed.minus(s.hist.suspects[p as usize]).iter() {
                    let why = if d.complete() || !quiescent {
                        "not yet"
                    } else {
                        "never: the detector is incomplete"
                    };
                    lines.push(format!("the crash of p{q} is reported to p{p}: {why}"));
                }
            }
        }
        if P::delivers() {
            lines.extend(s.hist.describe_logs());
        }
        lines.extend(self.proto.describe_outcome(&self.env, &s.procs, &s.hist));
        lines
    }
}

impl<P: Protocol> crate::engine::spec::Narrate for System<P> {
    fn render_step(
        &self,
        prev: &SysState<P>,
        a: &Action<P::Msg>,
        next: &SysState<P>,
    ) -> crate::engine::spec::Step {
        crate::engine::spec::Step {
            action: self.describe_action(prev, a),
            effects: self.describe_effects(prev, a, next),
        }
    }
    fn render_init(&self, s: &SysState<P>) -> Vec<String> {
        if !self.faults.fixed_from_start() {
            return Vec::new();
        }
        if s.hist.faulty.is_empty() {
            return vec![format!(
                "faulty ({}): none in this run (every process is correct)",
                self.faults.name()
            )];
        }
        vec![format!(
            "faulty ({}): {} (each {})",
            self.faults.name(),
            names(s.hist.faulty),
            self.faults.behaviour()
        )]
    }
    fn start_events(&self, s: &SysState<P>) -> Vec<crate::engine::chart::Event> {
        s.hist
            .faulty
            .iter()
            .map(|p| crate::engine::chart::Event::Note {
                at: p,
                text: format!("FAULTY ({})", self.faults.name()),
            })
            .collect()
    }
    fn render_end(&self, s: &SysState<P>) -> Vec<String> {
        self.describe_end(s)
    }
    fn processes(&self) -> usize {
        self.env.n as usize
    }
    fn events(
        &self,
        prev: &SysState<P>,
        a: &Action<P::Msg>,
        next: &SysState<P>,
    ) -> Vec<crate::engine::chart::Event> {
        use crate::engine::chart::Event;
        let mut ev = Vec::new();
        match a {
            Action::Broadcast { p, m } => ev.push(Event::Note {
                at: *p,
                text: self
                    .proto
                    .describe_request(&self.env, *p, *m)
                    .unwrap_or_else(|| format!("broadcast {m}")),
            }),
            Action::Deliver { src, dst, msg, .. } => ev.push(Event::Msg {
                from: *src,
                to: *dst,
                label: format!("{msg:?}"),
                lost: false,
            }),
            Action::Crash { p } => ev.push(Event::Note {
                at: *p,
                text: "CRASH".into(),
            }),
            Action::Detect { p, q } => ev.push(Event::Note {
                at: *p,
                text: format!("detector: p{q} crashed"),
            }),
            Action::Tick { p } => ev.push(Event::Note {
                at: *p,
                text: "timer".into(),
            }),
            Action::Choose { p, targets, .. } => ev.push(Event::Note {
                at: *p,
                text: format!("picks {}", names(*targets)),
            }),
            Action::Lose { src, dst, msg, .. } => ev.push(Event::Msg {
                from: *src,
                to: *dst,
                label: format!("{msg:?}"),
                lost: true,
            }),
            Action::Time => {
                for (p, q) in new_suspicions(prev, next) {
                    ev.push(Event::Note {
                        at: p,
                        text: format!("timeout: detects p{q}"),
                    });
                }
            }
            Action::Beat { beat, .. } => ev.push(Event::Msg {
                from: beat.src,
                to: beat.dst,
                label: if beat.reply { "HB-REPLY" } else { "HB-REQ" }.into(),
                lost: false,
            }),
        }
        for p in self.env.procs() {
            for m in new_deliveries(&prev.hist.log[p as usize], &next.hist.log[p as usize]) {
                ev.push(Event::Note {
                    at: p,
                    text: format!("deliver {m}"),
                });
            }
        }
        ev
    }
    fn end_events(&self, s: &SysState<P>) -> Vec<crate::engine::chart::Event> {
        if !self.quiescent(s) {
            return Vec::new();
        }
        s.net
            .iter()
            .filter(|e| self.may_lose(s, e))
            .map(|e| crate::engine::chart::Event::Msg {
                from: e.src,
                to: e.dst,
                label: format!("{:?}", e.msg),
                lost: true,
            })
            .collect()
    }
}

/// What a log gained between two states (a multiset difference: sorted logs may insert in the
/// middle).
fn new_deliveries(before: &[MsgId], after: &[MsgId]) -> Vec<MsgId> {
    if after.starts_with(before) {
        return after[before.len()..].to_vec();
    }
    let mut pool = before.to_vec();
    let mut new = Vec::new();
    for m in after {
        match pool.iter().position(|x| x == m) {
            Some(i) => {
                pool.swap_remove(i);
            }
            None => new.push(*m),
        }
    }
    new
}

/// The detector reports `(p, q)` that appeared between two states.
fn new_suspicions<P: Protocol>(prev: &SysState<P>, next: &SysState<P>) -> Vec<(Pid, Pid)> {
    let mut v = Vec::new();
    for (p, (b, n)) in prev
        .hist
        .suspects
        .iter()
        .zip(&next.hist.suspects)
        .enumerate()
    {
        for q in n.minus(*b).iter() {
            v.push((p as Pid, q));
        }
    }
    v
}

/// `p1, p3`.
pub(super) fn names(s: PSet) -> String {
    let v: Vec<String> = s.iter().map(|p| format!("p{p}")).collect();
    v.join(", ")
}
