//! What an artifact file that does not parse holds instead, when it is
//! plainly another of tabx's inputs: data where statistics belong
//! (`tabx validate --stats data.csv`), statistics where a schema belongs, a
//! `transform.json`, model or `eval.json` where a TFDV artifact belongs, and
//! so on. [`crate::read_file`] then says so, with the command that makes the
//! artifact asked for, instead of a parse error about the first bytes. And a
//! schema that parses but describes other data ([`unrelated_schema`]).

use std::path::Path;

use tabx_core::ArtifactKind;

use crate::proto::ProtoMessage;

/// What a file holds, as far as its name and first field tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holds {
    Data,
    Artifact(ProtoMessage),
    /// One of tabx's own JSON artifacts, which begin with `format_version`.
    Tabx(ArtifactKind),
}

/// `this is X, not Y: how to get Y`, when `bytes` (which failed to parse as
/// `wanted`) are plainly something else; `None` when they may be a broken `wanted`.
pub(crate) fn explain(wanted: ProtoMessage, path: &Path, bytes: &[u8]) -> Option<String> {
    let found = holds(path, bytes)?;
    let name = path.display();
    let advice = match (found, wanted) {
        (Holds::Artifact(m), _) if m == wanted => return None,
        (Holds::Data, ProtoMessage::Statistics) => format!("compute them with `tabx stats {name} -o stats.json`"),
        (Holds::Data, ProtoMessage::Schema) => {
            format!(
                "infer one with `tabx stats {name} -o stats.json` and `tabx schema infer stats.json -o schema.pbtxt`"
            )
        }
        (Holds::Data, ProtoMessage::Anomalies) => {
            format!("check it with `tabx validate {name} --schema schema.pbtxt -o anomalies.json`")
        }
        (Holds::Artifact(ProtoMessage::Statistics), ProtoMessage::Schema) => {
            format!("infer a schema from them with `tabx schema infer {name} -o schema.pbtxt`")
        }
        (Holds::Artifact(ProtoMessage::Statistics), _) => "statistics go to --stats".into(),
        (Holds::Artifact(ProtoMessage::Schema), _) => "a schema goes to --schema".into(),
        (Holds::Artifact(ProtoMessage::Anomalies), _) => "anomalies go to --anomalies".into(),
        (Holds::Tabx(kind), _) => return Some(kind.misplaced(noun(Holds::Artifact(wanted)))),
    };
    Some(format!("this is {}, not {}: {advice}", noun(found), noun(Holds::Artifact(wanted))))
}

/// A warning when `schema` and the data `stats` describe share no feature
/// name (every feature "dropped", every column "new": the schema of other
/// data, or a header read with the wrong delimiter); `None` when they share
/// one, or either has none.
pub fn unrelated_schema(schema: &crate::Schema, stats: &crate::DatasetFeatureStatistics) -> Option<String> {
    let data: Vec<&str> = stats.features.iter().map(|f| f.name.as_str()).collect();
    let described: Vec<&str> = schema.feature.iter().map(|f| f.name.as_str()).collect();
    if data.is_empty() || described.is_empty() || described.iter().any(|n| data.contains(n)) {
        return None;
    }
    let few = |names: &[&str]| {
        let shown = names.iter().take(3).copied().collect::<Vec<_>>().join(", ");
        if names.len() > 3 { format!("{shown}, ...") } else { shown }
    };
    Some(format!(
        "none of the schema's {} features ({}) is a column of the data ({}): is it the schema of other data?",
        described.len(),
        few(&described),
        few(&data)
    ))
}

fn noun(holds: Holds) -> &'static str {
    match holds {
        Holds::Data => "data",
        Holds::Artifact(ProtoMessage::Statistics) => "statistics",
        Holds::Artifact(ProtoMessage::Schema) => "a schema",
        Holds::Artifact(ProtoMessage::Anomalies) => "anomalies",
        // Named by `ArtifactKind::misplaced`, never here.
        Holds::Tabx(_) => "a tabx artifact",
    }
}

/// Data by its name (the extensions tabx reads data from) or Parquet's magic
/// bytes; an artifact by the first field of its JSON or text format. The
/// extensions are the engine's (`Format::from_name`, a crate above this one)
/// less `.json`, which names artifacts as often as NDJSON data.
fn holds(path: &Path, bytes: &[u8]) -> Option<Holds> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let (name, _) = tabx_core::Compression::split(&name);
    let data = [".csv", ".tsv", ".parquet", ".pq", ".jsonl", ".ndjson"];
    if bytes.starts_with(b"PAR1") || data.iter().any(|ext| name.ends_with(ext)) {
        return Some(Holds::Data);
    }
    let text = std::str::from_utf8(bytes.get(..bytes.len().min(4096))?).ok()?;
    let first = text.trim_start().trim_start_matches('{').trim_start().trim_start_matches('"');
    let field: String = first.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    if field == "format_version" {
        return ArtifactKind::of_text(bytes).map(Holds::Tabx);
    }
    Some(Holds::Artifact(match field.as_str() {
        "datasets" => ProtoMessage::Statistics,
        "feature"
        | "sparse_feature"
        | "weighted_feature"
        | "string_domain"
        | "float_domain"
        | "int_domain"
        | "default_environment"
        | "dataset_constraints"
        | "tensor_representation_group" => ProtoMessage::Schema,
        "anomaly_info"
        | "baseline"
        | "dataset_anomaly_info"
        | "drift_skew_info"
        | "data_missing"
        | "anomaly_name_format" => ProtoMessage::Anomalies,
        _ => return None,
    }))
}

