//! Which state-space reductions a run asks for. What each one does is the model's business
//! (the asynchronous runtime's and the rounds runtime's, in the `runtime` layer above);

use crate::error::{Error, Result};

/// State-space reductions . Both preserve every verdict the run checks;
/// they change the unique-state count, so a pinned count is pinned with its reductions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Reductions {
    /// Partial-order reduction: receipts a process ignores for good are taken at once.
    pub por: bool,
    /// Symmetry reduction: states equal up to renaming interchangeable processes are one.
    pub symmetry: bool,
}

impl Reductions {
    /// Accepted names (`--reduce`, `search.reduce`).
    pub const NAMES: &'static [&'static str] = &["por", "symmetry", "all", "none"];

    /// Parses a list of reduction names (`all` = every reduction, `none` = no reduction).
    pub fn parse(items: &[String]) -> Result<Reductions> {
        let mut r = Reductions::default();
        for it in items.iter().flat_map(|s| s.split(',')) {
            match it.trim() {
                "por" => r.por = true,
                "symmetry" => r.symmetry = true,
                "all" => {
                    r.por = true;
                    r.symmetry = true;
                }
                "none" => {}
                other => {
                    return Err(Error::input(format!(
                        "unknown reduction '{other}' (expected one of: {})",
                        Self::NAMES.join(", ")
                    )))
                }
            }
        }
        Ok(r)
    }

    /// The names of the reductions asked for (`por`, `symmetry`), for reports and replay.
    pub fn names(self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.por {
            v.push("por");
        }
        if self.symmetry {
            v.push("symmetry");
        }
        v
    }
}
