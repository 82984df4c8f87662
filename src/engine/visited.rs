//! The visited set: state fingerprints in a compact hash table, about 6–8 bytes per state.
//!
//! Like SPIN's hash-compact mode and stateright's checkers, the search stores a fingerprint
//! instead of the state; two states with the same fingerprint are taken to be one. The
//! fingerprint keeps the top `bits` bits of the 64-bit hash (`--fingerprint-bits`, 64 by
//! default), and the report states the chance that a collision hid a state
//! ([`collision_probability`]). Unlike stateright, no parent pointer is kept: DFS reads its
//! counterexample off its own stack, BFS re-runs the levels above a violation with parents to
//! rebuild it (see [`crate::engine::checker`]).
//!
//! The table is split into [`SEGMENTS`] independently grown segments chosen by the
//! fingerprint's top bits; growing one segment at a time never needs two copies of the whole
//! table. A segment is an *ordered linear-probing* table (Amble and Knuth 1974) that stores
//! only what the slot does not already imply, as in Cleary's compact hashing (1984): the
//! fingerprint's remaining bits `h` choose a home slot `i = ⌊h·cap/2^m⌋`, and the slot holds
//! the quotient's remainder `r = ⌊(h·cap mod 2^m)/cap⌋` (about `m − log₂ cap` bits) and the
//! entry's displacement from its home (8 bits). From the position, the displacement and `r`
//! the full fingerprint is recovered, so a segment can grow (by 9/8 when it is 7/8 full, so it
//! stays 78–88 % full) without the states. Entries of a cluster are kept sorted by `h`, so a
//! lookup stops at the first larger entry. With 64-bit fingerprints a slot is 46–52 bits for
//! 10⁸–10⁶ states, 6.5–8 bytes per state.

/// Segments (a power of two).
pub const SEGMENTS: usize = 64;
const SEG_BITS: u32 = SEGMENTS.trailing_zeros();
const MIN_CAP: usize = 16;
/// Bits of a slot that hold the displacement (plus one: 0 marks an empty slot).
const DISP_BITS: u32 = 8;
const MAX_DISP: usize = (1 << DISP_BITS) - 2;
/// The fewest and most fingerprint bits `--fingerprint-bits` accepts.
pub const MIN_BITS: u32 = 16;
pub const MAX_BITS: u32 = 64;

/// The probability that a fingerprint collision hid at least one of `n` distinct states, at
/// `bits` bits per fingerprint: the union bound over pairs, `n(n−1)/2^(bits+1)`, capped at 1
/// (TLC prints the same estimate; it assumes the hash behaves as a random function).
pub fn collision_probability(n: usize, bits: u32) -> f64 {
    let n = n as f64;
    (n * (n - 1.0) / 2f64.powi(bits as i32 + 1)).clamp(0.0, 1.0)
}

/// One segment: `cap` home slots and a little slack after them for displaced entries, each
/// slot `w` bits wide in `words`.
struct Segment {
    words: Vec<u64>,
    cap: usize,
    /// Physical slots: `cap` plus slack; an entry never sits at or past this.
    slots: usize,
    /// Fingerprint bits below the segment bits (`h < 2^m`).
    m: u32,
    /// Bits of a whole slot (remainder and displacement).
    w: u32,
    len: usize,
    /// Entries that could not be placed within [`MAX_DISP`] of their home or before the end
    /// (a cluster far longer than a random hash makes; kept so adversarial fingerprints cost
    /// memory, never correctness or unbounded growth).
    stash: std::collections::HashSet<u64>,
}

/// Why an insertion could not place an entry: the segment must grow first.
struct Full;

impl Segment {
    fn new(cap: usize, m: u32) -> Segment {
        let cap = cap.max(MIN_CAP);
        // The largest remainder is ⌈2^m / cap⌉ − 1.
        let span = ((1u128 << m).div_ceil(cap as u128) - 1) as u64;
        let rbits = 64 - span.leading_zeros();
        let w = rbits + DISP_BITS;
        let slots = cap + (cap / 4 + 16).min(MAX_DISP + 1);
        // One spare word so a slot straddling the last word boundary reads in bounds.
        let words = (slots * w as usize).div_ceil(64) + 1;
        Segment {
            words: vec![0; words],
            cap,
            slots,
            m,
            w,
            len: 0,
            stash: Default::default(),
        }
    }

