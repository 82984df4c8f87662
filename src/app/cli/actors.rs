//! The actor commands: `run` (the algorithm on real sockets), `check-trace` (a recorded run
//! judged by the catalogue's predicates) and `conform` (broadcheck's search beside
//! stateright's checker on the actor form).

use super::args::{CheckTraceArgs, ConformArgs, Format, RunArgs, Target};
use super::checking::resolve;
use super::{json, out, say};
use crate::actor::judge::{self, Ending, RunReport};
use crate::actor::trace::{self, Header, Trace};
use crate::actor::udp::{CrashPlan, RunOptions};
use crate::app::modelfile::ModelFile;
use crate::app::registry::Registry;
use crate::app::verify;
use crate::error::{Error, Result};
use crate::runtime::protocol::Pid;
use std::path::PathBuf;
use std::time::Duration;

/// `pI@MS` or `pI@after-sends:K`.
fn parse_crash(s: &str) -> Result<(Pid, CrashPlan)> {
    let bad = || {
        Error::input(format!(
            "--crash '{s}': write pI@MS (milliseconds after the start) or pI@after-sends:K"
        ))
    };
    let (who, when) = s.split_once('@').ok_or_else(bad)?;
    let p: Pid = who
        .strip_prefix('p')
        .and_then(|x| x.parse().ok())
        .ok_or_else(bad)?;
    let plan = match when.strip_prefix("after-sends:") {
        Some(k) => CrashPlan::AfterSends(k.parse().map_err(|_| bad())?),
        None => {
            let ms: u64 = when.parse().map_err(|_| bad())?;
            CrashPlan::At(Duration::from_millis(ms))
        }
    };
    Ok((p, plan))
}

/// `MIN..MAX` milliseconds.
fn parse_delay(s: &str) -> Result<(Duration, Duration)> {
    let bad = || {
        Error::input(format!(
            "--delay '{s}': write MIN..MAX in milliseconds, e.g. 0..20"
        ))
    };
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    let ms = |x: &str| -> Result<Duration> {
        let v: f64 = x.parse().map_err(|_| bad())?;
        if !(0.0..=10_000.0).contains(&v) {
            return Err(bad());
        }
        Ok(Duration::from_secs_f64(v / 1000.0))
    };
    let (lo, hi) = (ms(a)?, ms(b)?);
    if hi < lo {
        return Err(Error::input(format!("--delay '{s}': MIN is above MAX")));
    }
    Ok((lo, hi))
}

/// `--diagram KIND FILE` for a recorded run.
fn write_chart(trace: &Trace, n: u8, diagram: &[String]) -> Result<()> {
    let [kind, file] = diagram else {
        return Ok(());
    };
    let ev = judge::chart(trace);
    let text = match kind.as_str() {
        "svg" => crate::app::diagram::svg(n as usize, &ev),
        "mermaid" => crate::app::diagram::mermaid(n as usize, &ev),
        other => {
            return Err(Error::input(format!(
                "--diagram kind must be mermaid or svg (got '{other}')"
            )))
        }
    };
    std::fs::write(file, text).map_err(|e| Error::Io(format!("cannot write {file}: {e}")))
}

fn exit_code(r: &RunReport) -> i32 {
    i32::from(r.violated() || r.unknown())
}

