//! Helpers for the unit tests next to each model.

use crate::app::registry;
use crate::app::report::{PropReport, Report};
use crate::engine::outcome::Options;
use crate::engine::prob::{ProbOptions, Probability};
use crate::models::params::RunSpec;

/// Checks `model` exhaustively (BFS, one thread) and returns the report; panics on input errors.
pub fn run(model: &str, n: u32, f: u32, params: &[(&str, &str)], props: &[&str]) -> Report {
    check(spec(model, n, f, params, props))
}

fn check(spec: RunSpec) -> Report {
    let entry = registry::Registry::builtin()
        .find(&spec.model)
        .expect("known model");
    entry
        .check(&spec, &Options::default())
        .expect("valid parameters")
}

/// Like [`run`], with both reductions (por and symmetry) on.
pub fn run_reduced(model: &str, n: u32, f: u32, params: &[(&str, &str)], props: &[&str]) -> Report {
    check(RunSpec {
        reduce: crate::engine::reductions::Reductions {
            por: true,
            symmetry: true,
        },
        ..spec(model, n, f, params, props)
    })
}

/// The exact probability of `prop` (min, max) as fractions, e.g. `("1/2", "1/2")`.
pub fn exact(model: &str, n: u32, f: u32, params: &[(&str, &str)], prop: &str) -> Probability {
    let spec = spec(model, n, f, params, &[prop]);
    let entry = registry::Registry::builtin()
        .find(model)
        .expect("known model");
    let mut r = entry
        .prob(&spec, &ProbOptions::default())
        .expect("valid parameters");
    assert!(r.results[0].exhaustive);
    r.results.remove(0)
}

fn spec(model: &str, n: u32, f: u32, params: &[(&str, &str)], props: &[&str]) -> RunSpec {
    RunSpec {
        properties: props.iter().map(|s| s.to_string()).collect(),
        ..RunSpec::of(model, n, f, params)
    }
}

/// The report of property `id` (not its witness).
pub fn prop<'a>(r: &'a Report, id: &str) -> &'a PropReport {
    r.properties
        .iter()
        .find(|p| p.id == id && p.kind != "reachability")
        .unwrap_or_else(|| panic!("no property {id} in report"))
}

/// The status of property `id`'s witness.
pub fn prop_witness(r: &Report, id: &str) -> &'static str {
    r.properties
        .iter()
        .find(|p| p.id == id && p.kind == "reachability")
        .unwrap_or_else(|| panic!("no witness of {id} in report"))
        .status
        .name()
}

/// Asserts each property's status, by ID.
pub fn assert_statuses(r: &Report, expected: &[(&str, &str)]) {
    for (id, status) in expected {
        let got = prop(r, id).status.name();
        assert_eq!(got, *status, "{id} of {}:\n{}", r.model, r.to_text());
    }
}

/// Asserts the exact actions of a property's counterexample.
pub fn assert_trace(r: &Report, id: &str, actions: &[&str]) {
    let got: Vec<&str> = prop(r, id)
        .trace
        .iter()
        .map(|s| s.action.as_str())
        .collect();
    assert_eq!(got, actions, "{}", r.to_text());
}

/// What two searches must agree on: unique and generated states, depth, and each property's
/// status and counterexample path (its replay indices).
pub type Seen = (
    usize,
    usize,
    usize,
    Vec<(crate::engine::outcome::Status, Option<Vec<usize>>)>,
);

/// [`Seen`] of an outcome.
pub fn seen<M: crate::engine::spec::Spec>(out: &crate::engine::outcome::Outcome<M>) -> Seen {
    let found = out
        .findings
        .iter()
        .map(|f| (f.status, f.path.as_ref().map(|p| p.indices.clone())))
        .collect();
    (out.unique_states, out.states, out.max_depth, found)
}
