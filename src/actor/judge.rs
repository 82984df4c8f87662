//! A recorded run judged by the checker's own property predicates
//! ([`crate::props::history_predicate`]): the trace is replayed into the same ghost
//! [`History`] the runtime keeps, event by event.
//!
//! - Safety properties (RB2, RB3, PFD2, FRB5, CRB5, TOB5, …) are judged after every event: a
//!   violation names the first line after which it fails.
//! - Liveness properties (BEB1, RB1, RB4, URB4, PFD1) are judged once, at the end of the
//!   recorded run, as the checker judges them at a quiescent state. The report says whether the
//!   run ended quiescent or was cut short, since a cut run may not have finished its work.

use crate::actor::trace::{Ev, Event, Trace};
use crate::engine::chart::Event as Chart;
use crate::engine::property::{Kind, PropMeta};
use crate::props::{self, history_predicate};
use crate::runtime::history::History;
use crate::runtime::protocol::MsgId;
use std::collections::HashMap;

/// How a recorded run ended.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ending {
    /// Every correct process had nothing left to do and no message was in flight.
    Quiescent,
    /// Stopped at the run's duration with work left.
    CutShort,
    /// A trace from a file: how it ended is not known.
    AsRecorded,
}

/// A property's verdict on one run.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Holds,
    Violated,
    /// Liveness on a run cut short: it might still have been met.
    Unknown,
}

/// One property on one run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunVerdict {
    pub property: &'static str,
    pub kind: &'static str,
    pub status: RunStatus,
    /// Why it fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// Safety: the trace line (from 1) after which it fails, and that event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
}

/// Delivery latencies, in microseconds from the broadcast.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Latency {
    pub deliveries: usize,
    pub median_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

/// The judgement of a run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunReport {
    pub n: u8,
    pub events: usize,
    pub ending: Ending,
    pub verdicts: Vec<RunVerdict>,
    pub broadcasts: usize,
    /// Datagrams of the algorithm sent (lost ones included).
    pub messages: usize,
    pub lost: usize,
    pub messages_per_broadcast: f64,
    pub latency: Latency,
    pub crashed: Vec<u8>,
    /// Per process, what it delivered in order.
    pub delivered: Vec<Vec<String>>,
}

impl RunReport {
    pub fn violated(&self) -> bool {
        self.verdicts
            .iter()
            .any(|v| v.status == RunStatus::Violated)
    }

    pub fn unknown(&self) -> bool {
        self.verdicts.iter().any(|v| v.status == RunStatus::Unknown)
    }
}

/// The properties a trace can be judged by, by name (IDs, aliases or short names); when
/// `names` is empty, all of the catalogue's that a single run can judge (the failure
/// detector's only with `detector`).
pub fn select(names: &[String], detector: bool) -> Result<Vec<&'static PropMeta>, String> {
    let judgeable: Vec<&'static PropMeta> = props::BROADCAST_CATALOGUE
        .iter()
        .copied()
        .filter(|m| history_predicate(m).is_some())
        .filter(|m| detector || !names.is_empty() || !m.needs_detector)
        .collect();
    if names.is_empty() {
        return Ok(judgeable);
    }
    let mut out: Vec<&'static PropMeta> = Vec::new();
    for name in names {
        let m = judgeable.iter().find(|m| m.matches(name)).ok_or_else(|| {
            let ids: Vec<&str> = judgeable.iter().map(|m| m.id).collect();
            format!(
                "unknown property '{name}' for a recorded run (known: {})",
                ids.join(", ")
            )
        })?;
        if !out.iter().any(|o| o.id == m.id) {
            out.push(m);
        }
    }
    Ok(out)
}

fn apply(h: &mut History, e: &Event) {
    match &e.ev {
        Ev::Broadcast { m } => h.record_broadcast(*m),
        Ev::Deliver { m } => h.log.push(e.p, *m, false),
        Ev::Crash => {
            h.crashed.insert(e.p);
        }
        Ev::Suspect { q } => {
            h.suspects[e.p as usize].insert(*q);
        }
        Ev::Send { .. } | Ev::Lost { .. } | Ev::Receive { .. } => {}
    }
}

