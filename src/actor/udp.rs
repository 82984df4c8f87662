//! A protocol on real sockets: one [`Node`] actor per process, each on its own UDP socket on
//! 127.0.0.1 (never another address), run by `stateright::actor::spawn` with its messages
//! serialized by serde (JSON, as stateright's examples do).
//!
//! Faults really happen:
//! - `crash p@MS`: the actor's `Crash` timer fires after MS ms; from then on it sends and
//!   handles nothing and its thread ends, closing its socket;
//! - `crash p@after-sends:K`: the actor crashes at its K+1-th send, cutting the rest of that
//!   handler's sends (a deterministic injection of "the sender crashes mid-broadcast");
//! - loss: each datagram of the algorithm is dropped at the sender with probability `q`;
//! - delay: each datagram is held at the sender for a time drawn from a range.
//!
//! Every draw comes from a generator seeded per process by the run's seed, so a run's faults
//! repeat; the operating system's scheduling and the sockets' timing still vary between runs
//! (which message wins a race can change).
//!
//! The run ends when it is quiescent (every correct process idle, every datagram between
//! correct processes received, every planned crash done and, with a detector, reported to every
//! correct process), or at its duration. Then every actor's thread ends: stateright's `spawn`
//! loops forever, so each actor polls a stop flag every 5 ms and unwinds with [`Stopped`]
//! (`resume_unwind`: no panic message).

use crate::actor::judge::Ending;
use crate::actor::node::{HeartbeatTiming, Live, LiveFaults, Node, NodeFlags, Role, Stopped};
use crate::actor::trace::{Ev, Event, Recorder};
use crate::runtime::protocol::{Pid, Protocol};
use crate::runtime::system::System;
use stateright::actor::Id;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// When a process crashes in a real run.
#[derive(Clone, Debug, PartialEq)]
pub enum CrashPlan {
    /// This long after the start.
    At(Duration),
    /// At its send number K+1 (after K sends).
    AfterSends(u32),
}

/// A real run's settings.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub crashes: Vec<(Pid, CrashPlan)>,
    pub loss: f64,
    pub delay: (Duration, Duration),
    pub seed: u64,
    pub duration: Duration,
    pub heartbeat: HeartbeatTiming,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            crashes: Vec::new(),
            loss: 0.0,
            delay: (Duration::ZERO, Duration::ZERO),
            seed: 1,
            duration: Duration::from_secs(10),
            heartbeat: HeartbeatTiming {
                period: Duration::from_millis(10),
                timeout: Duration::from_millis(60),
            },
        }
    }
}

/// What a real run recorded.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    pub events: Vec<Event>,
    pub ending: Ending,
    /// The UDP ports the processes used, `ports[p]`.
    pub ports: Vec<u16>,
    pub elapsed: Duration,
}

