//! Confidence intervals: which sample a row lands in ([`RowHasher`],
//! [`poisson_multiplicity`]) and the interval of a metric from its sample
//! values ([`jackknife_interval`], [`bootstrap_interval`]), as TFMA computes them.
//!
//! A row's jackknife bucket and its Poisson weights come from a hash of its
//! values (the columns the evaluation reads, or `example_key`), mixed with the
//! seed: never from its position, file or shard. The same rows therefore give
//! the same intervals however the input is split, batched or merged. (TFMA
//! draws them from `np.random.RandomState`, so its intervals depend on how
//! Beam distributes the rows.)
//!
//! The intervals follow `tensorflow_model_analysis/evaluators/jackknife.py`
//! (`_JackknifeSampleCombineFn`), `poisson_bootstrap.py`
//! (`_BootstrapSampleCombineFn`) and `utils/math_util.py`
//! (`calculate_confidence_interval`): a 95% Student-t interval centred on the
//! mean of the sample values, with the standard error the samples give.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use tabx_core::{Result, TabxError, hash64};

use crate::EvalConfig;

/// Two-sided confidence level of every interval (TFMA's `alpha = 0.05`).
pub const CONFIDENCE_LEVEL: f64 = 0.95;

/// Hashes each row's values into a u64 that picks its CI sample.
#[derive(Debug, Clone)]
pub(crate) struct RowHasher {
    columns: Vec<String>,
    /// Whether `columns` is the example key.
    keyed: bool,
    seed: u64,
}

/// One column's values in the canonical form that is hashed.
enum Values {
    Numbers(arrow::array::Float64Array),
    Bools(arrow::array::BooleanArray),
    Text(arrow::array::StringArray),
}

impl RowHasher {
    /// Hashes `example_key` when the config names one, else every column the evaluation reads.
    pub(crate) fn new(config: &EvalConfig) -> Self {
        let columns = match &config.example_key {
            Some(key) => vec![key.clone()],
            None => config.columns(),
        };
        Self { columns, keyed: config.example_key.is_some(), seed: config.confidence_intervals.seed }
    }

    /// One hash per row of `batch`.
    ///
    /// Numbers of every type are hashed as f64 (−0 as +0, one NaN), so an
    /// integer column typed Int64 in one file and Float64 in another hashes
    /// alike; other types are hashed as the text Arrow casts them to.
    pub(crate) fn hashes(&self, batch: &RecordBatch) -> Result<Vec<u64>> {
        let mut columns = Vec::with_capacity(self.columns.len());
        for name in &self.columns {
            let role = if self.keyed { "example key" } else { "evaluated" };
            let array = batch.column_by_name(name).ok_or_else(|| missing_column(batch, name, role))?;
            columns.push(canonical(array.as_ref())?);
        }
        let mut buf = Vec::with_capacity(64);
        let hashes = (0..batch.num_rows())
            .map(|row| {
                buf.clear();
                buf.extend_from_slice(&self.seed.to_le_bytes());
                for values in &columns {
                    encode(values, row, &mut buf);
                }
                hash64(&buf)
            })
            .collect();
        Ok(hashes)
    }
}

fn canonical(array: &dyn Array) -> Result<Values> {
    let dt = array.data_type();
    Ok(if dt.is_numeric() {
        Values::Numbers(cast(array, &DataType::Float64)?.as_primitive::<Float64Type>().clone())
    } else if *dt == DataType::Boolean {
        Values::Bools(array.as_boolean().clone())
    } else {
        Values::Text(cast(array, &DataType::Utf8)?.as_string::<i32>().clone())
    })
}

