//! Monte Carlo simulation of push gossip at scale (thousands of processes), seeded and
//! reproducible, with a confidence interval.
//!
//! The exact method ([`crate::engine::prob`]) explores every random choice and every schedule, which
//! stops being feasible around ten processes. Here one run is one random execution:
//!
//! - the source `p0` delivers and gossips; random targets are drawn exactly as the model draws
//!   them (`k` distinct peers, uniformly, never the process itself; never the process the message
//!   came from with `exclude_sender`);
//! - **scheduler**: the next message delivered is chosen uniformly at random among those in
//!   flight. For infect-and-die gossip without a TTL the outcome does not depend on the schedule,
//!   so the estimate converges to the exact probability; with a TTL it converges to the
//!   probability under this random scheduler, which lies between the exact minimum and maximum;
//! - **faults**: `f` processes other than the source, chosen at random, are crashed from the
//!   start (a random, not adversarial, crash pattern); a message is lost with probability
//!   `loss`.
//!
//! A run succeeds when every correct process delivers (PRB4 agreement for a correct source).
//! The estimate is `successes / runs` with a Wilson score interval (Wilson 1927), which stays
//! honest near 0 and 1 where the normal approximation does not.
//!
//! This simulator is a second implementation of push gossip, written against the same textbook
//! pseudo-code as [`crate::models::gossip::eager_gossip`] but with scalable data structures (the model
//! uses 16-bit process sets). The two are cross-checked: where both can run, the exact
//! probability must fall inside the simulation's confidence interval (see the tests).

pub mod plot;

use crate::engine::prob::Ratio;
use crate::error::{Error, Result};
use crate::models::gossip::peers;
use crate::models::params::resolve_values;
use crate::overlay::rng::Rng;
use crate::overlay::{Overlay, OverlaySpec};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The most messages a run may have in flight (memory guard, 12 bytes each).
pub const MAX_IN_FLIGHT: u64 = 50_000_000;

/// The models the simulator implements.
pub const MODELS: &[&str] = &["eager-gossip", "flood", "random-walk"];

/// One push-gossip configuration.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub model: String,
    pub n: u32,
    pub f: u32,
    pub fanout: u32,
    pub ttl: Option<u32>,
    /// Forward on every receipt (random walk, CGR 3.9 literally) instead of the first one.
    pub forward_every: bool,
    pub exclude_sender: bool,
    pub loss: Ratio,
    pub overlay_text: String,
    pub overlay: Option<Overlay>,
}

impl SimConfig {
    /// From a model name (one of [`MODELS`]), `n`, `f` and `KEY=VALUE` parameters, validated
    /// against the model's own parameter list.
    pub fn new(
        model: &str,
        n: u32,
        f: u32,
        raw: &BTreeMap<String, String>,
        specs: &[&crate::models::params::ParamSpec],
    ) -> Result<SimConfig> {
        if !MODELS.contains(&model) {
            return Err(Error::input(format!(
                "simulate supports {} (got '{model}'); use prob for exact results on small n",
                MODELS.join(", ")
            )));
        }
        if !(2..=1_000_000).contains(&n) {
            return Err(Error::input(format!(
                "simulate needs 2 ≤ n ≤ 1000000 (got {n})"
            )));
        }
        if f >= n {
            return Err(Error::input(format!(
                "f = {f} must leave the source and at least one other process correct (n = {n})"
            )));
        }
        let v = resolve_values(model, raw, specs)?;
        for (key, default) in [("senders", "0"), ("msgs", "1"), ("network", "bag")] {
            if v.get(key).is_some_and(|x| x != default) {
                return Err(Error::input(format!(
                    "simulate runs one broadcast by p0 over an unordered network; parameter {key} must stay {default}"
                )));
            }
        }
        let get = |k: &str| v.get(k).map_or("", String::as_str);
        let (fanout, forward_every) = match model {
            "flood" => (n - 1, false),
            "random-walk" => (1, true),
            _ => (
                peers::parse_fanout(get("fanout"), n)?,
                get("forward") == "every",
            ),
        };
        let ttl = peers::parse_ttl(get("ttl"), 1_000_000)?;
        // Memory guard: up to n · fanout messages can be in flight at once.
        let flight = u64::from(n) * u64::from(fanout);
        if flight > MAX_IN_FLIGHT {
            return Err(Error::input(format!(
                "n · fanout = {flight} messages could be in flight at once (limit {MAX_IN_FLIGHT}); use a smaller n or fanout"
            )));
        }
        if forward_every && ttl.is_none() {
            return Err(Error::input(
                "forwarding on every receipt needs a ttl, or runs would never end",
            ));
        }
        let overlay_text = match get("overlay") {
            "" => "full".to_string(),
            o => o.to_string(),
        };
        let overlay = OverlaySpec::parse(&overlay_text)?.build(n)?;
        let loss = match get("loss") {
            "" => Ratio::ZERO,
            q => Ratio::parse("loss", q)?,
        };
        Ok(SimConfig {
            model: model.to_string(),
            n,
            f,
            fanout,
            ttl,
            forward_every,
            exclude_sender: peers::parse_flag("exclude_sender", get("exclude_sender"))?,
            loss,
            overlay_text,
            overlay,
        })
    }
}

