//! The process fault models of the asynchronous runtime (seed 001's list; Cachin–Guerraoui–
//! Rodrigues §2.2): which processes may misbehave, and how.
//!
//! - **crash** (crash-stop, the default): up to `f` processes may crash at any point and never
//!   recover ([`crate::runtime::system`]'s Crash step).
//! - **send-omission**: up to `f` processes are faulty from the start; a faulty process never
//!   crashes and keeps running its algorithm, but each of its sends may be omitted (never
//!   delivered).
//! - **omission** (general omission): as send-omission, and a faulty process may also omit any of
//!   its receipts: a message to it, from anyone, may never be received.
//!
//! - **byzantine**: up to `f` processes run no algorithm at all; every message the protocol
//!   says a Byzantine process could send ([`crate::runtime::protocol::Protocol::byzantine_messages`],
//!   to every other correct process) is in flight from the start, and each may be delivered,
//!   at any point, or never. Links are authenticated: a message's sender is its real sender.
//!   Since the protocol's handlers only look at the first message of each kind from each
//!   sender, one copy of each possible message per destination covers every behaviour: any
//!   order, any subset, equivocation (different values to different processes), silence.
//!
//! Every placement of up to `f` faulty processes is explored: the runtime starts in one initial
//! state per placement (fewer than `f` included, as with crashes, since a run with fewer faulty
//! processes holds more processes to the properties of correct ones). An omission is not a step:
//! delivering a message a faulty process may omit is *possible* but not *obligatory*, so a run
//! may end (a quiescent state, where liveness is judged) with it still undelivered, and that run
//! is the one where it was omitted. Each send and each receipt is thereby delivered-or-omitted
//! independently, both explored, exactly as fail-silent loss treats the messages of a crashed
//! sender.
//!
//! A process's message to itself (Best-Effort Broadcast sends to every process, the sender
//! included) does not cross a channel, so it is never omitted: seed 001's omission is of
//! *transmissions*.
//!
//! Properties speak of *correct* processes as with crashes: a faulty process is not correct,
//! although it never stops. A perfect failure detector reports crashes only, so it never
//! reports an omission-faulty process (PFD1 and PFD2 are about crashes).

use crate::runtime::bits::PSet;
use crate::runtime::protocol::Pid;

/// How the faulty processes of a run may fail.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Faults {
    /// Crash-stop: up to `f` processes crash, each at a point the adversary picks.
    #[default]
    Crash,
    /// Up to `f` processes may omit any of their sends.
    SendOmission,
    /// Up to `f` processes may omit any of their sends and any of their receipts.
    Omission,
    /// Up to `f` processes are Byzantine: they run no algorithm, and may send any message of
    /// the protocol's [`crate::runtime::protocol::Protocol::byzantine_messages`], to anyone, at
    /// any time, or nothing; links stay authenticated (nobody forges another's messages).
    Byzantine,
}

impl Faults {
    /// The parameter values, in the order of [`Faults::ALL`].
    pub const NAMES: &'static [&'static str] = &["crash", "send-omission", "omission", "byzantine"];
    pub const ALL: [Faults; 4] = [
        Faults::Crash,
        Faults::SendOmission,
        Faults::Omission,
        Faults::Byzantine,
    ];

    pub fn parse(s: &str) -> Option<Faults> {
        Self::NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Self::ALL[i])
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// Whether the faulty processes are fixed from the start (one initial state per
    /// placement) instead of crashing.
    pub fn fixed_from_start(self) -> bool {
        self != Faults::Crash
    }

    /// Whether the faulty processes run no algorithm (Byzantine: what they send is the
    /// adversary's, injected at the start).
    pub fn byzantine(self) -> bool {
        self == Faults::Byzantine
    }

    /// Whether a message `src → dst` may stay undelivered for good: its sender crashed
    /// (fail-silent loss), its sender may omit sends, or (general omission) its receiver may
    /// omit receipts. A process's message to itself is local, not a transmission, and is
    /// never omitted.
    pub fn may_lose(self, crashed: PSet, faulty: PSet, src: Pid, dst: Pid) -> bool {
        crashed.contains(src)
            || (src != dst
                && (faulty.contains(src)
                    || (matches!(self, Faults::Omission | Faults::Byzantine)
                        && faulty.contains(dst))))
    }

    /// Why a message `src → dst` left undelivered at the end of a run was lost, in the words of
    /// a trace (`None`: it may not be lost).
    pub fn loss_reason(
        self,
        crashed: PSet,
        faulty: PSet,
        src: Pid,
        dst: Pid,
        msg: &str,
    ) -> Option<String> {
        if crashed.contains(src) {
            Some(format!(
                "lost: {msg} p{src}→p{dst} is never delivered (its sender p{src} crashed; fail-silent loss)"
            ))
        } else if src == dst {
            None
        } else if faulty.contains(src) && self == Faults::Byzantine {
            Some(format!(
                "p{src} (Byzantine) never sends {msg} to p{dst}: it was one of its options"
            ))
        } else if faulty.contains(src) {
            Some(format!(
                "p{src} omits {msg} to p{dst} (p{src} is {}-faulty)",
                self.name()
            ))
        } else if self == Faults::Omission && faulty.contains(dst) {
            Some(format!(
                "p{dst} omits the receipt of {msg} from p{src} (p{dst} is omission-faulty)"
            ))
        } else {
            None
        }
    }

    /// What a faulty process may do, for the opening lines of a trace and for `list`.
    pub fn behaviour(self) -> &'static str {
        match self {
            Faults::Crash => "may crash (crash-stop)",
            Faults::SendOmission => "may omit any of its sends; never crashes",
            Faults::Omission => "may omit any of its sends and receipts; never crashes",
            Faults::Byzantine => {
                "runs no algorithm: may send any protocol message to anyone, or nothing"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_losses_follow_the_kind() {
        for k in Faults::ALL {
            assert_eq!(Faults::parse(k.name()), Some(k));
        }
        assert_eq!(Faults::parse("crash-recovery"), None);
        let faulty = PSet(1 << 1);
        // A faulty sender's message may be lost under both omission kinds; a message to a
        // faulty receiver only under general omission; a correct pair's never.
        for k in [Faults::SendOmission, Faults::Omission] {
            assert!(k.may_lose(PSet::EMPTY, faulty, 1, 0));
            assert!(!k.may_lose(PSet::EMPTY, faulty, 0, 2));
        }
        assert!(!Faults::SendOmission.may_lose(PSet::EMPTY, faulty, 0, 1));
        assert!(Faults::Omission.may_lose(PSet::EMPTY, faulty, 0, 1));
        assert!(Faults::Crash.may_lose(faulty, PSet::EMPTY, 1, 0));
        // A faulty process's message to itself is local: never omitted.
        assert!(!Faults::Omission.may_lose(PSet::EMPTY, faulty, 1, 1));
        let why = Faults::SendOmission
            .loss_reason(PSet::EMPTY, faulty, 1, 2, "[DATA m1.0]")
            .unwrap_or_default();
        assert_eq!(
            why,
            "p1 omits [DATA m1.0] to p2 (p1 is send-omission-faulty)"
        );
    }
}
