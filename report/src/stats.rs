//! The statistics section, as Facets Overview lays it out: per dataset (or
//! slice) a numeric table (count, missing, mean, std_dev, zeros, min, median,
//! max, the STANDARD and QUANTILES histograms) and a categorical table
//! (unique, top values with bars, average length). With a baseline, each
//! feature is drawn over the baseline's and given TFDV's distance: the
//! Jensen-Shannon divergence of the STANDARD histograms for numeric features,
//! the L-infinity distance of the value frequencies for categorical ones
//! (`tabx_validate::distance`, the functions the skew and drift checks use);
//! features are then listed by distance, largest first.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use tabx_schema::{
    DatasetFeatureStatistics, DatasetFeatureStatisticsList, FeatureNameStatistics, Histogram, HistogramType,
};
use tabx_validate::distance::{HistogramSource, jensen_shannon, l_infinity, value_counts};

use crate::svg::{self, Bar, Series, short};
use crate::{MAX_DATASETS, MAX_FEATURE_ROWS, MAX_TOP_VALUES};

/// One dataset's tables.
#[derive(Debug, Serialize)]
pub struct DatasetView {
    pub id: String,
    pub name: String,
    /// The file it came from.
    pub source: String,
    pub num_examples: u64,
    /// The baseline dataset it is compared with.
    pub baseline: Option<String>,
    pub numeric: Vec<FeatureRow>,
    pub categorical: Vec<FeatureRow>,
    /// Features left out past [`MAX_FEATURE_ROWS`] (the least notable).
    pub hidden: usize,
}

/// One feature's row (numeric or categorical cells filled).
#[derive(Debug, Serialize)]
pub struct FeatureRow {
    /// Index of the feature in its dataset.
    #[serde(skip)]
    pub feature: usize,
    /// The row's anchor (indices, never the name: names are untrusted text).
    pub id: String,
    pub name: String,
    pub kind: String,
    pub present: u64,
    pub missing_pct: f64,
    pub cells: BTreeMap<&'static str, String>,
    /// Inline SVG made by `svg.rs` (escaped there).
    pub charts: Vec<Chart>,
    pub top_values: Vec<TopValue>,
    pub distance: Option<f64>,
    pub distance_kind: &'static str,
    /// Short descriptions of this feature's anomalies.
    pub anomalies: Vec<String>,
}

/// A chart with its caption.
#[derive(Debug, Serialize)]
pub struct Chart {
    pub caption: String,
    pub svg: String,
}

/// One frequent value with its share (and the baseline's share of it).
#[derive(Debug, Serialize)]
pub struct TopValue {
    pub value: String,
    pub count: String,
    pub pct: f64,
    pub baseline_pct: Option<f64>,
}

/// The tables of every dataset of every statistics file, each compared with
/// the baseline's dataset of the same name (else its first).
/// `sources` names the histogram a feature's JSD compares where the schema's
/// drift or skew comparator says (TFDV's `HistogramSelection`), so the
/// distance shown is the one the checks used; STANDARD otherwise.
pub fn datasets(
    files: &[(String, DatasetFeatureStatisticsList)],
    baseline: Option<&(String, DatasetFeatureStatisticsList)>,
    anomalies: &BTreeMap<String, Vec<String>>,
    sources: &BTreeMap<String, HistogramSource>,
) -> (Vec<DatasetView>, usize) {
    let all: Vec<(&String, &DatasetFeatureStatistics)> =
        files.iter().flat_map(|(source, list)| list.datasets.iter().map(move |d| (source, d))).collect();
    let hidden = all.len().saturating_sub(MAX_DATASETS);
    let views = all
        .into_iter()
        .take(MAX_DATASETS)
        .enumerate()
        .map(|(i, (source, dataset))| {
            let base =
                baseline.and_then(|(_, b)| b.datasets.iter().find(|d| d.name == dataset.name).or(b.datasets.first()));
            dataset_view(i, source, dataset, base, anomalies, sources)
        })
        .collect();
    (views, hidden)
}