/// What a simulation found.
#[derive(Clone, Debug, Serialize)]
pub struct Estimate {
    pub model: String,
    pub n: u32,
    pub f: u32,
    pub fanout: u32,
    pub runs: u64,
    pub seed: u64,
    pub successes: u64,
    pub p_hat: f64,
    pub confidence: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Mean fraction of correct processes that delivered.
    pub mean_coverage: f64,
    /// Mean number of messages sent per run.
    pub mean_messages: f64,
    #[serde(serialize_with = "secs")]
    pub elapsed: Duration,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl Estimate {
    pub fn to_text(&self, cfg: &SimConfig) -> String {
        let ttl = cfg.ttl.map_or("none".to_string(), |r| r.to_string());
        format!(
            "{} simulated: n={} f={} fanout={} ttl={ttl} exclude_sender={} loss={} overlay={}\n\
             P[every correct process delivers] ≈ {:.6}  ({:.0}% confidence interval [{:.6}, {:.6}], Wilson)\n\
             {} successes in {} runs (seed {}); mean coverage {:.6}; mean messages {:.1}; {:.2} s\n\
             scheduler: uniformly random among in-flight messages; crashes: {} random non-source processes from the start\n",
            self.model,
            self.n,
            self.f,
            self.fanout,
            cfg.exclude_sender,
            cfg.loss,
            cfg.overlay_text,
            self.p_hat,
            self.confidence * 100.0,
            self.ci_low,
            self.ci_high,
            self.successes,
            self.runs,
            self.seed,
            self.mean_coverage,
            self.mean_messages,
            self.elapsed.as_secs_f64(),
            self.f,
        )
    }
}

/// The normal quantile `z` for a two-sided confidence level (0.5 ≤ level < 1), by inverting the
/// error function numerically (bisection; plenty for the 3 digits that matter).
pub fn z_for(level: f64) -> f64 {
    let target = 0.5 + level / 2.0;
    let (mut lo, mut hi) = (0.0f64, 10.0f64);
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if normal_cdf(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

fn normal_cdf(x: f64) -> f64 {
    0.5 * (1.0 + erf(x / std::f64::consts::SQRT_2))
}

/// erf by its Taylor series (|x| ≤ 3) or the asymptotic complement (beyond); |error| < 1e-12.
fn erf(x: f64) -> f64 {
    if x.abs() > 3.0 {
        // erfc(x) ~ e^{-x²}/(x√π) · (1 − 1/(2x²) + 3/(4x⁴) − 15/(8x⁶) + …)
        let x2 = x * x;
        let mut sum = 1.0;
        let mut term = 1.0;
        for k in 1..12 {
            term *= -((2 * k - 1) as f64) / (2.0 * x2);
            sum += term;
        }
        let erfc = (-x2).exp() / (x.abs() * std::f64::consts::PI.sqrt()) * sum;
        return (1.0 - erfc).copysign(x);
    }
    let mut sum = 0.0f64;
    let mut term = x;
    let mut k = 0.0f64;
    while term.abs() > 1e-17 * sum.abs().max(1e-300) || k < 3.0 {
        sum += term / (2.0 * k + 1.0);
        k += 1.0;
        term *= -x * x / k;
        if k > 200.0 {
            break;
        }
    }
    2.0 / std::f64::consts::PI.sqrt() * sum
}

/// The Wilson score interval for `s` successes in `n` trials.
pub fn wilson(s: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let nf = n as f64;
    let p = s as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Reusable buffers for one run.
struct Scratch {
    delivered: Vec<bool>,
    crashed: Vec<bool>,
    flight: Vec<(u32, u32, u32)>,
    picked: Vec<u32>,
    pool: Vec<u32>,
}

/// Most runs one estimate makes (a 95 % interval is then about ±0.0001 wide).
pub const MAX_RUNS: u64 = 100_000_000;

/// Runs `runs` independent executions from `seed` (run `i` uses its own stream, so results do
/// not depend on how runs are split across threads) on `threads` threads.
pub fn simulate(
    cfg: &SimConfig,
    runs: u64,
    seed: u64,
    confidence: f64,
    threads: usize,
) -> Result<Estimate> {
    if runs == 0 {
        return Err(Error::input("--runs must be at least 1"));
    }
    if runs > MAX_RUNS {
        return Err(Error::input(format!(
            "--runs must be at most {MAX_RUNS} (got {runs}): the confidence interval narrows with the square root of the runs, so more buys little"
        )));
    }
    if !(0.5..1.0).contains(&confidence) {
        return Err(Error::input(format!(
            "--confidence must be at least 0.5 and below 1 (got {confidence})"
        )));
    }
    if threads == 0 || threads > 256 {
        return Err(Error::input(format!(
            "--threads must be between 1 and 256 (got {threads})"
        )));
    }
    let start = Instant::now();
    let threads = (threads as u64).min(runs);
    let totals: Vec<Option<(u64, f64, u64)>> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                std::thread::Builder::new().spawn_scoped(sc, move || {
                    let mut s = Scratch {
                        delivered: vec![false; cfg.n as usize],
                        crashed: vec![false; cfg.n as usize],
                        flight: Vec::new(),
                        picked: Vec::new(),
                        pool: Vec::new(),
                    };
                    let (mut ok, mut cov, mut msgs) = (0u64, 0f64, 0u64);
                    let mut i = t;
                    while i < runs {
                        let mut rng = Rng::new(seed ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
                        let (all, c, m) = run_once(cfg, &mut rng, &mut s);
                        ok += u64::from(all);
                        cov += c;
                        msgs += m;
                        i += threads;
                    }
                    (ok, cov, msgs)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.ok().and_then(|h| h.join().ok()))
            .collect()
    });
    let totals: Vec<(u64, f64, u64)> = totals
        .into_iter()
        .collect::<Option<_>>()
        .ok_or_else(|| Error::Io("a simulation thread could not start or failed".into()))?;
    let successes: u64 = totals.iter().map(|t| t.0).sum();
    let coverage: f64 = totals.iter().map(|t| t.1).sum();
    let messages: u64 = totals.iter().map(|t| t.2).sum();
    let z = z_for(confidence);
    let (lo, hi) = wilson(successes, runs, z);
    Ok(Estimate {
        model: cfg.model.clone(),
        n: cfg.n,
        f: cfg.f,
        fanout: cfg.fanout,
        runs,
        seed,
        successes,
        p_hat: successes as f64 / runs as f64,
        confidence,
        ci_low: lo,
        ci_high: hi,
        mean_coverage: coverage / runs as f64,
        mean_messages: messages as f64 / runs as f64,
        elapsed: start.elapsed(),
    })
}

/// One execution: (every correct process delivered, fraction that did, messages sent).
fn run_once(cfg: &SimConfig, rng: &mut Rng, s: &mut Scratch) -> (bool, f64, u64) {
    let n = cfg.n as usize;
    s.delivered.iter_mut().for_each(|d| *d = false);
    s.crashed.iter_mut().for_each(|c| *c = false);
    s.flight.clear();
    // f random crashed processes, never the source p0.
    let mut down = 0;
    while down < cfg.f {
        let q = 1 + rng.below(cfg.n as u64 - 1) as usize;
        if !s.crashed[q] {
            s.crashed[q] = true;
            down += 1;
        }
    }
    let mut messages = 0u64;
    s.delivered[0] = true;
    let mut count = 1u32;
    gossip_from(cfg, rng, s, 0, None, cfg.ttl.unwrap_or(0), &mut messages);
    while !s.flight.is_empty() {
        let i = rng.below(s.flight.len() as u64) as usize;
        let (from, to, r) = s.flight.swap_remove(i);
        if cfg.loss.num > 0 && rng.chance(cfg.loss.num, cfg.loss.den) {
            continue;
        }
        if s.crashed[to as usize] {
            continue;
        }
        let first = !s.delivered[to as usize];
        if first {
            s.delivered[to as usize] = true;
            count += 1;
        }
        let again = first || cfg.forward_every;
        let next = match cfg.ttl {
            None => again.then_some(0),
            Some(_) => (again && r > 1).then(|| r - 1),
        };
        if let Some(r) = next {
            gossip_from(cfg, rng, s, to, Some(from), r, &mut messages);
        }
    }
    let correct = (n as u32) - cfg.f;
    (
        count == correct,
        f64::from(count) / f64::from(correct),
        messages,
    )
}

/// `picktargets(k)` at `me` and send `[GOSSIP, m, r]` to each.
fn gossip_from(
    cfg: &SimConfig,
    rng: &mut Rng,
    s: &mut Scratch,
    me: u32,
    from: Option<u32>,
    r: u32,
    messages: &mut u64,
) {
    let avoid = from.filter(|_| cfg.exclude_sender);
    s.picked.clear();
    match &cfg.overlay {
        Some(ov) => {
            s.pool.clear();
            s.pool.extend(
                ov.views[me as usize]
                    .iter()
                    .copied()
                    .filter(|&q| Some(q) != avoid),
            );
            let k = cfg.fanout as usize;
            let chosen = rng.pick(&mut s.pool, k);
            s.picked.extend_from_slice(chosen);
        }
        None => {
            let candidates = cfg.n - 1 - u32::from(avoid.is_some_and(|a| a != me));
            let k = cfg.fanout.min(candidates) as usize;
            if 2 * k >= candidates as usize {
                // Dense: shuffle the candidate list.
                s.pool.clear();
                s.pool
                    .extend((0..cfg.n).filter(|&q| q != me && Some(q) != avoid));
                let chosen = rng.pick(&mut s.pool, k);
                s.picked.extend_from_slice(chosen);
            } else {
                // Sparse: rejection sampling of distinct peers.
                while s.picked.len() < k {
                    let q = rng.below(u64::from(cfg.n)) as u32;
                    if q != me && Some(q) != avoid && !s.picked.contains(&q) {
                        s.picked.push(q);
                    }
                }
            }
        }
    }
    for &q in &s.picked {
        s.flight.push((me, q, r));
        *messages += 1;
    }
}

/// One row of a fanout sweep.
#[derive(Clone, Debug, Serialize)]
pub struct SweepRow {
    pub fanout: u32,
    /// `c = t − ln N`.
    pub c: f64,
    pub runs: u64,
    pub successes: u64,
    pub p_hat: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// `exp(−e^{−c})`, the limit as N → ∞ (Kermarrec, Massoulié, Ganesh 2003).
    pub asymptotic: f64,
}

/// The limit of P(every process is reached) for fanout `ln N + c`.
pub fn asymptotic(c: f64) -> f64 {
    (-(-c).exp()).exp()
}

/// Simulates eager gossip for every fanout in `fanouts` and compares with the asymptote.
pub fn sweep(
    base: &SimConfig,
    fanouts: &[u32],
    runs: u64,
    seed: u64,
    confidence: f64,
    threads: usize,
) -> Result<Vec<SweepRow>> {
    let ln_n = f64::from(base.n).ln();
    let mut rows = Vec::new();
    for &t in fanouts {
        if t == 0 || t >= base.n {
            return Err(Error::input(format!(
                "sweep fanouts must be between 1 and n - 1 = {} (got {t})",
                base.n - 1
            )));
        }
        let cfg = SimConfig {
            fanout: t,
            ..base.clone()
        };
        let e = simulate(&cfg, runs, seed, confidence, threads)?;
        let c = f64::from(t) - ln_n;
        rows.push(SweepRow {
            fanout: t,
            c,
            runs,
            successes: e.successes,
            p_hat: e.p_hat,
            ci_low: e.ci_low,
            ci_high: e.ci_high,
            asymptotic: asymptotic(c),
        });
    }
    Ok(rows)
}

/// The sweep as CSV.
pub fn sweep_csv(rows: &[SweepRow]) -> String {
    let mut s = String::from("fanout,c,runs,successes,p_hat,ci_low,ci_high,asymptotic\n");
    for r in rows {
        s += &format!(
            "{},{:.6},{},{},{:.6},{:.6},{:.6},{:.6}\n",
            r.fanout, r.c, r.runs, r.successes, r.p_hat, r.ci_low, r.ci_high, r.asymptotic
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::params::ParamSpec;

    fn cfg(model: &str, n: u32, f: u32, kv: &[(&str, &str)]) -> SimConfig {
        let entry = crate::app::registry::Registry::builtin()
            .find(model)
            .unwrap();
        let specs: Vec<&ParamSpec> = entry.params();
        let raw = kv
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        SimConfig::new(model, n, f, &raw, &specs).unwrap()
    }

    #[test]
    fn quantiles_and_intervals() {
        assert!((z_for(0.95) - 1.959964).abs() < 1e-5);
        assert!((z_for(0.999) - 3.290527).abs() < 1e-5);
        let (lo, hi) = wilson(50, 100, 1.959964);
        assert!((lo - 0.4038).abs() < 1e-3 && (hi - 0.5962).abs() < 1e-3);
        let (lo, hi) = wilson(0, 100, 1.959964);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.03 && hi < 0.04);
        assert!((asymptotic(0.0) - (-1.0f64).exp()).abs() < 1e-12);
    }

    #[test]
    fn flood_always_reaches_everyone_and_walks_count_hops() {
        let e = simulate(&cfg("flood", 50, 5, &[]), 200, 1, 0.95, 2).unwrap();
        assert_eq!(e.successes, 200);
        // Flood: every correct process sends to n-1 others once: (n - f) · (n - 1).
        assert!((e.mean_messages - 45.0 * 49.0).abs() < 1e-9);
        let e = simulate(&cfg("random-walk", 50, 0, &[("ttl", "7")]), 100, 1, 0.95, 1).unwrap();
        assert!((e.mean_messages - 7.0).abs() < 1e-9);
        assert_eq!(e.successes, 0);
    }

    #[test]
    fn same_seed_same_answer_whatever_the_threads() {
        let c = cfg("eager-gossip", 200, 0, &[("fanout", "3")]);
        let a = simulate(&c, 300, 42, 0.95, 1).unwrap();
        let b = simulate(&c, 300, 42, 0.95, 2).unwrap();
        assert_eq!(a.successes, b.successes);
        assert_eq!(a.mean_messages, b.mean_messages);
    }

    /// Where both methods run, the exact probability (or the interval between the worst and
    /// the best scheduler) must meet the simulation's 99.9% confidence interval.
    #[test]
    fn exact_and_simulated_agree() {
        type Case<'a> = (&'a str, u32, &'a [(&'a str, &'a str)]);
        let cases: &[Case] = &[
            ("eager-gossip", 3, &[("fanout", "1")]),
            ("eager-gossip", 5, &[("fanout", "2")]),
            ("eager-gossip", 5, &[("fanout", "3")]),
            ("eager-gossip", 6, &[("fanout", "2")]),
            (
                "eager-gossip",
                5,
                &[("fanout", "1"), ("exclude_sender", "true")],
            ),
            ("eager-gossip", 4, &[("fanout", "2"), ("ttl", "2")]),
            ("eager-gossip", 4, &[("fanout", "1"), ("loss", "1/10")]),
            ("flood", 4, &[("loss", "1/4")]),
            ("random-walk", 4, &[("ttl", "4")]),
            ("eager-gossip", 5, &[("fanout", "1"), ("overlay", "ring:2")]),
        ];
        for (i, (model, n, kv)) in cases.iter().enumerate() {
            let p = crate::test_util::exact(model, *n, 0, kv, "PRB4");
            let (lo, hi) = (
                crate::engine::prob::to_f64(&p.min),
                crate::engine::prob::to_f64(&p.max),
            );
            let e = simulate(&cfg(model, *n, 0, kv), 40_000, 100 + i as u64, 0.999, 2).unwrap();
            assert!(
                e.ci_low <= hi && lo <= e.ci_high,
                "{model} n={n} {kv:?}: exact [{lo}, {hi}], simulated {} [{}, {}]",
                e.p_hat,
                e.ci_low,
                e.ci_high
            );
        }
    }

    #[test]
    fn bad_configurations_are_refused() {
        let entry = crate::app::registry::Registry::builtin()
            .find("eager-gossip")
            .unwrap();
        let specs = entry.params();
        let raw = |kv: &[(&str, &str)]| {
            kv.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<String, String>>()
        };
        for (n, f, kv) in [
            (1, 0, vec![]),
            (10, 10, vec![]),
            (10, 0, vec![("fanout", "10")]),
            (10, 0, vec![("forward", "every")]),
            (10, 0, vec![("senders", "all")]),
            (10, 0, vec![("colour", "red")]),
        ] {
            assert!(
                SimConfig::new("eager-gossip", n, f, &raw(&kv), &specs).is_err(),
                "{n} {f} {kv:?}"
            );
        }
        assert!(SimConfig::new("om", 4, 0, &raw(&[]), &specs).is_err());
    }
}
