//! Ordered broadcast: FIFO, causal and total order (CGR ch. 3 and 6; seed notes 002).

pub mod causal_no_waiting;
pub mod causal_waiting;
pub mod fifo;
pub mod fifo_total_order;
pub mod isis_total_order;
pub mod sequencer_total_order;
