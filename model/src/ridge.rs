//! Ridge regression from mergeable normal equations ([`NormalEquations`]).
//!
//! The state holds n, Σx, Σy, Σy², Xᵀy and XᵀX (upper triangle) of the
//! design rows; tasks and shards each build one and merge them. The fit is
//! scikit-learn's `Ridge(alpha=λ, fit_intercept=True)`: minimise
//! ‖y − Xβ − b‖² + λ‖β‖², the intercept b unpenalised, by centring on the
//! means (sklearn's `_preprocess_data`): with x̄ = Σx/n and ȳ = Σy/n,
//!
//! ```text
//!   (XᵀX − n x̄x̄ᵀ + λI) β = Xᵀy − n x̄ ȳ,     b = ȳ − x̄ᵀβ
//! ```
//!
//! solved by Cholesky (`linalg::solve_spd`). Rows are unweighted. Sums are
//! f64 in row order, so a run is deterministic when states merge in task
//! order (as `scan_merged` does); another split or order may change the last
//! bits of the coefficients, never more than rounding.

use std::collections::BTreeMap;

use arrow::array::RecordBatch;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};
use tabx_core::{Mergeable, Result, TabxError};

use crate::encoder::{DesignRows, Encoder, add_counts};
use crate::linalg::{Gram, solve_spd};
use crate::plan::ModelKind;

/// The mergeable normal equations of the design rows (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NormalEquations {
    rows: u64,
    sum_y: f64,
    sum_yy: f64,
    sum_x: Vec<f64>,
    xty: Vec<f64>,
    xtx: Gram,
    skipped: BTreeMap<String, u64>,
}

/// A solved linear fit, in the encoder's (offset) design columns.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearFit {
    pub intercept: f64,
    pub coefficients: Vec<f64>,
    /// √(Σ(y − ŷ)² / n) on the training rows.
    pub rmse: f64,
}

impl NormalEquations {
    /// Adds the usable rows of a transformed batch.
    pub fn update(&mut self, encoder: &Encoder, batch: &RecordBatch) -> Result<()> {
        let rows = encoder.encode(batch, Some(ModelKind::Linear))?;
        self.add_rows(encoder.width(), &rows);
        Ok(())
    }

    /// Adds design rows of `dim` columns.
    pub fn add_rows(&mut self, dim: usize, rows: &DesignRows) {
        if self.xtx.dim != dim || self.sum_x.len() != dim {
            *self = NormalEquations { skipped: std::mem::take(&mut self.skipped), ..Self::zeros(dim) };
        }
        for r in 0..rows.len() {
            let y = rows.labels[r];
            self.sum_y += y;
            self.sum_yy += y * y;
            for (c, x) in rows.row(r) {
                self.sum_x[c] += x;
                self.xty[c] += x * y;
            }
            self.xtx.add_row(rows, r, 1.0, 0);
        }
        self.rows += rows.len() as u64;
        add_counts(&mut self.skipped, &rows.skipped);
    }

    fn zeros(dim: usize) -> Self {
        NormalEquations { sum_x: vec![0.0; dim], xty: vec![0.0; dim], xtx: Gram::new(dim), ..Default::default() }
    }

    /// Folds `other` in; both must come from one encoder (an empty state fits anything).
    pub fn try_merge(&mut self, other: &Self) -> Result<()> {
        add_counts(&mut self.skipped, &other.skipped);
        if other.rows == 0 && other.sum_x.is_empty() {
            return Ok(());
        }
        if self.rows == 0 && self.sum_x.is_empty() {
            let skipped = std::mem::take(&mut self.skipped);
            *self = NormalEquations { skipped, ..other.clone() };
            return Ok(());
        }
        if self.sum_x.len() != other.sum_x.len() {
            return Err(TabxError::config(format!(
                "cannot merge normal equations of {} and {} design columns",
                self.sum_x.len(),
                other.sum_x.len()
            ))
            .with_hint("merge only the states of one training run"));
        }
        self.rows += other.rows;
        self.sum_y += other.sum_y;
        self.sum_yy += other.sum_yy;
        self.sum_x.iter_mut().zip(&other.sum_x).for_each(|(a, b)| *a += b);
        self.xty.iter_mut().zip(&other.xty).for_each(|(a, b)| *a += b);
        self.xtx.add(&other.xtx);
        Ok(())
    }

