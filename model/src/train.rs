//! The training driver: the passes a model needs, over rows that some
//! [`Passes`] implementation reads and transforms ([`train`]).
//!
//! ```text
//!  pass 1:  EncoderState (rows, offsets, distinct ints)  ─▶ Encoder
//!  linear:  NormalEquations                              ─▶ Cholesky ─▶ Model
//!  logistic: IrlsState at β₀, β₁, … (one pass per Newton step) ─▶ Model
//! ```
//!
//! The library reads no files: the CLI's `Passes` runs the engine's parallel
//! scan and applies the fitted transform to each batch; [`Batches`] runs over
//! transformed batches in memory.

use arrow::array::RecordBatch;
use tabx_core::{Mergeable, Result};

use crate::encoder::{Encoder, EncoderState};
use crate::logistic::{IrlsSolver, IrlsState};
use crate::model_file::Model;
use crate::plan::{ModelKind, TrainPlan};
use crate::ridge::NormalEquations;

/// One pass over the transformed training rows at a time.
pub trait Passes {
    /// One pass: a fresh state per task (`empty`), `update`d with each
    /// transformed batch, the tasks' states merged in task order (`merge`).
    /// `None` when there was no task.
    fn run<S: Send>(
        &mut self,
        empty: &(dyn Fn() -> S + Sync),
        update: &(dyn Fn(&mut S, &RecordBatch) -> Result<()> + Sync),
        merge: &mut (dyn FnMut(&mut S, S) -> Result<()> + Send),
    ) -> Result<Option<S>>;
}

/// Transformed batches in memory, read as one task, in order.
#[derive(Debug, Clone, Copy)]
pub struct Batches<'a>(pub &'a [RecordBatch]);

impl Passes for Batches<'_> {
    fn run<S: Send>(
        &mut self,
        empty: &(dyn Fn() -> S + Sync),
        update: &(dyn Fn(&mut S, &RecordBatch) -> Result<()> + Sync),
        _merge: &mut (dyn FnMut(&mut S, S) -> Result<()> + Send),
    ) -> Result<Option<S>> {
        let mut state = empty();
        for batch in self.0 {
            update(&mut state, batch)?;
        }
        Ok(Some(state))
    }
}

/// Trains the model of `plan` over the rows `passes` reads (see the module docs).
pub fn train(plan: &TrainPlan, passes: &mut impl Passes) -> Result<Model> {
    train_with(plan, None, passes)
}

