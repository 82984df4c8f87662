//! `broadcheck bench`: fixed workloads, measured. Every measurement runs in a child process of
//! its own (the same binary, `bench --one …`), so its peak memory (`VmHWM` from
//! `/proc/self/status`) is its own, and a run that blows its time budget is killed without
//! taking the table with it.
//!
//! Per workload and configuration the table gives unique states, seconds, states per second,
//! peak memory, the visited set's bytes per unique state (`VISITED B`), the checker's bytes per
//! unique state (visited set plus the peak of the states waiting on the frontier or stack:
//! `B/STATE`), and whether the run was exhaustive.
//! The reference workload is also run on the plain stateright `ActorModel` baseline
//! ([`baseline`]), in the same run, for the speed-up.

pub mod baseline;

use crate::engine::outcome::{Options, Strategy};
use crate::engine::reductions::Reductions;
use crate::error::{Error, Result};
use crate::models::params::RunSpec;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Which checker a measurement uses.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// broadcheck's own search, depth-first.
    Dfs,
    /// broadcheck's own search, breadth-first.
    Bfs,
    /// broadcheck's breadth-first search beyond RAM: `--disk` under a 64 MB budget.
    BfsDisk,
    /// stateright's BFS on the plain `ActorModel` baseline.
    ActorBfs,
    /// stateright's DFS on the plain `ActorModel` baseline.
    ActorDfs,
    /// SPIN on the team's Promela model (`benches/spin/eager_rb.pml`), if `spin` and `cc`
    /// are installed: `spin -a`, `cc -O2 -DSAFETY`, `./pan -E`.
    Spin,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Dfs => "broadcheck dfs",
            Engine::Bfs => "broadcheck bfs",
            Engine::BfsDisk => "bfs --disk, 64M",
            Engine::ActorBfs => "ActorModel bfs",
            Engine::ActorDfs => "ActorModel dfs",
            Engine::Spin => "SPIN default",
        }
    }
    pub fn parse(s: &str) -> Option<Engine> {
        [
            Engine::Dfs,
            Engine::Bfs,
            Engine::BfsDisk,
            Engine::ActorBfs,
            Engine::ActorDfs,
            Engine::Spin,
        ]
        .into_iter()
        .find(|e| e.key() == s)
    }
    pub fn key(self) -> &'static str {
        match self {
            Engine::Dfs => "dfs",
            Engine::Bfs => "bfs",
            Engine::BfsDisk => "bfs-disk",
            Engine::ActorBfs => "actor-bfs",
            Engine::ActorDfs => "actor-dfs",
            Engine::Spin => "spin",
        }
    }
}

/// A fixed workload: a model configuration and the runs to make of it.
pub struct Workload {
    pub name: &'static str,
    pub what: &'static str,
    pub model: &'static str,
    pub n: u32,
    pub f: u32,
    pub params: &'static [(&'static str, &'static str)],
    /// (engine, reductions) pairs to measure.
    pub runs: &'static [(Engine, Reductions)],
    /// Seconds each run may take, if less than the bench's `--timeout` (a workload known not
    /// to finish is measured bounded).
    pub budget: Option<f64>,
}

const RAW: Reductions = Reductions {
    por: false,
    symmetry: false,
};
const POR: Reductions = Reductions {
    por: true,
    symmetry: false,
};
const SYM: Reductions = Reductions {
    por: false,
    symmetry: true,
};
const ALL: Reductions = Reductions {
    por: true,
    symmetry: true,
};

