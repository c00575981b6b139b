//! TFMA's job: sliced metrics of predictions against labels, with confidence
//! intervals, thresholds and a verdict ([`evaluate`]), or the mergeable state
//! a shard writes as its partial ([`evaluate_state`], then [`finish`]).
//!
//! ```text
//!  tasks ─EvalState::update─▶ states in task order ─merge─▶ EvalState ─finish (baseline eval.json)─▶ EvalResult
//! ```

use tabx_analyze::{EvalConfig, EvalResult, EvalState};
use tabx_core::{Result, TabxError};
use tabx_engine::{ScanPlan, SourceOptions};

use crate::blocking;
use crate::slices::Predicates;

/// The evaluation state of `inputs`: one pass on all cores, task states
/// merged in order. Only the columns `config` names are read.
///
/// SQL slices (`NAME:=SQL`, feature `sql`) are evaluated on each batch
/// before the state sees it (`slices.rs`).
pub fn evaluate_state(config: &EvalConfig, inputs: &[String], mut source: SourceOptions) -> Result<EvalState> {
    let template = EvalState::try_new(config)?;
    let predicates = Predicates::of(&config.slices)?;
    let mut columns = config.columns();
    for column in predicates.columns() {
        if !columns.contains(&column) {
            columns.push(column);
        }
    }
    source.projection = Some(columns);
    // Errors name the row's file and line.
    source.row_source = true;
    let plan = ScanPlan::try_new(inputs, source)?;
    let (state, _report) = tabx_engine::scan_merged(
        &plan,
        |_| template.clone(),
        |state, batch| state.update(&*predicates.annotate(batch)?),
        |merged, state| merged.merge(state),
    )?;
    Ok(state.unwrap_or(template))
}

/// The metrics, intervals and verdicts of a (merged) state, against the
/// baseline `eval.json` its config names, if any.
pub fn finish(state: EvalState) -> Result<EvalResult> {
    let baseline = match state.config().baseline.as_ref().and_then(|b| b.eval.as_ref()) {
        Some(path) => Some(EvalResult::load(path).map_err(|e| {
            // `e` names the file.
            TabxError::config(format!("cannot read the baseline evaluation: {e}"))
                .with_hint("baseline.eval (--baseline-eval) names an eval.json written by `tabx evaluate`")
        })?),
        None => None,
    };
    state.finish_against(baseline.as_ref())
}

/// Evaluates the predictions in `inputs` as `config` says.
///
/// ```
/// use tabx::{EvalConfig, SourceOptions};
/// let dir = tempfile::tempdir()?;
/// let rows = dir.path().join("predictions.csv");
/// std::fs::write(&rows, "fare,predicted,payment_type\n10,12,Cash\n20,18,Cash\n30,33,Card\n")?;
/// let mut config = EvalConfig::new("fare", "predicted");
/// config.slices.push(tabx::SliceSpec::parse("payment_type")?);
/// let result = tabx::evaluate(&config, &[rows.display().to_string()], SourceOptions::default())?;
/// // mean_absolute_error over all rows: (2 + 2 + 3) / 3.
/// let overall = &result.slice_specs[0].slices[0];
/// assert!((overall.metrics["mean_absolute_error"].value.unwrap() - 7.0 / 3.0).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate(config: &EvalConfig, inputs: &[String], source: SourceOptions) -> Result<EvalResult> {
    finish(evaluate_state(config, inputs, source)?)
}

/// [`evaluate`] from async code (on the caller's runtime's blocking pool).
pub async fn evaluate_async(config: EvalConfig, inputs: Vec<String>, source: SourceOptions) -> Result<EvalResult> {
    blocking(move || evaluate(&config, &inputs, source)).await
}
