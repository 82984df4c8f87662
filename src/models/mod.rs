//! One file per algorithm. Each opens with its source and marks every handler with the
//! pseudo-code event it implements.

pub mod all_ack_urb;
pub mod anti_entropy;
pub mod beb;
pub mod causal_no_waiting;
pub mod causal_waiting;
pub mod delivery;
pub mod eager_gossip;
pub mod eager_rb;
pub mod fifo;
pub mod fifo_total_order;
pub mod flood;
pub mod heartbeat_fd;
pub mod isis_total_order;
pub mod lazy_push_gossip;
pub mod lazy_rb;
pub mod links;
pub mod majority_ack_urb;
pub mod majority_consensus;
pub mod om;
pub mod pull_gossip;
pub mod random_walk;
pub mod sequencer_total_order;
pub mod sm;
pub mod sync_fail_stop_rb;
pub mod unanimous_consensus;

use crate::protocol::MsgId;
use std::fmt;

/// The `[DATA, s, m]` message that the reliable broadcasts of CGR ch. 3 relay. The origin `s`
/// is part of the message id.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Data(pub MsgId);

impl crate::reduce::Rename for Data {
    fn rename(&self, p: &crate::reduce::Perm) -> Data {
        Data(self.0.rename(p))
    }
}

impl fmt::Debug for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[DATA {}]", self.0)
    }
}
