//! Command-line interface. Doc comments on these structs are the `--help` text.
//!
//! Exit codes: 0 = every checked property holds (`check`) or every verdict is as expected
//! (`verify`); 1 = a property is violated, unknown (bounded run) or vacuous, or a verdict differs
//! from the expected one; 2 = bad usage or bad input (one line on stderr).

use crate::app::modelfile::ModelFile;
use crate::app::registry::{ModelEntry, Registry};
use crate::app::verify;
use crate::engine::checker::{Options, Strategy};
use crate::error::{Error, Result};
use crate::models::params::RunSpec;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Exhaustive model checking of broadcast and agreement algorithms.
///
/// Each model is a textbook algorithm (Cachin-Guerraoui-Rodrigues, Lamport-Shostak-Pease, …)
/// run under crash-stop faults over a reliable network. broadcheck explores every
/// interleaving and prints, for each property, whether it holds, and if not, a step-by-step
/// counterexample.
///
/// Exit codes: 0 all properties hold / all verdicts as expected; 1 a property violated (or
/// unknown, or a verdict differing from the model file); 2 bad usage or bad input.
#[derive(Parser, Debug)]
#[command(name = "broadcheck", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the models (with parameters and claimed properties) and the property catalogue.
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Check one model against its claimed properties, or the ones given with --property.
    ///
    /// Example: broadcheck check beb --n 3 --f 1 --property RB4
    Check(CheckArgs),
    /// Run model files (default: models/) and compare every verdict with the expected one.
    Verify {
        /// Model files or folders of them.
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also write the results as JUnit XML to this file (one test case per check).
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Model files checked at once (default: the number of cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Run every file with these reductions instead of its own (por, symmetry, all, none):
        /// every verdict must stay the same. Unique-state pins are then not compared.
        #[arg(long, value_name = "NAMES")]
        reduce: Vec<String>,
    },
    /// Exact probability that a run satisfies a property (default PRB4 agreement).
    ///
    /// Random steps (gossip targets, lossy links) are weighted by their probability; the
    /// scheduler's choices (delivery order, timers, crashes) are not random, so the answer is
    /// the minimum and maximum over all schedulers, as a fraction and a decimal.
    ///
    /// Example: broadcheck prob eager-gossip --n 3 --param fanout=1   (prints 1/2)
    Prob(ProbArgs),
    /// Monte Carlo simulation of push gossip at scale (e.g. n = 10000): seeded, reproducible,
    /// with a confidence interval.
    ///
    /// Example: broadcheck simulate eager-gossip --n 10000 --param fanout=10 --runs 1000
    Simulate(SimulateArgs),
    /// Fanout sweep: simulated P(every process delivers) for each fanout t, beside the
    /// asymptote exp(-e^-c) with c = t - ln N; writes an SVG chart and a CSV table.
    ///
    /// Example: broadcheck sweep --n 1000 --svg sweep.svg --csv sweep.csv
    Sweep(SweepArgs),
    /// Build an overlay (partial views) and print its metrics: connectivity, accuracy after
    /// crashes, diameter, average shortest path, clustering, degree distribution.
    ///
    /// Exit code 1 if the connectivity invariant fails.
    ///
    /// Example: broadcheck overlay --n 1000 --overlay cyclon:8:1 --crash 100
    Overlay(OverlayArgs),
    /// Print a counterexample again from its replay handle (printed under every trace).
    Replay(ReplayArgs),
    /// Check the claims a model makes for the reductions on one configuration: `ignores` is
    /// a monotone no-op, renamings commute with steps, incremental fingerprints are those of
    /// the states. Names the first broken claim with a concrete state; exit 1 if one is broken.
    ///
    /// `check --reduce` runs the same audit first and refuses a model that fails it.
    ///
    /// Example: broadcheck audit eager-rb --n 3 --f 1
    Audit(AuditArgs),
    /// Write a new crate that checks your own algorithm: a skeleton protocol whose handlers
    /// carry the `upon event` comments, a registry adding it to the built-ins, model files
    /// (one holding, one failing), a README and a CI workflow running `verify`.
    ///
    /// Example: broadcheck new my-rb --path ../broadcheck
    New(NewArgs),
    /// Serve stateright's web Explorer on a model (loopback only by default).
    Explore(ExploreArgs),
    /// Measure the checker on fixed workloads: states/s, peak memory, bytes per state, the
    /// speed-up over a plain stateright ActorModel, and what each reduction saves.
    ///
    /// Every run is a child process of its own (its peak memory is its own). Takes several
    /// minutes; --quick runs small versions in seconds.
    Bench(BenchArgs),
}

