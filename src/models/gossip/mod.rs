//! Probabilistic broadcast by gossip (CGR §3.7 and epidemic dissemination).

pub mod anti_entropy;
pub mod eager_gossip;
pub mod flood;
pub mod lazy_push_gossip;
pub mod peers;
pub mod pull_gossip;
pub mod random_walk;
