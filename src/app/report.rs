//! Check reports: built once from a search [`Outcome`], printed as text for people or as JSON
//! for machines (`--format json`).

use crate::engine::outcome::{Finding, Outcome, Status};
use crate::engine::property::Kind;
use crate::engine::spec::Reported;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One step of a counterexample.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct TraceStep {
    pub step: usize,
    pub action: String,
    pub effects: Vec<String>,
}

/// The verdict on one property.
#[derive(Clone, Debug, Serialize)]
pub struct PropReport {
    #[serde(skip)]
    pub meta: &'static crate::engine::property::PropMeta,
    pub name: String,
    pub id: String,
    pub kind: &'static str,
    pub status: Status,
    /// Whether the algorithm claims this property (in its tolerance range).
    pub claimed: bool,
    pub definition: String,
    /// Why the property fails at the end of the trace.
    pub why: Option<String>,
    /// Facts about the trace's initial state (who is faulty, the inputs).
    pub start: Vec<String>,
    /// Counterexample (violated) or example (witnessed).
    pub trace: Vec<TraceStep>,
    /// Closing facts about the trace's last state: lost messages, delivery logs.
    pub end: Vec<String>,
    /// Replay handle of the trace (`broadcheck replay … HANDLE`).
    pub handle: Option<String>,
    /// Explorer URL path of the trace's last state (append to the Explorer's address).
    pub explorer_path: Option<String>,
}

/// A check report. The JSON field names are a contract (see README).
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub model: String,
    pub title: String,
    pub source: String,
    pub params: BTreeMap<String, String>,
    pub fault_model: String,
    pub tolerance: String,
    pub within_tolerance: bool,
    pub strategy: String,
    pub threads: usize,
    pub exhaustive: bool,
    /// The bound that cut the search (`depth limit 5`, `timeout of 10 s`, …).
    pub bound: Option<crate::engine::outcome::Bound>,
    /// The search stopped once every property was decided.
    pub stopped_early: bool,
    pub unique_states: usize,
    pub states: usize,
    pub max_depth: usize,
    pub seconds: f64,
    pub quiescent_states: usize,
    /// Which liveness method was used, under which assumptions.
    pub liveness_method: String,
    /// The reductions asked for (`por`, `symmetry`).
    pub reduce: Vec<String>,
    /// What each reduction did in this run.
    pub reductions: Vec<String>,
    /// Reductions this model implements that this run did not ask for.
    pub reductions_not_on: Vec<String>,
    /// Bits per fingerprint in the visited set (0 when there was none, as in a replay).
    pub fingerprint_bits: u32,
    /// The chance that a fingerprint collision hid a state (see
    /// [`crate::engine::visited::collision_probability`]).
    pub collision_probability: f64,
    /// Peak bytes of the search's files (`--disk`; 0 when it kept everything in memory).
    pub disk_bytes: u64,
    /// The checkpoints this run wrote (`--checkpoint`, `resume`).
    pub checkpoint: Option<crate::engine::checkpoint::CheckpointNote>,
    pub properties: Vec<PropReport>,
}

/// What the caller knows about the run besides the search outcome.
pub struct RunInfo<'a> {
    pub model: &'a str,
    pub title: &'a str,
    pub source: &'a str,
    pub params: BTreeMap<String, String>,
    pub fault_model: &'a str,
    pub tolerance: &'a str,
    pub within_tolerance: bool,
    pub claims: &'a [&'static crate::engine::property::PropMeta],
    pub strategy: &'a str,
    pub threads: usize,
}

impl Report {
    pub fn new<M: Reported>(m: &M, info: RunInfo<'_>, out: &Outcome<M>) -> Report {
        let properties = out
            .findings
            .iter()
            .map(|f| prop_report(m, f, info.claims))
            .collect();
        Report {
            model: info.model.to_string(),
            title: info.title.to_string(),
            source: info.source.to_string(),
            params: info.params,
            fault_model: info.fault_model.to_string(),
            tolerance: info.tolerance.to_string(),
            within_tolerance: info.within_tolerance,
            strategy: info.strategy.to_string(),
            threads: info.threads,
            exhaustive: out.exhaustive(),
            bound: out.bound.clone(),
            stopped_early: out.stopped_early,
            unique_states: out.unique_states,
            states: out.states,
            max_depth: out.max_depth,
            seconds: out.elapsed.as_secs_f64(),
            quiescent_states: out.quiescent_states,
            liveness_method: m.liveness_method().to_string(),
            reduce: m.reduce().names().iter().map(|s| s.to_string()).collect(),
            reductions: m.reductions(),
            reductions_not_on: {
                let (on, can) = (m.reduce(), m.supported_reductions());
                let off = crate::engine::reductions::Reductions {
                    por: can.por && !on.por,
                    symmetry: can.symmetry && !on.symmetry,
                };
                off.names().iter().map(|s| s.to_string()).collect()
            },
            fingerprint_bits: out.fingerprint_bits,
            collision_probability: if out.fingerprint_bits == 0 {
                0.0
            } else {
                crate::engine::visited::collision_probability(
                    out.unique_states,
                    out.fingerprint_bits,
                )
            },
            disk_bytes: out.disk_bytes,
            checkpoint: out.checkpoint.clone(),
            properties,
        }
    }

