//! The one adapter that makes every [`Protocol`] a stateright [`Actor`], built-in or a user's:
//! no per-model code.
//!
//! | runtime event | actor event |
//! |---|---|
//! | `upon event ⟨Init⟩` | `on_start` (and it arms the broadcast timer) |
//! | `upon event ⟨Broadcast \| m⟩` | the `Broadcast` timer: each firing broadcasts the next message |
//! | `upon event ⟨pl, Deliver \| q, m⟩` | `on_msg` with [`Wire::App`] |
//! | `upon event ⟨P, Crash \| q⟩` | `on_msg` with [`Wire::Notice`] from the detector |
//! | `upon event ⟨Timeout⟩` ([`Protocol::on_timer`]) | the `Tick` timer, armed while [`Protocol::timer_armed`] |
//! | `send_random(among, k, m)` | stateright's `choose_random` over the `k`-subsets |
//! | `Deliver` indication | appended to the actor's own delivery log |
//! | crash-stop | the `Crash` timer: from then on the actor ignores everything |
//!
//! The same actor runs in two places:
//! - in stateright's [`ActorModel`](stateright::actor::ActorModel) ([`crate::actor::model`]),
//!   where the failure detector is an *oracle actor* ([`Role::Oracle`]) that learns of each crash
//!   and tells the others, and crashes are bounded by `f` through the model's boundary;
//! - on real UDP sockets with `stateright::actor::spawn` ([`crate::actor::udp`]), where a
//!   [`Live`] part injects real faults (a crash at a time or after a number of sends, lost and
//!   delayed datagrams), runs CGR's heartbeat detector (Alg. 2.5, *Exclude on Timeout*) over
//!   real timers, and records every event ([`crate::actor::trace`]).
//!
//! A handler that ran always owns its state (`Cow::to_mut`), even if the state is unchanged:
//! stateright treats a no-op receipt as no step and leaves the message in flight, while the
//! runtime consumes it; this keeps the two state graphs alike.

use crate::actor::trace::{Ev, Recorder};
use crate::overlay::rng::Rng;
use crate::runtime::bits::{MSet, PSet};
use crate::runtime::detector::Detector;
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use crate::runtime::system::Pending;
use stateright::actor::{Actor, Id, Out as AOut};
use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What travels between actors.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Wire<M> {
    /// A message of the algorithm.
    App(M),
    /// To the oracle detector: the sender has just crashed (a modelling device: the oracle
    /// stands for the detector's knowledge of crashes).
    Crashed,
    /// From the detector: this process crashed (`⟨P, Crash | q⟩`).
    Notice(Pid),
    /// A heartbeat (real runs).
    Beat,
}

/// Timers of an actor.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Timer {
    /// The application broadcasts the next message.
    Broadcast,
    /// [`Protocol::on_timer`].
    Tick,
    /// Crash-stop.
    Crash,
    /// The oracle of an inaccurate detector falsely reports `.1` to `.0`.
    Suspect(Pid, Pid),
    /// Real runs: a delayed datagram is sent.
    Release(u32),
    /// Real runs: send heartbeats.
    Beat,
    /// Real runs: look for processes whose heartbeats stopped.
    Watch,
    /// Real runs: look at the stop flag.
    Poll,
}

/// Which actor this is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Process(Pid),
    /// The failure detector as an actor (model checking only).
    Oracle,
}

/// An actor's state: the protocol's state plus what the runtime keeps for it (ghost fields:
/// the delivery log, the causal past of each own broadcast).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NodeState<P: Protocol> {
    /// `None` for the oracle.
    pub st: Option<P::State>,
    /// How many messages this process has broadcast.
    pub broadcasts: u8,
    /// Deliveries, in order.
    pub log: Vec<MsgId>,
    pub crashed: bool,
    /// Processes the detector reported (the oracle: crashes it has announced).
    pub suspects: PSet,
    /// Random sends waiting for their targets.
    pub pending: Vec<Pending<P::Msg>>,
    /// For each own broadcast, what it directly follows: what this process had delivered and
    /// broadcast before (the causal past is its transitive closure). Empty unless
    /// [`Node::causal`].
    pub direct: Vec<MSet>,
}

/// Faults to inject in a real run, per process.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveFaults {
    /// Crash this long after start.
    pub crash_at: Option<Duration>,
    /// Crash once this many algorithm messages have been sent (the rest of that handler's
    /// sends are cut).
    pub crash_after_sends: Option<u32>,
}

