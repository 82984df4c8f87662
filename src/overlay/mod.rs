//! Overlay networks (seed 001, "Partial view membership"): each process knows a few others, its
//! *view*; the views form a directed graph, the overlay, over which gossip runs instead of full
//! membership.
//!
//! # Overlays
//! - `full`: everyone knows everyone (the global membership gossip assumes by default).
//! - `ring:K`: `p` knows `p+1 … p+K` (mod n). Connected, but a large diameter and high
//!   clustering: the "bad" overlay.
//! - `kout:K:SEED`: `p` knows `K` distinct others chosen uniformly at random (seeded).
//! - `cyclon:K:SEED[:ROUNDS]`: starts from the ring and runs `ROUNDS` (default 20) rounds of the
//!   Cyclon shuffle (Voulgaris, Gavidia, van Steen, *CYCLON: Inexpensive Membership Management
//!   for Unstructured P2P Overlays*, J. Network Syst. Manage. 2005), the seed's commented
//!   section: every entry carries an age; each round a process ages its entries, contacts the
//!   *oldest* neighbour q, replaces q's entry by a fresh one for itself and sends it with `L − 1`
//!   other random entries; q answers with `L` random entries of its own; both keep what they
//!   received, filling empty slots first and then the slots of the entries they sent. A contacted
//!   process that crashed is dropped from the view: that is how accuracy recovers.
//!
//! # Metrics (seed 001: correctness, then efficiency)
//! - **connectivity** (an invariant): a directed path from every correct process to every other
//!   correct process, over links between correct processes;
//! - **accuracy**: the fraction of the correct processes' view entries that point to correct
//!   processes (1 when nobody crashed);
//! - **diameter** and **average shortest path** between correct processes (exact up to 2,000
//!   processes, from 256 sampled sources above that; the report says which);
//! - **clustering coefficient**: for each process, the fraction of pairs of its (undirected)
//!   neighbours that are neighbours of each other, averaged;
//! - **degree distribution**: out-degree is the view size; in-degree (how many views contain a
//!   process) shows how uniform the overlay is.

pub mod cyclon;
pub mod metrics;
pub mod rng;

pub use cyclon::Cyclon;
pub use metrics::{measure, Metrics, OverlayReport};

use crate::error::{Error, Result};
use crate::overlay::rng::Rng;
use std::collections::{HashSet, VecDeque};

/// The most view entries an overlay may have in total (memory guard).
pub const MAX_LINKS: u64 = 20_000_000;

/// How the overlay is built.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum OverlaySpec {
    Full,
    Ring { k: u32 },
    KOut { k: u32, seed: u64 },
    Cyclon { k: u32, seed: u64, rounds: u32 },
}

/// The directed graph of views: `views[p]` are the processes `p` knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overlay {
    pub views: Vec<Vec<u32>>,
}

impl OverlaySpec {
    pub const HELP: &'static str =
        "full | ring:K | kout:K:SEED | cyclon:K:SEED[:ROUNDS] (K ≤ 1000, ROUNDS ≤ 10000)";

    pub fn parse(s: &str) -> Result<OverlaySpec> {
        let bad = || {
            Error::input(format!(
                "overlay must be {} with K ≥ 1 (got '{s}')",
                Self::HELP
            ))
        };
        let parts: Vec<&str> = s.trim().split(':').collect();
        let num = |i: usize| -> Result<u64> {
            parts
                .get(i)
                .and_then(|x| x.trim().parse::<u64>().ok())
                .ok_or_else(bad)
        };
        let k = |i: usize| -> Result<u32> {
            match num(i)? {
                k @ 1..=1000 => Ok(k as u32),
                _ => Err(bad()),
            }
        };
        match (parts[0], parts.len()) {
            ("full", 1) => Ok(OverlaySpec::Full),
            ("ring", 2) => Ok(OverlaySpec::Ring { k: k(1)? }),
            ("kout", 3) => Ok(OverlaySpec::KOut {
                k: k(1)?,
                seed: num(2)?,
            }),
            ("cyclon", 3 | 4) => Ok(OverlaySpec::Cyclon {
                k: k(1)?,
                seed: num(2)?,
                rounds: if parts.len() == 4 {
                    match num(3)? {
                        r @ 0..=10_000 => r as u32,
                        _ => return Err(bad()),
                    }
                } else {
                    20
                },
            }),
            _ => Err(bad()),
        }
    }

    /// The overlay over `n` processes; `None` for full membership.
    pub fn build(&self, n: u32) -> Result<Option<Overlay>> {
        let check_k = |k: u32| {
            if k >= n {
                Err(Error::input(format!(
                    "overlay view size K = {k} must be below n = {n}"
                )))
            } else if u64::from(n) * u64::from(k) > MAX_LINKS {
                Err(Error::input(format!(
                    "an overlay of n = {n} views of K = {k} has more than {MAX_LINKS} links; too large"
                )))
            } else {
                Ok(())
            }
        };
        Ok(match *self {
            OverlaySpec::Full => None,
            OverlaySpec::Ring { k } => {
                check_k(k)?;
                Some(Overlay::ring(n, k))
            }
            OverlaySpec::KOut { k, seed } => {
                check_k(k)?;
                Some(Overlay::kout(n, k, &mut Rng::new(seed)))
            }
            OverlaySpec::Cyclon { k, seed, rounds } => {
                check_k(k)?;
                let mut rng = Rng::new(seed);
                let mut c = Cyclon::new(Overlay::ring(n, k), k, &mut rng);
                c.rounds(rounds, &[]);
                Some(c.overlay())
            }
        })
    }
}

