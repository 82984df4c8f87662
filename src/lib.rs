//! # broadcheck
//!
//! An exhaustive model checker, on [stateright], for the broadcast and agreement algorithms
//! that distributed-systems courses teach.
//!
//! - [`protocol`]: what an algorithm provides (event handlers);
//! - [`system`]: the shared runtime: network, crash-stop faults with fail-silent loss, failure
//!   detector, ghost history; it implements stateright's `Model`;
//! - [`properties`]: the property catalogue (textbook IDs), defined once;
//! - [`checker`]: the project's own deterministic search, honest about bounds;
//! - [`models`]: one file per algorithm;
//! - [`registry`], [`params`], [`modelfile`], [`verify`], [`report`]: the CLI's plumbing.

pub mod bench;
pub mod bits;
pub mod checker;
pub mod detector;
pub mod diagram;
pub mod error;
pub mod explorer;
pub mod gossip;
pub mod heartbeat;
pub mod history;
pub mod liveness;
pub mod modelfile;
pub mod models;
pub mod network;
pub mod overlay;
pub mod params;
pub mod plot;
pub mod prob;
pub mod properties;
pub mod protocol;
pub mod reduce;
pub mod registry;
pub mod report;
pub mod rng;
pub mod rounds;
pub mod sim;
pub mod system;
pub mod verify;
pub mod visited;

#[cfg(test)]
pub(crate) mod test_util;
