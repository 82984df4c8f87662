//! The algorithms as stateright actors: real runs on loopback UDP (`run`), recorded runs judged
//! by the catalogue (`check-trace`), and the conformance of broadcheck's search with
//! stateright's checker on the actor form (`conform`).

mod common;

use common::*;
use serde_json::Value;

/// Runs broadcheck with `args` and `--format json`: the exit code, the JSON report, stderr.
fn json_of(args: &[&str]) -> (Option<i32>, Value, String) {
    let args: Vec<&str> = args.iter().copied().chain(["--format", "json"]).collect();
    let o = run(&args);
    let out = stdout(&o);
    let v: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}{}", stderr(&o)));
    (o.status.code(), v, stderr(&o))
}

fn verdict<'a>(v: &'a Value, id: &str) -> &'a str {
    v["verdicts"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|x| x["property"].as_str().is_some_and(|p| p.contains(id)))
        })
        .and_then(|x| x["status"].as_str())
        .unwrap_or_else(|| panic!("no verdict for {id}: {v}"))
}

/// Eager reliable broadcast keeps RB1–RB4 on a real run where p0 crashes mid-run (every
/// process broadcasting twice, datagrams held up to 20 ms, p0 stopped after 15 ms).
#[test]
fn eager_rb_keeps_rb1_to_rb4_when_p0_crashes_mid_run() {
    let (code, v, err) = json_of(&[
        "run",
        "eager-rb",
        "--n",
        "3",
        "-p",
        "senders=all",
        "-p",
        "msgs=2",
        "--crash",
        "p0@15",
        "--delay",
        "0..20",
        "--seed",
        "7",
        "-P",
        "RB1",
        "-P",
        "RB2",
        "-P",
        "RB3",
        "-P",
        "RB4",
    ]);
    assert_eq!(code, Some(0), "{v}{err}");
    assert_eq!(v["ending"], "quiescent", "{v}");
    assert_eq!(v["crashed"], serde_json::json!([0]), "{v}");
    for id in ["RB1", "RB2", "RB3", "RB4"] {
        assert_eq!(verdict(&v, id), "holds", "{v}");
    }
    // p1 and p2 each delivered all four messages of the correct processes.
    for p in [1, 2] {
        let d = v["delivered"][p].as_array().expect("a log");
        for m in ["m1.1", "m1.2", "m2.1", "m2.2"] {
            assert!(d.iter().any(|x| x == m), "p{p} lacks {m}: {v}");
        }
    }
}

/// Best-effort broadcast whose sender crashes after its second send (to p0 itself, then p1):
/// p1 delivers, p2 never does; RB4 is violated on the real run. The trace it writes judges the
/// same with check-trace, and its chart is written.
#[test]
fn beb_sender_crash_after_sends_violates_rb4_and_the_trace_round_trips() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let trace = dir.path().join("beb.jsonl");
    let chart = dir.path().join("beb.svg");
    let (code, v, err) = json_of(&[
        "run",
        "beb",
        "--n",
        "3",
        "--crash",
        "p0@after-sends:2",
        "-P",
        "RB4",
        "-P",
        "RB2",
        "--trace-out",
        trace.to_str().expect("utf-8"),
        "--diagram",
        "svg",
        chart.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, Some(1), "{v}{err}");
    assert_eq!(verdict(&v, "RB4"), "violated", "{v}");
    assert_eq!(verdict(&v, "RB2"), "holds", "{v}");
    let why = v["verdicts"][0]["why"].as_str().unwrap_or_default();
    assert_eq!(
        why,
        "correct p1 delivered m0.1, but correct p2 never delivers it"
    );
    assert_eq!(v["messages"], 2, "{v}");
    let svg = std::fs::read_to_string(&chart).expect("the chart");
    assert!(svg.starts_with("<svg") && svg.contains("CRASH"), "{svg}");

    let (code2, w, err2) = json_of(&["check-trace", trace.to_str().expect("utf-8")]);
    assert_eq!(code2, Some(1), "{w}{err2}");
    assert_eq!(
        w["verdicts"], v["verdicts"],
        "run and check-trace judge alike"
    );
    assert_eq!(w["delivered"], v["delivered"]);
    assert_eq!(w["ending"], "as-recorded");
}