/// Free UDP ports on 127.0.0.1 (bound and released: another program could take one in
/// between, which the run then reports).
fn free_ports(n: usize) -> Result<Vec<u16>, String> {
    let socks: Vec<UdpSocket> = (0..n)
        .map(|_| UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot bind a UDP socket on 127.0.0.1: {e}"))?;
    socks
        .iter()
        .map(|s| s.local_addr().map(|a| a.port()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot read a UDP socket's port: {e}"))
}

/// Runs `sys`'s protocol on real sockets (see the module text).
pub fn run<P: Protocol>(sys: &System<P>, opts: &RunOptions) -> Result<RunOutcome, String> {
    let n = sys.env.n as usize;
    for (p, _) in &opts.crashes {
        if *p as usize >= n {
            return Err(format!("--crash p{p}: the processes are p0..p{}", n - 1));
        }
    }
    let ports = free_ports(n)?;
    let ids: Arc<Vec<Id>> = Arc::new(
        ports
            .iter()
            .map(|&port| Id::from(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)))
            .collect(),
    );
    let rec = Arc::new(Recorder::default());
    let stop = Arc::new(AtomicBool::new(false));
    let detector = sys.proto.uses_detector();
    let mut nodes = Vec::new();
    for p in 0..n {
        let mut faults = LiveFaults::default();
        for (q, plan) in &opts.crashes {
            if *q as usize == p {
                match plan {
                    CrashPlan::At(t) => faults.crash_at = Some(*t),
                    CrashPlan::AfterSends(k) => faults.crash_after_sends = Some(*k),
                }
            }
        }
        let live = Live::new(
            rec.clone(),
            faults,
            opts.loss,
            opts.delay,
            detector.then_some(opts.heartbeat),
            stop.clone(),
            opts.seed.wrapping_mul(0x9e37_79b9).wrapping_add(p as u64),
            n,
        );
        nodes.push(Node {
            proto: sys.proto.clone(),
            env: sys.env.clone(),
            role: Role::Process(p as Pid),
            detector: sys.detector,
            ids: ids.clone(),
            crashes: false,
            causal: false,
            live: Some(live),
        });
    }
    // The coordinator watches the nodes through shared flags; the nodes move into spawn.
    let flags: Vec<Arc<NodeFlags>> = nodes
        .iter()
        .filter_map(|node| node.live.as_ref().map(|l| l.flags.clone()))
        .collect();
    let actors: Vec<(Id, Node<P>)> = nodes
        .into_iter()
        .enumerate()
        .map(|(p, node)| (ids[p], node))
        .collect();
    let start = Instant::now();
    let handle = std::thread::Builder::new()
        .name("broadcheck-run".into())
        .spawn(move || {
            stateright::actor::spawn(
                serde_json::to_vec,
                |b| serde_json::from_slice(b),
                serde_json::to_vec,
                |b| serde_json::from_slice(b),
                actors,
            )
        })
        .map_err(|e| format!("cannot start the run's threads: {e}"))?;
    let last_crash = opts
        .crashes
        .iter()
        .filter_map(|(_, c)| match c {
            CrashPlan::At(t) => Some(*t),
            CrashPlan::AfterSends(_) => None,
        })
        .max()
        .unwrap_or_default();
    let mut ending = Ending::CutShort;
    let mut calm_since: Option<Instant> = None;
    let mut failed = None;
    loop {
        std::thread::sleep(Duration::from_millis(5));
        if handle.is_finished() {
            failed = Some("the processes stopped on their own (a socket could not be bound?)");
            break;
        }
        if start.elapsed() >= opts.duration {
            break;
        }
        let started = flags.iter().all(|f| f.started.load(Ordering::Relaxed));
        if !started && start.elapsed() > Duration::from_secs(2) {
            failed = Some("a process did not start within 2 s");
            break;
        }
        let calm = started
            && start.elapsed() >= last_crash
            && flags.iter().all(|f| f.idle.load(Ordering::Relaxed))
            && settled(&rec.events(), n, detector);
        match (calm, calm_since) {
            (true, None) => calm_since = Some(Instant::now()),
            (true, Some(t)) if t.elapsed() >= Duration::from_millis(50) => {
                ending = Ending::Quiescent;
                break;
            }
            (false, _) => calm_since = None,
            _ => {}
        }
    }
    stop.store(true, Ordering::Relaxed);
    let joined = handle.join();
    let elapsed = start.elapsed();
    if let Some(why) = failed {
        return Err(format!("real run failed: {why} (ports {ports:?})"));
    }
    match joined {
        Ok(Ok(())) => {}
        Ok(Err(payload)) => {
            // Every actor ends by unwinding with `Stopped`; anything else is a real failure.
            let stopped = payload
                .downcast_ref::<Vec<Box<dyn std::any::Any + Send>>>()
                .is_some_and(|v| v.iter().all(|p| p.is::<Stopped>()));
            if !stopped {
                return Err(format!(
                    "real run failed: a process's thread panicked (ports {ports:?})"
                ));
            }
        }
        Err(_) => return Err("real run failed: the run's thread panicked".into()),
    }
    Ok(RunOutcome {
        events: rec.events(),
        ending,
        ports,
        elapsed,
    })
}

/// Every datagram between correct processes was received; with a detector, every crash was
/// reported to every correct process.
fn settled(events: &[Event], n: usize, detector: bool) -> bool {
    let mut crashed = vec![false; n];
    for e in events {
        if e.ev == Ev::Crash {
            crashed[e.p as usize] = true;
        }
    }
    let mut in_flight: HashMap<(Pid, Pid, &str), i64> = HashMap::new();
    for e in events {
        match &e.ev {
            Ev::Send { to, msg } => *in_flight.entry((e.p, *to, msg)).or_default() += 1,
            Ev::Receive { from, msg } => *in_flight.entry((*from, e.p, msg)).or_default() -= 1,
            _ => {}
        }
    }
    let flowing = in_flight
        .iter()
        .any(|((s, d, _), k)| *k > 0 && !crashed[*s as usize] && !crashed[*d as usize]);
    if flowing {
        return false;
    }
    if detector {
        for (q, _) in crashed.iter().enumerate().filter(|(_, c)| **c) {
            for p in (0..n).filter(|&p| !crashed[p]) {
                let told = events
                    .iter()
                    .any(|e| e.p as usize == p && e.ev == Ev::Suspect { q: q as Pid });
                if !told {
                    return false;
                }
            }
        }
    }
    true
}
