//! The list of models, and the glue from a user's [`RunSpec`] to a checked [`Report`]. Each
//! model contributes one [`Entry`](crate::models::entry::Entry): its description and a constructor from parameters; the
//! runtime, the catalogue and the checker are shared.

use crate::app::report::TraceStep;
use crate::app::report::{Report, RunInfo};
use crate::engine::checker;
use crate::engine::liveness::{self, Verdict};
use crate::engine::outcome::{Finding, Options, Outcome, Path, Status};
use crate::engine::prob::{ProbOptions, ProbReport};
use crate::engine::property::PropMeta;
use crate::engine::spec::Reported;
use crate::error::{Error, Result};
use crate::models::entry::{Builder, ModelInfo};
use crate::models::params::{ParamSpec, Params, RunSpec};
use std::collections::BTreeMap;

/// A model the CLI can run.
pub trait ModelEntry: Sync {
    fn info(&self) -> &ModelInfo;
    /// Every parameter besides `n` and `f`.
    fn params(&self) -> Vec<&'static ParamSpec>;
    /// The default number of faults.
    fn default_f(&self) -> u8;
    /// The process fault kinds the model can inject (what `list` shows).
    fn fault_kinds(&self) -> Vec<&'static str>;
    /// Every property this model can be checked against (its runtime's and its own).
    fn catalogue(&self) -> Vec<&'static PropMeta>;
    /// Builds the model from `spec` and checks it.
    fn check(&self, spec: &RunSpec, opts: &Options) -> Result<Report>;
    /// Builds the model from `spec` and resumes its check from the checkpoint in
    /// `opts.checkpoint` ([`crate::engine::checker::resume`]).
    fn resume(&self, spec: &RunSpec, opts: &Options) -> Result<Report>;
    /// The sequence chart of a trace handle: Mermaid text, or SVG.
    fn diagram(&self, spec: &RunSpec, handle: &str, svg: bool) -> Result<String>;
    /// Replays a trace handle and judges the properties at its last state.
    fn replay(&self, spec: &RunSpec, handle: &str) -> Result<Report>;
    /// After a check died of a panicking model: the first step that panics (in BFS order),
    /// as the replay handle of the trace to the state it leaves and the step in words.
    fn locate_panic(&self, spec: &RunSpec) -> Result<Option<(String, String)>>;
    /// The reductions this model implements.
    fn supported_reductions(&self, spec: &RunSpec)
        -> Result<crate::engine::reductions::Reductions>;
    /// Computes the exact probability of each selected property ([`crate::engine::prob`]).
    fn prob(&self, spec: &RunSpec, opts: &ProbOptions) -> Result<ProbReport>;
    /// Builds the model and serves stateright's Explorer on it (blocks). `ready` is called with
    /// the URL once the model is built and the address is free.
    fn explore(
        &self,
        spec: &RunSpec,
        addr: std::net::SocketAddr,
        max_states: Option<usize>,
        say: &dyn Fn(&str),
    ) -> Result<()>;
    /// Builds the model and audits what its reductions rely on (see [`crate::runtime::system::System::audit`]).
    fn audit(&self, spec: &RunSpec, max_states: usize) -> Result<Vec<String>>;
    /// Like [`ModelEntry::check`], also returning the checker's memory (visited set plus
    /// waiting states, in bytes).
    fn check_measured(&self, spec: &RunSpec, opts: &Options) -> Result<(Report, CheckerBytes)>;
    /// broadcheck's search beside stateright's on the model's actor form.
    fn actor_conformance(
        &self,
        spec: &RunSpec,
        max_states: usize,
    ) -> Result<std::result::Result<crate::actor::conform::Row, String>>;
    /// The algorithm on real UDP sockets.
    fn run_live(
        &self,
        spec: &RunSpec,
        opts: &crate::actor::udp::RunOptions,
    ) -> Result<crate::models::entry::LiveRun>;
}

/// Renders the chart of a trace handle.
pub fn diagram_of<M: Reported>(m: &M, handle: &str, svg: bool) -> Result<String> {
    let path = Path::from_handle(m, handle)
        .ok_or_else(|| Error::input(format!("trace handle '{handle}' does not fit this model")))?;
    let ev = crate::app::diagram::events(m, &path);
    Ok(if svg {
        crate::app::diagram::svg(m.processes(), &ev)
    } else {
        crate::app::diagram::mermaid(m.processes(), &ev)
    })
}

