//! The runtime every broadcast model runs on: `n` processes executing a [`Protocol`] over a
//! network, with crash-stop faults, an optional failure detector, and a ghost history. It
//! implements stateright's [`Model`](stateright::Model) so that stateright's Explorer works on every model, and the
//! project's own checker ([`crate::engine::checker`]) searches it.
//!
//! # Steps (the nondeterministic choices)
//! - **Broadcast**: a correct process that still has messages to broadcast broadcasts the next
//!   one. Broadcasts interleave freely with deliveries.
//! - **Deliver**: an in-flight message is received and handled by its destination (one handler =
//!   one atomic step).
//! - **Crash** (crash-stop): while fewer than `f` processes crashed, any correct process may
//!   crash at any point. A crashed process takes no further step and never recovers (unlike
//!   stateright's `max_crashes`, which is crash-*recovery*). Messages addressed to it are
//!   discarded.
//! - **Omission** (with `faults=send-omission|omission`, see [`crate::runtime::faults`]): not a
//!   step; up to `f` processes are faulty from the initial state on (one initial state per
//!   placement), and their messages (and, with general omission, the messages to them) may
//!   stay undelivered, like a crashed sender's.
//! - **Detect**: the failure detector tells a correct process that some process crashed (see
//!   [`crate::runtime::detector`]).
//! - **Tick**: the periodic timer of a correct process fires (protocols with
//!   [`Protocol::timer_armed`]); obligatory, like a delivery.
//! - **Choose** (a *chance* step): a handler asked to send to `k` random targets
//!   ([`Out::send_random`]); the next step picks them. Every `k`-subset is a branch of
//!   probability `1 / C(|among|, k)`. While a choice is pending nothing else happens, so the
//!   choice belongs to the handler's atomic step.
//! - **Lose** (a *chance* outcome, with `loss = q`): a fair-loss link drops the message instead
//!   of delivering it. Delivering and losing an in-flight message are the two outcomes of one
//!   scheduler decision, of probability `1 − q` and `q`.
//!
//! Scheduling, crashes and the failure detector are *nondeterministic* (an adversary picks);
//! random targets and losses are *probabilistic*. The checker treats both as branches (a
//! counterexample may use either); [`crate::engine::prob`] tells them apart (via
//! [`crate::engine::prob::Stochastic`]) and computes exact probabilities, minimised and maximised over
//! the adversary's choices.
//!
//! # Fail-silent loss
//! The network is reliable between correct processes only. After its sender crashed, an in-flight
//! message may still be delivered, or it may never be: delivering it stays *possible* but is no
//! longer *obligatory*. Liveness is judged at quiescent states (no obligatory step left), so both
//! fates are explored without an explicit "lose" step, and a trace ends by listing the messages
//! that were lost. This is what lets the checker find Best-Effort Broadcast's classic agreement
//! violation: a broadcast's sends happen in one step, and the crash must be able to cut them.

use crate::engine::property::PropDef;
use crate::runtime::bits::PSet;
use crate::runtime::detector::Detector;
use crate::runtime::faults::Faults;
use crate::runtime::history::History;
use crate::runtime::network::{Envelope, NetKind};
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use crate::runtime::system_narrate::names;
use smallvec::SmallVec;
use std::fmt;

