//! The random draws the taxi model is built from, written out here on top of the
//! raw ChaCha8 stream.
//!
//! Why not `rand`'s `random::<f64>()` and `rand_distr`: their value streams are
//! allowed to change between minor releases, which would change generated files
//! for a fixed seed. The handful of draws the model needs are short enough to own.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// A seeded source of the draws the taxi model uses.
#[derive(Debug, Clone)]
pub(crate) struct Draw {
    rng: ChaCha8Rng,
}

impl Draw {
    pub(crate) fn new(seed: u64) -> Self {
        Self::stream(seed, 0)
    }

    /// Stream `stream` of `seed`: ChaCha's 64-bit stream id gives independent
    /// sequences for one key, so side streams (fault decisions) leave stream 0,
    /// the rows themselves, untouched.
    pub(crate) fn stream(seed: u64, stream: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        Self { rng }
    }

    /// Uniform in [0, 1), with 53 random bits.
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    pub(crate) fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Uniform integer in 0..n (n > 0). The modulo bias is below 2^-40 for the
    /// small n used here.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Standard normal, by the Box–Muller transform (Box & Muller 1958). One of the
    /// pair is thrown away: simpler, and the model is not bound by draw speed.
    pub(crate) fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]: ln stays finite
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// exp(N(mu, sigma²)).
    pub(crate) fn lognormal(&mut self, mu: f64, sigma: f64) -> f64 {
        (mu + sigma * self.normal()).exp()
    }
}

/// A categorical distribution over `0..n` with weights taken from counts, sampled
/// by binary search over the cumulative counts.
#[derive(Debug, Clone)]
pub(crate) struct Weighted {
    cumulative: Vec<u64>,
}

impl Weighted {
    pub(crate) fn new(counts: impl IntoIterator<Item = u64>) -> Self {
        let cumulative: Vec<u64> = counts
            .into_iter()
            .scan(0u64, |acc, c| {
                *acc += c;
                Some(*acc)
            })
            .collect();
        assert!(cumulative.last().is_some_and(|&t| t > 0), "weights must not all be zero");
        Self { cumulative }
    }

    /// An index, with probability proportional to its count.
    pub(crate) fn pick(&self, draw: &mut Draw) -> usize {
        let total = *self.cumulative.last().expect("non-empty by construction");
        let r = draw.below(total);
        self.cumulative.partition_point(|&c| c <= r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let (mut a, mut b) = (Draw::new(7), Draw::new(7));
        for _ in 0..100 {
            assert_eq!(a.normal().to_bits(), b.normal().to_bits());
        }
        assert_ne!(Draw::new(7).uniform(), Draw::new(8).uniform());
        assert_eq!(Draw::new(7).uniform(), Draw::stream(7, 0).uniform());
        assert_ne!(Draw::new(7).uniform(), Draw::stream(7, 1).uniform());
    }

    #[test]
    fn normal_has_unit_moments() {
        let mut d = Draw::new(1);
        let xs: Vec<f64> = (0..100_000).map(|_| d.normal()).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        // 100k draws: the standard error of the mean is 0.003, of the variance 0.0045.
        assert!(mean.abs() < 0.015, "{mean}");
        assert!((var - 1.0).abs() < 0.025, "{var}");
    }

    #[test]
    fn weighted_follows_counts_and_skips_zeros() {
        let w = Weighted::new([1, 0, 3]);
        let mut d = Draw::new(3);
        let mut seen = [0u32; 3];
        for _ in 0..40_000 {
            seen[w.pick(&mut d)] += 1;
        }
        assert_eq!(seen[1], 0);
        let share = f64::from(seen[2]) / 40_000.0;
        assert!((share - 0.75).abs() < 0.01, "{share}");
    }
}