/// Waiting causal broadcast keeps causal order on a real run with random delays, every process
/// broadcasting twice.
#[test]
fn causal_waiting_keeps_crb5_with_random_delays() {
    for seed in ["1", "2", "3"] {
        let (code, v, err) = json_of(&[
            "run",
            "causal-waiting",
            "--n",
            "3",
            "-p",
            "senders=all",
            "-p",
            "msgs=2",
            "--delay",
            "0..15",
            "--seed",
            seed,
            "-P",
            "CRB5",
            "-P",
            "RB4",
        ]);
        assert_eq!(code, Some(0), "seed {seed}: {v}{err}");
        assert_eq!(verdict(&v, "CRB5"), "holds");
        assert_eq!(v["ending"], "quiescent");
        let d = v["delivered"].as_array().expect("logs");
        assert!(
            d.iter().all(|l| l.as_array().map(Vec::len) == Some(6)),
            "{v}"
        );
    }
}

/// Lazy reliable broadcast with the heartbeat detector over real timers: p0's crash is
/// detected (PFD1) and nobody else is suspected (PFD2) with the default timeout; a timeout
/// shorter than the delays makes the detector suspect live processes, and PFD2 fails.
#[test]
fn lazy_rb_heartbeats_detect_a_real_crash_and_a_short_timeout_breaks_accuracy() {
    let (code, v, err) = json_of(&[
        "run",
        "lazy-rb",
        "--n",
        "3",
        "-p",
        "senders=all",
        "--crash",
        "p0@10",
        "-P",
        "RB4",
        "-P",
        "PFD1",
        "-P",
        "PFD2",
    ]);
    assert_eq!(code, Some(0), "{v}{err}");
    for id in ["RB4", "PFD1", "PFD2"] {
        assert_eq!(verdict(&v, id), "holds", "{v}");
    }
    let (code, v, err) = json_of(&[
        "run",
        "lazy-rb",
        "--n",
        "3",
        "-p",
        "senders=all",
        "--delay",
        "20..40",
        "--hb-timeout",
        "5",
        "-P",
        "PFD2",
        "--duration",
        "2",
    ]);
    assert_eq!(code, Some(1), "{v}{err}");
    assert_eq!(verdict(&v, "PFD2"), "violated", "{v}");
}

/// Infect-and-die gossip: every process that hears a message forwards it once to `fanout`
/// random processes, so a broadcast costs close to n × fanout messages.
#[test]
fn gossip_costs_about_n_times_fanout_messages() {
    let (n, fanout) = (8.0, 3.0);
    let (code, v, err) = json_of(&[
        "run",
        "eager-gossip",
        "--n",
        "8",
        "-p",
        "fanout=3",
        "--seed",
        "5",
        "-P",
        "PRB2",
        "-P",
        "PRB4",
    ]);
    assert!(code == Some(0) || code == Some(1), "{v}{err}");
    let per = v["messages_per_broadcast"].as_f64().expect("a number");
    assert!(per <= n * fanout && per >= 0.6 * n * fanout, "{per}: {v}");
    assert_eq!(verdict(&v, "PRB2"), "holds", "{v}");
    // PRB4 on one run, asked for (it is not a default: its probability is prob's): whether
    // agreement held on this run.
    assert!(["holds", "violated"].contains(&verdict(&v, "PRB4")), "{v}");
}