/// A model: a protocol, its parameters, and the properties to check.
pub struct System<P: Protocol> {
    pub proto: P,
    pub env: Env,
    pub net: NetKind,
    /// `Some` iff the protocol uses a failure detector.
    pub detector: Option<Detector>,
    /// The properties this run checks.
    pub props: Vec<PropDef<System<P>>>,
    /// Record each broadcast's causal past in the history (needed by CRB5 only; it is off
    /// otherwise so that it cannot split states).
    pub track_causality: bool,
    /// Fair-loss links: each in-flight message is lost with this probability instead of being
    /// delivered (`None`: reliable links between correct processes).
    pub loss: Option<crate::engine::prob::Ratio>,
    /// Drop in-flight messages their receiver ignores for good ([`Protocol::ignores`]): the
    /// partial-order reduction of [`crate::runtime::reduce`] (`--reduce por`), and always on in the
    /// probability computation.
    pub drop_ignored: bool,
    /// Symmetry reduction: the group of renamings, identity first (empty: off).
    pub symmetry: Vec<crate::runtime::reduce::Perm>,
    /// `sym_class[p]`: p's class; the group only renames processes within a class.
    pub sym_class: Vec<u32>,
    /// What the reductions asked for do in this run, for the report.
    pub reduction_notes: Vec<String>,
    /// The reductions asked for.
    pub reduce: crate::engine::reductions::Reductions,
    /// Keep each delivery log in delivery order. When no checked property reads the order
    /// (the catalogue says which), logs are kept sorted instead: runs that
    /// delivered the same messages in a different order then reach the same state, which every
    /// checked property judges alike.
    pub keep_order: bool,
    /// The fault model: crash-stop, or up to `f` omission-faulty or Byzantine processes
    /// fixed from the start ([`Faults`]).
    pub faults: Faults,
}

/// A random send a handler asked for that the next (chance) step resolves.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Pending<M> {
    pub p: Pid,
    pub among: PSet,
    pub k: u8,
    pub msg: M,
}

/// A global state: every process's local state, the network, and the ghost history.
#[derive(PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SysState<P: Protocol> {
    pub procs: SmallVec<[P::State; 4]>,
    pub net: crate::runtime::network::Net<P::Msg>,
    /// Random sends not yet resolved (empty except right after a handler asked for one).
    pub pending: SmallVec<[Pending<P::Msg>; 1]>,
    /// The heartbeat detector's clock and messages (`detector=heartbeat` only).
    pub beats: Option<Box<crate::runtime::heartbeat::Beats>>,
    pub hist: History,
    /// The wrapping sum of the hashes of the parts most steps change: each process's state,
    /// each in-flight message, each delivery-log entry (see [`System::digest_of`]). Every step
    /// keeps it up to date, so fingerprinting a state hashes this and the few parts left
    /// instead of the whole state. It is a function of those parts, not of how the state was
    /// reached: a sum does not depend on the order of its terms.
    pub digest: u64,
    /// The hash of every other part (see [`System::rest_of`]), recomputed after every step:
    /// a state's fingerprint combines the two.
    pub rest: u64,
}

/// `clone_from` reuses the target's buffers: the search builds every successor in one of two
/// scratch states this way (see [`System::act`]), so a successor that turns out to be visited
/// already costs no allocation.
impl<P: Protocol> Clone for SysState<P> {
    fn clone(&self) -> Self {
        SysState {
            procs: self.procs.clone(),
            net: self.net.clone(),
            pending: self.pending.clone(),
            beats: self.beats.clone(),
            hist: self.hist.clone(),
            digest: self.digest,
            rest: self.rest,
        }
    }

    fn clone_from(&mut self, src: &Self) {
        self.procs.clone_from(&src.procs);
        self.net.clone_from(&src.net);
        self.pending.clone_from(&src.pending);
        self.beats.clone_from(&src.beats);
        self.hist.clone_from(&src.hist);
        self.digest = src.digest;
        self.rest = src.rest;
    }
}

/// One step of the runtime.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Action<M> {
    /// Process `p` broadcasts its next message `m`.
    Broadcast { p: Pid, m: MsgId },
    /// The in-flight message at index `idx` is received by `dst`; with `keep_copy` a duplicate
    /// stays in flight (duplicating network).
    Deliver {
        idx: u16,
        src: Pid,
        dst: Pid,
        msg: M,
        keep_copy: bool,
    },
    /// Process `p` crashes (crash-stop).
    Crash { p: Pid },
    /// The failure detector of `p` reports `q` as crashed.
    Detect { p: Pid, q: Pid },
    /// The periodic timer of `p` fires.
    Tick { p: Pid },
    /// Chance: `p`'s pending random send goes to `targets`, one of `of` equally likely choices.
    Choose { p: Pid, targets: PSet, of: u32 },
    /// Chance (fair-loss links): the in-flight message at `idx` is lost.
    Lose {
        idx: u16,
        src: Pid,
        dst: Pid,
        msg: M,
    },
    /// One tick of global time (heartbeat detector).
    Time,
    /// The heartbeat message at `idx` is delivered.
    Beat {
        idx: u16,
        beat: crate::runtime::heartbeat::Beat,
    },
}