#[cfg(test)]
mod tests {
    use crate::proto::{ProtoMessage, read_file};

    fn error(wanted: ProtoMessage, name: &str, content: &[u8]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let e = read_file(wanted, &path).unwrap_err().to_string();
        e.replace(&format!("{}/", dir.path().display()), "")
    }

    #[test]
    fn data_and_swapped_artifacts_are_named_with_the_command_that_helps() {
        let e = error(ProtoMessage::Statistics, "trips.csv", b"fare,tips\n1.5,0\n");
        assert!(
            e.ends_with("this is data, not statistics: compute them with `tabx stats trips.csv -o stats.json`"),
            "{e}"
        );
        let e = error(ProtoMessage::Schema, "trips", b"PAR1\x15\x04");
        assert!(e.contains("this is data, not a schema: infer one with `tabx stats trips -o stats.json`"), "{e}");
        let e = error(ProtoMessage::Schema, "stats.json", b"{\n  \"datasets\": [{\"name\": \"x\", \"bogus\": 1}]\n}\n");
        assert!(e.ends_with("this is statistics, not a schema: infer a schema from them with `tabx schema infer stats.json -o schema.pbtxt`"), "{e}");
        let e = error(ProtoMessage::Statistics, "schema.pbtxt", b"feature {\n  name: \"a\"\n  type: INT\n}\n");
        assert!(e.ends_with("this is a schema, not statistics: a schema goes to --schema"), "{e}");
    }

    /// tabx's own JSON artifacts (a fitted transform, a model, an
    /// evaluation) given where a TFDV artifact belongs are named with the
    /// flag they go to.
    #[test]
    fn tabx_artifacts_are_named_with_their_flag() {
        let head = "{\n  \"format_version\": 1,\n  \"tabx_version\": \"0.1.0\",\n";
        let transform = format!("{head}  \"spec\": {{\"outputs\": []}}\n}}\n");
        let e = error(ProtoMessage::Schema, "transform.json", transform.as_bytes());
        assert!(e.ends_with("this is a fitted transform, not a schema: a transform goes to --transform"), "{e}");
        let model = format!("{head}  \"kind\": \"linear\"\n}}\n");
        let e = error(ProtoMessage::Statistics, "fare_model.json", model.as_bytes());
        assert!(e.ends_with("this is a model, not statistics: a model goes to --model"), "{e}");
        let eval = format!("{head}  \"config\": {{}}\n}}\n");
        let e = error(ProtoMessage::Anomalies, "eval.json", eval.as_bytes());
        assert!(e.ends_with("this is an evaluation, not anomalies: an evaluation goes to --eval (tabx report)"), "{e}");
    }

    /// A broken file of the kind asked for keeps its parse error.
    #[test]
    fn a_broken_artifact_of_the_right_kind_keeps_its_parse_error() {
        let e = error(ProtoMessage::Schema, "schema.pbtxt", b"feature {\n  name: \"a\"\n  typo: INT\n}\n");
        assert!(e.contains("tensorflow.metadata.v0.Schema: line 3"), "{e}");
    }

    /// A schema that shares no feature with the data is named; one that
    /// shares any is not (a new or dropped column is an anomaly, not a mix-up).
    #[test]
    fn a_schema_of_other_data_is_named() {
        use crate::{DatasetFeatureStatistics, Feature, FeatureNameStatistics, Schema, SchemaType};
        let stats = |names: &[&str]| DatasetFeatureStatistics {
            features: names.iter().map(|n| FeatureNameStatistics { name: (*n).into(), ..Default::default() }).collect(),
            ..Default::default()
        };
        let mut schema = Schema::default();
        schema.feature.extend(["id", "name"].map(|n| Feature::new(n, SchemaType::Int)));
        let data = stats(&["fare", "tips", "company", "payment_type"]);
        assert_eq!(
            super::unrelated_schema(&schema, &data).unwrap(),
            "none of the schema's 2 features (id, name) is a column of the data (fare, tips, company, ...): is it \
             the schema of other data?"
        );
        assert!(super::unrelated_schema(&schema, &stats(&["fare", "id"])).is_none());
        assert!(super::unrelated_schema(&schema, &stats(&[])).is_none());
    }
}
