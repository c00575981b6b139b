//! The anomalies summary at the top of the page: how many of each type, the
//! features affected (each linked to its row in the statistics tables) with
//! TFDV's short and long descriptions, and the drift/skew measurements
//! against their thresholds.

use std::collections::BTreeMap;

use serde::Serialize;
use tabx_validate::{Anomalies, AnomalyInfo, Severity};

use crate::svg::short;

#[derive(Debug, Serialize)]
pub struct AnomaliesView {
    pub total: usize,
    /// (TFDV anomaly type, features with it), most frequent first.
    pub by_type: Vec<(String, usize)>,
    pub rows: Vec<AnomalyRow>,
    pub measurements: Vec<MeasurementRow>,
}

#[derive(Debug, Serialize)]
pub struct AnomalyRow {
    pub feature: String,
    /// The anchor of the feature's row in the statistics, when it has one.
    pub link: Option<String>,
    pub severity: String,
    pub types: Vec<String>,
    pub short_description: String,
    pub description: String,
}

#[derive(Debug, Serialize)]
pub struct MeasurementRow {
    pub feature: String,
    pub kind: String,
    pub value: String,
    pub threshold: String,
    pub exceeded: bool,
}

/// The summary of `anomalies`; `links` maps a feature name to its row's anchor.
pub fn view(anomalies: &Anomalies, links: &BTreeMap<String, String>) -> AnomaliesView {
    let mut infos: Vec<(&str, &AnomalyInfo)> = anomalies.anomaly_info.iter().map(|(k, v)| (k.as_str(), v)).collect();
    if let Some(d) = &anomalies.dataset_anomaly_info {
        infos.insert(0, (tabx_validate::DATASET, d));
    }
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    let rows: Vec<AnomalyRow> = infos
        .iter()
        .map(|(feature, info)| {
            let types: Vec<String> = info.reason.iter().map(|r| r.kind.name()).collect();
            for t in &types {
                *by_type.entry(t.clone()).or_default() += 1;
            }
            AnomalyRow {
                feature: feature.to_string(),
                link: links.get(*feature).cloned(),
                severity: match info.severity {
                    Some(Severity::Error) => "ERROR",
                    Some(Severity::Warning) => "WARNING",
                    _ => "UNKNOWN",
                }
                .into(),
                types,
                short_description: info.short_description.clone().unwrap_or_default(),
                description: info.description.clone().unwrap_or_default(),
            }
        })
        .collect();
    let mut by_type: Vec<(String, usize)> = by_type.into_iter().collect();
    by_type.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let measurements = anomalies
        .drift_skew_info
        .iter()
        .flat_map(|d| {
            let feature = d.path.step.join(".");
            d.drift_measurements
                .iter()
                .map(|m| ("drift", m))
                .chain(d.skew_measurements.iter().map(|m| ("skew", m)))
                .map(move |(what, m)| MeasurementRow {
                    feature: feature.clone(),
                    kind: format!("{what} {}", m.kind),
                    value: short(m.value),
                    threshold: short(m.threshold),
                    exceeded: m.value > m.threshold,
                })
        })
        .collect();
    AnomaliesView { total: rows.len(), by_type, rows, measurements }
}

/// Each feature's anomaly short descriptions, for the statistics rows.
pub fn by_feature(anomalies: &Anomalies) -> BTreeMap<String, Vec<String>> {
    anomalies
        .anomaly_info
        .iter()
        .map(|(name, info)| {
            let texts =
                info.reason.iter().map(|r| r.short_description.clone().unwrap_or_else(|| r.kind.name())).collect();
            (name.clone(), texts)
        })
        .collect()
}
