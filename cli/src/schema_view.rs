//! Readable tables of schemas and anomalies: what `tabx schema show`,
//! `tabx schema diff` and `tabx validate` print (TFDV's `display_schema` and
//! `display_anomalies`).

use comfy_table::{Cell, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use tabx_schema::{Feature, Schema};
use tabx_validate::Anomalies;

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(header.iter().map(|h| Cell::new(*h)));
    table
}

/// One row per feature: type, presence, valency, domain, environments, checks.
pub fn schema_table(schema: &Schema) -> Table {
    let mut table = new_table(&["feature", "type", "presence", "valency", "domain", "environments", "comparators"]);
    for feature in &schema.feature {
        table.add_row(feature_row(schema, feature));
    }
    table
}

fn feature_row(schema: &Schema, f: &Feature) -> Vec<String> {
    let mut name = f.name.clone();
    if f.is_deprecated() {
        name.push_str(" (deprecated)");
    }
    vec![
        name,
        f.schema_type().name().to_string(),
        presence(f),
        valency(f),
        domain(schema, f),
        environments(f),
        comparators(f),
    ]
}

/// TFDV's wording: `required` (min_fraction 1), `optional`, with the bounds.
fn presence(f: &Feature) -> String {
    let Some(p) = &f.presence else { return String::new() };
    match (p.min_fraction, p.min_count) {
        (Some(fraction), _) if fraction >= 1.0 => "required".into(),
        (Some(fraction), Some(count)) => format!("optional (≥ {:.4}%, ≥ {count})", 100.0 * fraction),
        (Some(fraction), None) => format!("optional (≥ {:.4}%)", 100.0 * fraction),
        (None, Some(count)) if count > 0 => format!("optional (≥ {count})"),
        _ => "optional".into(),
    }
}

fn valency(f: &Feature) -> String {
    if f.other.contains_key("shape") {
        return "shape".into();
    }
    match &f.value_count {
        Some(vc) => match (vc.min, vc.max) {
            (Some(1), Some(1)) => "single".into(),
            (min, max) => format!(
                "[{}, {}]",
                min.map_or("0".into(), |v| v.to_string()),
                max.map_or("inf".into(), |v| v.to_string())
            ),
        },
        None => String::new(),
    }
}

/// The domain in a few words: `'payment_type' (10 values)`, `int [0, 23]`, ...
pub fn domain(schema: &Schema, f: &Feature) -> String {
    if let Some(name) = &f.domain {
        let n = schema.string_domain(name).map_or(0, |d| d.value.len());
        return format!("'{name}' ({n} values)");
    }
    if let Some(d) = &f.string_domain {
        return format!("{} values", d.value.len());
    }
    if let Some(d) = &f.int_domain {
        let categorical = if d.is_categorical == Some(true) { " categorical" } else { "" };
        return format!("int{categorical}{}", bounds(d.min.map(|v| v as f64), d.max.map(|v| v as f64)));
    }
    if let Some(d) = &f.float_domain {
        let mut text = format!("float{}", bounds(d.min, d.max));
        if d.disallow_nan == Some(true) {
            text.push_str(" no NaN");
        }
        if d.disallow_inf == Some(true) {
            text.push_str(" no inf");
        }
        return text;
    }
    if let Some(d) = &f.bool_domain {
        return match (&d.true_value, &d.false_value) {
            (None, None) => "bool".into(),
            (t, fv) => format!("bool ({} / {})", t.as_deref().unwrap_or("-"), fv.as_deref().unwrap_or("-")),
        };
    }
    f.domain_kind().map(str::to_string).unwrap_or_default()
}

fn bounds(min: Option<f64>, max: Option<f64>) -> String {
    if min.is_none() && max.is_none() {
        return String::new();
    }
    let show = |v: Option<f64>, none: &str| v.map_or(none.to_string(), |v| format!("{v}"));
    format!(" [{}, {}]", show(min, "-inf"), show(max, "inf"))
}

fn environments(f: &Feature) -> String {
    let mut parts = Vec::new();
    if !f.in_environment.is_empty() {
        parts.push(format!("in {}", f.in_environment.join(", ")));
    }
    if !f.not_in_environment.is_empty() {
        parts.push(format!("not in {}", f.not_in_environment.join(", ")));
    }
    parts.join("; ")
}

