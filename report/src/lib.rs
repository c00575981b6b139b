//! # tabx-report
//!
//! `tabx report`: one self-contained HTML page from any subset of tabx's
//! artifacts: statistics (several datasets or slices, and a baseline to
//! compare with), schema, anomalies, the fitted transform and evaluation
//! results. What TFDV users see in Facets Overview and the anomalies table,
//! and TFMA users in the slicing browser, without a notebook.
//!
//! The page opens anywhere and asks for nothing: CSS, SVG charts and a small
//! script are inline, and its Content-Security-Policy (`default-src 'none'`)
//! forbids every request. Every table and chart is in the HTML with scripting
//! off; the script only adds sorting and filtering.
//!
//! Where things go:
//! - `stats.rs`, `anomalies.rs`, `schema.rs`, `transform.rs`, `eval.rs`: one
//!   section each, turning an artifact into the rows the template lays out. A
//!   new section is a module here, a field of [`ReportInputs`] and a block in
//!   `templates/report.html`.
//! - `svg.rs`: the charts, drawn here as plain SVG (escaping every text).
//! - `templates/`: the page (minijinja; `*.html` templates auto-escape every
//!   value, so names and values from the data cannot become markup), its CSS
//!   and script.
//!
//! Size is bounded whatever the input (the caps below): past them the page
//! says how many features, slices or datasets it leaves out, keeping the most
//! notable (anomalies, then distance to the baseline, then missing share).

mod anomalies;
mod eval;
mod schema;
mod stats;
pub mod svg;
mod transform;

use std::collections::BTreeMap;

use minijinja::{Environment, context};
use tabx_analyze::EvalResult;
use tabx_core::{Result, TabxError};
use tabx_schema::{DatasetFeatureStatisticsList, Schema};
use tabx_transform::TransformArtifact;
use tabx_validate::Anomalies;

/// Datasets (slices) shown, over all statistics files.
pub const MAX_DATASETS: usize = 20;
/// Feature rows per dataset.
pub const MAX_FEATURE_ROWS: usize = 500;
/// Top values per categorical feature.
pub const MAX_TOP_VALUES: usize = 5;
/// Slices per evaluation slice spec.
pub const MAX_SLICES: usize = 50;
/// Items of a fitted list (bucket boundaries, vocabulary) written out.
pub const MAX_LIST_ITEMS: usize = 12;

/// What a report shows; every part is optional. Files are named by where
/// they came from (shown on the page).
#[derive(Debug, Default)]
pub struct ReportInputs {
    pub title: String,
    pub stats: Vec<(String, DatasetFeatureStatisticsList)>,
    pub baseline: Option<(String, DatasetFeatureStatisticsList)>,
    pub schema: Option<(String, Schema)>,
    pub anomalies: Option<(String, Anomalies)>,
    pub transform: Option<(String, TransformArtifact)>,
    pub evals: Vec<(String, EvalResult)>,
}

/// The page.
pub fn render(inputs: &ReportInputs) -> Result<String> {
    let by_feature = inputs.anomalies.as_ref().map(|(_, a)| anomalies::by_feature(a)).unwrap_or_default();
    let sources = inputs.schema.as_ref().map(|(_, s)| schema::jsd_sources(s)).unwrap_or_default();
    let (datasets, hidden_datasets) = stats::datasets(&inputs.stats, inputs.baseline.as_ref(), &by_feature, &sources);
    // Anomalies link to the feature's row in the first dataset that has it.
    let mut links: BTreeMap<String, String> = BTreeMap::new();
    for row in datasets.iter().flat_map(|d| d.numeric.iter().chain(&d.categorical)) {
        links.entry(row.name.clone()).or_insert_with(|| row.id.clone());
    }
    let anomalies = inputs.anomalies.as_ref().map(|(source, a)| (source, anomalies::view(a, &links)));
    let schema = inputs.schema.as_ref().map(|(source, s)| (source, schema::rows(s)));
    let transform = inputs.transform.as_ref().map(|(source, t)| (source, transform::view(t)));
    let evals: Vec<_> = inputs.evals.iter().enumerate().map(|(i, (source, e))| eval::view(i, source, e)).collect();
    let env = environment()?;
    let page = env.get_template("report.html").map_err(template_error)?;
    page.render(context! {
        title => inputs.title,
        version => env!("CARGO_PKG_VERSION"),
        baseline => inputs.baseline.as_ref().map(|(source, _)| source),
        datasets,
        hidden_datasets,
        anomalies,
        schema,
        transform,
        evals,
        caps => context! { features => MAX_FEATURE_ROWS, datasets => MAX_DATASETS, slices => MAX_SLICES },
    })
    .map_err(template_error)
}

fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    for (name, text) in [
        ("report.html", include_str!("../templates/report.html")),
        ("style.css", include_str!("../templates/style.css")),
        ("report.js", include_str!("../templates/report.js")),
    ] {
        env.add_template(name, text).map_err(template_error)?;
    }
    env.add_filter("pct", |x: f64| format!("{x:.1}%"));
    Ok(env)
}

fn template_error(e: minijinja::Error) -> TabxError {
    TabxError::Internal(format!("report template: {e:#}"))
}
