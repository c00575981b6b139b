//! The schema section: one row per feature with its type, presence, value
//! count, domain and drift/skew comparators, read from the schema's
//! protobuf-JSON form so that every field tabx keeps (also those it does not
//! check) shows as the file has it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use tabx_schema::Schema;
use tabx_validate::distance::HistogramSource;

#[derive(Debug, Serialize)]
pub struct SchemaRow {
    pub name: String,
    pub kind: String,
    pub presence: String,
    pub valency: String,
    pub domain: String,
    pub comparators: String,
}

pub fn rows(schema: &Schema) -> Vec<SchemaRow> {
    let json = serde_json::to_value(schema).unwrap_or(Value::Null);
    let domains: Vec<&Value> = json["string_domain"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
    json["feature"].as_array().map(|features| features.iter().map(|f| row(f, &domains)).collect()).unwrap_or_default()
}

fn row(f: &Value, domains: &[&Value]) -> SchemaRow {
    let domain = if let Some(name) = f["domain"].as_str() {
        let size = domains.iter().find(|d| d["name"] == name).and_then(|d| d["value"].as_array()).map_or(0, Vec::len);
        format!("{name} ({size} values)")
    } else if let Some(d) = f["string_domain"].as_object() {
        format!("{} values", d.get("value").and_then(Value::as_array).map_or(0, Vec::len))
    } else if let Some(d) = f["int_domain"].as_object().or(f["float_domain"].as_object()) {
        fields(d)
    } else {
        String::new()
    };
    let comparator =
        |key: &str| f[key].as_object().map(|c| format!("{}: {}", key.trim_end_matches("_comparator"), thresholds(c)));
    SchemaRow {
        name: f["name"].as_str().unwrap_or_default().to_string(),
        kind: f["type"].as_str().unwrap_or_default().to_string(),
        presence: f["presence"].as_object().map(fields).unwrap_or_default(),
        valency: f["value_count"].as_object().map(fields).unwrap_or_default(),
        domain,
        comparators: ["drift_comparator", "skew_comparator"]
            .iter()
            .filter_map(|k| comparator(k))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// `key=value` pairs of a flat object.
fn fields(o: &Map<String, Value>) -> String {
    o.iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().map_or_else(|| v.to_string(), str::to_string)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A comparator's thresholds (`infinity_norm`, `jensen_shannon_divergence`, …).
fn thresholds(c: &Map<String, Value>) -> String {
    c.iter()
        .map(|(k, v)| match v["threshold"].as_f64() {
            Some(t) => format!("{k} ≤ {t}"),
            None => k.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The histogram each feature's JSD comparator names (drift first, then skew).
pub fn jsd_sources(schema: &Schema) -> BTreeMap<String, HistogramSource> {
    let json = serde_json::to_value(schema).unwrap_or(Value::Null);
    let mut out = BTreeMap::new();
    for f in json["feature"].as_array().into_iter().flatten() {
        for key in ["drift_comparator", "skew_comparator"] {
            let kind = &f[key]["jensen_shannon_divergence"]["source"]["type"];
            if let (Some(name), Some(kind)) = (f["name"].as_str(), kind.as_str()) {
                let source = if kind == "QUANTILES" { HistogramSource::Quantiles } else { HistogramSource::Standard };
                out.entry(name.to_string()).or_insert(source);
            }
        }
    }
    out
}
