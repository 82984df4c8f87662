//! What the search knows of a property: its identity ([`PropMeta`]: textbook ID, short name,
//! kind) and its predicates over a model's states ([`PropDef`]). The catalogue of textbook
//! properties is in the `props` layer above; a model may define its own.

use crate::error::{Error, Result};
use stateright::Model;

/// How a property is judged.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Safety,
    Liveness,
    Reachability,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Safety => "safety",
            Kind::Liveness => "liveness",
            Kind::Reachability => "reachability",
        }
    }
}

/// The identity of a property: textbook ID, short name, definition.
#[derive(Debug, PartialEq, Eq)]
pub struct PropMeta {
    /// Canonical textbook ID, e.g. `RB4`.
    pub id: &'static str,
    /// Other IDs under which textbooks state the same predicate (e.g. `BEB2` for `RB2`).
    pub aliases: &'static [&'static str],
    /// Display name: ID(s) then short name, e.g. `RB4 agreement`.
    pub name: &'static str,
    /// Name of the witness of a liveness property (`… (witness)`), empty otherwise.
    pub witness: &'static str,
    pub kind: Kind,
    /// The textbook definition, one sentence.
    pub about: &'static str,
    /// Only meaningful on models with a failure detector.
    pub needs_detector: bool,
}

impl PropMeta {
    /// Whether a user-given name designates this property: its ID, an alias, its display name or
    /// its short name after the ID, case-insensitively.
    pub fn matches(&self, name: &str) -> bool {
        let name = name.trim();
        let eq = |s: &str| s.eq_ignore_ascii_case(name);
        eq(self.id)
            || self.aliases.iter().any(|a| eq(a))
            || eq(self.name)
            || self
                .name
                .split_once(' ')
                .is_some_and(|(_, short)| eq(short))
    }

    /// Whether a user-given name designates this property's witness (`RB4 witness`,
    /// `RB4 agreement (witness)`).
    pub fn matches_witness(&self, name: &str) -> bool {
        !self.witness.is_empty() && is_witness_key(name) && self.matches(strip_witness(name))
    }
}

/// `"RB4 witness"` and `"RB4 agreement (witness)"` → the property's name; other names unchanged.
pub fn strip_witness(name: &str) -> &str {
    let t = name.trim();
    let u = t.strip_suffix(')').unwrap_or(t);
    match u.strip_suffix("witness") {
        Some(base) => base.trim_end().trim_end_matches('(').trim_end(),
        None => t,
    }
}

/// Whether a name designates a witness.
pub fn is_witness_key(name: &str) -> bool {
    strip_witness(name) != name.trim()
}

/// A property bound to a model: its identity and its predicates.
pub struct PropDef<M: Model> {
    pub meta: &'static PropMeta,
    /// `None` if the property holds in this state, otherwise why not. For liveness properties
    /// the checker only calls it on quiescent states.
    pub check: fn(&M, &M::State) -> Option<String>,
    /// For liveness properties: whether this quiescent state is a non-vacuous witness.
    pub witness: Option<fn(&M, &M::State) -> bool>,
}

impl<M: Model> Clone for PropDef<M> {
    fn clone(&self) -> Self {
        PropDef {
            meta: self.meta,
            check: self.check,
            witness: self.witness,
        }
    }
}

/// Picks the properties named by the user (each name an ID, alias or name), in the order given.
/// `allow_detector` says whether detector properties make sense for the model.
pub fn select<M: Model>(
    available: &[PropDef<M>],
    names: &[String],
    allow_detector: bool,
) -> Result<Vec<PropDef<M>>> {
    let mut out: Vec<PropDef<M>> = Vec::new();
    for name in names {
        let def = available
            .iter()
            .find(|d| d.meta.matches(name) || d.meta.matches_witness(name))
            .ok_or_else(|| {
                let known: Vec<&str> = available.iter().map(|d| d.meta.id).collect();
                Error::input(format!(
                    "unknown property '{name}' (known: {})",
                    known.join(", ")
                ))
            })?;
        if def.meta.needs_detector && !allow_detector {
            return Err(Error::input(format!(
                "property '{}' needs a model with a failure detector",
                def.meta.name
            )));
        }
        if !out.iter().any(|d| d.meta.id == def.meta.id) {
            out.push(def.clone());
        }
    }
    Ok(out)
}
