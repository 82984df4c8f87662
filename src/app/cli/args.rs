//! The command line's definitions: each command's flags, whose doc comments are the `--help`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

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
    /// Memory budget (500M, 4G). Reaching it stops the run with a bounded report (exit 1).
    /// Default: 80 % of what this process may use (the lowest of its address-space limit, its
    /// cgroup's limit and the memory available).
    #[arg(long, global = true, value_name = "SIZE")]
    pub(super) memory_limit: Option<String>,
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
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
    /// Go on with a check from its last checkpoint (`check --checkpoint DIR`): same model,
    /// parameters and options; the same counts and verdicts as a run that never stopped.
    ///
    /// Example: broadcheck --memory-limit 8G resume ckpt/
    Resume(ResumeArgs),
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
    /// Run the algorithm on real UDP sockets on 127.0.0.1, one stateright actor per process,
    /// with real crashes, losses and delays; then judge the recorded run by the checker's own
    /// property predicates (liveness at the end of the run, and labelled so).
    ///
    /// Example: broadcheck run beb --n 3 --crash p0@after-sends:1
    Run(RunArgs),
    /// Judge a recorded run (JSON lines, docs/trace-format.md), from `run --trace-out` or from
    /// any implementation, by the checker's property predicates.
    ///
    /// Example: broadcheck check-trace run.jsonl --property RB4
    CheckTrace(CheckTraceArgs),
    /// Check model files twice, with broadcheck's search and with stateright's own checker on
    /// the algorithm's actor form, and print both verdicts and state counts side by side.
    /// Exit 1 if a verdict differs, or if counts differ where the encodings are isomorphic.
    ///
    /// Example: broadcheck conform models/beb-crash-violates-rb4.toml
    Conform(ConformArgs),
    /// Measure the checker on fixed workloads: states/s, peak memory, bytes per state, the
    /// speed-up over a plain stateright ActorModel, and what each reduction saves.
    ///
    /// Every run is a child process of its own (its peak memory is its own). Takes several
    /// minutes; --quick runs small versions in seconds.
    Bench(BenchArgs),
}

#[derive(Args, Debug)]
pub(super) struct RunArgs {
    /// A model name (see `broadcheck list`) or a model file (FILE.toml).
    pub(super) target: String,
    /// Number of processes (default: the model's).
    #[arg(long)]
    pub(super) n: Option<u32>,
    /// A model parameter, e.g. --param senders=all (repeatable).
    #[arg(long = "param", short = 'p', value_name = "KEY=VALUE")]
    pub(super) params: Vec<String>,
    /// A property to judge the run by (repeatable; default: the algorithm's claims).
    #[arg(long = "property", short = 'P', value_name = "NAME")]
    pub(super) properties: Vec<String>,
    /// Crash a process: pI@MS (MS milliseconds after the start) or pI@after-sends:K (at its
    /// send number K+1, cutting that handler's remaining sends). Repeatable.
    #[arg(long, value_name = "pI@WHEN")]
    pub(super) crash: Vec<String>,
    /// Probability that each datagram is dropped at its sender (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    pub(super) loss: f64,
    /// Hold each datagram for a random time in MIN..MAX milliseconds (e.g. 0..20).
    #[arg(long, value_name = "MIN..MAX")]
    pub(super) delay: Option<String>,
    /// Seed of every random draw of the run (losses, delays, gossip targets, timer gaps).
    #[arg(long, default_value_t = 1)]
    pub(super) seed: u64,
    /// Stop the run after this many seconds if it is not quiescent before.
    #[arg(long, default_value_t = 10.0)]
    pub(super) duration: f64,
    /// Heartbeat period of the failure detector, in milliseconds (models with a detector:
    /// CGR Alg. 2.5 over real timers).
    #[arg(long, default_value_t = 10, value_name = "MS")]
    pub(super) hb_period: u64,
    /// A process silent for longer than this many milliseconds is reported as crashed. Shorter
    /// than the delays, it makes the detector suspect live processes (PFD2 fails).
    #[arg(long, default_value_t = 60, value_name = "MS")]
    pub(super) hb_timeout: u64,
    /// Write the recorded run as JSON lines to FILE.
    #[arg(long, value_name = "FILE")]
    pub(super) trace_out: Option<PathBuf>,
    /// Write the run as a message sequence chart (mermaid or svg) to FILE.
    #[arg(long, num_args = 2, value_names = ["KIND", "FILE"])]
    pub(super) diagram: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(super) format: Format,
}

