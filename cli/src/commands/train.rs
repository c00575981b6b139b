//! `tabx train`: flags in, [`tabx::train`] (which holds the passes over the
//! data), `model.json` and a summary out; with `--partial`, one shard's state
//! of a sharded linear fit; and `tabx merge` of those states.

use std::path::Path;

use anyhow::{Context, Result};
use tabx::Shard;
use tabx_core::{PartialFile, PartialState, merge_partials};
use tabx_model::{EncoderFile, EncoderPartial, LinearPartial, Model, ModelKind, TrainOptions, TrainPlan};
use tabx_transform::Transformer;

use super::Outcome;
use super::transform::report_scan;
use crate::args::{ModelKindArg, TrainArgs};
use crate::output::{write_atomically, write_partial};
use crate::remote;
use crate::settings::{load_transformer, shard_option, source_options};
use crate::summary::count;

pub fn train(args: &TrainArgs, quiet: bool) -> Result<Outcome> {
    let transformer = load_transformer(&args.transform)?;
    let kind = match args.kind {
        ModelKindArg::Linear => ModelKind::Linear,
        ModelKindArg::Logistic => ModelKind::Logistic,
    };
    let options = TrainOptions { kind, label: args.label.clone(), features: args.features.clone(), l2: args.l2 };
    let encoder = match &args.encoder {
        Some(path) => Some(
            EncoderFile::load(remote::fetch(path)?)
                .with_context(|| format!("cannot load the encoder {}", path.display()))?,
        ),
        None => None,
    };
    let mut source = source_options(&args.input.read)?;
    if args.partial {
        source.shard = shard_option(args.shard.as_deref(), true)?;
        return write_shard_state(args, &transformer, &options, encoder.as_ref(), source, quiet);
    }
    let inputs = &args.input.inputs;
    let run = match &encoder {
        Some(encoder) => tabx::train_with_encoder(&transformer, &options, encoder, inputs, source),
        None => tabx::train(&transformer, &options, inputs, source),
    }
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

/// One shard's state of a sharded linear fit: round 1 (the encoder pass)
/// without `encoder`, round 2 (the normal equations) with it.
fn write_shard_state(
    args: &TrainArgs,
    transformer: &Transformer,
    options: &TrainOptions,
    encoder: Option<&EncoderFile>,
    source: tabx::SourceOptions,
    quiet: bool,
) -> Result<Outcome> {
    let shard = source.shard.unwrap_or(Shard { index: 0, count: 1 });
    let inputs = &args.input.inputs;
    let (file, what) = match encoder {
        None => {
            let state = tabx::train_encoder_state(transformer, options, inputs, source)?;
            (PartialFile::of_state(&state, shard.index, shard.count, inputs.clone())?, "encoder pass (round 1)")
        }
        Some(encoder) => {
            let state = tabx::train_linear_state(transformer, options, encoder, inputs, source)?;
            (PartialFile::of_state(&state, shard.index, shard.count, inputs.clone())?, "normal equations (round 2)")
        }
    };
    write_partial(&file, &args.output)?;
    if !quiet {
        eprintln!("wrote the {what} of shard {}/{} to {}", shard.index, shard.count, args.output.display());
    }
    Ok(Outcome::Ok)
}

/// `tabx merge` of training partials: `encoder.json` from round 1, `model.json` from round 2.
pub(crate) fn merge_training(parts: Vec<(String, PartialFile)>, output: Option<&Path>, quiet: bool) -> Result<Outcome> {
    let shards = parts.len();
    let kind = parts.first().map(|(_, p)| p.header.kind.clone()).unwrap_or_default();
    if kind == EncoderPartial::KIND {
        let state: EncoderPartial = merge_partials(parts)?;
        let encoder = state.finish()?;
        let output = output.unwrap_or(Path::new("encoder.json"));
        write_atomically(output, encoder.to_json()?.as_bytes())?;
        if !quiet {
            eprintln!(
                "merged {shards} shards: the encoder of {} rows ({} design columns) written to {}",
                encoder.rows,
                encoder.encoder.width(),
                output.display()
            );
        }
    } else {
        let state: LinearPartial = merge_partials(parts)?;
        let model = state.finish()?;
        let output = output.unwrap_or(Path::new("model.json"));
        write_atomically(output, model.to_json()?.as_bytes())?;
        if !quiet {
            eprintln!(
                "merged {shards} shards: ridge regression of `{}` on {} rows (training RMSE {:.6}) written to {}",
                model.label,
                model.training.rows,
                model.training.loss_value,
                output.display()
            );
        }
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
        "trained {kind} of `{}` (l2 {}) on {} rows: {} features, {} design columns, {passes} pass{}",
        model.label,
        model.l2,
        t.rows,
        model.encoder.features.len(),
        model.encoder.width(),
        if passes == 1 { "" } else { "es" },
    );
    if !plan.left_out.is_empty() {
        let left: Vec<String> = plan.left_out.iter().map(|(name, why)| format!("{name} ({why})")).collect();
        eprintln!("columns not used as features: {}", left.join(", "));
    }
    if t.skipped_rows > 0 {
        let reasons: Vec<String> = t.skipped_by_reason.iter().map(|(r, n)| format!("{n} {r}")).collect();
        eprintln!("{} left out of training ({})", count(t.skipped_rows, "row", "rows"), reasons.join(", "));
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
