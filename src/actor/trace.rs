//! The record of a run: one JSON object per line (`docs/trace-format.md`,
//! `docs/trace.schema.json`). `broadcheck run` writes it; any implementation in any language
//! can write it too, and `broadcheck check-trace` judges it ([`crate::actor::judge`]).
//!
//! ```text
//! {"event":"run","n":3,"model":"beb"}
//! {"t_us":120,"p":0,"event":"broadcast","m":"m0.1"}
//! {"t_us":131,"p":0,"event":"send","to":1,"msg":"[DATA m0.1]"}
//! {"t_us":180,"p":1,"event":"receive","from":0,"msg":"[DATA m0.1]"}
//! {"t_us":181,"p":1,"event":"deliver","m":"m0.1"}
//! {"t_us":900,"p":0,"event":"crash"}
//! {"t_us":950,"p":2,"event":"suspect","q":0}
//! ```
//!
//! Lines are in the order the events happened (a recorder takes them under one lock).

use crate::runtime::protocol::{MsgId, Pid, MAX_MSGS, MAX_PROCS};
use std::sync::Mutex;
use std::time::Instant;

/// What happened at a process.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Ev {
    /// The application broadcast `m` (`⟨Broadcast | m⟩`).
    Broadcast {
        #[serde(with = "msg_text")]
        m: MsgId,
    },
    /// A message handed to the network towards `to`.
    Send { to: Pid, msg: String },
    /// A message dropped at the sender (fault injection).
    Lost { to: Pid, msg: String },
    /// A message received from `from`.
    Receive { from: Pid, msg: String },
    /// The algorithm delivered `m` to the application (`⟨Deliver | s, m⟩`).
    Deliver {
        #[serde(with = "msg_text")]
        m: MsgId,
    },
    /// The process crashed (crash-stop).
    Crash,
    /// The process's failure detector reported `q` (`⟨P, Crash | q⟩`).
    Suspect { q: Pid },
}

/// One line of a trace.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Event {
    /// Microseconds since the run started.
    pub t_us: u64,
    pub p: Pid,
    #[serde(flatten)]
    pub ev: Ev,
}

/// The first line of a trace (optional for `check-trace`, which then takes `--n`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "event", rename = "run")]
pub struct Header {
    pub n: u8,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub model: String,
    /// The run had a failure detector (PFD1/PFD2 apply).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub detector: bool,
    /// The properties the run was judged by (IDs): `check-trace`'s default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<String>,
}

/// Message ids as the reports write them: `m0.1` is p0's first message.
pub mod msg_text {
    use crate::runtime::protocol::MsgId;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(m: &MsgId, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&m.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<MsgId, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_msg(&s).map_err(serde::de::Error::custom)
    }
}

/// `m<origin>.<k>` with `k` from 1.
pub fn parse_msg(s: &str) -> Result<MsgId, String> {
    let bad = || format!("message id '{s}' is not m<process>.<k> (e.g. m0.1)");
    let rest = s.strip_prefix('m').ok_or_else(bad)?;
    let (o, k) = rest.split_once('.').ok_or_else(bad)?;
    let origin: u8 = o.parse().map_err(|_| bad())?;
    let k: u8 = k.parse().map_err(|_| bad())?;
    if k == 0 || k > MAX_MSGS || origin >= MAX_PROCS {
        return Err(format!(
            "message id '{s}': at most {MAX_PROCS} processes and {MAX_MSGS} messages each (k from 1)"
        ));
    }
    Ok(MsgId { origin, seq: k - 1 })
}

/// Collects the events of a real run, from every actor's thread.
pub struct Recorder {
    start: Instant,
    events: Mutex<Vec<Event>>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            start: Instant::now(),
            events: Mutex::new(Vec::new()),
        }
    }
}

impl Recorder {
    pub fn record(&self, p: Pid, ev: Ev) {
        let mut v = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let t_us = self.start.elapsed().as_micros() as u64;
        v.push(Event { t_us, p, ev });
    }

