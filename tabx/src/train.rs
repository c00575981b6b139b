//! A baseline model on the outputs of a fitted transform ([`train`]), over
//! the engine's parallel scan of the RAW rows (`tabx_model` holds the math).
//!
//! ```text
//!  each pass:  tasks ─Transformer::apply_with─▶ transformed batch ─state.update─▶ states in task order ─merge─▶ one
//!  passes:     EncoderState ─▶ NormalEquations (linear) | IrlsState × Newton steps (logistic) ─▶ Model
//! ```
//!
//! Over shards (pods), a linear model trains in two rounds, each a mergeable
//! partial state: [`train_encoder_state`] (→ `encoder.json`), then
//! [`train_linear_state`] (→ `model.json`); see `tabx_model`'s `sharded.rs`.
//!
//! Every pass reads the inputs again and transforms each batch as
//! [`crate::apply`] would, so the model sees exactly what serving
//! ([`crate::predict`]) will feed it. Rows the transform cannot take follow
//! `source.on_error` as in apply; rows with a null label or feature are left
//! out and counted by reason (`Model::training`).

use arrow::array::RecordBatch;
use tabx_core::{PartialState, Result, TabxError};
use tabx_engine::{OnError, ScanPlan, ScanReport, SourceOptions, scan_merged};
use tabx_model::{EncoderFile, EncoderPartial, LinearPartial, Model, Passes, TrainOptions, TrainPlan};
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
    train_from(transformer, options, None, inputs, source)
}

/// [`train`] without its first pass: the design matrix comes from
/// `encoder` (the `encoder.json` that stage 1 of a sharded fit wrote, see
/// [`train_encoder_state`]), which must have been built for `options`.
pub fn train_with_encoder(
    transformer: &Transformer,
    options: &TrainOptions,
    encoder: &EncoderFile,
    inputs: &[String],
    source: SourceOptions,
) -> Result<TrainRun> {
    train_from(transformer, options, Some(encoder), inputs, source)
}

fn train_from(
    transformer: &Transformer,
    options: &TrainOptions,
    encoder: Option<&EncoderFile>,
    inputs: &[String],
    source: SourceOptions,
) -> Result<TrainRun> {
    let plan = TrainPlan::try_new(transformer.artifact(), options)?;
    let encoder = encoder.map(|e| e.encoder_for(&plan)).transpose()?;
    let mut passes = EnginePasses::new(transformer, inputs, source);
    let model = tabx_model::train_with(&plan, encoder, &mut passes)?;
    Ok(TrainRun { model, plan, report: passes.report, invalid: passes.invalid, passes: passes.count })
}

/// Stage 1 of a linear fit over shards: the encoder pass over the rows of
/// `source.shard`. `tabx merge` of every shard's state gives `encoder.json`.
pub fn train_encoder_state(
    transformer: &Transformer,
    options: &TrainOptions,
    inputs: &[String],
    source: SourceOptions,
) -> Result<EncoderPartial> {
    let plan = TrainPlan::try_new(transformer.artifact(), options)?;
    one_pass(transformer, inputs, source, EncoderPartial::try_new(&plan)?)
}

/// Stage 2 of a linear fit over shards: the normal equations of the rows of
/// `source.shard` under the merged `encoder` of stage 1. `tabx merge` of
/// every shard's state gives `model.json`.
pub fn train_linear_state(
    transformer: &Transformer,
    options: &TrainOptions,
    encoder: &EncoderFile,
    inputs: &[String],
    source: SourceOptions,
) -> Result<LinearPartial> {
    let plan = TrainPlan::try_new(transformer.artifact(), options)?;
    one_pass(transformer, inputs, source, LinearPartial::try_new(&plan, encoder)?)
}

/// One pass of a partial state over the transformed rows.
fn one_pass<S: PartialState + Clone + Sync>(
    transformer: &Transformer,
    inputs: &[String],
    source: SourceOptions,
    empty: S,
) -> Result<S> {
    let mut passes = EnginePasses::new(transformer, inputs, source);
    let state = passes.run(&|| empty.clone(), &|s, b| s.update(b), &mut |m, s| m.merge(s))?;
    Ok(state.unwrap_or(empty))
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
        if self.count > 0
            && let Some(name) = plan.read_once_input()
        {
            return Err(TabxError::config(format!(
                "{name}: training reads its input once per pass (this fit needs more than {}), \
                 and a stream (stdin, a pipe) can be read only once",
                self.count
            ))
            .with_hint("write the rows to a file first and train on the file"));
        }
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
