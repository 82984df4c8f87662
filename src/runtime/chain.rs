//! Relay chains of the Oral Messages algorithm: "p0 said that p2 said …", as a path of
//! distinct processes from the commander.

use crate::runtime::protocol::Pid;
use std::fmt;

/// A chain of process ids: the relay path of an oral message, or the signatures of a signed
/// one. Always starts with the commander p0. At most 7 long.
#[derive(
    Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Chain {
    len: u8,
    ids: [Pid; 7],
}

impl Chain {
    pub const MAX: usize = 7;

    /// The chain `[p]`.
    pub fn root(p: Pid) -> Chain {
        let mut ids = [0; 7];
        ids[0] = p;
        Chain { len: 1, ids }
    }
    /// This chain followed by `p` (callers keep chains under [`Chain::MAX`]).
    pub fn then(mut self, p: Pid) -> Chain {
        self.ids[self.len as usize] = p;
        self.len += 1;
        self
    }
    pub fn len(&self) -> usize {
        self.len as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn ids(&self) -> &[Pid] {
        &self.ids[..self.len as usize]
    }
    pub fn contains(&self, p: Pid) -> bool {
        self.ids().contains(&p)
    }
    pub fn last(&self) -> Pid {
        self.ids[self.len.saturating_sub(1) as usize]
    }
    pub fn first(&self) -> Pid {
        self.ids[0]
    }
    /// No process appears twice.
    pub fn distinct(&self) -> bool {
        let ids = self.ids();
        ids.iter().enumerate().all(|(i, p)| !ids[..i].contains(p))
    }
    /// Every chain of `len` distinct processes among `0..n` starting with p0 and avoiding `me`.
    pub fn all(n: u8, len: usize, me: Pid) -> Vec<Chain> {
        let mut out = vec![Chain::root(0)];
        for _ in 1..len {
            out = out
                .into_iter()
                .flat_map(|c| {
                    (0..n)
                        .filter(move |&p| p != me && !c.contains(p))
                        .map(move |p| c.then(p))
                })
                .collect();
        }
        if me == 0 {
            return Vec::new();
        }
        out
    }
}

impl fmt::Debug for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<String> = self.ids().iter().map(|p| p.to_string()).collect();
        write!(f, "{}", ids.join(":"))
    }
}
