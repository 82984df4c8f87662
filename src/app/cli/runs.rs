//! The commands that run a model rather than check it: `prob`, `simulate`, `sweep`, `overlay`,
//! `bench`.

use super::args::*;
use super::checking::resolve;
use super::{json, out};
use crate::app::registry::Registry;
use crate::error::{Error, Result};
use crate::models::params::RunSpec;

pub(super) fn prob(a: ProbArgs, reg: &Registry) -> Result<i32> {
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
    })?;
    // A bounded answer is an interval, not the probability: unknown (1), like a bounded check.
    Ok(if report.results.iter().all(|r| r.exhaustive) {
        0
    } else {
        1
    })
}

/// The simulation configuration of `model` from the shared arguments.
fn sim_config(reg: &Registry, model: &str, a: &SimArgs) -> Result<crate::sim::SimConfig> {
    let entry = reg.find(model)?;
    let mut spec = RunSpec::default();
    spec.add_params(&a.params)?;
    crate::sim::SimConfig::new(model, a.n, a.f, &spec.params, &entry.params())
}

/// A worker count given as `flag` (`--jobs`, `--threads`): at least 1; default one per core.
/// Most worker threads any command starts.
pub(super) const MAX_THREADS: usize = 256;

/// A worker count: at least 1, at most [`MAX_THREADS`]; by default the number of cores.
pub(super) fn workers(flag: &str, v: Option<usize>) -> Result<usize> {
    match v {
        Some(0) => Err(Error::input(format!("{flag} must be at least 1"))),
        Some(t) if t > MAX_THREADS => Err(Error::input(format!(
            "{flag} must be at most {MAX_THREADS} (got {t})"
        ))),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

pub(super) fn bench(a: BenchArgs, _reg: &Registry) -> Result<i32> {
    use crate::app::bench::{self as b, Engine, Measure};
    let threads = workers("--threads", a.threads)?;
    let timeout = crate::app::modelfile::seconds("--timeout", a.timeout)?;
    if let Some(name) = &a.one {
        let engine = Engine::parse(&a.engine)
            .ok_or_else(|| Error::input(format!("unknown engine '{}'", a.engine)))?;
        let reduce = crate::engine::reductions::Reductions::parse(&a.reduce)?;
        let m = b::run_one(a.quick, name, engine, reduce, threads, timeout)?;
        out(&(serde_json::to_string(&m).map_err(|e| Error::Io(e.to_string()))? + "\n"))?;
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
    })?;
    // A run that failed (not one that was bounded) makes the bench fail.
    Ok(if ms.iter().any(|m| m.error.is_some()) {
        1
    } else {
        0
    })
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

pub(super) fn simulate(a: SimulateArgs, reg: &Registry) -> Result<i32> {
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
    })?;
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

pub(super) fn sweep(a: SweepArgs, reg: &Registry) -> Result<i32> {
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
    })?;
    Ok(0)
}

pub(super) fn overlay(a: OverlayArgs, _reg: &Registry) -> Result<i32> {
    let spec = crate::overlay::OverlaySpec::parse(&a.overlay)?;
    let r = crate::overlay::measure(&spec, &a.overlay, a.n, a.crash, a.repair, a.seed)?;
    out(&match a.format {
        Format::Text => r.to_text(),
        Format::Json => json(&r)?,
    })?;
    Ok(if r.connected() { 0 } else { 1 })
}
