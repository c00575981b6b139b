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
    let numerator = dd_sub(dd_mul(s2, (n, 0.0)), dd_mul(s1, s1));
    (mean, ((numerator.0 + numerator.1) / (n * n)).max(0.0))
}

/// Adds x² to `sum_sq` exactly: the rounded square and its rounding error.
pub fn add_square(sum_sq: &mut ExactSum, x: f64) {
    let p = x * x;
    sum_sq.add(p);
    if p.is_finite() {
        sum_sq.add(x.mul_add(x, -p));
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
}