    /// Training rows so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Rows left out, by reason.
    pub fn skipped(&self) -> &BTreeMap<String, u64> {
        &self.skipped
    }

    /// The ridge solution with penalty `l2` (see the module docs).
    pub fn solve(&self, encoder: &Encoder, l2: f64) -> Result<LinearFit> {
        let dim = encoder.width();
        if self.rows == 0 {
            return Err(TabxError::config("no rows to train on").with_hint("check the label for missing values"));
        }
        if self.sum_x.len() != dim {
            return Err(TabxError::Internal(format!("{} sums for {dim} design columns", self.sum_x.len())));
        }
        let n = self.rows as f64;
        let mean_x = DVector::from_iterator(dim, self.sum_x.iter().map(|s| s / n));
        let mean_y = self.sum_y / n;
        let mut a = self.xtx.to_matrix() - (&mean_x * mean_x.transpose()) * n;
        let b = DVector::from_column_slice(&self.xty) - &mean_x * (n * mean_y);
        let centred = a.clone();
        for i in 0..dim {
            a[(i, i)] += l2;
        }
        let names: Vec<String> = encoder.columns.iter().map(|c| c.name.clone()).collect();
        let beta = solve_spd(&a, &b, &names)?;
        // Σ(y − ŷ)² = Syy − 2βᵀSxy + βᵀSxxβ on the centred sums.
        let syy = self.sum_yy - n * mean_y * mean_y;
        let sse = syy - 2.0 * beta.dot(&b) + beta.dot(&(&centred * &beta));
        Ok(LinearFit {
            intercept: mean_y - mean_x.dot(&beta),
            coefficients: beta.iter().copied().collect(),
            rmse: (sse.max(0.0) / n).sqrt(),
        })
    }
}

impl Mergeable for NormalEquations {
    /// # Panics
    /// When the states have different design widths: states of one training
    /// run never do (use [`NormalEquations::try_merge`] for states from files).
    fn merge(&mut self, other: &Self) {
        self.try_merge(other).expect("normal equations of one encoder");
    }
}

#[cfg(test)]
mod tests {
    use tabx_core::testing::check_merge_laws;

    use super::*;
    use crate::encoder::{Encoding, FeatureEncoding};

    fn encoder(width: usize) -> Encoder {
        let features = (0..width)
            .map(|i| FeatureEncoding { name: format!("x{i}"), encoding: Encoding::Numeric { offset: 0.0 } })
            .collect();
        Encoder::from_features("y".into(), features).unwrap()
    }

    /// Dense rows as design rows.
    fn design(rows: &[(Vec<f64>, f64)]) -> DesignRows {
        let mut d = DesignRows { starts: vec![0], ..Default::default() };
        for (i, (x, y)) in rows.iter().enumerate() {
            for (c, v) in x.iter().enumerate() {
                d.columns.push(c as u32);
                d.values.push(*v);
            }
            d.starts.push(d.columns.len());
            d.labels.push(*y);
            d.rows.push(i);
        }
        d
    }

    /// 8 rows of 3 features (the third is x0 + x1 on all but one row).
    fn data() -> Vec<(Vec<f64>, f64)> {
        vec![
            (vec![1.0, 2.0, 3.0], 3.5),
            (vec![2.0, 0.5, 2.5], 2.0),
            (vec![0.0, 1.0, 1.0], 1.5),
            (vec![3.0, 3.0, 6.0], 7.0),
            (vec![4.0, 1.0, 5.0], 4.5),
            (vec![1.5, 2.5, 4.0], 4.0),
            (vec![2.5, 4.0, 6.5], 6.5),
            (vec![0.5, 0.0, 1.0], 0.0),
        ]
    }