    /// Home slot and remainder of `h`.
    #[inline]
    fn split(&self, h: u64) -> (usize, u64) {
        let p = u128::from(h) * self.cap as u128;
        let home = (p >> self.m) as usize;
        let frac = (p & ((1u128 << self.m) - 1)) as u64;
        (home, frac / self.cap as u64)
    }

    /// The `h` whose home is `home` and remainder `r`.
    fn join(&self, home: usize, r: u64) -> u64 {
        let lower = ((home as u128) << self.m).div_ceil(self.cap as u128) as u64;
        lower + r
    }

    #[inline]
    fn mask(&self) -> u64 {
        if self.w == 64 {
            u64::MAX
        } else {
            (1u64 << self.w) - 1
        }
    }

    #[inline]
    fn get(&self, i: usize) -> u64 {
        let bit = i * self.w as usize;
        let (wi, off) = (bit / 64, (bit % 64) as u32);
        let mut v = self.words[wi] >> off;
        if off + self.w > 64 {
            v |= self.words[wi + 1] << (64 - off);
        }
        v & self.mask()
    }

    #[inline]
    fn set(&mut self, i: usize, v: u64) {
        let bit = i * self.w as usize;
        let (wi, off) = (bit / 64, (bit % 64) as u32);
        let mask = self.mask();
        self.words[wi] = (self.words[wi] & !(mask << off)) | (v << off);
        if off + self.w > 64 {
            let hi = 64 - off;
            self.words[wi + 1] = (self.words[wi + 1] & !(mask >> hi)) | (v >> hi);
        }
    }

    /// Where `h` is, or where it belongs: `(position, found)`.
    #[inline]
    fn seek(&self, home: usize, r: u64) -> (usize, bool) {
        let mut j = home;
        while j < self.slots {
            let v = self.get(j);
            if v == 0 {
                return (j, false);
            }
            let at = j - ((v & 0xff) as usize - 1);
            if at > home {
                return (j, false);
            }
            if at == home {
                let rj = v >> DISP_BITS;
                if rj >= r {
                    return (j, rj == r);
                }
            }
            j += 1;
        }
        (j, false)
    }

    fn contains(&self, h: u64) -> bool {
        let (home, r) = self.split(h);
        self.seek(home, r).1 || (!self.stash.is_empty() && self.stash.contains(&h))
    }

    /// Inserts; `true` if it was new.
    fn insert(&mut self, h: u64) -> bool {
        if (self.len + 1) * 8 > self.cap * 7 {
            self.grow();
        }
        self.place(h)
    }

    /// Inserts into the table, or the stash when the table has no place within reach.
    fn place(&mut self, h: u64) -> bool {
        match self.try_insert(h) {
            Ok(new) => new,
            Err(Full) => {
                let new = self.stash.insert(h);
                self.len += usize::from(new);
                new
            }
        }
    }

    fn try_insert(&mut self, h: u64) -> Result<bool, Full> {
        let (home, r) = self.split(h);
        let (j, found) = self.seek(home, r);
        if found || (!self.stash.is_empty() && self.stash.contains(&h)) {
            return Ok(false);
        }
        if j >= self.slots || j - home > MAX_DISP {
            return Err(Full);
        }
        // The first empty slot at or after j; everything in between moves one slot right.
        let mut e = j;
        loop {
            if e >= self.slots {
                return Err(Full);
            }
            let v = self.get(e);
            if v == 0 {
                break;
            }
            if (v & 0xff) as usize - 1 == MAX_DISP {
                return Err(Full);
            }
            e += 1;
        }
        for k in (j + 1..=e).rev() {
            // One more slot from home: the displacement field (low bits) goes up by one.
            let v = self.get(k - 1) + 1;
            self.set(k, v);
        }
        self.set(j, (r << DISP_BITS) | (j - home + 1) as u64);
        self.len += 1;
        Ok(true)
    }

