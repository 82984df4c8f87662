//! A concrete perfect failure detector for the broadcast runtime: heartbeats with explicit time
//! ("Exclude on Timeout", Cachin, Guerraoui, Rodrigues 2011, **Algorithm 2.5**; seed 000, "PFD:
//! exclude on timeout"), for every fail-stop model with `--param detector=heartbeat`.
//!
//! ```text
//! upon event ⟨Init⟩ do alive := Π; detected := ∅; starttimer(Δ);
//!     forall q ∈ Π \ {self} do send [HEARTBEATREQUEST] to q;
//! upon event ⟨Timeout⟩ do
//!     forall q ∈ Π do
//!         if q ∉ alive ∧ q ∉ detected then detected := detected ∪ {q}; trigger ⟨P, Crash | q⟩;
//!         send [HEARTBEATREQUEST] to q;           -- (not to detected processes)
//!     alive := ∅; starttimer(Δ);
//! upon event ⟨pl, Deliver | q, [HEARTBEATREQUEST]⟩ do send [HEARTBEATREPLY] to q;
//! upon event ⟨pl, Deliver | q, [HEARTBEATREPLY]⟩ do alive := alive ∪ {q};
//! ```
//!
//! # Time and synchrony
//! Time is explicit and global: a **tick** advances every process's timer by one and ages the
//! heartbeat messages in flight. **Synchrony** is the bound `hb_delay`: time cannot pass a
//! heartbeat message's deadline, so each is delivered within `hb_delay` ticks (a message from a
//! crashed sender may instead be lost). The timeout `Δ = hb_timeout` is the same for all, and
//! all timers start together. With `Δ ≥ 2 × hb_delay` every reply of a live process arrives in
//! time (PFD2 strong accuracy holds); with a shorter `Δ` (an asynchronous setting, as far as the
//! timer is concerned), a slow reply makes a process suspect a live one.
//!
//! Application messages are not timed: only the detector relies on synchrony.
//!
//! # A bounded horizon, so that runs end
//! Heartbeats run for `hb_periods` timeout periods and then stop, which keeps the state graph
//! acyclic: the terminal-state method stays sound for every property. Crashes may happen only
//! while at least one full period remains (a crash later than that could never be detected
//! within the horizon). Within that window the detector is complete (PFD1): a crash in period
//! k is detected by every correct process at the end of period k + 1 at the latest.
//!
//! The detector's suspicions go to the same ghost history as the oracle's, so PFD1 and PFD2 from
//! the catalogue judge it, and the algorithm above it is driven by `⟨P, Crash | q⟩` exactly as
//! with the oracle.

use crate::runtime::bits::PSet;
use crate::runtime::protocol::Pid;
use std::fmt;

/// Timing of the heartbeat detector.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Timing {
    /// Synchrony bound: a heartbeat message is delivered within this many ticks.
    pub delay: u8,
    /// Δ: ticks per period.
    pub timeout: u8,
    /// Number of periods before heartbeats stop.
    pub periods: u8,
}

/// A heartbeat message in flight.
#[derive(
    Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Beat {
    pub src: Pid,
    pub dst: Pid,
    pub reply: bool,
    /// Ticks since it was sent.
    pub age: u8,
}

impl fmt::Debug for Beat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.reply {
            "HEARTBEATREPLY"
        } else {
            "HEARTBEATREQUEST"
        };
        write!(f, "p{}→p{}: {kind} (age {})", self.src, self.dst, self.age)
    }
}

/// The detector's global state: the clock, each process's `alive` set, the beats in flight.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Beats {
    /// Ticks since the current period started.
    pub elapsed: u8,
    /// Periods still to start after the current one.
    pub periods_left: u8,
    /// Heartbeats are over (the horizon is reached).
    pub done: bool,
    /// `alive[p]`: who answered `p` in this period.
    pub alive: Vec<PSet>,
    /// In flight, sorted.
    pub net: Vec<Beat>,
}

impl fmt::Debug for Beats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.done {
            return write!(f, "heartbeats: over");
        }
        write!(
            f,
            "heartbeats: tick {} of the period, {} period(s) left; heard {:?}",
            self.elapsed, self.periods_left, self.alive
        )?;
        if !self.net.is_empty() {
            write!(f, "; in flight {:?}", self.net)?;
        }
        Ok(())
    }
}

impl Timing {
    /// `⟨Init⟩` for every process: requests to every other process.
    pub fn start(&self, n: u8) -> Beats {
        let mut b = Beats {
            elapsed: 0,
            periods_left: self.periods.saturating_sub(1),
            done: false,
            alive: vec![PSet::EMPTY; n as usize],
            net: Vec::new(),
        };
        for p in 0..n {
            request_all(&mut b, n, p, PSet::EMPTY);
        }
        b.net.sort_unstable();
        b
    }

    /// Whether time may pass: no beat would outlive its deadline. Beats of crashed senders do
    /// not hold time back (they are lost instead).
    pub fn may_tick(&self, b: &Beats, crashed: PSet) -> bool {
        !b.done
            && b.net
                .iter()
                .all(|x| x.age < self.delay || crashed.contains(x.src))
    }

    /// Whether the detector still lets a process crash (a full period must remain).
    pub fn may_crash(&self, b: &Beats) -> bool {
        !b.done && b.periods_left >= 1
    }