pub(super) fn run(a: RunArgs, reg: &Registry) -> Result<i32> {
    if !(0.0..=1.0).contains(&a.loss) {
        return Err(Error::input(format!(
            "--loss {}: a probability, 0 to 1",
            a.loss
        )));
    }
    if !(a.duration > 0.0 && a.duration <= 3600.0) {
        return Err(Error::input(format!(
            "--duration {}: seconds, more than 0 and at most 3600",
            a.duration
        )));
    }
    if a.hb_period == 0 || a.hb_period > 60_000 || a.hb_timeout == 0 || a.hb_timeout > 60_000 {
        return Err(Error::input(
            "--hb-period and --hb-timeout: milliseconds, 1 to 60000",
        ));
    }
    if let [kind, _] = a.diagram.as_slice() {
        if kind != "svg" && kind != "mermaid" {
            return Err(Error::input(format!(
                "--diagram kind must be mermaid or svg (got '{kind}')"
            )));
        }
    }
    let crashes = a
        .crash
        .iter()
        .map(|c| parse_crash(c))
        .collect::<Result<Vec<_>>>()?;
    for (i, (p, _)) in crashes.iter().enumerate() {
        if crashes[..i].iter().any(|(q, _)| q == p) {
            return Err(Error::input(format!("--crash p{p} is given twice")));
        }
    }
    let target = Target {
        target: a.target.clone(),
        n: a.n,
        f: Some(crashes.len() as u32),
        params: a.params.clone(),
        properties: a.properties.clone(),
        reduce: vec!["none".into()],
    };
    let (entry, spec, _) = resolve(reg, &target)?;
    let opts = RunOptions {
        crashes,
        loss: a.loss,
        delay: match &a.delay {
            Some(d) => parse_delay(d)?,
            None => (Duration::ZERO, Duration::ZERO),
        },
        seed: a.seed,
        duration: Duration::from_secs_f64(a.duration),
        heartbeat: crate::actor::node::HeartbeatTiming {
            period: Duration::from_millis(a.hb_period),
            timeout: Duration::from_millis(a.hb_timeout),
        },
    };
    let live = entry.run_live(&spec, &opts)?;
    let name = entry.info().name;
    let t = Trace {
        header: Some(Header {
            n: live.n,
            model: name.to_string(),
            detector: live.detector,
            properties: live.props.iter().map(|m| m.id.to_string()).collect(),
        }),
        lines: (2..live.outcome.events.len() + 2).collect(),
        events: live.outcome.events.clone(),
    };
    let report = judge::judge(&t, live.n, &live.props, live.outcome.ending.clone());
    if let Some(path) = &a.trace_out {
        let mut f = std::fs::File::create(path)
            .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))?;
        let header = t.header.clone().unwrap_or(Header {
            n: live.n,
            model: String::new(),
            detector: live.detector,
            properties: Vec::new(),
        });
        trace::write(&mut f, &header, &t.events)
            .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))?;
    }
    write_chart(&t, live.n, &a.diagram)?;
    let ports: Vec<String> = live.outcome.ports.iter().map(|p| p.to_string()).collect();
    let faults = if a.crash.is_empty() && a.loss == 0.0 && a.delay.is_none() {
        "no faults".to_string()
    } else {
        let mut f: Vec<String> = a.crash.iter().map(|c| format!("crash {c}")).collect();
        if a.loss > 0.0 {
            f.push(format!("loss {}", a.loss));
        }
        if let Some(d) = &a.delay {
            f.push(format!("delay {d} ms"));
        }
        f.join(", ")
    };
    match a.format {
        Format::Json => {
            #[derive(serde::Serialize)]
            struct J<'a> {
                model: &'a str,
                ports: &'a [u16],
                seed: u64,
                elapsed_ms: u128,
                not_judged: Vec<&'static str>,
                #[serde(flatten)]
                report: &'a RunReport,
            }
            out(&json(&J {
                model: name,
                ports: &live.outcome.ports,
                seed: a.seed,
                elapsed_ms: live.outcome.elapsed.as_millis(),
                not_judged: live.skipped.iter().map(|m| m.name).collect(),
                report: &report,
            })?)?;
        }
        Format::Text => {
            let mut s = format!(
                "run {name}: {} processes on 127.0.0.1 UDP ports {}, one stateright actor each; {faults}; seed {}; {:.0} ms\n",
                live.n,
                ports.join(", "),
                a.seed,
                live.outcome.elapsed.as_secs_f64() * 1000.0
            );
            s += &judge::render(&report);
            for m in &live.skipped {
                s += &format!(
                    "not judged: {} (not a catalogue property: it reads the algorithm's local state, which a trace does not record)\n",
                    m.name
                );
            }
            if let Some(p) = &a.trace_out {
                s += &format!(
                    "trace: {} (judge it again with '{} check-trace {}')\n",
                    p.display(),
                    crate::app::report::program(),
                    p.display()
                );
            }
            out(&s)?;
        }
    }
    Ok(exit_code(&report))
}

