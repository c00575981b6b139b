//! [`HyperLogLog`]: distinct counts in 2^p bytes, mergeable by register maximum.
//!
//! Registers follow Flajolet, Fusy, Gandouet, Meunier 2007 ("HyperLogLog: the
//! analysis of a near-optimal cardinality estimation algorithm") with a full
//! 64-bit hash as in Heule, Nunkesser, Hall 2013 (HLL++), so no large-range
//! correction is needed. For the estimate we use Ertl's improved estimator
//! (O. Ertl 2017, "New cardinality estimation algorithms for HyperLogLog
//! sketches", arXiv:1702.01284, Algorithm 6): it is unbiased from 0 to 2^64
//! without HLL++'s empirical bias tables or its linear-counting threshold,
//! which matter most in the range 1·m..5·m where the raw estimate is biased.

use serde::{Deserialize, Serialize};

use crate::Mergeable;

const MIN_P: u8 = 4;
const MAX_P: u8 = 18;
const DEFAULT_P: u8 = 14;

/// A HyperLogLog sketch of precision `p` (2^p one-byte registers); feed it
/// well-mixed 64-bit hashes such as [`crate::hash64`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "HllRepr")]
pub struct HyperLogLog {
    p: u8,
    registers: Vec<u8>,
}

#[derive(Deserialize)]
struct HllRepr {
    p: u8,
    registers: Vec<u8>,
}

impl TryFrom<HllRepr> for HyperLogLog {
    type Error = String;

    fn try_from(r: HllRepr) -> Result<Self, String> {
        let ok = (MIN_P..=MAX_P).contains(&r.p)
            && r.registers.len() == 1 << r.p
            && r.registers.iter().all(|&v| u32::from(v) <= 65 - u32::from(r.p));
        if ok {
            Ok(Self { p: r.p, registers: r.registers })
        } else {
            Err(format!("HyperLogLog: bad state (p = {})", r.p))
        }
    }
}

impl Default for HyperLogLog {
    /// Precision 14: 16 KiB, relative standard error 0.81 %.
    fn default() -> Self {
        Self::new(DEFAULT_P)
    }
}

impl HyperLogLog {
    /// An empty sketch with 2^p registers; `p` is clamped to 4..=18.
    pub fn new(p: u8) -> Self {
        let p = p.clamp(MIN_P, MAX_P);
        Self { p, registers: vec![0; 1 << p] }
    }

    /// The precision p.
    pub fn precision(&self) -> u8 {
        self.p
    }

    /// Records one hashed value: the top p bits pick the register, which keeps
    /// the maximum position of the first 1-bit in the remaining 64 − p bits.
    #[inline]
    pub fn insert_hash(&mut self, h: u64) {
        let idx = (h >> (64 - self.p)) as usize;
        let rank = ((h << self.p) | (1 << (self.p - 1))).leading_zeros() as u8 + 1;
        let r = &mut self.registers[idx];
        *r = (*r).max(rank);
    }

    /// The estimated number of distinct hashes inserted.
    pub fn estimate(&self) -> f64 {
        let q = 64 - usize::from(self.p);
        let m = self.registers.len() as f64;
        let mut hist = [0u32; 66];
        for &r in &self.registers {
            hist[usize::from(r)] += 1;
        }
        // Ertl 2017, Algorithm 6.
        let mut z = m * tau(1.0 - f64::from(hist[q + 1]) / m);
        for &c in hist[1..=q].iter().rev() {
            z = 0.5 * (z + f64::from(c));
        }
        z += m * sigma(f64::from(hist[0]) / m);
        let alpha_inf = 0.5 / std::f64::consts::LN_2;
        alpha_inf * m * m / z
    }

    /// Relative standard error of [`Self::estimate`]: 1.04 / √(2^p).
    pub fn relative_error(&self) -> f64 {
        1.04 / (self.registers.len() as f64).sqrt()
    }

