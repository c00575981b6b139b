//! `tabx train`: a baseline model on the outputs of a fitted transform, over
//! the engine's parallel scan of the RAW rows (`tabx_model` holds the math).
//!
//! ```text
//!  each pass:  tasks ─Transformer::apply_with─▶ transformed batch ─state.update─▶ states in task order ─merge─▶ one
//!  passes:     EncoderState ─▶ NormalEquations (linear) | IrlsState × Newton steps (logistic) ─▶ model.json
//! ```
//!
//! Every pass reads the inputs again and transforms each batch as
//! `tabx transform apply` would, so the model sees exactly what serving
//! (`tabx predict`) will feed it. Rows the transform cannot take follow
//! `--on-error` as in `transform apply`; rows with a null label or feature
//! are left out and counted by reason.

use anyhow::{Context, Result};
use arrow::array::RecordBatch;
use tabx_engine::{OnError, ScanPlan, ScanReport, SourceOptions, scan_merged};
use tabx_model::{Model, ModelKind, Passes, TrainOptions, TrainPlan};
use tabx_transform::{InvalidCounts, InvalidRows, Transformer};

use super::Outcome;
use super::transform::{Rejects, report_scan};
use crate::args::{ModelKindArg, TrainArgs};
use crate::output::write_atomically;
use crate::settings::source_options;

pub fn train(args: &TrainArgs, quiet: bool) -> Result<Outcome> {
    let transformer = Transformer::load(&args.transform)
        .with_context(|| format!("cannot load the transform {}", args.transform.display()))?;
    let kind = match args.kind {
        ModelKindArg::Linear => ModelKind::Linear,
        ModelKindArg::Logistic => ModelKind::Logistic,
    };
    let options = TrainOptions { kind, label: args.label.clone(), features: args.features.clone(), l2: args.l2 };
    let plan = TrainPlan::try_new(transformer.artifact(), &options)
        .with_context(|| format!("cannot train on the outputs of {}", args.transform.display()))?;
    let mut passes = EnginePasses::new(&transformer, &args.input.inputs, source_options(&args.input.read)?);
    let model = tabx_model::train(&plan, &mut passes).context("cannot train the model")?;
    write_atomically(&args.output, model.to_json()?.as_bytes())?;
    if !quiet {
        if let Some(report) = &passes.report {
            report_scan(report, &passes.invalid);
        }
        print_summary(&plan, &model, passes.count);
        eprintln!("wrote {}", args.output.display());
    }
    Ok(Outcome::Ok)
}

/// Passes over the raw inputs, transformed batch by batch, on the engine's
/// ordered scan (task states merged in task order: the same model every run).
pub(crate) struct EnginePasses<'a> {
    transformer: &'a Transformer,
    inputs: &'a [String],
    source: SourceOptions,
    on_error: OnError,
    /// The last pass's scan report and invalid rows (every pass reads the same rows).
    pub report: Option<ScanReport>,
    pub invalid: InvalidCounts,
    /// Passes run.
    pub count: usize,
}

impl<'a> EnginePasses<'a> {
    pub(crate) fn new(transformer: &'a Transformer, inputs: &'a [String], mut source: SourceOptions) -> Self {
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
        update: &(dyn Fn(&mut S, &RecordBatch) -> tabx_core::Result<()> + Sync),
        merge: &mut (dyn FnMut(&mut S, S) -> tabx_core::Result<()> + Send),
    ) -> tabx_core::Result<Option<S>> {
        let plan = ScanPlan::try_new(self.inputs, self.source.clone())?;
        let (transformer, on_error) = (self.transformer, &self.on_error);
        let (merged, report) = scan_merged(
            &plan,
            |_| (empty(), InvalidCounts::default(), Rejects::default()),
            |(state, invalid, rejects), batch| {
                let applied = transformer.apply_with(batch, InvalidRows::Skip)?;
                rejects.record(batch, &applied.invalid, on_error)?;
                invalid.add(&applied.invalid);
                update(state, &applied.batch)
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

fn print_summary(plan: &TrainPlan, model: &Model, passes: usize) {
    let t = &model.training;
    let kind = match model.kind {
        ModelKind::Linear => "ridge regression",
        ModelKind::Logistic => "logistic regression",
    };
    eprintln!(
        "trained {kind} of `{}` (l2 {}) on {} rows: {} features, {} design columns, {passes} passes",
        model.label,
        model.l2,
        t.rows,
        model.encoder.features.len(),
        model.encoder.width(),
    );
    if !plan.left_out.is_empty() {
        let left: Vec<String> = plan.left_out.iter().map(|(name, why)| format!("{name} ({why})")).collect();
        eprintln!("columns not used as features: {}", left.join(", "));
    }
    if t.skipped_rows > 0 {
        let reasons: Vec<String> = t.skipped_by_reason.iter().map(|(r, n)| format!("{n} {r}")).collect();
        eprintln!("{} rows left out of training ({})", t.skipped_rows, reasons.join(", "));
    }
    let loss = match model.kind {
        ModelKind::Linear => "RMSE",
        ModelKind::Logistic => "log loss",
    };
    eprintln!("training {loss}: {:.6}", t.loss_value);
    if !t.converged {
        eprintln!(
            "warning: IRLS did not converge in {} passes (the last step moved a coefficient by more than {})",
            t.iterations.unwrap_or(passes),
            tabx_model::TOLERANCE
        );
    }
}
