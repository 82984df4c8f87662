//! The built-in models, one file per algorithm, grouped by family. Each opens with its source
//! and marks every handler with the pseudo-code event it implements.

pub mod agreement;
pub mod broadcast;
pub mod gossip;
pub mod links;
pub mod order;
pub mod params;

use crate::app::registry::ModelEntry;

/// Every model, in `list` order.
pub fn all() -> Vec<&'static dyn ModelEntry> {
    vec![
        &broadcast::beb::ENTRY,
        &broadcast::eager_rb::ENTRY,
        &broadcast::lazy_rb::ENTRY,
        &broadcast::all_ack_urb::ENTRY,
        &broadcast::majority_ack_urb::ENTRY,
        &broadcast::sync_fail_stop_rb::ENTRY,
        &order::fifo::ENTRY,
        &order::causal_no_waiting::ENTRY,
        &order::causal_waiting::ENTRY,
        &order::sequencer_total_order::ENTRY,
        &order::isis_total_order::ENTRY,
        &order::fifo_total_order::ENTRY,
        &agreement::om::ENTRY,
        &agreement::sm::ENTRY,
        &agreement::majority_consensus::ENTRY,
        &agreement::unanimous_consensus::ENTRY,
        &links::point_to_point::FAIR_LOSS,
        &links::point_to_point::STUBBORN,
        &links::point_to_point::PERFECT,
        &links::delivery::AT_MOST_ONCE,
        &links::delivery::AT_LEAST_ONCE,
        &links::delivery::EXACTLY_ONCE,
        &links::heartbeat_fd::ENTRY,
        &gossip::eager_gossip::ENTRY,
        &gossip::flood::ENTRY,
        &gossip::random_walk::ENTRY,
        &gossip::lazy_push_gossip::ENTRY,
        &gossip::pull_gossip::ENTRY,
        &gossip::anti_entropy::ENTRY,
    ]
}
