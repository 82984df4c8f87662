//! A model entry: what `list` shows of a model ([`ModelInfo`]) and how to build it from a
//! user's parameters ([`Builder`]). The three kinds of entry, one per runtime: [`Entry`] for a
//! [`Protocol`] on the asynchronous runtime, [`RoundEntry`] for a [`RoundProtocol`] in
//! synchronous rounds, and the fair-cycle models' own builders (links, delivery semantics,
//! the heartbeat detector). The application turns any [`Builder`] into a checkable model.

use crate::engine::prob::{ProbOptions, Probability};
use crate::engine::property::PropMeta;
use crate::engine::spec::Reported;
use crate::error::{Error, Result};
use crate::models::params::{ParamSpec, Params, RunSpec, COMMON, DETECTOR, HEARTBEAT};
use crate::props;
use crate::runtime::bits::PSet;
use crate::runtime::detector::Detector;
use crate::runtime::fair::{FairProtocol, FairSystem};
use crate::runtime::faults::Faults;
use crate::runtime::network::NetKind;
use crate::runtime::protocol::{Env, Pid, Protocol};
use crate::runtime::rounds::{placements, FaultKind, REnv, Reads, RoundProtocol, Rounds, Val};
use crate::runtime::system::System;

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
        let faults = Faults::parse(params.get("faults")).unwrap_or_default();
        if faults.fixed_from_start()
            && info.uses_detector
            && matches!(detector, Detector::Heartbeat(_))
        {
            return Err(Error::input(format!(
                "faults={} does not combine with detector=heartbeat (heartbeats are never omitted in this runtime); use an oracle detector",
                faults.name()
            )));
        }
        if faults.byzantine() && !P::byzantine() {
            return Err(Error::input(format!(
                "model {} has no Byzantine adversary (faults=byzantine is for the Byzantine broadcasts: echo-bcb, double-echo-brb); use crash, send-omission or omission",
                info.name
            )));
        }
        let proto = (self.build)(&params)?;
        let mut sys = System::new(proto, env, net, detector);
        sys.faults = faults;
        if !params.get("loss").is_empty() {
            let q = crate::engine::prob::Ratio::parse("loss", params.get("loss"))?;
            sys.loss = (q != crate::engine::prob::Ratio::ZERO).then_some(q);
        }
        let mut available = if P::delivers() {
            props::broadcast_catalogue::<P>()
        } else {
            Vec::new()
        };
        available.extend(P::extra_properties());
        let names = spec.property_names(info.claims);
        sys.props = crate::engine::property::select(&available, &names, info.uses_detector)?;
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
        // A model's own parameter may replace a common one of the same key (a consensus
        // model: every process proposes, so `senders` defaults to `all`).
        for own in self.info.params {
            match v.iter_mut().find(|c| c.key == own.key) {
                Some(c) => *c = own,
                None => v.push(own),
            }
        }
        v
    }

    fn build(&self, spec: &RunSpec) -> Result<(System<P>, Params)> {
        self.system(spec)
    }

    fn fault_kinds(&self) -> Vec<&'static str> {
        Faults::ALL
            .into_iter()
            .filter(|k| !k.byzantine() || P::byzantine())
            .map(Faults::name)
            .collect()
    }

    fn catalogue(&self) -> Vec<&'static PropMeta> {
        let mut v = if P::delivers() {
            props::broadcast_catalogue::<P>()
        } else {
            Vec::new()
        };
        v.extend(P::extra_properties());
        v.iter().map(|d| d.meta).collect()
    }

    fn has_probability(&self) -> bool {
        true
    }

    fn audit(&self, m: &System<P>, max_states: usize) -> Vec<String> {
        m.audit(max_states)
    }

    fn actor_conformance(
        &self,
        spec: &RunSpec,
        max_states: usize,
    ) -> Result<std::result::Result<crate::actor::conform::Row, String>> {
        let mut spec = spec.clone();
        spec.reduce = crate::engine::reductions::Reductions::default();
        let faults = spec
            .params
            .get("faults")
            .and_then(|k| Faults::parse(k))
            .unwrap_or_default();
        if faults.fixed_from_start() {
            return Ok(Err(format!(
                "faults={}: the actor form injects crash-stop faults only",
                faults.name()
            )));
        }
        crate::actor::conform::conform(&|| self.system(&spec).map(|(s, _)| s), max_states)
    }

    fn run_live(&self, spec: &RunSpec, opts: &crate::actor::udp::RunOptions) -> Result<LiveRun> {
        let mut spec = spec.clone();
        spec.reduce = crate::engine::reductions::Reductions::default();
        let (sys, _) = self.system(&spec)?;
        if sys.faults.fixed_from_start() {
            return Err(Error::input(format!(
                "run injects crashes (--crash) and link loss (--loss); faults={} is for check",
                sys.faults.name()
            )));
        }
        let (props, skipped): (Vec<&'static PropMeta>, Vec<&'static PropMeta>) = sys
            .props
            .iter()
            .map(|d| d.meta)
            .partition(|m| props::history_predicate(m).is_some());
        let outcome = crate::actor::udp::run(&sys, opts).map_err(Error::input)?;
        Ok(LiveRun {
            outcome,
            n: sys.env.n,
            props,
            skipped,
            detector: sys.proto.uses_detector(),
        })
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

/// What each kind of model entry provides: how to build its model. `ModelEntry` (check,
/// replay, diagrams, Explorer) is derived from it once for all.
pub trait Builder: Sync {
    type Model: Reported + Send + 'static;
    fn info(&self) -> &ModelInfo;
    /// Every parameter besides `n` and `f`.
    fn params(&self) -> Vec<&'static ParamSpec>;
    /// The default number of faults.
    fn default_f(&self) -> u8 {
        0
    }
    /// Builds the model from `spec`, validating every parameter.
    fn build(&self, spec: &RunSpec) -> Result<(Self::Model, Params)>;
    /// The process fault kinds the model can inject (what `list` shows): crash-stop, unless
    /// the runtime offers more (the asynchronous runtime's `faults`, the rounds' traitors).
    fn fault_kinds(&self) -> Vec<&'static str> {
        vec!["crash"]
    }
    /// Every property this model can be checked against: the runtime's catalogue and the
    /// algorithm's own (what `list` shows).
    fn catalogue(&self) -> Vec<&'static PropMeta>;
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
    /// broadcheck's search beside stateright's checker on the model's actor form
    /// ([`crate::actor::conform`]); `Ok(Err(why))` when the model has none.
    fn actor_conformance(
        &self,
        _spec: &RunSpec,
        _max_states: usize,
    ) -> Result<std::result::Result<crate::actor::conform::Row, String>> {
        Ok(Err(format!(
            "{} is not a model of the asynchronous runtime (no actor form)",
            Builder::info(self).name
        )))
    }
    /// Runs the algorithm on real UDP sockets ([`crate::actor::udp`]).
    fn run_live(&self, _spec: &RunSpec, _opts: &crate::actor::udp::RunOptions) -> Result<LiveRun> {
        Err(Error::input(format!(
            "run works on the asynchronous broadcast models; {} is not one",
            Builder::info(self).name
        )))
    }
}

