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
use crate::runtime::history::History;
use crate::runtime::network::{Envelope, NetKind};
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use smallvec::SmallVec;
use std::fmt;

/// Digests use the fixed seeds of every fingerprint.
const FPR: crate::engine::checker::Fingerprinter = crate::engine::checker::Fingerprinter::FIXED;

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
}

/// A random send a handler asked for that the next (chance) step resolves.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pending<M> {
    pub p: Pid,
    pub among: PSet,
    pub k: u8,
    pub msg: M,
}

/// A global state: every process's local state, the network, and the ghost history.
#[derive(PartialEq, Eq, Hash)]
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
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
        }
    }

    /// `s` with processes renamed by `perm`; `None` if the protocol or the configuration has no
    /// renaming (see [`crate::runtime::reduce`]).
    pub fn rename(
        &self,
        s: &SysState<P>,
        perm: &crate::runtime::reduce::Perm,
    ) -> Option<SysState<P>> {
        use crate::runtime::reduce::Rename;
        if s.beats.is_some() {
            return None;
        }
        let mut procs = s.procs.clone();
        for (p, st) in s.procs.iter().enumerate() {
            procs[perm.pid(p as Pid) as usize] = self.proto.rename_state(st, perm)?;
        }
        let mut net = crate::runtime::network::Net::with_capacity(s.net.len());
        for e in &s.net {
            net.push(Envelope {
                src: perm.pid(e.src),
                dst: perm.pid(e.dst),
                msg: self.proto.rename_msg(&e.msg, perm)?,
                copies: e.copies,
            });
        }
        self.net.canonicalize(&mut net);
        let mut pending = SmallVec::new();
        for x in &s.pending {
            pending.push(Pending {
                p: perm.pid(x.p),
                among: x.among.rename(perm),
                k: x.k,
                msg: self.proto.rename_msg(&x.msg, perm)?,
            });
        }
        let h = &s.hist;
        let mut hist = h.clone();
        hist.crashed = h.crashed.rename(perm);
        hist.broadcast = h.broadcast.rename(perm);
        for (p, x) in h.suspects.iter().enumerate() {
            hist.suspects[perm.pid(p as Pid) as usize] = x.rename(perm);
        }
        for (p, log) in h.log.iter().enumerate() {
            let mut l: SmallVec<[MsgId; 16]> = log.iter().map(|m| m.rename(perm)).collect();
            if !self.keep_order {
                l.sort_unstable();
            }
            hist.log.set(perm.pid(p as Pid), &l);
        }
        hist.past = crate::runtime::reduce::rename_by_msg(&h.past, perm);
        let mut t = SysState {
            procs,
            net,
            pending,
            beats: None,
            hist,
            digest: 0,
            rest: 0,
        };
        t.digest = self.digest_of(&t);
        t.rest = self.rest_of(&t);
        Some(t)
    }

    /// The hash of process `p`'s state, a term of [`SysState::digest`].
    fn proc_part(p: Pid, st: &P::State) -> u64 {
        FPR.part(&(1u8, p, st))
    }

    /// The hash of an in-flight message, a term of [`SysState::digest`]. A sum forgets order,
    /// which is right for a bag (a multiset) but not for FIFO links, whose queues are
    /// fingerprinted whole instead ([`System::plain_fingerprint`]): their terms are 0.
    fn msg_part(&self, src: Pid, dst: Pid, msg: &P::Msg, copies: u8) -> u64 {
        if self.net == NetKind::Fifo {
            return 0;
        }
        FPR.part(&(2u8, src, dst, msg, copies))
    }

    /// The hash of the `pos`-th entry `m` of p's delivery log, a term of [`SysState::digest`]
    /// (without its position when logs are kept sorted: a sorted log is a multiset).
    fn log_part(&self, p: Pid, pos: usize, m: MsgId) -> u64 {
        if self.keep_order {
            FPR.part(&(3u8, p, pos as u32, m))
        } else {
            FPR.part(&(3u8, p, m))
        }
    }

    /// [`SysState::digest`] computed from scratch.
    pub fn digest_of(&self, s: &SysState<P>) -> u64 {
        let mut d = 0u64;
        for (p, st) in s.procs.iter().enumerate() {
            d = d.wrapping_add(Self::proc_part(p as Pid, st));
        }
        for e in &s.net {
            d = d.wrapping_add(self.msg_part(e.src, e.dst, &e.msg, e.copies));
        }
        for (p, log) in s.hist.log.iter().enumerate() {
            for (pos, m) in log.iter().enumerate() {
                d = d.wrapping_add(self.log_part(p as Pid, pos, *m));
            }
        }
        d
    }

    /// [`SysState::rest`] computed from scratch: what the digest leaves out (FIFO queues,
    /// pending random sends, the heartbeat detector, and the history but for the logs).
    pub fn rest_of(&self, s: &SysState<P>) -> u64 {
        let h = &s.hist;
        let fifo = (self.net == NetKind::Fifo).then_some(&s.net);
        FPR.part(&(
            fifo,
            &s.pending,
            &s.beats,
            h.crashed,
            h.broadcast,
            &h.suspects,
            &h.past,
        ))
    }

    /// A fingerprint from a digest and a rest.
    fn combine(fpr: &crate::engine::checker::Fingerprinter, digest: u64, rest: u64) -> u64 {
        fpr.fp(&(digest, rest))
    }

    /// The fingerprint of `s` (without symmetry).
    fn plain_fingerprint(
        &self,
        fpr: &crate::engine::checker::Fingerprinter,
        s: &SysState<P>,
    ) -> u64 {
        Self::combine(fpr, s.digest, s.rest)
    }

    /// What the digest gains when `e` is taken for a delivery: its term goes, and with
    /// `keep_copy` (duplicating network) the term of the copy left in flight comes.
    fn take_delta(&self, e: &Envelope<P::Msg>, keep_copy: bool) -> u64 {
        let gone = self.msg_part(e.src, e.dst, &e.msg, e.copies);
        let left = if keep_copy {
            self.msg_part(e.src, e.dst, &e.msg, e.copies - 1)
        } else {
            0
        };
        left.wrapping_sub(gone)
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

    /// The fingerprint of the successor of `s` by `a`, computed without building it, for the
    /// steps that change only the digest's parts: a delivery or a timer, on a bag or
    /// duplicating network, without symmetry or dropped messages. The handler runs on a copy
    /// of the one process state; the digest is updated term by term (the message taken, the
    /// handler's process state, its sends and deliveries); `rest` is unchanged. `None` for
    /// the other steps: the search then builds the successor.
    pub fn fingerprint_after(
        &self,
        fpr: &crate::engine::checker::Fingerprinter,
        s: &SysState<P>,
        a: &Action<P::Msg>,
    ) -> Option<u64> {
        if self.drop_ignored || self.net == NetKind::Fifo || !self.symmetry.is_empty() {
            return None;
        }
        let mut digest = s.digest;
        let mut out = Out::default();
        let p = match a {
            Action::Deliver {
                idx,
                src,
                dst,
                msg,
                keep_copy,
            } => {
                digest =
                    digest.wrapping_add(self.take_delta(s.net.get(*idx as usize)?, *keep_copy));
                let old = &s.procs[*dst as usize];
                let mut st = old.clone();
                self.proto
                    .on_receive(&self.env, *dst, &mut st, *src, msg, &mut out);
                if st != *old {
                    digest = digest
                        .wrapping_add(Self::proc_part(*dst, &st))
                        .wrapping_sub(Self::proc_part(*dst, old));
                }
                *dst
            }
            Action::Tick { p } => {
                let old = &s.procs[*p as usize];
                let mut st = old.clone();
                self.proto.on_timer(&self.env, *p, &mut st, &mut out);
                if st != *old {
                    digest = digest
                        .wrapping_add(Self::proc_part(*p, &st))
                        .wrapping_sub(Self::proc_part(*p, old));
                }
                *p
            }
            _ => return None,
        };
        // What `apply` would do, term by term; a random send that leaves a choice pending
        // changes `rest`.
        let mut sends = out.sends.iter().map(|(to, m)| (*to, m));
        let mut randoms = Vec::new();
        for (among, k, msg) in &out.randoms {
            if among.len() > *k as usize {
                return None;
            }
            randoms.extend(among.iter().map(|to| (to, msg)));
        }
        let copies = u8::from(self.net == NetKind::Dup);
        for (to, msg) in sends.by_ref().chain(randoms) {
            self.check_target(p, to, msg);
            if !s.hist.crashed.contains(to) {
                digest = digest.wrapping_add(self.msg_part(p, to, msg, copies));
            }
        }
        let len = s.hist.log[p as usize].len();
        for (i, m) in out.delivers.iter().enumerate() {
            digest = digest.wrapping_add(self.log_part(p, len + i, *m));
        }
        Some(Self::combine(fpr, digest, s.rest))
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

    /// Audits what the reductions rely on, over the first `max_states` reachable states (BFS,
    /// unreduced successors), and returns every failure found:
    /// - [`Protocol::ignores`] is honest: receiving an ignored message changes nothing, and it
    ///   stays ignored in every successor (while its receiver is alive);
    /// - with symmetry on, every renaming in the group preserves each property's verdict and
    ///   quiescence, and maps the successors of a state onto the successors of its renaming;
    /// - every step keeps [`SysState::digest`] and [`SysState::rest`] equal to
    ///   [`System::digest_of`] and [`System::rest_of`], with and without
    ///   dropping ignored messages;
    /// - [`System::fingerprint_after`] is the fingerprint of the successor
    ///   [`System::step`] builds;
    /// - different states have different fingerprints (what the digest leaves out of a state's
    ///   hash is not a difference between states).
    pub fn audit(&self, max_states: usize) -> Vec<String> {
        use stateright::Model;
        let fpr = crate::engine::checker::Fingerprinter::default();
        let mut problems = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut queue: std::collections::VecDeque<SysState<P>> = self.init_states().into();
        let successors = |s: &SysState<P>| -> Vec<SysState<P>> {
            let mut acts = Vec::new();
            self.actions(s, &mut acts);
            acts.into_iter().map(|a| self.step(s, a, false)).collect()
        };
        let mut by_fingerprint = std::collections::HashMap::new();
        while let Some(s) = queue.pop_front() {
            if !seen.insert(fpr.fp(&s)) || seen.len() > max_states || problems.len() > 5 {
                continue;
            }
            if let Some(other) = by_fingerprint.insert(self.plain_fingerprint(&fpr, &s), s.clone())
            {
                problems.push(format!(
                    "{s:?} and {other:?} have the same fingerprint (the digest misses a difference)"
                ));
            }
            let succ = successors(&s);
            let mut acts = Vec::new();
            self.actions(&s, &mut acts);
            for a in acts {
                if let Some(f) = self.fingerprint_after(&fpr, &s, &a) {
                    let t = self.step(&s, a.clone(), self.drop_ignored);
                    if f != self.plain_fingerprint(&fpr, &t) {
                        problems.push(format!(
                            "the fingerprint after {} computed without the step is not the \
                             successor's, from {s:?}",
                            self.format_action(&a)
                        ));
                    }
                }
                let t = self.step(&s, a.clone(), true);
                if t.digest != self.digest_of(&t) || t.rest != self.rest_of(&t) {
                    problems.push(format!(
                        "the digest is out of date after {} (dropping ignored messages) from {s:?}",
                        self.format_action(&a)
                    ));
                }
            }
            for t in &succ {
                if t.digest != self.digest_of(t) || t.rest != self.rest_of(t) {
                    problems.push(format!("the digest of {t:?} is out of date"));
                }
            }
            for e in &s.net {
                let st = &s.procs[e.dst as usize];
                if !self.proto.ignores(st, &e.msg) {
                    continue;
                }
                let mut after = st.clone();
                let mut out = Out::default();
                self.proto
                    .on_receive(&self.env, e.dst, &mut after, e.src, &e.msg, &mut out);
                if after != *st || !out.is_empty() {
                    problems.push(format!(
                        "ignores() claims p{} ignores {:?} in {st:?}, but receiving it has an effect",
                        e.dst, e.msg
                    ));
                }
                for t in &succ {
                    if !t.hist.crashed.contains(e.dst)
                        && !self.proto.ignores(&t.procs[e.dst as usize], &e.msg)
                    {
                        problems.push(format!(
                            "ignores() is not monotone: p{} ignores {:?} in {st:?} but not in {:?}",
                            e.dst, e.msg, t.procs[e.dst as usize]
                        ));
                    }
                }
            }
            for perm in &self.symmetry {
                let Some(r) = self.rename(&s, perm) else {
                    problems.push(format!("no renaming of {s:?}"));
                    continue;
                };
                for d in &self.props {
                    if (d.check)(self, &s).is_some() != (d.check)(self, &r).is_some() {
                        problems.push(format!(
                            "renaming {perm:?} changes the verdict of {} on {s:?}",
                            d.meta.name
                        ));
                    }
                }
                if self.quiescent(&s) != self.quiescent(&r) {
                    problems.push(format!("renaming {perm:?} changes quiescence of {s:?}"));
                }
                let mut a: Vec<u64> = succ
                    .iter()
                    .filter_map(|t| self.rename(t, perm))
                    .map(|t| fpr.fp(&t))
                    .collect();
                let mut b: Vec<u64> = successors(&r).iter().map(|t| fpr.fp(t)).collect();
                a.sort_unstable();
                a.dedup();
                b.sort_unstable();
                b.dedup();
                if a != b {
                    problems.push(format!(
                        "renaming {perm:?} does not commute with the steps of {s:?}"
                    ));
                }
            }
            queue.extend(succ);
        }
        problems
    }

    /// Turns symmetry reduction on, if this run is symmetric; records why not otherwise.
    pub fn enable_symmetry(&mut self) {
        use stateright::Model;
        let env = &self.env;
        let why_not = if self.timing().is_some() {
            Some("the heartbeat detector's timers are not renamed".to_string())
        } else {
            let init = self.init_states();
            let id = crate::runtime::reduce::Perm::identity(env.n);
            match init.first().map(|s| self.rename(s, &id)) {
                Some(Some(_)) => None,
                _ => Some(
                    "this protocol (or this configuration of it) has no renaming of its states"
                        .to_string(),
                ),
            }
        };
        if let Some(why) = why_not {
            self.reduction_notes
                .push(format!("symmetry: not applied: {why}"));
            return;
        }
        let fixed = self.proto.distinguished(env);
        let class: Vec<u32> = env
            .procs()
            .map(|p| {
                if fixed.contains(p) {
                    1000 + u32::from(p)
                } else {
                    u32::from(env.quota[p as usize])
                }
            })
            .collect();
        let group = crate::runtime::reduce::group(env.n, &class);
        self.reduction_notes.push(format!(
            "symmetry: {} renamings; interchangeable: {} (distinguished processes and different broadcast quotas are never swapped)",
            group.len(),
            crate::runtime::reduce::describe_classes(env.n, &class)
        ));
        self.symmetry = if group.len() > 1 { group } else { Vec::new() };
        self.sym_class = class;
    }

    /// The fingerprint of `s`'s symmetry orbit: the least over every renaming.
    ///
    /// Only the renamings that sort processes by a renaming-invariant signature are tried
    /// (crashed, deliveries, in-flight messages to and from it, broadcasts, detector output):
    /// every state of an orbit has the same set of such renamed states, so their least
    /// fingerprint still identifies the orbit, and ties are the only renamings to try.
    fn orbit_fingerprint(
        &self,
        fpr: &crate::engine::checker::Fingerprinter,
        s: &SysState<P>,
    ) -> u64 {
        let n = self.env.n as usize;
        let mut sig = [0u64; crate::runtime::protocol::MAX_PROCS as usize];
        for (p, x) in sig.iter_mut().enumerate().take(n) {
            let pid = p as Pid;
            let h = &s.hist;
            let to = s.net.iter().filter(|e| e.dst == pid).count() as u64;
            let from = s.net.iter().filter(|e| e.src == pid).count() as u64;
            let sent = h.broadcast.iter().filter(|m| m.origin == pid).count() as u64;
            let susp = h.suspects.get(p).map_or(0, |x| x.len()) as u64;
            *x = u64::from(h.crashed.contains(pid)) << 60
                | (h.log[p].len() as u64).min(0xfff) << 48
                | to.min(0xfff) << 36
                | from.min(0xfff) << 24
                | sent.min(0xff) << 16
                | susp.min(0xff) << 8;
        }
        let class = &self.sym_class;
        let sorts = |perm: &crate::runtime::reduce::Perm| {
            (0..n).all(|p| {
                (0..n).all(|q| {
                    class[p] != class[q]
                        || sig[p] >= sig[q]
                        || perm.pid(p as Pid) < perm.pid(q as Pid)
                })
            })
        };
        let mut best = u64::MAX;
        for perm in self.symmetry.iter().filter(|p| sorts(p)) {
            let f = if perm.is_identity() {
                self.plain_fingerprint(fpr, s)
            } else {
                match self.rename(s, perm) {
                    Some(t) => self.plain_fingerprint(fpr, &t),
                    None => continue,
                }
            };
            best = best.min(f);
        }
        if best == u64::MAX {
            self.plain_fingerprint(fpr, s)
        } else {
            best
        }
    }

    /// The heartbeat detector's timing, if it runs one.
    fn timing(&self) -> Option<crate::runtime::heartbeat::Timing> {
        match self.detector {
            Some(Detector::Heartbeat(t)) => Some(t),
            _ => None,
        }
    }

    /// Correct (not crashed) processes of a state.
    fn alive(&self, s: &SysState<P>) -> PSet {
        s.hist.correct(self.env.n)
    }

    /// Applies a handler's output for process `me`: sends (dropped if addressed to a crashed
    /// process) and deliveries (appended to the delivery log).
    /// A model error (a panic the command line reports as bad input, exit 2): `me` sent `msg`
    /// to a process that does not exist.
    fn check_target(&self, me: Pid, to: Pid, msg: &P::Msg) {
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
        if !t.hist.crashed.contains(to) {
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
        if s.net.iter().any(|e| alive.contains(e.src)) {
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

    /// One line for a step's action, as a person would say it.
    pub fn describe_action(&self, prev: &SysState<P>, a: &Action<P::Msg>) -> String {
        match a {
            Action::Broadcast { p, m } => format!("p{p} broadcasts {m}"),
            Action::Deliver {
                src,
                dst,
                msg,
                keep_copy,
                ..
            } => {
                let dup = if *keep_copy {
                    " (a duplicate stays in flight)"
                } else {
                    ""
                };
                format!("p{dst} receives {msg:?} from p{src}{dup}")
            }
            Action::Crash { p } => format!("p{p} crashes"),
            Action::Detect { p, q } => {
                if prev.hist.crashed.contains(*q) {
                    format!("failure detector tells p{p}: p{q} crashed")
                } else {
                    format!("failure detector falsely tells p{p}: p{q} crashed (p{q} is alive)")
                }
            }
            Action::Tick { p } => format!("p{p}'s timer fires"),
            Action::Choose { p, targets, of } => {
                let among = prev.pending.first().map_or(PSet::EMPTY, |x| x.among);
                format!(
                    "p{p} picks {} at random among {among:?} (probability 1/{of})",
                    names(*targets)
                )
            }
            Action::Lose { src, dst, msg, .. } => {
                let q = self
                    .loss
                    .map_or_else(String::new, |q| format!(" (probability {q})"));
                format!("the link loses {msg:?} p{src}→p{dst}{q}")
            }
            Action::Time => match (self.timing(), &prev.beats) {
                (Some(t), Some(b)) if t.expiring(b) => {
                    "the heartbeat timers expire: ⟨Timeout⟩ at every correct process".to_string()
                }
                (Some(t), Some(b)) => {
                    format!(
                        "tick: time {} of the {}-tick heartbeat period",
                        b.elapsed + 1,
                        t.timeout
                    )
                }
                _ => "tick".to_string(),
            },
            Action::Beat { beat, .. } => {
                let kind = if beat.reply {
                    "HEARTBEATREPLY"
                } else {
                    "HEARTBEATREQUEST"
                };
                format!("p{} receives {kind} from p{}", beat.dst, beat.src)
            }
        }
    }

    /// What a step changed that matters: deliveries, sends, discarded messages.
    pub fn describe_effects(
        &self,
        prev: &SysState<P>,
        a: &Action<P::Msg>,
        next: &SysState<P>,
    ) -> Vec<String> {
        let mut lines = Vec::new();
        if matches!(a, Action::Time) {
            for (p, q) in new_suspicions(prev, next) {
                let truth = if next.hist.crashed.contains(q) {
                    String::new()
                } else {
                    format!(" (FALSE: p{q} is alive; its reply is late)")
                };
                lines.push(format!(
                    "p{p} heard nothing from p{q} this period: ⟨P, Crash | p{q}⟩ at p{p}{truth}"
                ));
            }
        }
        if let Action::Beat { beat, .. } = a {
            if !beat.reply && !prev.hist.crashed.contains(beat.dst) {
                lines.push(format!(
                    "p{} sends HEARTBEATREPLY to p{}",
                    beat.dst, beat.src
                ));
            }
        }
        for p in self.env.procs() {
            for m in new_deliveries(&prev.hist.log[p as usize], &next.hist.log[p as usize]) {
                lines.push(format!("p{p} delivers {m}"));
            }
        }
        // What was in flight before, minus what this step consumed.
        let mut pool: Vec<Envelope<P::Msg>> = prev.net.to_vec();
        match a {
            Action::Deliver { idx, keep_copy, .. } => {
                let i = *idx as usize;
                if *keep_copy {
                    pool[i].copies -= 1;
                } else {
                    pool.remove(i);
                }
            }
            Action::Lose { idx, .. } => {
                pool.remove(*idx as usize);
            }
            Action::Crash { p } => {
                let dropped = pool.iter().filter(|e| e.dst == *p).count();
                if dropped > 0 {
                    lines.push(format!(
                        "{dropped} in-flight message(s) to p{p} discarded (crash-stop)"
                    ));
                }
                pool.retain(|e| e.dst != *p);
            }
            _ => {}
        }
        // New messages = next.net minus pool (as multisets), grouped by sender and content. With
        // partial-order reduction, the sends are read off the unreduced successor, and what the
        // reduction dropped is said.
        let full;
        let mut dropped_lines = Vec::new();
        let after = if self.drop_ignored {
            full = self.step(prev, a.clone(), false);
            let mut dropped: Vec<&Envelope<P::Msg>> = full.net.iter().collect();
            for e in &next.net {
                if let Some(i) = dropped.iter().position(|x| *x == e) {
                    dropped.swap_remove(i);
                }
            }
            dropped.sort();
            for e in dropped {
                dropped_lines.push(format!(
                    "dropped (partial-order reduction): {:?} p{}→p{}, which p{} ignores for good",
                    e.msg, e.src, e.dst, e.dst
                ));
            }
            &full
        } else {
            next
        };
        let mut sent: Vec<(Pid, &P::Msg, Vec<Pid>)> = Vec::new();
        for e in &after.net {
            if let Some(i) = pool.iter().position(|x| x == e) {
                pool.swap_remove(i);
                continue;
            }
            match sent
                .iter_mut()
                .find(|(s, m, _)| *s == e.src && *m == &e.msg)
            {
                Some((_, _, to)) => to.push(e.dst),
                None => sent.push((e.src, &e.msg, vec![e.dst])),
            }
        }
        for (src, msg, mut to) in sent {
            to.sort_unstable();
            let to: Vec<String> = to.iter().map(|d| format!("p{d}")).collect();
            lines.push(format!("p{src} sends {msg:?} to {}", to.join(", ")));
        }
        lines.extend(dropped_lines);
        lines
    }

    /// The closing lines of a trace: messages lost to crashes, silent detectors, delivery logs.
    pub fn describe_end(&self, s: &SysState<P>) -> Vec<String> {
        let mut lines = Vec::new();
        let quiescent = self.quiescent(s);
        for e in &s.net {
            if quiescent && s.hist.crashed.contains(e.src) {
                lines.push(format!(
                    "lost: {:?} p{}→p{} is never delivered (its sender p{} crashed; fail-silent loss)",
                    e.msg, e.src, e.dst, e.src
                ));
            } else {
                lines.push(format!("in flight: {:?} p{}→p{}", e.msg, e.src, e.dst));
            }
        }
        if let Some(d) = self.detector.filter(|d| d.oracle()) {
            for p in self.alive(s).iter() {
                for q in s.hist.crashed.minus(s.hist.suspects[p as usize]).iter() {
                    let why = if d.complete() || !quiescent {
                        "not yet"
                    } else {
                        "never: the detector is incomplete"
                    };
                    lines.push(format!("the crash of p{q} is reported to p{p}: {why}"));
                }
            }
        }
        lines.extend(s.hist.describe_logs());
        lines
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
        s.digest = self.digest_of(&s);
        s.rest = self.rest_of(&s);
        vec![s]
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
        if h.crashed.len() < self.env.f as usize && detectable {
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
        crate::engine::checker::stateright_properties(self)
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

impl<P: Protocol> crate::engine::checker::Spec for System<P> {
    fn props(&self) -> &[PropDef<Self>] {
        &self.props
    }
    fn quiescent(&self, s: &SysState<P>) -> bool {
        System::quiescent(self, s)
    }
    fn successor_fingerprint(
        &self,
        fpr: &crate::engine::checker::Fingerprinter,
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
    fn render_step(
        &self,
        prev: &SysState<P>,
        a: &Action<P::Msg>,
        next: &SysState<P>,
    ) -> crate::engine::checker::Step {
        crate::engine::checker::Step {
            action: self.describe_action(prev, a),
            effects: self.describe_effects(prev, a, next),
        }
    }
    fn render_end(&self, s: &SysState<P>) -> Vec<String> {
        self.describe_end(s)
    }
    fn processes(&self) -> usize {
        self.env.n as usize
    }
    fn events(
        &self,
        prev: &SysState<P>,
        a: &Action<P::Msg>,
        next: &SysState<P>,
    ) -> Vec<crate::engine::chart::Event> {
        use crate::engine::chart::Event;
        let mut ev = Vec::new();
        match a {
            Action::Broadcast { p, m } => ev.push(Event::Note {
                at: *p,
                text: format!("broadcast {m}"),
            }),
            Action::Deliver { src, dst, msg, .. } => ev.push(Event::Msg {
                from: *src,
                to: *dst,
                label: format!("{msg:?}"),
                lost: false,
            }),
            Action::Crash { p } => ev.push(Event::Note {
                at: *p,
                text: "CRASH".into(),
            }),
            Action::Detect { p, q } => ev.push(Event::Note {
                at: *p,
                text: format!("detector: p{q} crashed"),
            }),
            Action::Tick { p } => ev.push(Event::Note {
                at: *p,
                text: "timer".into(),
            }),
            Action::Choose { p, targets, .. } => ev.push(Event::Note {
                at: *p,
                text: format!("picks {}", names(*targets)),
            }),
            Action::Lose { src, dst, msg, .. } => ev.push(Event::Msg {
                from: *src,
                to: *dst,
                label: format!("{msg:?}"),
                lost: true,
            }),
            Action::Time => {
                for (p, q) in new_suspicions(prev, next) {
                    ev.push(Event::Note {
                        at: p,
                        text: format!("timeout: detects p{q}"),
                    });
                }
            }
            Action::Beat { beat, .. } => ev.push(Event::Msg {
                from: beat.src,
                to: beat.dst,
                label: if beat.reply { "HB-REPLY" } else { "HB-REQ" }.into(),
                lost: false,
            }),
        }
        for p in self.env.procs() {
            for m in new_deliveries(&prev.hist.log[p as usize], &next.hist.log[p as usize]) {
                ev.push(Event::Note {
                    at: p,
                    text: format!("deliver {m}"),
                });
            }
        }
        ev
    }
    fn end_events(&self, s: &SysState<P>) -> Vec<crate::engine::chart::Event> {
        if !self.quiescent(s) {
            return Vec::new();
        }
        s.net
            .iter()
            .filter(|e| s.hist.crashed.contains(e.src))
            .map(|e| crate::engine::chart::Event::Msg {
                from: e.src,
                to: e.dst,
                label: format!("{:?}", e.msg),
                lost: true,
            })
            .collect()
    }
    fn liveness_method(&self) -> &'static str {
        "terminal-state: judged at quiescent states (no obligatory step left); sound because \
         the state graph is acyclic"
    }
    fn fingerprint(&self, fpr: &crate::engine::checker::Fingerprinter, s: &SysState<P>) -> u64 {
        if self.symmetry.is_empty() {
            self.plain_fingerprint(fpr, s)
        } else {
            self.orbit_fingerprint(fpr, s)
        }
    }
    fn reductions(&self) -> Vec<String> {
        self.reduction_notes.clone()
    }
    fn reduce(&self) -> crate::engine::reductions::Reductions {
        self.reduce
    }
}

/// What a log gained between two states (a multiset difference: sorted logs may insert in the
/// middle).
fn new_deliveries(before: &[MsgId], after: &[MsgId]) -> Vec<MsgId> {
    if after.starts_with(before) {
        return after[before.len()..].to_vec();
    }
    let mut pool = before.to_vec();
    let mut new = Vec::new();
    for m in after {
        match pool.iter().position(|x| x == m) {
            Some(i) => {
                pool.swap_remove(i);
            }
            None => new.push(*m),
        }
    }
    new
}

/// The detector reports `(p, q)` that appeared between two states.
fn new_suspicions<P: Protocol>(prev: &SysState<P>, next: &SysState<P>) -> Vec<(Pid, Pid)> {
    let mut v = Vec::new();
    for (p, (b, n)) in prev
        .hist
        .suspects
        .iter()
        .zip(&next.hist.suspects)
        .enumerate()
    {
        for q in n.minus(*b).iter() {
            v.push((p as Pid, q));
        }
    }
    v
}

/// `p1, p3`.
fn names(s: PSet) -> String {
    let v: Vec<String> = s.iter().map(|p| format!("p{p}")).collect();
    v.join(", ")
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
    use crate::engine::checker::Fingerprinter;
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