/// Appends a tagged, length-prefixed encoding of one value (so that
/// `("ab", "c")` and `("a", "bc")` differ).
fn encode(values: &Values, row: usize, buf: &mut Vec<u8>) {
    match values {
        Values::Numbers(a) if a.is_valid(row) => {
            let x = a.value(row);
            let x = if x.is_nan() { f64::NAN } else { x + 0.0 };
            buf.push(1);
            buf.extend_from_slice(&x.to_bits().to_le_bytes());
        }
        Values::Bools(a) if a.is_valid(row) => buf.extend_from_slice(&[2, u8::from(a.value(row))]),
        Values::Text(a) if a.is_valid(row) => {
            let s = a.value(row).as_bytes();
            buf.push(3);
            buf.extend_from_slice(&(s.len() as u64).to_le_bytes());
            buf.extend_from_slice(s);
        }
        _ => buf.push(0),
    }
}

/// The error of a column the evaluation needs that the data lacks.
pub(crate) fn missing_column(batch: &RecordBatch, name: &str, role: &str) -> TabxError {
    let names: Vec<&str> = batch.schema_ref().fields().iter().map(|f| f.name().as_str()).collect();
    TabxError::config(format!("{role} column `{name}` is not in the data"))
        .with_hint(format!("columns are: {}", names.join(", ")))
}

/// The jackknife bucket of a row.
pub(crate) fn jackknife_bucket(hash: u64, num_buckets: usize) -> usize {
    (hash % num_buckets as u64) as usize
}