/// [`train`], skipping the first pass when `encoder` is given (from an
/// `encoder.json` that sharded pods built: `sharded.rs`).
pub fn train_with(plan: &TrainPlan, encoder: Option<Encoder>, passes: &mut impl Passes) -> Result<Model> {
    let encoder = match encoder {
        Some(encoder) => encoder,
        None => {
            let first = passes.run(&EncoderState::default, &|s, b| s.update(plan, b), &mut |m, s| {
                m.merge(&s);
                Ok(())
            })?;
            Encoder::try_new(plan, &first.unwrap_or_default())?
        }
    };
    match plan.kind {
        ModelKind::Linear => {
            let eq = passes
                .run(&NormalEquations::default, &|s, b| s.update(&encoder, b), &mut |m, s| m.try_merge(&s))?
                .unwrap_or_default();
            let fit = eq.solve(&encoder, plan.l2)?;
            let (rows, skipped) = (eq.rows(), eq.skipped().clone());
            Ok(Model::linear(encoder, plan.l2, &fit, rows, &skipped))
        }
        ModelKind::Logistic => {
            let names: Vec<String> = encoder.columns.iter().map(|c| c.name.clone()).collect();
            let mut solver = IrlsSolver::new(encoder.width(), plan.l2);
            let mut last = IrlsState::default();
            while !solver.done() {
                let beta = solver.beta().to_vec();
                last = passes
                    .run(&IrlsState::default, &|s, b| s.update(&encoder, &beta, b), &mut |m, s| m.try_merge(&s))?
                    .unwrap_or_default();
                solver.step(&last, &names)?;
            }
            let (rows, skipped) = (last.rows(), last.skipped().clone());
            Ok(Model::logistic(encoder, plan.l2, &solver.finish(), rows, &skipped))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array, Int64Array};

    use super::*;
    use crate::plan::{PlannedEncoding, PlannedFeature};

    const X: [f64; 12] = [1.5, 2.0, 0.5, 3.0, 2.5, 1.0, 4.0, 3.5, 0.0, 2.2, 1.8, 2.9];
    const C: [i64; 12] = [3, 5, 9, 3, 5, 9, 3, 5, 9, 3, 3, 5];
    const B: [i64; 12] = [0, 1, 2, 0, 1, 2, 1, 0, 2, 1, 0, 2];
    const Y: [f64; 12] = [10.0, 12.5, 7.0, 14.0, 13.0, 8.5, 16.0, 15.5, 5.0, 12.0, 11.0, 14.5];
    const Y01: [i64; 12] = [0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1];

    /// x (a number), c (integer codes 3, 5, 9: one-hot over the values seen),
    /// b (bucket ids of 4 buckets, bucket 3 never seen), label y.
    fn batch(x: impl Fn(f64) -> f64, y: ArrayRef) -> RecordBatch {
        RecordBatch::try_from_iter([
            ("x", Arc::new(Float64Array::from_iter_values(X.map(x))) as ArrayRef),
            ("c", Arc::new(Int64Array::from(C.to_vec())) as ArrayRef),
            ("b", Arc::new(Int64Array::from(B.to_vec())) as ArrayRef),
            ("y", y),
        ])
        .unwrap()
    }

    fn plan(kind: ModelKind, l2: f64) -> TrainPlan {
        let feature = |name: &str, encoding| PlannedFeature { name: name.into(), encoding };
        TrainPlan {
            kind,
            label: "y".into(),
            l2,
            features: vec![
                feature("x", PlannedEncoding::Numeric),
                feature("c", PlannedEncoding::Integer),
                feature("b", PlannedEncoding::Ids { count: 4, op: "bucketize".into() }),
            ],
            left_out: vec![],
        }
    }

    fn assert_near(model: &Model, coef: &[f64], intercept: f64, tolerance: f64) {
        let names: Vec<&str> = model.encoder.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["x", "c=3", "c=5", "c=9", "b=0", "b=1", "b=2", "b=3"]);
        for (got, want) in model.coefficient_vector().iter().zip(coef) {
            assert!((got - want).abs() <= tolerance * want.abs().max(1.0), "{got} vs {want}");
        }
        assert!((model.intercept - intercept).abs() <= tolerance * intercept.abs().max(1.0), "{}", model.intercept);
    }

    /// With X = [x, c==3, c==5, c==9, b==0, b==1, b==2, b==3] (pandas-style one-hot, scikit-learn 1.9.1):
    /// Ridge(alpha=0.5, solver="cholesky").fit(X, Y) with x = 1000·X + 10⁶ (a mean that dwarfs the spread).
    #[test]
    fn ridge_with_one_hot_matches_sklearn() {
        let raw = batch(|x| x * 1000.0 + 1e6, Arc::new(Float64Array::from(Y.to_vec())));
        let model = train(&plan(ModelKind::Linear, 0.5), &mut Batches(std::slice::from_ref(&raw))).unwrap();
        let coef = [
            0.00253483529170944,
            -0.019914844521822055,
            0.6101307781955708,
            -0.5902159336737434,
            0.0009172994495680964,
            0.020606769392703672,
            -0.021524068842266472,
            0.0,
        ];
        assert_near(&model, &coef, -2528.559266697166, 1e-9);
        assert_eq!(model.training.rows, 12);
        // The same rows split over batches: the same bits.
        let model2 = train(&plan(ModelKind::Linear, 0.5), &mut Batches(&[raw.slice(0, 5), raw.slice(5, 7)])).unwrap();
        assert_eq!(model2, model);
    }

    /// LogisticRegression(C=2.0, tol=1e-12, max_iter=1000).fit(X, Y01) (lbfgs; newton-cg agrees to 1e-7),
    /// sklearn.metrics.log_loss(Y01, predict_proba(X)) = 0.27716726383640816.
    #[test]
    fn logistic_with_one_hot_matches_sklearn() {
        let raw = batch(|x| x, Arc::new(Int64Array::from(Y01.to_vec())));
        let model = train(&plan(ModelKind::Logistic, 0.5), &mut Batches(&[raw])).unwrap();
        let coef = [
            1.0451137476114674,
            0.4216427039733923,
            0.15518375940211065,
            -0.5768270998898629,
            -1.1597058749802578,
            1.1694379171609077,
            -0.009732678695009944,
            0.0,
        ];
        assert_near(&model, &coef, -2.2493465319004615, 1e-6);
        assert!((model.training.loss_value - 0.27716726383640816).abs() < 1e-6);
        assert!(model.training.converged && model.training.iterations.unwrap() < 15, "{:?}", model.training);
    }

    #[test]
    fn logistic_labels_must_be_zero_or_one() {
        let raw = batch(|x| x, Arc::new(Float64Array::from(Y.to_vec())));
        let e = train(&plan(ModelKind::Logistic, 1.0), &mut Batches(&[raw])).unwrap_err().to_string();
        assert!(e.contains("label `y` has the value 10: a logistic model needs labels 0 or 1"), "{e}");
    }

    #[test]
    fn one_hot_without_penalty_is_singular() {
        let raw = batch(|x| x, Arc::new(Float64Array::from(Y.to_vec())));
        let e = train(&plan(ModelKind::Linear, 0.0), &mut Batches(&[raw])).unwrap_err().to_string();
        // c=9 is 1 − c=3 − c=5 once centred.
        assert!(e.contains("design column `c=9` is constant or a combination"), "{e}");
    }
}