impl<P: Protocol> System<P> {
    pub fn new(proto: P, env: Env, net: NetKind, detector: Detector) -> System<P> {
        let detector = proto.uses_detector().then_some(detector);
        System {
            proto,
            env,
            net,
            detector,
            props: Vec::new(),
            track_causality: false,
            loss: None,
            drop_ignored: false,
            symmetry: Vec::new(),
            sym_class: Vec::new(),
            reduction_notes: Vec::new(),
            reduce: crate::engine::reductions::Reductions::default(),
            keep_order: true,
            faults: Faults::Crash,
        }
    }

    /// Removes the in-flight message at `i`.
    fn unsend(&self, t: &mut SysState<P>, i: usize) {
        let e = t.net.remove(i);
        t.digest = t
            .digest
            .wrapping_sub(self.msg_part(e.src, e.dst, &e.msg, e.copies));
    }

    /// Keeps the in-flight messages `keep` accepts.
    fn retain_net(&self, t: &mut SysState<P>, keep: impl Fn(&P::State, &Envelope<P::Msg>) -> bool) {
        let (procs, digest) = (&t.procs, &mut t.digest);
        t.net.retain(|e| {
            let k = keep(&procs[e.dst as usize], e);
            if !k {
                *digest = digest.wrapping_sub(self.msg_part(e.src, e.dst, &e.msg, e.copies));
            }
            k
        });
    }

    /// Runs one of p's handlers on its state, then applies what it output.
    fn handle(
        &self,
        t: &mut SysState<P>,
        p: Pid,
        handler: impl FnOnce(&P, &Env, &mut P::State, &mut Out<P::Msg>),
    ) {
        let st = &mut t.procs[p as usize];
        let before = Self::proc_part(p, st);
        let mut out = Out::default();
        handler(&self.proto, &self.env, st, &mut out);
        let after = Self::proc_part(p, st);
        t.digest = t.digest.wrapping_add(after).wrapping_sub(before);
        self.apply(t, p, out);
    }

    /// The successor of `s` by `a`; with `drop`, in-flight messages their receiver ignores
    /// for good are dropped (partial-order reduction).
    pub fn step(&self, s: &SysState<P>, a: Action<P::Msg>, drop: bool) -> SysState<P> {
        let mut t = s.clone();
        self.act(&mut t, a, drop);
        t
    }