/// A real run and what to judge it by.
pub struct LiveRun {
    pub outcome: crate::actor::udp::RunOutcome,
    pub n: u8,
    /// The selected properties a single run can judge.
    pub props: Vec<&'static PropMeta>,
    /// Selected properties it cannot (an algorithm's own, reading its local state).
    pub skipped: Vec<&'static PropMeta>,
    /// The protocol ran a failure detector (heartbeats).
    pub detector: bool,
}

/// A round-based model the CLI can run.
pub struct RoundEntry<P: RoundProtocol> {
    pub info: ModelInfo,
    pub kind: FaultKind,
    pub names: [&'static str; 2],
    pub default: Val,
    pub default_f: u8,
    pub build: fn(&Params) -> Result<P>,
}

impl<P: RoundProtocol> RoundEntry<P> {
    /// Builds the model for `spec`, validating every parameter.
    pub fn system(&self, spec: &RunSpec) -> Result<(Rounds<P>, Params)> {
        let info = &self.info;
        let params = Params::resolve(
            info.name,
            spec.n.unwrap_or(u32::from(info.default_n)),
            spec.f.unwrap_or(u32::from(self.default_f)),
            &spec.params,
            &Builder::params(self),
        )?;
        let (n, f) = (params.n, params.f);
        let placements = match self.kind {
            FaultKind::Crash => placements(n, f, |_| true),
            FaultKind::Byzantine => {
                let which = params.get("traitors");
                let sets = match which {
                    "any" => placements(n, f, |_| true),
                    "commander" => placements(n, f, |s| s.contains(0)),
                    "lieutenants" => placements(n, f, |s| !s.contains(0)),
                    list => {
                        let mut set = PSet::EMPTY;
                        for part in list.split(',') {
                            let part = part.trim();
                            match part.strip_prefix('p').unwrap_or(part).parse::<Pid>() {
                                Ok(p) if p < n && !set.contains(p) => {
                                    set.insert(p);
                                }
                                _ => {
                                    return Err(Error::input(format!(
                                        "parameter traitors must be any, commander, lieutenants or ids below n = {n} (got '{list}')"
                                    )))
                                }
                            }
                        }
                        if set.len() != f as usize {
                            return Err(Error::input(format!(
                                "traitors = {list} names {} process(es) but f = {f}",
                                set.len()
                            )));
                        }
                        vec![set]
                    }
                };
                if sets.is_empty() {
                    return Err(Error::input(format!(
                        "no placement of f = {f} traitor(s) among n = {n} matches traitors = {which}"
                    )));
                }
                sets
            }
        };
        let env = REnv {
            n,
            f,
            kind: self.kind,
            placements,
            names: self.names,
            default: self.default,
        };
        let proto = (self.build)(&params)?;
        let available = crate::props::agreement_catalogue::<P>();
        let names = spec.property_names(info.claims);
        let props = crate::engine::property::select(&available, &names, false)?;
        let checks = |of: &[&PropMeta]| props.iter().any(|d| of.contains(&d.meta));
        let reads = Reads {
            commander: checks(&[&props::IC1, &props::IC2, &props::TERM]),
            faulty_decisions: checks(&[&props::C2, &props::C3]),
        };
        Ok((
            Rounds {
                proto,
                env,
                props,
                reduce: spec.reduce,
                reads,
            },
            params,
        ))
    }
}

impl<P: RoundProtocol> Builder for RoundEntry<P> {
    type Model = Rounds<P>;

