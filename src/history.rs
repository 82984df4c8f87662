//! The delivery log and ghost history: what the property predicates read.
//!
//! Ghost state is bookkeeping the algorithm cannot see: per process, the messages it delivered in
//! order; globally, which messages were broadcast, which processes crashed, and what each
//! process's failure detector has reported. The runtime ([`crate::system`]) updates it on every
//! step; the catalogue predicates ([`crate::properties`]) judge it.

use crate::bits::{MSet, PSet};
use crate::protocol::{MsgId, Pid};
use smallvec::SmallVec;

/// One process's delivery log. Inline up to 6 deliveries (no allocation when a state is
/// cloned), spilling to the heap beyond.
pub type Log = SmallVec<[MsgId; 6]>;

/// Ghost history of one run so far.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct History {
    /// Processes that crashed (crash-stop: never recover).
    pub crashed: PSet,
    /// Messages broadcast so far (by their origin).
    pub broadcast: MSet,
    /// `suspects[p]`: processes that p's failure detector reported. Empty when the model has no
    /// detector.
    pub suspects: SmallVec<[PSet; 4]>,
    /// `log[p]`: messages delivered by `p`, in delivery order.
    pub log: SmallVec<[Log; 4]>,
    /// `past[m.bit()]`: the causal past of broadcast message m (the messages that happened
    /// before it), recorded when m is broadcast. Empty unless causality is tracked.
    pub past: Vec<MSet>,
}

impl History {
    pub fn new(n: u8, with_detector: bool) -> History {
        History::with_causality(n, with_detector, false)
    }

    /// A history that also records each broadcast's causal past (for CRB5).
    pub fn with_causality(n: u8, with_detector: bool, causality: bool) -> History {
        History {
            past: if causality {
                vec![MSet::EMPTY; n as usize * crate::protocol::MAX_MSGS as usize]
            } else {
                Vec::new()
            },
            crashed: PSet::EMPTY,
            broadcast: MSet::EMPTY,
            suspects: if with_detector {
                smallvec::smallvec![PSet::EMPTY; n as usize]
            } else {
                SmallVec::new()
            },
            log: smallvec::smallvec![Log::new(); n as usize],
        }
    }

    /// Processes that have not crashed (in a quiescent state: the correct processes of the run
    /// that ends there).
    pub fn correct(&self, n: u8) -> PSet {
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

    /// The delivery logs side by side, one column per process, in delivery order.
    pub fn describe_logs(&self) -> Vec<String> {
        let heads: Vec<String> = (0..self.log.len())
            .map(|p| {
                if self.crashed.contains(p as Pid) {
                    format!("p{p} (crashed)")
                } else {
                    format!("p{p}")
                }
            })
            .collect();
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