/// A replay as a report: each property is `violated` if it fails at the trace's last state
/// (liveness: if that state is quiescent), `unknown` otherwise.
pub fn replay_report<M: Reported>(
    m: &M,
    info: &ModelInfo,
    params: &Params,
    handle: &str,
) -> Result<Report> {
    let fits = || {
        Error::input(format!(
            "trace handle '{handle}' does not fit model {} with these parameters",
            info.name
        ))
    };
    let probe = Path::from_handle(m, handle).ok_or_else(fits)?;
    let last = probe.last();
    let mut findings = Vec::new();
    for d in m.props() {
        let judged = d.meta.kind != crate::engine::property::Kind::Liveness || m.quiescent(last);
        let fails = if judged { (d.check)(m, last) } else { None };
        let status = if fails.is_some() {
            Status::Violated
        } else {
            Status::Unknown
        };
        let why = fails.or_else(|| {
            Some(if judged {
                format!(
                    "{} holds at this trace's last state: the trace is not a counterexample",
                    d.meta.name
                )
            } else {
                format!(
                    "this trace's last state is not quiescent, so {} is not judged there: the trace is not a counterexample",
                    d.meta.name
                )
            })
        });
        findings.push(Finding {
            meta: d.meta,
            kind: d.meta.kind,
            status,
            why,
            path: Path::from_handle(m, handle),
        });
    }
    let outcome = Outcome {
        unique_states: probe.steps.len() + 1,
        states: probe.steps.len() + 1,
        max_depth: probe.steps.len(),
        elapsed: std::time::Duration::ZERO,
        bound: Some(crate::engine::outcome::Bound::Replay(handle.to_string())),
        stopped_early: false,
        quiescent_states: usize::from(m.quiescent(last)),
        visited_bytes: 0,
        pending_bytes: 0,
        fingerprint_bits: 0,
        disk_bytes: 0,
        checkpoint: None,
        findings,
    };
    let opts = Options::default();
    let mut report = report_of(m, info, params, &opts, &outcome);
    report.strategy = "replay".into();
    if m.props().iter().any(|d| m.temporal(d.meta).is_some()) {
        // A lasso (a fair-cycle counterexample) is replayed by judging the property again
        // and comparing the lasso found with the handle given: prefix and one turn of the
        // cycle.
        let bound = report.bound.clone();
        judge_fair_cycles(m, &opts, &mut report);
        report.bound = bound;
        for p in report.properties.iter_mut() {
            if m.temporal(p.meta).is_none() {
                continue;
            }
            if p.status == Status::Violated && p.handle.as_deref() == Some(handle.trim()) {
                continue;
            }
            let found = match (&p.status, &p.handle) {
                (Status::Violated, Some(h)) => format!("its counterexample is {h}"),
                (Status::Holds, _) => "it holds on every fair run".to_string(),
                _ => "it has no counterexample in this run".to_string(),
            };
            p.status = Status::Unknown;
            p.why = Some(format!(
                "this trace is not a fair-cycle counterexample to {} ({found})",
                p.name
            ));
            p.trace.clear();
            p.end.clear();
            p.handle = None;
            p.explorer_path = None;
        }
    }
    Ok(report)
}

