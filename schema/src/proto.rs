//! tensorflow_metadata (TFMD) artifacts on the wire: statistics, schema and
//! anomalies in protobuf JSON, text format (`.pbtxt`) and binary (`.pb`).
//!
//! tabx keeps its artifacts as `serde_json::Value`s in the protobuf-JSON shape
//! of TFMD's `DatasetFeatureStatisticsList`, `Schema` and `Anomalies`
//! (ARCHITECTURE.md §5). This module is the one place that knows the protobuf
//! definitions: tabx's own `.proto` files (`proto/tabx/metadata/`, same
//! package, names and field numbers as TFMD) are compiled by `build.rs` into a
//! descriptor set that is embedded here and read with `prost-reflect`, so
//! there are no generated Rust types to keep in step with the JSON.
//!
//! JSON conventions, for what [`read_message`] returns and what
//! [`json_to_format`] writes as JSON:
//! - field names as in the `.proto` (`num_examples`, not `numExamples`);
//!   input may use either, as protobuf's own JSON parser allows;
//! - enums as their names (`"QUANTILES"`);
//! - 64-bit integers as JSON numbers, not the strings that canonical protobuf
//!   JSON uses: `serde_json` holds every `u64`/`i64` exactly, and tabx's code
//!   reads them with `as_u64()`. Protobuf's parsers (Python's `json_format`
//!   included) accept both, and so does this module on input;
//! - `float` (32-bit) fields as the shortest decimal that reads back to the
//!   same `f32` (`1.1`, not `1.100000023841858`), as Python's `json_format`
//!   writes them;
//! - NaN and infinities as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`;
//! - fields at their default value are left out where the `.proto` gives
//!   them no presence (proto3 statistics), kept where it does (proto2 schema
//!   and anomalies: an explicit `min_count: 0` survives).
//!
//! Parsing is strict in every format: an unknown field or enum value is an
//! error that names it and where it is (a JSON path such as
//! `datasets[0].features[2].num_stats`, a `.pbtxt` line and column, or for
//! `.pb` the message path and field number), rather than data dropped
//! quietly.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::LazyLock;

use prost::Message as _;
use prost_reflect::{
    DescriptorPool, DeserializeOptions, DynamicMessage, Kind, MapKey, MessageDescriptor, ReflectMessage as _,
    SerializeOptions, Value as PValue,
};
use serde_json::Value;
use tabx_core::{Result, TabxError};

/// The encoded `FileDescriptorSet` that `build.rs` compiles from `proto/`.
const DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/tfmd_descriptor_set.bin"));

/// Decoded once, on first use; every message descriptor borrows from it.
static POOL: LazyLock<DescriptorPool> = LazyLock::new(|| {
    // The bytes were produced by protox from files in this crate at build
    // time, so a failure here is a build bug, not bad input.
    DescriptorPool::decode(DESCRIPTOR_SET).expect("embedded tensorflow_metadata descriptor set decodes")
});

/// The top-level TFMD messages tabx reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtoMessage {
    /// `tensorflow.metadata.v0.DatasetFeatureStatisticsList` (`stats.json`).
    Statistics,
    /// `tensorflow.metadata.v0.Schema` (`schema.json`, TFDV's `schema.pbtxt`).
    Schema,
    /// `tensorflow.metadata.v0.Anomalies` (`anomalies.json`).
    Anomalies,
}

impl ProtoMessage {
    /// Every variant, for iteration in tests and help texts.
    pub const ALL: [ProtoMessage; 3] = [Self::Statistics, Self::Schema, Self::Anomalies];

    /// The protobuf full name, as TFDV and `type.googleapis.com/` URLs spell it.
    pub const fn full_name(self) -> &'static str {
        match self {
            Self::Statistics => "tensorflow.metadata.v0.DatasetFeatureStatisticsList",
            Self::Schema => "tensorflow.metadata.v0.Schema",
            Self::Anomalies => "tensorflow.metadata.v0.Anomalies",
        }
    }

    /// The short name used on tabx's command line (`statistics`, `schema`,
    /// `anomalies`); [`FromStr`] parses it back.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Statistics => "statistics",
            Self::Schema => "schema",
            Self::Anomalies => "anomalies",
        }
    }

    fn descriptor(self) -> MessageDescriptor {
        POOL.get_message_by_name(self.full_name())
            .unwrap_or_else(|| panic!("{} is compiled into the embedded descriptor set", self.full_name()))
    }
}

