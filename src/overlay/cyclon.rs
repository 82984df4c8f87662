//! Cyclon shuffling (Voulgaris, Gavidia, van Steen 2005; seed 001), see the overlay module.

use crate::overlay::rng::Rng;
use crate::overlay::Overlay;

/// Cyclon shuffling (see the module docs). Views hold `(id, age)` entries.
pub struct Cyclon<'r> {
    views: Vec<Vec<(u32, u32)>>,
    size: usize,
    shuffle: usize,
    rng: &'r mut Rng,
}

impl<'r> Cyclon<'r> {
    /// Starts from `init` with views of `k` entries; shuffles `max(1, k/2)` entries at a time.
    pub fn new(init: Overlay, k: u32, rng: &'r mut Rng) -> Cyclon<'r> {
        Cyclon {
            views: init
                .views
                .into_iter()
                .map(|v| v.into_iter().map(|q| (q, 0)).collect())
                .collect(),
            size: k as usize,
            shuffle: (k as usize / 2).max(1),
            rng,
        }
    }

    pub fn overlay(&self) -> Overlay {
        Overlay {
            views: self
                .views
                .iter()
                .map(|v| {
                    let mut ids: Vec<u32> = v.iter().map(|e| e.0).collect();
                    ids.sort_unstable();
                    ids
                })
                .collect(),
        }
    }

    /// Runs `rounds` rounds; in each, every correct process (in a random order) shuffles once.
    /// `crashed[p]`: `p` takes no step and does not answer.
    pub fn rounds(&mut self, rounds: u32, crashed: &[bool]) {
        let n = self.views.len();
        let mut order: Vec<u32> = (0..n as u32).collect();
        for _ in 0..rounds {
            let len = order.len();
            self.rng.pick(&mut order, len);
            for &p in &order {
                if crashed.get(p as usize).copied().unwrap_or(false) {
                    continue;
                }
                self.shuffle_once(p as usize, crashed);
            }
        }
    }

    fn shuffle_once(&mut self, p: usize, crashed: &[bool]) {
        for e in self.views[p].iter_mut() {
            e.1 += 1;
        }
        let Some(oldest) = (0..self.views[p].len()).max_by_key(|&i| self.views[p][i].1) else {
            return;
        };
        let (q, _) = self.views[p].remove(oldest);
        if crashed.get(q as usize).copied().unwrap_or(false) {
            return; // no answer: q is dropped from p's view
        }
        // p sends a fresh entry for itself and L−1 random others.
        let mut idx: Vec<usize> = (0..self.views[p].len()).collect();
        let sent_idx: Vec<usize> = self.rng.pick(&mut idx, self.shuffle - 1).to_vec();
        let mut sent: Vec<(u32, u32)> = sent_idx.iter().map(|&i| self.views[p][i]).collect();
        sent.push((p as u32, 0));
        // q answers with L random entries of its own.
        let mut qidx: Vec<usize> = (0..self.views[q as usize].len()).collect();
        let reply_idx: Vec<usize> = self.rng.pick(&mut qidx, self.shuffle).to_vec();
        let reply: Vec<(u32, u32)> = reply_idx
            .iter()
            .map(|&i| self.views[q as usize][i])
            .collect();
        // What p gave away: the entries it sent, not the fresh entry for itself.
        let sent_ids: Vec<u32> = sent
            .iter()
            .map(|e| e.0)
            .filter(|&id| id != p as u32)
            .collect();
        let reply_ids: Vec<u32> = reply.iter().map(|e| e.0).collect();
        self.merge(q as usize, &sent, &reply_ids);
        self.merge(p, &reply, &sent_ids);
    }

    /// `me` keeps `received` (minus itself and what it already has), filling empty slots, then
    /// replacing the entries it `gave` away.
    fn merge(&mut self, me: usize, received: &[(u32, u32)], gave: &[u32]) {
        let mut gave: Vec<u32> = gave.to_vec();
        for &(id, age) in received {
            if id as usize == me || self.views[me].iter().any(|e| e.0 == id) {
                continue;
            }
            if self.views[me].len() < self.size {
                self.views[me].push((id, age));
            } else if let Some(g) = gave.pop() {
                if let Some(slot) = self.views[me].iter().position(|e| e.0 == g) {
                    self.views[me][slot] = (id, age);
                }
            }
        }
    }
}
