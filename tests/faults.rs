//! Process fault models beyond crash-stop (`--param faults=`): omission faults on the
//! asynchronous runtime, what the traces say about them, their reductions, and bad input.

mod common;

use common::*;
use serde_json::Value;

/// `check … --format json` as parsed JSON (the exit code is the caller's business).
fn json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let o = run(&a);
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{a:?}: {e}: {}", stderr(&o)))
}

/// Each property's status by ID (witnesses left out).
fn verdicts(v: &Value) -> Vec<(String, String)> {
    v["properties"]
        .as_array()
        .expect("properties")
        .iter()
        .filter(|p| p["kind"] != "reachability")
        .map(|p| {
            (
                p["id"].as_str().unwrap_or_default().to_string(),
                p["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The omission counterexample names the faulty process and every omitted send, and the
/// faulty process is never said to crash.
#[test]
fn omission_trace_names_the_omitted_sends() {
    let o = run(&[
        "check",
        "lazy-rb",
        "--n",
        "3",
        "--f",
        "1",
        "--param",
        "faults=send-omission",
        "-P",
        "RB4",
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("faulty (send-omission): p0 (each may omit any of its sends; never crashes)"),
        "{out}"
    );
    assert!(
        out.contains("p0 omits [DATA m0.1] to p2 (p0 is send-omission-faulty)"),
        "{out}"
    );
    // A message to itself is local: never omitted.
    assert!(!out.contains("omits [DATA m0.1] to p0"), "{out}");
    assert!(!out.contains("p0 crashes"), "{out}");
    assert!(out.contains("delivered: p0 (faulty)"), "{out}");
    assert!(
        out.contains("(send-omission faults; the algorithm assumes fail-stop"),
        "{out}"
    );
    // The replay handle carries the fault kind and replays to the same verdict.
    let replay = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("replay:"))
        .expect("a replay line")
        .trim()
        .to_string();
    assert!(replay.contains("-p faults=send-omission"), "{replay}");
    let args: Vec<&str> = replay.split_whitespace().skip(1).collect();
    let r = run(&args);
    assert!(stdout(&r).contains("RB4 agreement"), "{}", stdout(&r));
    assert_eq!(r.status.code(), Some(1), "{}", stdout(&r));
}

/// General omission also loses receipts: the trace says the faulty receiver omitted them
/// (here p0, faulty, never receives what p1 and p2 broadcast).
#[test]
fn general_omission_names_the_omitted_receipt() {
    let v = json(&[
        "check",
        "beb",
        "--n",
        "3",
        "--f",
        "1",
        "--param",
        "faults=omission",
        "--param",
        "senders=all",
        "-P",
        "RB4",
        "--reduce",
        "none",
    ]);
    let rb4 = v["properties"]
        .as_array()
        .expect("properties")
        .iter()
        .find(|p| p["id"] == "RB4" && p["kind"] != "reachability")
        .expect("RB4")
        .clone();
    assert_eq!(rb4["status"], "violated");
    let end: Vec<&str> = rb4["end"]
        .as_array()
        .expect("end")
        .iter()
        .filter_map(|l| l.as_str())
        .collect();
    assert!(
        end.iter()
            .any(|l| l.starts_with("p0 omits the receipt of m1.1 from p1")),
        "the end of the trace names no omitted receipt: {end:?}"
    );
}

/// Every reduction keeps every verdict under both omission kinds (the soundness argument in
/// `runtime::faults` and `engine::reductions`: a receipt the receiver ignores for good is
/// taken at once whether or not it could be omitted, and renaming processes renames the
/// faulty set with them).
#[test]
fn reductions_keep_omission_verdicts() {
    let cases: &[(&str, &[&str])] = &[
        ("beb", &["-P", "BEB1", "-P", "RB4"]),
        ("eager-rb", &[]),
        ("lazy-rb", &[]),
        ("all-ack-urb", &[]),
        ("majority-ack-urb", &[]),
        ("fifo", &["--param", "msgs=2"]),
    ];
    for kind in ["send-omission", "omission"] {
        for (model, extra) in cases {
            let fault = format!("faults={kind}");
            let mut base = vec!["check", model, "--n", "3", "--f", "1", "--param", &fault];
            base.extend_from_slice(extra);
            let with = |r: &'static str| {
                let mut a = base.clone();
                a.extend(["--reduce", r]);
                json(&a)
            };
            let raw = with("none");
            assert_eq!(raw["exhaustive"], true, "{model} {kind}");
            for r in ["por", "symmetry", "all"] {
                let red = with(r);
                assert_eq!(
                    verdicts(&red),
                    verdicts(&raw),
                    "{model} {kind} --reduce {r} changed a verdict"
                );
                assert!(
                    red["unique_states"].as_u64() <= raw["unique_states"].as_u64(),
                    "{model} {kind} --reduce {r} explored more states"
                );
            }
        }
    }
}

/// A Byzantine sender's equivocation, named in the trace; the verdicts of the Byzantine runs
/// survive every reduction (a renaming maps the Byzantine set and its injected messages).
#[test]
fn byzantine_equivocation_is_named_and_reductions_keep_verdicts() {
    let o = run(&[
        "check",
        "echo-bcb",
        "--n",
        "3",
        "--f",
        "1",
        "--param",
        "faults=byzantine",
        "--param",
        "t=0",
        "-P",
        "BCB4",
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("faulty (byzantine): p0 (each runs no algorithm"),
        "{out}"
    );
    assert!(out.contains("p1 receives [SEND m0.1] from p0"), "{out}");
    assert!(out.contains("p2 receives [SEND m0.2] from p0"), "{out}");
    assert!(
        out.contains("correct p1 delivered m0.1 but correct p2 delivered m0.2: p0 made them deliver different messages"),
        "{out}"
    );
    for t in ["0", "1"] {
        let tp = format!("t={t}");
        let base = [
            "check",
            "echo-bcb",
            "--n",
            "3",
            "--f",
            "1",
            "--param",
            "faults=byzantine",
            "--param",
            &tp,
        ];
        let with = |r: &str| {
            let mut a = base.to_vec();
            a.extend(["--reduce", r]);
            json(&a)
        };
        let raw = with("none");
        assert_eq!(raw["exhaustive"], true, "t={t}");
        for r in ["por", "symmetry", "all"] {
            assert_eq!(verdicts(&with(r)), verdicts(&raw), "t={t} --reduce {r}");
        }
    }
}

/// `list` shows the fault kinds each model can inject.
#[test]
fn list_shows_fault_kinds() {
    let o = run(&["list"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0));
    let line_of = |model: &str| {
        let mut lines = out
            .lines()
            .skip_while(|l| !l.starts_with(&format!("  {model} ")));
        lines.nth(1).unwrap_or_default().to_string()
    };
    assert!(
        line_of("eager-rb").contains("injects: crash, send-omission, omission"),
        "{out}"
    );
    assert!(line_of("om").contains("injects: byzantine"), "{out}");
    assert!(
        line_of("echo-bcb").contains("injects: crash, send-omission, omission, byzantine"),
        "{out}"
    );
    assert!(
        line_of("majority-consensus").contains("injects: crash"),
        "{out}"
    );
}

/// A fault kind the runtime does not have, or one the chosen detector cannot serve, is one
/// line of bad input (exit 2).
#[test]
fn bad_fault_kinds_are_input_errors() {
    assert_input_error(&["check", "beb", "--param", "faults=byzantine"], "faults");
    assert_input_error(
        &[
            "check",
            "lazy-rb",
            "--f",
            "1",
            "--param",
            "faults=omission",
            "--param",
            "detector=heartbeat",
        ],
        "heartbeat",
    );
    assert_input_error(&["check", "om", "--param", "faults=omission"], "faults");
}
