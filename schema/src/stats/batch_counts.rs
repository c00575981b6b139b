//! [`BatchCounts`]: what the statistics count of a numeric batch without
//! nulls or weights (NaN, zeros, ±inf, min and max), in one vectorised pass.

/// What [`NumericState`](super::numeric::NumericState) counts of a batch,
/// in one pass of four lanes: SSE2 compares and `minpd`/`maxpd` (a select on
/// `<` that a NaN never wins), where four passes over the batch (filter,
/// counts, total-order keys for min and max) were 11% of a Parquet
/// statistics pass.
#[derive(Debug, Default, PartialEq)]
pub(super) struct BatchCounts {
    pub(super) nan: u64,
    pub(super) zero: u64,
    pub(super) pos_inf: u64,
    pub(super) neg_inf: u64,
    /// Smallest and largest non-NaN value by `<`, which cannot tell −0.0 from
    /// 0.0 ([`Self::min_max`] does); ±inf when there is none.
    lo: f64,
    hi: f64,
}

impl BatchCounts {
    const LANES: usize = 4;

    pub(super) fn of(xs: &[f64]) -> Self {
        let mut lanes = Lanes {
            counts: [[0; Self::LANES]; 4],
            lo: [f64::INFINITY; Self::LANES],
            hi: [f64::NEG_INFINITY; Self::LANES],
        };
        let mut chunks = xs.chunks_exact(Self::LANES);
        for chunk in &mut chunks {
            for (i, &x) in chunk.iter().enumerate() {
                lanes.add(i, x);
            }
        }
        for (i, &x) in chunks.remainder().iter().enumerate() {
            lanes.add(i, x);
        }
        let Lanes { counts, lo, hi } = lanes;
        let [nan, zero, pos_inf, neg_inf] = counts.map(|lanes| lanes.iter().sum());
        let lo = lo.into_iter().fold(f64::INFINITY, |a, b| if b < a { b } else { a });
        let hi = hi.into_iter().fold(f64::NEG_INFINITY, |a, b| if b > a { b } else { a });
        Self { nan, zero, pos_inf, neg_inf, lo, hi }
    }

    /// Min and max of the non-NaN values of `xs` (the batch counted) in
    /// total order, so they do not depend on the order of arrival: a zero
    /// found by `<` is −0.0 for the min when the batch holds one, 0.0 for
    /// the max when it holds one. `None` when every value is NaN.
    pub(super) fn min_max(&self, xs: &[f64]) -> Option<(f64, f64)> {
        if self.nan == xs.len() as u64 {
            return None;
        }
        let has = |zero: f64| xs.iter().any(|x| x.to_bits() == zero.to_bits());
        let lo = if self.lo == 0.0 { if has(-0.0) { -0.0 } else { 0.0 } } else { self.lo };
        let hi = if self.hi == 0.0 { if has(0.0) { 0.0 } else { -0.0 } } else { self.hi };
        Some((lo, hi))
    }
}

/// [`BatchCounts`]' accumulators, one per lane: counts of NaN, zero, +inf
/// and −inf; min and max by `<`.
struct Lanes {
    counts: [[u64; BatchCounts::LANES]; 4],
    lo: [f64; BatchCounts::LANES],
    hi: [f64; BatchCounts::LANES],
}

impl Lanes {
    #[inline(always)]
    fn add(&mut self, i: usize, x: f64) {
        self.counts[0][i] += u64::from(x.is_nan());
        self.counts[1][i] += u64::from(x == 0.0);
        self.counts[2][i] += u64::from(x == f64::INFINITY);
        self.counts[3][i] += u64::from(x == f64::NEG_INFINITY);
        self.lo[i] = if x < self.lo[i] { x } else { self.lo[i] };
        self.hi[i] = if x > self.hi[i] { x } else { self.hi[i] };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass counts against a value-by-value reference (counts by
    /// `==`, min and max by `total_cmp` over the non-NaN values), on batches
    /// of every length up to 13 drawn from values that break lane tricks:
    /// NaN of both signs, both zeros, ±inf, subnormals.
    #[test]
    fn batch_counts_match_a_value_by_value_reference() {
        let pool = [f64::NAN, -f64::NAN, 0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, 5e-324, -2.5, 1e300, 3.0];
        let mut seed = 11u64;
        for len in 0..=13 {
            for _ in 0..400 {
                let xs: Vec<f64> = (0..len)
                    .map(|_| {
                        seed = tabx_core::mix64(seed);
                        pool[(seed % pool.len() as u64) as usize]
                    })
                    .collect();
                let got = BatchCounts::of(&xs);
                let count = |f: fn(f64) -> bool| xs.iter().filter(|&&x| f(x)).count() as u64;
                let want = (
                    count(f64::is_nan),
                    count(|x| x == 0.0),
                    count(|x| x == f64::INFINITY),
                    count(|x| x == f64::NEG_INFINITY),
                );
                assert_eq!((got.nan, got.zero, got.pos_inf, got.neg_inf), want, "{xs:?}");
                let values = xs.iter().copied().filter(|x| !x.is_nan());
                let want = values.clone().min_by(f64::total_cmp).zip(values.max_by(f64::total_cmp));
                let bits = |m: Option<(f64, f64)>| m.map(|(a, b)| (a.to_bits(), b.to_bits()));
                assert_eq!(bits(got.min_max(&xs)), bits(want), "{xs:?}");
            }
        }
    }
}
