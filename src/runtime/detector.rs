//! Failure detectors for the fail-stop model (CGR §2.6.2, "upon event ⟨P, Crash | p⟩"; seed 000
//! "PFD: exclude on timeout").
//!
//! The perfect detector **P** is an oracle over the runtime's crash set:
//! - *PFD1 strong completeness*: every crashed process is eventually detected by every correct
//!   process. In the runtime this makes each pending notification an *obligatory* step: a state
//!   with an undelivered notification is not quiescent.
//! - *PFD2 strong accuracy*: no process is detected before it crashes. The runtime only offers
//!   notifications about crashed processes.
//!
//! Two broken detectors show what each half buys:
//! - [`Detector::Incomplete`]: notifications are optional: the detector may stay silent about a
//!   crash forever.
//! - [`Detector::Inaccurate`]: besides the true notifications, the detector may at any time
//!   report a live process as crashed (a false suspicion, e.g. a timeout shorter than the
//!   round trip). Suspicions are permanent, as in P's interface.
//!
//! And one that is not an oracle: [`Detector::Heartbeat`] runs CGR's Exclude on Timeout with
//! explicit time and a synchrony bound ([`crate::runtime::heartbeat`]); whether it is perfect depends on
//! its timing, and PFD1/PFD2 judge it like the others.

/// Which failure detector a fail-stop model runs with.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Detector {
    Perfect,
    Incomplete,
    Inaccurate,
    /// Not an oracle: heartbeats with explicit time ([`crate::runtime::heartbeat`]).
    Heartbeat(crate::runtime::heartbeat::Timing),
}

impl Detector {
    pub const NAMES: &'static [&'static str] =
        &["perfect", "incomplete", "inaccurate", "heartbeat"];

    /// The detector named `s`; `heartbeat` gets the default timing (see
    /// [`crate::runtime::heartbeat::Timing`]), which the caller replaces by the parameters'.
    pub fn parse(s: &str) -> Option<Detector> {
        match s {
            "perfect" => Some(Detector::Perfect),
            "incomplete" => Some(Detector::Incomplete),
            "inaccurate" => Some(Detector::Inaccurate),
            "heartbeat" => Some(Detector::Heartbeat(crate::runtime::heartbeat::Timing {
                delay: 1,
                timeout: 2,
                periods: 2,
            })),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Detector::Perfect => "perfect",
            Detector::Incomplete => "incomplete",
            Detector::Inaccurate => "inaccurate",
            Detector::Heartbeat(_) => "heartbeat",
        }
    }

    /// Whether the runtime's oracle reports crashes (`Detect` steps); false for heartbeats,
    /// whose reports come from timeouts.
    pub fn oracle(self) -> bool {
        !matches!(self, Detector::Heartbeat(_))
    }

    /// Whether a crash must eventually be reported (strong completeness).
    pub fn complete(self) -> bool {
        self != Detector::Incomplete
    }

    /// Whether a live process may be reported as crashed (no strong accuracy).
    pub fn may_suspect_alive(self) -> bool {
        self == Detector::Inaccurate
    }
}