pub(super) fn check_trace(a: CheckTraceArgs) -> Result<i32> {
    let path = &a.file;
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::input(format!("cannot read {}: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(Error::input(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::input(format!("cannot read {}: {e}", path.display())))?;
    let (t, n) =
        trace::parse(&text, a.n).map_err(|e| Error::input(format!("{}: {e}", path.display())))?;
    let (names, detector) = match &t.header {
        Some(h) if a.properties.is_empty() => (h.properties.clone(), h.detector),
        Some(h) => (a.properties.clone(), h.detector),
        None => (a.properties.clone(), false),
    };
    let detector = detector
        || t.events
            .iter()
            .any(|e| matches!(e.ev, crate::actor::trace::Ev::Suspect { .. }));
    let props = judge::select(&names, detector).map_err(Error::input)?;
    let report = judge::judge(&t, n, &props, Ending::AsRecorded);
    write_chart(&t, n, &a.diagram)?;
    match a.format {
        Format::Json => out(&json(&report)?)?,
        Format::Text => {
            let model = t
                .header
                .as_ref()
                .map(|h| h.model.as_str())
                .filter(|m| !m.is_empty())
                .map(|m| format!(" (model {m})"))
                .unwrap_or_default();
            out(&format!(
                "check-trace {}{model}\n{}",
                path.display(),
                judge::render(&report)
            ))?;
        }
    }
    Ok(exit_code(&report))
}

/// One file's result in `conform`.
#[derive(serde::Serialize)]
struct FileRow {
    file: String,
    model: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    row: Option<crate::actor::conform::Row>,
    ok: bool,
}

pub(super) fn conform(a: ConformArgs, reg: &Registry) -> Result<i32> {
    let paths = if a.paths.is_empty() {
        vec![PathBuf::from("models")]
    } else {
        a.paths
    };
    let files = verify::collect(&paths)?;
    let mut rows = Vec::new();
    for file in &files {
        let mf = ModelFile::load(file)?;
        let spec = mf.run_spec()?;
        let entry = reg.find(&spec.model)?;
        let name = file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let model = format!(
            "{} n={} f={}",
            spec.model,
            spec.n.map_or("default".into(), |n| n.to_string()),
            spec.f.unwrap_or(0)
        );
        let r = match entry.actor_conformance(&spec, a.max_states)? {
            Ok(row) => FileRow {
                ok: row.verdicts_agree()
                    && row.counts_explained()
                    && row.checker_agrees()
                    && row.views_agree(),
                file: name,
                model,
                skipped: None,
                row: Some(row),
            },
            Err(why) => FileRow {
                file: name,
                model,
                skipped: Some(why),
                row: None,
                ok: true,
            },
        };
        if a.format == Format::Text {
            out(&render_row(&r))?;
        }
        rows.push(r);
    }
    let bad = rows.iter().filter(|r| !r.ok).count();
    let compared = rows.iter().filter(|r| r.row.is_some()).count();
    match a.format {
        Format::Json => out(&json(&rows)?)?,
        Format::Text => out(&format!(
            "conform: {compared} model files compared, {} skipped, {bad} disagreeing\n",
            rows.len() - compared
        ))?,
    }
    if bad > 0 {
        say(&format!("conform: {bad} file(s) disagree"));
    }
    Ok(i32::from(bad > 0))
}

fn render_row(r: &FileRow) -> String {
    let mut s = format!("{} ({})\n", r.file, r.model);
    match (&r.skipped, &r.row) {
        (Some(why), _) => s += &format!("  skipped: {why}\n"),
        (None, Some(row)) => {
            s += &format!(
                "  {:<36} {:<12} {:<12}\n",
                "property", "broadcheck", "stateright"
            );
            for (name, ours, theirs) in &row.verdicts {
                let mark = if ours == theirs { "" } else { "  <-- DISAGREE" };
                s += &format!("  {name:<36} {ours:<12} {theirs:<12}{mark}\n");
            }
            let checker = row
                .checker_states
                .map_or("stopped early".to_string(), |c| c.to_string());
            let complete = if row.complete {
                ""
            } else {
                " (INCOMPLETE: cap reached)"
            };
            s += &format!(
                "  states: broadcheck {checker}; stateright on the runtime model {}; stateright on the actors {}{complete}\n",
                row.runtime_states, row.actor_states
            );
            let v = &row.views;
            s += &format!(
                "  seen as runtime states, the actor states are {} distinct states: {} runtime state(s) missing, {} extra{}{}\n",
                v.views,
                v.runtime_unmatched,
                v.views_unmatched,
                if row.random_steps && v.views_unmatched > 0 {
                    " (random choices interleaving)"
                } else {
                    ""
                },
                if row.views_agree() { "" } else { "  <-- DISAGREE" }
            );
            if row.differences.is_empty() {
                let same = if row.actor_states == row.runtime_states {
                    "isomorphic encodings: counts agree"
                } else {
                    "isomorphic encodings, yet the counts DIFFER"
                };
                s += &format!("  {same}\n");
            } else {
                for d in &row.differences {
                    s += &format!("  not isomorphic: {d}\n");
                }
            }
        }
        (None, None) => {}
    }
    s
}