/// How many times bootstrap sample `sample` counts a row: a Poisson(1) draw
/// (the Poisson bootstrap of Hanley & MacGibbon 2006, as TFMA's
/// `_BootstrapCombineFn`), by the inverse CDF of a uniform derived from the
/// row's hash and the sample index.
pub(crate) fn poisson_multiplicity(hash: u64, sample: usize) -> u32 {
    let bits = splitmix64(hash ^ (sample as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let u = (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    let mut k = 0u32;
    let mut p = (-1.0f64).exp();
    let mut cdf = p;
    // P(K > 20) < 1e-19: below the resolution of u.
    while u >= cdf && k < 20 {
        k += 1;
        p /= f64::from(k);
        cdf += p;
    }
    k
}

/// Steele, Lea & Flood 2014's SplitMix64 finaliser: spreads a hash into
/// independent-looking bits.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A metric's confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub lower: f64,
    pub upper: f64,
    pub standard_error: f64,
    pub degrees_of_freedom: u32,
}

/// TFMA's `mean_and_std` (`confidence_intervals_util.py`): two-pass mean and
/// standard deviation with `ddof` 1.
fn mean_and_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    (mean, (squares / (n - 1.0)).sqrt())
}

/// TFMA's `calculate_confidence_interval`: mean ± t(0.975, dof) · standard error.
fn t_interval(mean: f64, standard_error: f64, degrees_of_freedom: u32) -> Interval {
    let t = student_t_quantile(0.5 + CONFIDENCE_LEVEL / 2.0, degrees_of_freedom);
    Interval { lower: mean - standard_error * t, upper: mean + standard_error * t, standard_error, degrees_of_freedom }
}

/// The delete-one-bucket jackknife (`_JackknifeSampleCombineFn.extract_output`):
/// pseudo-values n·θ − (n−1)·θᵢ from the estimate on every bucket (`point`) and
/// on all buckets but i (`leave_one_out`), standard error = their standard
/// deviation (ddof 1) / √n, centred on the mean of the θᵢ, n − 1 degrees of freedom.
pub(crate) fn jackknife_interval(point: f64, leave_one_out: &[f64]) -> Interval {
    let n = leave_one_out.len() as f64;
    let pseudo: Vec<f64> = leave_one_out.iter().map(|t| point * n - t * (n - 1.0)).collect();
    let (_, std) = mean_and_std(&pseudo);
    let mean = leave_one_out.iter().sum::<f64>() / n;
    t_interval(mean, std / n.sqrt(), leave_one_out.len() as u32 - 1)
}

/// The Poisson bootstrap (`_BootstrapSampleCombineFn.extract_output`): the
/// standard deviation of the sample values (ddof 1) is the standard error,
/// centred on their mean, with `num_samples − 1` degrees of freedom.
pub(crate) fn bootstrap_interval(samples: &[f64]) -> Interval {
    let (mean, std) = mean_and_std(samples);
    t_interval(mean, std, samples.len() as u32 - 1)
}

/// The quantile of Student's t distribution with `dof` degrees of freedom at
/// `p` ∈ (0.5, 1) (scipy's `stats.t.ppf(p, dof)`).
///
/// For integer degrees of freedom, P(|T| ≤ t) has a closed form in
/// θ = atan(t/√ν) (Abramowitz & Stegun 1964, 26.7.3 for odd ν and 26.7.4 for
/// even ν); it increases with θ, so bisection on θ ∈ (0, π/2) finds the
/// quantile to the last bits.
pub(crate) fn student_t_quantile(p: f64, dof: u32) -> f64 {
    let target = 2.0 * p - 1.0;
    let (mut lo, mut hi) = (0.0f64, std::f64::consts::FRAC_PI_2);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if two_sided_cdf(mid, dof) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    f64::from(dof).sqrt() * (0.5 * (lo + hi)).tan()
}

/// A(t | ν) = P(|T| ≤ t) as a function of θ = atan(t/√ν) (A&S 26.7.3–4).
fn two_sided_cdf(theta: f64, dof: u32) -> f64 {
    let (sin, cos) = theta.sin_cos();
    let cos2 = cos * cos;
    if dof.is_multiple_of(2) {
        // sin θ · (1 + ½cos²θ + (1·3)/(2·4)cos⁴θ + … up to cos^(ν−2)θ)
        let (mut term, mut sum) = (1.0, 1.0);
        for k in 1..dof / 2 {
            term *= f64::from(2 * k - 1) / f64::from(2 * k) * cos2;
            sum += term;
        }
        sin * sum
    } else {
        // (2/π)(θ + sin θ · (cos θ + ⅔cos³θ + … up to cos^(ν−2)θ)), ν > 1; 2θ/π for ν = 1
        let mut sum = 0.0;
        if dof > 1 {
            let mut term = cos;
            sum = cos;
            for k in 1..=(dof - 3) / 2 {
                term *= f64::from(2 * k) / f64::from(2 * k + 1) * cos2;
                sum += term;
            }
        }
        std::f64::consts::FRAC_2_PI * (theta + sin * sum)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Float64Array, Int64Array, StringArray};

    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    #[test]
    fn t_quantiles_match_scipy() {
        // scipy.stats.t.ppf(0.975, dof) (scipy 1.17.1).
        let cases = [
            (1, 12.706204736174694),
            (2, 4.302652729749462),
            (3, 3.1824463052837078),
            (4, 2.7764451051977934),
            (9, 2.262157162798205),
            (19, 2.0930240544083087),
            (99, 1.9842169515864174),
            (999, 1.9623414611334493),
        ];
        for (dof, want) in cases {
            let got = student_t_quantile(0.975, dof);
            assert!(close(got, want, 1e-12), "dof {dof}: {got} vs {want}");
        }
    }

    #[test]
    fn jackknife_matches_numpy() {
        // numpy: loo = [2.4, 2.6, 2.55, 2.45, 2.5], theta = 2.5, n = 5,
        // pv = n*theta - (n-1)*loo; se = np.std(pv, ddof=1)/sqrt(n) = 0.1414213562373095;
        // bounds = loo.mean() -/+ t.ppf(0.975, 4)*se.
        let iv = jackknife_interval(2.5, &[2.4, 2.6, 2.55, 2.45, 2.5]);
        assert!(close(iv.standard_error, 0.1414213562373095, 1e-12), "{iv:?}");
        assert!(close(iv.lower, 2.1073513677044886, 1e-12), "{iv:?}");
        assert!(close(iv.upper, 2.8926486322955114, 1e-12), "{iv:?}");
        assert_eq!(iv.degrees_of_freedom, 4);
    }

    #[test]
    fn bootstrap_matches_numpy() {
        // numpy: bs = [1.0, 1.2, 0.9, 1.1, 1.05, 0.95]; sd = np.std(bs, ddof=1) = 0.10801234497346433;
        // bounds = bs.mean() -/+ t.ppf(0.975, 5)*sd.
        let iv = bootstrap_interval(&[1.0, 1.2, 0.9, 1.1, 1.05, 0.95]);
        assert!(close(iv.standard_error, 0.10801234497346433, 1e-12), "{iv:?}");
        assert!(close(iv.lower, 0.7556787613200626, 1e-12), "{iv:?}");
        assert!(close(iv.upper, 1.3109879053466043, 1e-12), "{iv:?}");
        assert_eq!(iv.degrees_of_freedom, 5);
    }

    #[test]
    fn poisson_draws_have_poisson_moments() {
        let n = 200_000u64;
        let draws: Vec<f64> = (0..n).map(|i| f64::from(poisson_multiplicity(hash64(&i.to_le_bytes()), 3))).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n as f64;
        let zeros = draws.iter().filter(|d| **d == 0.0).count() as f64 / n as f64;
        // Poisson(1): mean 1, variance 1, P(0) = e^-1 = 0.36788 (sd of the estimates ~ 0.003).
        assert!((mean - 1.0).abs() < 0.01 && (var - 1.0).abs() < 0.02, "{mean} {var}");
        assert!((zeros - (-1.0f64).exp()).abs() < 0.005, "{zeros}");
    }

    #[test]
    fn row_hashes_depend_on_values_and_seed_only() {
        let mut config = EvalConfig::new("y", "p");
        let batch = |ys: Vec<f64>, ps: Vec<f64>| {
            RecordBatch::try_from_iter([
                ("y", Arc::new(Float64Array::from(ys)) as _),
                ("p", Arc::new(Float64Array::from(ps)) as _),
            ])
            .unwrap()
        };
        let h = RowHasher::new(&config).hashes(&batch(vec![1.0, 2.0, 1.0], vec![0.5, 0.5, 0.5])).unwrap();
        assert_eq!(h[0], h[2]);
        assert_ne!(h[0], h[1]);
        // The same row alone in a batch hashes alike; −0 is +0.
        let alone = RowHasher::new(&config).hashes(&batch(vec![2.0], vec![0.5])).unwrap();
        assert_eq!(alone[0], h[1]);
        let zero = RowHasher::new(&config).hashes(&batch(vec![-0.0, 0.0], vec![0.5, 0.5])).unwrap();
        assert_eq!(zero[0], zero[1]);
        config.confidence_intervals.seed = 7;
        assert_ne!(RowHasher::new(&config).hashes(&batch(vec![2.0], vec![0.5])).unwrap()[0], h[1]);
        // An example key: only its values matter; integers hash as the same float.
        config.example_key = Some("id".into());
        let keyed = RecordBatch::try_from_iter([
            ("id", Arc::new(Int64Array::from(vec![5, 5])) as _),
            ("y", Arc::new(Float64Array::from(vec![1.0, 9.0])) as _),
        ])
        .unwrap();
        let hk = RowHasher::new(&config).hashes(&keyed).unwrap();
        assert_eq!(hk[0], hk[1]);
        let as_float = RecordBatch::try_from_iter([("id", Arc::new(Float64Array::from(vec![5.0])) as _)]).unwrap();
        assert_eq!(RowHasher::new(&config).hashes(&as_float).unwrap()[0], hk[0]);
        let text = RecordBatch::try_from_iter([("id", Arc::new(StringArray::from(vec!["x"])) as _)]).unwrap();
        assert_ne!(RowHasher::new(&config).hashes(&text).unwrap()[0], hk[0]);
        let err = RowHasher::new(&config).hashes(&batch(vec![1.0], vec![1.0])).unwrap_err().to_string();
        assert!(err.contains("example key column `id` is not in the data"), "{err}");
    }
}
