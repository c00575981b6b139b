//! The transform section: per output its op, inputs and fitted values, read
//! as the ops write them (`transform/src/ops/`): mean and std_dev, min and
//! max, bucket boundaries, a vocabulary's size, first tokens and OOV buckets.
//! An op this module does not know shows its fitted JSON fields as they are,
//! so a new op appears without a change here.

use serde::Serialize;
use serde_json::Value;
use tabx_transform::TransformArtifact;

use crate::MAX_LIST_ITEMS;
use crate::svg::significant;

#[derive(Debug, Serialize)]
pub struct TransformView {
    pub rows: u64,
    pub invalid_rows: u64,
    pub tabx_version: String,
    pub outputs: Vec<OutputRow>,
    pub passthrough: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct OutputRow {
    pub name: String,
    pub op: String,
    pub inputs: Vec<String>,
    /// (field, value as text), in the op's order.
    pub fitted: Vec<(String, String)>,
}

pub fn view(artifact: &TransformArtifact) -> TransformView {
    let spec = serde_json::to_value(&artifact.spec).unwrap_or(Value::Null);
    let inputs_of = |name: &str| -> Vec<String> {
        spec["outputs"]
            .as_array()
            .and_then(|outs| outs.iter().find(|o| o["name"] == name))
            .and_then(|o| o["inputs"].as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let passthrough = spec["passthrough"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let outputs = artifact
        .outputs
        .iter()
        .map(|o| OutputRow {
            name: o.name.clone(),
            op: o.op.clone(),
            inputs: inputs_of(&o.name),
            fitted: fitted(&o.fitted),
        })
        .collect();
    TransformView {
        rows: artifact.rows,
        invalid_rows: artifact.invalid_rows,
        tabx_version: artifact.tabx_version.clone(),
        outputs,
        passthrough,
    }
}

/// The fitted fields as text: a vocabulary by its size and first tokens, a
/// list by its first items, numbers short.
fn fitted(value: &Value) -> Vec<(String, String)> {
    let Some(fields) = value.as_object() else { return vec![("value".into(), text(value))] };
    fields
        .iter()
        .map(|(k, v)| {
            let shown = match (k.as_str(), v) {
                ("vocabulary", Value::Array(tokens)) => {
                    format!("{} tokens: {}", tokens.len(), list(tokens))
                }
                (_, Value::Array(items)) => format!("{} values: {}", items.len(), list(items)),
                _ => text(v),
            };
            (k.clone(), shown)
        })
        .collect()
}

fn list(items: &[Value]) -> String {
    let mut shown: Vec<String> = items.iter().take(MAX_LIST_ITEMS).map(text).collect();
    if items.len() > MAX_LIST_ITEMS {
        shown.push(format!("… {} more", items.len() - MAX_LIST_ITEMS));
    }
    shown.join(", ")
}

fn text(v: &Value) -> String {
    match v {
        // Fitted values are exact: enough digits to tell bucket boundaries apart.
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), |x| significant(x, 10)),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
