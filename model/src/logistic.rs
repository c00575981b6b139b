//! L2-regularised logistic regression by IRLS (Newton's method), one pass
//! over the data per step ([`IrlsState`], [`IrlsSolver`]).
//!
//! The objective is scikit-learn's `LogisticRegression(C=1/λ)`, divided by C:
//! Σᵢ [log(1 + e^ηᵢ) − yᵢηᵢ] + λ/2 ‖β‖², ηᵢ = b + xᵢᵀβ, the intercept b
//! unpenalised. Each pass at the current (b, β) gathers, over the rows, with
//! pᵢ = σ(ηᵢ) and the intercept as column 0 of [1, x]:
//!
//! ```text
//!   H = Σ pᵢ(1 − pᵢ) x̃ᵢx̃ᵢᵀ,   g = Σ (yᵢ − pᵢ) x̃ᵢ,   L = Σ log-loss
//! ```
//!
//! mergeable like the normal equations; the step solves (H + λD) Δ = g − λDβ
//! (D: identity without the intercept) by Cholesky. A step that raises the
//! objective is halved and the pass repeated (Newton on this convex objective
//! rarely needs it). It stops when max |Δ| < 1e-10 or after [`MAX_PASSES`]
//! passes. Deterministic for a given order of merges, like the ridge fit.

use std::collections::BTreeMap;

use arrow::array::RecordBatch;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};
use tabx_core::{Mergeable, Result, TabxError};

use crate::encoder::{DesignRows, Encoder, add_counts};
use crate::linalg::{Gram, solve_spd};
use crate::plan::ModelKind;

/// The most passes over the data.
pub const MAX_PASSES: usize = 50;
/// Converged when no coefficient moves more than this in a step.
pub const TOLERANCE: f64 = 1e-10;

/// One pass at fixed coefficients (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IrlsState {
    rows: u64,
    hessian: Gram,
    gradient: Vec<f64>,
    loss: f64,
    skipped: BTreeMap<String, u64>,
}

impl IrlsState {
    /// Adds the usable rows of a transformed batch at `beta` = [b, β…].
    pub fn update(&mut self, encoder: &Encoder, beta: &[f64], batch: &RecordBatch) -> Result<()> {
        let rows = encoder.encode(batch, Some(ModelKind::Logistic))?;
        self.add_rows(beta, &rows);
        Ok(())
    }

    /// Adds design rows at `beta` = [b, β…] (`beta.len()` = design columns + 1).
    pub fn add_rows(&mut self, beta: &[f64], rows: &DesignRows) {
        let dim = beta.len();
        if self.hessian.dim != dim {
            *self = IrlsState {
                hessian: Gram::new(dim),
                gradient: vec![0.0; dim],
                skipped: std::mem::take(&mut self.skipped),
                ..Default::default()
            };
        }
        for r in 0..rows.len() {
            let eta = beta[0] + rows.row(r).map(|(c, x)| beta[c + 1] * x).sum::<f64>();
            let p = sigmoid(eta);
            let y = rows.labels[r];
            self.loss += softplus(eta) - y * eta;
            self.gradient[0] += y - p;
            for (c, x) in rows.row(r) {
                self.gradient[c + 1] += (y - p) * x;
            }
            self.hessian.add_row(rows, r, p * (1.0 - p), 1);
        }
        self.rows += rows.len() as u64;
        add_counts(&mut self.skipped, &rows.skipped);
    }

    /// Folds `other` in; both must be passes at the same coefficients.
    pub fn try_merge(&mut self, other: &Self) -> Result<()> {
        add_counts(&mut self.skipped, &other.skipped);
        if other.gradient.is_empty() {
            return Ok(());
        }
        if self.gradient.is_empty() {
            let skipped = std::mem::take(&mut self.skipped);
            *self = IrlsState { skipped, ..other.clone() };
            return Ok(());
        }
        if self.gradient.len() != other.gradient.len() {
            return Err(TabxError::config("cannot merge logistic passes of different design widths")
                .with_hint("merge only the states of one training pass"));
        }
        self.rows += other.rows;
        self.loss += other.loss;
        self.gradient.iter_mut().zip(&other.gradient).for_each(|(a, b)| *a += b);
        self.hessian.add(&other.hessian);
        Ok(())
    }

