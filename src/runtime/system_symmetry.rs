//! Renaming processes in a state of the asynchronous runtime: symmetry reduction (one
//! fingerprint per orbit) and the audit of the claims a protocol makes for it.

use crate::runtime::network::Envelope;
use crate::runtime::protocol::{MsgId, Out, Pid, Protocol};
use crate::runtime::system::{Pending, SysState, System};
use smallvec::SmallVec;

impl<P: Protocol> System<P> {
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
        hist.faulty = h.faulty.rename(perm);
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
        Some(self.state_of(procs, net, pending, hist))
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
    pub(super) fn orbit_fingerprint(
        &self,
        fpr: &crate::engine::fingerprint::Fingerprinter,
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
                | u64::from(h.faulty.contains(pid)) << 61
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
        let fpr = crate::engine::fingerprint::Fingerprinter::default();
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
}
