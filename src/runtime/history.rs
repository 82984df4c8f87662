//! The delivery log and ghost history: what the property predicates read.
//!
//! Ghost state is bookkeeping the algorithm cannot see: per process, the messages it delivered in
//! order; globally, which messages were broadcast, which processes crashed, and what each
//! process's failure detector has reported. The runtime ([`crate::runtime::system`]) updates it on every
//! step; the catalogue predicates (the `props` layer above) judge it.

use crate::runtime::bits::{MSet, PSet};
use crate::runtime::protocol::{MsgId, Pid, MAX_PROCS};
use smallvec::SmallVec;

/// Every process's delivery log, in delivery order, kept in one buffer: p's log is
/// `ids[ends[p-1]..ends[p]]`. Inline up to 16 deliveries in all (no allocation when a state is
/// cloned), spilling to the heap beyond. One buffer instead of one vector per process: a state
/// is cloned and fingerprinted on every step, and this is one copy and one write.
#[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Logs {
    ids: SmallVec<[MsgId; 16]>,
    /// 16 bits: n processes × up to 64 messages each, duplicates included, exceed 255.
    ends: [u16; MAX_PROCS as usize],
    n: u8,
}

impl Logs {
    /// `n` empty logs.
    pub fn new(n: u8) -> Logs {
        Logs {
            ids: SmallVec::new(),
            ends: [0; MAX_PROCS as usize],
            n,
        }
    }

    /// Number of logs (processes).
    pub fn len(&self) -> usize {
        self.n as usize
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    fn start(&self, p: usize) -> usize {
        if p == 0 {
            0
        } else {
            self.ends[p - 1] as usize
        }
    }

    /// The logs, process by process.
    pub fn iter(&self) -> impl Iterator<Item = &[MsgId]> {
        (0..self.len()).map(|p| &self[p])
    }

    /// Appends `m` to p's log; with `sorted`, inserts it in order instead (when no checked
    /// property reads delivery order, logs are kept sorted so that orders do not split states).
    pub fn push(&mut self, p: Pid, m: MsgId, sorted: bool) {
        let p = p as usize;
        let at = if sorted {
            let start = self.start(p);
            start + self.ids[start..self.ends[p] as usize].partition_point(|x| *x <= m)
        } else {
            self.ends[p] as usize
        };
        self.ids.insert(at, m);
        for e in &mut self.ends[p..self.n as usize] {
            *e += 1;
        }
    }

    /// Replaces p's log.
    pub fn set(&mut self, p: Pid, log: &[MsgId]) {
        let p = p as usize;
        let (start, end) = (self.start(p), self.ends[p] as usize);
        self.ids.drain(start..end);
        self.ids.insert_many(start, log.iter().copied());
        for e in &mut self.ends[p..self.n as usize] {
            *e = *e - (end - start) as u16 + log.len() as u16;
        }
    }
}

impl std::ops::Index<usize> for Logs {
    type Output = [MsgId];
    fn index(&self, p: usize) -> &[MsgId] {
        &self.ids[self.start(p)..self.ends[p] as usize]
    }
}

/// A plain copy of the buffer.
impl Clone for Logs {
    fn clone(&self) -> Logs {
        Logs {
            ids: SmallVec::from_slice(&self.ids),
            ends: self.ends,
            n: self.n,
        }
    }

    fn clone_from(&mut self, src: &Logs) {
        self.ids.clone_from(&src.ids);
        self.ends = src.ends;
        self.n = src.n;
    }
}

/// The ends, then the ids as bytes, in a few writes (the ends fix how many ids there are).
impl std::hash::Hash for Logs {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        for e in &self.ends[..self.n as usize] {
            h.write_u16(*e);
        }
        for chunk in self.ids.chunks(32) {
            let mut b = [0u8; 64];
            for (i, m) in chunk.iter().enumerate() {
                b[2 * i] = m.origin;
                b[2 * i + 1] = m.seq;
            }
            h.write(&b[..2 * chunk.len()]);
        }
    }
}

/// Ghost history of one run so far.
#[derive(Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct History {
    /// Processes that crashed (crash-stop: never recover).
    pub crashed: PSet,
    /// Omission-faulty or Byzantine processes (fixed from the start, never crash; empty under
    /// crash faults, see [`crate::runtime::faults`]).
    pub faulty: PSet,
    /// Messages broadcast so far (by their origin).
    pub broadcast: MSet,
    /// `suspects[p]`: processes that p's failure detector reported. Empty when the model has no
    /// detector.
    pub suspects: SmallVec<[PSet; 4]>,
    /// `log[p]`: messages delivered by `p`, in delivery order.
    pub log: Logs,
    /// `past[m.bit()]`: the causal past of broadcast message m (the messages that happened
    /// before it), recorded when m is broadcast. Empty unless causality is tracked.
    pub past: Vec<MSet>,
}

/// `clone_from` reuses the target's buffers (see [`crate::runtime::system::SysState`]).
impl Clone for History {
    fn clone(&self) -> History {
        History {
            crashed: self.crashed,
            faulty: self.faulty,
            broadcast: self.broadcast,
            suspects: self.suspects.clone(),
            log: self.log.clone(),
            past: self.past.clone(),
        }
    }

    fn clone_from(&mut self, src: &History) {
        self.crashed = src.crashed;
        self.faulty = src.faulty;
        self.broadcast = src.broadcast;
        self.suspects.clone_from(&src.suspects);
        self.log.clone_from(&src.log);
        self.past.clone_from(&src.past);
    }
}