    /// Training rows of the pass.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Rows left out, by reason.
    pub fn skipped(&self) -> &BTreeMap<String, u64> {
        &self.skipped
    }
}

impl Mergeable for IrlsState {
    /// # Panics
    /// When the passes have different widths: passes of one run never do.
    fn merge(&mut self, other: &Self) {
        self.try_merge(other).expect("logistic passes of one encoder");
    }
}

/// The Newton iteration between passes.
#[derive(Debug, Clone)]
pub struct IrlsSolver {
    l2: f64,
    beta: Vec<f64>,
    /// The coefficients of the last accepted pass and their objective.
    previous: Option<(Vec<f64>, f64)>,
    passes: usize,
    converged: bool,
    mean_loss: f64,
}

/// A finished logistic fit, in the encoder's (offset) design columns.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticFit {
    pub intercept: f64,
    pub coefficients: Vec<f64>,
    /// Mean log loss on the training rows at the last pass.
    pub log_loss: f64,
    /// Passes over the data.
    pub iterations: usize,
    /// Whether the last step was below [`TOLERANCE`] (else [`MAX_PASSES`] ran out).
    pub converged: bool,
}

impl IrlsSolver {
    /// Starts at zero for `width` design columns.
    pub fn new(width: usize, l2: f64) -> Self {
        IrlsSolver { l2, beta: vec![0.0; width + 1], previous: None, passes: 0, converged: false, mean_loss: f64::NAN }
    }

    /// The coefficients [b, β…] the next pass evaluates at.
    pub fn beta(&self) -> &[f64] {
        &self.beta
    }

    /// Whether to stop.
    pub fn done(&self) -> bool {
        self.converged || self.passes >= MAX_PASSES
    }

    /// Takes a step from the pass at [`Self::beta`]; `names` are the design columns (for errors).
    pub fn step(&mut self, pass: &IrlsState, names: &[String]) -> Result<()> {
        if pass.rows == 0 || pass.gradient.len() != self.beta.len() {
            return Err(TabxError::config("no rows to train on").with_hint("check the label for missing values"));
        }
        self.passes += 1;
        let objective = pass.loss + 0.5 * self.l2 * self.beta[1..].iter().map(|b| b * b).sum::<f64>();
        if let Some((before, best)) = &self.previous
            && objective > best + 1e-12 * best.abs()
        {
            // Not a descent: halve the step from the last accepted point.
            self.beta = before.iter().zip(&self.beta).map(|(a, b)| a + 0.5 * (b - a)).collect();
            return Ok(());
        }
        self.mean_loss = pass.loss / pass.rows as f64;
        let mut h = pass.hessian.to_matrix();
        let mut g = DVector::from_column_slice(&pass.gradient);
        for i in 1..self.beta.len() {
            h[(i, i)] += self.l2;
            g[i] -= self.l2 * self.beta[i];
        }
        let names: Vec<String> = std::iter::once("(intercept)".to_string()).chain(names.iter().cloned()).collect();
        let delta = solve_spd(&h, &g, &names)?;
        self.previous = Some((self.beta.clone(), objective));
        self.beta.iter_mut().zip(delta.iter()).for_each(|(b, d)| *b += d);
        self.converged = delta.amax() < TOLERANCE;
        Ok(())
    }

    /// The fit so far.
    pub fn finish(&self) -> LogisticFit {
        LogisticFit {
            intercept: self.beta[0],
            coefficients: self.beta[1..].to_vec(),
            log_loss: self.mean_loss,
            iterations: self.passes,
            converged: self.converged,
        }
    }
}

/// σ(η) = 1 / (1 + e^−η), without overflow.
pub(crate) fn sigmoid(eta: f64) -> f64 {
    if eta >= 0.0 { 1.0 / (1.0 + (-eta).exp()) } else { eta.exp() / (1.0 + eta.exp()) }
}

/// log(1 + e^η), without overflow.
fn softplus(eta: f64) -> f64 {
    eta.max(0.0) + (-eta.abs()).exp().ln_1p()
}

#[cfg(test)]
mod tests {
    use tabx_core::testing::check_merge_laws;

    use super::*;