/// Heartbeat detector timing for real runs (CGR Alg. 2.5 with a period and a timeout).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct HeartbeatTiming {
    pub period: Duration,
    pub timeout: Duration,
}

/// Datagrams held back by the delay injection: the last release number, and each held
/// datagram with its release number and receiver.
type Held<M> = (u32, Vec<(u32, Id, Wire<M>)>);

/// The real-network part of an actor: fault injection, the heartbeat detector, recording.
pub struct Live<M> {
    pub rec: Arc<Recorder>,
    pub faults: LiveFaults,
    /// Probability that a datagram is dropped at the sender.
    pub loss: f64,
    /// Each datagram is held for a time in this range.
    pub delay: (Duration, Duration),
    pub heartbeat: Option<HeartbeatTiming>,
    /// The run is over: the actor's thread ends.
    pub stop: Arc<AtomicBool>,
    pub(crate) rng: Mutex<Rng>,
    held: Mutex<Held<M>>,
    heard: Mutex<Vec<Instant>>,
    sends: AtomicU32,
    /// What the run's coordinator watches.
    pub flags: Arc<NodeFlags>,
}

/// What a real run's coordinator sees of a node.
#[derive(Debug, Default)]
pub struct NodeFlags {
    /// `on_start` ran (its socket is bound).
    pub started: AtomicBool,
    /// Nothing to do until a message arrives: no broadcast left, no timer armed, no random
    /// send pending (or crashed).
    pub idle: AtomicBool,
}

impl<M> Live<M> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        rec: Arc<Recorder>,
        faults: LiveFaults,
        loss: f64,
        delay: (Duration, Duration),
        heartbeat: Option<HeartbeatTiming>,
        stop: Arc<AtomicBool>,
        seed: u64,
        n: usize,
    ) -> Live<M> {
        Live {
            rec,
            faults,
            loss,
            delay,
            heartbeat,
            stop,
            rng: Mutex::new(Rng::new(seed)),
            held: Mutex::new((0, Vec::new())),
            heard: Mutex::new(vec![Instant::now(); n]),
            sends: AtomicU32::new(0),
            flags: Arc::new(NodeFlags::default()),
        }
    }

    fn uniform(&self, lo: Duration, hi: Duration) -> Duration {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo).as_micros() as u64;
        let mut r = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        lo + Duration::from_micros(r.below(span + 1))
    }

    fn chance(&self, q: f64) -> bool {
        if q <= 0.0 {
            return false;
        }
        let mut r = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        r.unit() < q
    }
}

/// The panic payload that ends a real actor's thread (stateright's `spawn` loops forever; an
/// unwinding handler is the only way out, and `resume_unwind` skips the panic hook).
pub struct Stopped;

/// One process (or the oracle) of a protocol, as a stateright actor.
pub struct Node<P: Protocol> {
    pub proto: P,
    pub env: Env,
    pub role: Role,
    /// The detector the protocol uses, if any.
    pub detector: Option<Detector>,
    /// `ids[p]`: process p's actor id; `ids[n]` is the oracle's when there is one.
    pub ids: Arc<Vec<Id>>,
    /// Whether crash-stop faults are injected by the model (`Crash` timers; model checking).
    pub crashes: bool,
    /// Keep [`NodeState::direct`] (only CRB5 reads it; otherwise it would split states the
    /// runtime merges).
    pub causal: bool,
    /// Real runs only.
    pub live: Option<Live<P::Msg>>,
}

impl<P: Protocol> Node<P> {
    fn pid_of(&self, id: Id) -> Option<Pid> {
        self.ids
            .iter()
            .take(self.env.n as usize)
            .position(|x| *x == id)
            .map(|p| p as Pid)
    }

    fn me(&self) -> Pid {
        match self.role {
            Role::Process(p) => p,
            Role::Oracle => self.env.n,
        }
    }

    fn oracle(&self) -> Option<Id> {
        self.ids.get(self.env.n as usize).copied()
    }

    fn record(&self, ev: Ev) {
        if let Some(l) = &self.live {
            l.rec.record(self.me(), ev);
        }
    }

