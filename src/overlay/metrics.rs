//! What is measured of an overlay (connectivity, accuracy, distances, clustering, degrees) and
//! the report of `broadcheck overlay`.

use crate::error::{Error, Result};
use crate::overlay::cyclon::Cyclon;
use crate::overlay::rng::Rng;
use crate::overlay::{Overlay, OverlaySpec};
use serde::Serialize;
use std::fmt::Write as _;

/// Overlay measurements (see the module docs).
#[derive(Clone, Debug, Serialize)]
pub struct Metrics {
    pub processes: usize,
    pub correct: usize,
    pub connected: bool,
    pub accuracy: f64,
    pub diameter: u32,
    pub avg_shortest_path: f64,
    pub paths_exact: bool,
    pub path_sources: usize,
    pub clustering: f64,
    pub out_degree_min: usize,
    pub out_degree_max: usize,
    pub in_degree_min: u32,
    pub in_degree_max: u32,
    pub in_degree_mean: f64,
    pub in_degree_stddev: f64,
    /// `in_degree_histogram[d]` = number of correct processes with in-degree `d`.
    pub in_degree_histogram: Vec<u32>,
}

impl Metrics {
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let paths = if self.paths_exact {
            "exact".to_string()
        } else {
            format!("estimated from {} sampled sources", self.path_sources)
        };
        let _ = writeln!(
            s,
            "  connectivity (invariant): {}",
            if self.connected {
                "holds — every correct process reaches every other"
            } else {
                "VIOLATED — some correct process cannot reach another"
            }
        );
        let _ = writeln!(s, "  accuracy:                 {:.4}", self.accuracy);
        let _ = writeln!(s, "  diameter:                 {} ({paths})", self.diameter);
        let _ = writeln!(
            s,
            "  average shortest path:    {:.3}",
            self.avg_shortest_path
        );
        let _ = writeln!(s, "  clustering coefficient:   {:.4}", self.clustering);
        let _ = writeln!(
            s,
            "  out-degree:               {}..{}",
            self.out_degree_min, self.out_degree_max
        );
        let _ = writeln!(
            s,
            "  in-degree:                {}..{}, mean {:.2}, std dev {:.2}",
            self.in_degree_min, self.in_degree_max, self.in_degree_mean, self.in_degree_stddev
        );
        let hist: Vec<String> = self
            .in_degree_histogram
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(d, c)| format!("{d}:{c}"))
            .collect();
        let _ = writeln!(s, "  in-degree histogram:      {}", hist.join(" "));
        s
    }
}

/// What `broadcheck overlay` measures: the overlay as built, and, with crashes, right after
/// they happen and (for Cyclon) after repair rounds.
#[derive(Clone, Debug, Serialize)]
pub struct OverlayReport {
    pub overlay: String,
    pub n: u32,
    pub crashed: u32,
    pub seed: u64,
    pub built: Metrics,
    pub after_crash: Option<Metrics>,
    pub repair_rounds: u32,
    pub after_repair: Option<Metrics>,
}

impl OverlayReport {
    pub fn to_text(&self) -> String {
        let mut s = format!("overlay {} over n = {}\n", self.overlay, self.n);
        s.push_str("as built:\n");
        s.push_str(&self.built.to_text());
        if let Some(m) = &self.after_crash {
            let _ = writeln!(
                s,
                "right after {} random crashes (seed {}):",
                self.crashed, self.seed
            );
            s.push_str(&m.to_text());
        }
        if let Some(m) = &self.after_repair {
            let _ = writeln!(
                s,
                "after {} more Cyclon rounds (dead neighbours dropped when contacted):",
                self.repair_rounds
            );
            s.push_str(&m.to_text());
        }
        s
    }

    /// Whether the connectivity invariant held at every stage.
    pub fn connected(&self) -> bool {
        self.built.connected
            && self.after_crash.as_ref().is_none_or(|m| m.connected)
            && self.after_repair.as_ref().is_none_or(|m| m.connected)
    }
}

/// Builds an overlay, measures it, crashes `crashes` random processes, measures again, and for
/// Cyclon runs `repair_rounds` more rounds and measures once more.
pub fn measure(
    spec: &OverlaySpec,
    text: &str,
    n: u32,
    crashes: u32,
    repair_rounds: u32,
    seed: u64,
) -> Result<OverlayReport> {
    if !(2..=1_000_000).contains(&n) {
        return Err(Error::input(format!(
            "overlay needs 2 ≤ n ≤ 1000000 (got {n})"
        )));
    }
    if repair_rounds > 10_000 {
        return Err(Error::input(format!(
            "--repair must be at most 10000 rounds (got {repair_rounds})"
        )));
    }
    if crashes >= n {
        return Err(Error::input(format!(
            "crashes = {crashes} must leave at least one correct process (n = {n})"
        )));
    }
    let full = |n: u32| Overlay {
        views: (0..n)
            .map(|p| (0..n).filter(|&q| q != p).collect())
            .collect(),
    };
    if *spec == OverlaySpec::Full && n > 3000 {
        return Err(Error::input(
            "full membership over more than 3,000 processes is too large to measure; use a partial view",
        ));
    }
    let ov = spec.build(n)?.unwrap_or_else(|| full(n));
    let all = vec![true; n as usize];
    let built = ov.metrics(&all);
    let mut report = OverlayReport {
        overlay: text.to_string(),
        n,
        crashed: crashes,
        seed,
        built,
        after_crash: None,
        repair_rounds: 0,
        after_repair: None,
    };
    if crashes == 0 {
        return Ok(report);
    }
    let mut rng = Rng::new(seed);
    let mut ids: Vec<u32> = (0..n).collect();
    let dead: Vec<u32> = rng.pick(&mut ids, crashes as usize).to_vec();
    let mut crashed = vec![false; n as usize];
    for d in dead {
        crashed[d as usize] = true;
    }
    let correct: Vec<bool> = crashed.iter().map(|c| !c).collect();
    report.after_crash = Some(ov.metrics(&correct));
    if let OverlaySpec::Cyclon { k, .. } = *spec {
        let mut c = Cyclon::new(ov, k, &mut rng);
        c.rounds(repair_rounds, &crashed);
        report.repair_rounds = repair_rounds;
        report.after_repair = Some(c.overlay().metrics(&correct));
    }
    Ok(report)
}