#[derive(Args, Debug)]
struct BenchArgs {
    /// Small workloads only (seconds instead of minutes).
    #[arg(long)]
    quick: bool,
    /// Run only this workload (repeatable).
    #[arg(long, value_name = "WORKLOAD")]
    only: Vec<String>,
    /// Worker threads per run (default: the number of cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Seconds each run may take before it is stopped (its row then says BOUNDED).
    #[arg(long, default_value_t = 600.0)]
    timeout: f64,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Internal: run one measurement in this process and print it as JSON.
    #[arg(long, hide = true, value_name = "WORKLOAD")]
    one: Option<String>,
    /// Internal: the engine of --one (dfs, bfs, actor-bfs, actor-dfs).
    #[arg(long, hide = true, default_value = "dfs")]
    engine: String,
    /// Internal: the reductions of --one.
    #[arg(long, hide = true)]
    reduce: Vec<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum StrategyArg {
    Bfs,
    Dfs,
}

/// What to check: a model name or a model file, and its parameters.
#[derive(Args, Debug)]
struct Target {
    /// A model name (see `broadcheck list`) or a model file (FILE.toml).
    target: String,
    /// Number of processes (default: the model's, usually 3).
    #[arg(long)]
    n: Option<u32>,
    /// Number of crash faults injected (default 0).
    #[arg(long)]
    f: Option<u32>,
    /// A model parameter, e.g. --param network=fifo (repeatable).
    #[arg(long = "param", short = 'p', value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// A property to check, by textbook ID or name, e.g. RB4 or "uniform agreement"
    /// (repeatable; default: the properties the algorithm claims).
    #[arg(long = "property", short = 'P', value_name = "NAME")]
    properties: Vec<String>,
    /// State-space reductions: por (partial-order), symmetry, all, none (comma-separated or
    /// repeated). Verdicts are unchanged; state counts shrink.
    #[arg(long, value_name = "NAMES")]
    reduce: Vec<String>,
}

#[derive(Args, Debug)]
struct CheckArgs {
    #[command(flatten)]
    target: Target,
    /// Search order: bfs finds shortest counterexamples; dfs uses less memory.
    #[arg(long, value_enum)]
    strategy: Option<StrategyArg>,
    /// Worker threads. bfs: results do not depend on it. dfs: state counts and verdicts do
    /// not; which counterexample is found first may.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Do not explore beyond this depth (the run is then bounded).
    #[arg(long)]
    max_depth: Option<usize>,
    /// Stop after this many unique states (the run is then bounded).
    #[arg(long)]
    max_states: Option<usize>,
    /// Stop after this many seconds (the run is then bounded).
    #[arg(long)]
    timeout: Option<f64>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the first counterexample as a message sequence chart (mermaid or svg) to FILE.
    #[arg(long, num_args = 2, value_names = ["KIND", "FILE"])]
    diagram: Vec<String>,
}

#[derive(Args, Debug)]
struct ProbArgs {
    #[command(flatten)]
    target: Target,
    /// Stop after this many states; the result is then an interval, not an exact value.
    #[arg(long)]
    max_states: Option<usize>,
    /// Stop after this many seconds; the result is then an interval.
    #[arg(long)]
    timeout: Option<f64>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Settings shared by `simulate` and `sweep`.
#[derive(Args, Debug)]
struct SimArgs {
    /// Number of processes.
    #[arg(long, default_value_t = 1000)]
    n: u32,
    /// Processes crashed from the start (chosen at random, never the source p0).
    #[arg(long, default_value_t = 0)]
    f: u32,
    /// A model parameter, e.g. --param loss=0.1 (repeatable).
    #[arg(long = "param", short = 'p', value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// Independent runs (per fanout, for sweep).
    #[arg(long, default_value_t = 1000)]
    runs: u64,
    /// Seed of the random number generator: the same seed gives the same result.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Confidence level of the interval.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// Worker threads (default: the number of cores); results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Args, Debug)]
struct SimulateArgs {
    /// eager-gossip, flood or random-walk.
    model: String,
    #[command(flatten)]
    sim: SimArgs,
}

#[derive(Args, Debug)]
struct SweepArgs {
    /// eager-gossip (or another push model with a fanout).
    #[arg(long, default_value = "eager-gossip")]
    model: String,
    /// Fanouts to simulate: FROM..TO or a comma-separated list (default: ln N - 3 to ln N + 4).
    #[arg(long)]
    fanouts: Option<String>,
    /// Write the chart here (SVG).
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Write the table here (CSV).
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    #[command(flatten)]
    sim: SimArgs,
}

#[derive(Args, Debug)]
struct OverlayArgs {
    /// Number of processes.
    #[arg(long, default_value_t = 1000)]
    n: u32,
    /// full | ring:K | kout:K:SEED | cyclon:K:SEED[:ROUNDS].
    #[arg(long)]
    overlay: String,
    /// Crash this many random processes, then measure again.
    #[arg(long, default_value_t = 0)]
    crash: u32,
    /// Cyclon rounds run after the crashes (dead neighbours are dropped when contacted).
    #[arg(long, default_value_t = 20)]
    repair: u32,
    /// Seed for choosing who crashes and for Cyclon's choices after the crashes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Args, Debug)]
struct ReplayArgs {
    #[command(flatten)]
    target: Target,
    /// The replay handle, e.g. 0.0.2.3.
    handle: String,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the trace as a message sequence chart (mermaid or svg) to FILE.
    #[arg(long, num_args = 2, value_names = ["KIND", "FILE"])]
    diagram: Vec<String>,
}

/// Writes a chart of `handle` if `--diagram KIND FILE` was given.
fn write_diagram(
    entry: &dyn ModelEntry,
    spec: &RunSpec,
    handle: Option<&str>,
    diagram: &[String],
) -> Result<()> {
    let [kind, file] = diagram else {
        return Ok(());
    };
    let svg = match kind.as_str() {
        "svg" => true,
        "mermaid" => false,
        other => {
            return Err(Error::input(format!(
                "--diagram kind must be mermaid or svg (got '{other}')"
            )))
        }
    };
    let Some(h) = handle else {
        eprintln!("note: no counterexample, so no diagram written to {file}");
        return Ok(());
    };
    let text = entry.diagram(spec, h, svg)?;
    std::fs::write(file, text).map_err(|e| Error::Io(format!("cannot write {file}: {e}")))
}

#[derive(Args, Debug)]
struct AuditArgs {
    #[command(flatten)]
    target: Target,
    /// States audited at most (breadth-first from the initial states).
    #[arg(long, default_value_t = 20_000)]
    max_states: usize,
}

#[derive(Args, Debug)]
struct NewArgs {
    /// The directory to create; its last component is the crate's and the model's name.
    dir: PathBuf,
    /// Depend on a local checkout of broadcheck at this path.
    #[arg(long, conflicts_with = "git", value_name = "DIR")]
    path: Option<PathBuf>,
    /// Depend on broadcheck from this git repository URL.
    #[arg(long, value_name = "URL")]
    git: Option<String>,
}

#[derive(Args, Debug)]
struct ExploreArgs {
    #[command(flatten)]
    target: Target,
    /// Open the Explorer on the last state of this trace (a replay handle).
    #[arg(long, value_name = "HANDLE")]
    trace: Option<String>,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
    #[arg(long, default_value_t = 3000)]
    port: u16,
}

/// The whole command line with the built-in models; returns the exit code.
pub fn main() -> i32 {
    main_with(Registry::builtin())
}

/// The whole command line for the models of `reg` (a user's crate: the built-ins and its own,
/// `Registry::builtin().with(&MY_ENTRY)`): parses arguments, runs, prints; returns the exit
/// code.
pub fn main_with(reg: Registry) -> i32 {
    if let Err(e) = reg.validate() {
        eprintln!("error: {e}");
        return 2;
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return 0;
            }
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                let _ = e.print();
                return 2;
            }
            // One line: clap's message without its usage block.
            let text = e.render().to_string();
            let msg: Vec<&str> = text
                .lines()
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more"))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            eprintln!("{} (see 'broadcheck --help')", msg.join(" "));
            return 2;
        }
    };
    // A panic (a handler of the model that panics, a model error such as a send to a process
    // that does not exist) ends in one line and exit 2, never a backtrace.
    let last_panic = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
    let seen = last_panic.clone();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic".into());
        let at = info
            .location()
            .map(|l| format!(" (at {}:{})", l.file(), l.line()))
            .unwrap_or_default();
        if let Ok(mut slot) = seen.lock() {
            slot.get_or_insert(format!("{msg}{at}"));
        }
    }));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli, &reg)));
    match result {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            2
        }
        Err(_) => {
            let what = last_panic
                .lock()
                .ok()
                .and_then(|s| s.clone())
                .unwrap_or_else(|| "a panic".into());
            if what.starts_with("model error: ") {
                eprintln!("error: {what}");
            } else {
                eprintln!("error: model error: the model panicked: {what}");
            }
            2
        }
    }
}