impl<B: Builder> ModelEntry for B {
    fn info(&self) -> &ModelInfo {
        Builder::info(self)
    }
    fn params(&self) -> Vec<&'static ParamSpec> {
        Builder::params(self)
    }
    fn default_f(&self) -> u8 {
        Builder::default_f(self)
    }
    fn fault_kinds(&self) -> Vec<&'static str> {
        Builder::fault_kinds(self)
    }
    fn catalogue(&self) -> Vec<&'static PropMeta> {
        Builder::catalogue(self)
    }
    fn check(&self, spec: &RunSpec, opts: &Options) -> Result<Report> {
        let (m, params) = self.build(spec)?;
        guard_storage(&m, Builder::info(self).name, opts)?;
        Ok(check_and_report(&m, Builder::info(self), &params, opts).0)
    }
    fn resume(&self, spec: &RunSpec, opts: &Options) -> Result<Report> {
        let (m, params) = self.build(spec)?;
        stores_states(&m, Builder::info(self).name, "resume")?;
        let outcome = checker::resume(&m, opts).map_err(Error::input)?;
        Ok(report_of(&m, Builder::info(self), &params, opts, &outcome))
    }
    fn diagram(&self, spec: &RunSpec, handle: &str, svg: bool) -> Result<String> {
        let (m, _) = self.build(spec)?;
        diagram_of(&m, handle, svg)
    }
    fn audit(&self, spec: &RunSpec, max_states: usize) -> Result<Vec<String>> {
        let (m, _) = self.build(spec)?;
        Ok(Builder::audit(self, &m, max_states))
    }
    fn check_measured(&self, spec: &RunSpec, opts: &Options) -> Result<(Report, CheckerBytes)> {
        let (m, params) = self.build(spec)?;
        guard_storage(&m, Builder::info(self).name, opts)?;
        Ok(check_and_report(&m, Builder::info(self), &params, opts))
    }
    fn actor_conformance(
        &self,
        spec: &RunSpec,
        max_states: usize,
    ) -> Result<std::result::Result<crate::actor::conform::Row, String>> {
        Builder::actor_conformance(self, spec, max_states)
    }
    fn run_live(
        &self,
        spec: &RunSpec,
        opts: &crate::actor::udp::RunOptions,
    ) -> Result<crate::models::entry::LiveRun> {
        Builder::run_live(self, spec, opts)
    }
    fn replay(&self, spec: &RunSpec, handle: &str) -> Result<Report> {
        let (m, params) = self.build(spec)?;
        replay_report(&m, Builder::info(self), &params, handle)
    }
    fn supported_reductions(
        &self,
        spec: &RunSpec,
    ) -> Result<crate::engine::reductions::Reductions> {
        let (m, _) = self.build(spec)?;
        Ok(crate::engine::spec::Spec::supported_reductions(&m))
    }
    fn locate_panic(&self, spec: &RunSpec) -> Result<Option<(String, String)>> {
        let (m, _) = self.build(spec)?;
        Ok(crate::engine::panics::first_panic(&m, 1_000_000)
            .map(|p| (p.path.handle(), p.described)))
    }
    fn prob(&self, spec: &RunSpec, opts: &ProbOptions) -> Result<ProbReport> {
        if !self.has_probability() {
            return self.probability_unsupported();
        }
        let (m, params) = self.build(spec)?;
        let results = self.probability(m, opts)?;
        let info = Builder::info(self);
        Ok(ProbReport {
            model: info.name,
            title: info.title,
            source: info.source,
            params: shown_params(&params),
            results,
        })
    }
    fn explore(
        &self,
        spec: &RunSpec,
        addr: std::net::SocketAddr,
        max_states: Option<usize>,
        say: &dyn Fn(&str),
    ) -> Result<()> {
        let (m, _) = self.build(spec)?;
        crate::app::explorer::serve(m, addr, max_states, say)
    }
}

/// Checks a built model and wraps the outcome in a report; also the search's memory (visited
/// set plus waiting states, in bytes).
/// Refuses `--disk` and `--checkpoint` on a model whose search cannot keep states on disk.
fn guard_storage<M: Reported>(m: &M, model: &str, opts: &Options) -> Result<()> {
    if opts.disk.is_some() {
        stores_states(m, model, "--disk")?;
    }
    if opts.checkpoint.is_some() {
        stores_states(m, model, "--checkpoint")?;
    }
    Ok(())
}

/// Whether a search of `m` can keep its states on disk (`flag` needs it); one line if not.
pub fn stores_states<M: Reported>(m: &M, model: &str, flag: &str) -> Result<()> {
    if m.store().is_none() {
        return Err(Error::input(format!(
            "{flag}: model {model} cannot write its states to disk (its Spec has no store())"
        )));
    }
    if m.props().iter().any(|d| m.temporal(d.meta).is_some()) {
        return Err(Error::input(format!(
            "{flag}: model {model} judges liveness by the fair-cycle method, on its whole graph in memory; run it without {flag}"
        )));
    }
    Ok(())
}

