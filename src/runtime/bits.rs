//! Small fixed-width sets: processes ([`PSet`], up to 16) and broadcast messages ([`MSet`], up
//! to 64). States stay `Copy`-sized and hash fast; every model and the property predicates share
//! these instead of `HashSet`s.

use crate::runtime::protocol::{MsgId, Pid};
use std::fmt;

/// A set of process ids (bit `p` = process `p`), for up to [`crate::runtime::protocol::MAX_PROCS`] processes.
#[derive(
    Copy, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct PSet(pub u16);

impl PSet {
    pub const EMPTY: PSet = PSet(0);

    /// `{p0, …, p(n-1)}`.
    pub fn all(n: u8) -> PSet {
        PSet(((1u32 << n) - 1) as u16)
    }
    pub fn contains(self, p: Pid) -> bool {
        self.0 & (1 << p) != 0
    }
    /// Inserts `p`; returns whether it was new.
    pub fn insert(&mut self, p: Pid) -> bool {
        let new = !self.contains(p);
        self.0 |= 1 << p;
        new
    }
    pub fn remove(&mut self, p: Pid) {
        self.0 &= !(1 << p);
    }
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn is_subset(self, other: PSet) -> bool {
        self.0 & !other.0 == 0
    }
    pub fn minus(self, other: PSet) -> PSet {
        PSet(self.0 & !other.0)
    }
    pub fn union(self, other: PSet) -> PSet {
        PSet(self.0 | other.0)
    }
    pub fn iter(self) -> impl Iterator<Item = Pid> {
        (0..16u8).filter(move |p| self.contains(*p))
    }
    /// Every subset of `self` with exactly `k` elements, in increasing numeric order.
    pub fn subsets(self, k: usize) -> Vec<PSet> {
        let mut out = Vec::new();
        // Enumerate the submasks of self (at most 2^16) and keep those of size k.
        let mut sub: u32 = 0;
        loop {
            sub = (sub.wrapping_sub(u32::from(self.0))) & u32::from(self.0);
            if sub == 0 {
                break;
            }
            if sub.count_ones() as usize == k {
                out.push(PSet(sub as u16));
            }
        }
        if k == 0 {
            out.push(PSet::EMPTY);
        }
        out.sort_unstable();
        out
    }
}

impl fmt::Debug for PSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.iter().map(|p| format!("p{p}")).collect();
        write!(f, "{{{}}}", names.join(", "))
    }
}

/// A set of broadcast messages. Message `m` of origin `o` with sequence number `s` is bit
/// `o * MAX_MSGS + s` (see [`MsgId::bit`]).
#[derive(
    Copy, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct MSet(pub u64);

impl MSet {
    pub const EMPTY: MSet = MSet(0);

    pub fn contains(self, m: MsgId) -> bool {
        self.0 & (1 << m.bit()) != 0
    }
    /// Inserts `m`; returns whether it was new.
    pub fn insert(&mut self, m: MsgId) -> bool {
        let new = !self.contains(m);
        self.0 |= 1 << m.bit();
        new
    }
    pub fn remove(&mut self, m: MsgId) {
        self.0 &= !(1 << m.bit());
    }
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn is_subset(self, other: MSet) -> bool {
        self.0 & !other.0 == 0
    }
    pub fn minus(self, other: MSet) -> MSet {
        MSet(self.0 & !other.0)
    }
    pub fn iter(self) -> impl Iterator<Item = MsgId> {
        (0..64u8)
            .filter(move |b| self.0 & (1 << b) != 0)
            .map(MsgId::from_bit)
    }
}

impl fmt::Debug for MSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.iter().map(|m| m.to_string()).collect();
        write!(f, "{{{}}}", names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pset_basics() {
        let mut s = PSet::EMPTY;
        assert!(s.insert(3));
        assert!(!s.insert(3));
        s.insert(0);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![0, 3]);
        assert_eq!(format!("{s:?}"), "{p0, p3}");
        assert!(s.is_subset(PSet::all(4)));
        assert!(!PSet::all(4).is_subset(s));
        assert_eq!(PSet::all(16).len(), 16);
    }

    #[test]
    fn mset_roundtrip() {
        let mut s = MSet::EMPTY;
        let m = MsgId { origin: 15, seq: 3 };
        s.insert(m);
        s.insert(MsgId { origin: 0, seq: 0 });
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![MsgId { origin: 0, seq: 0 }, m]
        );
        assert_eq!(format!("{s:?}"), "{m0.1, m15.4}");
    }
}