fn out(text: &str) {
    let mut so = std::io::stdout().lock();
    let _ = so.write_all(text.as_bytes());
    let _ = so.flush();
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| Error::Io(format!("cannot encode JSON: {e}")))
}

fn run(cli: Cli, reg: &Registry) -> Result<i32> {
    match cli.command {
        Command::List { format } => {
            out(&list(reg, format)?);
            Ok(0)
        }
        Command::Check(args) => check(args, reg),
        Command::Verify {
            paths,
            format,
            junit,
            jobs,
            reduce,
        } => verify_cmd(reg, paths, format, junit, jobs, &reduce),
        Command::Prob(args) => prob(args, reg),
        Command::Simulate(args) => simulate(args, reg),
        Command::Sweep(args) => sweep(args, reg),
        Command::Overlay(args) => overlay(args, reg),
        Command::Replay(args) => replay(args, reg),
        Command::Explore(args) => explore(args, reg),
        Command::Bench(args) => bench(args, reg),
        Command::Audit(args) => audit(args, reg),
        Command::New(args) => new_crate(args),
    }
}

fn prob(a: ProbArgs, reg: &Registry) -> Result<i32> {
    let (entry, mut spec, _) = resolve(reg, &a.target)?;
    if a.target.properties.is_empty() {
        spec.properties = vec!["PRB4".into()];
    }
    if let Some(w) = spec
        .properties
        .iter()
        .find(|p| crate::engine::property::is_witness_key(p))
    {
        return Err(Error::input(format!(
            "'{w}' is a reachability witness, not a property of runs; prob needs a safety or liveness property"
        )));
    }
    let opts = crate::engine::prob::ProbOptions {
        max_states: a.max_states,
        timeout: a
            .timeout
            .map(|t| crate::app::modelfile::seconds("--timeout", t))
            .transpose()?,
    };
    let report = entry.prob(&spec, &opts)?;
    out(&match a.format {
        Format::Text => report.to_text(),
        Format::Json => json(&report.to_json())?,
    });
    Ok(0)
}

