//! The contract on bad and unusual input (issue 17): lasso replays, names that are not paths,
//! parameters with nothing or white space in them, failed writes, files that are not files,
//! thread and run bounds, and the Explorer's directory, port and connections.

mod common;

use common::*;
use std::process::{Command, Stdio};
use std::time::Duration;

/// A check's first counterexample handle for `prop` (from its JSON report).
fn handle(args: &[&str]) -> String {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let o = run(&all);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    v["properties"][0]["handle"]
        .as_str()
        .expect("a counterexample handle")
        .to_string()
}

#[test]
fn lasso_handles_replay_the_lasso() {
    for (model, prop) in [
        ("stubborn-link", "SL1"),
        ("perfect-link", "PL1"),
        ("exactly-once", "DS1"),
        ("fair-loss-link", "PL1"),
    ] {
        let base = ["--n", "2", "--f", "0", "-p", "fairness=off", "-P", prop];
        let mut args = vec![model];
        args.extend_from_slice(&base);
        let h = handle(&args);
        let mut replay = vec!["replay", model];
        replay.extend_from_slice(&base);
        replay.push(&h);
        let o = run(&replay);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(1), "{model}: {out}");
        assert!(out.contains("VIOLATED"), "{model} {prop} {h}: {out}");
        if model != "fair-loss-link" {
            // (fair-loss-link's counterexample ends in a stop: the one copy is lost.)
            assert!(out.contains("↻"), "{model}: the cycle is shown: {out}");
        }
        // A prefix of the lasso is not a counterexample: unknown, said so, exit 1.
        let mut short = replay.clone();
        short.pop();
        short.push("0");
        let o = run(&short);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(1), "{out}");
        assert!(out.contains("UNKNOWN") && out.contains("not a fair-cycle counterexample"));
    }
}

