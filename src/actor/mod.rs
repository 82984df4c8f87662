//! Every algorithm of the asynchronous runtime as a stateright actor, through one adapter
//! ([`node`]), and what that buys:
//! - [`model`]: stateright's own `ActorModel` checker on the same algorithm and properties
//!   (the conformance of the two semantics is [`conform`]);
//! - [`udp`]: the algorithm on real UDP sockets on 127.0.0.1 with `stateright::actor::spawn`,
//!   with real crashes, losses and delays;
//! - [`trace`] and [`judge`]: a recorded run, ours or any implementation's, judged by the
//!   checker's own property predicates.
//!
//! This layer sits above the runtime and the property catalogue and below the models.

pub mod conform;
pub mod judge;
pub mod model;
pub mod node;
pub mod trace;
pub mod udp;
