//! Mean and variance from exact sums, in double-double arithmetic.
//!
//! With Σx and Σx² held exactly ([`ExactSum`], x² added as the exact pair
//! p + e of Dekker's two-product), `(n·Σx² − (Σx)²) / n²` evaluated in
//! double-double keeps the digits that `E[x²] − E[x]²` in f64 loses when the
//! mean dwarfs the spread (census tracts: 1.7e10 ± 3e5). The result depends
//! only on the multiset of values, never on how they were partitioned, unlike
//! Welford merges. Used by the statistics (`std_dev`) and by the transforms
//! (`scale_to_z_score`).

use super::ExactSum;

/// Mean and population variance (ddof 0) of `n` values (or total weight)
/// whose exact sum is `sum` and exact sum of squares `sum_sq`. `(0, 0)` for
/// `n == 0`; the variance is NaN when a sum overflows to ±inf or NaN.
pub fn mean_variance(n: f64, sum: &ExactSum, sum_sq: &ExactSum) -> (f64, f64) {
    if n == 0.0 {
        return (0.0, 0.0);
    }
    let mean = sum.value() / n;
    let (s1, s2) = (split(sum), split(sum_sq));
    if !(s1.0.is_finite() && s2.0.is_finite()) {
        return (mean, f64::NAN);
    }
    // n·Σx² overflows long before the variance does ([1.2e154, -1e153]:
    // 2.9e308): work on x / 2^k, an exact rescaling, and scale back by 4^k.
    // Σ(x/2^k) = Σx / 2^k and Σ(x/2^k)² = Σx² / 4^k exactly (powers of two).
    let k = ((s2.0.log2() + n.log2() - 1000.0) / 2.0).ceil().max(0.0) as i32;
    let (down, up) = (2f64.powi(-k), 2f64.powi(k));
    let (s1, s2) = ((s1.0 * down, s1.1 * down), (s2.0 * down * down, s2.1 * down * down));
    let numerator = dd_sub(dd_mul(s2, (n, 0.0)), dd_mul(s1, s1));
    let variance = (numerator.0 + numerator.1) / (n * n) * up * up;
    // Rounding can leave a tiny negative; NaN stays NaN (f64::max(NaN, 0) would be 0).
    (mean, if variance < 0.0 { 0.0 } else { variance })
}

/// Adds x² to `sum_sq` exactly: the rounded square and its rounding error.
#[inline]
pub fn add_square(sum_sq: &mut ExactSum, x: f64) {
    add_squares(sum_sq, x, 1);
}

/// Adds x² `n` times, as `n` calls of [`add_square`] do (a value's count
/// from exact value counts).
#[inline]
pub fn add_squares(sum_sq: &mut ExactSum, x: f64, n: u64) {
    let p = x * x;
    sum_sq.add_multiple(p, n);
    if p.is_finite() {
        sum_sq.add_multiple(x.mul_add(x, -p), n);
    }
}

/// An exact sum as a double-double: the rounded value and the rounded remainder.
fn split(sum: &ExactSum) -> (f64, f64) {
    let hi = sum.value();
    if !hi.is_finite() {
        return (hi, 0.0);
    }
    let mut rest = sum.clone();
    rest.add(-hi);
    (hi, rest.value())
}

/// Error-free sum (Knuth's TwoSum).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let v = s - a;
    (s, (a - (s - v)) + (b - v))
}

/// Double-double product (Dekker's algorithm with a fused multiply-add).
fn dd_mul(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let p = a.0 * b.0;
    let e = a.0.mul_add(b.0, -p) + (a.0 * b.1 + a.1 * b.0);
    two_sum(p, e)
}

/// Double-double difference.
fn dd_sub(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let (s, e) = two_sum(a.0, -b.0);
    two_sum(s, e + a.1 - b.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn census_tract_sized_values_keep_their_variance() {
        // numpy: np.var([17031081401, 17031081402, 17031081403]) == 2/3.
        let (mut s, mut sq) = (ExactSum::default(), ExactSum::default());
        for x in [17031081401.0, 17031081402.0, 17031081403.0] {
            s.add(x);
            add_square(&mut sq, x);
        }
        let (mean, var) = mean_variance(3.0, &s, &sq);
        assert_eq!(mean, 17031081402.0);
        assert!((var - 2.0 / 3.0).abs() < 1e-15, "{var}");
        assert_eq!(mean_variance(0.0, &s, &sq), (0.0, 0.0));
    }

    fn moments(xs: &[f64]) -> (f64, f64) {
        let (mut s, mut sq) = (ExactSum::default(), ExactSum::default());
        for &x in xs {
            s.add(x);
            add_square(&mut sq, x);
        }
        mean_variance(xs.len() as f64, &s, &sq)
    }

    #[test]
    fn huge_values_keep_their_variance_where_n_times_the_squares_overflow() {
        // numpy: np.var([1.2e154, -1e153]) == 4.225e307 (np.std: 6.5e153); n·Σx² = 2.9e308 overflows.
        let (mean, var) = moments(&[1.2e154, -1e153]);
        assert_eq!(mean, 5.5e153);
        assert!((var - 4.225e307).abs() <= 1e-15 * 4.225e307, "{var}");
        // np.var([9e153, -9e153]) == 8.1e307: n·Σx² = 3.24e308 overflows, Σx² does not.
        let (_, var) = moments(&[9e153, -9e153]);
        assert!((var - 8.1e307).abs() <= 1e-15 * 8.1e307, "{var}");
    }

    #[test]
    fn a_sum_that_overflows_gives_nan_never_zero() {
        // x² = inf: the variance cannot be computed from the sums; NaN says so (0 would lie).
        let (_, var) = moments(&[1e155, -1e155]);
        assert!(var.is_nan(), "{var}");
    }
}