#[test]
fn a_trace_that_is_no_counterexample_says_so() {
    let o = run(&["replay", "beb", "--n", "3", "--f", "1", "-P", "RB4", "0.0"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("the trace is not a counterexample"), "{out}");
}

#[test]
fn a_bare_name_is_a_model_never_a_file() {
    let dir = tmp_file("beb", "not a model file")
        .parent()
        .expect("dir")
        .to_path_buf();
    std::fs::write(dir.join("nosuchmodel"), "x").expect("write");
    let o = bin()
        .current_dir(&dir)
        .args(["check", "beb", "--n", "3", "--f", "1", "-P", "RB2"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("model    beb"), "{}", stdout(&o));
    let o = bin()
        .current_dir(&dir)
        .args(["check", "nosuchmodel"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("write ./nosuchmodel"), "{}", stderr(&o));
}

#[test]
fn parameters_need_a_value_and_no_white_space() {
    for model in [
        "eager-gossip",
        "flood",
        "random-walk",
        "lazy-push-gossip",
        "pull-gossip",
        "anti-entropy",
    ] {
        assert_input_error(
            &["check", model, "-p", "loss="],
            "needs both a key and a value",
        );
        assert_input_error(
            &["check", model, "-p", "ttl="],
            "needs both a key and a value",
        );
    }
    assert_input_error(&["check", "beb", "-p", "loss= "], "white space");
    assert_input_error(&["check", "beb", "-p", " msgs=1"], "white space");
    assert_input_error(&["check", "beb", "-p", "msgs =1"], "white space");
    assert_input_error(&["check", "beb", "-p", "msgs=\u{a0}1"], "white space");
    assert_input_error(
        &["check", "beb", "-p", "=1"],
        "needs both a key and a value",
    );
    assert_input_error(
        &["check", "beb", "-p", "msgs=1", "-p", "msgs=2"],
        "given twice",
    );
    assert_input_error(
        &["check", "sequencer-total-order", "-p", "sequencer=pp1"],
        "parameter sequencer",
    );
}

#[test]
fn failed_writes_are_exit_2() {
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full")
    };
    for args in [
        &["check", "beb", "--n", "3", "--f", "1", "--format", "json"][..],
        &["list"][..],
        &["verify", "models/beb-claims-hold.toml"][..],
    ] {
        let o = bin().args(args).stdout(full()).output().expect("runs");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
    }
    let o = bin()
        .args(["check", "bogus"])
        .stderr(full())
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_property_pinned_twice_is_bad_input() {
    let f = tmp_file(
        "twice.toml",
        r#"model = "beb"
description = "RB2 under two names"
n = 3
f = 1
[expect.properties]
RB2 = "holds"
BEB2 = "violated"
"#,
    );
    assert_input_error(
        &["verify", f.to_str().expect("path")],
        "pin the same property",
    );
}

#[test]
fn a_bounded_prob_is_unknown() {
    let o = run(&[
        "prob",
        "eager-rb",
        "--n",
        "3",
        "--f",
        "1",
        "--max-states",
        "20",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("bounded"), "{}", stdout(&o));
}

#[test]
fn files_that_are_not_files_are_refused() {
    assert_input_error(&["verify", "/dev/null"], "a device");
    assert_input_error(&["check", "/dev/null"], "a device");
    let dir = tmp_file("x", "").parent().expect("dir").to_path_buf();
    let fifo = dir.join("pipe.toml");
    let _ = std::fs::remove_file(&fifo);
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    assert_input_error(&["verify", fifo.to_str().expect("path")], "a named pipe");
    assert_input_error(&["check", fifo.to_str().expect("path")], "a named pipe");
    let looped = dir.join("loop.toml");
    let _ = std::fs::remove_file(&looped);
    std::os::unix::fs::symlink(&looped, &looped).expect("symlink");
    assert_input_error(
        &["verify", looped.to_str().expect("path")],
        "a symbolic link that cannot be followed",
    );
}

#[test]
fn thread_and_run_counts_are_bounded() {
    assert_input_error(
        &[
            "check",
            "eager-rb",
            "--strategy",
            "dfs",
            "--threads",
            "1000",
        ],
        "at most 256",
    );
    assert_input_error(
        &["check", "eager-rb", "--threads", "18446744073709551615"],
        "at most 256",
    );
    assert_input_error(&["verify", "--jobs", "100000"], "at most 256");
    assert_input_error(
        &[
            "simulate",
            "eager-gossip",
            "--n",
            "100",
            "--runs",
            "99999999999999",
        ],
        "--runs must be at most",
    );
}

/// `broadcheck-explorer-*` directories in the temporary directory.
fn explorer_dirs() -> Vec<std::path::PathBuf> {
    std::fs::read_dir(std::env::temp_dir())
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("broadcheck-explorer-"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_explorer_survives_idle_connections_and_cleans_up() {
    use std::io::{BufRead, Read, Write};
    let before = explorer_dirs();
    let mut child = bin()
        .args(["explore", "beb", "--n", "3", "--f", "1", "--port", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("explore starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stderr.take().expect("stderr"))
        .read_line(&mut line)
        .expect("the URL line");
    // --port 0 prints the port actually bound.
    let port: u16 = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in: {line}"));
    assert_ne!(port, 0, "{line}");
    // Its directory is new, private and its own.
    let new: Vec<_> = explorer_dirs()
        .into_iter()
        .filter(|d| !before.contains(d))
        .collect();
    assert_eq!(new.len(), 1, "{new:?}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&new[0])
        .expect("dir")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700, "{:o}", mode);
    // Idle sockets, more than it serves at once: it stays up, and serves again once they go.
    let idle: Vec<_> = (0..600)
        .filter_map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).ok())
        .collect();
    assert!(idle.len() > 300, "{} connections opened", idle.len());
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().expect("wait").is_none(),
        "the Explorer died"
    );
    drop(idle);
    let mut served = false;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(100));
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
            continue;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = write!(
            s,
            "GET /.status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        );
        let mut buf = String::new();
        let _ = s.read_to_string(&mut buf);
        if buf.starts_with("HTTP/1.1 200") {
            served = true;
            break;
        }
    }
    assert!(
        served,
        "the Explorer does not serve after the idle connections closed"
    );
    // Ctrl-C: exit 130 and the directory is gone.
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
    assert!(!new[0].exists(), "{} was not removed", new[0].display());
}
