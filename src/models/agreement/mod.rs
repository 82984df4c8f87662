//! Agreement: the Byzantine generals (Lamport–Shostak–Pease) and consensus in synchronous
//! rounds (seed notes 004), and Flooding Consensus in the asynchronous fail-stop model
//! (Cachin–Guerraoui–Rodrigues ch. 5).

pub mod flooding_consensus;
pub mod majority_consensus;
pub mod om;
pub mod sm;
pub mod unanimous_consensus;
