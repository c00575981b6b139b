//! `tabx train`: flags in, [`tabx::train`] (which holds the passes over the
//! data), `model.json` and a summary out.

use anyhow::{Context, Result};
use tabx_model::{Model, ModelKind, TrainOptions, TrainPlan};
use tabx_transform::Transformer;

use super::Outcome;
use super::transform::report_scan;
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
    let run = tabx::train(&transformer, &options, &args.input.inputs, source_options(&args.input.read)?)
        .with_context(|| format!("cannot train on the outputs of {}", args.transform.display()))?;
    write_atomically(&args.output, run.model.to_json()?.as_bytes())?;
    if !quiet {
        if let Some(report) = &run.report {
            report_scan(report, &run.invalid);
        }
        print_summary(&run.plan, &run.model, run.passes);
        eprintln!("wrote {}", args.output.display());
    }
    Ok(Outcome::Ok)
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