    /// sklearn.linear_model.Ridge(alpha=λ, solver="cholesky", fit_intercept=True).fit(X, y) on `data()`:
    /// (scikit-learn 1.9.1), and the training RMSE √mean((predict(X) − y)²):
    ///   λ = 1.0: coef_ = [0.25262727064800067, 0.6407410528343231, 0.616629148559665],
    ///            intercept_ = -0.18946443403835245, RMSE 0.4479403316983649
    ///   λ = 0.1: coef_ = [0.7141115927343017, 1.1312398600984264, 0.13978906754533618],
    ///            intercept_ = -0.155732386855012, RMSE 0.4163224358485966
    #[test]
    fn matches_sklearn_ridge() {
        let mut eq = NormalEquations::default();
        eq.add_rows(3, &design(&data()));
        for (l2, coef, intercept, rmse) in [
            (
                1.0,
                [0.25262727064800067, 0.6407410528343231, 0.616629148559665],
                -0.18946443403835245,
                0.4479403316983649,
            ),
            (
                0.1,
                [0.7141115927343017, 1.1312398600984264, 0.13978906754533618],
                -0.155732386855012,
                0.4163224358485966,
            ),
        ] {
            let fit = eq.solve(&encoder(3), l2).unwrap();
            for (got, want) in fit.coefficients.iter().zip(coef) {
                assert!((got - want).abs() < 1e-12, "λ={l2}: {got} vs {want}");
            }
            assert!((fit.intercept - intercept).abs() < 1e-12, "λ={l2}: {} vs {intercept}", fit.intercept);
            assert!((fit.rmse - rmse).abs() < 1e-12, "λ={l2}: {} vs {rmse}", fit.rmse);
        }
    }

    #[test]
    fn merge_laws() {
        let data = data();
        let update = |s: &mut NormalEquations, part: &[(Vec<f64>, f64)]| s.add_rows(3, &design(part));
        // Sums of these values are exact in f64 (halves and small integers), so every order gives the same bits.
        check_merge_laws(&data, update, tabx_core::testing::assert_eq_state);
    }

    #[test]
    fn merges_in_task_order_are_deterministic() {
        // Values whose sums round: the same split merged in the same order gives the same bits.
        let data: Vec<(Vec<f64>, f64)> =
            (0..500).map(|i| (vec![(i as f64 * 0.37).sin(), (i as f64).ln_1p() / 3.0], (i as f64).sqrt())).collect();
        let shard = |part: &[(Vec<f64>, f64)]| {
            let mut s = NormalEquations::default();
            s.add_rows(2, &design(part));
            s
        };
        let merged = |cuts: &[usize]| {
            let mut m = NormalEquations::default();
            cuts.windows(2).for_each(|w| m.try_merge(&shard(&data[w[0]..w[1]])).unwrap());
            m.solve(&encoder(2), 0.5).unwrap()
        };
        assert_eq!(merged(&[0, 100, 333, 500]), merged(&[0, 100, 333, 500]));
        let one = merged(&[0, 500]);
        let split = merged(&[0, 100, 333, 500]);
        for (a, b) in one.coefficients.iter().zip(&split.coefficients) {
            assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0), "{a} vs {b}");
        }
    }

    #[test]
    fn singular_without_penalty() {
        // x2 = x0 + x1 exactly: λ = 0 cannot solve it.
        let rows: Vec<(Vec<f64>, f64)> = data().into_iter().map(|(x, y)| (vec![x[0], x[1], x[0] + x[1]], y)).collect();
        let mut eq = NormalEquations::default();
        eq.add_rows(3, &design(&rows));
        let e = eq.solve(&encoder(3), 0.0).unwrap_err().to_string();
        assert!(e.contains("design column `x2` is constant or a combination"), "{e}");
        assert!(eq.solve(&encoder(3), 1.0).is_ok());
    }
}