    /// The `h` of every entry, in increasing order.
    fn entries(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.slots).filter_map(move |j| {
            let v = self.get(j);
            (v != 0).then(|| self.join(j - ((v & 0xff) as usize - 1), v >> DISP_BITS))
        })
    }

    /// The same entries in a table of 9/8 the home slots. The entries come out sorted, so each
    /// goes at its home or just after the one before, with no search; the stash is placed
    /// again after them.
    fn grow(&mut self) {
        let cap = (self.cap + self.cap / 8).max(self.cap + MIN_CAP);
        let mut s = Segment::new(cap, self.m);
        let mut next = 0usize;
        for h in self.entries() {
            let (home, r) = s.split(h);
            let j = home.max(next);
            if j >= s.slots || j - home > MAX_DISP {
                s.stash.insert(h);
                continue;
            }
            s.set(j, (r << DISP_BITS) | (j - home + 1) as u64);
            next = j + 1;
        }
        s.len = self.len - self.stash.len();
        for &h in &self.stash {
            s.place(h);
        }
        *self = s;
    }

    /// Where the home slot of `h` is in memory (for a prefetch).
    fn home_ptr(words: *const u64, cap: usize, w: u32, m: u32, h: u64) -> *const u64 {
        let home = ((u128::from(h) * cap as u128) >> m) as usize;
        words.wrapping_add(home * w as usize / 64)
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

/// A set of fingerprints, of which the top `bits` bits count.
pub struct FpSet {
    segs: Vec<Segment>,
    len: usize,
    bits: u32,
}

impl Default for FpSet {
    fn default() -> Self {
        FpSet::with_bits(MAX_BITS)
    }
}

impl FpSet {
    /// An empty set keeping `bits` bits of each fingerprint (clamped to
    /// [`MIN_BITS`]`..=`[`MAX_BITS`]).
    pub fn with_bits(bits: u32) -> FpSet {
        let bits = bits.clamp(MIN_BITS, MAX_BITS);
        FpSet {
            segs: (0..SEGMENTS)
                .map(|_| Segment::new(MIN_CAP, bits - SEG_BITS))
                .collect(),
            len: 0,
            bits,
        }
    }

    /// Fingerprint bits kept.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The segment of `fp` and the bits below the segment bits that the set keeps.
    #[inline]
    fn locate(&self, fp: u64) -> (usize, u64) {
        let seg = (fp >> (64 - SEG_BITS)) as usize;
        let h = (fp << SEG_BITS) >> (64 - (self.bits - SEG_BITS));
        (seg, h)
    }

    /// Inserts a fingerprint; `true` if no fingerprint with the same top `bits` bits was there.
    pub fn insert(&mut self, fp: u64) -> bool {
        let (s, h) = self.locate(fp);
        let new = self.segs[s].insert(h);
        self.len += usize::from(new);
        new
    }

    pub fn contains(&self, fp: u64) -> bool {
        let (s, h) = self.locate(fp);
        self.segs[s].contains(h)
    }

    /// Announces a lookup of `fp` (see `prefetch`).
    pub fn prefetch(&self, fp: u64) {
        let (s, h) = self.locate(fp);
        let seg = &self.segs[s];
        prefetch(Segment::home_ptr(
            seg.words.as_ptr(),
            seg.cap,
            seg.w,
            seg.m,
            h,
        ));
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
        let bits = self.bits;
        let locate = |fp: u64| {
            (
                (fp >> (64 - SEG_BITS)) as usize,
                (fp << SEG_BITS) >> (64 - (bits - SEG_BITS)),
            )
        };
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
                            let (s, h) = locate(f);
                            if s >= lo && s < lo + segs.len() && segs[s - lo].insert(h) {
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
        self.segs
            .iter()
            .map(|s| s.words.len() * 8 + s.stash.capacity() * 16)
            .sum::<usize>()
            + self.segs.capacity() * std::mem::size_of::<Segment>()
    }

    /// Every fingerprint kept, with the bits below `bits` zero (for checkpoints).
    pub fn fingerprints(&self) -> impl Iterator<Item = u64> + '_ {
        let low = 64 - self.bits;
        self.segs.iter().enumerate().flat_map(move |(i, s)| {
            s.entries()
                .chain(s.stash.iter().copied())
                .map(move |h| ((i as u64) << (64 - SEG_BITS)) | (h << low))
        })
    }
}

/// The same set shared by several workers: one lock per segment, so two workers rarely wait
/// for each other.
pub struct SharedFpSet {
    segs: Vec<SharedSegment>,
    len: AtomicUsize,
    bits: u32,
}

/// A locked segment, and where its slots are, for [`SharedFpSet::prefetch`] (which takes no
/// lock: a stale address only wastes the hint).
struct SharedSegment {
    seg: std::sync::Mutex<Segment>,
    words: AtomicPtr<u64>,
    /// `cap` in the low 48 bits, the slot width above.
    shape: AtomicU64,
}

use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering::Relaxed};

