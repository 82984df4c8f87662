//! The built-in models, one file per algorithm, grouped by family. Each opens with its source
//! and marks every handler with the pseudo-code event it implements.

pub mod agreement;
pub mod broadcast;
pub mod entry;
pub mod gossip;
pub mod links;
pub mod order;
pub mod params;