    /// Turns `t` into its successor by `a`, in place (see [`System::step`]).
    pub fn act(&self, t: &mut SysState<P>, a: Action<P::Msg>, drop: bool) {
        match a {
            Action::Broadcast { p, m } => {
                t.hist.record_broadcast(m);
                self.handle(t, p, |proto, env, st, out| {
                    proto.on_broadcast(env, p, st, m, out)
                });
            }
            Action::Deliver {
                idx,
                src,
                dst,
                msg,
                keep_copy,
            } => {
                let i = idx as usize;
                t.digest = t.digest.wrapping_add(self.take_delta(&t.net[i], keep_copy));
                if keep_copy {
                    t.net[i].copies -= 1;
                } else {
                    t.net.remove(i);
                }
                self.handle(t, dst, |proto, env, st, out| {
                    proto.on_receive(env, dst, st, src, &msg, out)
                });
            }
            Action::Crash { p } => {
                t.hist.crashed.insert(p);
                self.retain_net(t, |_, e| e.dst != p);
                if let (Some(tm), Some(b)) = (self.timing(), t.beats.as_mut()) {
                    tm.crash(b, p);
                }
            }
            Action::Time => {
                if let (Some(tm), Some(mut b)) = (self.timing(), t.beats.take()) {
                    let raised = tm.tick(&mut b, self.env.n, t.hist.crashed, &t.hist.suspects);
                    t.beats = Some(b);
                    for (p, q) in raised {
                        // upon event ⟨Timeout⟩: q ∉ alive ⇒ trigger ⟨P, Crash | q⟩
                        t.hist.suspects[p as usize].insert(q);
                        self.handle(t, p, |proto, env, st, out| {
                            proto.on_crash(env, p, st, q, out)
                        });
                    }
                }
            }
            Action::Beat { idx, .. } => {
                if let (Some(tm), Some(b)) = (self.timing(), t.beats.as_mut()) {
                    tm.deliver(b, idx as usize, t.hist.crashed);
                }
            }
            Action::Detect { p, q } => {
                t.hist.suspects[p as usize].insert(q);
                self.handle(t, p, |proto, env, st, out| {
                    proto.on_crash(env, p, st, q, out)
                });
            }
            Action::Tick { p } => {
                self.handle(t, p, |proto, env, st, out| proto.on_timer(env, p, st, out));
            }
            Action::Choose { p, targets, .. } => {
                let x = t.pending.remove(0);
                for to in targets.iter() {
                    self.send(t, p, to, x.msg.clone());
                }
            }
            Action::Lose { idx, .. } => {
                self.unsend(t, idx as usize);
            }
        }
        if drop {
            self.retain_net(t, |st, e| !self.proto.ignores(st, &e.msg));
        }
        t.rest = self.rest_of(t);
    }

    /// The heartbeat detector's timing, if it runs one.
    pub fn timing(&self) -> Option<crate::runtime::heartbeat::Timing> {
        match self.detector {
            Some(Detector::Heartbeat(t)) => Some(t),
            _ => None,
        }
    }

    /// Processes of a state that still take steps: not crashed (omission-faulty ones
    /// included).
    pub(super) fn alive(&self, s: &SysState<P>) -> PSet {
        let running = s.hist.running(self.env.n);
        if self.faults.byzantine() {
            running.minus(s.hist.faulty) // Byzantine processes run no algorithm
        } else {
            running
        }
    }

    /// Whether a message sent to `to` is discarded at once: `to` crashed, or is Byzantine
    /// (runs no algorithm). The one rule for both the step and its fingerprint.
    pub(super) fn discards(&self, s: &SysState<P>, to: Pid) -> bool {
        s.hist.crashed.contains(to) || (self.faults.byzantine() && s.hist.faulty.contains(to))
    }

    /// Whether the in-flight message `e` may stay undelivered for good (see [`Faults`]).
    pub fn may_lose(&self, s: &SysState<P>, e: &Envelope<P::Msg>) -> bool {
        self.faults
            .may_lose(s.hist.crashed, s.hist.faulty, e.src, e.dst)
    }

    /// Applies a handler's output for process `me`: sends (dropped if addressed to a crashed
    /// process) and deliveries (appended to the delivery log).
    /// A model error (a panic the command line reports as bad input, exit 2): `me` sent `msg`
    /// to a process that does not exist.
    pub(super) fn check_target(&self, me: Pid, to: Pid, msg: &P::Msg) {
        if to >= self.env.n {
            panic!(
                "model error: p{me} sends {msg:?} to p{to}, but the processes are p0..p{}",
                self.env.n - 1
            );
        }
    }