    /// One step of time: a tick (ages the beats, advances the timers) or, when the timers have
    /// reached Δ, the `⟨Timeout⟩` handlers of every correct process. Beats due by now are
    /// delivered before a timer that expires at the same instant fires ([`Timing::may_tick`]
    /// guards both). Returns the suspicions `(p, q)` raised, in order; `suspects[p]` are the
    /// processes `p` already detected.
    pub fn tick(&self, b: &mut Beats, n: u8, crashed: PSet, suspects: &[PSet]) -> Vec<(Pid, Pid)> {
        let mut raised = Vec::new();
        if b.elapsed < self.timeout {
            for x in b.net.iter_mut() {
                x.age = x.age.saturating_add(1);
            }
            // A crashed sender's beat past its deadline is lost.
            let delay = self.delay;
            b.net
                .retain(|x| !(crashed.contains(x.src) && x.age > delay));
            b.elapsed += 1;
            return raised;
        }
        // upon event ⟨Timeout⟩ at every correct process.
        for p in PSet::all(n).minus(crashed).iter() {
            let known = suspects.get(p as usize).copied().unwrap_or(PSet::EMPTY);
            for q in PSet::all(n).iter() {
                if q != p && !b.alive[p as usize].contains(q) && !known.contains(q) {
                    raised.push((p, q));
                }
            }
        }
        b.elapsed = 0;
        if b.periods_left == 0 {
            b.done = true;
            b.net.clear();
            return raised;
        }
        b.periods_left -= 1;
        for p in PSet::all(n).minus(crashed).iter() {
            b.alive[p as usize] = PSet::EMPTY;
            let mut skip = suspects.get(p as usize).copied().unwrap_or(PSet::EMPTY);
            for &(s, q) in &raised {
                if s == p {
                    skip.insert(q);
                }
            }
            // Requests to crashed processes are discarded by the network (crash-stop).
            request_all(b, n, p, skip.union(crashed));
        }
        b.net.sort_unstable();
        raised
    }

    /// Whether the next time step runs the `⟨Timeout⟩` handlers (rather than a tick).
    pub fn expiring(&self, b: &Beats) -> bool {
        b.elapsed >= self.timeout
    }

    /// Delivers the beat at `idx`: a request is answered (if the receiver is alive), a reply
    /// marks its sender alive.
    pub fn deliver(&self, b: &mut Beats, idx: usize, crashed: PSet) {
        let x = b.net.remove(idx);
        if crashed.contains(x.dst) {
            return;
        }
        if x.reply {
            b.alive[x.dst as usize].insert(x.src);
        } else {
            b.net.push(Beat {
                src: x.dst,
                dst: x.src,
                reply: true,
                age: 0,
            });
            b.net.sort_unstable();
        }
    }

    /// Drops the beats to a process that just crashed (crash-stop).
    pub fn crash(&self, b: &mut Beats, p: Pid) {
        b.net.retain(|x| x.dst != p);
    }
}

fn request_all(b: &mut Beats, n: u8, p: Pid, skip: PSet) {
    for q in 0..n {
        if q != p && !skip.contains(q) {
            b.net.push(Beat {
                src: p,
                dst: q,
                reply: false,
                age: 0,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    fn hb(kv: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut v = vec![("detector", "heartbeat")];
        v.extend_from_slice(kv);
        v
    }

    #[test]
    fn perfect_when_the_timeout_covers_the_round_trip() {
        for (delay, timeout) in [("1", "2"), ("2", "4")] {
            let r = run(
                "lazy-rb",
                2,
                1,
                &hb(&[("hb_delay", delay), ("hb_timeout", timeout)]),
                &["RB1", "RB4", "PFD1", "PFD2"],
            );
            assert_statuses(
                &r,
                &[
                    ("RB1", "holds"),
                    ("RB4", "holds"),
                    ("PFD1", "holds"),
                    ("PFD2", "holds"),
                ],
            );
            assert!(r.exhaustive);
        }
    }

    #[test]
    fn a_timeout_shorter_than_the_round_trip_suspects_the_living() {
        for (delay, timeout) in [("1", "1"), ("2", "3")] {
            let r = run(
                "lazy-rb",
                2,
                0,
                &hb(&[("hb_delay", delay), ("hb_timeout", timeout)]),
                &["PFD2"],
            );
            assert_statuses(&r, &[("PFD2", "violated")]);
        }
        let r = run("lazy-rb", 2, 0, &hb(&[("hb_timeout", "1")]), &["PFD2"]);
        assert_trace(
            &r,
            "PFD2",
            &[
                "tick: time 1 of the 1-tick heartbeat period",
                "p1 receives HEARTBEATREQUEST from p0",
                "p0 receives HEARTBEATREQUEST from p1",
                "the heartbeat timers expire: ⟨Timeout⟩ at every correct process",
            ],
        );
    }

    #[test]
    fn a_crash_is_detected_within_the_horizon() {
        // The only crash window is the first of two periods; PFD1 must hold with a witness.
        let r = run("lazy-rb", 3, 1, &hb(&[("hb_periods", "2")]), &["PFD1"]);
        assert_statuses(&r, &[("PFD1", "holds")]);
        assert_eq!(prop_witness(&r, "PFD1"), "witnessed");
    }

    #[test]
    fn timing_parameters_need_the_heartbeat_detector() {
        let spec = crate::models::params::RunSpec::of("lazy-rb", 2, 0, &[("hb_timeout", "3")]);
        let e = crate::app::registry::Registry::builtin()
            .find("lazy-rb")
            .unwrap()
            .check(&spec, &Default::default())
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("only applies with detector=heartbeat"),
            "{e}"
        );
    }
}
