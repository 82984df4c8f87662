//! The property catalogue: every property is defined once here, by textbook ID and short name,
//! and shared by the models, the model files, and the reports.
//!
//! Broadcast properties are predicates over the ghost [`History`](crate::runtime::history::History) only, so *any* broadcast model
//! can be checked against *any* of them, not just the ones its algorithm claims: that is how a
//! user sees that Best-Effort Broadcast is not reliable.
//!
//! # Kinds and how they are checked
//! - **Safety** (`always`): must hold in every reachable state.
//! - **Liveness**: "eventually every correct process …". Checked at *quiescent* states: states
//!   where no obligatory step is left (every message between correct processes delivered, every
//!   correct broadcaster done, every crash reported by a complete detector). This is the
//!   *terminal-state* method; it is sound and complete here because one-shot broadcast over a
//!   reliable network has an acyclic state graph, so every fair run ends in a quiescent state, and
//!   every quiescent state ends some fair run whose correct processes are the ones not crashed.
//! - **Reachability** (`sometimes`): each liveness property comes with a *witness*, a quiescent
//!   state in which its premise is non-trivial and its conclusion holds. An unreachable witness
//!   means the liveness verdict is vacuous, and the report says so.

mod agreement;
mod broadcast;
mod byzantine;

pub use agreement::*;
pub use broadcast::*;
pub use byzantine::*;