impl Overlay {
    pub fn ring(n: u32, k: u32) -> Overlay {
        Overlay {
            views: (0..n)
                .map(|p| (1..=k).map(|d| (p + d) % n).collect())
                .collect(),
        }
    }

    pub fn kout(n: u32, k: u32, rng: &mut Rng) -> Overlay {
        let mut pool: Vec<u32> = Vec::new();
        let views = (0..n)
            .map(|p| {
                let mut v: Vec<u32> = Vec::with_capacity(k as usize);
                if 4 * k >= n {
                    // Dense views: a partial shuffle of the others.
                    pool.clear();
                    pool.extend((0..n).filter(|&q| q != p));
                    v.extend_from_slice(rng.pick(&mut pool, k as usize));
                } else {
                    // Sparse views: rejection sampling (few rejections when k ≪ n).
                    while v.len() < k as usize {
                        let q = rng.below(u64::from(n)) as u32;
                        if q != p && !v.contains(&q) {
                            v.push(q);
                        }
                    }
                }
                v.sort_unstable();
                v
            })
            .collect();
        Overlay { views }
    }

    pub fn n(&self) -> usize {
        self.views.len()
    }

    /// Measures the overlay; `correct[p]` says whether `p` is alive.
    pub fn metrics(&self, correct: &[bool]) -> Metrics {
        let n = self.n();
        let alive: Vec<u32> = (0..n as u32).filter(|&p| correct[p as usize]).collect();
        let live_adj: Vec<Vec<u32>> = (0..n)
            .map(|p| {
                if correct[p] {
                    self.views[p]
                        .iter()
                        .copied()
                        .filter(|&q| correct[q as usize])
                        .collect()
                } else {
                    Vec::new()
                }
            })
            .collect();
        // Accuracy.
        let (mut entries, mut good) = (0usize, 0usize);
        for &p in &alive {
            entries += self.views[p as usize].len();
            good += live_adj[p as usize].len();
        }
        let accuracy = if entries == 0 {
            1.0
        } else {
            good as f64 / entries as f64
        };
        // Shortest paths from (all or sampled) sources, over live links.
        let exact = alive.len() <= 2000;
        let sources: Vec<u32> = if exact {
            alive.clone()
        } else {
            let mut pool = alive.clone();
            let mut rng = Rng::new(0x5eed);
            rng.pick(&mut pool, 256).to_vec()
        };
        let mut diameter = 0u32;
        let (mut sum, mut pairs) = (0u64, 0u64);
        let mut disconnected_pairs = 0u64;
        let mut dist = vec![u32::MAX; n];
        for &s in &sources {
            dist.iter_mut().for_each(|d| *d = u32::MAX);
            dist[s as usize] = 0;
            let mut queue = VecDeque::from([s]);
            while let Some(u) = queue.pop_front() {
                for &v in &live_adj[u as usize] {
                    if dist[v as usize] == u32::MAX {
                        dist[v as usize] = dist[u as usize] + 1;
                        queue.push_back(v);
                    }
                }
            }
            for &t in &alive {
                if t == s {
                    continue;
                }
                match dist[t as usize] {
                    u32::MAX => disconnected_pairs += 1,
                    d => {
                        diameter = diameter.max(d);
                        sum += u64::from(d);
                        pairs += 1;
                    }
                }
            }
        }
        let connected = if exact {
            disconnected_pairs == 0
        } else {
            strongly_connected(&live_adj, &alive)
        };
        // Clustering over the undirected graph of live links.
        let mut und: Vec<Vec<u32>> = vec![Vec::new(); n];
        for &p in &alive {
            for &q in &live_adj[p as usize] {
                und[p as usize].push(q);
                und[q as usize].push(p);
            }
        }
        for l in und.iter_mut() {
            l.sort_unstable();
            l.dedup();
        }
        let edges: HashSet<(u32, u32)> = alive
            .iter()
            .flat_map(|&p| und[p as usize].iter().map(move |&q| (p.min(q), p.max(q))))
            .collect();
        let mut cc_sum = 0.0;
        for &p in &alive {
            let nb = &und[p as usize];
            if nb.len() < 2 {
                continue;
            }
            let mut links = 0usize;
            for (i, &a) in nb.iter().enumerate() {
                for &b in &nb[i + 1..] {
                    if edges.contains(&(a.min(b), a.max(b))) {
                        links += 1;
                    }
                }
            }
            cc_sum += links as f64 / (nb.len() * (nb.len() - 1) / 2) as f64;
        }
        let clustering = if alive.is_empty() {
            0.0
        } else {
            cc_sum / alive.len() as f64
        };
        // In-degrees (over correct processes' views).
        let mut indeg = vec![0u32; n];
        for &p in &alive {
            for &q in &self.views[p as usize] {
                indeg[q as usize] += 1;
            }
        }
        let ins: Vec<u32> = alive.iter().map(|&p| indeg[p as usize]).collect();
        let max_in = ins.iter().copied().max().unwrap_or(0);
        let mut histogram = vec![0u32; max_in as usize + 1];
        for &d in &ins {
            histogram[d as usize] += 1;
        }
        let mean_in = ins.iter().map(|&d| f64::from(d)).sum::<f64>() / ins.len().max(1) as f64;
        let var_in = ins
            .iter()
            .map(|&d| (f64::from(d) - mean_in).powi(2))
            .sum::<f64>()
            / ins.len().max(1) as f64;
        let outs: Vec<usize> = alive
            .iter()
            .map(|&p| self.views[p as usize].len())
            .collect();
        Metrics {
            processes: n,
            correct: alive.len(),
            connected,
            accuracy,
            diameter,
            avg_shortest_path: if pairs == 0 {
                0.0
            } else {
                sum as f64 / pairs as f64
            },
            paths_exact: exact,
            path_sources: sources.len(),
            clustering,
            out_degree_min: outs.iter().copied().min().unwrap_or(0),
            out_degree_max: outs.iter().copied().max().unwrap_or(0),
            in_degree_min: ins.iter().copied().min().unwrap_or(0),
            in_degree_max: max_in,
            in_degree_mean: mean_in,
            in_degree_stddev: var_in.sqrt(),
            in_degree_histogram: histogram,
        }
    }
}