/// The simulation configuration of `model` from the shared arguments.
fn sim_config(reg: &Registry, model: &str, a: &SimArgs) -> Result<crate::sim::SimConfig> {
    let entry = reg.find(model)?;
    let mut spec = RunSpec::default();
    spec.add_params(&a.params)?;
    crate::sim::SimConfig::new(model, a.n, a.f, &spec.params, &entry.params())
}

/// A worker count given as `flag` (`--jobs`, `--threads`): at least 1; default one per core.
fn workers(flag: &str, v: Option<usize>) -> Result<usize> {
    match v {
        Some(0) => Err(Error::input(format!("{flag} must be at least 1"))),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

fn bench(a: BenchArgs, _reg: &Registry) -> Result<i32> {
    use crate::app::bench::{self as b, Engine, Measure};
    let threads = workers("--threads", a.threads)?;
    let timeout = crate::app::modelfile::seconds("--timeout", a.timeout)?;
    if let Some(name) = &a.one {
        let engine = Engine::parse(&a.engine)
            .ok_or_else(|| Error::input(format!("unknown engine '{}'", a.engine)))?;
        let reduce = crate::engine::reductions::Reductions::parse(&a.reduce)?;
        let m = b::run_one(a.quick, name, engine, reduce, threads, timeout)?;
        out(&(serde_json::to_string(&m).map_err(|e| Error::Io(e.to_string()))? + "\n"));
        return Ok(0);
    }
    let list = if a.quick { b::QUICK } else { b::WORKLOADS };
    for name in &a.only {
        b::find(list, name)?;
    }
    let exe = std::env::current_exe()
        .map_err(|e| Error::Io(format!("cannot find this executable: {e}")))?;
    let mut ms: Vec<Measure> = Vec::new();
    for w in list
        .iter()
        .filter(|w| a.only.is_empty() || a.only.iter().any(|o| o == w.name))
    {
        for (engine, reduce) in w.runs {
            let names = reduce.names();
            let mut cmd = std::process::Command::new(&exe);
            cmd.args(["bench", "--one", w.name, "--engine", engine.key()])
                .args(["--threads", &threads.to_string()])
                .args([
                    "--timeout",
                    &w.budget.map_or(a.timeout, |b| b.min(a.timeout)).to_string(),
                ]);
            if a.quick {
                cmd.arg("--quick");
            }
            if !names.is_empty() {
                cmd.args(["--reduce", &names.join(",")]);
            }
            eprint!(
                "bench: {} / {} / {} ... ",
                w.name,
                engine.name(),
                names.join("+")
            );
            let m = run_child(cmd, timeout + std::time::Duration::from_secs(60)).unwrap_or_else(
                |why| Measure {
                    workload: w.name.into(),
                    engine: *engine,
                    reduce: names.iter().map(|s| s.to_string()).collect(),
                    threads,
                    unique_states: 0,
                    seconds: 0.0,
                    exhaustive: false,
                    peak_kib: 0,
                    checker_bytes: None,
                    error: Some(why),
                },
            );
            eprintln!("{:.2} s", m.seconds);
            ms.push(m);
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    out(&match a.format {
        Format::Text => b::table(&ms, threads, cores),
        Format::Json => json(&serde_json::json!({
            "cores": cores,
            "threads": threads,
            "runs": ms,
            "summary": b::summary(&ms),
        }))?,
    });
    Ok(0)
}

/// Runs a `bench --one` child, killing it after `limit`; its measurement or why there is none.
fn run_child(
    mut cmd: std::process::Command,
    limit: std::time::Duration,
) -> std::result::Result<crate::app::bench::Measure, String> {
    use std::process::Stdio;
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let start = std::time::Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("killed after {:.0} s", limit.as_secs_f64()));
            }
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(50)),
            Err(e) => return Err(format!("wait failed: {e}")),
        }
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("no output: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    match text.lines().last().map(serde_json::from_str) {
        Some(Ok(m)) => Ok(m),
        _ => {
            let err = String::from_utf8_lossy(&output.stderr);
            Err(format!(
                "failed ({}): {}",
                output.status,
                err.lines().last().unwrap_or("no message")
            ))
        }
    }
}

