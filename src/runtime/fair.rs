//! The runtime of the cyclic models: a sender and a receiver (or a monitor and a monitored
//! process) whose runs are infinite: retransmission forever, heartbeats. There is no quiescent
//! state to judge liveness at, so liveness properties are temporal formulas judged by the
//! fair-cycle method ([`crate::engine::liveness`]) under the fairness the protocol states,
//! which the user can switch off (`--param fairness=off`) to see why it is needed.
//!
//! A protocol says only what is its own ([`FairProtocol`]): its state, its steps, its
//! properties and fairness, its steps in words. [`FairSystem`] makes it a model the search,
//! the fair-cycle checker, the reports and the Explorer all take, once for all such protocols
//! (the links, the delivery semantics, the heartbeat detector).

use crate::engine::chart::Event;
use crate::engine::liveness::{FairClass, Temporal};
use crate::engine::property::{PropDef, PropMeta};
use crate::engine::spec::{Narrate, Spec, Step};
use std::fmt::Debug;
use std::hash::Hash;

/// A protocol with infinite runs, judged by the fair-cycle method.
pub trait FairProtocol: Debug + Send + Sync + Sized + 'static {
    type State: Clone + Hash + Eq + Debug + Send + Sync;
    type Action: Clone + PartialEq + Debug + Send + Sync;
    /// The initial state (`upon event ⟨Init⟩`).
    fn init(&self) -> Self::State;
    /// The steps enabled in `s`.
    fn actions(&self, s: &Self::State, out: &mut Vec<Self::Action>);
    /// The state after step `a` (one handler, atomically).
    fn step(&self, s: &Self::State, a: &Self::Action) -> Self::State;
    /// Every property this protocol can be checked against: safety ones with their predicate,
    /// liveness ones with `check: |_, _| None` and their formula in [`FairProtocol::temporal`].
    fn catalogue() -> Vec<PropDef<FairSystem<Self>>>;
    /// The temporal formula of a liveness property of the catalogue.
    fn temporal(meta: &PropMeta) -> Option<Temporal<Self::State>>;
    /// The fairness assumptions under which liveness holds (applied unless `fairness=off`).
    fn fairness(&self) -> Vec<FairClass<Self::Action>>;
    /// Why a liveness property fails on a lasso, in words.
    fn why_not(&self, meta: &PropMeta) -> String;
    /// A step in words.
    fn describe(&self, prev: &Self::State, a: &Self::Action, next: &Self::State) -> Step;
    /// What a step shows on a sequence chart.
    fn events(&self, prev: &Self::State, a: &Self::Action, next: &Self::State) -> Vec<Event>;
    /// Lifelines of the chart (two by default: p0 and p1).
    fn processes(&self) -> usize {
        2
    }
}

/// A [`FairProtocol`] with the properties of one run and whether fairness is assumed: the
/// model that is checked.
pub struct FairSystem<P: FairProtocol> {
    pub proto: P,
    /// Whether the protocol's fairness assumptions are in force.
    pub fair: bool,
    pub props: Vec<PropDef<FairSystem<P>>>,
}

impl<P: FairProtocol> stateright::Model for FairSystem<P> {
    type State = P::State;
    type Action = P::Action;

    fn init_states(&self) -> Vec<P::State> {
        vec![self.proto.init()]
    }
    fn actions(&self, s: &P::State, out: &mut Vec<P::Action>) {
        self.proto.actions(s, out)
    }
    fn next_state(&self, s: &P::State, a: P::Action) -> Option<P::State> {
        Some(self.proto.step(s, &a))
    }
    fn properties(&self) -> Vec<stateright::Property<Self>> {
        crate::engine::stateright_view::stateright_properties(self)
    }
}

impl<P: FairProtocol> Spec for FairSystem<P> {
    fn props(&self) -> &[PropDef<Self>] {
        &self.props
    }
    fn liveness_method(&self) -> &'static str {
        "fair-cycle: SCC search for a reachable fair cycle (or a stop) avoiding the goal"
    }
    fn temporal(&self, meta: &PropMeta) -> Option<Temporal<P::State>> {
        P::temporal(meta)
    }
    fn why_not(&self, meta: &PropMeta) -> String {
        self.proto.why_not(meta)
    }
    fn fairness(&self) -> Vec<FairClass<P::Action>> {
        if self.fair {
            self.proto.fairness()
        } else {
            Vec::new()
        }
    }
}

impl<P: FairProtocol> Narrate for FairSystem<P> {
    fn render_step(&self, prev: &P::State, a: &P::Action, next: &P::State) -> Step {
        self.proto.describe(prev, a, next)
    }
    fn render_end(&self, s: &P::State) -> Vec<String> {
        vec![format!("{s:?}")]
    }
    fn processes(&self) -> usize {
        self.proto.processes()
    }
    fn events(&self, prev: &P::State, a: &P::Action, next: &P::State) -> Vec<Event> {
        self.proto.events(prev, a, next)
    }
}
