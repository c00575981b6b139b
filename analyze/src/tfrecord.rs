//! The per-slice metrics as a TFRecord file of binary `MetricsForSlice`
//! protos, the file TFMA's `load_and_deserialize_metrics` reads
//! (`tensorflow_model_analysis/writers/metrics_plots_and_validations_writer.py`).
//!
//! The messages are hand-written prost structs with the field numbers of
//! `tensorflow_model_analysis/proto/metrics_for_slice.proto`. Each metric is
//! written as TFMA's `convert_slice_metrics_to_proto` writes a
//! `ValueWithTDistribution`: the unsampled value as `double_value`, the
//! interval as `ConfidenceInterval{lower_bound, upper_bound, standard_error,
//! degrees_of_freedom}`; an undefined metric as `debug_message`; confusion
//! matrices as `confusion_matrix_at_thresholds`. The calibration plot is a
//! plot (TFMA's `PlotsForSlice`), not written here. Baseline values and diffs
//! are in `eval.json` only.

use std::path::Path;

use tabx_core::{Result, TabxError};

use crate::{EvalResult, MetricValue, SliceResult};

/// The messages of `metrics_for_slice.proto` that tabx writes, with TFMA's
/// field numbers (each checked against the `DESCRIPTOR`s of TFMA 0.47.1's
/// `metrics_for_slice_pb2`; `tests/tfma_reference.rs` reads the file back
/// with TFMA itself).
pub(crate) mod proto {
    /// `google.protobuf.DoubleValue`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct DoubleValue {
        #[prost(double, tag = "1")]
        pub value: f64,
    }

    /// `google.protobuf.Int64Value`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Int64Value {
        #[prost(int64, tag = "1")]
        pub value: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SingleSliceKey {
        #[prost(string, tag = "1")]
        pub column: String,
        #[prost(oneof = "single_slice_key::Kind", tags = "2, 3, 4")]
        pub kind: Option<single_slice_key::Kind>,
    }

    pub mod single_slice_key {
        #[derive(Clone, PartialEq, prost::Oneof)]
        pub enum Kind {
            #[prost(bytes, tag = "2")]
            Bytes(Vec<u8>),
            #[prost(float, tag = "3")]
            Float(f32),
            #[prost(int64, tag = "4")]
            Int64(i64),
        }
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SliceKey {
        #[prost(message, repeated, tag = "1")]
        pub single_slice_keys: Vec<SingleSliceKey>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct MetricKey {
        #[prost(string, tag = "1")]
        pub name: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ConfusionMatrixAtThreshold {
        #[prost(double, tag = "1")]
        pub threshold: f64,
        #[prost(double, tag = "2")]
        pub false_negatives: f64,
        #[prost(double, tag = "3")]
        pub true_negatives: f64,
        #[prost(double, tag = "4")]
        pub false_positives: f64,
        #[prost(double, tag = "5")]
        pub true_positives: f64,
        #[prost(double, tag = "6")]
        pub precision: f64,
        #[prost(double, tag = "7")]
        pub recall: f64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ConfusionMatrixAtThresholds {
        #[prost(message, repeated, tag = "1")]
        pub matrices: Vec<ConfusionMatrixAtThreshold>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct MetricValue {
        #[prost(oneof = "metric_value::Type", tags = "1, 5, 10")]
        pub r#type: Option<metric_value::Type>,
    }

    pub mod metric_value {
        #[derive(Clone, PartialEq, prost::Oneof)]
        pub enum Type {
            #[prost(message, tag = "1")]
            DoubleValue(super::DoubleValue),
            #[prost(message, tag = "5")]
            ConfusionMatrixAtThresholds(super::ConfusionMatrixAtThresholds),
            #[prost(string, tag = "10")]
            DebugMessage(String),
        }
    }

    /// Upper bound first: field 1 is `upper_bound`, 2 `lower_bound` (checked
    /// against `metrics_for_slice_pb2.ConfidenceInterval.DESCRIPTOR`, TFMA 0.47.1).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ConfidenceInterval {
        #[prost(message, optional, tag = "1")]
        pub upper_bound: Option<MetricValue>,
        #[prost(message, optional, tag = "2")]
        pub lower_bound: Option<MetricValue>,
        #[prost(message, optional, tag = "3")]
        pub standard_error: Option<MetricValue>,
        #[prost(message, optional, tag = "4")]
        pub degrees_of_freedom: Option<Int64Value>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct MetricKeyAndValue {
        #[prost(message, optional, tag = "1")]
        pub key: Option<MetricKey>,
        #[prost(message, optional, tag = "2")]
        pub value: Option<MetricValue>,
        #[prost(message, optional, tag = "3")]
        pub confidence_interval: Option<ConfidenceInterval>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct MetricsForSlice {
        #[prost(message, optional, tag = "1")]
        pub slice_key: Option<SliceKey>,
        #[prost(message, repeated, tag = "51")]
        pub metric_keys_and_values: Vec<MetricKeyAndValue>,
    }
}

/// Writes one `MetricsForSlice` record per reported slice (specs in order,
/// slices by key) to `path` (TFMA names it `metrics-*.tfrecord`).
pub fn write_metrics_tfrecord(result: &EvalResult, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let mut out = Vec::new();
    for record in metrics_for_slice_records(result) {
        frame(&record, &mut out);
    }
    std::fs::write(path, out).map_err(|e| TabxError::io(path, e))
}

/// The encoded `MetricsForSlice` protos, one per reported slice.
pub fn metrics_for_slice_records(result: &EvalResult) -> Vec<Vec<u8>> {
    use prost::Message;
    result.slice_specs.iter().flat_map(|s| &s.slices).map(|slice| metrics_for_slice(slice).encode_to_vec()).collect()
}

fn metrics_for_slice(slice: &SliceResult) -> proto::MetricsForSlice {
    use proto::metric_value::Type;
    let double = |x: f64| proto::MetricValue { r#type: Some(Type::DoubleValue(proto::DoubleValue { value: x })) };
    let single_slice_keys = slice
        .key
        .0
        .iter()
        .map(|(column, value)| proto::SingleSliceKey { column: column.clone(), kind: Some(slice_value(value)) })
        .collect();
    let mut metrics: Vec<proto::MetricKeyAndValue> = Vec::new();
    // Metric keys sorted by name, as TFMA's writer does.
    for (name, m) in &slice.metrics {
        let value = match (m.value, &m.undefined) {
            (Some(x), _) => double(x),
            (None, why) => proto::MetricValue { r#type: Some(Type::DebugMessage(why.clone().unwrap_or_default())) },
        };
        let confidence_interval = match (m.lower_bound, m.upper_bound, m.standard_error, m.degrees_of_freedom) {
            (Some(lo), Some(hi), Some(se), Some(dof)) => Some(proto::ConfidenceInterval {
                lower_bound: Some(double(lo)),
                upper_bound: Some(double(hi)),
                standard_error: Some(double(se)),
                degrees_of_freedom: Some(proto::Int64Value { value: i64::from(dof) }),
            }),
            _ => None,
        };
        metrics.push(key_and_value(name, value, confidence_interval));
    }
    for (name, plot) in &slice.plots {
        if let MetricValue::ConfusionMatrices(ms) = plot {
            let matrices = ms
                .iter()
                .map(|m| proto::ConfusionMatrixAtThreshold {
                    threshold: m.threshold,
                    false_negatives: m.false_negatives,
                    true_negatives: m.true_negatives,
                    false_positives: m.false_positives,
                    true_positives: m.true_positives,
                    precision: m.precision,
                    recall: m.recall,
                })
                .collect();
            let value = proto::MetricValue {
                r#type: Some(Type::ConfusionMatrixAtThresholds(proto::ConfusionMatrixAtThresholds { matrices })),
            };
            metrics.push(key_and_value(name, value, None));
        }
    }
    metrics.sort_by(|a, b| a.key.as_ref().map(|k| &k.name).cmp(&b.key.as_ref().map(|k| &k.name)));
    proto::MetricsForSlice { slice_key: Some(proto::SliceKey { single_slice_keys }), metric_keys_and_values: metrics }
}

fn key_and_value(
    name: &str,
    value: proto::MetricValue,
    confidence_interval: Option<proto::ConfidenceInterval>,
) -> proto::MetricKeyAndValue {
    proto::MetricKeyAndValue {
        key: Some(proto::MetricKey { name: name.to_string() }),
        value: Some(value),
        confidence_interval,
    }
}

/// A slice value as TFMA's `serialize_slice_key` types it: an integer as
/// int64, another number as float, anything else (range labels too) as bytes.
fn slice_value(text: &str) -> proto::single_slice_key::Kind {
    use proto::single_slice_key::Kind;
    if let Ok(i) = text.parse::<i64>() {
        Kind::Int64(i)
    } else if let Some(x) = text.parse::<f64>().ok().filter(|x| x.is_finite()) {
        Kind::Float(x as f32)
    } else {
        Kind::Bytes(text.as_bytes().to_vec())
    }
}

/// Appends one TFRecord: u64 length, masked CRC32C of the length, the data,
/// masked CRC32C of the data (TensorFlow's `core/lib/io/record_writer.cc`).
pub(crate) fn frame(data: &[u8], out: &mut Vec<u8>) {
    let len = (data.len() as u64).to_le_bytes();
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
}

/// The records of a TFRecord file, their CRCs checked; `origin` names it in errors.
pub fn read_tfrecords(bytes: &[u8], origin: &str) -> Result<Vec<Vec<u8>>> {
    let bad =
        |at: usize, why: &str| TabxError::Artifact { path: origin.to_string(), message: format!("byte {at}: {why}") };
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    let mut records = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if bytes.len() - at < 12 {
            return Err(bad(at, "truncated record header"));
        }
        let len_bytes = &bytes[at..at + 8];
        if masked_crc(len_bytes) != u32_at(at + 8) {
            return Err(bad(at, "length CRC mismatch"));
        }
        let len = u64::from_le_bytes(len_bytes.try_into().expect("8 bytes"));
        let start = at + 12;
        let end = usize::try_from(len).ok().and_then(|l| start.checked_add(l)).filter(|e| e + 4 <= bytes.len());
        let Some(end) = end else {
            return Err(bad(at, "truncated record"));
        };
        if masked_crc(&bytes[start..end]) != u32_at(end) {
            return Err(bad(start, "data CRC mismatch"));
        }
        records.push(bytes[start..end].to_vec());
        at = end + 4;
    }
    Ok(records)
}

/// TFRecord's masked CRC: rotate right by 15 and add a constant (`crc32c.h`, `Mask`).
fn masked_crc(data: &[u8]) -> u32 {
    let crc = crc32c(data);
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78; RFC 3720 §B.4), one table.
fn crc32c(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 == 1 { (c >> 1) ^ 0x82F6_3B78 } else { c >> 1 };
                k += 1;
            }
            table[i] = c;
            i += 1;
        }
        table
    };
    !data.iter().fold(!0u32, |crc, &b| TABLE[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8))
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;

    #[test]
    fn crc32c_check_value() {
        // The CRC-32C check value of "123456789" (RFC 3720 / the CRC catalogue): 0xE3069283.
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    }

    #[test]
    fn framing_matches_a_reference_record() {
        // A pure-Python bitwise CRC-32C and TensorFlow's framing
        // (struct.pack("<Q", 5) + masked crc + b"hello" + masked crc).
        let want = [5, 0, 0, 0, 0, 0, 0, 0, 234, 178, 4, 62, 104, 101, 108, 108, 111, 187, 31, 28, 25];
        let mut out = Vec::new();
        frame(b"hello", &mut out);
        assert_eq!(out, want);
        assert_eq!(read_tfrecords(&out, "x").unwrap(), vec![b"hello".to_vec()]);
        let mut corrupt = out.clone();
        corrupt[13] ^= 1;
        assert!(read_tfrecords(&corrupt, "x").unwrap_err().to_string().contains("data CRC mismatch"));
        assert!(read_tfrecords(&out[..10], "x").unwrap_err().to_string().contains("truncated"));
    }

    #[test]
    fn wire_bytes_use_tfma_field_numbers() {
        // MetricsForSlice{slice_key{single_slice_keys{column:"a" int64_value:5}},
        //   metric_keys_and_values{key{name:"m"} value{double_value{value:0.5}}}}
        let m = proto::MetricsForSlice {
            slice_key: Some(proto::SliceKey {
                single_slice_keys: vec![proto::SingleSliceKey { column: "a".into(), kind: Some(slice_value("5")) }],
            }),
            metric_keys_and_values: vec![key_and_value(
                "m",
                proto::MetricValue {
                    r#type: Some(proto::metric_value::Type::DoubleValue(proto::DoubleValue { value: 0.5 })),
                },
                None,
            )],
        };
        let bytes = m.encode_to_vec();
        // Field 1 (slice_key, tag 0x0a) of 7 bytes: field 1 (single_slice_keys) of 5 bytes:
        // column "a" (0x0a 0x01 'a'), int64_value 5 (field 4 varint: 0x20 0x05).
        assert_eq!(&bytes[..9], &[0x0a, 0x07, 0x0a, 0x05, 0x0a, 0x01, b'a', 0x20, 0x05]);
        // Field 51 length-delimited: tag (51 << 3 | 2) = 410 = varint 0x9a 0x03.
        assert_eq!(&bytes[9..11], &[0x9a, 0x03]);
        assert_eq!(proto::MetricsForSlice::decode(bytes.as_slice()).unwrap(), m);
        assert_eq!(slice_value("1.5"), proto::single_slice_key::Kind::Float(1.5));
        assert_eq!(slice_value("[0, 6)"), proto::single_slice_key::Kind::Bytes(b"[0, 6)".to_vec()));
    }

    #[test]
    fn confidence_interval_bytes_match_tfma() {
        // TFMA 0.47.1: ConfidenceInterval(lower_bound 1.0, upper_bound 2.0, standard_error 0.5,
        // degrees_of_freedom 3).SerializeToString(): upper_bound is field 1, lower_bound field 2.
        let want = [
            10, 11, 10, 9, 9, 0, 0, 0, 0, 0, 0, 0, 64, 18, 11, 10, 9, 9, 0, 0, 0, 0, 0, 0, 240, 63, 26, 11, 10, 9, 9,
            0, 0, 0, 0, 0, 0, 224, 63, 34, 2, 8, 3,
        ];
        let double = |x: f64| proto::MetricValue {
            r#type: Some(proto::metric_value::Type::DoubleValue(proto::DoubleValue { value: x })),
        };
        let ci = proto::ConfidenceInterval {
            upper_bound: Some(double(2.0)),
            lower_bound: Some(double(1.0)),
            standard_error: Some(double(0.5)),
            degrees_of_freedom: Some(proto::Int64Value { value: 3 }),
        };
        assert_eq!(ci.encode_to_vec(), want);
    }
}