fn dataset_view(
    index: usize,
    source: &str,
    dataset: &DatasetFeatureStatistics,
    baseline: Option<&DatasetFeatureStatistics>,
    anomalies: &BTreeMap<String, Vec<String>>,
    sources: &BTreeMap<String, HistogramSource>,
) -> DatasetView {
    let base_by_name: HashMap<&str, &FeatureNameStatistics> =
        baseline.map(|b| b.features.iter().map(|g| (g.name.as_str(), g)).collect()).unwrap_or_default();
    let base_of = |f: &FeatureNameStatistics| base_by_name.get(f.name.as_str()).copied();
    let mut rows: Vec<FeatureRow> = dataset
        .features
        .iter()
        .enumerate()
        .map(|(j, f)| {
            let base = base_of(f);
            let source = sources.get(&f.name).copied().unwrap_or_default();
            let mut row = feature_row(format!("f-{index}-{j}"), f, base, dataset.num_examples, source);
            row.feature = j;
            row.anomalies = anomalies.get(&f.name).cloned().unwrap_or_default();
            row
        })
        .collect();
    // The most notable first: anomalies, then distance, then missing share.
    let notable = |r: &FeatureRow| {
        (r.anomalies.is_empty(), std::cmp::Reverse(key(r.distance)), std::cmp::Reverse(key(Some(r.missing_pct))))
    };
    let hidden = rows.len().saturating_sub(MAX_FEATURE_ROWS);
    if hidden > 0 {
        rows.sort_by_key(notable);
        rows.truncate(MAX_FEATURE_ROWS);
    }
    if baseline.is_some() {
        rows.sort_by_key(|r| std::cmp::Reverse(key(r.distance)));
    }
    // Charts only for the rows shown: the cap's rows are drawn, not all.
    for row in &mut rows {
        let f = &dataset.features[row.feature];
        row.charts = charts(f, base_of(f));
    }
    let (numeric, categorical) = rows.into_iter().partition(|r| r.kind == "INT" || r.kind == "FLOAT");
    DatasetView {
        id: format!("d-{index}"),
        name: if dataset.name.is_empty() { "(unnamed)".into() } else { dataset.name.clone() },
        source: source.to_string(),
        num_examples: dataset.num_examples,
        baseline: baseline.map(|b| b.name.clone()),
        numeric,
        categorical,
        hidden,
    }
}

/// A sort key for an optional non-negative number (missing sorts lowest).
fn key(x: Option<f64>) -> u64 {
    x.filter(|v| v.is_finite()).map_or(0, |v| v.max(0.0).to_bits() + 1)
}

fn feature_row(
    id: String,
    f: &FeatureNameStatistics,
    base: Option<&FeatureNameStatistics>,
    examples: u64,
    source: HistogramSource,
) -> FeatureRow {
    let kind =
        serde_json::to_value(f.feature_type).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let present = f.num_present();
    let missing = f.num_missing();
    let total = (present + missing).max(examples).max(1);
    let mut row = FeatureRow {
        feature: 0,
        id,
        name: f.name.clone(),
        kind,
        present,
        missing_pct: 100.0 * missing as f64 / total as f64,
        cells: BTreeMap::new(),
        charts: Vec::new(),
        top_values: Vec::new(),
        distance: None,
        distance_kind: "",
        anomalies: Vec::new(),
    };
    if let Some(n) = &f.num_stats {
        for (name, value) in
            [("mean", n.mean), ("std_dev", n.std_dev), ("min", n.min), ("median", n.median), ("max", n.max)]
        {
            row.cells.insert(name, short(value));
        }
        row.cells.insert("zeros", format!("{:.1}%", 100.0 * n.num_zeros as f64 / present.max(1) as f64));
        if let Some(b) = base {
            row.distance = jensen_shannon(f, b, source);
            row.distance_kind = match source {
                HistogramSource::Standard => "JSD",
                HistogramSource::Quantiles => "JSD (quantiles)",
            };
        }
    }
    if let Some(s) = &f.string_stats {
        row.cells.insert("unique", s.unique.to_string());
        row.cells.insert("avg_length", short(s.avg_length));
        let base_counts = base.map(value_counts).unwrap_or_default();
        let base_total: f64 = base_counts.values().sum();
        let total: f64 = f.total_value_count().max(1) as f64;
        let mut top: Vec<(&str, f64)> = s.top_values.iter().map(|t| (t.value.as_str(), t.frequency)).collect();
        if top.is_empty() {
            top = f.string_values_with_counts();
            top.sort_by(|a, b| b.1.total_cmp(&a.1));
        }
        row.top_values = top
            .into_iter()
            .take(MAX_TOP_VALUES)
            .map(|(value, count)| TopValue {
                value: value.to_string(),
                count: short(count),
                pct: 100.0 * count / total,
                baseline_pct: (base_total > 0.0)
                    .then(|| 100.0 * base_counts.get(value).copied().unwrap_or(0.0) / base_total),
            })
            .collect();
        if let Some(b) = base {
            row.distance = l_infinity(f, b).map(|d| d.distance);
            row.distance_kind = "L∞";
        }
    }
    row
}