fn comparators(f: &Feature) -> String {
    let mut parts = Vec::new();
    for (label, comparator) in [("skew", &f.skew_comparator), ("drift", &f.drift_comparator)] {
        let Some(c) = comparator else { continue };
        if let Some(t) = c.infinity_norm.as_ref().and_then(|t| t.threshold) {
            parts.push(format!("{label} L∞ ≤ {t}"));
        }
        if let Some(t) = c.jensen_shannon_divergence.as_ref().and_then(|t| t.threshold) {
            parts.push(format!("{label} JSD ≤ {t}"));
        }
        if let Some(t) = c.normalized_abs_difference.as_ref().and_then(|t| t.threshold) {
            parts.push(format!("{label} NAD ≤ {t}"));
        }
    }
    parts.join(", ")
}

/// One row per anomaly reason: feature, type, short and long description
/// (long ones cut short: the artifact has them whole).
pub fn anomalies_table(anomalies: &Anomalies) -> Table {
    const LONGEST: usize = 200;
    let mut table = new_table(&["feature", "anomaly", "short description", "description"]);
    for (feature, reason) in anomalies.reasons() {
        let mut description = reason.description.clone().unwrap_or_default();
        if description.chars().count() > LONGEST {
            description = description.chars().take(LONGEST).collect::<String>() + "… (whole text in the artifact)";
        }
        table.add_row([
            feature.to_string(),
            reason.kind.name(),
            reason.short_description.clone().unwrap_or_default(),
            description,
        ]);
    }
    table
}

/// The features whose entries differ between two schemas, side by side.
pub fn schema_diff_table(left: &Schema, right: &Schema) -> Option<Table> {
    let mut table = new_table(&["feature", "aspect", "left", "right"]);
    let mut names: Vec<&str> = left.feature.iter().map(|f| f.name.as_str()).collect();
    names.extend(right.feature.iter().map(|f| f.name.as_str()).filter(|n| left.feature(n).is_none()));
    let mut differs = false;
    for name in names {
        let row = |f: Option<&Feature>, schema: &Schema| f.map(|f| feature_row(schema, f));
        let (l, r) = (row(left.feature(name), left), row(right.feature(name), right));
        match (l, r) {
            (Some(l), Some(r)) => {
                // Column 0 is the name, marked "(deprecated)" when it is.
                const ASPECTS: [&str; 7] =
                    ["lifecycle", "type", "presence", "valency", "domain", "environments", "comparators"];
                for (i, aspect) in ASPECTS.iter().enumerate() {
                    if l[i] != r[i] {
                        differs = true;
                        table.add_row([name.to_string(), aspect.to_string(), l[i].clone(), r[i].clone()]);
                    }
                }
                let (ld, rd) = (string_values(left, left.feature(name)), string_values(right, right.feature(name)));
                if ld != rd {
                    differs = true;
                    let added: Vec<&String> = rd.iter().filter(|v| !ld.contains(v)).collect();
                    let removed: Vec<&String> = ld.iter().filter(|v| !rd.contains(v)).collect();
                    table.add_row([
                        name.to_string(),
                        "domain values".into(),
                        format!("- {}", list(&removed)),
                        format!("+ {}", list(&added)),
                    ]);
                }
            }
            (Some(_), None) => {
                differs = true;
                table.add_row([name, "feature", "present", "absent"]);
            }
            (None, Some(_)) => {
                differs = true;
                table.add_row([name, "feature", "absent", "present"]);
            }
            (None, None) => {}
        }
    }
    differs.then_some(table)
}

fn string_values(schema: &Schema, feature: Option<&Feature>) -> Vec<String> {
    feature.and_then(|f| schema.domain_values(f)).map(<[String]>::to_vec).unwrap_or_default()
}

fn list(values: &[&String]) -> String {
    const SHOWN: usize = 8;
    let mut text: Vec<String> = values.iter().take(SHOWN).map(|v| format!("{v:?}")).collect();
    if values.len() > SHOWN {
        text.push(format!("... {} more", values.len() - SHOWN));
    }
    if text.is_empty() { "none".into() } else { text.join(", ") }
}
