//! The asynchronous runtime's fingerprints, kept incrementally: a state's digest is a sum of
//! terms (one per process state, in-flight message and delivery-log entry), so a step's
//! successor is fingerprinted from the terms it changes without building it.

use crate::runtime::network::{Envelope, NetKind};
use crate::runtime::protocol::{MsgId, Out, Pid, Protocol};
use crate::runtime::system::{Action, SysState, System};

/// Digests use the fixed seeds of every fingerprint.
pub(crate) const FPR: crate::engine::fingerprint::Fingerprinter =
    crate::engine::fingerprint::Fingerprinter::FIXED;

impl<P: Protocol> System<P> {
    /// A state without heartbeats assembled from its parts, its digest and rest computed.
    pub fn state_of(
        &self,
        procs: smallvec::SmallVec<[P::State; 4]>,
        net: crate::runtime::network::Net<P::Msg>,
        pending: smallvec::SmallVec<[crate::runtime::system::Pending<P::Msg>; 1]>,
        hist: crate::runtime::history::History,
    ) -> SysState<P> {
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
        t
    }

    /// The hash of process `p`'s state, a term of [`SysState::digest`].
    pub(super) fn proc_part(p: Pid, st: &P::State) -> u64 {
        FPR.part(&(1u8, p, st))
    }

    /// The hash of an in-flight message, a term of [`SysState::digest`]. A sum forgets order,
    /// which is right for a bag (a multiset) but not for FIFO links, whose queues are
    /// fingerprinted whole instead ([`System::plain_fingerprint`]): their terms are 0.
    pub(super) fn msg_part(&self, src: Pid, dst: Pid, msg: &P::Msg, copies: u8) -> u64 {
        if self.net == NetKind::Fifo {
            return 0;
        }
        FPR.part(&(2u8, src, dst, msg, copies))
    }

    /// The hash of the `pos`-th entry `m` of p's delivery log, a term of [`SysState::digest`]
    /// (without its position when logs are kept sorted: a sorted log is a multiset).
    pub(super) fn log_part(&self, p: Pid, pos: usize, m: MsgId) -> u64 {
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
            h.faulty,
            h.broadcast,
            &h.suspects,
            &h.past,
        ))
    }

    /// A fingerprint from a digest and a rest.
    pub(super) fn combine(
        fpr: &crate::engine::fingerprint::Fingerprinter,
        digest: u64,
        rest: u64,
    ) -> u64 {
        fpr.fp(&(digest, rest))
    }

    /// The fingerprint of `s` (without symmetry).
    pub(super) fn plain_fingerprint(
        &self,
        fpr: &crate::engine::fingerprint::Fingerprinter,
        s: &SysState<P>,
    ) -> u64 {
        Self::combine(fpr, s.digest, s.rest)
    }

    /// What the digest gains when `e` is taken for a delivery: its term goes, and with
    /// `keep_copy` (duplicating network) the term of the copy left in flight comes.
    pub(super) fn take_delta(&self, e: &Envelope<P::Msg>, keep_copy: bool) -> u64 {
        let gone = self.msg_part(e.src, e.dst, &e.msg, e.copies);
        let left = if keep_copy {
            self.msg_part(e.src, e.dst, &e.msg, e.copies - 1)
        } else {
            0
        };
        left.wrapping_sub(gone)
    }

    /// The fingerprint of the successor of `s` by `a`, computed without building it, for the
    /// steps that change only the digest's parts: a delivery or a timer, on a bag or
    /// duplicating network, without symmetry or dropped messages. The handler runs on a copy
    /// of the one process state; the digest is updated term by term (the message taken, the
    /// handler's process state, its sends and deliveries); `rest` is unchanged. `None` for
    /// the other steps: the search then builds the successor.
    pub fn fingerprint_after(
        &self,
        fpr: &crate::engine::fingerprint::Fingerprinter,
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
            if !self.discards(s, to) {
                digest = digest.wrapping_add(self.msg_part(p, to, msg, copies));
            }
        }
        let len = s.hist.log[p as usize].len();
        for (i, m) in out.delivers.iter().enumerate() {
            digest = digest.wrapping_add(self.log_part(p, len + i, *m));
        }
        Some(Self::combine(fpr, digest, s.rest))
    }
}