fn simulate(a: SimulateArgs, reg: &Registry) -> Result<i32> {
    let cfg = sim_config(reg, &a.model, &a.sim)?;
    let s = &a.sim;
    let est = crate::sim::simulate(
        &cfg,
        s.runs,
        s.seed,
        s.confidence,
        workers("--threads", s.threads)?,
    )?;
    out(&match s.format {
        Format::Text => est.to_text(&cfg),
        Format::Json => json(&est)?,
    });
    Ok(0)
}

/// `3..9` or `3,5,8`.
fn parse_fanouts(text: &str) -> Result<Vec<u32>> {
    let bad = || {
        Error::input(format!(
            "--fanouts must be FROM..TO or a list like 3,5,8, at most 1000 values (got '{text}')"
        ))
    };
    if let Some((a, b)) = text.split_once("..") {
        let a: u32 = a.trim().parse().map_err(|_| bad())?;
        let b: u32 = b.trim().parse().map_err(|_| bad())?;
        if a == 0 || a > b || b - a >= 1000 {
            return Err(bad());
        }
        Ok((a..=b).collect())
    } else {
        let mut v = text
            .split(',')
            .map(|x| x.trim().parse::<u32>().map_err(|_| bad()))
            .collect::<Result<Vec<u32>>>()?;
        v.sort_unstable();
        v.dedup();
        if v.len() > 1000 {
            return Err(bad());
        }
        Ok(v)
    }
}

fn sweep(a: SweepArgs, reg: &Registry) -> Result<i32> {
    if a.sim
        .params
        .iter()
        .any(|p| p.trim_start().starts_with("fanout"))
    {
        return Err(Error::input(
            "sweep varies the fanout itself; use --fanouts",
        ));
    }
    let base = sim_config(reg, &a.model, &a.sim)?;
    if a.model != "eager-gossip" {
        return Err(Error::input(format!(
            "sweep varies the fanout of eager-gossip (got '{}')",
            a.model
        )));
    }
    let ln_n = f64::from(a.sim.n).ln();
    let fanouts = match &a.fanouts {
        Some(t) => parse_fanouts(t)?,
        None => {
            let mid = ln_n.round() as i64;
            ((mid - 3).max(1)..=(mid + 4).min(i64::from(a.sim.n) - 1))
                .map(|t| t as u32)
                .collect()
        }
    };
    let s = &a.sim;
    let rows = crate::sim::sweep(
        &base,
        &fanouts,
        s.runs,
        s.seed,
        s.confidence,
        workers("--threads", s.threads)?,
    )?;
    let title = format!(
        "{}: P(all {} processes deliver) vs fanout ({} runs each, seed {})",
        a.model, s.n, s.runs, s.seed
    );
    if let Some(path) = &a.svg {
        std::fs::write(path, crate::sim::plot::sweep_svg(&title, s.n, &rows))
            .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))?;
    }
    let csv = crate::sim::sweep_csv(&rows);
    if let Some(path) = &a.csv {
        std::fs::write(path, &csv)
            .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))?;
    }
    out(&match s.format {
        Format::Json => json(&rows)?,
        Format::Text => {
            let mut t = format!("{title}\nln N = {ln_n:.4}\n");
            t += &format!(
                "{:>6}  {:>7}  {:>9}  {:>21}  {:>10}\n",
                "fanout", "c", "P sim", "confidence interval", "exp(-e^-c)"
            );
            for r in &rows {
                t += &format!(
                    "{:>6}  {:>7.3}  {:>9.4}  [{:>8.4}, {:>8.4}]  {:>10.4}\n",
                    r.fanout, r.c, r.p_hat, r.ci_low, r.ci_high, r.asymptotic
                );
            }
            t
        }
    });
    Ok(0)
}