impl fmt::Display for ProtoMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProtoMessage {
    type Err = TabxError;

    /// `statistics` (or `stats`), `schema`, `anomalies`, or a full name.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "statistics" | "stats" => Ok(Self::Statistics),
            "schema" => Ok(Self::Schema),
            "anomalies" => Ok(Self::Anomalies),
            _ => Self::ALL.into_iter().find(|m| m.full_name() == s).ok_or_else(|| {
                TabxError::config(format!("unknown artifact kind `{s}`"))
                    .with_hint("use one of: statistics, schema, anomalies")
            }),
        }
    }
}

/// The three encodings of a protobuf message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtoFormat {
    /// Protobuf JSON (`.json`), with the conventions in the module docs.
    Json,
    /// Protobuf text format (`.pbtxt`), what TFDV's `write_schema_text` writes.
    Pbtxt,
    /// Binary wire format (`.pb`).
    Pb,
}

impl ProtoFormat {
    /// The file extension tabx writes, without the dot.
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Pbtxt => "pbtxt",
            Self::Pb => "pb",
        }
    }

    /// The format a file name implies: `.json`; `.pbtxt`, `.textproto`,
    /// `.txtpb`; `.pb`, `.binpb`. `None` for anything else.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(Self::Json),
            "pbtxt" | "textproto" | "txtpb" => Some(Self::Pbtxt),
            "pb" | "binpb" => Some(Self::Pb),
            _ => None,
        }
    }
}

impl fmt::Display for ProtoFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

impl FromStr for ProtoFormat {
    type Err = TabxError;

    /// `json`, `pbtxt` or `pb` (case-insensitive).
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(Self::Json),
            "pbtxt" => Ok(Self::Pbtxt),
            "pb" => Ok(Self::Pb),
            _ => {
                Err(TabxError::config(format!("unknown protobuf format `{s}`"))
                    .with_hint("use one of: json, pbtxt, pb"))
            }
        }
    }
}

/// Encodes a protobuf-JSON value of `msg` as `format`.
///
/// The JSON is parsed strictly first (see [`validate_json`]), so an unknown
/// field is an error, never silently dropped. JSON output is pretty-printed
/// in the module's conventions; text output is one field per line and ends
/// with a newline.
pub fn json_to_format(msg: ProtoMessage, json: &Value, format: ProtoFormat) -> Result<Vec<u8>> {
    let message = from_json(msg, json, ProtoFormat::Json)?;
    encode(msg, &message, format)
}

/// Parses `bytes` in `format` as `msg` and returns its protobuf-JSON value in
/// the module's conventions (snake_case names, enum names, 64-bit integers as
/// numbers).
///
/// Errors are [`TabxError::Artifact`] whose `path` names the message and
/// format; [`read_file`] puts the file's path there instead.
pub fn read_message(msg: ProtoMessage, bytes: &[u8], format: ProtoFormat) -> Result<Value> {
    let message = match format {
        ProtoFormat::Json => {
            let json: Value =
                serde_json::from_slice(bytes).map_err(|e| artifact_error(msg, format, format!("not JSON: {e}")))?;
            from_json(msg, &json, format)?
        }
        ProtoFormat::Pbtxt => {
            let text =
                std::str::from_utf8(bytes).map_err(|e| artifact_error(msg, format, format!("not UTF-8: {e}")))?;
            DynamicMessage::parse_text_format(msg.descriptor(), text)
                .map_err(|e| artifact_error(msg, format, text_error_message(&e, text)))?
        }
        ProtoFormat::Pb => {
            let message = DynamicMessage::decode(msg.descriptor(), bytes)
                .map_err(|e| artifact_error(msg, format, e.to_string()))?;
            // The binary format keeps fields it does not know (a newer TFMD
            // wrote them); JSON cannot carry them, so refuse rather than lose them.
            if let Some(found) = first_unknown_field(&message, "") {
                return Err(artifact_error(msg, format, found));
            }
            message
        }
    };
    to_json(msg, &message, format)
}

