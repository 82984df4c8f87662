//! The runtimes a model runs on: asynchronous message passing ([`system`]: network, crash-stop
//! faults, failure detectors, the delivery history) and synchronous rounds ([`rounds`]).

pub mod bits;
pub mod detector;
pub mod heartbeat;
pub mod history;
pub mod network;
pub mod protocol;
pub mod reduce;
pub mod rounds;
pub mod system;