/// The workloads of the full benchmark.
pub const WORKLOADS: &[Workload] = &[
    Workload {
        name: "eager-rb",
        what: "eager RB (CGR Alg. 3.3), N=3, p0 and p1 broadcast once, bag network, no crashes",
        model: "eager-rb",
        n: 3,
        f: 0,
        params: &[("senders", "0,1")],
        runs: &[
            (Engine::Spin, RAW),
            (Engine::ActorBfs, RAW),
            (Engine::ActorDfs, RAW),
            (Engine::Bfs, RAW),
            (Engine::Dfs, RAW),
            (Engine::Dfs, POR),
            (Engine::Dfs, SYM),
            (Engine::Dfs, ALL),
        ],
        budget: None,
    },
    Workload {
        name: "eager-rb-all",
        what: "eager RB, N=3, every process broadcasts once (1,136^3 = 1.47e9 states unreduced)",
        model: "eager-rb",
        n: 3,
        f: 0,
        params: &[("senders", "all")],
        runs: &[(Engine::Dfs, POR), (Engine::Dfs, ALL)],
        budget: None,
    },
    Workload {
        name: "eager-rb-n4-f1",
        what: "eager RB, N=4, f=1, every process broadcasts once",
        model: "eager-rb",
        n: 4,
        f: 1,
        params: &[("senders", "all")],
        runs: &[(Engine::Dfs, POR), (Engine::Dfs, ALL)],
        budget: None,
    },
    Workload {
        name: "all-ack-urb-n4-f2",
        what: "All-Ack URB (CGR Alg. 3.4), n=4, f=2: 12.2 million states, in memory and on disk",
        model: "all-ack-urb",
        n: 4,
        f: 2,
        params: &[],
        runs: &[(Engine::Bfs, RAW), (Engine::BfsDisk, RAW)],
        budget: Some(600.0),
    },
    Workload {
        name: "om",
        what: "OM(1) Byzantine generals, n=4, f=1 (every traitor placement)",
        model: "om",
        n: 4,
        f: 1,
        params: &[],
        runs: &[(Engine::Dfs, RAW), (Engine::Bfs, RAW), (Engine::Dfs, ALL)],
        budget: None,
    },
    Workload {
        name: "om2-n7-f2",
        what: "OM(2), n=7, f=2 (every placement of two traitors)",
        model: "om",
        n: 7,
        f: 2,
        params: &[],
        runs: &[(Engine::Dfs, ALL)],
        budget: Some(300.0),
    },
    Workload {
        name: "majority-ack-urb",
        what: "Majority-Ack URB (CGR Alg. 3.5), n=4, f=1",
        model: "majority-ack-urb",
        n: 4,
        f: 1,
        params: &[],
        runs: &[
            (Engine::Dfs, RAW),
            (Engine::Bfs, RAW),
            (Engine::Dfs, POR),
            (Engine::Dfs, SYM),
            (Engine::Dfs, ALL),
        ],
        budget: None,
    },
    Workload {
        name: "causal-waiting",
        what: "waiting causal broadcast (CGR Alg. 3.15), n=3, p0 and p1 broadcast 2 messages each",
        model: "causal-waiting",
        n: 3,
        f: 0,
        params: &[("msgs", "2"), ("senders", "0,1")],
        runs: &[(Engine::Dfs, RAW), (Engine::Bfs, RAW), (Engine::Dfs, ALL)],
        budget: None,
    },
    Workload {
        name: "eager-gossip",
        what: "eager probabilistic broadcast (CGR Alg. 3.9), n=5, fanout 2, one crash",
        model: "eager-gossip",
        n: 5,
        f: 1,
        params: &[("fanout", "2")],
        runs: &[
            (Engine::Dfs, RAW),
            (Engine::Bfs, RAW),
            (Engine::Dfs, POR),
            (Engine::Dfs, ALL),
        ],
        budget: None,
    },
];

/// Small versions of some workloads, for the tests (`--quick`).
pub const QUICK: &[Workload] = &[
    Workload {
        name: "eager-rb",
        what: "eager RB, N=3, p1 broadcasts once",
        model: "eager-rb",
        n: 3,
        f: 0,
        params: &[("senders", "1")],
        runs: &[
            (Engine::ActorBfs, RAW),
            (Engine::Dfs, RAW),
            (Engine::Bfs, RAW),
            (Engine::Dfs, ALL),
        ],
        budget: None,
    },
    Workload {
        name: "om",
        what: "OM(1), n=4, f=1",
        model: "om",
        n: 4,
        f: 1,
        params: &[],
        runs: &[(Engine::Dfs, RAW), (Engine::Dfs, ALL)],
        budget: None,
    },
];

