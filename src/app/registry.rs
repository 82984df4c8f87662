//! The list of models, and the glue from a user's [`RunSpec`] to a checked [`Report`]. Each
//! model contributes one [`Entry`]: its description and a constructor from parameters; the
//! runtime, the catalogue and the checker are shared.

use crate::app::report::{Report, RunInfo};
use crate::engine::checker::{self, Options};
use crate::engine::prob::{ProbOptions, ProbReport, Probability};
use crate::error::{Error, Result};
use crate::models::params::{ParamSpec, Params, RunSpec, COMMON, DETECTOR, HEARTBEAT};
use crate::props::{self, PropMeta};
use crate::runtime::detector::Detector;
use crate::runtime::network::NetKind;
use crate::runtime::protocol::{Env, Protocol};
use crate::runtime::system::System;
use std::collections::BTreeMap;

/// What `broadcheck list` shows about a model.
pub struct ModelInfo {
    /// CLI name, e.g. `eager-rb`.
    pub name: &'static str,
    pub title: &'static str,
    /// Where the algorithm comes from.
    pub source: &'static str,
    /// Fault assumptions of the algorithm, e.g. `fail-silent`.
    pub fault_model: &'static str,
    /// The faults the algorithm tolerates, in words (`any f`, `f < n/2`).
    pub tolerance: &'static str,
    /// Whether the injected faults are within that tolerance, given every parameter (`n`, `f`,
    /// and what the algorithm is built for, such as `m` or `t`).
    pub tolerates: fn(&Params) -> bool,
    /// The properties the algorithm claims within its tolerance (checked by default).
    pub claims: &'static [&'static PropMeta],
    /// The model's own parameters, besides the common ones.
    pub params: &'static [ParamSpec],
    pub uses_detector: bool,
    pub default_n: u8,
}

/// A model the CLI can run.
pub trait ModelEntry: Sync {
    fn info(&self) -> &ModelInfo;
    /// Every parameter besides `n` and `f`.
    fn params(&self) -> Vec<&'static ParamSpec>;
    /// The default number of faults.
    fn default_f(&self) -> u8;
    /// Builds the model from `spec` and checks it.
    fn check(&self, spec: &RunSpec, opts: &Options) -> Result<Report>;
    /// The sequence chart of a trace handle: Mermaid text, or SVG.
    fn diagram(&self, spec: &RunSpec, handle: &str, svg: bool) -> Result<String>;
    /// Replays a trace handle and judges the properties at its last state.
    fn replay(&self, spec: &RunSpec, handle: &str) -> Result<Report>;
    /// Computes the exact probability of each selected property ([`crate::engine::prob`]).
    fn prob(&self, spec: &RunSpec, opts: &ProbOptions) -> Result<ProbReport>;
    /// Builds the model and serves stateright's Explorer on it (blocks). `ready` is called with
    /// the URL once the model is built and the address is free.
    fn explore(
        &self,
        spec: &RunSpec,
        addr: std::net::SocketAddr,
        ready: &dyn Fn(&str),
    ) -> Result<()>;
    /// Builds the model and audits what its reductions rely on (see [`System::audit`]).
    fn audit(&self, spec: &RunSpec, max_states: usize) -> Result<Vec<String>>;
    /// Like [`ModelEntry::check`], also returning the checker's memory (visited set plus
    /// waiting states, in bytes).
    fn check_measured(&self, spec: &RunSpec, opts: &Options) -> Result<(Report, usize)>;
}

/// A broadcast model: a [`Protocol`] run by [`System`].
pub struct Entry<P: Protocol> {
    pub info: ModelInfo,
    /// Builds the protocol from validated parameters.
    pub build: fn(&Params) -> Result<P>,
}

