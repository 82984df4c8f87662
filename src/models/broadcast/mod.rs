//! Reliable broadcast (CGR ch. 3; seed notes 000, 001), and Byzantine consistent and
//! reliable broadcast (CGR §3.10–3.11).

pub mod all_ack_urb;
pub mod beb;
pub mod double_echo_brb;
pub mod eager_rb;
pub mod echo_bcb;
pub mod lazy_rb;
pub mod majority_ack_urb;
pub mod sync_fail_stop_rb;