    fn fault_kinds(&self) -> Vec<&'static str> {
        vec![match self.kind {
            FaultKind::Crash => "crash",
            FaultKind::Byzantine => "byzantine",
        }]
    }

    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn params(&self) -> Vec<&'static ParamSpec> {
        self.info.params.iter().collect()
    }

    fn default_f(&self) -> u8 {
        self.default_f
    }

    fn build(&self, spec: &RunSpec) -> Result<(Rounds<P>, Params)> {
        self.system(spec)
    }

    fn catalogue(&self) -> Vec<&'static PropMeta> {
        props::AGREEMENT_CATALOGUE.to_vec()
    }

    fn audit(&self, m: &Rounds<P>, max_states: usize) -> Vec<String> {
        m.audit(max_states)
    }
}

/// A fair-cycle model the CLI can run: a [`FairProtocol`] built from the parameters, checked
/// by the state-space search (safety) and the fair-cycle method (liveness).
pub struct FairEntry<P: FairProtocol> {
    /// `info.params` must hold a `fairness` parameter (`on` or `off`).
    pub info: ModelInfo,
    pub default_f: u8,
    /// Builds the protocol from the resolved parameters, refusing an `n` or `f` it does not
    /// model (one line).
    pub make: fn(&Params) -> Result<P>,
    /// Whether the catalogue's detector properties (PFD1, PFD2) are about this model itself.
    pub is_detector: bool,
}

impl<P: FairProtocol> Builder for FairEntry<P> {
    type Model = FairSystem<P>;

    fn info(&self) -> &ModelInfo {
        &self.info
    }
    fn params(&self) -> Vec<&'static ParamSpec> {
        self.info.params.iter().collect()
    }
    fn default_f(&self) -> u8 {
        self.default_f
    }
    fn catalogue(&self) -> Vec<&'static PropMeta> {
        P::catalogue().iter().map(|d| d.meta).collect()
    }
    fn build(&self, spec: &RunSpec) -> Result<(FairSystem<P>, Params)> {
        let params = Params::resolve(
            self.info.name,
            spec.n.unwrap_or(self.info.default_n.into()),
            spec.f.unwrap_or(self.default_f.into()),
            &spec.params,
            &Builder::params(self),
        )?;
        let proto = (self.make)(&params)?;
        let names = spec.property_names(self.info.claims);
        let props = crate::engine::property::select(&P::catalogue(), &names, self.is_detector)?;
        let fair = params.get("fairness") == "on";
        Ok((FairSystem { proto, fair, props }, params))
    }
}
