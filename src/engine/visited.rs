//! The visited set: 64-bit state fingerprints and nothing else, about 10–15 bytes per state.
//!
//! Like SPIN's hash-compact mode and stateright's checkers, the search stores a fingerprint
//! instead of the state; two states with the same fingerprint are taken to be one (with 64-bit
//! fingerprints the chance of any collision among 10⁸ states is below 3·10⁻⁴). Unlike
//! stateright, no parent pointer is kept: DFS reads its counterexample off its own stack, BFS
//! re-runs the levels above a violation with parents to rebuild it (see [`crate::engine::checker`]).
//!
//! The table is open addressing with linear probing, split into [`SEGMENTS`] independently
//! grown segments chosen by the fingerprint's top bits. A segment grows by 1.5× when it is 80 %
//! full, so each stays between 53 % and 80 % full (10–15 bytes per fingerprint), and growing
//! one segment at a time never needs two copies of the whole table.

/// Segments (a power of two).
pub const SEGMENTS: usize = 64;
const SEG_BITS: u32 = SEGMENTS.trailing_zeros();
const MIN_CAP: usize = 16;

/// A set of non-zero 64-bit fingerprints.
pub struct FpSet {
    segs: Vec<Segment>,
    len: usize,
}

struct Segment {
    slots: Vec<u64>,
    len: usize,
}

impl Segment {
    fn new(cap: usize) -> Segment {
        Segment {
            slots: vec![0; cap],
            len: 0,
        }
    }

    /// Maps a fingerprint onto `0..cap` (multiply-shift: any capacity works, not only powers
    /// of two). The low bits are used; the top bits chose the segment.
    fn home(fp: u64, cap: usize) -> usize {
        ((u128::from(fp << SEG_BITS) * cap as u128) >> 64) as usize
    }

    /// Inserts; `true` if it was new.
    fn insert(&mut self, fp: u64) -> bool {
        if (self.len + 1) * 5 > self.slots.len() * 4 {
            self.grow();
        }
        let cap = self.slots.len();
        let mut i = Self::home(fp, cap);
        loop {
            let x = self.slots[i];
            if x == fp {
                return false;
            }
            if x == 0 {
                self.slots[i] = fp;
                self.len += 1;
                return true;
            }
            i += 1;
            if i == cap {
                i = 0;
            }
        }
    }

    fn contains(&self, fp: u64) -> bool {
        let cap = self.slots.len();
        let mut i = Self::home(fp, cap);
        loop {
            match self.slots[i] {
                0 => return false,
                x if x == fp => return true,
                _ => {}
            }
            i += 1;
            if i == cap {
                i = 0;
            }
        }
    }

    fn grow(&mut self) {
        let cap = (self.slots.len() * 3 / 2).max(MIN_CAP);
        let old = std::mem::replace(self, Segment::new(cap));
        // The fingerprints are distinct and the new table has room: each goes to the first
        // free slot from its home, with no comparison and no growth check.
        for fp in old.slots {
            if fp != 0 {
                let mut i = Self::home(fp, cap);
                while self.slots[i] != 0 {
                    i = if i + 1 == cap { 0 } else { i + 1 };
                }
                self.slots[i] = fp;
            }
        }
        self.len = old.len;
    }
}