/// A trace a user wrote by hand: violations are caught with the line that breaks them, bad
/// lines are bad input naming the line.
#[test]
fn check_trace_judges_hand_written_files() {
    let fifo = tmp_file(
        "fifo.jsonl",
        r#"{"event":"run","n":2}
{"t_us":1,"p":0,"event":"broadcast","m":"m0.1"}
{"t_us":2,"p":0,"event":"broadcast","m":"m0.2"}
{"t_us":3,"p":1,"event":"deliver","m":"m0.2"}
{"t_us":4,"p":1,"event":"deliver","m":"m0.1"}
"#,
    );
    let o = run(&["check-trace", fifo.to_str().expect("utf-8"), "-P", "FRB5"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FRB5 FIFO delivery"), "{out}");
    assert!(out.contains("first fails after line 4"), "{out}");

    let bad = tmp_file(
        "bad.jsonl",
        "{\"event\":\"run\",\"n\":2}\n{\"t_us\":1,\"p\":0,\"event\":\"jump\"}\n",
    );
    assert_input_error(
        &["check-trace", bad.to_str().expect("utf-8")],
        "line 2: unknown variant",
    );
    let far = tmp_file("far.jsonl", "{\"t_us\":1,\"p\":4,\"event\":\"crash\"}\n");
    assert_input_error(
        &["check-trace", far.to_str().expect("utf-8"), "--n", "3"],
        "line 1: process p4",
    );
    assert_input_error(&["check-trace", far.to_str().expect("utf-8")], "--n");
    assert_input_error(&["check-trace", "/nonexistent.jsonl"], "cannot read");
    assert_input_error(&["run", "beb", "--crash", "p9@10"], "p0..p2");
    assert_input_error(&["run", "beb", "--crash", "zero"], "--crash 'zero'");
    assert_input_error(&["run", "beb", "--delay", "9..1"], "MIN is above MAX");
    assert_input_error(
        &["run", "om"],
        "run works on the asynchronous broadcast models",
    );
}

/// The conformance matrix on a sample of model files (the whole set: `broadcheck conform`,
/// quoted in the closing note): every verdict agrees, and counts agree wherever the encodings
/// are isomorphic.
#[test]
fn conformance_matrix_sample() {
    let files = [
        "models/beb-crash-violates-rb4.toml",
        "models/beb-fault-free-is-reliable.toml",
        "models/eager-rb-claims-hold.toml",
        "models/eager-rb-no-dedup-violates-rb2.toml",
        "models/eager-rb-fifo-two-senders.toml",
        "models/lazy-rb-incomplete-detector-violates-rb4.toml",
        "models/lazy-rb-inaccurate-detector-holds.toml",
        "models/majority-ack-urb-minority-quorum-violates-urb4.toml",
        "models/causal-waiting-n2-violates-tob5.toml",
        "models/sequencer-violates-frb5.toml",
        "models/eager-gossip-n3-t1-violates-prb4.toml",
        "models/beb-dup-network-violates-beb2.toml",
        "models/om-n3-f1-violates-ic2.toml",
    ];
    let mut args = vec!["conform"];
    args.extend(files);
    let (code, v, err) = json_of(&args);
    assert_eq!(code, Some(0), "{v}{err}");
    let rows = v.as_array().expect("rows");
    assert_eq!(rows.len(), files.len());
    let mut compared = 0;
    for r in rows {
        let Some(row) = r.get("row") else {
            assert!(r["skipped"].as_str().is_some_and(|s| !s.is_empty()), "{r}");
            continue;
        };
        compared += 1;
        for x in row["verdicts"].as_array().expect("verdicts") {
            assert_eq!(x[1], x[2], "{}: {x}", r["file"]);
        }
        if row["differences"].as_array().is_some_and(|d| d.is_empty()) {
            assert_eq!(row["actor_states"], row["runtime_states"], "{r}");
        }
        if let Some(c) = row["checker_states"].as_u64() {
            assert_eq!(Some(c), row["runtime_states"].as_u64(), "{r}");
        }
    }
    assert_eq!(
        compared,
        files.len() - 2,
        "the dup-network file and om are skipped"
    );
    let fault_free = &rows[1]["row"];
    assert_eq!(
        fault_free["differences"],
        serde_json::json!([]),
        "{fault_free}"
    );
}
