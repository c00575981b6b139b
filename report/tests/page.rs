//! The page as text: untrusted names and values escaped everywhere, nothing
//! that could make a request, bounded size for huge inputs, and a snapshot
//! that keeps changes to the markup deliberate. (The browser test, which
//! renders it, is `cli/tests/report.rs`.)

use std::collections::BTreeMap;

use tabx_report::{MAX_FEATURE_ROWS, MAX_SLICES, ReportInputs, render};
use tabx_schema::{
    Bucket, CommonStatistics, DatasetFeatureStatistics, DatasetFeatureStatisticsList, FeatureNameStatistics,
    FeatureType, FreqAndValue, Histogram, HistogramType, NumericStatistics, StringStatistics,
};
use tabx_validate::{Anomalies, AnomalyInfo, AnomalyType, Reason, Severity};

const EVIL: &str = "<script>alert(1)</script>";
const VALUE: &str = "a\"b&c<d>'e";

fn numeric(name: &str, n: u64) -> FeatureNameStatistics {
    let buckets = (0..10)
        .map(|i| Bucket { low_value: f64::from(i), high_value: f64::from(i + 1), sample_count: n as f64 / 10.0 })
        .collect::<Vec<_>>();
    let histograms = [HistogramType::Standard, HistogramType::Quantiles]
        .map(|t| Histogram { buckets: buckets.clone(), histogram_type: t, num_nan: 0 })
        .to_vec();
    FeatureNameStatistics {
        name: name.into(),
        feature_type: FeatureType::Float,
        num_stats: Some(NumericStatistics {
            common_stats: CommonStatistics { num_non_missing: n, num_missing: 1, ..CommonStatistics::default() },
            mean: 5.0,
            std_dev: 2.875,
            num_zeros: 1,
            min: 0.0,
            median: 5.0,
            max: 10.0,
            histograms,
            ..NumericStatistics::default()
        }),
        ..FeatureNameStatistics::default()
    }
}

fn categorical(name: &str, values: &[(&str, f64)]) -> FeatureNameStatistics {
    let total: f64 = values.iter().map(|v| v.1).sum();
    FeatureNameStatistics {
        name: name.into(),
        feature_type: FeatureType::String,
        string_stats: Some(StringStatistics {
            common_stats: CommonStatistics {
                num_non_missing: total as u64,
                tot_num_values: total as u64,
                ..CommonStatistics::default()
            },
            unique: values.len() as u64,
            top_values: values.iter().map(|(v, f)| FreqAndValue { value: v.to_string(), frequency: *f }).collect(),
            avg_length: 3.5,
            ..StringStatistics::default()
        }),
        ..FeatureNameStatistics::default()
    }
}

fn stats(name: &str, features: Vec<FeatureNameStatistics>) -> DatasetFeatureStatisticsList {
    DatasetFeatureStatisticsList {
        datasets: vec![DatasetFeatureStatistics {
            name: name.into(),
            num_examples: 11,
            features,
            ..Default::default()
        }],
    }
}

fn anomalies(feature: &str, description: &str) -> Anomalies {
    let info = AnomalyInfo {
        severity: Some(Severity::Error),
        short_description: Some("Unexpected string values".into()),
        description: Some(description.into()),
        reason: vec![Reason {
            kind: AnomalyType::EnumTypeUnexpectedStringValues,
            short_description: Some("Unexpected string values".into()),
            description: Some(description.into()),
        }],
        ..AnomalyInfo::default()
    };
    Anomalies { anomaly_info: BTreeMap::from([(feature.to_string(), info)]), ..Anomalies::default() }
}

fn small() -> ReportInputs {
    ReportInputs {
        title: "small".into(),
        stats: vec![(
            "eval.json".into(),
            stats("eval", vec![numeric("fare", 10), categorical("company", &[("Flash", 7.0), ("Blue", 3.0)])]),
        )],
        baseline: Some((
            "train.json".into(),
            stats("train", vec![numeric("fare", 20), categorical("company", &[("Flash", 5.0), ("Blue", 5.0)])]),
        )),
        anomalies: Some((
            "anomalies.json".into(),
            anomalies("company", "Examples contain values missing from the schema: Blue (30%)."),
        )),
        ..ReportInputs::default()
    }
}