    /// Every safety and liveness property holds and every witness was found.
    pub fn all_hold(&self) -> bool {
        self.properties
            .iter()
            .all(|p| matches!(p.status, Status::Holds | Status::Witnessed))
    }

    /// The arguments that select this run's model and parameters (for replay and explore).
    pub fn command_args(&self) -> String {
        let mut a = self.model.clone();
        for k in ["n", "f"] {
            if let Some(v) = self.params.get(k) {
                a += &format!(" --{k} {v}");
            }
        }
        for (k, v) in self.params.iter().filter(|(k, _)| *k != "n" && *k != "f") {
            a += &format!(" -p {k}={v}");
        }
        if !self.reduce.is_empty() {
            a += &format!(" --reduce {}", self.reduce.join(","));
        }
        a
    }

    /// The human-readable report.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        // n and f first, then the model's parameters.
        let mut params: Vec<String> = ["n", "f"]
            .iter()
            .filter_map(|k| self.params.get(*k).map(|v| format!("{k}={v}")))
            .collect();
        params.extend(
            self.params
                .iter()
                .filter(|(k, _)| *k != "n" && *k != "f")
                .map(|(k, v)| format!("{k}={v}")),
        );
        let _ = writeln!(
            s,
            "model    {} — {} ({})",
            self.model, self.title, self.source
        );
        let _ = writeln!(s, "params   {}", params.join(" "));
        let tol = if self.within_tolerance {
            "within"
        } else {
            "OUTSIDE"
        };
        let kind = match self.params.get("faults").map(String::as_str) {
            Some(k) if k != "crash" => {
                format!("{k} faults; the algorithm assumes {}", self.fault_model)
            }
            _ => self.fault_model.to_string(),
        };
        let _ = writeln!(
            s,
            "faults   f={} injected ({kind}): {tol} what the algorithm tolerates ({})",
            self.params.get("f").map_or("0", String::as_str),
            self.tolerance
        );
        let scope = if self.exhaustive {
            "exhaustive".to_string()
        } else if let Some(b) = &self.bound {
            format!("BOUNDED by {b}: verdicts without a counterexample are unknown")
        } else {
            "stopped early: every property decided".to_string()
        };
        let _ = writeln!(
            s,
            "search   {}, {scope}; {} unique states ({} generated), max depth {}, {:.2} s",
            self.strategy, self.unique_states, self.states, self.max_depth, self.seconds
        );
        for r in &self.reductions {
            let _ = writeln!(s, "reduce   {r}");
        }
        if self.fingerprint_bits > 0 {
            let _ = writeln!(
                s,
                "visited  {}-bit fingerprints; chance that a collision hid a state ≤ {:.1e}",
                self.fingerprint_bits, self.collision_probability
            );
        }
        if let Some(c) = &self.checkpoint {
            let dir = c.dir.display();
            if let Some(e) = &c.error {
                let _ = writeln!(s, "checkpoint  FAILED to write to {dir}: {e}");
            }
            if c.written == 0 && c.error.is_none() {
                let _ = writeln!(s, "checkpoint  none written to {dir} by this run");
            }
            if c.written > 0 {
                use crate::engine::outcome::Bound;
                let stopped = matches!(
                    self.bound,
                    Some(Bound::Memory { .. } | Bound::Signal { .. } | Bound::Time(_))
                );
                let then = if stopped {
                    format!("go on with: broadcheck resume {dir}")
                } else {
                    "the search finished after it".to_string()
                };
                let _ = writeln!(
                    s,
                    "checkpoint  {} written to {dir}, the last at {} states; {then}",
                    c.written,
                    crate::engine::outcome::grouped(c.states)
                );
            }
        }
        if self.disk_bytes > 0 {
            let _ = writeln!(
                s,
                "disk     frontier, parent links and spilled fingerprints peaked at {} of files",
                crate::engine::stop::Size(self.disk_bytes)
            );
        }
        if matches!(
            self.bound,
            Some(crate::engine::outcome::Bound::Memory { .. })
        ) {
            let hint = if self.reductions_not_on.is_empty() {
                "every reduction this model implements was on".to_string()
            } else {
                format!(
                    "this model implements reductions that were not on: {} (--reduce {}; their claims are audited first)",
                    self.reductions_not_on.join(", "),
                    self.reductions_not_on.join(",")
                )
            };
            let _ = writeln!(s, "memory   {hint}; or raise --memory-limit");
        }
        if self
            .properties
            .iter()
            .any(|p| p.kind == Kind::Liveness.name())
        {
            if self.liveness_method.starts_with("terminal-state") {
                let _ = writeln!(
                    s,
                    "liveness {} ({} quiescent states)",
                    self.liveness_method, self.quiescent_states
                );
            } else {
                let _ = writeln!(s, "liveness {}", self.liveness_method);
            }
        }
        let _ = writeln!(s);
        let width = self
            .properties
            .iter()
            .map(|p| p.name.chars().count())
            .max()
            .unwrap_or(0);
        for p in &self.properties {
            let claim = if p.claimed || p.kind == Kind::Reachability.name() {
                ""
            } else {
                "  (not claimed by this algorithm)"
            };
            let pad = width.saturating_sub(p.name.chars().count());
            let _ = writeln!(
                s,
                "  {}{}  {:<12}  {}{claim}",
                p.name,
                " ".repeat(pad),
                p.kind,
                p.status.name().to_uppercase()
            );
        }
        for p in &self.properties {
            let vacuous = p.kind == Kind::Reachability.name() && p.status == Status::Unreachable;
            if vacuous {
                let _ = writeln!(
                    s,
                    "\nnote: {} is unreachable: no quiescent state makes its property non-trivial, so that property holds vacuously",
                    p.name
                );
            }
            if p.status == Status::Unknown {
                if let Some(why) = &p.why {
                    let _ = writeln!(s, "\nnote: {} UNKNOWN: {why}", p.name);
                }
            }
            if p.status != Status::Violated {
                continue;
            }
            let _ = writeln!(
                s,
                "\nCounterexample to {} ({} steps):",
                p.name,
                p.trace.len()
            );
            let _ = writeln!(s, "  definition: {}", p.definition);
            for l in &p.start {
                let _ = writeln!(s, "  {l}");
            }
            render_trace(&mut s, &p.trace, &p.end);
            if let Some(why) = &p.why {
                let fair_cycle = self.liveness_method.starts_with("fair-cycle");
                let when = if p.kind == Kind::Liveness.name() && fair_cycle {
                    ""
                } else if p.kind == Kind::Liveness.name() {
                    "in this quiescent state (no obligatory step is left: the run may end here), "
                } else {
                    ""
                };
                let _ = writeln!(s, "  => {} VIOLATED: {when}{why}", p.name);
            }
            if let (Some(h), Some(url)) = (&p.handle, &p.explorer_path) {
                let args = self.command_args();
                let _ = writeln!(s, "  replay:   {} replay {args} -P {} {h}", program(), p.id);
                let _ = writeln!(
                    s,
                    "  explore:  {} explore {args} --trace {h}   (opens http://127.0.0.1:3000/{url})",
                    program()
                );
            }
        }
        s
    }
}