/// The STANDARD and QUANTILES histograms of a numeric feature, each over the
/// baseline's where there is one.
fn charts(f: &FeatureNameStatistics, base: Option<&FeatureNameStatistics>) -> Vec<Chart> {
    let Some(n) = &f.num_stats else { return Vec::new() };
    let base_num = base.and_then(|b| b.num_stats.as_ref());
    let mut charts = Vec::new();
    for (kind, caption) in [(HistogramType::Standard, "standard"), (HistogramType::Quantiles, "quantiles")] {
        let Some(h) = n.histogram(kind) else { continue };
        let mine = bars(h);
        let theirs = base_num.and_then(|b| b.histogram(kind)).map(bars);
        let mut series = vec![Series { bars: &mine, class: "a", label: "data" }];
        if let Some(t) = &theirs {
            series.push(Series { bars: t, class: "b", label: "baseline" });
        }
        let title = format!("{} histogram of {}", caption, f.name);
        charts.push(Chart { caption: caption.into(), svg: svg::histogram(&series, 140, 34, &title) });
    }
    charts
}

fn bars(h: &Histogram) -> Vec<Bar> {
    h.buckets.iter().map(|b| Bar { low: b.low_value, high: b.high_value, count: b.sample_count }).collect()
}

#[cfg(test)]
mod tests {
    use tabx_schema::{Bucket, NumericStatistics};

    use super::*;

    fn numeric(name: &str, buckets: &[(f64, f64, f64)]) -> FeatureNameStatistics {
        let histogram = Histogram {
            buckets: buckets.iter().map(|&(l, h, c)| Bucket { low_value: l, high_value: h, sample_count: c }).collect(),
            ..Histogram::default()
        };
        FeatureNameStatistics {
            name: name.into(),
            feature_type: tabx_schema::FeatureType::Float,
            num_stats: Some(NumericStatistics { histograms: vec![histogram], ..NumericStatistics::default() }),
            ..FeatureNameStatistics::default()
        }
    }

    #[test]
    fn features_are_listed_by_distance_with_a_baseline() {
        let data = DatasetFeatureStatistics {
            name: "eval".into(),
            num_examples: 10,
            features: vec![
                numeric("same", &[(0.0, 1.0, 5.0), (1.0, 2.0, 5.0)]),
                numeric("moved", &[(0.0, 1.0, 10.0), (1.0, 2.0, 0.0)]),
            ],
            ..DatasetFeatureStatistics::default()
        };
        let base = DatasetFeatureStatistics {
            name: "train".into(),
            features: vec![
                numeric("same", &[(0.0, 1.0, 5.0), (1.0, 2.0, 5.0)]),
                numeric("moved", &[(0.0, 1.0, 0.0), (1.0, 2.0, 10.0)]),
            ],
            ..DatasetFeatureStatistics::default()
        };
        let view = dataset_view(0, "s.json", &data, Some(&base), &BTreeMap::new(), &BTreeMap::new());
        let order: Vec<_> = view.numeric.iter().map(|r| (r.name.as_str(), r.distance)).collect();
        // Disjoint supports: JSD = 1 bit; identical histograms: 0 (by hand).
        assert_eq!(order, [("moved", Some(1.0)), ("same", Some(0.0))]);
        assert_eq!(view.baseline.as_deref(), Some("train"));
    }
}