/// The memory budget of the [`Engine::BfsDisk`] runs.
const DISK_BUDGET: u64 = 64_000_000;

/// One measurement (what a child process prints as one JSON line).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Measure {
    pub workload: String,
    pub engine: Engine,
    pub reduce: Vec<String>,
    pub threads: usize,
    pub unique_states: usize,
    pub seconds: f64,
    pub exhaustive: bool,
    /// Peak resident memory of the process (`VmHWM`), in KiB.
    pub peak_kib: u64,
    /// Visited set and waiting states, in bytes (broadcheck engines only).
    pub checker_bytes: Option<crate::app::registry::CheckerBytes>,
    /// Why there is no figure (the run was killed, or failed).
    pub error: Option<String>,
}

impl Measure {
    pub fn states_per_sec(&self) -> f64 {
        self.unique_states as f64 / self.seconds.max(1e-9)
    }
}

/// A workload by name.
pub fn find(list: &'static [Workload], name: &str) -> Result<&'static Workload> {
    list.iter().find(|w| w.name == name).ok_or_else(|| {
        let names: Vec<&str> = list.iter().map(|w| w.name).collect();
        Error::input(format!(
            "unknown bench workload '{name}' (known: {})",
            names.join(", ")
        ))
    })
}

/// Peak resident memory of this process, in KiB (0 where `/proc` is not available).
pub fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs one measurement in this process (the child's side).
pub fn run_one(
    quick: bool,
    name: &str,
    engine: Engine,
    reduce: Reductions,
    threads: usize,
    timeout: Duration,
) -> Result<Measure> {
    let w = find(if quick { QUICK } else { WORKLOADS }, name)?;
    let reduce_names: Vec<String> = reduce.names().iter().map(|s| s.to_string()).collect();
    let mut peak = None;
    let (unique_states, seconds, exhaustive, checker_bytes) = match engine {
        Engine::Spin => {
            let r = spin(w)?;
            peak = Some(r.2);
            (r.0, r.1, true, None)
        }
        Engine::ActorBfs | Engine::ActorDfs => {
            let senders = actor_senders(w)?;
            let r = baseline::run(
                w.n as usize,
                &senders,
                engine == Engine::ActorDfs,
                threads,
                timeout,
            );
            (r.unique_states, r.seconds, r.complete, None)
        }
        Engine::Dfs | Engine::Bfs | Engine::BfsDisk => {
            let spec = RunSpec {
                reduce,
                ..RunSpec::of(w.model, w.n, w.f, w.params)
            };
            let entry = crate::app::registry::Registry::builtin().find(w.model)?;
            let opts = Options {
                strategy: if engine == Engine::Dfs {
                    Strategy::Dfs
                } else {
                    Strategy::Bfs
                },
                threads,
                timeout: Some(timeout),
                ..Options::default()
            };
            // The disk run's files, removed with the directory when the run ends.
            let dir = tempfile::tempdir().map_err(|e| Error::Io(format!("temp dir: {e}")))?;
            let opts = if engine == Engine::BfsDisk {
                crate::engine::stop::set_budget(DISK_BUDGET);
                Options {
                    disk: Some(crate::engine::outcome::DiskOptions {
                        dir: dir.path().to_path_buf(),
                        memory: None,
                    }),
                    ..opts
                }
            } else {
                opts
            };
            let (r, bytes) = entry.check_measured(&spec, &opts)?;
            (r.unique_states, r.seconds, r.exhaustive, Some(bytes))
        }
    };
    Ok(Measure {
        workload: w.name.into(),
        engine,
        reduce: reduce_names,
        threads,
        unique_states,
        seconds,
        exhaustive,
        peak_kib: peak.unwrap_or_else(peak_kib),
        checker_bytes,
        error: None,
    })
}

/// The Promela model of the reference workload (see `benches/spin/run.sh`).
pub const EAGER_RB_PML: &str = include_str!("../../../benches/spin/eager_rb.pml");

/// Runs SPIN on the reference workload: (states stored, pan's elapsed seconds, pan's total
/// memory in KiB).
fn spin(w: &Workload) -> Result<(usize, f64, u64)> {
    if w.model != "eager-rb" || w.n != 3 || w.params != [("senders", "0,1")] {
        return Err(Error::input(format!(
            "the Promela model is the eager-rb reference workload; {} is not",
            w.name
        )));
    }
    let dir = std::env::temp_dir().join(format!("broadcheck-spin-{}", std::process::id()));
    let io = |e: std::io::Error| Error::Io(format!("spin: {e}"));
    std::fs::create_dir_all(&dir).map_err(io)?;
    std::fs::write(dir.join("eager_rb.pml"), EAGER_RB_PML).map_err(io)?;
    let run = |prog: &str, args: &[&str]| -> Result<String> {
        let o = std::process::Command::new(prog)
            .args(args)
            .current_dir(&dir)
            .output()
            .map_err(|e| Error::Io(format!("{prog} is not installed or failed: {e}")))?;
        if !o.status.success() {
            return Err(Error::Io(format!("{prog} failed ({})", o.status)));
        }
        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
    };
    let result = (|| {
        run("spin", &["-a", "eager_rb.pml"])?;
        run("cc", &["-O2", "-DSAFETY", "-o", "pan", "pan.c"])?;
        run("./pan", &["-E"])
    })();
    let _ = std::fs::remove_dir_all(&dir);
    let text = result?;
    let field = |suffix: &str| {
        text.lines()
            .find(|l| l.contains(suffix))
            .and_then(|l| {
                l.split_whitespace()
                    .find(|x| x.parse::<f64>().is_ok())
                    .and_then(|x| x.parse::<f64>().ok())
            })
            .ok_or_else(|| Error::Io(format!("spin: no '{suffix}' in pan's output")))
    };
    let states = field("states, stored")? as usize;
    let secs = field("elapsed time")?;
    let mb = field("total actual memory usage")?;
    Ok((states, secs, (mb * 1024.0) as u64))
}

/// The baseline's senders, read off the workload's `senders` parameter.
fn actor_senders(w: &Workload) -> Result<Vec<usize>> {
    let s = w
        .params
        .iter()
        .find(|(k, _)| *k == "senders")
        .map_or("0", |(_, v)| v);
    if w.model != "eager-rb" || w.f != 0 {
        return Err(Error::input(format!(
            "the ActorModel baseline is eager RB without crashes; workload {} is not",
            w.name
        )));
    }
    if s == "all" {
        return Ok((0..w.n as usize).collect());
    }
    s.split(',')
        .map(|x| {
            x.trim()
                .parse()
                .map_err(|_| Error::input(format!("bad sender '{x}'")))
        })
        .collect()
}

/// The whole table as text.
pub fn table(ms: &[Measure], threads: usize, cores: usize) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "broadcheck bench: {cores} core(s), {threads} worker thread(s) per run; every run in its own process\n"
    );
    let _ = writeln!(
        s,
        "{:<17} {:<15} {:<14} {:>13} {:>9} {:>11} {:>9} {:>9} {:>8}  SCOPE",
        "WORKLOAD",
        "ENGINE",
        "REDUCE",
        "UNIQUE",
        "SECONDS",
        "STATES/S",
        "PEAK MB",
        "VISITED B",
        "B/STATE",
    );
    for m in ms {
        let reduce = if m.reduce.is_empty() {
            "none".to_string()
        } else {
            m.reduce.join("+")
        };
        if let Some(e) = &m.error {
            let _ = writeln!(
                s,
                "{:<17} {:<15} {:<14} {e}",
                m.workload,
                m.engine.name(),
                reduce
            );
            continue;
        }
        let per = |b: usize| format!("{:.1}", b as f64 / m.unique_states.max(1) as f64);
        let visited = m.checker_bytes.map_or("-".to_string(), |b| per(b.visited));
        let bps = m
            .checker_bytes
            .map_or("-".to_string(), |b| per(b.visited + b.pending));
        let _ = writeln!(
            s,
            "{:<17} {:<15} {:<14} {:>13} {:>9.2} {:>11.0} {:>9.1} {:>9} {:>8}  {}",
            m.workload,
            m.engine.name(),
            reduce,
            m.unique_states,
            m.seconds,
            m.states_per_sec(),
            m.peak_kib as f64 / 1024.0,
            visited,
            bps,
            if m.exhaustive {
                "exhaustive"
            } else {
                "BOUNDED"
            }
        );
    }
    let _ = writeln!(s);
    for line in summary(ms) {
        let _ = writeln!(s, "{line}");
    }
    s
}