impl<P: Protocol> Entry<P> {
    /// Builds the runtime model for `spec`, validating every parameter.
    pub fn system(&self, spec: &RunSpec) -> Result<(System<P>, Params)> {
        let info = &self.info;
        let specs = Builder::params(self);
        let mut params = Params::resolve(
            info.name,
            spec.n.unwrap_or(u32::from(info.default_n)),
            spec.f.unwrap_or(0),
            &spec.params,
            &specs,
        )?;
        let env = Env {
            n: params.n,
            f: params.f,
            quota: params.quota()?,
        };
        let net = NetKind::parse(params.get("network")).unwrap_or(NetKind::Bag);
        let mut detector = Detector::parse(params.get("detector")).unwrap_or(Detector::Perfect);
        if let Detector::Heartbeat(_) = detector {
            detector = Detector::Heartbeat(crate::runtime::heartbeat::Timing {
                delay: params.get_int("hb_delay", 1, 4)? as u8,
                timeout: params.get_int("hb_timeout", 1, 8)? as u8,
                periods: params.get_int("hb_periods", 2, 4)? as u8,
            });
        } else if let Some(k) = spec.params.keys().find(|k| k.starts_with("hb_")) {
            return Err(Error::input(format!(
                "parameter {k} only applies with detector=heartbeat"
            )));
        } else {
            for p in HEARTBEAT {
                params.forget(p.key);
            }
        }
        let proto = (self.build)(&params)?;
        let mut sys = System::new(proto, env, net, detector);
        if !params.get("loss").is_empty() {
            let q = crate::engine::prob::Ratio::parse("loss", params.get("loss"))?;
            sys.loss = (q != crate::engine::prob::Ratio::ZERO).then_some(q);
        }
        let mut available = props::broadcast_catalogue::<P>();
        available.extend(sys.proto.extra_properties());
        let names = spec.property_names(info.claims);
        sys.props = props::select(&available, &names, info.uses_detector)?;
        sys.track_causality = sys.props.iter().any(|d| d.meta.id == props::CRB5.id);
        sys.keep_order = !sys.props.iter().all(|d| props::order_blind(d.meta));
        sys.reduce = spec.reduce;
        if spec.reduce.por {
            sys.drop_ignored = true;
            sys.reduction_notes.push(
                "por: receipts a process ignores for good are taken at once (an ample set of one invisible, independent step)"
                    .into(),
            );
        }
        if spec.reduce.symmetry {
            sys.enable_symmetry();
        }
        Ok((sys, params))
    }
}

/// Renders the chart of a trace handle.
pub fn diagram_of<M: checker::Spec>(m: &M, handle: &str, svg: bool) -> Result<String> {
    let path = checker::Path::from_handle(m, handle)
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
pub fn replay_report<M: checker::Spec>(
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
    let probe = checker::Path::from_handle(m, handle).ok_or_else(fits)?;
    let last = probe.last();
    let mut findings = Vec::new();
    for d in m.props() {
        let judged = d.meta.kind != props::Kind::Liveness || m.quiescent(last);
        let why = if judged { (d.check)(m, last) } else { None };
        let status = if why.is_some() {
            checker::Status::Violated
        } else {
            checker::Status::Unknown
        };
        findings.push(checker::Finding {
            meta: d.meta,
            kind: d.meta.kind,
            status,
            why,
            path: checker::Path::from_handle(m, handle),
        });
    }
    let outcome = checker::Outcome {
        unique_states: probe.steps.len() + 1,
        states: probe.steps.len() + 1,
        max_depth: probe.steps.len(),
        elapsed: std::time::Duration::ZERO,
        bound: Some(format!("replay of trace {handle}")),
        stopped_early: false,
        quiescent_states: usize::from(m.quiescent(last)),
        visited_bytes: 0,
        pending_bytes: 0,
        findings,
    };
    let opts = Options::default();
    let mut report = report_of(m, info, params, &opts, &outcome);
    report.strategy = "replay".into();
    Ok(report)
}

impl<P: Protocol> Builder for Entry<P> {
    type Model = System<P>;

    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn params(&self) -> Vec<&'static ParamSpec> {
        let mut v: Vec<&'static ParamSpec> = COMMON.iter().collect();
        if self.info.uses_detector {
            v.push(&DETECTOR);
            v.extend(HEARTBEAT.iter());
        }
        v.extend(self.info.params.iter());
        v
    }

    fn build(&self, spec: &RunSpec) -> Result<(System<P>, Params)> {
        self.system(spec)
    }

    fn has_probability(&self) -> bool {
        true
    }

    fn audit(&self, m: &System<P>, max_states: usize) -> Vec<String> {
        m.audit(max_states)
    }

    fn probability(&self, mut m: System<P>, opts: &ProbOptions) -> Result<Vec<Probability>> {
        m.drop_ignored = true;
        let m = &m;
        m.props
            .iter()
            .map(|d| crate::engine::prob::probability(m, d, opts))
            .collect()
    }
}