    /// Sends `w` to `to`: directly in the model; in a real run through the loss and delay
    /// injection, and counted for a crash after so many sends.
    fn send(&self, s: &mut NodeState<P>, to: Pid, w: Wire<P::Msg>, o: &mut AOut<Self>) {
        let id = self.ids[to as usize];
        let Some(l) = &self.live else {
            o.send(id, w);
            return;
        };
        if s.crashed {
            return;
        }
        if let Wire::App(m) = &w {
            if let Some(k) = l.faults.crash_after_sends {
                if l.sends.load(Ordering::Relaxed) >= k {
                    self.crash(s, o);
                    return;
                }
            }
            l.sends.fetch_add(1, Ordering::Relaxed);
            let msg = format!("{m:?}");
            if l.chance(l.loss) {
                self.record(Ev::Lost { to, msg });
                return;
            }
            self.record(Ev::Send { to, msg });
        }
        // Every datagram is delayed alike, heartbeats included: a timeout shorter than the
        // delays makes the detector suspect live processes, as on a real network.
        let hold = l.uniform(l.delay.0, l.delay.1);
        if hold.is_zero() {
            o.send(id, w);
        } else {
            let mut held = l.held.lock().unwrap_or_else(|e| e.into_inner());
            held.0 += 1;
            let k = held.0;
            held.1.push((k, id, w));
            o.set_timer(Timer::Release(k), hold..hold);
        }
    }

    /// Crash-stop: nothing more is sent or handled.
    fn crash(&self, s: &mut NodeState<P>, o: &mut AOut<Self>) {
        if s.crashed {
            return;
        }
        s.crashed = true;
        s.pending.clear();
        if let Some(l) = &self.live {
            l.flags.idle.store(true, Ordering::Relaxed);
        }
        o.cancel_timer(Timer::Broadcast);
        o.cancel_timer(Timer::Tick);
        self.record(Ev::Crash);
        if self.detector.is_some_and(|d| d.oracle()) && self.live.is_none() {
            if let Some(oracle) = self.oracle() {
                o.send(oracle, Wire::Crashed);
            }
        }
    }

    /// Applies a handler's output: sends, random sends, deliveries; re-arms the tick timer.
    fn apply(&self, s: &mut NodeState<P>, out: Out<P::Msg>, o: &mut AOut<Self>) {
        for (to, msg) in out.sends {
            self.send(s, to, Wire::App(msg), o);
        }
        for (among, k, msg) in out.randoms {
            if among.len() <= k as usize {
                for to in among.iter() {
                    self.send(s, to, Wire::App(msg.clone()), o);
                }
            } else {
                s.pending.push(Pending {
                    p: self.me(),
                    among,
                    k,
                    msg,
                });
            }
        }
        for m in out.delivers {
            s.log.push(m);
            self.record(Ev::Deliver { m });
        }
        self.next_choice(s, o);
        if let Some(st) = &s.st {
            if !s.crashed && self.proto.timer_armed(&self.env, st) {
                o.set_timer(Timer::Tick, tick()..tick());
            } else {
                o.cancel_timer(Timer::Tick);
            }
        }
        if let Some(l) = &self.live {
            let busy = !s.pending.is_empty()
                || s.broadcasts < self.quota()
                || s.st
                    .as_ref()
                    .is_some_and(|st| self.proto.timer_armed(&self.env, st));
            l.flags.idle.store(!busy || s.crashed, Ordering::Relaxed);
        }
    }

    /// The first pending random send becomes a random choice: stateright's in a model; in a
    /// real run, resolved at once with the seeded generator (stateright's `spawn` would wait up
    /// to 10 s before an unseeded choice).
    fn next_choice(&self, s: &mut NodeState<P>, o: &mut AOut<Self>) {
        while let Some(x) = s.pending.first() {
            let choices = x.among.subsets(x.k as usize);
            match &self.live {
                None => {
                    o.choose_random("targets", choices);
                    return;
                }
                Some(l) => {
                    let i = {
                        let mut r = l.rng.lock().unwrap_or_else(|e| e.into_inner());
                        r.below(choices.len() as u64) as usize
                    };
                    let x = s.pending.remove(0);
                    for to in choices[i].iter() {
                        self.send(s, to, Wire::App(x.msg.clone()), o);
                    }
                }
            }
        }
    }

    fn quota(&self) -> u8 {
        match self.role {
            Role::Process(p) => self.env.quota[p as usize],
            Role::Oracle => 0,
        }
    }

