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

/// Scratch space of [`add_sums`], kept between batches.
#[derive(Debug, Default)]
pub struct SumBuffers {
    squares: Vec<f64>,
    errors: Vec<f64>,
}

/// Adds Σx to `sum` and Σx² to `sum_sq`, exactly, for the values `xs` (NaN
/// is not skipped here: filter it first): the same sums as [`ExactSum::add`]
/// and [`add_square`] per value, batch-wise. A batch of integers below 2⁵³
/// (INT columns, mostly) is summed in i128, without a superaccumulation or
/// a Dekker product per value; any other batch adds x, then the rounded
/// squares and their rounding errors, each as one [`ExactSum::add_slice`].
pub fn add_sums(sum: &mut ExactSum, sum_sq: &mut ExactSum, xs: &[f64], buffers: &mut SumBuffers) {
    if let Some((s, s2)) = integer_sums(xs) {
        sum.add_i128(s);
        sum_sq.add_i128(s2);
        return;
    }
    sum.add_slice(xs);
    let SumBuffers { squares, errors } = buffers;
    squares.clear();
    errors.clear();
    squares_and_errors(xs, squares, errors);
    sum_sq.add_slice(squares);
    sum_sq.add_slice(errors);
}

/// x² = p + e for each x, p the rounded square and e = fma(x, x, −p) its
/// rounding error, exactly (Dekker 1971): Σx² stays exact, so the variance
/// loses nothing to rounding. `e` only where p is finite.
///
/// Baseline x86-64 has no FMA instruction, so `mul_add` there is a call to
/// libm's `fma` per value (~1.3% of a Parquet statistics pass, perf): on a
/// CPU that has FMA the same loop is compiled with it. Both give the
/// correctly rounded fma, so the same bits.
fn squares_and_errors(xs: &[f64], squares: &mut Vec<f64>, errors: &mut Vec<f64>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has FMA, checked just above.
        return unsafe { squares_and_errors_fma(xs, squares, errors) };
    }
    squares_and_errors_inline(xs, squares, errors);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
fn squares_and_errors_fma(xs: &[f64], squares: &mut Vec<f64>, errors: &mut Vec<f64>) {
    squares_and_errors_inline(xs, squares, errors);
}

#[inline(always)]
fn squares_and_errors_inline(xs: &[f64], squares: &mut Vec<f64>, errors: &mut Vec<f64>) {
    for &x in xs {
        let p = x * x;
        if p.is_finite() {
            errors.push(x.mul_add(x, -p));
        }
        squares.push(p);
    }
}

/// Σx and Σx² of `xs`, exactly, when every value is an integer of magnitude
/// below 2⁵³ (so x² < 2¹⁰⁶, and up to 2²⁰ of them sum below 2¹²⁷); `None`
/// otherwise, and for longer batches.
fn integer_sums(xs: &[f64]) -> Option<(i128, i128)> {
    const LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53
    // One pass without early exit. Below 2^53 in magnitude, x is an integer
    // iff converting it to i64 and back gives x: two instructions, where
    // `trunc` is a libm call on baseline x86-64 (3.7% of a Parquet pass, perf).
    let integral = xs.iter().fold(true, |all, &x| all & (x.abs() < LIMIT) & ((x as i64) as f64 == x));
    if !integral || xs.len() > 1 << 20 {
        return None;
    }
    let (mut sum, mut sum_sq) = (0i128, 0i128);
    for &x in xs {
        let i = i128::from(x as i64);
        sum += i;
        sum_sq += i * i;
    }
    Some((sum, sum_sq))
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

    /// Batch sums equal per-value sums: integers (in i128), and mixed
    /// batches with ±inf, -0.0, subnormals and huge values (superaccumulated).
    #[test]
    fn batch_sums_equal_sums_value_by_value() {
        let big = 9_007_199_254_740_991.0; // 2^53 - 1
        let ints = [3.0, -7.0, 0.0, -0.0, big, -big, 1e15, 42.0];
        let mixed = [3.0, 0.5, -7.0, 1e300, 5e-324, -0.0, f64::INFINITY, 0.1];
        for xs in [&ints[..], &mixed[..], &mixed[..2], &[][..]] {
            let (mut sum, mut sum_sq) = (ExactSum::default(), ExactSum::default());
            add_sums(&mut sum, &mut sum_sq, xs, &mut SumBuffers::default());
            let (mut want, mut want_sq) = (ExactSum::default(), ExactSum::default());
            for &x in xs {
                want.add(x);
                add_square(&mut want_sq, x);
            }
            assert_eq!((sum, sum_sq), (want, want_sq), "{xs:?}");
        }
        assert!(integer_sums(&ints).is_some() && integer_sums(&mixed).is_none());
        assert!(integer_sums(&[9_007_199_254_740_992.0]).is_none(), "2^53 is past the exact range");
        assert!(integer_sums(&[f64::INFINITY]).is_none());
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