pub fn check_and_report<M: Reported>(
    m: &M,
    info: &ModelInfo,
    params: &Params,
    opts: &Options,
) -> (Report, CheckerBytes) {
    let outcome = checker::check(m, opts);
    let mut report = report_of(m, info, params, opts, &outcome);
    if m.props().iter().any(|d| m.temporal(d.meta).is_some()) {
        judge_fair_cycles(m, opts, &mut report);
    }
    let bytes = CheckerBytes {
        visited: outcome.visited_bytes,
        pending: outcome.pending_bytes,
    };
    (report, bytes)
}

/// What a search held, in bytes: the visited set, and the peak of the states waiting on the
/// BFS frontier or the DFS stack.
#[derive(Copy, Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct CheckerBytes {
    pub visited: usize,
    pub pending: usize,
}

/// Judges the [`Spec::temporal`] properties of a cyclic model in `report` by the fair-cycle
/// checker ([`crate::engine::liveness`]): each counterexample is a lasso with its repeating
/// steps marked ↻. Safety properties keep the state-space search's verdicts.
fn judge_fair_cycles<M: Reported>(m: &M, opts: &Options, report: &mut Report) {
    let fair = m.fairness();
    let names: Vec<&str> = fair.iter().map(|c| c.name).collect();
    report.liveness_method = format!(
        "fair-cycle (SCC search over the whole graph) under {}",
        if names.is_empty() {
            "no fairness assumption".to_string()
        } else {
            names.join(", ")
        }
    );
    let g = liveness::explore(
        m,
        opts.max_states.unwrap_or(1_000_000),
        opts.max_depth,
        opts.timeout,
    );
    if let (None, Some(cut)) = (&report.bound, &g.cut) {
        report.bound = Some(cut.clone());
        report.exhaustive = false;
    }
    for p in report.properties.iter_mut() {
        let Some(formula) = m.temporal(p.meta) else {
            continue;
        };
        match liveness::check(&g, &formula, &fair) {
            Verdict::Unknown => {
                p.status = Status::Unknown;
                p.why = None;
            }
            Verdict::Holds => {
                p.status = Status::Holds;
                p.why = None;
            }
            Verdict::Violated(lasso) => {
                p.status = Status::Violated;
                let mut trace = Vec::new();
                let mut indices = vec![g
                    .init
                    .iter()
                    .position(|&i| i == lasso.prefix[0])
                    .unwrap_or(0)];
                let forced = &lasso.forced;
                let mut push = |from: usize, to: usize, cycle: bool, trace: &mut Vec<TraceStep>| {
                    // The fairness edge the cycle chose, else any edge between the two.
                    let k = forced
                        .iter()
                        .find(|(v, k)| *v == from && g.edges[from][*k].1 == to)
                        .map(|(_, k)| *k)
                        .or_else(|| g.edges[from].iter().position(|(_, j)| *j == to));
                    let Some(k) = k else {
                        return;
                    };
                    let a = &g.edges[from][k].0;
                    indices.push(k);
                    let st = m.render_step(&g.states[from], a, &g.states[to]);
                    let mark = if cycle { "↻ " } else { "" };
                    trace.push(TraceStep {
                        step: trace.len() + 1,
                        action: format!("{mark}{}", st.action),
                        effects: st.effects,
                    });
                };
                for w in lasso.prefix.windows(2) {
                    push(w[0], w[1], false, &mut trace);
                }
                for w in lasso.cycle.windows(2) {
                    push(w[0], w[1], true, &mut trace);
                }
                let handle: Vec<String> = indices.iter().map(|i| i.to_string()).collect();
                p.handle = Some(handle.join("."));
                p.explorer_path = Some(format!("#/steps/{}", handle.join("/")));
                p.end = if lasso.cycle.is_empty() {
                    vec!["the run stops here: no step is enabled".to_string()]
                } else {
                    vec![format!(
                        "the steps marked ↻ repeat forever (the replay handle covers the prefix and one turn of the cycle); this run is fair under: {}",
                        if names.is_empty() {
                            "no assumption (fairness=off)".to_string()
                        } else {
                            names.join(", ")
                        }
                    )]
                };
                p.why = Some(m.why_not(p.meta));
                p.trace = trace;
            }
        }
    }
}

