//! Integration tests of the `broadcheck` binary: exit codes, error lines, JSON contract, and
//! `verify` over the checked-in models/.

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_broadcheck"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Bad input: exit 2, exactly one line on stderr containing `needle`, nothing on stdout.
fn assert_input_error(args: &[&str], needle: &str) {
    let o = run(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(
        err.lines().count(),
        1,
        "{args:?} printed more than one line: {err}"
    );
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(stdout(&o).is_empty(), "{args:?}");
}

fn tmp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("broadcheck-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

#[test]
fn verify_checked_in_models() {
    let o = run(&["verify"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains(" 0 mismatch(es)"), "{out}");
    assert!(!out.contains("MISMATCH"), "{out}");
}

#[test]
fn beb_rb4_counterexample_text() {
    let o = run(&["check", "beb", "--n", "3", "--f", "1", "--property", "RB4"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let expected = "\
Counterexample to RB4 agreement (3 steps):
  definition: If a message m is delivered by some correct process, then m is eventually delivered by every correct process.
  1. p0 broadcasts m0.1
       → p0 sends m0.1 to p0, p1, p2
  2. p0 crashes
       → 1 in-flight message(s) to p0 discarded (crash-stop)
  3. p1 receives m0.1 from p0
       → p1 delivers m0.1
  lost: m0.1 p0→p2 is never delivered (its sender p0 crashed; fail-silent loss)
  delivered: p0 (crashed)  p1            p2
             -             m0.1          -
  => RB4 agreement VIOLATED: in this quiescent state (no obligatory step is left: the run may end here), correct p1 delivered m0.1, but correct p2 never delivers it
";
    assert!(out.contains(expected), "{out}");
    assert!(
        out.contains("RB4 agreement            liveness      VIOLATED"),
        "{out}"
    );
}

#[test]
fn holding_check_exits_zero_and_json_contract() {
    let o = run(&[
        "check", "eager-rb", "--n", "3", "--f", "1", "--format", "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    for key in [
        "model",
        "params",
        "strategy",
        "exhaustive",
        "unique_states",
        "states",
        "max_depth",
        "seconds",
        "properties",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["model"], "eager-rb");
    assert_eq!(v["exhaustive"], true);
    assert_eq!(v["unique_states"], 1575);
    assert_eq!(v["params"]["n"], "3");
    let props = v["properties"].as_array().expect("array");
    let rb4 = props
        .iter()
        .find(|p| p["name"] == "RB4 agreement")
        .expect("RB4");
    assert_eq!(rb4["kind"], "liveness");
    assert_eq!(rb4["status"], "holds");
    assert!(rb4["trace"].as_array().expect("trace").is_empty());
    let w = props
        .iter()
        .find(|p| p["name"] == "RB4 agreement (witness)")
        .expect("witness");
    assert_eq!(w["kind"], "reachability");
    assert_eq!(w["status"], "witnessed");
    let kinds: Vec<&str> = props.iter().filter_map(|p| p["kind"].as_str()).collect();
    assert!(kinds.contains(&"safety"));
}

#[test]
fn json_violation_has_trace_steps() {
    let o = run(&["check", "beb", "--f", "1", "-P", "RB4", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let p = &v["properties"][0];
    assert_eq!(p["status"], "violated");
    let steps = p["trace"].as_array().expect("trace");
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[1]["action"], "p0 crashes");
}

#[test]
fn bounded_run_is_unknown_and_exits_one() {
    let o = run(&["check", "eager-rb", "--f", "1", "--max-depth", "4"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("BOUNDED by depth limit 4"), "{out}");
    assert!(out.contains("UNKNOWN"), "{out}");
    assert!(!out.contains("HOLDS"), "{out}");
}

#[test]
fn dfs_and_threads_give_the_same_count() {
    let count = |args: &[&str]| -> u64 {
        let o = run(args);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        v["unique_states"].as_u64().expect("count")
    };
    let base = [
        "check", "lazy-rb", "--n", "4", "--f", "2", "--format", "json",
    ];
    let bfs = count(&base);
    let mut dfs = base.to_vec();
    dfs.extend(["--strategy", "dfs"]);
    let mut par = base.to_vec();
    par.extend(["--threads", "2"]);
    assert_eq!(bfs, 25091);
    assert_eq!(count(&dfs), bfs);
    assert_eq!(count(&par), bfs);
}

#[test]
fn check_accepts_a_model_file_with_overrides() {
    let o = run(&["check", "models/beb-crash-violates-rb4.toml"]);
    assert_eq!(o.status.code(), Some(1));
    let o = run(&["check", "models/beb-crash-violates-rb4.toml", "--f", "0"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn verify_reports_mismatch_with_exit_one() {
    let p = tmp_file(
        "wrong.toml",
        "model = \"beb\"\nn = 3\nf = 1\n[expect]\nunique_states = 35\n[expect.properties]\nRB4 = \"holds\"\n",
    );
    let o = run(&["verify", p.to_str().expect("utf8")]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("MISMATCH"), "{out}");
    assert!(out.contains("2 mismatch(es)"), "{out}");
}

#[test]
fn vacuous_liveness_is_a_mismatch() {
    // PFD1 with no crash is vacuous: its witness (a crash reported) is unreachable.
    let p = tmp_file(
        "vacuous.toml",
        "model = \"lazy-rb\"\nn = 2\nf = 0\n[expect.properties]\nPFD1 = \"holds\"\n",
    );
    let o = run(&["verify", p.to_str().expect("utf8")]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("PFD1 strong completeness (witness)"), "{out}");
    assert!(out.contains("unreachable"), "{out}");
    let o = run(&["check", "lazy-rb", "--n", "2", "-P", "PFD1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("holds vacuously"));
}

#[test]
fn bad_inputs_exit_two_with_one_line() {
    assert_input_error(&["check", "nosuch"], "unknown model 'nosuch'");
    assert_input_error(
        &["check", "beb", "--n", "0"],
        "n must be between 1 and 16 (got 0)",
    );
    assert_input_error(&["check", "beb", "--n", "17"], "n must be between 1 and 16");
    assert_input_error(
        &["check", "beb", "--n", "3", "--f", "4"],
        "f = 4 exceeds n = 3",
    );
    assert_input_error(&["check", "beb", "-P", "RB9"], "unknown property 'RB9'");
    assert_input_error(
        &["check", "beb", "-p", "fanout=2"],
        "has no parameter 'fanout'",
    );
    assert_input_error(
        &["check", "beb", "-p", "detector=perfect"],
        "has no parameter 'detector'",
    );
    assert_input_error(
        &["check", "beb", "-p", "network=tcp"],
        "must be one of bag, fifo, dup",
    );
    assert_input_error(&["check", "beb", "-p", "senders=5"], "parameter senders");
    assert_input_error(&["check", "beb", "-p", "msgs=9"], "parameter msgs");
    assert_input_error(&["check", "beb", "-p", "oops"], "--param expects KEY=VALUE");
    assert_input_error(
        &["check", "beb", "-P", "PFD1"],
        "needs a model with a failure detector",
    );
    assert_input_error(
        &["check", "majority-ack-urb", "-p", "quorum=9"],
        "parameter quorum",
    );
    assert_input_error(
        &["check", "beb", "--strategy", "astar"],
        "invalid value 'astar'",
    );
    assert_input_error(
        &["check", "beb", "--threads", "0"],
        "--threads must be at least 1",
    );
    assert_input_error(
        &["check", "beb", "--bogus"],
        "unexpected argument '--bogus'",
    );
    assert_input_error(&["frobnicate"], "unrecognized subcommand");
    assert_input_error(&["verify", "no/such/dir"], "no such file or directory");
    assert_input_error(
        &["check", "beb", "--timeout", "1e300"],
        "--timeout must be a positive",
    );
    assert_input_error(
        &["check", "beb", "--timeout", "0"],
        "--timeout must be a positive",
    );
    assert_input_error(&["check"], "<TARGET>");
    assert_input_error(
        &["check", "beb", "-p", "senders=0,0"],
        "distinct process ids",
    );
    assert_input_error(&["check", "beb", "-p", "senders=pp1"], "parameter senders");
    assert_input_error(
        &["check", "om", "--n", "3", "--f", "1", "-p", "traitors=1,2"],
        "names 2 process(es) but f = 1",
    );
    assert_input_error(
        &[
            "check",
            "om",
            "--n",
            "3",
            "--f",
            "0",
            "-p",
            "traitors=commander",
        ],
        "no placement",
    );
    assert_input_error(
        &["check", "om", "--n", "3", "--f", "1", "-p", "m=2"],
        "OM(m) needs m + 1 < n",
    );
    assert_input_error(&["check", "om", "-P", "RB4"], "unknown property 'RB4'");
    assert_input_error(&["check", "beb", "-P", "IC1"], "unknown property 'IC1'");
}

#[test]
fn bad_model_files_exit_two_with_one_line() {
    let cases = [
        (
            "malformed.toml",
            "model = \"beb\"\nn = [\n",
            "malformed.toml",
        ),
        (
            "unknown-key.toml",
            "model = \"beb\"\nn = 3\ncolour = 1\n[expect.properties]\nRB4 = \"holds\"\n",
            "unknown field `colour`",
        ),
        (
            "bad-status.toml",
            "model = \"beb\"\nn = 3\n[expect.properties]\nRB4 = \"fine\"\n",
            "expected status of 'RB4'",
        ),
        (
            "bad-prop.toml",
            "model = \"beb\"\nn = 3\n[expect.properties]\nXX1 = \"holds\"\n",
            "unknown property 'XX1'",
        ),
        (
            "bad-model.toml",
            "model = \"gossip9\"\nn = 3\n[expect.properties]\nRB4 = \"holds\"\n",
            "unknown model 'gossip9'",
        ),
        (
            "zero.toml",
            "model = \"beb\"\nn = 0\n[expect.properties]\nRB4 = \"holds\"\n",
            "n must be between 1 and 16",
        ),
        (
            "bad-timeout.toml",
            "model = \"beb\"\nn = 3\n[search]\ntimeout = -1.0\n[expect.properties]\nRB2 = \"holds\"\n",
            "search.timeout must be a positive number",
        ),
        (
            "n-in-params.toml",
            "model = \"beb\"\nn = 3\n[params]\nn = 4\n[expect.properties]\nRB2 = \"holds\"\n",
            "put n at the top level",
        ),
        (
            "no-props.toml",
            "model = \"beb\"\nn = 3\n[expect.properties]\n",
            "lists no property",
        ),
    ];
    for (name, text, needle) in cases {
        let p = tmp_file(name, text);
        let path = p.to_str().expect("utf8");
        assert_input_error(&["verify", path], needle);
        assert_input_error(&["check", path], needle);
    }
}

#[test]
fn list_shows_every_model_and_the_catalogue() {
    let o = run(&["list"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for m in [
        "beb",
        "eager-rb",
        "lazy-rb",
        "all-ack-urb",
        "majority-ack-urb",
        "sync-fail-stop-rb",
        "fifo",
        "causal-no-waiting",
        "causal-waiting",
        "sequencer-total-order",
        "isis-total-order",
        "fifo-total-order",
        "om",
        "sm",
        "majority-consensus",
        "unanimous-consensus",
    ] {
        assert!(out.contains(&format!("\n  {m} ")), "{m} missing:\n{out}");
    }
    for p in [
        "BEB1 validity",
        "URB4 uniform agreement",
        "PFD2 strong accuracy",
    ] {
        assert!(out.contains(p), "{p}");
    }
    let o = run(&["list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["models"].as_array().map(Vec::len), Some(16));
}

#[test]
fn help_is_for_people() {
    let o = run(&["check", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("--property <NAME>"), "{out}");
    assert!(out.contains("textbook ID"), "{out}");
}

#[test]
fn three_generals_counterexample_text() {
    let o = run(&["check", "om", "--n", "3", "--f", "1"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let expected = "\
Counterexample to IC2 validity (3 steps):
  definition: If the commanding general is loyal, then every loyal lieutenant obeys the order he sends.
  0. traitors: p1; inputs: p0: attack
  1. end of round 1: every message of the round is delivered
       → p0 tells p1, p2: attack
  2. round 2: p1 (traitor) tells p2: \"p0 said retreat\"
  3. end of round 2: every message of the round is delivered
       → p2 tells p1: \"p0 said attack\"
       → p1 (traitor) decides attack: from p0 directly: attack; p2 says p0 said: attack → majority attack (2 attack, 0 retreat)
       → p2 decides retreat: from p0 directly: attack; p1 says p0 said: retreat → 1-1 tie → default retreat
";
    assert!(out.contains(expected), "{out}");
    assert!(
        out.contains("IC1 agreement               safety        HOLDS"),
        "{out}"
    );
    assert!(out.contains("=> IC2 validity VIOLATED: the commander p0 is loyal and ordered attack, but loyal lieutenant p2 decided retreat"), "{out}");
}