    /// 12 rows of 2 features with a 0/1 label (not separable).
    fn data() -> Vec<([f64; 2], f64)> {
        vec![
            ([0.5, 1.0], 0.0),
            ([1.0, -0.5], 0.0),
            ([1.5, 2.0], 1.0),
            ([2.0, 0.0], 0.0),
            ([2.5, 1.5], 1.0),
            ([3.0, -1.0], 1.0),
            ([-1.0, 0.5], 0.0),
            ([0.0, 2.5], 1.0),
            ([-0.5, -1.5], 0.0),
            ([1.0, 1.0], 1.0),
            ([2.0, -2.0], 0.0),
            ([0.0, 0.0], 1.0),
        ]
    }

    fn design(rows: &[([f64; 2], f64)]) -> DesignRows {
        let mut d = DesignRows { starts: vec![0], ..Default::default() };
        for (i, (x, y)) in rows.iter().enumerate() {
            d.columns.extend([0, 1]);
            d.values.extend(x);
            d.starts.push(d.columns.len());
            d.labels.push(*y);
            d.rows.push(i);
        }
        d
    }

    fn fit(l2: f64) -> Result<LogisticFit> {
        let names = ["x0".to_string(), "x1".to_string()];
        let mut solver = IrlsSolver::new(2, l2);
        while !solver.done() {
            let mut pass = IrlsState::default();
            pass.add_rows(solver.beta(), &design(&data()));
            solver.step(&pass, &names)?;
        }
        Ok(solver.finish())
    }

    /// sklearn.linear_model.LogisticRegression(C=1/λ, tol=1e-12, max_iter=1000).fit(X, y) on `data()`
    /// (scikit-learn 1.9.1), and sklearn.metrics.log_loss(y, predict_proba(X)):
    #[test]
    fn matches_sklearn_logistic_regression() {
        for (l2, coef, intercept, log_loss) in [
            (1.0, [0.562979255786388, 0.8562529470962359], -0.8241860313001718, 0.46788761680362856),
            (0.25, [0.7970677308904317, 1.1409003110284786], -1.151687812112944, 0.447574563363448),
        ] {
            let fit = fit(l2).unwrap();
            assert!(fit.converged, "{fit:?}");
            for (got, want) in fit.coefficients.iter().zip(coef) {
                assert!((got - want).abs() < 1e-6, "λ={l2}: {got} vs {want}");
            }
            assert!((fit.intercept - intercept).abs() < 1e-6, "λ={l2}: {} vs {intercept}", fit.intercept);
            assert!((fit.log_loss - log_loss).abs() < 1e-6, "λ={l2}: {} vs {log_loss}", fit.log_loss);
        }
    }

    #[test]
    fn merge_laws() {
        let beta = [0.25, -0.5, 0.75];
        let update = |s: &mut IrlsState, part: &[([f64; 2], f64)]| s.add_rows(&beta, &design(part));
        // Sums of logistic terms round: orders other than one pass agree to rounding.
        let near = |got: &IrlsState, want: &IrlsState, how: &str| {
            assert_eq!(got.rows, want.rows, "{how}");
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-13 * b.abs().max(1.0);
            assert!(close(got.loss, want.loss), "{how}: {} vs {}", got.loss, want.loss);
            for (a, b) in
                got.gradient.iter().chain(&got.hessian.packed).zip(want.gradient.iter().chain(&want.hessian.packed))
            {
                assert!(close(*a, *b), "{how}: {a} vs {b}");
            }
        };
        check_merge_laws(&data(), update, near);
    }

    #[test]
    fn separable_data_without_penalty_is_an_error() {
        let rows: Vec<([f64; 2], f64)> = (0..10).map(|i| ([i as f64, 0.0], f64::from(i >= 5))).collect();
        let names = ["x0".to_string(), "x1".to_string()];
        let mut solver = IrlsSolver::new(2, 0.0);
        let mut result = Ok(());
        while !solver.done() && result.is_ok() {
            let mut pass = IrlsState::default();
            pass.add_rows(solver.beta(), &design(&rows));
            result = solver.step(&pass, &names);
        }
        // x1 is always 0: singular without a penalty.
        let e = result.unwrap_err().to_string();
        assert!(e.contains("design column `x1`"), "{e}");
    }

    #[test]
    fn sigmoid_and_softplus_are_stable() {
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(softplus(1000.0), 1000.0);
        assert!((softplus(0.0) - 2f64.ln()).abs() < 1e-16);
    }
}