fn report_of<M: Reported>(
    m: &M,
    info: &ModelInfo,
    params: &Params,
    opts: &Options,
    outcome: &Outcome<M>,
) -> Report {
    let shown = shown_params(params);
    let run = RunInfo {
        model: info.name,
        title: info.title,
        source: info.source,
        params: shown,
        fault_model: info.fault_model,
        tolerance: info.tolerance,
        // A perfect failure detector reports crashes only: an algorithm that relies on one
        // does not tolerate omission faults (nothing ever reports an omitting process).
        within_tolerance: (info.tolerates)(params)
            && !(info.uses_detector
                && crate::runtime::faults::Faults::parse(params.get("faults"))
                    .is_some_and(|k| k.fixed_from_start())),
        claims: info.claims,
        strategy: opts.strategy.name(),
        threads: opts.threads,
    };
    Report::new(m, run, outcome)
}

/// `n`, `f` and every parameter value, for reports.
fn shown_params(params: &Params) -> BTreeMap<String, String> {
    let mut shown: BTreeMap<String, String> = BTreeMap::new();
    shown.insert("n".into(), params.n.to_string());
    shown.insert("f".into(), params.f.to_string());
    for (k, v) in params.values() {
        shown.insert(k.to_string(), v.clone());
    }
    shown
}

/// What a model name may be, in words.
pub const MODEL_NAME_RULE: &str =
    "lower-case letters, digits and dashes, starting with a letter, at most 64 characters";

/// Whether `name` can name a model on the command line ([`MODEL_NAME_RULE`]).
pub fn is_model_name(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The models a command line knows: a value, so that a user's crate can add its own to the
/// built-ins (`Registry::builtin().with(&MY_ENTRY)`) and get the whole CLI for them
/// (`app::cli::main_with`).
#[derive(Clone)]
pub struct Registry {
    entries: Vec<&'static dyn ModelEntry>,
}

impl Registry {
    /// No models.
    pub fn empty() -> Registry {
        Registry {
            entries: Vec::new(),
        }
    }

    /// Every built-in model, in `list` order.
    pub fn builtin() -> Registry {
        use crate::models::{agreement, broadcast, gossip, links, order};
        let entries: Vec<&'static dyn ModelEntry> = vec![
            &broadcast::beb::ENTRY,
            &broadcast::eager_rb::ENTRY,
            &broadcast::lazy_rb::ENTRY,
            &broadcast::all_ack_urb::ENTRY,
            &broadcast::majority_ack_urb::ENTRY,
            &broadcast::sync_fail_stop_rb::ENTRY,
            &broadcast::echo_bcb::ENTRY,
            &broadcast::double_echo_brb::ENTRY,
            &order::fifo::ENTRY,
            &order::causal_no_waiting::ENTRY,
            &order::causal_waiting::ENTRY,
            &order::sequencer_total_order::ENTRY,
            &order::isis_total_order::ENTRY,
            &order::fifo_total_order::ENTRY,
            &agreement::om::ENTRY,
            &agreement::sm::ENTRY,
            &agreement::majority_consensus::ENTRY,
            &agreement::unanimous_consensus::ENTRY,
            &agreement::flooding_consensus::ENTRY,
            &links::point_to_point::FAIR_LOSS,
            &links::point_to_point::STUBBORN,
            &links::point_to_point::PERFECT,
            &links::delivery::AT_MOST_ONCE,
            &links::delivery::AT_LEAST_ONCE,
            &links::delivery::EXACTLY_ONCE,
            &links::heartbeat_fd::ENTRY,
            &gossip::eager_gossip::ENTRY,
            &gossip::flood::ENTRY,
            &gossip::random_walk::ENTRY,
            &gossip::lazy_push_gossip::ENTRY,
            &gossip::pull_gossip::ENTRY,
            &gossip::anti_entropy::ENTRY,
        ];
        Registry { entries }
    }

    /// This registry and `entry` after it (a user's model beside the built-ins). Two entries
    /// with one name are refused when the registry is used ([`Registry::validate`]).
    pub fn with(mut self, entry: &'static dyn ModelEntry) -> Registry {
        self.entries.push(entry);
        self
    }

    /// Every model, in `list` order.
    pub fn entries(&self) -> &[&'static dyn ModelEntry] {
        &self.entries
    }

    /// An error naming the first model name registered twice, or a name that is not a CLI
    /// name ([`is_model_name`]).
    pub fn validate(&self) -> Result<()> {
        for (i, e) in self.entries.iter().enumerate() {
            let name = e.info().name;
            if !is_model_name(name) {
                return Err(Error::input(format!(
                    "model name '{name}' is not a CLI name ({MODEL_NAME_RULE})"
                )));
            }
            if self.entries[..i].iter().any(|o| o.info().name == name) {
                return Err(Error::input(format!(
                    "two models are registered as '{name}'"
                )));
            }
        }
        Ok(())
    }

    /// Every property some model of this registry can be checked against, each once, in the
    /// order the models list them.
    pub fn catalogue(&self) -> Vec<&'static PropMeta> {
        let mut v: Vec<&'static PropMeta> = Vec::new();
        for e in &self.entries {
            for p in e.catalogue() {
                if !v.iter().any(|q| q.id == p.id) {
                    v.push(p);
                }
            }
        }
        v
    }

    /// Looks a model up by its CLI name.
    pub fn find(&self, name: &str) -> Result<&'static dyn ModelEntry> {
        self.entries
            .iter()
            .copied()
            .find(|e| e.info().name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.entries.iter().map(|e| e.info().name).collect();
                Error::input(format!(
                    "unknown model '{name}' (known: {})",
                    names.join(", ")
                ))
            })
    }
}

