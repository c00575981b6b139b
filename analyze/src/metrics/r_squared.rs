//! `r_squared`: the weighted coefficient of determination,
//! 1 − Σw·(y−p)² / Σw·(y−ȳ)² with ȳ = Σw·y / Σw (scikit-learn's
//! `r2_score` with `sample_weight`). TFMA has no such metric (its
//! `squared_pearson_correlation` is r² of a fit, not of these predictions),
//! hence the plain name.
//!
//! The total sum of squares comes from exact Σw, Σw·y, Σw·y² combined in
//! double-double arithmetic ([`tabx_core::mean_variance`]), so it stays
//! accurate when the mean dwarfs the spread (fares around 10 with cents of
//! spread) and is the same under any sharding.

use super::{Metric, MetricValue, ZERO_WEIGHT, scalar};
use crate::{MetricOptions, MetricState};

#[derive(Debug)]
pub(crate) struct RSquared;

impl Metric for RSquared {
    fn name(&self) -> &'static str {
        "r_squared"
    }

    fn higher_is_better(&self) -> Option<bool> {
        Some(true)
    }

    fn compute(&self, state: &MetricState, _: &MetricOptions) -> MetricValue {
        let sums = state.sums();
        let weight = sums.weight.value();
        if weight == 0.0 {
            return MetricValue::Undefined(ZERO_WEIGHT.into());
        }
        // mean_variance gives (Σw·y² − (Σw·y)²/W) / W with W = Σw.
        let (_, variance) = tabx_core::mean_variance(weight, &sums.label, &sums.label_squared);
        let total = variance * weight;
        if total == 0.0 {
            return MetricValue::Undefined("the labels are constant in this slice (total sum of squares 0)".into());
        }
        scalar(1.0 - sums.squared_error.value() / total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_minus_residual_over_total() {
        // By hand: y = 1, 2, 3 (ȳ = 2, SS_tot = 2); p = 1, 2, 4 (SS_res = 1) → 0.5.
        let options = MetricOptions::default();
        let mut s = MetricState::default();
        s.add(&[1.0, 2.0, 3.0], &[1.0, 2.0, 4.0], &[1.0; 3], &options);
        assert_eq!(RSquared.compute(&s, &options), MetricValue::Scalar(0.5));
        // The mean dwarfs the spread: y = 1e9 + (1, 2, 3) gives the same R².
        let mut big = MetricState::default();
        big.add(&[1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0], &[1e9 + 1.0, 1e9 + 2.0, 1e9 + 4.0], &[1.0; 3], &options);
        assert_eq!(RSquared.compute(&big, &options), MetricValue::Scalar(0.5));
        let mut constant = MetricState::default();
        constant.add(&[5.0, 5.0], &[4.0, 6.0], &[1.0; 2], &options);
        assert!(matches!(RSquared.compute(&constant, &options), MetricValue::Undefined(r) if r.contains("constant")));
    }
}
