//! The search engine: exhaustive search over stateright's `Model`, the visited set, the
//! fair-cycle liveness checker and exact probabilities. Nothing here knows about processes,
//! messages or broadcast.
//!
//! What a model must give the engine is in [`spec`]; the search is [`checker::check`], its
//! question and answer are in [`outcome`].

pub mod chart;
pub mod checker;
pub mod checkpoint;
pub mod codec;
mod dfs;
mod disk;
mod expand;
pub mod fingerprint;
pub mod liveness;
pub mod outcome;
pub mod panics;
pub mod prob;
pub mod property;
pub mod reductions;
pub mod spec;
pub mod stateright_view;
pub mod stop;
pub mod visited;
