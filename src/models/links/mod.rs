//! The abstractions below broadcast, whose runs are cycles: point-to-point links (CGR ch. 2), delivery semantics (seed notes 003) and the heartbeat failure detector (CGR Alg. 2.5).

pub mod delivery;
pub mod heartbeat_fd;
pub mod point_to_point;