fn render_trace(s: &mut String, trace: &[TraceStep], end: &[String]) {
    let w = trace.len().to_string().len();
    for t in trace {
        let _ = writeln!(s, "  {:>w$}. {}", t.step, t.action);
        for e in &t.effects {
            let _ = writeln!(s, "  {:>w$}    → {e}", "");
        }
    }
    for e in end {
        let _ = writeln!(s, "  {e}");
    }
}

fn prop_report<M: Reported>(
    m: &M,
    f: &Finding<M>,
    claims: &[&'static crate::engine::property::PropMeta],
) -> PropReport {
    let mut trace = Vec::new();
    let mut end = Vec::new();
    let mut start = Vec::new();
    let mut handle = None;
    let mut explorer_path = None;
    if let Some(path) = &f.path {
        handle = Some(path.handle());
        explorer_path = Some(path.explorer_path());
        start = m.render_init(&path.init);
        let mut prev = &path.init;
        for (i, (a, next)) in path.steps.iter().enumerate() {
            let st = m.render_step(prev, a, next);
            trace.push(TraceStep {
                step: i + 1,
                action: st.action,
                effects: st.effects,
            });
            prev = next;
        }
        if f.status == Status::Violated {
            end = m.render_end(path.last());
        }
    }
    PropReport {
        meta: f.meta,
        name: f.name().to_string(),
        id: f.meta.id.to_string(),
        kind: f.kind.name(),
        status: f.status,
        claimed: claims.iter().any(|c| c.id == f.meta.id),
        definition: f.meta.about.to_string(),
        why: f.why.clone(),
        start,
        trace,
        end,
        handle,
        explorer_path,
    }
}

static PROGRAM: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Names the program that replay and explore lines tell the reader to run: a user's own
/// binary (`my-rb replay …`) rather than `broadcheck`. Set once, by the CLI, from `argv[0]`.
pub fn set_program(name: &str) {
    let _ = PROGRAM.set(name.to_string());
}

/// The program replay and explore lines name (`broadcheck` unless [`set_program`] said).
pub fn program() -> &'static str {
    PROGRAM.get().map_or("broadcheck", String::as_str)
}
