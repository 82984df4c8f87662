//! Every stop ends in a labelled report: the memory budget (`--memory-limit`, or the default
//! under an address-space cap), SIGINT and SIGTERM. These run the binary as a user would,
//! some under `prlimit --as`, and assert a labelled report and exit code, never a signal or an
//! allocation failure.

mod common;

use common::*;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// `prlimit`, which the address-space tests need: under `CI` its absence fails the test.
fn prlimit() -> Option<Command> {
    let found = Command::new("prlimit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "prlimit (util-linux) is needed by this test under CI"
        );
        eprintln!("skipped: prlimit not found");
        return None;
    }
    Some(Command::new("prlimit"))
}

/// Runs the binary with `args` under an address-space cap of `bytes`.
fn capped(bytes: u64, args: &[&str]) -> Option<Output> {
    let mut c = prlimit()?;
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg(format!("--as={bytes}"))
        .arg(env!("CARGO_BIN_EXE_broadcheck"))
        .args(args);
    Some(c.output().expect("runs"))
}

/// A bounded report that names the memory limit, and exit 1: not a signal, not an abort.
fn assert_memory_stop(o: &Output, what: &str) {
    let (out, err) = (stdout(o), stderr(o));
    assert_eq!(o.status.code(), Some(1), "{what}: {out}{err}");
    assert!(
        out.contains("BOUNDED by memory limit") && out.contains("states"),
        "{what}: {out}{err}"
    );
    assert!(out.contains("UNKNOWN"), "{what}: {out}");
    assert!(
        !out.contains(" holds"),
        "{what}: a bounded run holds nothing: {out}"
    );
    assert!(!err.contains("memory allocation"), "{what}: {err}");
}

#[test]
fn the_memory_limit_stops_bfs_and_dfs_with_a_bounded_report() {
    for strategy in ["bfs", "dfs"] {
        let o = run(&[
            "check",
            "om",
            "--n",
            "6",
            "--f",
            "2",
            "--param",
            "m=2",
            "--strategy",
            strategy,
            "--memory-limit",
            "150M",
            "--reduce",
            "none",
        ]);
        assert_memory_stop(&o, strategy);
        let out = stdout(&o);
        assert!(
            out.contains("memory limit 150 MB reached after"),
            "{strategy}: {out}"
        );
        assert!(
            out.contains("reductions that were not on: por, symmetry"),
            "{strategy}: {out}"
        );
    }
}

#[test]
fn an_address_space_cap_sets_the_default_budget() {
    // The issue's case: N ≤ 3f at f = 2, unreduced, under a 1.5 GB cap.
    let args = [
        "check", "om", "--n", "6", "--f", "2", "--param", "m=2", "--reduce", "none",
    ];
    let Some(o) = capped(1_500_000_000, &args) else {
        return;
    };
    assert_memory_stop(&o, "om under prlimit");
    assert!(stdout(&o).contains("memory limit 1.2 GB"), "{}", stdout(&o));
}

#[test]
fn threads_and_the_json_report_carry_the_bound() {
    let o = run(&[
        "check",
        "eager-rb",
        "--param",
        "senders=all",
        "--threads",
        "2",
        "--memory-limit",
        "120M",
        "--reduce",
        "none",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["exhaustive"], false);
    let bound = v["bound"].as_str().expect("bound");
    assert!(
        bound.starts_with("memory limit 120 MB reached after "),
        "{bound}"
    );
}

#[test]
fn a_model_file_sets_its_own_budget() {
    let f = tmp_file(
        "om-budget.toml",
        r#"model = "om"
description = "OM(2) at n=6, unreduced: too big for a 100 MB budget (a test of the budget, not of OM)."
n = 6
f = 2
[params]
m = "2"
[search]
memory_limit = "100M"
[expect.properties]
IC1 = "violated"
"#,
    );
    let o = run(&["check", f.to_str().expect("path")]);
    assert_memory_stop(&o, "model file");
    let o = run(&["verify", f.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("bounded: memory limit 100 MB"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn bad_memory_limits_are_one_line() {
    assert_input_error(
        &["check", "beb", "--memory-limit", "lots"],
        "--memory-limit",
    );
    assert_input_error(&["check", "beb", "--memory-limit", "12k"], "below 1 MB");
}

#[test]
fn prob_stops_with_a_labelled_line() {
    let o = run(&[
        "prob",
        "eager-rb",
        "--n",
        "4",
        "--f",
        "1",
        "--param",
        "senders=all",
        "--memory-limit",
        "30M",
    ]);
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(!err.contains("memory allocation"), "{err}");
    let labelled = out.contains("bounded") || err.starts_with("stopped: memory limit 30 MB");
    assert!(labelled, "{out}{err}");
}

/// Sends `sig` to a long check once it has run a second: a partial report, exit `code`.
fn interrupted(sig: &str, code: i32) {
    let child = bin()
        .args([
            "check",
            "eager-rb",
            "--param",
            "senders=all",
            "--reduce",
            "none",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    std::thread::sleep(Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args([&format!("-{sig}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let o = child.wait_with_output().expect("waits");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(code), "{out}{}", stderr(&o));
    assert!(
        out.contains(&format!("BOUNDED by interrupted by SIG{sig} after")),
        "{out}"
    );
    assert!(out.contains("UNKNOWN"), "{out}");
}

#[test]
fn ctrl_c_prints_the_partial_report_and_exits_130() {
    interrupted("INT", 130);
}

#[test]
fn sigterm_prints_the_partial_report_and_exits_143() {
    interrupted("TERM", 143);
}