/// Reads the file at `path` as `msg`, in the format its extension implies
/// (see [`ProtoFormat::from_path`]), or, for a name without a known
/// extension (a Kubeflow artifact's path has none), the format its bytes
/// show ([`sniff_format`]). Errors name the file, and say what it holds when
/// that is plainly something else (data, another artifact: `mix_up.rs`).
pub fn read_file(msg: ProtoMessage, path: &Path) -> Result<Value> {
    let bytes = std::fs::read(path).map_err(|e| TabxError::io(path, e))?;
    let format = ProtoFormat::from_path(path).unwrap_or_else(|| sniff_format(&bytes));
    read_message(msg, &bytes, format).map_err(|e| match e {
        TabxError::Artifact { message, .. } => {
            let message =
                crate::mix_up::explain(msg, path, &bytes).unwrap_or_else(|| format!("{}: {message}", msg.full_name()));
            TabxError::Artifact { path: path.display().to_string(), message }
        }
        other => other,
    })
}

/// The format of an artifact from its bytes: protobuf JSON starts with `{`;
/// text that is UTF-8 with no control bytes but whitespace is text format;
/// anything else is binary. (tabx writes JSON where a name has no extension.)
pub fn sniff_format(bytes: &[u8]) -> ProtoFormat {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        return ProtoFormat::Json;
    }
    let text = std::str::from_utf8(bytes).is_ok_and(|t| t.chars().all(|c| !c.is_control() || c.is_whitespace()));
    if text { ProtoFormat::Pbtxt } else { ProtoFormat::Pb }
}

/// Checks that `json` is a valid protobuf-JSON `msg`: every field known, every
/// value of its field's type. The error names the offending field and its
/// JSON path.
pub fn validate_json(msg: ProtoMessage, json: &Value) -> Result<()> {
    from_json(msg, json, ProtoFormat::Json).map(drop)
}

/// An [`TabxError::Artifact`] whose path says which message in which format.
fn artifact_error(msg: ProtoMessage, format: ProtoFormat, message: impl Into<String>) -> TabxError {
    TabxError::Artifact { path: format!("{} ({format})", msg.full_name()), message: message.into() }
}

/// Strict protobuf-JSON parse. `format` only labels errors.
fn from_json(msg: ProtoMessage, json: &Value, format: ProtoFormat) -> Result<DynamicMessage> {
    let options = DeserializeOptions::new().deny_unknown_fields(true);
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(json, &mut track);
    DynamicMessage::deserialize_with_options(msg.descriptor(), de, &options).map_err(|e| {
        // The path is where the error happened: the message holding an
        // unknown field, or the field holding a bad value.
        let path = track.path().to_string();
        let at = if path == "." { String::new() } else { format!(" at `{path}`") };
        artifact_error(msg, format, format!("{e}{at}"))
    })
}

fn encode(msg: ProtoMessage, message: &DynamicMessage, format: ProtoFormat) -> Result<Vec<u8>> {
    Ok(match format {
        ProtoFormat::Pb => message.encode_to_vec(),
        // TFDV's layout (`text_format.rs`), not prost-reflect's lists.
        ProtoFormat::Pbtxt => crate::text_format::to_text(message).into_bytes(),
        ProtoFormat::Json => {
            let json = to_json(msg, message, format)?;
            let mut out = serde_json::to_vec_pretty(&json).map_err(|e| TabxError::Internal(e.to_string()))?;
            out.push(b'\n');
            out
        }
    })
}

/// Serialises in the module's JSON conventions.
fn to_json(msg: ProtoMessage, message: &DynamicMessage, format: ProtoFormat) -> Result<Value> {
    let options = SerializeOptions::new()
        .use_proto_field_name(true)
        .stringify_64_bit_integers(false)
        .use_enum_numbers(false)
        .skip_default_fields(true);
    let mut json = message
        .serialize_with_options(serde_json::value::Serializer, &options)
        // Only an `Any` whose type is not in the pool can fail here.
        .map_err(|e| artifact_error(msg, format, e.to_string()))?;
    shorten_floats(&message.descriptor(), &mut json);
    Ok(json)
}

