//! Integration tests of the `broadcheck` binary: exit codes, error lines, JSON contract, and
//! `verify` over the checked-in models/.

mod common;

use common::*;
use std::process::Command;

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
        "check", "lazy-rb", "--n", "4", "--f", "2", "--format", "json", "--reduce", "none",
    ];
    let bfs = count(&base);
    let mut dfs = base.to_vec();
    dfs.extend(["--strategy", "dfs"]);
    let mut par = base.to_vec();
    par.extend(["--threads", "2"]);
    assert!(bfs > 0);
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
        &["prob", "eager-gossip", "-p", "loss=2"],
        "loss must be a probability between 0 and 1",
    );
    assert_input_error(
        &["check", "eager-gossip", "-p", "fanout=4"],
        "fanout must be an integer between 1 and 3",
    );
    assert_input_error(
        &["check", "eager-gossip", "-p", "forward=every"],
        "needs a ttl",
    );
    assert_input_error(
        &["check", "flood", "-p", "overlay=mesh:3"],
        "overlay must be",
    );
    assert_input_error(
        &["prob", "om", "--n", "3"],
        "prob works on broadcast models",
    );
    assert_input_error(
        &["prob", "eager-gossip", "-P", "PRB4 witness"],
        "not a property of runs",
    );
    assert_input_error(&["simulate", "om"], "simulate supports");
    assert_input_error(&["simulate", "eager-gossip", "--n", "1"], "2 ≤ n");
    assert_input_error(&["simulate", "eager-gossip", "--runs", "0"], "--runs");
    assert_input_error(
        &["simulate", "eager-gossip", "--confidence", "1.5"],
        "--confidence",
    );
    assert_input_error(&["sweep", "-p", "fanout=3"], "use --fanouts");
    assert_input_error(&["sweep", "--fanouts", "0..3"], "--fanouts");
    assert_input_error(&["overlay", "--overlay", "kout:9:1", "--n", "5"], "below n");
    assert_input_error(
        &["overlay", "--overlay", "ring:1", "--n", "5", "--crash", "5"],
        "at least one correct",
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
    assert_input_error(
        &["check", "perfect-link", "--n", "3"],
        "n must be 2 and f 0",
    );
    assert_input_error(
        &["check", "perfect-link", "-p", "fairness=maybe"],
        "must be one of on, off",
    );
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
        "flooding-consensus",
        "echo-bcb",
        "double-echo-brb",
        "fair-loss-link",
        "stubborn-link",
        "perfect-link",
        "at-most-once",
        "at-least-once",
        "exactly-once",
        "heartbeat-fd",
        "eager-gossip",
        "flood",
        "random-walk",
        "lazy-push-gossip",
        "pull-gossip",
        "anti-entropy",
    ] {
        assert!(out.contains(&format!("\n  {m} ")), "{m} missing:\n{out}");
    }
    for p in [
        "BEB1 validity",
        "URB4 uniform agreement",
        "PFD2 strong accuracy",
        "PRB4 probabilistic agreement",
    ] {
        assert!(out.contains(p), "{p}");
    }
    let o = run(&["list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["models"].as_array().map(Vec::len), Some(32));
}

#[test]
fn help_is_for_people() {
    let o = run(&["check", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("--property <NAME>"), "{out}");
    assert!(out.contains("textbook ID"), "{out}");
}

/// `check` reduces by default, and says what it chose: the seeds' N ≤ 3f case at f = 2 is
/// exhaustive in a second and finds the IC1 violation (unreduced it exhausts the memory).
#[test]
fn reductions_are_on_by_default_and_reported() {
    let o = run(&["check", "om", "--n", "6", "--f", "2", "--param", "m=2"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("exhaustive"), "{out}");
    assert!(
        out.contains("IC1 agreement               safety        VIOLATED"),
        "{out}"
    );
    assert!(out.contains("reduce   auto: por and symmetry"), "{out}");
    assert!(
        out.contains("replay:   broadcheck replay om --n 6 --f 2"),
        "{out}"
    );
    assert!(
        out.contains("--reduce por,symmetry"),
        "the replay line keeps the reductions: {out}"
    );
    let o = run(&["check", "beb", "--n", "3", "--f", "1", "--reduce", "none"]);
    assert!(!stdout(&o).contains("reduce   auto"), "{}", stdout(&o));
}

#[test]
fn three_generals_counterexample_text() {
    let o = run(&["check", "om", "--n", "3", "--f", "1", "--reduce", "none"]);
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

/// The counterexample block of a text report (from "Counterexample to" to the "=>" line).
fn counterexample_block(out: &str) -> String {
    let start = out.find("Counterexample to").expect("a counterexample");
    let rest = &out[start..];
    let end = rest.find("  replay:").expect("a replay line");
    rest[..end].to_string()
}

#[test]
fn replay_round_trip_prints_the_same_trace() {
    for args in [
        vec!["check", "beb", "--f", "1", "-P", "RB4"],
        vec!["check", "om", "--n", "3", "--f", "1", "-P", "IC2"],
        vec!["check", "fifo", "-p", "senders=0,1", "-P", "CRB5"],
    ] {
        let o = run(&args);
        let out = stdout(&o);
        let block = counterexample_block(&out);
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with("replay:"))
            .expect("replay line");
        let cmd: Vec<&str> = line
            .split_once("broadcheck ")
            .expect("command")
            .1
            .split_whitespace()
            .collect();
        assert_eq!(cmd[0], "replay");
        let r = run(&cmd);
        assert_eq!(r.status.code(), Some(1), "{}", stderr(&r));
        assert_eq!(counterexample_block(&stdout(&r)), block, "{args:?}");
    }
    let o = run(&["replay", "beb", "--f", "1", "7.7.7"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not fit model beb"));
}

#[test]
fn diagrams_are_written() {
    let dir = tmp_file("x", "");
    let mmd = dir.with_file_name("beb.mmd");
    let svg = dir.with_file_name("om.svg");
    let o = run(&[
        "check",
        "beb",
        "--f",
        "1",
        "-P",
        "RB4",
        "--diagram",
        "mermaid",
        mmd.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let text = std::fs::read_to_string(&mmd).expect("mermaid written");
    assert_eq!(
        text,
        "sequenceDiagram\n    participant p0\n    participant p1\n    participant p2\n    Note over p0: broadcast m0.1\n    Note over p0: CRASH\n    p0->>p1: m0.1\n    Note over p1: deliver m0.1\n    p0-xp2: m0.1 (lost)\n"
    );
    let o = run(&[
        "check",
        "om",
        "--n",
        "3",
        "--f",
        "1",
        "--diagram",
        "svg",
        svg.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let text = std::fs::read_to_string(&svg).expect("svg written");
    assert!(
        text.starts_with("<svg")
            && text.contains("decide retreat")
            && text.contains("p0 said retreat")
    );
    assert!(text.contains(">TRAITOR<"), "{text}");
    assert_input_error(
        &["check", "beb", "--diagram", "png", "x.png"],
        "--diagram kind must be mermaid or svg",
    );
}

#[test]
fn verify_writes_junit() {
    let good = tmp_file(
        "j-good.toml",
        "model = \"beb\"\nn = 3\nf = 1\n[expect]\nunique_states = 33\n[expect.properties]\nRB4 = \"violated\"\n",
    );
    let bad = tmp_file(
        "j-bad.toml",
        "model = \"beb\"\nn = 3\nf = 1\n[expect.properties]\nRB4 = \"holds\"\n",
    );
    let xml = good.with_file_name("junit.xml");
    let o = run(&[
        "verify",
        good.to_str().expect("utf8"),
        bad.to_str().expect("utf8"),
        "--junit",
        xml.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let text = std::fs::read_to_string(&xml).expect("junit written");
    assert!(text.starts_with("<?xml"));
    assert!(
        text.contains("<testsuites name=\"broadcheck verify\" tests=\"4\" failures=\"1\">"),
        "{text}"
    );
    assert!(
        text.contains("<failure message=\"expected holds, got violated\">"),
        "{text}"
    );
    assert_eq!(text.matches("<testcase ").count(), 4);
    assert_eq!(text.matches("</testcase>").count(), 4);
}

// ---- Browser test: the Explorer in headless Chromium -------------------------------------------

fn http(port: u16, method: &str, path: &str) -> Option<String> {
    http_full(port, method, path).map(|(_, body)| body)
}

fn http_full(port: u16, method: &str, path: &str) -> Option<(String, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .ok()?;
    write!(s, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    buf.split_once("\r\n\r\n")
        .map(|(head, body)| (head.to_string(), body.to_string()))
}

struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|_| c.to_string())
        })
}

#[test]
fn explorer_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is needed by this test under CI (.ci/run installs Debian's chromium)"
        );
        eprintln!("SKIPPED explorer_renders_in_headless_chromium: no chromium installed (.ci/run installs Debian's chromium)");
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let child = bin()
        .args([
            "explore",
            "beb",
            "--n",
            "3",
            "--f",
            "1",
            "--port",
            &port.to_string(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("explore starts");
    let _guard = Child(child);
    let mut up = false;
    for _ in 0..100 {
        if http(port, "GET", "/.status").is_some() {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(up, "explorer did not start");
    // Content types that stateright itself does not send.
    let (head, _) = http_full(port, "GET", "/").expect("index");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/html"),
        "{head}"
    );
    let (head, _) = http_full(port, "GET", "/app.js").expect("app.js");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/javascript"),
        "{head}"
    );
    let (head, _) = http_full(port, "GET", "/.status").expect("status");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );

    // The counterexample's Explorer path, as `check` prints it.
    let o = run(&["check", "beb", "--f", "1", "-P", "RB4", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let trace = v["properties"][0]["explorer_path"]
        .as_str()
        .expect("path")
        .to_string();
    let profile = std::env::temp_dir().join(format!("broadcheck-chromium-{}", std::process::id()));
    let dom = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=8000",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
            &format!("http://127.0.0.1:{port}/{trace}"),
        ])
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("Stateright Explorer"),
        "page did not load: {dom}"
    );
    assert!(
        dom.contains("class=\"broadcheck-msc\""),
        "sequence diagram missing: {dom}"
    );
    assert!(
        dom.contains("p0 crashes"),
        "path (state list) missing: {dom}"
    );
    assert!(
        dom.contains("in flight: p0→p2: m0.1"),
        "readable state missing: {dom}"
    );

    // `explore` runs to completion by itself: the status reports the full state space.
    let mut status = serde_json::Value::Null;
    for _ in 0..100 {
        let body = http(port, "GET", "/.status").unwrap_or_default();
        status = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
        if status["done"] == true {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(status["done"], true, "{status}");
    assert_eq!(status["unique_state_count"], 36, "{status}");
}

#[test]
fn prob_self_check_is_one_half() {
    let o = run(&["prob", "eager-gossip", "--n", "3", "-p", "fanout=1"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("P[PRB4 probabilistic agreement] = 1/2 (0.500000)"),
        "{out}"
    );
    assert!(out.contains("the same under every scheduler"), "{out}");
    let o = run(&[
        "prob",
        "eager-gossip",
        "--n",
        "3",
        "-p",
        "fanout=1",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["results"][0]["min"], "1/2");
    assert_eq!(v["results"][0]["max"], "1/2");
    assert_eq!(v["results"][0]["scheduler_independent"], true);
}

#[test]
fn prob_gives_worst_and_best_scheduler_and_bounded_intervals() {
    let o = run(&["prob", "pull-gossip", "--n", "3"]);
    let out = stdout(&o);
    assert!(out.contains("worst scheduler: 0 (0.000000)"), "{out}");
    assert!(out.contains("best scheduler:  15/16 (0.937500)"), "{out}");
    let o = run(&["prob", "pull-gossip", "--n", "3", "--max-states", "50"]);
    let out = stdout(&o);
    assert!(out.contains("lies between"), "{out}");
    assert!(out.contains("bounded"), "{out}");
}

#[test]
fn simulate_is_seeded_and_reproducible() {
    let args = [
        "simulate",
        "eager-gossip",
        "--n",
        "2000",
        "-p",
        "fanout=8",
        "--runs",
        "300",
        "--seed",
        "7",
        "--format",
        "json",
    ];
    let a: serde_json::Value = serde_json::from_slice(&run(&args).stdout).expect("json");
    let b: serde_json::Value = serde_json::from_slice(&run(&args).stdout).expect("json");
    for k in ["successes", "p_hat", "ci_low", "ci_high", "mean_messages"] {
        assert_eq!(a[k], b[k], "{k}");
    }
    assert!(a["ci_low"].as_f64() <= a["p_hat"].as_f64());
    assert!(a["p_hat"].as_f64() <= a["ci_high"].as_f64());
    let text = stdout(&run(&args[..args.len() - 2]));
    assert!(text.contains("95% confidence interval"), "{text}");
}

#[test]
fn overlay_metrics_and_the_connectivity_invariant() {
    // 12 random out-links each: every process is also in someone's view (a 6-out overlay on
    // 400 processes usually leaves one with in-degree 0, which nobody can reach).
    let o = run(&["overlay", "--n", "400", "--overlay", "kout:12:3"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for needle in [
        "connectivity (invariant): holds",
        "diameter:",
        "average shortest path:",
        "clustering coefficient:",
        "in-degree histogram:",
    ] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
    // A one-successor ring is cut by any crash.
    let o = run(&["overlay", "--n", "6", "--overlay", "ring:1", "--crash", "1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("VIOLATED"));
}

#[test]
fn sweep_writes_csv_and_an_svg_that_a_browser_renders() {
    let dir = std::env::temp_dir().join(format!("broadcheck-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let svg = dir.join("sweep.svg");
    let csv = dir.join("sweep.csv");
    let o = run(&[
        "sweep",
        "--n",
        "300",
        "--runs",
        "200",
        "--fanouts",
        "3..8",
        "--svg",
        svg.to_str().expect("path"),
        "--csv",
        csv.to_str().expect("path"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let table = std::fs::read_to_string(&csv).expect("csv");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "fanout,c,runs,successes,p_hat,ci_low,ci_high,asymptotic"
    );
    assert_eq!(lines.len(), 7);
    let chart = std::fs::read_to_string(&svg).expect("svg");
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is needed under CI"
        );
        eprintln!("SKIPPED the browser half of sweep_writes_csv_and_an_svg_that_a_browser_renders: no chromium");
        return;
    };
    // Render the chart in a page whose script measures both curves once laid out.
    let page = dir.join("page.html");
    std::fs::write(
        &page,
        format!(
            "<!doctype html><html><body>{chart}<script>\
             for (const id of ['asymptotic', 'simulated']) {{\
               const b = document.getElementById(id).getBBox();\
               document.body.setAttribute('data-' + id, Math.round(b.width) + 'x' + Math.round(b.height));\
             }}</script></body></html>"
        ),
    )
    .expect("page");
    let profile = dir.join("profile");
    let dom = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
            &format!("file://{}", page.display()),
        ])
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&dom.stdout);
    let size = |id: &str| -> (u32, u32) {
        let key = format!("data-{id}=\"");
        let at = dom
            .find(&key)
            .unwrap_or_else(|| panic!("{id} not measured: {dom}"))
            + key.len();
        let v = &dom[at..at + dom[at..].find('"').expect("quote")];
        let (w, h) = v.split_once('x').expect("WxH");
        (w.parse().expect("w"), h.parse().expect("h"))
    };
    let (aw, ah) = size("asymptotic");
    let (sw, sh) = size("simulated");
    assert!(aw > 300 && ah > 100, "asymptotic curve {aw}x{ah}");
    assert!(sw > 200 && sh > 50, "simulated curve {sw}x{sh}");
}

#[test]
fn reductions_keep_the_counterexample_and_replay_it() {
    let o = run(&[
        "check", "eager-rb", "--n", "3", "--f", "1", "-P", "URB4", "--reduce", "all",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(
        text.contains("reduce   por: receipts a process ignores for good"),
        "{text}"
    );
    assert!(
        text.contains("reduce   symmetry: 2 renamings; interchangeable: {p0} {p1,p2}"),
        "{text}"
    );
    assert!(
        text.contains(
            "dropped (partial-order reduction): [DATA m0.1] p0→p0, which p0 ignores for good"
        ),
        "{text}"
    );
    // The replay command carries the reductions, and replays the same trace.
    let replay = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("replay:   broadcheck "))
        .expect("a replay line");
    assert!(replay.contains("--reduce por,symmetry"), "{replay}");
    let args: Vec<&str> = replay.split_whitespace().collect();
    let again = run(&args);
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    assert!(stdout(&again).contains("p0 crashes"));
    assert_input_error(
        &["check", "eager-rb", "--reduce", "sideways"],
        "unknown reduction 'sideways'",
    );
    assert_input_error(
        &["verify", "--reduce", "por,nope"],
        "unknown reduction 'nope'",
    );
}

#[test]
fn bench_quick_measures_against_the_actor_model() {
    let o = run(&["bench", "--quick", "--timeout", "60"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("ActorModel bfs"), "{text}");
    // broadcheck and the plain ActorModel explore the same 1,136 states.
    assert!(text.contains("(same state count)"), "{text}");
    assert!(text.contains("eager-rb: por+symmetry:"), "{text}");
    let j = run(&["bench", "--quick", "--only", "om", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&j.stdout).expect("json");
    assert_eq!(v["runs"][0]["unique_states"], 326);
    assert_input_error(
        &["bench", "--only", "nonesuch"],
        "unknown bench workload 'nonesuch'",
    );
}

/// SPIN, on the team's Promela model of the reference workload, stores exactly the states
/// broadcheck finds (skipped, with a message, when spin or cc is not installed).
#[test]
fn spin_finds_the_same_states_as_broadcheck() {
    let have = |t: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !have("spin") || !have("cc") {
        assert!(
            std::env::var_os("CI").is_none(),
            "spin and cc are needed by this test under CI"
        );
        eprintln!("skipped: spin or cc is not installed (.ci/run installs them)");
        return;
    }
    // The bench's own SPIN driver: spin -a, cc -O2 -DSAFETY, ./pan -E on the Promela model.
    let spin = broadcheck::app::bench::run_one(
        false,
        "eager-rb",
        broadcheck::app::bench::Engine::Spin,
        Default::default(),
        1,
        std::time::Duration::from_secs(120),
    )
    .expect("spin runs");
    let stored = spin.unique_states.to_string();
    let o = run(&[
        "check",
        "eager-rb",
        "--n",
        "3",
        "-p",
        "senders=0,1",
        "--reduce",
        "none",
        "--strategy",
        "dfs",
        "--threads",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains(&format!("exhaustive; {stored} unique states")),
        "spin stored {stored}; broadcheck: {}",
        stdout(&o)
    );
    assert_eq!(stored, "1290496");
}
