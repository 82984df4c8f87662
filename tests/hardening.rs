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

/// The Explorer tests run one at a time: one of them counts the Explorer directories.
static EXPLORER: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn the_explorer_survives_idle_connections_and_cleans_up() {
    use std::io::{BufRead, Read, Write};
    let _one = EXPLORER.lock().unwrap_or_else(|e| e.into_inner());
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

/// Malformed HTTP, generated from a seed (printed on failure): the Explorer answers each with
/// a status line or closes, never dies, and still serves a good request afterwards. With
/// `--max-states` its background check stops and says so.
#[test]
fn the_explorer_survives_malformed_requests_and_bounds_its_check() {
    use std::io::{BufRead, Read, Write};
    let _one = EXPLORER.lock().unwrap_or_else(|e| e.into_inner());
    let seed: u64 = std::env::var("BROADCHECK_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1e55);
    let mut child = bin()
        .args([
            "explore",
            "eager-rb",
            "--reduce",
            "none",
            "--port",
            "0",
            "--max-states",
            "500",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("explore starts");
    let (tx, rx) = std::sync::mpsc::channel();
    let err = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the URL line");
    let port: u16 = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in: {line}"));
    let bounded = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
    assert!(
        bounded.contains("BOUNDED") && bounded.contains("500 generated states"),
        "{bounded}"
    );
    // A deterministic generator (xorshift) of broken requests.
    let mut x = seed;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let shapes: [&dyn Fn(u64) -> Vec<u8>; 10] = [
        &|r| {
            (0..(r % 300))
                .map(|i| ((r >> (i % 50)) & 0xff) as u8)
                .collect()
        },
        &|r| {
            format!(
                "GET /.status HTTP/1.1\r\nX: {}\r\n\r\n",
                "a".repeat(17_000 + (r % 100) as usize)
            )
            .into_bytes()
        },
        &|r| {
            format!(
                "POST /.runtocompletion HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
                70_000 + r % 1_000_000
            )
            .into_bytes()
        },
        &|_| b"GET /.status HTTP/1.1\r\nContent-Length: many\r\n\r\n".to_vec(),
        &|_| b"GET\r\n\r\n".to_vec(),
        &|r| format!("{} / HTTP/1.1\r\n\r\n", "X".repeat((r % 5000) as usize)).into_bytes(),
        &|_| b"GET / HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n".to_vec(),
        &|r| format!("GET /{} HTTP/1.1\r\n", "z".repeat((r % 3000) as usize)).into_bytes(),
        &|_| b"GET http://evil/ HTTP/1.1\r\n\r\n".to_vec(),
        &|r| format!("POST /.states HTTP/1.1\r\nContent-Length: 10\r\n\r\n{}", r).into_bytes(),
    ];
    // Each cap answers with its own status.
    let ask = |bytes: &[u8]| -> String {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connects");
        let _ = s.set_read_timeout(Some(Duration::from_secs(15)));
        let _ = s.write_all(bytes);
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut resp = String::new();
        let _ = s.read_to_string(&mut resp);
        resp.lines().next().unwrap_or("").to_string()
    };
    let big_head = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(20_000));
    assert_eq!(
        ask(big_head.as_bytes()),
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    assert_eq!(
        ask(b"POST /x HTTP/1.1\r\nContent-Length: 999999\r\n\r\n"),
        "HTTP/1.1 413 Payload Too Large"
    );
    assert_eq!(ask(b"garbage\r\n\r\n"), "HTTP/1.1 400 Bad Request");
    let mut answered = 0;
    let cases = 300;
    for case in 0..cases {
        let r = next();
        let bytes = shapes[(r % shapes.len() as u64) as usize](next());
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
            panic!("seed {seed:#x} case {case}: the Explorer stopped accepting");
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(15)));
        let _ = s.write_all(&bytes);
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut resp = Vec::new();
        let _ = s.read_to_end(&mut resp);
        if !resp.is_empty() {
            assert!(
                resp.starts_with(b"HTTP/1.1 "),
                "seed {seed:#x} case {case}: {:?}",
                String::from_utf8_lossy(&resp[..resp.len().min(200)])
            );
            answered += 1;
        }
    }
    assert!(
        child.try_wait().expect("wait").is_none(),
        "seed {seed:#x}: the Explorer died"
    );
    assert!(answered > cases / 2, "seed {seed:#x}: {answered} answered");
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connects");
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = write!(
        s,
        "GET /.status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    );
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    assert!(buf.starts_with("HTTP/1.1 200"), "seed {seed:#x}: {buf}");
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// The Explorer's background check obeys the memory budget: it stops expanding, says so, and
/// the Explorer keeps serving.
#[test]
fn the_explorer_obeys_the_memory_budget() {
    use std::io::BufRead;
    let _one = EXPLORER.lock().unwrap_or_else(|e| e.into_inner());
    let mut child = bin()
        .args([
            "--memory-limit",
            "60M",
            "explore",
            "eager-rb",
            "--reduce",
            "none",
            "--param",
            "msgs=2",
            "--port",
            "0",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("explore starts");
    let (tx, rx) = std::sync::mpsc::channel();
    let err = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the URL line");
    assert!(url.contains("http://127.0.0.1:"), "{url}");
    let bounded = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
    assert!(
        bounded.contains("BOUNDED") && bounded.contains("memory limit"),
        "{bounded}"
    );
    assert!(
        child.try_wait().expect("wait").is_none(),
        "the Explorer died"
    );
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert_eq!(child.wait().expect("wait").code(), Some(130));
}
