//! The runtimes a model runs on: asynchronous message passing ([`system`]: network, crash-stop
//! faults, failure detectors, the delivery history) and synchronous rounds ([`rounds`]).

pub mod bits;
pub mod chain;
pub mod detector;
pub mod fair;
pub mod faults;
pub mod heartbeat;
pub mod history;
pub mod network;
pub mod protocol;
pub mod reduce;
pub mod rounds;
mod rounds_audit;
mod rounds_narrate;
pub mod system;
mod system_digest;
mod system_narrate;
mod system_symmetry;