    fn apply(&self, t: &mut SysState<P>, me: Pid, out: Out<P::Msg>) {
        for (to, msg) in out.sends {
            self.send(t, me, to, msg);
        }
        for (among, k, msg) in out.randoms {
            if among.len() <= k as usize {
                // No choice to make: every candidate is a target.
                for to in among.iter() {
                    self.send(t, me, to, msg.clone());
                }
            } else {
                t.pending.push(Pending {
                    p: me,
                    among,
                    k,
                    msg,
                });
            }
        }
        for m in out.delivers {
            if m.origin >= self.env.n || m.seq >= crate::runtime::protocol::MAX_MSGS {
                panic!(
                    "model error: p{me} delivers {m}, which no process can broadcast (n = {}, at most {} messages each)",
                    self.env.n,
                    crate::runtime::protocol::MAX_MSGS
                );
            }
            let pos = t.hist.log[me as usize].len();
            t.digest = t.digest.wrapping_add(self.log_part(me, pos, m));
            t.hist.log.push(me, m, !self.keep_order);
        }
    }

    fn send(&self, t: &mut SysState<P>, me: Pid, to: Pid, msg: P::Msg) {
        self.check_target(me, to, &msg);
        if !self.discards(t, to) {
            let copies = u8::from(self.net == NetKind::Dup);
            t.digest = t.digest.wrapping_add(self.msg_part(me, to, &msg, copies));
            self.net.push(&mut t.net, me, to, msg);
        }
    }

    /// No obligatory step is left: every correct broadcaster is done, every message from a
    /// correct sender is delivered, and (with a complete detector) every crash is reported to
    /// every correct process. Crashes and deliveries of crashed senders' messages stay possible
    /// but are optional.
    pub fn quiescent(&self, s: &SysState<P>) -> bool {
        let alive = self.alive(s);
        let h = &s.hist;
        if !s.pending.is_empty() {
            return false;
        }
        if alive
            .iter()
            .any(|p| h.next_broadcast(p, self.env.quota[p as usize]).is_some())
        {
            return false;
        }
        if s.net.iter().any(|e| !self.may_lose(s, e)) {
            return false;
        }
        if alive
            .iter()
            .any(|p| self.proto.timer_armed(&self.env, &s.procs[p as usize]))
        {
            return false;
        }
        if s.beats.as_ref().is_some_and(|b| !b.done) {
            return false;
        }
        if let Some(d) = self.detector.filter(|d| d.oracle()) {
            if d.complete()
                && alive
                    .iter()
                    .any(|p| !h.crashed.is_subset(h.suspects[p as usize]))
            {
                return false;
            }
        }
        true
    }
}

impl<P: Protocol> stateright::Model for System<P> {
    type State = SysState<P>;
    type Action = Action<P::Msg>;

    fn init_states(&self) -> Vec<SysState<P>> {
        let mut s = SysState {
            procs: self
                .env
                .procs()
                .map(|p| self.proto.init(&self.env, p))
                .collect(),
            net: SmallVec::new(),
            pending: SmallVec::new(),
            beats: self.timing().map(|t| Box::new(t.start(self.env.n))),
            hist: History::with_causality(
                self.env.n,
                self.detector.is_some(),
                self.track_causality,
            ),
            digest: 0,
            rest: 0,
        };
        if !self.faults.fixed_from_start() {
            s.digest = self.digest_of(&s);
            s.rest = self.rest_of(&s);
            return vec![s];
        }
        // One initial state per placement of up to f faulty processes (as with
        // crashes, f is a bound: the runs with fewer faulty processes are explored too, where
        // more processes count as correct).
        (0..=self.env.f)
            .flat_map(|k| crate::runtime::rounds::placements(self.env.n, k, |_| true))
            .map(|faulty| {
                let mut t = s.clone();
                t.hist.faulty = faulty;
                if self.faults.byzantine() {
                    // Everything a Byzantine process may send, to every correct process, in
                    // flight from the start; each may be delivered at any point, or never.
                    for b in faulty.iter() {
                        for msg in self.proto.byzantine_messages(&self.env, b) {
                            for q in self.env.procs().filter(|q| !faulty.contains(*q)) {
                                self.net.push(&mut t.net, b, q, msg.clone());
                            }
                        }
                    }
                }
                t.digest = self.digest_of(&t);
                t.rest = self.rest_of(&t);
                t
            })
            .collect()
    }