/// Judges `trace` (of `n` processes) by `props`.
pub fn judge(trace: &Trace, n: u8, props: &[&'static PropMeta], ending: Ending) -> RunReport {
    let mut h = History::with_causality(n, true, true);
    let mut verdicts: Vec<Option<RunVerdict>> = vec![None; props.len()];
    for (i, e) in trace.events.iter().enumerate() {
        apply(&mut h, e);
        for (k, meta) in props.iter().enumerate() {
            if verdicts[k].is_some() || meta.kind != Kind::Safety {
                continue;
            }
            let Some(pred) = history_predicate(meta) else {
                continue;
            };
            if let Some(why) = pred(n, &h) {
                verdicts[k] = Some(RunVerdict {
                    property: meta.name,
                    kind: meta.kind.name(),
                    status: RunStatus::Violated,
                    why: Some(why),
                    line: trace.lines.get(i).copied(),
                    event: serde_json::to_string(e).ok(),
                });
            }
        }
    }
    let verdicts = props
        .iter()
        .zip(verdicts)
        .map(|(meta, v)| {
            v.unwrap_or_else(|| {
                let why = match meta.kind {
                    Kind::Safety => None,
                    _ => history_predicate(meta).and_then(|p| p(n, &h)),
                };
                let status = match (&why, &ending) {
                    (None, _) => RunStatus::Holds,
                    (Some(_), Ending::CutShort) => RunStatus::Unknown,
                    (Some(_), _) => RunStatus::Violated,
                };
                RunVerdict {
                    property: meta.name,
                    kind: meta.kind.name(),
                    status,
                    why,
                    line: None,
                    event: None,
                }
            })
        })
        .collect();
    let mut sent_at: HashMap<MsgId, u64> = HashMap::new();
    let mut lat = Vec::new();
    let (mut broadcasts, mut messages, mut lost) = (0, 0, 0);
    for e in &trace.events {
        match &e.ev {
            Ev::Broadcast { m } => {
                broadcasts += 1;
                sent_at.entry(*m).or_insert(e.t_us);
            }
            Ev::Send { .. } => messages += 1,
            Ev::Lost { .. } => {
                messages += 1;
                lost += 1;
            }
            Ev::Deliver { m } => {
                if let Some(t) = sent_at.get(m) {
                    lat.push(e.t_us.saturating_sub(*t));
                }
            }
            _ => {}
        }
    }
    lat.sort_unstable();
    let pick = |q: f64| -> u64 {
        if lat.is_empty() {
            0
        } else {
            lat[((lat.len() - 1) as f64 * q).round() as usize]
        }
    };
    let latency = Latency {
        deliveries: lat.len(),
        median_us: pick(0.5),
        p99_us: pick(0.99),
        max_us: lat.last().copied().unwrap_or(0),
    };
    RunReport {
        n,
        events: trace.events.len(),
        ending,
        verdicts,
        broadcasts,
        messages,
        lost,
        messages_per_broadcast: if broadcasts == 0 {
            0.0
        } else {
            messages as f64 / broadcasts as f64
        },
        latency,
        crashed: h.crashed.iter().collect(),
        delivered: h
            .log
            .iter()
            .map(|l| l.iter().map(|m| m.to_string()).collect())
            .collect(),
    }
}

/// The run as a sequence chart: broadcasts, deliveries, crashes and detector reports as notes;
/// each message an arrow at its receipt (a lost one ends in a cross).
pub fn chart(trace: &Trace) -> Vec<Chart> {
    let mut v = Vec::new();
    for e in &trace.events {
        match &e.ev {
            Ev::Broadcast { m } => v.push(Chart::Note {
                at: e.p,
                text: format!("broadcast {m}"),
            }),
            Ev::Deliver { m } => v.push(Chart::Note {
                at: e.p,
                text: format!("deliver {m}"),
            }),
            Ev::Crash => v.push(Chart::Note {
                at: e.p,
                text: "CRASH".into(),
            }),
            Ev::Suspect { q } => v.push(Chart::Note {
                at: e.p,
                text: format!("detector: p{q} crashed"),
            }),
            Ev::Receive { from, msg } => v.push(Chart::Msg {
                from: *from,
                to: e.p,
                label: msg.clone(),
                lost: false,
            }),
            Ev::Lost { to, msg } => v.push(Chart::Msg {
                from: e.p,
                to: *to,
                label: msg.clone(),
                lost: true,
            }),
            Ev::Send { .. } => {}
        }
    }
    v
}

/// The report as text.
pub fn render(r: &RunReport) -> String {
    let mut s = String::new();
    let ending = match r.ending {
        Ending::Quiescent => "the run ended quiescent (no correct process had work left, nothing in flight)",
        Ending::CutShort => "the run was CUT SHORT at its duration with work left: liveness verdicts may change with a longer run",
        Ending::AsRecorded => "judged as recorded: liveness at the trace's last event, as if the run were over",
    };
    s += &format!("run of {} processes, {} events; {ending}\n", r.n, r.events);
    for v in &r.verdicts {
        let label = match v.status {
            RunStatus::Holds => "holds",
            RunStatus::Violated => "VIOLATED",
            RunStatus::Unknown => "UNKNOWN (cut short)",
        };
        let how = match v.kind {
            "liveness" => " (on this run, at its end)",
            _ => " (on this run)",
        };
        s += &format!("  {:<28} {label}{how}\n", v.property);
        if let Some(why) = &v.why {
            s += &format!("      why: {why}\n");
        }
        if let (Some(line), Some(ev)) = (v.line, &v.event) {
            s += &format!("      first fails after line {line}: {ev}\n");
        }
    }
    if !r.crashed.is_empty() {
        let c: Vec<String> = r.crashed.iter().map(|p| format!("p{p}")).collect();
        s += &format!("crashed: {}\n", c.join(", "));
    }
    for (p, d) in r.delivered.iter().enumerate() {
        s += &format!("p{p} delivered: [{}]\n", d.join(", "));
    }
    s += &format!(
        "messages: {} sent ({} lost) for {} broadcasts: {:.2} per broadcast\n",
        r.messages, r.lost, r.broadcasts, r.messages_per_broadcast
    );
    let ms = |us: u64| us as f64 / 1000.0;
    s += &format!(
        "delivery latency over {} deliveries: median {:.2} ms, p99 {:.2} ms, max {:.2} ms\n",
        r.latency.deliveries,
        ms(r.latency.median_us),
        ms(r.latency.p99_us),
        ms(r.latency.max_us)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::trace::parse;

    fn judged(lines: &[&str], n: u8, prop: &str) -> RunVerdict {
        let text = lines.join("\n");
        let (t, n) = parse(&text, Some(n)).expect("valid trace");
        let props = select(&[prop.to_string()], false).expect("known");
        judge(&t, n, &props, Ending::AsRecorded).verdicts.remove(0)
    }

    const B00: &str = r#"{"t_us":1,"p":0,"event":"broadcast","m":"m0.1"}"#;
    const B01: &str = r#"{"t_us":2,"p":0,"event":"broadcast","m":"m0.2"}"#;
    const B10: &str = r#"{"t_us":2,"p":1,"event":"broadcast","m":"m1.1"}"#;

    fn d(p: u8, m: &str) -> String {
        format!(r#"{{"t_us":9,"p":{p},"event":"deliver","m":"{m}"}}"#)
    }

    /// Hand-written traces, each violating one property, and its repair holding.
    #[test]
    fn hand_written_violations_are_caught() {
        let d0 = d(1, "m0.1");
        let v = judged(&[B00, &d0, &d0], 2, "RB2");
        assert!(
            v.status == RunStatus::Violated && v.line == Some(3),
            "{v:?}"
        );
        assert!(judged(&[B00, &d0], 2, "RB2").status == RunStatus::Holds);

        // Delivering what nobody broadcast is RB3, not bad input.
        let v = judged(&[&d(1, "m1.1")], 2, "RB3");
        assert!(v.status == RunStatus::Violated, "{v:?}");
        assert_eq!(
            v.why.as_deref(),
            Some("p1 delivered m1.1, which p1 never broadcast")
        );

        let v = judged(&[B00, &d(0, "m0.1")], 2, "RB4");
        assert!(
            v.status == RunStatus::Violated && v.why.as_deref().unwrap_or("").contains("p1 never"),
            "{v:?}"
        );
        assert_eq!(
            judged(&[B00, &d(0, "m0.1"), &d(1, "m0.1")], 2, "RB4").status,
            RunStatus::Holds
        );

        let v = judged(&[B00, B01, &d(1, "m0.2"), &d(1, "m0.1")], 2, "FRB5");
        assert!(
            v.status == RunStatus::Violated && v.line == Some(3),
            "{v:?}"
        );
        assert_eq!(
            judged(&[B00, B01, &d(1, "m0.1"), &d(1, "m0.2")], 2, "FRB5").status,
            RunStatus::Holds
        );

        // p1 delivers m0.1, then broadcasts m1.1: m0.1 → m1.1; p2 delivers m1.1 first.
        let causal = [B00, &d(1, "m0.1"), B10, &d(2, "m1.1"), &d(2, "m0.1")];
        let v = judged(&causal, 3, "CRB5");
        assert!(
            v.status == RunStatus::Violated && v.line == Some(4),
            "{v:?}"
        );
        let ok = [B00, &d(1, "m0.1"), B10, &d(2, "m0.1"), &d(2, "m1.1")];
        assert_eq!(judged(&ok, 3, "CRB5").status, RunStatus::Holds);

        let tob = [
            B00,
            B10,
            &d(0, "m0.1"),
            &d(0, "m1.1"),
            &d(1, "m1.1"),
            &d(1, "m0.1"),
        ];
        let v = judged(&tob, 2, "TOB5");
        assert!(
            v.status == RunStatus::Violated && v.line == Some(6),
            "{v:?}"
        );

        let crash = r#"{"t_us":5,"p":1,"event":"crash"}"#;
        let suspect = r#"{"t_us":6,"p":0,"event":"suspect","q":1}"#;
        assert_eq!(
            judged(&[crash, suspect], 2, "PFD2").status,
            RunStatus::Holds
        );
        assert_eq!(judged(&[suspect], 2, "PFD2").status, RunStatus::Violated);
        assert_eq!(judged(&[crash], 2, "PFD1").status, RunStatus::Violated);
    }

    #[test]
    fn every_catalogue_property_is_judged_on_one_run() {
        assert!(select(&["PRB4".into()], false).is_ok());
        assert!(select(&["IC1".into()], false).is_err());
        assert!(select(&["URB4".into()], false).is_ok());
        assert!(select(&[], false)
            .expect("all")
            .iter()
            .all(|m| !m.needs_detector));
        assert!(select(&[], true)
            .expect("all")
            .iter()
            .any(|m| m.needs_detector));
    }
}