    /// The events so far, in order.
    pub fn events(&self) -> Vec<Event> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn len(&self) -> usize {
        self.events.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A trace read from a file: its header (if any) and events.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub header: Option<Header>,
    pub events: Vec<Event>,
    /// `lines[i]`: the file line of `events[i]` (from 1).
    pub lines: Vec<usize>,
}

/// Writes a trace as JSON lines.
pub fn write(w: &mut dyn std::io::Write, header: &Header, events: &[Event]) -> std::io::Result<()> {
    let line = |v: serde_json::Result<String>| v.map_err(std::io::Error::other);
    writeln!(w, "{}", line(serde_json::to_string(header))?)?;
    for e in events {
        writeln!(w, "{}", line(serde_json::to_string(e))?)?;
    }
    w.flush()
}

/// Reads a trace; `n` (from the command line) overrides the header's. Bad input is an error
/// naming the line and what is wrong.
pub fn parse(text: &str, n: Option<u8>) -> Result<(Trace, u8), String> {
    let mut t = Trace::default();
    for (i, raw) in text.lines().enumerate() {
        let no = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("line {no}: malformed JSON: {e}"))?;
        if v.get("event").and_then(|e| e.as_str()) == Some("run") {
            if !t.events.is_empty() || t.header.is_some() {
                return Err(format!(
                    "line {no}: a \"run\" header may only be the first line"
                ));
            }
            let h: Header =
                serde_json::from_value(v).map_err(|e| format!("line {no}: bad header: {e}"))?;
            t.header = Some(h);
            continue;
        }
        let e: Event = serde_json::from_value(v).map_err(|e| format!("line {no}: {e}"))?;
        t.events.push(e);
        t.lines.push(no);
    }
    let n = match (n, &t.header) {
        (Some(n), _) => n,
        (None, Some(h)) => h.n,
        (None, None) => {
            return Err("the trace has no \"run\" header line giving n; pass --n".to_string())
        }
    };
    if n == 0 || n > MAX_PROCS {
        return Err(format!("n = {n}: between 1 and {MAX_PROCS} processes"));
    }
    for (e, no) in t.events.iter().zip(&t.lines) {
        let bad = |what: &str, p: Pid| {
            Err(format!(
                "line {no}: {what} p{p} is not one of the n = {n} processes p0..p{}",
                n - 1
            ))
        };
        if e.p >= n {
            return bad("process", e.p);
        }
        match &e.ev {
            Ev::Send { to: q, .. } | Ev::Lost { to: q, .. } if *q >= n => return bad("target", *q),
            Ev::Receive { from: q, .. } if *q >= n => return bad("sender", *q),
            Ev::Suspect { q } if *q >= n => return bad("suspected", *q),
            Ev::Broadcast { m } | Ev::Deliver { m } if m.origin >= n => {
                return bad("origin of the message: process", m.origin)
            }
            Ev::Broadcast { m } if m.origin != e.p => {
                return Err(format!(
                    "line {no}: p{} broadcasts {m}, which is p{}'s message id",
                    e.p, m.origin
                ))
            }
            _ => {}
        }
    }
    Ok((t, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_as_json_lines() {
        let evs = vec![
            Event {
                t_us: 1,
                p: 0,
                ev: Ev::Broadcast {
                    m: MsgId { origin: 0, seq: 0 },
                },
            },
            Event {
                t_us: 2,
                p: 0,
                ev: Ev::Send {
                    to: 1,
                    msg: "[DATA m0.1]".into(),
                },
            },
            Event {
                t_us: 3,
                p: 1,
                ev: Ev::Suspect { q: 0 },
            },
            Event {
                t_us: 4,
                p: 1,
                ev: Ev::Crash,
            },
        ];
        let mut buf = Vec::new();
        let h = Header {
            n: 2,
            model: "beb".into(),
            detector: false,
            properties: vec!["RB4".into()],
        };
        write(&mut buf, &h, &evs).expect("in memory");
        let text = String::from_utf8(buf).expect("utf-8");
        assert!(
            text.contains(r#"{"t_us":1,"p":0,"event":"broadcast","m":"m0.1"}"#),
            "{text}"
        );
        let (t, n) = parse(&text, None).expect("valid");
        assert_eq!(n, 2);
        assert_eq!(t.events, evs);
        assert_eq!(t.lines, vec![2, 3, 4, 5]);
    }

    #[test]
    fn bad_lines_are_named() {
        let cases = [
            (
                "{\"t_us\":1,\"p\":0,\"event\":\"broadcast\"",
                "line 1: malformed JSON",
            ),
            (
                "{\"t_us\":1,\"p\":0,\"event\":\"teleport\"}",
                "line 1: unknown variant",
            ),
            (
                "{\"t_us\":1,\"p\":5,\"event\":\"crash\"}",
                "line 1: process p5",
            ),
            (
                "{\"t_us\":1,\"p\":0,\"event\":\"deliver\",\"m\":\"x\"}",
                "line 1: message id 'x'",
            ),
            (
                "{\"t_us\":1,\"p\":0,\"event\":\"send\",\"to\":3,\"msg\":\"a\"}",
                "line 1: target p3",
            ),
            (
                "{\"t_us\":1,\"p\":1,\"event\":\"broadcast\",\"m\":\"m0.1\"}",
                "which is p0's message id",
            ),
        ];
        for (line, want) in cases {
            let err = parse(line, Some(2)).expect_err(line);
            assert!(err.contains(want), "{line}: {err}");
        }
        assert!(parse("", None).expect_err("no n").contains("--n"));
    }
}