    fn actions(&self, s: &SysState<P>, actions: &mut Vec<Action<P::Msg>>) {
        // A pending random send is resolved before anything else (chance step).
        if let Some(x) = s.pending.first() {
            let choices = x.among.subsets(x.k as usize);
            let of = choices.len() as u32;
            for targets in choices {
                actions.push(Action::Choose {
                    p: x.p,
                    targets,
                    of,
                });
            }
            return;
        }
        let alive = self.alive(s);
        let h = &s.hist;
        // upon event <Broadcast | m> (the application's choice of when).
        for p in alive.iter() {
            if let Some(m) = h.next_broadcast(p, self.env.quota[p as usize]) {
                actions.push(Action::Broadcast { p, m });
            }
        }
        // Crash-stop faults, up to f (listed early so that BFS counterexamples crash first).
        // With heartbeats, only while a full detection period remains.
        let detectable = match (self.timing(), &s.beats) {
            (Some(t), Some(b)) => t.may_crash(b),
            _ => true,
        };
        if self.faults == Faults::Crash && h.crashed.len() < self.env.f as usize && detectable {
            for p in alive.iter() {
                actions.push(Action::Crash { p });
            }
        }
        // Deliveries (destinations are always alive: messages to crashed processes are purged).
        for (i, e) in s.net.iter().enumerate() {
            if self.net.deliverable(&s.net, i) {
                actions.push(Action::Deliver {
                    idx: i as u16,
                    src: e.src,
                    dst: e.dst,
                    msg: e.msg.clone(),
                    keep_copy: false,
                });
                if self.loss.is_some() {
                    actions.push(Action::Lose {
                        idx: i as u16,
                        src: e.src,
                        dst: e.dst,
                        msg: e.msg.clone(),
                    });
                }
                if e.copies > 0 {
                    actions.push(Action::Deliver {
                        idx: i as u16,
                        src: e.src,
                        dst: e.dst,
                        msg: e.msg.clone(),
                        keep_copy: true,
                    });
                }
            }
        }
        // Periodic timers of correct processes.
        for p in alive.iter() {
            if self.proto.timer_armed(&self.env, &s.procs[p as usize]) {
                actions.push(Action::Tick { p });
            }
        }
        // The heartbeat detector: its messages, and time.
        if let (Some(t), Some(b)) = (self.timing(), &s.beats) {
            for (i, beat) in b.net.iter().enumerate() {
                actions.push(Action::Beat {
                    idx: i as u16,
                    beat: *beat,
                });
            }
            if t.may_tick(b, h.crashed) {
                actions.push(Action::Time);
            }
        }
        // Failure detector output (oracles).
        if let Some(d) = self.detector.filter(|d| d.oracle()) {
            for p in alive.iter() {
                let reported = h.suspects[p as usize];
                for q in self.env.procs() {
                    if q != p
                        && !reported.contains(q)
                        && (h.crashed.contains(q) || d.may_suspect_alive())
                    {
                        actions.push(Action::Detect { p, q });
                    }
                }
            }
        }
    }

    fn next_state(&self, s: &SysState<P>, a: Action<P::Msg>) -> Option<SysState<P>> {
        Some(self.step(s, a, self.drop_ignored))
    }

    fn format_action(&self, a: &Action<P::Msg>) -> String {
        match a {
            Action::Broadcast { p, m } => format!("p{p} broadcasts {m}"),
            Action::Deliver { src, dst, msg, .. } => format!("p{src}→p{dst}: {msg:?}"),
            Action::Crash { p } => format!("p{p} crashes"),
            Action::Detect { p, q } => format!("detector tells p{p}: p{q} crashed"),
            Action::Tick { p } => format!("p{p} timer"),
            Action::Choose { p, targets, of } => {
                format!("p{p} picks {} (1/{of})", names(*targets))
            }
            Action::Lose { src, dst, msg, .. } => format!("lost p{src}→p{dst}: {msg:?}"),
            Action::Time => "tick".into(),
            Action::Beat { beat, .. } => format!("{beat:?}"),
        }
    }