fn shape(s: &Segment) -> u64 {
    (s.cap as u64) | (u64::from(s.w) << 48)
}

impl FpSet {
    pub fn into_shared(self) -> SharedFpSet {
        SharedFpSet {
            segs: self
                .segs
                .into_iter()
                .map(|mut s| SharedSegment {
                    words: AtomicPtr::new(s.words.as_mut_ptr()),
                    shape: AtomicU64::new(shape(&s)),
                    seg: std::sync::Mutex::new(s),
                })
                .collect(),
            len: self.len.into(),
            bits: self.bits,
        }
    }
}

impl SharedFpSet {
    fn locate(&self, fp: u64) -> (usize, u64) {
        let seg = (fp >> (64 - SEG_BITS)) as usize;
        (seg, (fp << SEG_BITS) >> (64 - (self.bits - SEG_BITS)))
    }

    /// Inserts a fingerprint; `true` if it was not there yet.
    pub fn insert(&self, fp: u64) -> bool {
        let (i, h) = self.locate(fp);
        let shared = &self.segs[i];
        let mut s = match shared.seg.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        let before = shape(&s);
        let new = s.insert(h);
        if shape(&s) != before {
            shared.words.store(s.words.as_mut_ptr(), Relaxed);
            shared.shape.store(shape(&s), Relaxed);
        }
        drop(s);
        if new {
            self.len.fetch_add(1, Relaxed);
        }
        new
    }

    /// Announces a lookup of `fp` (see `prefetch`).
    pub fn prefetch(&self, fp: u64) {
        let (i, h) = self.locate(fp);
        let shared = &self.segs[i];
        let (words, shape) = (shared.words.load(Relaxed), shared.shape.load(Relaxed));
        let (cap, w) = ((shape & ((1 << 48) - 1)) as usize, (shape >> 48) as u32);
        prefetch(Segment::home_ptr(words, cap, w, self.bits - SEG_BITS, h));
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
            bits: self.bits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn splitmix(n: usize, seed: u64) -> Vec<u64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = x;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                z ^ (z >> 31)
            })
            .collect()
    }

    /// The table against a plain `HashSet` of the kept bits, for several widths and for
    /// clustered fingerprints (many sharing a home slot, which long displacements and forced
    /// growth must handle).
    #[test]
    fn agrees_with_a_hash_set_at_every_width() {
        use std::collections::HashSet;
        for bits in [MIN_BITS, 20, 33, 48, 63, 64] {
            let keep = |f: u64| if bits == 64 { f } else { f >> (64 - bits) };
            let mut fps = splitmix(60_000, u64::from(bits));
            // A cluster: 3,000 fingerprints that agree on their top 40 bits.
            let base = fps[0] & !((1u64 << 24) - 1);
            fps.extend((0..3_000u64).map(|k| base | (k * 4099 % (1 << 24))));
            fps.extend_from_slice(&fps.clone()[..500]);
            let (mut set, mut oracle) = (FpSet::with_bits(bits), HashSet::new());
            for &f in &fps {
                assert_eq!(set.insert(f), oracle.insert(keep(f)), "bits {bits}");
            }
            assert_eq!(set.len(), oracle.len());
            for f in splitmix(20_000, 99) {
                assert_eq!(set.contains(f), oracle.contains(&keep(f)), "bits {bits}");
            }
            let mut back: Vec<u64> = set.fingerprints().map(keep).collect();
            let mut want: Vec<u64> = oracle.into_iter().collect();
            back.sort_unstable();
            want.sort_unstable();
            assert_eq!(back, want, "bits {bits}");
        }
    }

    #[test]
    fn collision_probability_is_the_pairwise_bound() {
        assert_eq!(collision_probability(0, 64), 0.0);
        assert_eq!(collision_probability(1, 64), 0.0);
        // 10^8 states at 64 bits: about 2.7e-4 (TLC's order of magnitude for such runs).
        let p = collision_probability(100_000_000, 64);
        assert!((2.7e-4..2.8e-4).contains(&p), "{p}");
        assert_eq!(collision_probability(1 << 20, 16), 1.0);
    }

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
        assert!((5.0..=9.0).contains(&per), "{per} bytes per fingerprint");
        // What the set holds comes back out, as it went in.
        let mut back: Vec<u64> = s.fingerprints().collect();
        let mut want = fps.clone();
        back.sort_unstable();
        want.sort_unstable();
        want.dedup();
        assert_eq!(back, want);
    }
}