    /// Runs a protocol handler on this process's state.
    fn handle(
        &self,
        s: &mut NodeState<P>,
        o: &mut AOut<Self>,
        h: impl FnOnce(&P, &Env, Pid, &mut P::State, &mut Out<P::Msg>),
    ) {
        let me = self.me();
        let mut out = Out::default();
        if let Some(st) = s.st.as_mut() {
            h(&self.proto, &self.env, me, st, &mut out);
        }
        self.apply(s, out, o);
    }

    /// `upon event ⟨Broadcast | m⟩`, the application's next message.
    fn broadcast(&self, s: &mut NodeState<P>, o: &mut AOut<Self>) {
        let me = self.me();
        let m = MsgId {
            origin: me,
            seq: s.broadcasts,
        };
        if self.causal {
            let mut direct = MSet::EMPTY;
            for &d in &s.log {
                direct.insert(d);
            }
            for seq in 0..m.seq {
                direct.insert(MsgId { origin: me, seq });
            }
            s.direct.push(direct);
        }
        s.broadcasts += 1;
        self.record(Ev::Broadcast { m });
        if s.broadcasts < self.quota() {
            let d = self.broadcast_gap();
            o.set_timer(Timer::Broadcast, d..d);
        }
        self.handle(s, o, |proto, env, me, st, out| {
            proto.on_broadcast(env, me, st, m, out)
        });
    }

    fn broadcast_gap(&self) -> Duration {
        match &self.live {
            Some(l) => l.uniform(Duration::from_millis(1), Duration::from_millis(10)),
            None => Duration::ZERO,
        }
    }

    fn stop_if_over(&self, s: &NodeState<P>) {
        if let Some(l) = &self.live {
            if l.stop.load(Ordering::Relaxed) || s.crashed {
                std::panic::resume_unwind(Box::new(Stopped));
            }
        }
    }
}

fn tick() -> Duration {
    Duration::from_millis(5)
}

const POLL: Duration = Duration::from_millis(5);

impl<P: Protocol> Actor for Node<P> {
    type Msg = Wire<P::Msg>;
    type State = NodeState<P>;
    type Timer = Timer;
    type Storage = ();
    type Random = PSet;

    fn on_start(&self, _id: Id, _storage: &Option<()>, o: &mut AOut<Self>) -> NodeState<P> {
        let mut s = NodeState {
            st: None,
            broadcasts: 0,
            log: Vec::new(),
            crashed: false,
            suspects: PSet::EMPTY,
            pending: Vec::new(),
            direct: Vec::new(),
        };
        match self.role {
            Role::Oracle => {
                // An inaccurate detector may at any time report any process to any other.
                if self.detector.is_some_and(|d| d.may_suspect_alive()) {
                    for p in self.env.procs() {
                        for q in self.env.procs().filter(|&q| q != p) {
                            o.set_timer(Timer::Suspect(p, q), Duration::ZERO..Duration::ZERO);
                        }
                    }
                }
            }
            Role::Process(me) => {
                s.st = Some(self.proto.init(&self.env, me));
                if self.quota() > 0 {
                    let d = self.broadcast_gap();
                    o.set_timer(Timer::Broadcast, d..d);
                }
                if self.crashes {
                    o.set_timer(Timer::Crash, Duration::ZERO..Duration::ZERO);
                }
                if let Some(l) = &self.live {
                    l.flags.started.store(true, Ordering::Relaxed);
                    if let Some(t) = l.faults.crash_at {
                        o.set_timer(Timer::Crash, t..t);
                    }
                    o.set_timer(Timer::Poll, POLL..POLL);
                    if let Some(hb) = l.heartbeat {
                        o.set_timer(Timer::Beat, Duration::ZERO..Duration::ZERO);
                        o.set_timer(Timer::Watch, hb.timeout..hb.timeout);
                    }
                }
                self.apply(&mut s, Out::default(), o);
            }
        }
        s
    }