/// Rewrites every `float` (f32) field's value, which serde_json widened to
/// the f64 nearest the f32 (`1.100000023841858`), to the f64 nearest the
/// f32's shortest decimal (`1.1`). Both read back as the same f32.
fn shorten_floats(desc: &MessageDescriptor, json: &mut Value) {
    let Value::Object(fields) = json else { return };
    for (name, value) in fields.iter_mut() {
        // Keys are proto field names; `@type` and the fields of an `Any`'s
        // payload are not fields of `desc`, and are left alone.
        let Some(field) = desc.get_field_by_name(name) else { continue };
        let kind = match field.kind() {
            Kind::Message(entry) if field.is_map() => entry.map_entry_value_field().kind(),
            kind => kind,
        };
        let values: Vec<&mut Value> = match value {
            Value::Array(items) => items.iter_mut().collect(),
            Value::Object(entries) if field.is_map() => entries.values_mut().collect(),
            single => vec![single],
        };
        match kind {
            Kind::Float => {
                for v in values {
                    if let Some(shortest) = v.as_f64().and_then(|x| (x as f32).to_string().parse::<f64>().ok()) {
                        *v = Value::from(shortest);
                    }
                }
            }
            Kind::Message(inner) if inner.full_name() != "google.protobuf.Any" => {
                for v in values {
                    shorten_floats(&inner, v);
                }
            }
            _ => {}
        }
    }
}