impl History {
    pub fn new(n: u8, with_detector: bool) -> History {
        History::with_causality(n, with_detector, false)
    }

    /// A history that also records each broadcast's causal past (for CRB5).
    pub fn with_causality(n: u8, with_detector: bool, causality: bool) -> History {
        History {
            past: if causality {
                vec![MSet::EMPTY; n as usize * crate::runtime::protocol::MAX_MSGS as usize]
            } else {
                Vec::new()
            },
            crashed: PSet::EMPTY,
            faulty: PSet::EMPTY,
            broadcast: MSet::EMPTY,
            suspects: if with_detector {
                smallvec::smallvec![PSet::EMPTY; n as usize]
            } else {
                SmallVec::new()
            },
            log: Logs::new(n),
        }
    }

    /// Processes that have not crashed and are not faulty (in a quiescent state: the correct
    /// processes of the run that ends there).
    pub fn correct(&self, n: u8) -> PSet {
        PSet::all(n).minus(self.crashed).minus(self.faulty)
    }

    /// Processes that have not crashed: the ones that still take steps (omission-faulty ones
    /// included).
    pub fn running(&self, n: u8) -> PSet {
        PSet::all(n).minus(self.crashed)
    }

    pub fn delivered(&self, p: Pid, m: MsgId) -> bool {
        self.log[p as usize].contains(&m)
    }

    /// The set of messages `p` delivered (ignoring order and repetitions).
    pub fn delivered_set(&self, p: Pid) -> MSet {
        let mut s = MSet::EMPTY;
        for &m in &self.log[p as usize] {
            s.insert(m);
        }
        s
    }

    /// Messages delivered by at least one process of `who`.
    pub fn delivered_by_any(&self, who: PSet) -> MSet {
        who.iter()
            .fold(MSet::EMPTY, |acc, p| MSet(acc.0 | self.delivered_set(p).0))
    }

    /// Records that `p` broadcasts `m`: its causal past is everything `p` broadcast or
    /// delivered before, with their own pasts (happened-before is transitive).
    pub fn record_broadcast(&mut self, m: MsgId) {
        if !self.past.is_empty() {
            let p = m.origin;
            let mut direct = self.delivered_set(p);
            for seq in 0..m.seq {
                direct.insert(MsgId { origin: p, seq });
            }
            let mut past = direct;
            for x in direct.iter() {
                past = MSet(past.0 | self.past[x.bit() as usize].0);
            }
            past.remove(m);
            self.past[m.bit() as usize] = past;
        }
        self.broadcast.insert(m);
    }

    /// The next message `p` will broadcast, if its quota is not used up.
    pub fn next_broadcast(&self, p: Pid, quota: u8) -> Option<MsgId> {
        (0..quota)
            .map(|seq| MsgId { origin: p, seq })
            .find(|m| !self.broadcast.contains(*m))
    }

    /// `p` as a trace names it: `p0`, `p0 (crashed)` or `p0 (faulty)`.
    pub fn label(&self, p: Pid) -> String {
        if self.crashed.contains(p) {
            format!("p{p} (crashed)")
        } else if self.faulty.contains(p) {
            format!("p{p} (faulty)")
        } else {
            format!("p{p}")
        }
    }

    /// The delivery logs side by side, one column per process, in delivery order.
    pub fn describe_logs(&self) -> Vec<String> {
        let heads: Vec<String> = (0..self.log.len()).map(|p| self.label(p as Pid)).collect();
        let w = heads.iter().map(String::len).max().unwrap_or(2).max(6);
        let depth = self.log.iter().map(|l| l.len()).max().unwrap_or(0);
        let mut lines = Vec::new();
        let row = |cells: Vec<String>| {
            let mut s = String::from("delivered: ");
            for c in cells {
                s += &format!("{c:<w$}  ");
            }
            s.trim_end().to_string()
        };
        lines.push(row(heads.clone()));
        for i in 0..depth.max(1) {
            let cells = self
                .log
                .iter()
                .map(|l| match l.get(i) {
                    Some(m) => m.to_string(),
                    None if i == 0 => "-".to_string(),
                    None => String::new(),
                })
                .collect();
            lines.push(row(cells).replacen("delivered: ", "           ", 1));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The logs keep their boundaries past 255 deliveries in all, sorted or not, and `set`
    /// replaces one log without disturbing the others.
    #[test]
    fn logs_hold_many_deliveries() {
        let mut l = Logs::new(16);
        for round in 0..20u8 {
            for p in 0..16u8 {
                let m = MsgId {
                    origin: p,
                    seq: 19 - round,
                };
                l.push(p, m, p % 2 == 0);
            }
        }
        for p in 0..16usize {
            assert_eq!(l[p].len(), 20);
            assert!(l[p].iter().all(|m| m.origin == p as u8));
            let sorted = l[p].windows(2).all(|w| w[0] <= w[1]);
            assert_eq!(sorted, p % 2 == 0, "p{p}");
        }
        let one = [MsgId { origin: 9, seq: 0 }];
        l.set(3, &one);
        assert_eq!(&l[3], &one);
        assert_eq!(l[4].len(), 20);
        assert_eq!(l.iter().map(<[MsgId]>::len).sum::<usize>(), 15 * 20 + 1);
    }
}
