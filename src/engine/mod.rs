//! The search engine: exhaustive search over stateright's `Model`, the visited set, the
//! fair-cycle liveness checker and exact probabilities. Nothing here knows about processes,
//! messages or broadcast.

pub mod chart;
pub mod checker;
pub mod liveness;
pub mod prob;
pub mod property;
pub mod reductions;
pub mod visited;
