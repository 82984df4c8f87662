//! Fingerprints: the 64-bit hashes the visited set stores for states.

use std::hash::{Hash, Hasher};

/// Fingerprints: a fixed-seed 64-bit hash of a value's `Hash` writes (stable across runs and
/// machines), never 0 (0 marks "no parent").
///
/// A state's `Hash` impl makes many tiny writes (a `u8` pid, a `u16` message id, a length).
/// Mixing each one separately costs a multiply apiece; instead the writes are packed into a
/// 64-bit sponge, and only a full sponge is folded into the accumulator, with one 64×64→128-bit
/// multiply (the construction of the `foldhash` crate), and the result gets a final avalanche.
/// Packing is sound because a type's derived `Hash` writes are prefix-free: two different
/// values first differ in a write of the same size at the same position, so the words they
/// fold differ.
#[derive(Clone)]
pub struct Fingerprinter {
    seeds: [u64; 2],
}

impl Default for Fingerprinter {
    fn default() -> Self {
        Fingerprinter::FIXED
    }
}

/// The high and low halves of the full product, xored.
#[inline(always)]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// The streaming hasher behind [`Fingerprinter`] (lengths are written as 32 bits: states are far
/// smaller).
struct Sponge {
    acc: u64,
    sponge: u64,
    /// Bits used in `sponge`.
    used: u32,
    fold_seed: u64,
}

impl Sponge {
    #[inline(always)]
    fn absorb(&mut self, x: u64, bits: u32) {
        if self.used + bits > 64 {
            self.acc = folded_multiply(self.sponge ^ self.acc, self.fold_seed);
            self.sponge = x;
            self.used = bits;
        } else {
            // used ≤ 56 here unless bits = 64 and used = 0.
            self.sponge |= x << self.used;
            self.used += bits;
        }
    }
}

impl Hasher for Sponge {
    #[inline]
    fn finish(&self) -> u64 {
        let acc = folded_multiply(
            self.sponge ^ self.acc,
            self.fold_seed ^ u64::from(self.used),
        );
        // murmur3's fmix64: every input bit reaches the low bits the visited set indexes by.
        let mut h = acc;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.absorb(u64::from_le_bytes(w), 64);
        }
        for &b in chunks.remainder() {
            self.absorb(u64::from(b), 8);
        }
    }
    #[inline(always)]
    fn write_u8(&mut self, x: u8) {
        self.absorb(u64::from(x), 8);
    }
    #[inline(always)]
    fn write_u16(&mut self, x: u16) {
        self.absorb(u64::from(x), 16);
    }
    #[inline(always)]
    fn write_u32(&mut self, x: u32) {
        self.absorb(u64::from(x), 32);
    }
    #[inline(always)]
    fn write_u64(&mut self, x: u64) {
        self.absorb(x, 64);
    }
    #[inline(always)]
    fn write_usize(&mut self, x: usize) {
        match u32::try_from(x) {
            Ok(x) => self.write_u32(x),
            Err(_) => self.write_u64(x as u64),
        }
    }
}

impl Fingerprinter {
    /// The one seed set every search uses (fingerprints are comparable across searches).
    pub const FIXED: Fingerprinter = Fingerprinter {
        seeds: [0x243f_6a88_85a3_08d3, 0xa409_3822_299f_31d0],
    };

    /// The fingerprint of `t`.
    #[inline]
    pub fn fp<T: Hash + ?Sized>(&self, t: &T) -> u64 {
        self.part(t).max(1)
    }

    /// The hash of `t`, to be combined with others (may be 0).
    #[inline]
    pub fn part<T: Hash + ?Sized>(&self, t: &T) -> u64 {
        let [acc, fold_seed] = self.seeds;
        let mut h = Sponge {
            acc,
            sponge: 0,
            used: 0,
            fold_seed,
        };
        t.hash(&mut h);
        h.finish()
    }
}