#[derive(Args, Debug)]
pub(super) struct CheckTraceArgs {
    /// The recorded run: JSON lines (docs/trace-format.md).
    pub(super) file: PathBuf,
    /// A property to judge it by (repeatable; default: every catalogue property one run can
    /// judge).
    #[arg(long = "property", short = 'P', value_name = "NAME")]
    pub(super) properties: Vec<String>,
    /// Number of processes (default: the trace's "run" header).
    #[arg(long)]
    pub(super) n: Option<u8>,
    /// Write the run as a message sequence chart (mermaid or svg) to FILE.
    #[arg(long, num_args = 2, value_names = ["KIND", "FILE"])]
    pub(super) diagram: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(super) format: Format,
}

#[derive(Args, Debug)]
pub(super) struct ConformArgs {
    /// Model files or folders of them (default: models/). Files of other runtimes are listed
    /// as skipped, with the reason.
    pub(super) paths: Vec<PathBuf>,
    /// States generated at most per stateright run, duplicates included (stateright's
    /// target_state_count); a row that reaches it is marked incomplete.
    #[arg(long, default_value_t = 20_000_000)]
    pub(super) max_states: usize,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(super) format: Format,
}

#[derive(Args, Debug)]
pub(super) struct BenchArgs {
    /// Small workloads only (seconds instead of minutes).
    #[arg(long)]
    pub(super) quick: bool,
    /// Run only this workload (repeatable).
    #[arg(long, value_name = "WORKLOAD")]
    pub(super) only: Vec<String>,
    /// Worker threads per run (default: the number of cores).
    #[arg(long)]
    pub(super) threads: Option<usize>,
    /// Seconds each run may take before it is stopped (its row then says BOUNDED).
    #[arg(long, default_value_t = 600.0)]
    pub(super) timeout: f64,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(super) format: Format,
    /// Internal: run one measurement in this process and print it as JSON.
    #[arg(long, hide = true, value_name = "WORKLOAD")]
    pub(super) one: Option<String>,
    /// Internal: the engine of --one (dfs, bfs, actor-bfs, actor-dfs).
    #[arg(long, hide = true, default_value = "dfs")]
    pub(super) engine: String,
    /// Internal: the reductions of --one.
    #[arg(long, hide = true)]
    pub(super) reduce: Vec<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    Text,
    Json,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum StrategyArg {
    Bfs,
    Dfs,
}

/// What to check: a model name or a model file, and its parameters.
#[derive(Args, Debug)]
pub(super) struct Target {
    /// A model name (see `broadcheck list`) or a model file (FILE.toml).
    pub(super) target: String,
    /// Number of processes (default: the model's, usually 3).
    #[arg(long)]
    pub(super) n: Option<u32>,
    /// Number of crash faults injected (default 0).
    #[arg(long)]
    pub(super) f: Option<u32>,
    /// A model parameter, e.g. --param network=fifo (repeatable).
    #[arg(long = "param", short = 'p', value_name = "KEY=VALUE")]
    pub(super) params: Vec<String>,
    /// A property to check, by textbook ID or name, e.g. RB4 or "uniform agreement"
    /// (repeatable; default: the properties the algorithm claims).
    #[arg(long = "property", short = 'P', value_name = "NAME")]
    pub(super) properties: Vec<String>,
    /// State-space reductions: por (partial-order), symmetry, all, none (comma-separated or
    /// repeated). Verdicts are unchanged; state counts shrink. check's default is auto: every
    /// reduction whose claims pass the audit (the report says which); replay, explore and
    /// model files without `reduce` use none.
    #[arg(long, value_name = "NAMES")]
    pub(super) reduce: Vec<String>,
}

#[derive(Args, Debug)]
pub(super) struct CheckArgs {
    #[command(flatten)]
    pub(super) target: Target,
    /// Search order: bfs finds shortest counterexamples; dfs uses less memory.
    #[arg(long, value_enum)]
    pub(super) strategy: Option<StrategyArg>,
    /// Worker threads (1-256). bfs: results do not depend on it. dfs: verdicts and exhaustive
    /// state counts do not; when a violation stops the search early, the count at that point
    /// and which counterexample is found first may.
    #[arg(long, default_value_t = 1)]
    pub(super) threads: usize,
    /// Do not explore beyond this depth (the run is then bounded).
    #[arg(long)]
    pub(super) max_depth: Option<usize>,
    /// Stop after this many unique states (the run is then bounded).
    #[arg(long)]
    pub(super) max_states: Option<usize>,
    /// Stop after this many seconds (the run is then bounded).
    #[arg(long)]
    pub(super) timeout: Option<f64>,
    /// Bits of each state fingerprint the visited set keeps (16-64, default 64). Fewer bits
    /// use less memory per state and raise the chance, printed in the report, that a
    /// fingerprint collision hid a state.
    #[arg(long, value_name = "BITS")]
    pub(super) fingerprint_bits: Option<u32>,
    /// Search beyond RAM (bfs): the frontier levels, their parent links and, once the memory
    /// budget runs short, the visited fingerprints live in files under DIR (Stern–Dill's
    /// disk-based search). Same counts, verdicts and counterexamples as in memory.
    #[arg(long, value_name = "DIR")]
    pub(super) disk: Option<std::path::PathBuf>,
    /// Write checkpoints of the search (bfs) to DIR: every --checkpoint-every minutes and
    /// whenever the memory budget, a signal or --timeout stops it. `broadcheck resume DIR`
    /// goes on from the last one.
    #[arg(long, value_name = "DIR")]
    pub(super) checkpoint: Option<PathBuf>,
    /// Minutes between two checkpoints (default 10; fractions allowed).
    #[arg(long, value_name = "MIN", requires = "checkpoint")]
    pub(super) checkpoint_every: Option<f64>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(super) format: Format,
    /// Write the first counterexample as a message sequence chart (mermaid or svg) to FILE.
    #[arg(long, num_args = 2, value_names = ["KIND", "FILE"])]
    pub(super) diagram: Vec<String>,
}

#[derive(Args, Debug)]
pub(super) struct ProbArgs {
    #[command(flatten)]
    pub(super) target: Target,
    /// Stop after this many states; the result is then an interval, not an exact value.
    #[arg(long)]
    pub(super) max_states: Option<usize>,
    /// Stop after this many seconds; the result is then an interval.
    #[arg(long)]
    pub(super) timeout: Option<f64>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(super) format: Format,
}

/// Settings shared by `simulate` and `sweep`.
#[derive(Args, Debug)]
pub(super) struct SimArgs {
    /// Number of processes.
    #[arg(long, default_value_t = 1000)]
    pub(super) n: u32,
    /// Processes crashed from the start (chosen at random, never the source p0).
    #[arg(long, default_value_t = 0)]
    pub(super) f: u32,
    /// A model parameter, e.g. --param loss=0.1 (repeatable).
    #[arg(long = "param", short = 'p', value_name = "KEY=VALUE")]
    pub(super) params: Vec<String>,
    /// Independent runs (per fanout, for sweep).
    #[arg(long, default_value_t = 1000)]
    pub(super) runs: u64,
    /// Seed of the random number generator: the same seed gives the same result.
    #[arg(long, default_value_t = 1)]
    pub(super) seed: u64,
    /// Confidence level of the interval.
    #[arg(long, default_value_t = 0.95)]
    pub(super) confidence: f64,
    /// Worker threads (default: the number of cores); results do not depend on it.
    #[arg(long)]
    pub(super) threads: Option<usize>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(super) format: Format,
}

#[derive(Args, Debug)]
pub(super) struct SimulateArgs {
    /// eager-gossip, flood or random-walk.
    pub(super) model: String,
    #[command(flatten)]
    pub(super) sim: SimArgs,
}

#[derive(Args, Debug)]
pub(super) struct SweepArgs {
    /// eager-gossip (or another push model with a fanout).
    #[arg(long, default_value = "eager-gossip")]
    pub(super) model: String,
    /// Fanouts to simulate: FROM..TO or a comma-separated list (default: ln N - 3 to ln N + 4).
    #[arg(long)]
    pub(super) fanouts: Option<String>,
    /// Write the chart here (SVG).
    #[arg(long, value_name = "FILE")]
    pub(super) svg: Option<PathBuf>,
    /// Write the table here (CSV).
    #[arg(long, value_name = "FILE")]
    pub(super) csv: Option<PathBuf>,
    #[command(flatten)]
    pub(super) sim: SimArgs,
}

#[derive(Args, Debug)]
pub(super) struct OverlayArgs {
    /// Number of processes.
    #[arg(long, default_value_t = 1000)]
    pub(super) n: u32,
    /// full | ring:K | kout:K:SEED | cyclon:K:SEED[:ROUNDS].
    #[arg(long)]
    pub(super) overlay: String,
    /// Crash this many random processes, then measure again.
    #[arg(long, default_value_t = 0)]
    pub(super) crash: u32,
    /// Cyclon rounds run after the crashes (dead neighbours are dropped when contacted).
    #[arg(long, default_value_t = 20)]
    pub(super) repair: u32,
    /// Seed for choosing who crashes and for Cyclon's choices after the crashes.
    #[arg(long, default_value_t = 1)]
    pub(super) seed: u64,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(super) format: Format,
}

#[derive(Args, Debug)]
pub(super) struct ReplayArgs {
    #[command(flatten)]
    pub(super) target: Target,
    /// The replay handle, e.g. 0.0.2.3.
    pub(super) handle: String,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(super) format: Format,
    /// Write the trace as a message sequence chart (mermaid or svg) to FILE.
    #[arg(long, num_args = 2, value_names = ["KIND", "FILE"])]
    pub(super) diagram: Vec<String>,
}

#[derive(Args, Debug)]
pub(super) struct ResumeArgs {
    /// The checkpoint directory a `check --checkpoint DIR` wrote.
    pub(super) dir: PathBuf,
    /// Worker threads (1-256); results do not depend on it.
    #[arg(long, default_value_t = 1)]
    pub(super) threads: usize,
    /// Stop after this many seconds of this run (the run is then bounded, and checkpointed).
    #[arg(long)]
    pub(super) timeout: Option<f64>,
    /// Minutes between two checkpoints (default 10).
    #[arg(long, value_name = "MIN")]
    pub(super) checkpoint_every: Option<f64>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(super) format: Format,
}

#[derive(Args, Debug)]
pub(super) struct AuditArgs {
    #[command(flatten)]
    pub(super) target: Target,
    /// States audited at most (breadth-first from the initial states).
    #[arg(long, default_value_t = 20_000)]
    pub(super) max_states: usize,
}

#[derive(Args, Debug)]
pub(super) struct NewArgs {
    /// The directory to create; its last component is the crate's and the model's name.
    pub(super) dir: PathBuf,
    /// Depend on a local checkout of broadcheck at this path.
    #[arg(long, conflicts_with = "git", value_name = "DIR")]
    pub(super) path: Option<PathBuf>,
    /// Depend on broadcheck from this git repository URL.
    #[arg(long, value_name = "URL")]
    pub(super) git: Option<String>,
}

#[derive(Args, Debug)]
pub(super) struct ExploreArgs {
    #[command(flatten)]
    pub(super) target: Target,
    /// Open the Explorer on the last state of this trace (a replay handle).
    #[arg(long, value_name = "HANDLE")]
    pub(super) trace: Option<String>,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub(super) bind: String,
    /// Port to bind (0: any free port; the line printed names the one bound).
    #[arg(long, default_value_t = 3000)]
    pub(super) port: u16,
    /// The background check stops expanding states after this many are generated (it also
    /// stops at the memory budget); the Explorer shows what was found until then.
    #[arg(long)]
    pub(super) max_states: Option<usize>,
}
