//! The delivery log and ghost history: what the property predicates read.
//!
//! Ghost state is bookkeeping the algorithm cannot see: per process, the messages it delivered in
//! order; globally, which messages were broadcast, which processes crashed, and what each
//! process's failure detector has reported. The runtime ([`crate::system`]) updates it on every
//! step; the catalogue predicates ([`crate::properties`]) judge it.

use crate::bits::{MSet, PSet};
use crate::protocol::{MsgId, Pid};

/// Ghost history of one run so far.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct History {
    /// Processes that crashed (crash-stop: never recover).
    pub crashed: PSet,
    /// Messages broadcast so far (by their origin).
    pub broadcast: MSet,
    /// `suspects[p]`: processes that p's failure detector reported. Empty when the model has no
    /// detector.
    pub suspects: Vec<PSet>,
    /// `log[p]`: messages delivered by `p`, in delivery order.
    pub log: Vec<Vec<MsgId>>,
}

impl History {
    pub fn new(n: u8, with_detector: bool) -> History {
        History {
            crashed: PSet::EMPTY,
            broadcast: MSet::EMPTY,
            suspects: if with_detector {
                vec![PSet::EMPTY; n as usize]
            } else {
                Vec::new()
            },
            log: vec![Vec::new(); n as usize],
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

    /// The next message `p` will broadcast, if its quota is not used up.
    pub fn next_broadcast(&self, p: Pid, quota: u8) -> Option<MsgId> {
        (0..quota)
            .map(|seq| MsgId { origin: p, seq })
            .find(|m| !self.broadcast.contains(*m))
    }

    /// One line per process: `p1 (crashed): [m0.1, m1.1]`.
    pub fn describe_logs(&self) -> Vec<String> {
        self.log
            .iter()
            .enumerate()
            .map(|(p, log)| {
                let tag = if self.crashed.contains(p as Pid) {
                    " (crashed)"
                } else {
                    ""
                };
                let items: Vec<String> = log.iter().map(|m| m.to_string()).collect();
                format!("p{p}{tag} delivered [{}]", items.join(", "))
            })
            .collect()
    }
}