fn overlay(a: OverlayArgs, _reg: &Registry) -> Result<i32> {
    let spec = crate::overlay::OverlaySpec::parse(&a.overlay)?;
    let r = crate::overlay::measure(&spec, &a.overlay, a.n, a.crash, a.repair, a.seed)?;
    out(&match a.format {
        Format::Text => r.to_text(),
        Format::Json => json(&r)?,
    });
    Ok(if r.connected() { 0 } else { 1 })
}

/// States audited before `check --reduce` runs.
const AUDIT_BEFORE_REDUCING: usize = 20_000;

fn audit(a: AuditArgs, reg: &Registry) -> Result<i32> {
    let (entry, mut spec, _) = resolve(reg, &a.target)?;
    if a.target.reduce.is_empty() {
        spec.reduce = crate::engine::reductions::Reductions {
            por: true,
            symmetry: true,
        };
    }
    let problems = entry.audit(&spec, a.max_states)?;
    let name = entry.info().name;
    if problems.is_empty() {
        out(&format!(
            "audit {name}: every reduction claim holds on the first {} states of this configuration\n",
            a.max_states
        ));
        Ok(0)
    } else {
        let mut s = format!("audit {name}: {} broken claim(s)\n", problems.len());
        for p in &problems {
            s += &format!("  - {p}\n");
        }
        out(&s);
        Ok(1)
    }
}

/// Refuses reductions on a model whose audit fails (one line naming the first broken claim).
fn audit_before_reducing(entry: &dyn ModelEntry, spec: &RunSpec) -> Result<()> {
    if !spec.reduce.por && !spec.reduce.symmetry {
        return Ok(());
    }
    let problems = entry.audit(spec, AUDIT_BEFORE_REDUCING)?;
    match problems.first() {
        None => Ok(()),
        Some(p) => Err(Error::input(format!(
            "--reduce refused: {} breaks a reduction claim: {p} (see 'broadcheck audit {}')",
            entry.info().name,
            entry.info().name
        ))),
    }
}

fn new_crate(a: NewArgs) -> Result<i32> {
    use crate::app::scaffold::{create, Dependency};
    let name = a
        .dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::input(format!("{} has no usable name", a.dir.display())))?
        .to_string();
    let dep = match (a.path, a.git) {
        (Some(p), _) => Dependency::Path(
            std::fs::canonicalize(&p)
                .map_err(|e| Error::input(format!("--path {}: {e}", p.display())))?,
        ),
        (None, Some(url)) => Dependency::Git(url),
        (None, None) => {
            return Err(Error::input(
                "say where broadcheck comes from: --path DIR (a local checkout) or --git URL",
            ))
        }
    };
    let written = create(&a.dir, &name, &dep)?;
    let mut s = format!("created {} ({name}):\n", a.dir.display());
    for f in written {
        s += &format!("  {}\n", f.display());
    }
    s += &format!(
        "next:\n  cd {}\n  cargo run --release -- check {name} --n 3 --f 1 -P RB4\n  cargo run --release -- verify\n",
        a.dir.display()
    );
    out(&s);
    Ok(0)
}

fn replay(a: ReplayArgs, reg: &Registry) -> Result<i32> {
    let (entry, spec, _) = resolve(reg, &a.target)?;
    let report = entry.replay(&spec, &a.handle)?;
    write_diagram(entry, &spec, Some(&a.handle), &a.diagram)?;
    out(&match a.format {
        Format::Text => report.to_text(),
        Format::Json => json(&report)?,
    });
    let violated = report
        .properties
        .iter()
        .any(|p| p.status == crate::engine::checker::Status::Violated);
    Ok(if violated { 1 } else { 0 })
}

/// Resolves a target into a model and a run spec (a model file's settings, overridden by flags).
fn resolve(
    reg: &Registry,
    t: &Target,
) -> Result<(&'static dyn ModelEntry, RunSpec, Option<ModelFile>)> {
    let is_file = t.target.ends_with(".toml") || Path::new(&t.target).is_file();
    let (mut spec, file) = if is_file {
        let mf = ModelFile::load(Path::new(&t.target))?;
        (mf.run_spec()?, Some(mf))
    } else {
        (
            RunSpec {
                model: t.target.clone(),
                ..RunSpec::default()
            },
            None,
        )
    };
    let entry = reg.find(&spec.model)?;
    if t.n.is_some() {
        spec.n = t.n;
    }
    if t.f.is_some() {
        spec.f = t.f;
    }
    spec.add_params(&t.params)?;
    if !t.properties.is_empty() {
        spec.properties = t.properties.clone();
    }
    if !t.reduce.is_empty() {
        spec.reduce = crate::engine::reductions::Reductions::parse(&t.reduce)?;
    }
    Ok((entry, spec, file))
}

