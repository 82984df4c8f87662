//! # broadcheck
//!
//! An exhaustive model checker, on [stateright], for the broadcast and agreement algorithms
//! that distributed-systems courses teach.
//!
//! The folders are the layers; imports point down:
//! - [`engine`]: the search (visited set, fair-cycle liveness, exact probabilities); it knows
//!   nothing of broadcast;
//! - [`runtime`]: what an algorithm runs on: asynchronous message passing with crash-stop
//!   faults, network kinds, failure detectors, the delivery history; synchronous rounds;
//! - [`props`]: the property catalogue (textbook IDs), defined once;
//! - [`models`]: one file per algorithm, grouped by family, and the model entries;
//! - [`app`]: the command line, model files and `verify`, reports, charts, the Explorer, bench;
//! - [`overlay`] and [`sim`]: gossip overlays and Monte Carlo simulation at scale.

pub mod app;
pub mod engine;
pub mod error;
pub mod models;
pub mod overlay;
pub mod props;
pub mod runtime;
pub mod sim;

#[cfg(test)]
pub(crate) mod test_util;
