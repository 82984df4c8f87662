//! Two semantics, one verdict: a runtime model checked by broadcheck's search and, as an
//! [`ActorModel`](stateright::actor::ActorModel) of the same algorithm, by stateright's own
//! checker ([`crate::actor::model`]). Verdicts must agree on every property and witness;
//! unique-state counts must agree where the encodings are isomorphic
//! ([`crate::actor::model::encoding_differences`] is empty), and the row says why otherwise.
//!
//! Both sides run without reductions and with delivery logs kept in order (the actor's log is
//! in order), so that nothing but the encoding differs.

use crate::actor::model::{
    check_actors, compare_views, count_runtime, encoding_differences, unsupported, Views,
};
use crate::engine::checker::check;
use crate::engine::outcome::{Options, Status};
use crate::engine::property::Kind;
use crate::runtime::protocol::Protocol;
use crate::runtime::system::System;

/// One row of the conformance table.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Row {
    /// Per property or witness: (name, broadcheck's status, stateright's).
    pub verdicts: Vec<(String, &'static str, &'static str)>,
    /// broadcheck's unique states (`None` if its search stopped early: every property decided).
    pub checker_states: Option<usize>,
    /// stateright's unique states on the runtime model itself (every state).
    pub runtime_states: usize,
    /// stateright's unique states on the actor model.
    pub actor_states: usize,
    /// Both stateright runs explored everything (within the cap).
    pub complete: bool,
    /// Why the encodings are not isomorphic (empty: they are, and the counts must agree).
    pub differences: Vec<&'static str>,
    /// The actor states seen through the runtime's eyes, against the runtime's states.
    pub views: Views,
    /// Random choices interleave in the actor model (then views may exceed the runtime's).
    pub random_steps: bool,
}

impl Row {
    /// Every verdict agrees.
    pub fn verdicts_agree(&self) -> bool {
        self.verdicts.iter().all(|(_, a, b)| a == b)
    }

    /// The counts agree, or the row says why they need not.
    pub fn counts_explained(&self) -> bool {
        !self.complete || !self.differences.is_empty() || self.actor_states == self.runtime_states
    }

    /// Every runtime state is the view of an actor state; and without interleaved random
    /// choices, every view is a runtime state: the two state spaces are the same seen through
    /// the runtime's eyes, whatever the encoding adds.
    pub fn views_agree(&self) -> bool {
        !self.views.complete
            || (self.views.runtime_unmatched == 0
                && (self.random_steps || self.views.views_unmatched == 0))
    }

    /// broadcheck's own count, when it has one, is stateright's count of the same model.
    pub fn checker_agrees(&self) -> bool {
        !self.complete || self.checker_states.is_none_or(|c| c == self.runtime_states)
    }
}

/// Runs both checkers on the model `build` makes (called three times: each checker takes its
/// own copy). `Err` when the model has no actor form, with the reason.
pub fn conform<P: Protocol>(
    build: &dyn Fn() -> crate::error::Result<System<P>>,
    max_states: usize,
) -> crate::error::Result<Result<Row, String>> {
    let prepare = || -> crate::error::Result<System<P>> {
        let mut s = build()?;
        s.keep_order = true;
        Ok(s)
    };
    let sys = prepare()?;
    if let Some(why) = unsupported(&sys) {
        return Ok(Err(why));
    }
    let mut differences = encoding_differences(&sys);
    let ours = check(&sys, &Options::default());
    let actors = match check_actors(prepare()?, max_states) {
        Ok(a) => a,
        Err(why) => return Ok(Err(why)),
    };
    if actors.random_steps {
        differences.push("a random choice of targets is a step of its own in stateright, interleaving with others; the runtime resolves it within the handler's step");
    }
    let (runtime_states, runtime_complete) = count_runtime(prepare()?, max_states);
    let views = match compare_views(&prepare, max_states)? {
        Ok(v) => v,
        Err(why) => return Ok(Err(why)),
    };
    let mut verdicts = Vec::new();
    for f in &ours.findings {
        let theirs = if f.kind == Kind::Reachability {
            let w = actors
                .witnessed
                .iter()
                .any(|(id, w)| *id == f.meta.id && *w);
            if w {
                Status::Witnessed
            } else {
                Status::Unreachable
            }
        } else {
            let v = actors.violated.iter().any(|(id, v)| *id == f.meta.id && *v);
            if v {
                Status::Violated
            } else if actors.complete {
                Status::Holds
            } else {
                Status::Unknown
            }
        };
        verdicts.push((f.name().to_string(), f.status.name(), theirs.name()));
    }
    Ok(Ok(Row {
        verdicts,
        checker_states: ours.exhaustive().then_some(ours.unique_states),
        runtime_states,
        actor_states: actors.unique,
        complete: actors.complete && runtime_complete,
        differences,
        views,
        random_steps: actors.random_steps,
    }))
}