/// Whether every process in `alive` reaches and is reached by `alive[0]`.
fn strongly_connected(adj: &[Vec<u32>], alive: &[u32]) -> bool {
    let Some(&root) = alive.first() else {
        return true;
    };
    let mut rev: Vec<Vec<u32>> = vec![Vec::new(); adj.len()];
    for (p, l) in adj.iter().enumerate() {
        for &q in l {
            rev[q as usize].push(p as u32);
        }
    }
    let reach = |g: &[Vec<u32>]| {
        let mut seen = vec![false; g.len()];
        seen[root as usize] = true;
        let mut stack = vec![root];
        while let Some(u) = stack.pop() {
            for &v in &g[u as usize] {
                if !seen[v as usize] {
                    seen[v as usize] = true;
                    stack.push(v);
                }
            }
        }
        alive.iter().all(|&p| seen[p as usize])
    };
    reach(adj) && reach(&rev)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_metrics_by_hand() {
        // Ring of 6 with K=1: a directed cycle. Distances from any node: 1..5 → avg 3, diam 5.
        let m = Overlay::ring(6, 1).metrics(&[true; 6]);
        assert!(m.connected);
        assert_eq!(m.diameter, 5);
        assert!((m.avg_shortest_path - 3.0).abs() < 1e-12);
        assert_eq!(m.clustering, 0.0);
        assert_eq!(m.in_degree_histogram, vec![0, 6]);
        // One crash cuts the directed cycle.
        let mut c = [true; 6];
        c[2] = false;
        let m = Overlay::ring(6, 1).metrics(&c);
        assert!(!m.connected);
        assert!((m.accuracy - 4.0 / 5.0).abs() < 1e-12);
    }

    #[test]
    fn full_membership_is_a_clique() {
        let ov = Overlay {
            views: (0..5u32)
                .map(|p| (0..5).filter(|&q| q != p).collect())
                .collect(),
        };
        let m = ov.metrics(&[true; 5]);
        assert_eq!(m.diameter, 1);
        assert!((m.clustering - 1.0).abs() < 1e-12);
    }

    #[test]
    fn cyclon_keeps_views_full_and_repairs_accuracy() {
        let r = measure(
            &OverlaySpec::parse("cyclon:6:1").unwrap(),
            "cyclon:6:1",
            300,
            30,
            20,
            9,
        )
        .unwrap();
        assert!(r.built.connected);
        assert_eq!(r.built.out_degree_min, 6);
        let before = r.after_crash.as_ref().unwrap().accuracy;
        let after = r.after_repair.as_ref().unwrap().accuracy;
        assert!(before < 0.95, "{before}");
        assert!(after > before, "{before} → {after}");
        // Cyclon makes a ring random: clustering drops from the ring's.
        let ring = Overlay::ring(300, 6).metrics(&vec![true; 300]);
        assert!(r.built.clustering < ring.clustering / 2.0);
    }

    #[test]
    fn parse_rejects_garbage() {
        for bad in ["", "ring", "ring:0", "kout:3", "mesh:2", "cyclon:x:1"] {
            assert!(OverlaySpec::parse(bad).is_err(), "{bad}");
        }
        assert!(OverlaySpec::parse("kout:3:1").unwrap().build(3).is_err());
    }
}