/// What each kind of model entry provides: how to build its model. [`ModelEntry`] (check,
/// replay, diagrams, Explorer) is derived from it once for all.
pub trait Builder: Sync {
    type Model: checker::Spec + Send + 'static;
    fn info(&self) -> &ModelInfo;
    /// Every parameter besides `n` and `f`.
    fn params(&self) -> Vec<&'static ParamSpec>;
    /// The default number of faults.
    fn default_f(&self) -> u8 {
        0
    }
    /// Builds the model from `spec`, validating every parameter.
    fn build(&self, spec: &RunSpec) -> Result<(Self::Model, Params)>;
    /// Whether [`Builder::probability`] is implemented.
    fn has_probability(&self) -> bool {
        false
    }
    /// Exact probabilities of the model's properties; only models with random steps (or whose
    /// adversary is the only source of branching) implement it.
    fn probability(&self, _m: Self::Model, _opts: &ProbOptions) -> Result<Vec<Probability>> {
        self.probability_unsupported()
    }
    /// The error for models without [`Builder::probability`].
    fn probability_unsupported<T>(&self) -> Result<T> {
        Err(Error::input(format!(
            "prob works on broadcast models (gossip has random steps); {} is not one",
            Builder::info(self).name
        )))
    }
    /// Audits what the reductions rely on over the first `max_states` states (see
    /// [`System::audit`]); the list of failures.
    fn audit(&self, _m: &Self::Model, _max_states: usize) -> Vec<String> {
        Vec::new()
    }
    /// Checks a built model (default: the state-space search of [`checker::check`]).
    fn check_model(&self, m: &Self::Model, params: &Params, opts: &Options) -> Report {
        check_and_report(m, Builder::info(self), params, opts)
    }
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
    fn check(&self, spec: &RunSpec, opts: &Options) -> Result<Report> {
        let (m, params) = self.build(spec)?;
        Ok(self.check_model(&m, &params, opts))
    }
    fn diagram(&self, spec: &RunSpec, handle: &str, svg: bool) -> Result<String> {
        let (m, _) = self.build(spec)?;
        diagram_of(&m, handle, svg)
    }
    fn audit(&self, spec: &RunSpec, max_states: usize) -> Result<Vec<String>> {
        let (m, _) = self.build(spec)?;
        Ok(Builder::audit(self, &m, max_states))
    }
    fn check_measured(&self, spec: &RunSpec, opts: &Options) -> Result<(Report, usize)> {
        let (m, params) = self.build(spec)?;
        let outcome = checker::check(&m, opts);
        let bytes = outcome.visited_bytes + outcome.pending_bytes;
        Ok((
            report_of(&m, Builder::info(self), &params, opts, &outcome),
            bytes,
        ))
    }
    fn replay(&self, spec: &RunSpec, handle: &str) -> Result<Report> {
        let (m, params) = self.build(spec)?;
        replay_report(&m, Builder::info(self), &params, handle)
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
        ready: &dyn Fn(&str),
    ) -> Result<()> {
        let (m, _) = self.build(spec)?;
        crate::app::explorer::serve(m, addr, ready)
    }
}

/// Checks a built model and wraps the outcome in a report.
pub fn check_and_report<M: checker::Spec>(
    m: &M,
    info: &ModelInfo,
    params: &Params,
    opts: &Options,
) -> Report {
    let outcome = checker::check(m, opts);
    report_of(m, info, params, opts, &outcome)
}

fn report_of<M: checker::Spec>(
    m: &M,
    info: &ModelInfo,
    params: &Params,
    opts: &Options,
    outcome: &checker::Outcome<M>,
) -> Report {
    let shown = shown_params(params);
    let run = RunInfo {
        model: info.name,
        title: info.title,
        source: info.source,
        params: shown,
        fault_model: info.fault_model,
        tolerance: info.tolerance,
        within_tolerance: (info.tolerates)(params),
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

/// Looks a model up by its CLI name.
pub fn find(name: &str) -> Result<&'static dyn ModelEntry> {
    crate::models::all()
        .into_iter()
        .find(|e| e.info().name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = crate::models::all().iter().map(|e| e.info().name).collect();
            Error::input(format!(
                "unknown model '{name}' (known: {})",
                names.join(", ")
            ))
        })
}
