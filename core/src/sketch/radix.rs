//! LSD radix sort of f64 in IEEE total order, for feeding sketches sorted runs.
//!
//! A KLL sketch sorts its level 0 at every compaction; handing it a batch that is
//! already sorted turns those sorts into linear scans. Comparison sorts of a
//! batch cost ~13 comparisons per value; eight counting passes over byte digits
//! cost a few ns per value and skip the digits all values share (the exponent
//! bytes of values of one magnitude).

/// Sorts `xs` in the order of [`f64::total_cmp`]; `buffer` is scratch space reused across calls.
pub fn sort_f64(xs: &mut [f64], buffer: &mut Vec<u64>) {
    if xs.len() < 64 {
        xs.sort_unstable_by(f64::total_cmp);
        return;
    }
    buffer.clear();
    buffer.resize(2 * xs.len(), 0);
    let (mut from, mut to) = buffer.split_at_mut(xs.len());
    for (k, x) in from.iter_mut().zip(xs.iter()) {
        *k = key(*x);
    }
    for shift in (0..64).step_by(8) {
        let mut counts = [0usize; 256];
        for k in from.iter() {
            counts[((k >> shift) & 0xff) as usize] += 1;
        }
        // A digit that every key shares moves nothing: skip the pass.
        if counts.contains(&from.len()) {
            continue;
        }
        let mut offsets = [0usize; 256];
        let mut total = 0;
        for (offset, count) in offsets.iter_mut().zip(counts) {
            *offset = total;
            total += count;
        }
        for &k in from.iter() {
            let digit = ((k >> shift) & 0xff) as usize;
            to[offsets[digit]] = k;
            offsets[digit] += 1;
        }
        std::mem::swap(&mut from, &mut to);
    }
    for (x, k) in xs.iter_mut().zip(from.iter()) {
        *x = value(*k);
    }
}

/// Maps f64 bits to u64 so that unsigned order is `total_cmp` order: negative
/// numbers have every bit flipped, others only the sign bit.
#[inline]
fn key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 { !bits } else { bits | (1 << 63) }
}

#[inline]
fn value(k: u64) -> f64 {
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
