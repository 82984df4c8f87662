//! What the engine asks of a model, in two parts: [`Spec`], what the search needs (initial
//! states and successors through stateright's [`Model`], properties, quiescence, fingerprints,
//! the fair-cycle hooks), and [`Narrate`], what reports need (a step in words, chart events,
//! the text of the first and last state). The search ([`crate::engine::checker::check`]) asks
//! only for a `Spec`; reports, diagrams and the Explorer ask for both.

use crate::engine::chart::Event;
use crate::engine::codec::StateCodec;
use crate::engine::fingerprint::Fingerprinter;
use crate::engine::liveness::{FairClass, Temporal};
use crate::engine::property::{PropDef, PropMeta};
use crate::engine::reductions::Reductions;
use stateright::Model;
use std::fmt::Debug;
use std::hash::Hash;

/// A model the checker can search: a stateright [`Model`] that names its properties (from the
/// catalogue), knows its quiescent states and fingerprints its states.
pub trait Spec:
    Model<
        State: Clone + Hash + Eq + Send + Sync + Debug,
        Action: Clone + PartialEq + Send + Sync + Debug,
    > + Sync
{
    /// The properties this run checks.
    fn props(&self) -> &[PropDef<Self>];
    /// No obligatory step is left (liveness properties are judged here). By default: no step
    /// is enabled at all.
    fn quiescent(&self, s: &Self::State) -> bool {
        let mut actions = Vec::new();
        self.actions(s, &mut actions);
        actions.is_empty()
    }
    /// Writes the successor of `s` by `a` into `into`, whose buffers a model may reuse (the
    /// search calls this with the same two scratch states over and over); false if `a` has no
    /// successor. By default: [`Model::next_state`].
    fn next_into(&self, s: &Self::State, a: Self::Action, into: &mut Option<Self::State>) -> bool {
        match self.next_state(s, a) {
            Some(t) => {
                *into = Some(t);
                true
            }
            None => false,
        }
    }
    /// The fingerprint of the successor of `s` by `a`, if the model can compute it without
    /// building the successor (most successors are visited already; only new ones are then
    /// built, with [`Spec::next_into`]). By default: `None`, always build.
    fn successor_fingerprint(
        &self,
        _fpr: &Fingerprinter,
        _s: &Self::State,
        _a: &Self::Action,
    ) -> Option<u64> {
        None
    }
    /// The temporal formula of a liveness property that the fair-cycle method judges on this
    /// model's (cyclic) graph ([`crate::engine::liveness`]); `None`, the default: the property
    /// is judged at quiescent states.
    fn temporal(&self, _meta: &PropMeta) -> Option<Temporal<Self::State>> {
        None
    }
    /// The fairness assumptions under which the fair-cycle method judges [`Spec::temporal`]
    /// properties (empty: none).
    fn fairness(&self) -> Vec<FairClass<Self::Action>> {
        Vec::new()
    }
    /// Why a [`Spec::temporal`] property fails on a lasso, in words.
    fn why_not(&self, meta: &PropMeta) -> String {
        format!("{} fails on a fair run", meta.name)
    }
    /// Which method judges liveness, and under which assumptions (stated in every report).
    fn liveness_method(&self) -> &'static str;
    /// The fingerprint the visited set stores for `s`. By default the hash of `s`; a model with
    /// symmetry reduction returns the same value for every state of a symmetry orbit.
    fn fingerprint(&self, fpr: &Fingerprinter, s: &Self::State) -> u64 {
        fpr.fp(s)
    }
    /// What the reductions asked for do in this run (one line each, for the report).
    fn reductions(&self) -> Vec<String> {
        Vec::new()
    }
    /// The reductions this kind of model implements (what a report suggests when a run
    /// runs out of memory without them). By default: none.
    fn supported_reductions(&self) -> Reductions {
        Reductions::default()
    }
    /// The reductions this model was built with (replay needs the same).
    fn reduce(&self) -> Reductions {
        Reductions::default()
    }
    /// How this model's states are written to disk and read back (the search beyond RAM and
    /// checkpoints need it); `None`, the default: they cannot be, and `--disk` and
    /// `--checkpoint` are refused.
    fn store(&self) -> Option<StateCodec<Self::State>> {
        None
    }
}

/// What reports, diagrams and the Explorer need of a model besides the search: its steps in
/// words and as chart events, and the text of a trace's first and last state.
pub trait Narrate: Model {
    /// A step in words: the action, then what changed.
    fn render_step(&self, prev: &Self::State, a: &Self::Action, next: &Self::State) -> Step;
    /// Opening lines for the initial state of a trace (who is faulty, the inputs).
    fn render_init(&self, _s: &Self::State) -> Vec<String> {
        Vec::new()
    }
    /// Closing lines for the last state of a trace.
    fn render_end(&self, s: &Self::State) -> Vec<String>;
    /// Number of processes (lifelines of sequence charts).
    fn processes(&self) -> usize;
    /// What a step shows on a sequence chart.
    fn events(&self, prev: &Self::State, a: &Self::Action, next: &Self::State) -> Vec<Event>;
    /// What a trace's initial state shows on a chart (who is faulty).
    fn start_events(&self, _s: &Self::State) -> Vec<Event> {
        Vec::new()
    }
    /// What a trace's last state adds to a chart (messages lost for good).
    fn end_events(&self, _s: &Self::State) -> Vec<Event> {
        Vec::new()
    }
}

/// One step of a rendered trace.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Step {
    pub action: String,
    pub effects: Vec<String>,
}

/// A model that is both searched and reported on: what the commands take.
pub trait Reported: Spec + Narrate {}
impl<M: Spec + Narrate> Reported for M {}