    /// Bytes held.
    pub fn size_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.registers.len()
    }

    /// The same sketch at a lower precision `p` (exactly what inserting the
    /// same hashes at precision `p` would give).
    fn folded(&self, p: u8) -> Self {
        let d = self.p - p;
        let mut out = Self::new(p);
        for (i, &r) in self.registers.iter().enumerate() {
            if r == 0 {
                continue;
            }
            // The d low index bits become the top bits of the shorter rank word.
            let low = (i & ((1 << d) - 1)) as u32;
            let rank = if low == 0 { d + r } else { (d as u32 - (32 - low.leading_zeros()) + 1) as u8 };
            let slot = &mut out.registers[i >> d];
            *slot = (*slot).max(rank);
        }
        out
    }
}

impl Mergeable for HyperLogLog {
    /// Union: register-wise maximum. Sketches of different precision merge at
    /// the lower one.
    fn merge(&mut self, other: &Self) {
        if other.p < self.p {
            *self = self.folded(other.p);
        }
        let folded;
        let other = if other.p > self.p {
            folded = other.folded(self.p);
            &folded
        } else {
            other
        };
        for (a, &b) in self.registers.iter_mut().zip(&other.registers) {
            *a = (*a).max(b);
        }
    }
}

/// σ(x) = x + Σ_{k≥1} x^(2^k) 2^(k−1) (Ertl 2017, eq. 22).
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let (mut y, mut z) = (1.0, x);
    loop {
        x *= x;
        let prev = z;
        z += x * y;
        y += y;
        if z == prev {
            return z;
        }
    }
}

/// τ(x) = (1 − x − Σ_{k≥1} (1 − x^(2^−k))² 2^−k) / 3 (Ertl 2017, eq. 23).
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let (mut y, mut z) = (1.0, 1.0 - x);
    loop {
        x = x.sqrt();
        let prev = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if z == prev {
            return z / 3.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash64;
    use crate::testing::{assert_eq_state, check_merge_laws};

    fn filled(p: u8, range: std::ops::Range<u64>) -> HyperLogLog {
        let mut h = HyperLogLog::new(p);
        range.for_each(|i| h.insert_hash(hash64(&i.to_le_bytes())));
        h
    }

    #[test]
    fn estimates_within_three_standard_errors() {
        for n in [0u64, 1, 10, 1000, 20_000, 100_000, 1_000_000] {
            let h = filled(14, 0..n);
            let err = (h.estimate() - n as f64).abs() / (n.max(1) as f64);
            assert!(err <= 3.0 * h.relative_error(), "n={n}: estimate {} (rel err {err})", h.estimate());
        }
        assert_eq!(HyperLogLog::default().estimate(), 0.0);
        assert!((HyperLogLog::default().relative_error() - 0.008125).abs() < 1e-12);
    }

    #[test]
    fn duplicates_do_not_count() {
        let mut h = filled(12, 0..5000);
        let before = h.clone();
        (0..5000u64).for_each(|i| h.insert_hash(hash64(&i.to_le_bytes())));
        assert_eq!(h, before);
    }

    #[test]
    fn merge_is_union() {
        let mut a = filled(14, 0..60_000);
        a.merge(&filled(14, 40_000..100_000));
        assert_eq!(a, filled(14, 0..100_000));
    }

    #[test]
    fn folding_equals_inserting_at_lower_precision() {
        let mut hi = filled(14, 0..30_000);
        hi.merge(&filled(10, 20_000..50_000));
        assert_eq!(hi, filled(10, 0..50_000));
        assert_eq!(HyperLogLog::new(99).precision(), MAX_P);
        // Extreme hashes cannot overflow the rank.
        let mut e = HyperLogLog::new(4);
        [0, 1, u64::MAX, 1 << 60].into_iter().for_each(|x| e.insert_hash(x));
        assert_eq!(e.registers[0], 61);
        assert_eq!(e.folded(4), e);
    }

    #[test]
    fn merge_laws() {
        let hashes: Vec<u64> = (0..20_000u64).map(|i| hash64(&(i % 7000).to_le_bytes())).collect();
        let update = |s: &mut HyperLogLog, b: &[u64]| b.iter().for_each(|&h| s.insert_hash(h));
        check_merge_laws(&hashes, update, assert_eq_state);
        let bad = crate::encode_state(&(3u8, vec![0u8; 8])).unwrap();
        assert!(crate::decode_state::<HyperLogLog>(&bad, "bad").is_err());
    }
}