    fn properties(&self) -> Vec<stateright::Property<Self>> {
        crate::engine::stateright_view::stateright_properties(self)
    }
}

/// Readable state text (the Explorer shows it): per-process state, crash status, detector
/// output, delivery log, then the in-flight messages.
impl<P: Protocol> fmt::Debug for SysState<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (p, st) in self.procs.iter().enumerate() {
            let pid = p as Pid;
            let crashed = if self.hist.crashed.contains(pid) {
                " CRASHED"
            } else if self.hist.faulty.contains(pid) {
                " FAULTY"
            } else {
                ""
            };
            let log: Vec<String> = self.hist.log[p].iter().map(|m| m.to_string()).collect();
            write!(f, "p{p}{crashed}: {st:?}; delivered [{}]", log.join(", "))?;
            if let Some(s) = self.hist.suspects.get(p) {
                write!(f, "; detected {s:?}")?;
            }
            writeln!(f)?;
        }
        if let Some(b) = &self.beats {
            writeln!(f, "{b:?}")?;
        }
        for x in &self.pending {
            writeln!(
                f,
                "p{} is picking {} target(s) among {:?} for {:?}",
                x.p, x.k, x.among, x.msg
            )?;
        }
        if self.net.is_empty() {
            write!(f, "in flight: none")
        } else {
            let msgs: Vec<String> = self.net.iter().map(|e| format!("{e:?}")).collect();
            write!(f, "in flight: {}", msgs.join("; "))
        }
    }
}

impl<P: Protocol> crate::engine::spec::Spec for System<P> {
    fn props(&self) -> &[PropDef<Self>] {
        &self.props
    }
    fn quiescent(&self, s: &SysState<P>) -> bool {
        System::quiescent(self, s)
    }
    fn successor_fingerprint(
        &self,
        fpr: &crate::engine::fingerprint::Fingerprinter,
        s: &SysState<P>,
        a: &Action<P::Msg>,
    ) -> Option<u64> {
        self.fingerprint_after(fpr, s, a)
    }
    fn next_into(
        &self,
        s: &SysState<P>,
        a: Action<P::Msg>,
        into: &mut Option<SysState<P>>,
    ) -> bool {
        match into {
            Some(t) => {
                t.clone_from(s);
                self.act(t, a, self.drop_ignored);
            }
            None => *into = Some(self.step(s, a, self.drop_ignored)),
        }
        true
    }
    fn liveness_method(&self) -> &'static str {
        "terminal-state: judged at quiescent states (no obligatory step left); sound because \
         the state graph is acyclic"
    }
    fn fingerprint(&self, fpr: &crate::engine::fingerprint::Fingerprinter, s: &SysState<P>) -> u64 {
        if self.symmetry.is_empty() {
            self.plain_fingerprint(fpr, s)
        } else {
            self.orbit_fingerprint(fpr, s)
        }
    }
    fn reductions(&self) -> Vec<String> {
        self.reduction_notes.clone()
    }
    fn supported_reductions(&self) -> crate::engine::reductions::Reductions {
        crate::engine::reductions::Reductions {
            por: true,
            symmetry: true,
        }
    }
    fn reduce(&self) -> crate::engine::reductions::Reductions {
        self.reduce
    }
    fn store(&self) -> Option<crate::engine::codec::StateCodec<Self::State>> {
        Some(crate::engine::codec::StateCodec::serde())
    }
}

