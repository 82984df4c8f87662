//! Search beyond RAM (`--disk`) and checkpoints (`--checkpoint`, `resume`), as a user runs
//! them: the same counts and verdicts as a plain in-memory check, a `kill -9` in the middle
//! of writing a checkpoint that leaves the previous one usable, and one line (exit 2) for a
//! checkpoint this run cannot use.

mod common;

use common::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a JSON report says: unique and generated states, and each property's status and
/// replay handle.
fn summary(o: &std::process::Output) -> (i32, serde_json::Value) {
    let v: serde_json::Value = serde_json::from_str(&stdout(o))
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(o), stderr(o)));
    let props: Vec<_> = v["properties"]
        .as_array()
        .expect("properties")
        .iter()
        .map(|p| (p["id"].clone(), p["status"].clone(), p["handle"].clone()))
        .collect();
    let s = serde_json::json!({
        "unique": v["unique_states"],
        "states": v["states"],
        "depth": v["max_depth"],
        "exhaustive": v["exhaustive"],
        "props": props,
    });
    (o.status.code().unwrap_or(-1), s)
}

fn tmp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("broadcheck-disk-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

const BEB: &[&str] = &["check", "beb", "--n", "3", "--f", "1", "--reduce", "none"];
const EAGER: &[&str] = &["check", "eager-rb", "--reduce", "none", "--param", "msgs=2"];

fn with(base: &[&str], more: &[&str]) -> Vec<String> {
    base.iter()
        .chain(more)
        .map(|s| s.to_string())
        .chain(["--format".to_string(), "json".to_string()])
        .collect()
}

fn run_s(args: &[String]) -> std::process::Output {
    bin().args(args).output().expect("runs")
}

#[test]
fn disk_runs_match_memory_runs() {
    for base in [BEB, EAGER] {
        let mem = summary(&run_s(&with(base, &[])));
        let dir = tmp_dir("match");
        let d = dir.to_string_lossy().to_string();
        for threads in ["1", "2"] {
            let o = run_s(&with(base, &["--disk", &d, "--threads", threads]));
            let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
            assert!(v["disk_bytes"].as_u64() > Some(0), "{}", stdout(&o));
            assert_eq!(summary(&o), mem, "{base:?} --disk, {threads} threads");
        }
        // A tight budget (every level's fingerprints spilled to the sorted file): the same.
        let o = bin()
            .args(["--memory-limit", "20M"])
            .args(with(base, &["--disk", &d]))
            .output()
            .expect("runs");
        assert_eq!(summary(&o), mem, "{base:?} --disk under 20M");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn disk_and_checkpoint_refuse_what_they_cannot_do() {
    let d = tmp_dir("refuse").to_string_lossy().to_string();
    let mut a: Vec<&str> = BEB.to_vec();
    a.extend(["--disk", &d, "--strategy", "dfs"]);
    assert_input_error(&a, "--disk");
    let mut a: Vec<&str> = BEB.to_vec();
    a.extend(["--checkpoint", &d, "--strategy", "dfs"]);
    assert_input_error(&a, "--checkpoint");
    assert_input_error(
        &["check", "stubborn-link", "--disk", &d],
        "cannot write its states to disk",
    );
    let mut a: Vec<&str> = BEB.to_vec();
    a.extend(["--fingerprint-bits", "8"]);
    assert_input_error(&a, "--fingerprint-bits");
    assert_input_error(&["resume", &d], "holds no checkpoint");
}

/// The unique-state count of the live checkpoint in `dir`, once one is there.
fn checkpointed(dir: &std::path::Path) -> Option<String> {
    std::fs::read_to_string(dir.join("CURRENT")).ok()
}

#[test]
fn a_kill_while_writing_a_checkpoint_leaves_the_previous_one() {
    let whole = summary(&run_s(&with(EAGER, &[])));
    let dir = tmp_dir("kill");
    let d = dir.to_string_lossy().to_string();
    // Each checkpoint write pauses half-way (after its fingerprints, before its states and
    // meta): the kill lands there, in the second write.
    let mut child = bin()
        .args(with(
            EAGER,
            &["--checkpoint", &d, "--checkpoint-every", "0"],
        ))
        .env("BROADCHECK_CHECKPOINT_STALL_MS", "400")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns");
    let start = Instant::now();
    let mut first = None;
    loop {
        assert!(start.elapsed() < Duration::from_secs(60), "no second write");
        if let Some(c) = checkpointed(&dir) {
            first.get_or_insert(c.clone());
            let writing = std::fs::read_dir(&dir)
                .expect("dir")
                .flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"));
            if writing && first.as_deref() == Some(c.as_str()) {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let _ = child.wait();
    assert_eq!(checkpointed(&dir), first, "CURRENT still names the first");
    let o = bin()
        .args(["resume", &d, "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(summary(&o), whole, "resumed after kill -9: {}", stderr(&o));
    // A second check into the same directory is refused: it would overwrite the run.
    let mut a: Vec<&str> = EAGER.to_vec();
    a.extend(["--checkpoint", &d]);
    assert_input_error(&a, "holds a checkpoint already");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_timeout_stop_is_checkpointed_and_resumed() {
    let whole = summary(&run_s(&with(EAGER, &[])));
    let dir = tmp_dir("timeout");
    let d = dir.to_string_lossy().to_string();
    let o = run_s(&with(EAGER, &["--checkpoint", &d, "--timeout", "0.000001"]));
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("\"checkpoint\""), "{text}");
    let o = bin().args(["resume", &d]).output().expect("runs");
    assert!(
        stdout(&o).contains("checkpoint  "),
        "the text report names its checkpoints: {}",
        stdout(&o)
    );
    // The finished run's last checkpoint, resumed again, finishes the same way.
    let o = bin()
        .args(["resume", &d, "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(summary(&o), whole);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_checkpoint_of_another_version_or_model_is_refused() {
    let dir = tmp_dir("version");
    let d = dir.to_string_lossy().to_string();
    let o = run_s(&with(EAGER, &["--checkpoint", &d, "--timeout", "0.000001"]));
    assert_eq!(o.status.code(), Some(1));
    let name = checkpointed(&dir).expect("a checkpoint");
    let meta = dir.join(name.trim()).join("meta.json");
    let text = std::fs::read_to_string(&meta).expect("meta");
    let ours = env!("CARGO_PKG_VERSION");
    std::fs::write(&meta, text.replace(ours, "0.0.0-other")).expect("write");
    assert_input_error(&["resume", &d], "broadcheck 0.0.0-other");
    // The same directory with another model's parameters in its tag.
    let msgs = r#"\"msgs\":\"2\""#;
    assert!(text.contains(msgs), "{text}");
    std::fs::write(&meta, text.replace(msgs, r#"\"msgs\":\"1\""#)).expect("write");
    assert_input_error(&["resume", &d], "another model");
    let _ = std::fs::remove_dir_all(&dir);
}
