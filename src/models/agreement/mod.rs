//! Agreement in synchronous rounds: the Byzantine generals (Lamport–Shostak–Pease) and consensus (seed notes 004).

pub mod majority_consensus;
pub mod om;
pub mod sm;
pub mod unanimous_consensus;