/// Random targets and lost messages are chance steps; everything else is the adversary's.
impl<P: Protocol> crate::engine::prob::Stochastic for System<P> {
    fn chance(&self, _s: &SysState<P>, a: &Action<P::Msg>) -> crate::engine::prob::Chance {
        use crate::engine::prob::{Chance, Ratio};
        match a {
            Action::Choose { of, .. } => Chance::Random {
                group: u32::MAX,
                p: Ratio::new(1, u64::from(*of)),
            },
            Action::Deliver {
                idx,
                keep_copy: false,
                ..
            } => match self.loss {
                Some(q) => Chance::Random {
                    group: u32::from(*idx),
                    p: q.complement(),
                },
                None => Chance::Choice,
            },
            Action::Lose { idx, .. } => Chance::Random {
                group: u32::from(*idx),
                p: self.loss.unwrap_or(Ratio::ONE),
            },
            _ => Chance::Choice,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fingerprint::Fingerprinter;
    use crate::models::broadcast::eager_rb::EagerRb;
    use stateright::Model;

    fn eager_rb(net: NetKind) -> System<EagerRb> {
        let env = Env {
            n: 3,
            f: 1,
            quota: vec![1, 1, 0],
        };
        System::new(EagerRb { dedup: true }, env, net, Detector::Perfect)
    }

    /// Every state within `depth` steps of the initial one, with its actions.
    fn reachable(sys: &System<EagerRb>, depth: usize) -> Vec<SysState<EagerRb>> {
        let mut all = sys.init_states();
        let mut level = all.clone();
        for _ in 0..depth {
            let mut next = Vec::new();
            for s in &level {
                let mut acts = Vec::new();
                sys.actions(s, &mut acts);
                next.extend(acts.into_iter().map(|a| sys.step(s, a, false)));
            }
            all.extend(next.iter().cloned());
            level = next;
        }
        all
    }

    /// On a bag, deliveries are fingerprinted without being built, and the fingerprint is the
    /// built successor's; the digest is the one recomputed from scratch.
    #[test]
    fn unbuilt_fingerprints_are_the_successors() {
        let sys = eager_rb(NetKind::Bag);
        let fpr = Fingerprinter::default();
        let mut unbuilt = 0;
        for s in reachable(&sys, 5) {
            assert_eq!(s.digest, sys.digest_of(&s));
            assert_eq!(s.rest, sys.rest_of(&s));
            let mut acts = Vec::new();
            sys.actions(&s, &mut acts);
            for a in acts {
                let built = sys.plain_fingerprint(&fpr, &sys.step(&s, a.clone(), false));
                if let Some(f) = sys.fingerprint_after(&fpr, &s, &a) {
                    assert_eq!(f, built, "after {}", sys.format_action(&a));
                    unbuilt += 1;
                }
                if matches!(a, Action::Deliver { .. }) {
                    assert!(sys.fingerprint_after(&fpr, &s, &a).is_some());
                }
            }
        }
        assert!(unbuilt > 1000, "{unbuilt}");
    }

    /// A sum forgets order: FIFO queues are fingerprinted whole, so two networks with the same
    /// messages in different orders are different states, and deliveries are built.
    #[test]
    fn fifo_queues_keep_their_order_in_fingerprints() {
        let sys = eager_rb(NetKind::Fifo);
        let fpr = Fingerprinter::default();
        let init = sys.init_states().remove(0);
        let m = |origin| MsgId { origin, seq: 0 };
        let mut ab = init.clone();
        let mut ba = init.clone();
        for (t, first, second) in [(&mut ab, 0, 1), (&mut ba, 1, 0)] {
            for origin in [first, second] {
                sys.send(t, 2, 0, crate::runtime::protocol::Data(m(origin)));
            }
            t.rest = sys.rest_of(t);
        }
        assert_eq!(ab.digest, ba.digest);
        assert_ne!(
            sys.plain_fingerprint(&fpr, &ab),
            sys.plain_fingerprint(&fpr, &ba)
        );
        let mut acts = Vec::new();
        sys.actions(&ab, &mut acts);
        assert!(acts
            .iter()
            .all(|a| sys.fingerprint_after(&fpr, &ab, a).is_none()));
    }
}