/// The first field (depth first) that the descriptor does not know, as
/// `path: unknown field number N`, or `None`.
fn first_unknown_field(message: &DynamicMessage, path: &str) -> Option<String> {
    if let Some(unknown) = message.unknown_fields().next() {
        let at = if path.is_empty() { String::new() } else { format!(" in `{path}`") };
        return Some(format!(
            "unknown field number {}{at} of {} (written by a newer tensorflow_metadata?)",
            unknown.number(),
            message.descriptor().full_name()
        ));
    }
    let join = |name: &str| if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") };
    for (field, value) in message.fields() {
        let found = match value {
            PValue::Message(m) => first_unknown_field(m, &join(field.name())),
            PValue::List(items) => items.iter().enumerate().find_map(|(i, item)| match item {
                PValue::Message(m) => first_unknown_field(m, &format!("{}[{i}]", join(field.name()))),
                _ => None,
            }),
            PValue::Map(entries) => entries.iter().find_map(|(key, item)| match item {
                PValue::Message(m) => first_unknown_field(m, &format!("{}[{}]", join(field.name()), map_key(key))),
                _ => None,
            }),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

fn map_key(key: &MapKey) -> String {
    match key {
        MapKey::String(s) => format!("{s:?}"),
        MapKey::Bool(b) => b.to_string(),
        MapKey::I32(n) => n.to_string(),
        MapKey::I64(n) => n.to_string(),
        MapKey::U32(n) => n.to_string(),
        MapKey::U64(n) => n.to_string(),
    }
}

/// The text-format error with `line L, column C:` in front, from the span
/// prost-reflect reports through miette (its Display has no position).
fn text_error_message(err: &prost_reflect::text_format::ParseError, text: &str) -> String {
    use miette::Diagnostic as _;
    let offset = err.labels().and_then(|mut labels| labels.next()).map(|label| label.offset());
    match offset {
        Some(offset) => {
            let before = &text.as_bytes()[..offset.min(text.len())];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            // Columns count characters, not bytes, as editors show them.
            let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
            format!("line {line}, column {column}: {err}")
        }
        None => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_of_a_name_without_extension_comes_from_the_bytes() {
        assert_eq!(sniff_format(b"  {\"feature\": []}"), ProtoFormat::Json);
        assert_eq!(sniff_format(b"feature {\n  name: \"a\"\n}\n"), ProtoFormat::Pbtxt);
        // Field 1 (feature), length-delimited: tag 0x0a, then a length byte.
        assert_eq!(sniff_format(&[0x0a, 0x03, 0x0a, 0x01, b'a']), ProtoFormat::Pb);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("schema");
        std::fs::write(&path, "feature {\n  name: \"fare\"\n  type: FLOAT\n}\n").unwrap();
        let json = read_file(ProtoMessage::Schema, &path).unwrap();
        assert_eq!(json["feature"][0]["name"], "fare");
    }
    use serde_json::json;

    /// When `TABX_TFMD_DUMP_DIR` is set, tests write what they produce there
    /// so that `.ci/check_tfmd.py` can parse it with TFMD's own Python
    /// classes; otherwise this does nothing.
    fn dump(name: &str, bytes: &[u8]) {
        if let Some(dir) = std::env::var_os("TABX_TFMD_DUMP_DIR") {
            let dir = Path::new(&dir);
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }

    fn taxi_schema_text() -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../datasets/data/tfdv_schema.pbtxt");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// A stats list in the module's JSON conventions, with the parts TFDV
    /// fills for a numeric and a string feature.
    fn small_stats() -> Value {
        json!({
            "datasets": [{
                "name": "train",
                "num_examples": 1000,
                "features": [
                    {
                        "name": "trip_miles",
                        "type": "FLOAT",
                        "num_stats": {
                            "common_stats": {
                                "num_non_missing": 990,
                                "num_missing": 10,
                                "min_num_values": 1,
                                "max_num_values": 1,
                                "avg_num_values": 1.0,
                                "tot_num_values": 990,
                                "num_values_histogram": {
                                    "buckets": [
                                        {"low_value": 1.0, "high_value": 1.0, "sample_count": 495.0},
                                        {"low_value": 1.0, "high_value": 1.0, "sample_count": 495.0}
                                    ],
                                    "type": "QUANTILES"
                                }
                            },
                            "mean": 3.25,
                            "std_dev": 4.5,
                            "num_zeros": 17,
                            "max": 120.5,
                            "median": 1.75,
                            "histograms": [
                                {
                                    "num_nan": 2,
                                    "buckets": [
                                        {"high_value": 60.25, "sample_count": 980.0},
                                        {"low_value": 60.25, "high_value": "Infinity", "sample_count": 8.0}
                                    ]
                                },
                                {
                                    "buckets": [
                                        {"high_value": 1.75, "sample_count": 494.0},
                                        {"low_value": 1.75, "high_value": 120.5, "sample_count": 494.0}
                                    ],
                                    "type": "QUANTILES"
                                }
                            ]
                        },
                        "custom_stats": [
                            {"name": "tabx_exact_sum", "num": 3217.5},
                            {"name": "tabx_note", "str": "exact"}
                        ]
                    },
                    {
                        "name": "payment_type",
                        "type": "STRING",
                        "string_stats": {
                            "common_stats": {
                                "num_non_missing": 1000,
                                "min_num_values": 1,
                                "max_num_values": 1,
                                "avg_num_values": 1.1,
                                "tot_num_values": 1000
                            },
                            "unique": 2,
                            "avg_length": 4.3,
                            "top_values": [
                                {"value": "Cash", "frequency": 600.0},
                                {"value": "Credit Card", "frequency": 400.0}
                            ],
                            "rank_histogram": {
                                "buckets": [
                                    {"label": "Cash", "sample_count": 600.0},
                                    {"low_rank": 1, "high_rank": 1, "label": "Credit Card", "sample_count": 400.0}
                                ]
                            }
                        }
                    }
                ]
            }]
        })
    }

    #[test]
    fn taxi_schema_round_trips_through_text_and_binary() {
        let text = taxi_schema_text();
        let json = read_message(ProtoMessage::Schema, text.as_bytes(), ProtoFormat::Pbtxt).unwrap();
        let features = json["feature"].as_array().unwrap();
        assert_eq!(features.len(), 18);
        let payment = features.iter().find(|f| f["name"] == "payment_type").unwrap();
        assert_eq!(payment["type"], "BYTES");
        assert_eq!(payment["domain"], "payment_type");
        assert_eq!(payment["presence"]["min_fraction"], 1.0);
        assert_eq!(payment["presence"]["min_count"], 1, "int64 as a JSON number");
        assert!(json["string_domain"].as_array().is_some_and(|d| !d.is_empty()));

        let pbtxt = json_to_format(ProtoMessage::Schema, &json, ProtoFormat::Pbtxt).unwrap();
        dump("taxi_schema.pbtxt", &pbtxt);
        // TFX's file is Python's `text_format.MessageToString` output but for
        // a trailing comment: tabx writes it byte for byte.
        let uncommented: String = text.lines().filter(|l| !l.starts_with('#')).map(|l| format!("{l}\n")).collect();
        assert_eq!(String::from_utf8(pbtxt.clone()).unwrap(), uncommented);
        assert_eq!(read_message(ProtoMessage::Schema, &pbtxt, ProtoFormat::Pbtxt).unwrap(), json);

        let pb = json_to_format(ProtoMessage::Schema, &json, ProtoFormat::Pb).unwrap();
        dump("taxi_schema.pb", &pb);
        assert_eq!(read_message(ProtoMessage::Schema, &pb, ProtoFormat::Pb).unwrap(), json);

        let pretty = json_to_format(ProtoMessage::Schema, &json, ProtoFormat::Json).unwrap();
        dump("taxi_schema.json", &pretty);
        assert_eq!(read_message(ProtoMessage::Schema, &pretty, ProtoFormat::Json).unwrap(), json);
    }

    #[test]
    fn proto2_keeps_explicit_defaults() {
        // Schema is proto2: `min_count: 0` is set, not absent, and must stay.
        let json = json!({"feature": [{"name": "a", "presence": {"min_count": 0}}]});
        let pb = json_to_format(ProtoMessage::Schema, &json, ProtoFormat::Pb).unwrap();
        assert_eq!(read_message(ProtoMessage::Schema, &pb, ProtoFormat::Pb).unwrap(), json);
    }

    #[test]
    fn statistics_round_trip_through_binary_and_text() {
        let stats = small_stats();
        for format in [ProtoFormat::Pb, ProtoFormat::Pbtxt, ProtoFormat::Json] {
            let bytes = json_to_format(ProtoMessage::Statistics, &stats, format).unwrap();
            dump(&format!("small_stats.{format}"), &bytes);
            let back = read_message(ProtoMessage::Statistics, &bytes, format).unwrap();
            assert_eq!(back, stats, "{format}");
        }
    }

    #[test]
    fn float_fields_come_back_short() {
        let stats = small_stats();
        let pb = json_to_format(ProtoMessage::Statistics, &stats, ProtoFormat::Pb).unwrap();
        let back = read_message(ProtoMessage::Statistics, &pb, ProtoFormat::Pb).unwrap();
        let string_stats = &back["datasets"][0]["features"][1]["string_stats"];
        assert_eq!(string_stats["avg_length"].to_string(), "4.3");
        assert_eq!(string_stats["common_stats"]["avg_num_values"].to_string(), "1.1");
    }

    #[test]
    fn json_input_accepts_strings_for_64_bit_and_camel_case() {
        // What Python's json_format.MessageToJson writes.
        let tfdv_style = json!({"datasets": [{"numExamples": "1000", "features": [
            {"name": "x", "type": "INT", "numStats": {"numZeros": "3", "commonStats": {"numNonMissing": "7"}}}
        ]}]});
        let pb = json_to_format(ProtoMessage::Statistics, &tfdv_style, ProtoFormat::Pb).unwrap();
        let back = read_message(ProtoMessage::Statistics, &pb, ProtoFormat::Pb).unwrap();
        assert_eq!(back["datasets"][0]["num_examples"], 1000);
        assert_eq!(back["datasets"][0]["features"][0]["num_stats"]["num_zeros"], 3);
        assert_eq!(back["datasets"][0]["features"][0]["num_stats"]["common_stats"]["num_non_missing"], 7);
    }

    #[test]
    fn unknown_json_field_is_named_with_its_path() {
        let mut stats = small_stats();
        stats["datasets"][0]["features"][1]["string_stats"]["bogus_field"] = json!(1);
        let err = validate_json(ProtoMessage::Statistics, &stats).unwrap_err().to_string();
        assert!(err.contains("bogus_field"), "{err}");
        assert!(err.contains("datasets[0].features[1].string_stats"), "{err}");
        assert!(json_to_format(ProtoMessage::Statistics, &stats, ProtoFormat::Pb).is_err());
    }

    #[test]
    fn bad_json_values_are_errors() {
        let bad_enum = json!({"datasets": [{"features": [{"name": "x", "type": "DECIMAL"}]}]});
        let err = validate_json(ProtoMessage::Statistics, &bad_enum).unwrap_err().to_string();
        assert!(err.contains("DECIMAL") && err.contains("datasets[0].features[0].type"), "{err}");

        let oneof_twice = json!({"datasets": [{"features": [{"name": "x", "num_stats": {}, "string_stats": {}}]}]});
        let err = validate_json(ProtoMessage::Statistics, &oneof_twice).unwrap_err().to_string();
        assert!(err.contains("oneof"), "{err}");

        let negative_count = json!({"datasets": [{"num_examples": -1}]});
        assert!(validate_json(ProtoMessage::Statistics, &negative_count).is_err());
    }

    #[test]
    fn unknown_pbtxt_field_is_named_with_its_line() {
        let text = "feature {\n  name: \"a\"\n  bogus_field: 1\n}\n";
        let err = read_message(ProtoMessage::Schema, text.as_bytes(), ProtoFormat::Pbtxt).unwrap_err().to_string();
        assert!(err.contains("bogus_field"), "{err}");
        assert!(err.contains("line 3, column 3"), "{err}");
    }

    #[test]
    fn unknown_binary_field_is_an_error() {
        let pb = json_to_format(ProtoMessage::Statistics, &small_stats(), ProtoFormat::Pb).unwrap();
        // Field 15 (never used by DatasetFeatureStatisticsList), varint 1.
        let mut with_unknown = pb.clone();
        with_unknown.extend_from_slice(&[15 << 3, 1]);
        let err = read_message(ProtoMessage::Statistics, &with_unknown, ProtoFormat::Pb).unwrap_err().to_string();
        assert!(err.contains("unknown field number 15"), "{err}");
        assert!(read_message(ProtoMessage::Statistics, &pb[..pb.len() - 3], ProtoFormat::Pb).is_err());
    }

    #[test]
    fn anomalies_parse_with_map_and_enums() {
        let anomalies = json!({
            "baseline": {"feature": [{"name": "a", "type": "INT"}]},
            "anomaly_info": {"a": {
                "path": {"step": ["a"]},
                "severity": "ERROR",
                "description": "Expected an int",
                "short_description": "Unexpected type",
                "reason": [{"type": "INT_TYPE_NOT_INT_STRING", "short_description": "x", "description": "y"}]
            }},
            "drift_skew_info": [{"path": {"step": ["a"]}, "drift_measurements": [
                {"type": "JENSEN_SHANNON_DIVERGENCE", "value": 0.25, "threshold": 0.125}
            ]}]
        });
        for format in [ProtoFormat::Pb, ProtoFormat::Pbtxt] {
            let bytes = json_to_format(ProtoMessage::Anomalies, &anomalies, format).unwrap();
            dump(&format!("small_anomalies.{format}"), &bytes);
            assert_eq!(read_message(ProtoMessage::Anomalies, &bytes, format).unwrap(), anomalies, "{format}");
        }
    }

    #[test]
    fn names_and_formats_parse() {
        for msg in ProtoMessage::ALL {
            assert_eq!(msg.as_str().parse::<ProtoMessage>().unwrap(), msg);
            assert_eq!(msg.full_name().parse::<ProtoMessage>().unwrap(), msg);
            // Every full name is in the embedded pool.
            assert_eq!(msg.descriptor().full_name(), msg.full_name());
        }
        for format in [ProtoFormat::Json, ProtoFormat::Pbtxt, ProtoFormat::Pb] {
            assert_eq!(format.extension().parse::<ProtoFormat>().unwrap(), format);
            let file = format!("out/schema.{}", format.extension());
            assert_eq!(ProtoFormat::from_path(Path::new(&file)), Some(format));
        }
        assert_eq!(ProtoFormat::from_path(Path::new("stats.tfrecord")), None);
        assert!("yaml".parse::<ProtoFormat>().is_err());
        assert!("metrics".parse::<ProtoMessage>().is_err());
    }

    #[test]
    fn read_file_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("schema.pbtxt");
        std::fs::write(&path, "feature { nme: \"a\" }\n").unwrap();
        let err = read_file(ProtoMessage::Schema, &path).unwrap_err().to_string();
        assert!(err.starts_with(&path.display().to_string()), "{err}");
        assert!(err.contains("nme"), "{err}");
    }

    /// Writes the embedded descriptor set for `.ci/check_tfmd.py descriptors`,
    /// which compares it field by field with the pinned TFMD wheel's.
    #[test]
    fn dump_descriptor_set() {
        dump("tfmd_descriptor_set.pb", DESCRIPTOR_SET);
    }
}