    fn on_msg(
        &self,
        _id: Id,
        state: &mut Cow<NodeState<P>>,
        src: Id,
        msg: Wire<P::Msg>,
        o: &mut AOut<Self>,
    ) {
        if state.crashed {
            return;
        }
        match (self.role, msg) {
            // upon event ⟨P, Crash | q⟩, at most once per q
            (Role::Process(_), Wire::Notice(q)) => {
                if state.suspects.contains(q) {
                    return;
                }
                let s = state.to_mut();
                s.suspects.insert(q);
                self.record(Ev::Suspect { q });
                self.handle(s, o, |proto, env, me, st, out| {
                    proto.on_crash(env, me, st, q, out)
                });
            }
            // upon event ⟨pl, Deliver | q, m⟩
            (Role::Process(_), Wire::App(m)) => {
                let Some(from) = self.pid_of(src) else {
                    return;
                };
                let s = state.to_mut();
                self.record(Ev::Receive {
                    from,
                    msg: format!("{m:?}"),
                });
                self.handle(s, o, |proto, env, me, st, out| {
                    proto.on_receive(env, me, st, from, &m, out)
                });
            }
            (Role::Process(_), Wire::Beat) => {
                if let (Some(l), Some(from)) = (&self.live, self.pid_of(src)) {
                    let mut heard = l.heard.lock().unwrap_or_else(|e| e.into_inner());
                    heard[from as usize] = Instant::now();
                }
            }
            // The oracle learns of a crash and tells every other process.
            (Role::Oracle, Wire::Crashed) => {
                let Some(q) = self.pid_of(src) else {
                    return;
                };
                let s = state.to_mut();
                s.suspects.insert(q);
                for p in self.env.procs().filter(|&p| p != q) {
                    o.send(self.ids[p as usize], Wire::Notice(q));
                }
            }
            _ => {}
        }
    }

    fn on_timeout(
        &self,
        _id: Id,
        state: &mut Cow<NodeState<P>>,
        timer: &Timer,
        o: &mut AOut<Self>,
    ) {
        match *timer {
            Timer::Poll => {
                self.stop_if_over(state);
                o.set_timer(Timer::Poll, POLL..POLL);
                return;
            }
            Timer::Suspect(p, q) => {
                let s = state.to_mut();
                s.suspects.insert(q);
                o.send(self.ids[p as usize], Wire::Notice(q));
                return;
            }
            _ => {}
        }
        if state.crashed {
            return;
        }
        match *timer {
            Timer::Broadcast => {
                let s = state.to_mut();
                self.broadcast(s, o);
            }
            Timer::Tick => {
                let s = state.to_mut();
                self.handle(s, o, |proto, env, me, st, out| {
                    proto.on_timer(env, me, st, out)
                });
            }
            Timer::Crash => {
                let s = state.to_mut();
                self.crash(s, o);
            }
            Timer::Release(k) => {
                if let Some(l) = &self.live {
                    let mut held = l.held.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some(i) = held.1.iter().position(|x| x.0 == k) {
                        let (_, id, w) = held.1.remove(i);
                        o.send(id, w);
                    }
                }
            }
            // Exclude on Timeout: heartbeats to all, every period.
            Timer::Beat => {
                if let Some(hb) = self.live.as_ref().and_then(|l| l.heartbeat) {
                    for p in self.env.procs().filter(|&p| p != self.me()) {
                        o.send(self.ids[p as usize], Wire::Beat);
                    }
                    o.set_timer(Timer::Beat, hb.period..hb.period);
                }
            }
            // upon event ⟨Timeout⟩: forall p ∉ alive, p ∉ detected: trigger ⟨P, Crash | p⟩
            Timer::Watch => {
                let Some(l) = &self.live else { return };
                let Some(hb) = l.heartbeat else { return };
                let silent: Vec<Pid> = {
                    let heard = l.heard.lock().unwrap_or_else(|e| e.into_inner());
                    self.env
                        .procs()
                        .filter(|&p| p != self.me() && heard[p as usize].elapsed() > hb.timeout)
                        .collect()
                };
                let s = state.to_mut();
                for q in silent {
                    if s.suspects.insert(q) {
                        self.record(Ev::Suspect { q });
                        self.handle(s, o, |proto, env, me, st, out| {
                            proto.on_crash(env, me, st, q, out)
                        });
                    }
                }
                o.set_timer(Timer::Watch, hb.period..hb.period);
            }
            Timer::Poll | Timer::Suspect(..) => {}
        }
    }

    fn on_random(
        &self,
        _id: Id,
        state: &mut Cow<NodeState<P>>,
        targets: &PSet,
        o: &mut AOut<Self>,
    ) {
        if state.crashed || state.pending.is_empty() {
            return;
        }
        let s = state.to_mut();
        let x = s.pending.remove(0);
        for to in targets.iter() {
            self.send(s, to, Wire::App(x.msg.clone()), o);
        }
        self.next_choice(s, o);
    }

    fn name(&self) -> String {
        match self.role {
            Role::Process(p) => format!("p{p}"),
            Role::Oracle => "detector".into(),
        }
    }
}