/// Asks the CPU to bring the cache line holding `p` closer: the visited set is far larger than
/// the caches, so a lookup is a memory miss unless it was announced a little earlier.
#[inline]
fn prefetch(p: *const u64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint. It reads nothing in the abstract machine and cannot
    // fault, whatever the address (a stale or wrong one costs a wasted fetch, no more).
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

impl Default for FpSet {
    fn default() -> Self {
        FpSet {
            segs: (0..SEGMENTS).map(|_| Segment::new(MIN_CAP)).collect(),
            len: 0,
        }
    }
}

impl FpSet {
    fn seg(fp: u64) -> usize {
        (fp >> (64 - SEG_BITS)) as usize
    }

    /// Inserts a fingerprint (never 0); `true` if it was not there yet.
    pub fn insert(&mut self, fp: u64) -> bool {
        debug_assert!(fp != 0, "0 marks an empty slot");
        let new = self.segs[Self::seg(fp)].insert(fp);
        self.len += usize::from(new);
        new
    }

    pub fn contains(&self, fp: u64) -> bool {
        self.segs[Self::seg(fp)].contains(fp)
    }

    /// Announces a lookup of `fp` (see `prefetch`).
    pub fn prefetch(&self, fp: u64) {
        let seg = &self.segs[Self::seg(fp)];
        prefetch(
            seg.slots
                .as_ptr()
                .wrapping_add(Segment::home(fp, seg.slots.len())),
        );
    }

    /// Inserts `fps` in order on up to `threads` workers (each owns a range of segments) and
    /// says which were new. The answer is the one sequential insertion gives: a fingerprint is
    /// new at its first occurrence if the set did not hold it.
    pub fn insert_many(&mut self, fps: &[u64], threads: usize) -> Vec<bool> {
        let mut new = vec![false; fps.len()];
        if threads <= 1 || fps.len() < 4096 {
            for (i, &f) in fps.iter().enumerate() {
                new[i] = self.insert(f);
            }
            return new;
        }
        let per = SEGMENTS.div_ceil(threads);
        let found: Vec<Vec<usize>> = std::thread::scope(|sc| {
            let handles: Vec<_> = self
                .segs
                .chunks_mut(per)
                .enumerate()
                .map(|(w, segs)| {
                    sc.spawn(move || {
                        let lo = w * per;
                        let mut mine = Vec::new();
                        for (i, &f) in fps.iter().enumerate() {
                            let s = Self::seg(f);
                            if s >= lo && s < lo + segs.len() && segs[s - lo].insert(f) {
                                mine.push(i);
                            }
                        }
                        crate::engine::stop::flush_thread();
                        mine
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        for i in found.into_iter().flatten() {
            new[i] = true;
            self.len += 1;
        }
        new
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Heap bytes held by the table.
    pub fn bytes(&self) -> usize {
        self.segs.iter().map(|s| s.slots.len() * 8).sum::<usize>()
            + self.segs.capacity() * std::mem::size_of::<Segment>()
    }
}

/// The same set shared by several workers: one lock per segment, so two workers rarely wait
/// for each other.
pub struct SharedFpSet {
    segs: Vec<SharedSegment>,
    len: AtomicUsize,
}

/// A locked segment, and where its slots are, for [`SharedFpSet::prefetch`] (which takes no
/// lock: a stale address only wastes the hint).
struct SharedSegment {
    seg: std::sync::Mutex<Segment>,
    slots: AtomicPtr<u64>,
    cap: AtomicUsize,
}

use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering::Relaxed};

impl FpSet {
    pub fn into_shared(self) -> SharedFpSet {
        SharedFpSet {
            segs: self
                .segs
                .into_iter()
                .map(|mut s| SharedSegment {
                    slots: AtomicPtr::new(s.slots.as_mut_ptr()),
                    cap: AtomicUsize::new(s.slots.len()),
                    seg: std::sync::Mutex::new(s),
                })
                .collect(),
            len: self.len.into(),
        }
    }
}

impl SharedFpSet {
    /// Inserts a fingerprint (never 0); `true` if it was not there yet.
    pub fn insert(&self, fp: u64) -> bool {
        let shared = &self.segs[FpSet::seg(fp)];
        let mut s = match shared.seg.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        let cap = s.slots.len();
        let new = s.insert(fp);
        if s.slots.len() != cap {
            shared.slots.store(s.slots.as_mut_ptr(), Relaxed);
            shared.cap.store(s.slots.len(), Relaxed);
        }
        drop(s);
        if new {
            self.len.fetch_add(1, Relaxed);
        }
        new
    }

    /// Announces a lookup of `fp` (see `prefetch`).
    pub fn prefetch(&self, fp: u64) {
        let shared = &self.segs[FpSet::seg(fp)];
        let (slots, cap) = (shared.slots.load(Relaxed), shared.cap.load(Relaxed));
        prefetch(slots.wrapping_add(Segment::home(fp, cap)));
    }

    pub fn len(&self) -> usize {
        self.len.load(Relaxed)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn into_inner(self) -> FpSet {
        FpSet {
            segs: self
                .segs
                .into_iter()
                .map(|m| m.seg.into_inner().unwrap_or_else(|p| p.into_inner()))
                .collect(),
            len: self.len.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_each_fingerprint_once_and_stays_compact() {
        let mut s = FpSet::default();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut fps = Vec::new();
        for _ in 0..200_000 {
            // splitmix64
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            fps.push((z ^ (z >> 31)).max(1));
        }
        for &f in &fps {
            assert!(s.insert(f));
        }
        for &f in &fps {
            assert!(!s.insert(f));
            assert!(s.contains(f));
        }
        assert!(!s.contains(12345));
        // Parallel batch insertion answers as sequential insertion does (duplicates inside the
        // batch: only the first occurrence is new).
        let mut par = FpSet::default();
        let mut batch: Vec<u64> = fps[..50_000].to_vec();
        batch.extend_from_slice(&fps[..10]);
        let flags = par.insert_many(&batch, 2);
        assert_eq!(flags.iter().filter(|b| **b).count(), 50_000);
        assert!(flags[..50_000].iter().all(|b| *b));
        assert!(flags[50_000..].iter().all(|b| !*b));
        let again = par.insert_many(&fps[40_000..60_000], 2);
        assert_eq!(again.iter().filter(|b| **b).count(), 10_000);
        assert_eq!(par.len(), 60_000);
        assert_eq!(s.len(), fps.len());
        let per = s.bytes() as f64 / fps.len() as f64;
        assert!((10.0..=16.0).contains(&per), "{per} bytes per fingerprint");
    }
}