/// Ratios: speed-up over the ActorModel baseline, state-count reductions, time to verdict.
pub fn summary(ms: &[Measure]) -> Vec<String> {
    let mut out = Vec::new();
    let get = |w: &str, e: Engine, r: &[&str]| {
        ms.iter()
            .find(|m| m.error.is_none() && m.workload == w && m.engine == e && m.reduce == r)
    };
    let mut workloads: Vec<&str> = ms.iter().map(|m| m.workload.as_str()).collect();
    workloads.dedup();
    for w in workloads {
        if let (Some(mem), Some(disk)) = (get(w, Engine::Bfs, &[]), get(w, Engine::BfsDisk, &[])) {
            let same = if mem.unique_states == disk.unique_states {
                "same state count".to_string()
            } else {
                format!(
                    "DIFFERENT state counts ({} vs {})",
                    disk.unique_states, mem.unique_states
                )
            };
            out.push(format!(
                "{w}: bfs --disk under a 64 MB budget runs at {:.2}x the in-memory bfs's states/s, peak RSS {:.2}x ({same})",
                disk.states_per_sec() / mem.states_per_sec().max(1e-9),
                disk.peak_kib as f64 / mem.peak_kib.max(1) as f64,
            ));
        }
        let ours = get(w, Engine::Dfs, &[]);
        if let Some(o) = ours.filter(|o| o.exhaustive) {
            for base in [Engine::Spin, Engine::ActorBfs, Engine::ActorDfs] {
                if let Some(b) = get(w, base, &[]).filter(|b| b.exhaustive) {
                    let same = if b.unique_states == o.unique_states {
                        "same state count".to_string()
                    } else {
                        format!(
                            "DIFFERENT state counts ({} vs {})",
                            o.unique_states, b.unique_states
                        )
                    };
                    out.push(format!(
                        "{w}: broadcheck dfs is {:.1}x {} in states/s ({same})",
                        o.states_per_sec() / b.states_per_sec().max(1e-9),
                        base.name()
                    ));
                }
            }
            for (r, label) in [
                (&["por"][..], "por"),
                (&["symmetry"][..], "symmetry"),
                (&["por", "symmetry"][..], "por+symmetry"),
            ] {
                if let Some(x) = get(w, Engine::Dfs, r).filter(|x| x.exhaustive) {
                    out.push(format!(
                        "{w}: {label}: {:.1}x fewer states, verdict {:.1}x sooner ({:.3} s vs {:.3} s)",
                        o.unique_states as f64 / x.unique_states.max(1) as f64,
                        o.seconds / x.seconds.max(1e-6),
                        x.seconds,
                        o.seconds
                    ));
                    if let Some(sp) = get(w, Engine::Spin, &[]).filter(|s| s.exhaustive) {
                        out.push(format!(
                            "{w}: {label}: exhaustive verdict {:.1}x sooner than SPIN default ({:.3} s vs {:.2} s)",
                            sp.seconds / x.seconds.max(1e-6),
                            x.seconds,
                            sp.seconds
                        ));
                    }
                }
            }
        }
    }
    out
}