#[cfg(test)]
mod panic_tests {
    use super::ModelEntry;
    use crate::models::entry::{Entry, ModelInfo};
    use crate::models::params::{Params, RunSpec};
    use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};

    /// Best-effort broadcast whose p2 panics on its first receipt.
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    struct Panicky;

    impl Protocol for Panicky {
        type State = ();
        type Msg = MsgId;
        fn init(&self, _env: &Env, _me: Pid) {}
        fn on_broadcast(&self, env: &Env, _me: Pid, _st: &mut (), m: MsgId, out: &mut Out<MsgId>) {
            for q in env.procs() {
                out.send(q, m);
            }
        }
        fn on_receive(
            &self,
            _env: &Env,
            me: Pid,
            _st: &mut (),
            _from: Pid,
            msg: &MsgId,
            out: &mut Out<MsgId>,
        ) {
            assert!(me != 2, "p2 cannot take {msg}");
            out.deliver(*msg);
        }
    }

    static PANICKY: Entry<Panicky> = Entry {
        info: ModelInfo {
            name: "panicky",
            title: "A broadcast whose p2 panics",
            source: "a test",
            fault_model: "none",
            tolerance: "none",
            tolerates: |_| true,
            claims: &[&crate::props::RB2],
            params: &[],
            uses_detector: false,
            default_n: 3,
        },
        build: |_: &Params| Ok(Panicky),
    };

    #[test]
    fn a_panicking_handler_is_located_with_its_trace() {
        let spec = RunSpec::of("panicky", 3, 0, &[]);
        let opts = crate::engine::outcome::Options::default();
        let died = std::panic::catch_unwind(|| PANICKY.check(&spec, &opts));
        assert!(died.is_err(), "the check itself panics");
        // On several DFS workers too: the panicking worker stops the others.
        let par = crate::engine::outcome::Options {
            strategy: crate::engine::outcome::Strategy::Dfs,
            threads: 2,
            ..crate::engine::outcome::Options::default()
        };
        let died = std::panic::catch_unwind(|| PANICKY.check(&spec, &par));
        assert!(died.is_err(), "the parallel check panics");
        let (handle, step) = PANICKY
            .locate_panic(&spec)
            .expect("builds")
            .expect("a panicking step");
        assert!(step.contains("p2"), "{step}");
        // The handle is the trace up to the state the panicking step leaves: it replays.
        let r = PANICKY.replay(&spec, &handle).expect("replays");
        assert!(r.unique_states >= 2, "{handle}");
    }
}