fn check(a: CheckArgs, reg: &Registry) -> Result<i32> {
    let (entry, spec, file) = resolve(reg, &a.target)?;
    let mut opts = match &file {
        Some(mf) => mf.options()?,
        None => Options::default(),
    };
    if let Some(s) = a.strategy {
        opts.strategy = match s {
            StrategyArg::Bfs => Strategy::Bfs,
            StrategyArg::Dfs => Strategy::Dfs,
        };
    }
    if a.threads == 0 {
        return Err(Error::input("--threads must be at least 1"));
    }
    opts.threads = a.threads;
    if std::io::stderr().is_terminal() && std::env::var_os("CI").is_none() {
        opts.progress = Some(show_progress);
    }
    if a.max_depth.is_some() {
        opts.max_depth = a.max_depth;
    }
    if a.max_states.is_some() {
        opts.max_states = a.max_states;
    }
    if let Some(t) = a.timeout {
        opts.timeout = Some(crate::app::modelfile::seconds("--timeout", t)?);
    }
    if let [kind, _] = a.diagram.as_slice() {
        if kind != "svg" && kind != "mermaid" {
            return Err(Error::input(format!(
                "--diagram kind must be mermaid or svg (got '{kind}')"
            )));
        }
    }
    audit_before_reducing(entry, &spec)?;
    let report = entry.check(&spec, &opts)?;
    if opts.progress.is_some() {
        eprint!("\r\x1b[K");
    }
    let first = report
        .properties
        .iter()
        .find(|p| p.status == crate::engine::checker::Status::Violated)
        .and_then(|p| p.handle.clone());
    write_diagram(entry, &spec, first.as_deref(), &a.diagram)?;
    out(&match a.format {
        Format::Text => report.to_text(),
        Format::Json => json(&report)?,
    });
    Ok(if report.all_hold() { 0 } else { 1 })
}

/// The progress line on stderr (terminals only).
fn show_progress(p: &crate::engine::checker::Progress) {
    let secs = p.elapsed.as_secs_f64();
    let rate = p.states as f64 / secs.max(1e-9);
    eprint!(
        "\r{} states, {} unique, {:.0} states/s, depth {}, {:.0} s   ",
        p.states, p.unique_states, rate, p.depth, secs
    );
}

fn verify_cmd(
    reg: &Registry,
    paths: Vec<PathBuf>,
    format: Format,
    junit: Option<PathBuf>,
    jobs: Option<usize>,
    reduce: &[String],
) -> Result<i32> {
    let reduce = if reduce.is_empty() {
        None
    } else {
        Some(crate::engine::reductions::Reductions::parse(reduce)?)
    };
    let paths = if paths.is_empty() {
        vec![PathBuf::from("models")]
    } else {
        paths
    };
    let files = verify::collect(&paths)?;
    let results = verify::verify_all(reg, &files, workers("--jobs", jobs)?, reduce)?;
    if let Some(path) = &junit {
        std::fs::write(path, verify::junit(&results))
            .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))?;
    }
    let mismatches: usize = results
        .iter()
        .map(|r| r.rows.iter().filter(|x| !x.ok).count())
        .sum();
    match format {
        Format::Json => out(&json(&results)?),
        Format::Text => {
            let mut s = String::new();
            let fw = results
                .iter()
                .map(|r| r.path.len())
                .max()
                .unwrap_or(4)
                .max(4);
            let pw = results
                .iter()
                .flat_map(|r| r.rows.iter().map(|x| x.what.len()))
                .max()
                .unwrap_or(8)
                .max(8);
            let label = |r: &verify::FileResult| {
                let p = &r.report.params;
                format!("{} n={} f={}", r.report.model, p["n"], p["f"])
            };
            let mw = results
                .iter()
                .map(|r| label(r).len())
                .max()
                .unwrap_or(5)
                .max(5);
            s += &format!(
                "{:<fw$}  {:<mw$}  {:<pw$}  {:<11}  {:<11}\n",
                "FILE", "MODEL", "CHECK", "EXPECTED", "ACTUAL"
            );
            let checks: usize = results.iter().map(|r| r.rows.len()).sum();
            for r in &results {
                let rep = &r.report;
                let model = label(r);
                for (i, row) in r.rows.iter().enumerate() {
                    let (file, m) = if i == 0 {
                        (r.path.as_str(), model.as_str())
                    } else {
                        ("", "")
                    };
                    let mark = if row.ok { "ok" } else { "MISMATCH" };
                    s += &format!(
                        "{file:<fw$}  {m:<mw$}  {:<pw$}  {:<11}  {:<11}  {mark}\n",
                        row.what, row.expected, row.actual
                    );
                }
                let scope = if rep.exhaustive {
                    "exhaustive".to_string()
                } else if let Some(b) = &rep.bound {
                    format!("bounded: {b}")
                } else {
                    "stopped early".into()
                };
                s += &format!(
                    "{:<fw$}  {:<mw$}  ({scope}, {:.2} s)\n",
                    "", "", rep.seconds
                );
            }
            s += &format!(
                "\nverify: {} file(s), {checks} check(s), {mismatches} mismatch(es)\n",
                results.len()
            );
            out(&s);
        }
    }
    Ok(if mismatches == 0 { 0 } else { 1 })
}

