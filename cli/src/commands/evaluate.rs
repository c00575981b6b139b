//! `tabx evaluate`: sliced metrics of predictions against labels, with
//! confidence intervals, thresholds and a blessing (TFMA's job), or one
//! shard's partial state; and `tabx merge` of evaluation partials.

use std::path::Path;

use anyhow::{Context, Result};
use tabx_analyze::{
    BLESSED_FILE, BaselineConfig, CiMethod, EvalConfig, EvalState, NOT_BLESSED_FILE, Task, write_blessing,
};
use tabx_core::{PartialFile, SliceSpec, merge_partials};

use super::Outcome;
use crate::args::{CiArg, EvaluateArgs, TaskArg};
use crate::eval_view::eval_tables;
use crate::output::{print_out, write_atomically, write_partial};
use crate::remote;
use crate::settings::{shard_option, source_options};

pub fn evaluate(args: &EvaluateArgs, quiet: bool) -> Result<Outcome> {
    let config = eval_config(args)?;
    let mut source = source_options(&args.input.read)?;
    source.shard = shard_option(args.shard.as_deref(), args.partial)?;
    let shard = source.shard;
    let state = tabx::evaluate_state(&config, &args.input.inputs, source)?;
    if args.partial {
        let shard = shard.expect("--partial always sets a shard");
        write_partial(
            &PartialFile::of_state(&state, shard.index, shard.count, args.input.inputs.clone())?,
            &args.output,
        )?;
        if !quiet {
            eprintln!(
                "wrote partial evaluation state of shard {}/{} to {}",
                shard.index,
                shard.count,
                args.output.display()
            );
        }
        return Ok(Outcome::Ok);
    }
    let outputs = EvalOutputs {
        output: &args.output,
        blessing: args.blessing.as_deref(),
        tfrecord: args.metrics_tfrecord.as_deref(),
    };
    write_evaluation(state, &outputs, quiet, args.sort_by.as_deref(), args.top)
}

/// The config file (if any) with the flags laid over it.
fn eval_config(args: &EvaluateArgs) -> Result<EvalConfig> {
    let mut config = match &args.config {
        Some(path) => EvalConfig::read_unchecked(&remote::fetch(path)?)?,
        None => EvalConfig::new(
            args.label.clone().context("--label is required without --config")?,
            args.prediction.clone().context("--prediction is required without --config")?,
        ),
    };
    if let Some(label) = &args.label {
        config.label = label.clone();
    }
    if let Some(prediction) = &args.prediction {
        config.prediction = prediction.clone();
    }
    if let Some(task) = args.task {
        config.task = match task {
            TaskArg::Regression => Task::Regression,
            TaskArg::Binary => Task::Binary,
        };
    }
    if args.weight.is_some() {
        config.weight = args.weight.clone();
    }
    for slice in &args.slice {
        let spec = SliceSpec::parse(slice)?;
        if !config.slices.contains(&spec) {
            config.slices.push(spec);
        }
    }
    config.min_slice_size = args.min_slice_size.unwrap_or(config.min_slice_size);
    config.max_slices = args.max_slices.unwrap_or(config.max_slices);
    if args.label_threshold.is_some() {
        config.label_threshold = args.label_threshold;
    }
    if args.example_key.is_some() {
        config.example_key = args.example_key.clone();
    }
    let ci = &mut config.confidence_intervals;
    if let Some(method) = args.ci {
        ci.method = match method {
            CiArg::Jackknife => CiMethod::Jackknife,
            CiArg::PoissonBootstrap => CiMethod::PoissonBootstrap,
            CiArg::None => CiMethod::None,
        };
    }
    if let Some(n) = args.ci_samples {
        match ci.method {
            CiMethod::PoissonBootstrap => ci.num_samples = n,
            _ => ci.num_buckets = n,
        }
    }
    ci.seed = args.seed.unwrap_or(ci.seed);
    config.metrics.exact_auc |= args.exact_auc;
    if let Some(column) = &args.baseline_prediction {
        config.baseline = Some(BaselineConfig { prediction: Some(column.clone()), eval: None });
    }
    if let Some(path) = &args.baseline_eval {
        config.baseline = Some(BaselineConfig { prediction: None, eval: Some(remote::fetch(path)?) });
    }
    config.memory_budget_mb = args.memory_budget_mb.unwrap_or(config.memory_budget_mb);
    match &args.config {
        Some(path) => config.check().with_context(|| format!("{} (with the flags given)", path.display()))?,
        None => config.check()?,
    }
    Ok(config)
}

/// `tabx merge` of evaluation partials: eval.json of shards 0..N (checked
/// complete and of one config), merged in shard order. Thresholds and the
/// verdict come from the merged state as in a single run (the config holds
/// every threshold).
pub(crate) fn merge_evaluations(
    parts: Vec<(String, PartialFile)>,
    output: Option<&Path>,
    blessing: Option<&Path>,
    quiet: bool,
) -> Result<Outcome> {
    let shards = parts.len();
    let state: EvalState = merge_partials(parts)?;
    let output = output.unwrap_or(Path::new("eval.json"));
    let outcome = write_evaluation(state, &EvalOutputs { output, blessing, tfrecord: None }, quiet, None, 10)?;
    if !quiet {
        eprintln!("merged {shards} shards");
    }
    Ok(outcome)
}

/// The overall slice's metrics, its example count and the verdict, for KFP.
fn record_kfp_metrics(result: &tabx_analyze::EvalResult) {
    if let Some(overall) = result.overall() {
        crate::kfp::record("example_count", overall.example_count as f64);
        for (name, metric) in &overall.metrics {
            if let Some(value) = metric.value {
                crate::kfp::record(name.clone(), value);
            }
        }
    }
    crate::kfp::record("threshold_failures", result.validation.failures.len() as f64);
    crate::kfp::record("blessed", if result.blessed { 1.0 } else { 0.0 });
}

/// Where a finished evaluation goes.
pub(crate) struct EvalOutputs<'a> {
    pub output: &'a Path,
    pub blessing: Option<&'a Path>,
    pub tfrecord: Option<&'a Path>,
}

/// eval.json, the TFRecord, the blessing and the tables of a finished evaluation.
pub(crate) fn write_evaluation(
    state: EvalState,
    outputs: &EvalOutputs<'_>,
    quiet: bool,
    sort_by: Option<&str>,
    top: usize,
) -> Result<Outcome> {
    // Not in eval.json: heap capacity depends on how the input was split.
    let state_bytes = state.size_bytes();
    let budget = state.config().memory_budget_mb;
    let result = tabx::finish(state)?;
    record_kfp_metrics(&result);
    write_atomically(outputs.output, result.to_json()?.as_bytes())?;
    let mut written = vec![outputs.output.display().to_string()];
    if let Some(path) = outputs.tfrecord {
        tabx_analyze::write_metrics_tfrecord(&result, &remote::output(path)?)?;
        written.push(path.display().to_string());
    }
    if let Some(dir) = outputs.blessing {
        let name = write_blessing(remote::output_dir(dir)?, result.blessed)?;
        let stale = if result.blessed { NOT_BLESSED_FILE } else { BLESSED_FILE };
        remote::remove_on_publish(&dir.join(stale));
        written.push(dir.join(name.file_name().expect("a file")).display().to_string());
    }
    if !quiet {
        print_out(eval_tables(&result, sort_by, top))?;
        eprintln!(
            "evaluation state: {:.1} MiB (memory_budget_mb {budget}); wrote {}",
            state_bytes as f64 / (1u64 << 20) as f64,
            written.join(", ")
        );
    }
    Ok(if result.blessed { Outcome::Ok } else { Outcome::Findings })
}
