//! A baseline model on the outputs of a fitted transform ([`train`]), over
//! the engine's parallel scan of the RAW rows (`tabx_model` holds the math).
//!
//! ```text
//!  each pass:  tasks ─Transformer::apply_with─▶ transformed batch ─state.update─▶ states in task order ─merge─▶ one
//!  passes:     EncoderState ─▶ NormalEquations (linear) | IrlsState × Newton steps (logistic) ─▶ Model
//! ```
//!
//! Every pass reads the inputs again and transforms each batch as
//! [`crate::apply`] would, so the model sees exactly what serving
//! ([`crate::predict`]) will feed it. Rows the transform cannot take follow
//! `source.on_error` as in apply; rows with a null label or feature are left
//! out and counted by reason (`Model::training`).

use arrow::array::RecordBatch;
use tabx_core::Result;
use tabx_engine::{OnError, ScanPlan, ScanReport, SourceOptions, scan_merged};
use tabx_model::{Model, Passes, TrainOptions, TrainPlan};
use tabx_transform::{InvalidCounts, Transformer};

use crate::blocking;
use crate::rejects::Rejects;

/// A trained model and how it was trained.
#[derive(Debug)]
pub struct TrainRun {
    pub model: Model,
    /// The features used, and the transform outputs left out with why.
    pub plan: TrainPlan,
    /// The last pass's scan report (every pass reads the same rows).
    pub report: Option<ScanReport>,
    /// Rows the transform could not take, by reason.
    pub invalid: InvalidCounts,
    /// Passes over the data.
    pub passes: usize,
}

/// Trains `options` on `inputs` (raw rows) through `transformer`.
///
/// ```
/// use tabx::{ModelKind, SourceOptions, TrainOptions, TransformSpec};
/// let taxi = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/data/data.csv").to_string();
/// let spec = TransformSpec::from_yaml(concat!(
///     "outputs:\n",
///     "  - {name: fare, op: fill_missing, inputs: [fare], value: 0}\n",
///     "  - {name: miles_z, op: scale_to_z_score, inputs: [trip_miles], fill: 0}\n",
/// ))?;
/// let fitted = tabx::fit(&spec, &[taxi.clone()], SourceOptions::default())?.state.finish()?;
/// let transformer = tabx::Transformer::try_new(fitted)?;
/// let options = TrainOptions { kind: ModelKind::Linear, label: "fare".into(), features: None, l2: 1.0 };
/// let run = tabx::train(&transformer, &options, &[taxi], SourceOptions::default())?;
/// assert_eq!(run.model.encoder.feature_names(), ["miles_z"]);
/// # Ok::<(), tabx::TabxError>(())
/// ```
pub fn train(
    transformer: &Transformer,
    options: &TrainOptions,
    inputs: &[String],
    source: SourceOptions,
) -> Result<TrainRun> {
    let plan = TrainPlan::try_new(transformer.artifact(), options)?;
    let mut passes = EnginePasses::new(transformer, inputs, source);
    let model = tabx_model::train(&plan, &mut passes)?;
    Ok(TrainRun { model, plan, report: passes.report, invalid: passes.invalid, passes: passes.count })
}

/// [`train`] from async code (on the caller's runtime's blocking pool).
pub async fn train_async(
    transformer: Transformer,
    options: TrainOptions,
    inputs: Vec<String>,
    source: SourceOptions,
) -> Result<TrainRun> {
    blocking(move || train(&transformer, &options, &inputs, source)).await
}

/// Passes over the raw inputs, transformed batch by batch, on the engine's
/// ordered scan (task states merged in task order: the same model every run).
struct EnginePasses<'a> {
    transformer: &'a Transformer,
    inputs: &'a [String],
    source: SourceOptions,
    on_error: OnError,
    report: Option<ScanReport>,
    invalid: InvalidCounts,
    count: usize,
}

impl<'a> EnginePasses<'a> {
    fn new(transformer: &'a Transformer, inputs: &'a [String], mut source: SourceOptions) -> Self {
        // Row sources locate rows the transform cannot take (`file:line`).
        source.row_source = true;
        let on_error = source.on_error.clone();
        EnginePasses {
            transformer,
            inputs,
            source,
            on_error,
            report: None,
            invalid: InvalidCounts::default(),
            count: 0,
        }
    }
}

impl Passes for EnginePasses<'_> {
    fn run<S: Send>(
        &mut self,
        empty: &(dyn Fn() -> S + Sync),
        update: &(dyn Fn(&mut S, &RecordBatch) -> Result<()> + Sync),
        merge: &mut (dyn FnMut(&mut S, S) -> Result<()> + Send),
    ) -> Result<Option<S>> {
        let plan = ScanPlan::try_new(self.inputs, self.source.clone())?;
        let (transformer, on_error) = (self.transformer, &self.on_error);
        let (merged, report) = scan_merged(
            &plan,
            |_| (empty(), InvalidCounts::default(), Rejects::default()),
            |(state, invalid, rejects), batch| {
                update(state, &rejects.transform(transformer, batch, on_error, invalid)?.batch)
            },
            |(state, invalid, rejects), (next, next_invalid, next_rejects)| {
                invalid.merge(&next_invalid);
                rejects.merge(next_rejects);
                merge(state, next)
            },
        )?;
        self.count += 1;
        self.report = Some(report);
        Ok(match merged {
            Some((state, invalid, rejects)) => {
                rejects.finish(on_error)?;
                self.invalid = invalid;
                Some(state)
            }
            None => None,
        })
    }
}