fn explore(a: ExploreArgs, reg: &Registry) -> Result<i32> {
    let (entry, spec, _) = resolve(reg, &a.target)?;
    let ip: std::net::IpAddr = a
        .bind
        .parse()
        .map_err(|_| Error::input(format!("--bind expects an IP address (got '{}')", a.bind)))?;
    let addr = std::net::SocketAddr::new(ip, a.port);
    let suffix = match &a.trace {
        Some(h) => {
            let r = entry.replay(&spec, h)?;
            r.properties
                .iter()
                .find_map(|p| p.explorer_path.clone())
                .unwrap_or_default()
        }
        None => String::new(),
    };
    entry.explore(&spec, addr, &|url| {
        eprintln!(
            "Explorer for {} at {url}{suffix}  (Ctrl-C to stop)",
            spec.model
        );
    })?;
    Ok(0)
}

fn list(reg: &Registry, format: Format) -> Result<String> {
    #[derive(serde::Serialize)]
    struct ParamOut {
        key: &'static str,
        default: String,
        values: Vec<&'static str>,
        help: &'static str,
    }
    #[derive(serde::Serialize)]
    struct ModelOut {
        name: &'static str,
        title: &'static str,
        source: &'static str,
        fault_model: &'static str,
        tolerance: &'static str,
        claims: Vec<&'static str>,
        /// Every property the model can be checked against, by ID.
        properties: Vec<&'static str>,
        params: Vec<ParamOut>,
    }
    #[derive(serde::Serialize)]
    struct PropOut {
        id: &'static str,
        aliases: &'static [&'static str],
        name: &'static str,
        kind: &'static str,
        definition: &'static str,
    }
    let models: Vec<ModelOut> = reg
        .entries()
        .iter()
        .map(|e| {
            let i = e.info();
            let default_f = e.default_f();
            let mut params = vec![
                ParamOut {
                    key: "n",
                    default: i.default_n.to_string(),
                    values: vec![],
                    help: "number of processes (1-16)",
                },
                ParamOut {
                    key: "f",
                    default: default_f.to_string(),
                    values: vec![],
                    help: "faults injected (0-n): crashes, or traitors for Byzantine models",
                },
            ];
            params.extend(e.params().into_iter().map(|p| ParamOut {
                key: p.key,
                default: p.default.to_string(),
                values: p.values.to_vec(),
                help: p.help,
            }));
            ModelOut {
                name: i.name,
                title: i.title,
                source: i.source,
                fault_model: i.fault_model,
                tolerance: i.tolerance,
                claims: i.claims.iter().map(|c| c.name).collect(),
                properties: e.catalogue().iter().map(|p| p.id).collect(),
                params,
            }
        })
        .collect();
    let props: Vec<PropOut> = reg
        .catalogue()
        .into_iter()
        .map(|p| PropOut {
            id: p.id,
            aliases: p.aliases,
            name: p.name,
            kind: p.kind.name(),
            definition: p.about,
        })
        .collect();
    if format == Format::Json {
        #[derive(serde::Serialize)]
        struct All {
            models: Vec<ModelOut>,
            properties: Vec<PropOut>,
        }
        return json(&All {
            models,
            properties: props,
        });
    }
    let mut s = String::from("MODELS\n");
    for m in &models {
        s += &format!("\n  {:<18} {} ({})\n", m.name, m.title, m.source);
        s += &format!(
            "  {:<18} faults: {}; tolerates {}\n",
            "", m.fault_model, m.tolerance
        );
        s += &format!("  {:<18} claims: {}\n", "", m.claims.join(", "));
        for p in &m.params {
            let vals = if p.values.is_empty() {
                String::new()
            } else {
                format!(" [{}]", p.values.join("|"))
            };
            s += &format!(
                "  {:<18}   --{} {}  (default {}){vals}: {}\n",
                "",
                if p.key == "n" || p.key == "f" {
                    p.key
                } else {
                    "param"
                },
                if p.key == "n" || p.key == "f" {
                    "N".to_string()
                } else {
                    format!("{}=…", p.key)
                },
                p.default,
                p.help
            );
        }
    }
    s += "\nPROPERTIES (a model can be checked against any property of its runtime: a broadcast model against any broadcast property, an agreement model against any agreement property; `list --format json` gives each model's)\n\n";
    for p in &props {
        s += &format!("  {:<28} {:<9} {}\n", p.name, p.kind, p.definition);
    }
    Ok(s)
}
