//! The message network between processes: what may be delivered next, in which order, and how
//! often. One of three kinds, chosen per run:
//!
//! - [`NetKind::Bag`] (default): an unordered, non-duplicating multiset. Any in-flight message
//!   may be delivered next; each is delivered at most once.
//! - [`NetKind::Fifo`]: per-pair FIFO. Messages from `p` to `q` are delivered in send order;
//!   different pairs interleave freely.
//! - [`NetKind::Dup`]: unordered, and each message may additionally be delivered a second time
//!   (finite duplication: one extra copy at most, so the state space stays finite).
//!
//! Whatever the kind, the network is *reliable between correct processes*: a message from a
//! correct sender to a correct receiver is eventually delivered (perfect links, PL1). Messages
//! of a crashed sender may be delivered or lost (fail-silent loss), and messages to a crashed
//! process are discarded. Those rules live in [`crate::runtime::system`].
//!
//! The in-flight messages are kept in a canonical order (sorted for bags, stably grouped by
//! `(src, dst)` for FIFO) so that equal network contents hash equally.

use crate::runtime::protocol::Pid;
use std::fmt;

/// The in-flight messages, in canonical order. Inline up to 8 (no allocation when a state is
/// cloned), spilling to the heap beyond.
pub type Net<M> = smallvec::SmallVec<[Envelope<M>; 8]>;

/// The kind of network.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum NetKind {
    Bag,
    Fifo,
    Dup,
}

impl NetKind {
    pub const NAMES: &'static [&'static str] = &["bag", "fifo", "dup"];

    pub fn parse(s: &str) -> Option<NetKind> {
        match s {
            "bag" => Some(NetKind::Bag),
            "fifo" => Some(NetKind::Fifo),
            "dup" => Some(NetKind::Dup),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            NetKind::Bag => "bag",
            NetKind::Fifo => "fifo",
            NetKind::Dup => "dup",
        }
    }

    /// Adds a freshly sent message where the canonical order puts it (after the messages of
    /// the same pair, for FIFO), so the network stays canonical without sorting.
    pub fn push<M: Ord>(self, net: &mut Net<M>, src: Pid, dst: Pid, msg: M) {
        let copies = u8::from(self == NetKind::Dup);
        let e = Envelope {
            src,
            dst,
            msg,
            copies,
        };
        let at = match self {
            NetKind::Bag | NetKind::Dup => net.partition_point(|x| *x <= e),
            NetKind::Fifo => net.partition_point(|x| (x.src, x.dst) <= (src, dst)),
        };
        net.insert(at, e);
    }

    /// Restores the canonical order of a network built without [`NetKind::push`].
    pub fn canonicalize<M: Ord>(self, net: &mut [Envelope<M>]) {
        match self {
            NetKind::Bag | NetKind::Dup => net.sort_unstable(),
            // Stable: keeps each pair's send order.
            NetKind::Fifo => net.sort_by_key(|e| (e.src, e.dst)),
        }
    }

    /// Whether the message at `idx` may be delivered next. For bags, only the first of several
    /// identical copies is offered (delivering either gives the same state).
    pub fn deliverable<M: PartialEq>(self, net: &[Envelope<M>], idx: usize) -> bool {
        if idx == 0 {
            return true;
        }
        let (prev, cur) = (&net[idx - 1], &net[idx]);
        match self {
            NetKind::Bag | NetKind::Dup => prev != cur,
            NetKind::Fifo => (prev.src, prev.dst) != (cur.src, cur.dst),
        }
    }
}

/// A message in flight from `src` to `dst` (`Copy` when the message is: copying a network is
/// then one `memcpy`).
#[derive(
    Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Envelope<M> {
    pub src: Pid,
    pub dst: Pid,
    pub msg: M,
    /// Extra deliveries still allowed ([`NetKind::Dup`] only).
    pub copies: u8,
}

impl<M: fmt::Debug> fmt::Debug for Envelope<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}→p{}: {:?}", self.src, self.dst, self.msg)?;
        if self.copies > 0 {
            write!(f, " (+{} dup)", self.copies)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_offers_only_the_head_of_each_pair() {
        let mut net = Net::new();
        let k = NetKind::Fifo;
        k.push(&mut net, 1, 2, 'b');
        k.push(&mut net, 0, 2, 'x');
        k.push(&mut net, 1, 2, 'a');
        k.canonicalize(&mut net);
        let offered: Vec<char> = (0..net.len())
            .filter(|&i| k.deliverable(&net, i))
            .map(|i| net[i].msg)
            .collect();
        assert_eq!(offered, vec!['x', 'b']);
    }

    #[test]
    fn bag_offers_identical_copies_once() {
        let mut net = Net::new();
        let k = NetKind::Bag;
        k.push(&mut net, 0, 1, 'a');
        k.push(&mut net, 0, 1, 'a');
        k.push(&mut net, 0, 2, 'a');
        k.canonicalize(&mut net);
        let offered = (0..net.len()).filter(|&i| k.deliverable(&net, i)).count();
        assert_eq!(offered, 2);
    }
}