#[test]
fn untrusted_names_and_values_are_escaped_everywhere() {
    let inputs = ReportInputs {
        title: EVIL.into(),
        stats: vec![(
            EVIL.into(),
            stats(EVIL, vec![numeric(EVIL, 10), categorical(VALUE, &[(EVIL, 3.0), (VALUE, 1.0)])]),
        )],
        baseline: Some((VALUE.into(), stats(VALUE, vec![numeric(EVIL, 10), categorical(VALUE, &[(EVIL, 1.0)])]))),
        anomalies: Some((VALUE.into(), anomalies(EVIL, &format!("<img src=x onerror=alert(2)> {VALUE}")))),
        ..ReportInputs::default()
    };
    let page = render(&inputs).unwrap();
    // The page's own script is the only one; no tag or attribute of the input survives.
    assert_eq!(page.matches("<script").count(), 1, "{page}");
    assert!(!page.contains("alert(1)</script>") && !page.contains("<img") && !page.contains(VALUE), "{page}");
    // Escaped in text, in attributes (data-name, title) and inside the SVG (<title>, aria-label).
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || page.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    assert!(page.contains("data-name=\"&lt;script&gt;"), "attribute");
    let svg_title = format!("aria-label=\"standard histogram of {}\"", tabx_report::svg::escape(EVIL));
    assert!(page.contains(&svg_title), "svg");
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;"), "description");
}

#[test]
fn the_page_requests_nothing() {
    let page = render(&small()).unwrap();
    assert!(page.contains(
        "content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\""
    ));
    for forbidden in ["src=", "url(", "@import", "<link", "<iframe", "<object", "fetch(", "XMLHttpRequest"] {
        assert!(!page.contains(forbidden), "{forbidden}");
    }
    // Links only within the page; the one URL is SVG's namespace name, which is never fetched.
    assert!(page.matches("href=\"").count() == page.matches("href=\"#").count());
    let namespaces = page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
    assert_eq!(page.matches("http").count(), namespaces + page.matches("http-equiv").count());
}

#[test]
fn the_page_stays_bounded_for_5000_features_and_100_slices() {
    let features = (0..5000).map(|i| numeric(&format!("feature_{i:04}"), 10)).collect();
    let inputs = ReportInputs { stats: vec![("wide.json".into(), stats("wide", features))], ..ReportInputs::default() };
    let page = render(&inputs).unwrap();
    assert_eq!(page.matches("<tr id=\"f-").count(), MAX_FEATURE_ROWS);
    assert!(page.contains("4500 more features not shown"), "cap said");
    assert!(page.len() < 2 << 20, "{} bytes", page.len());

    let eval = tabx_analyze::EvalResult::from_json(&many_slices(100), "eval.json").unwrap();
    let page = render(&ReportInputs { evals: vec![("eval.json".into(), eval)], ..ReportInputs::default() }).unwrap();
    assert_eq!(page.matches("<tr data-name=\"payment_type_").count(), MAX_SLICES);
    assert!(page.contains("50 more slices not shown"));
}

/// An eval.json (regression, one metric) with `n` slices of `payment_type`.
fn many_slices(n: usize) -> String {
    let golden = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/golden/eval.json")).unwrap();
    let mut eval: serde_json::Value = serde_json::from_str(&golden).unwrap();
    let overall = eval["slice_specs"][0]["slices"][0].clone();
    let slices: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let mut s = overall.clone();
            s["name"] = format!("payment_type_{i:03}").into();
            s["key"] = serde_json::json!([["payment_type", format!("{i:03}")]]);
            s
        })
        .collect();
    eval["slice_specs"] = serde_json::json!([
        eval["slice_specs"][0].clone(),
        {"spec": "payment_type", "slices": slices, "suppressed": []}
    ]);
    eval.to_string()
}

#[test]
fn snapshot_of_a_small_report() {
    insta::assert_snapshot!(render(&small()).unwrap());
}
