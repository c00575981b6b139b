//! [`Shape`]: what schema inference sees of a JSON line — the kind of each
//! value, the keys of objects, the kinds in arrays — without the values.
//!
//! A file's schema is inferred from every line (arrow-json's
//! `infer_json_schema_from_iterator`, over `serde_json::Value`s). Building a
//! `Value` per line (a `BTreeMap` and a `String` per field) and arrow's
//! per-field bookkeeping took ~2/3 of reading an NDJSON file. Lines of a file
//! mostly share a handful of shapes, and inference is a join of each line's
//! types (a shape seen again adds nothing), so each line is only scanned
//! into a byte [`signature`] of its kinds and keys (no allocation), and
//! arrow infers from one representative `Value` per new signature
//! ([`Shape::of_signature`]), in the order they first appear: the same
//! schema, the same errors.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// The kinds of a JSON value that arrow-json's inference tells apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Shape {
    Null,
    Bool,
    /// A number `serde_json::Number::is_i64` accepts.
    Int,
    /// Any other number.
    Float,
    Str,
    /// The shapes of the elements, each distinct signature once, in first-seen order.
    Array(Vec<Shape>),
    /// Fields in key order, the last of repeated keys (a `serde_json::Map`).
    Object(Vec<(String, Shape)>),
}

impl Shape {
    /// The shape a [`signature`] describes; a `serde_json::Map`'s fields:
    /// keys in order, a repeated key's last value.
    pub(super) fn of_signature(sig: &[u8]) -> Shape {
        let mut at = 0;
        Shape::read(sig, &mut at)
    }

    fn read(sig: &[u8], at: &mut usize) -> Shape {
        let tag = sig.get(*at).copied().unwrap_or(b'n');
        *at += 1;
        match tag {
            b'b' => Shape::Bool,
            b'i' => Shape::Int,
            b'f' => Shape::Float,
            b's' => Shape::Str,
            b'[' => {
                let mut items = Vec::new();
                while *at < sig.len() && sig[*at] != b']' {
                    items.push(Shape::read(sig, at));
                }
                *at += 1;
                Shape::Array(items)
            }
            b'{' => {
                let mut fields = Vec::new();
                while sig.get(*at) == Some(&b'k') {
                    let len =
                        sig.get(*at + 1..*at + 9).map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or_default()));
                    let from = (*at + 9).min(sig.len());
                    let to = from.saturating_add(len as usize).min(sig.len());
                    let key = String::from_utf8_lossy(&sig[from..to]).into_owned();
                    *at = to;
                    fields.push((key, Shape::read(sig, at)));
                }
                *at += 1;
                fields.reverse();
                fields.sort_by(|a, b| a.0.cmp(&b.0));
                fields.dedup_by(|later, first| later.0 == first.0);
                Shape::Object(fields)
            }
            _ => Shape::Null,
        }
    }

    /// A value of this shape: what inference makes of it is what it makes of
    /// every value of the shape.
    pub(super) fn representative(&self) -> Value {
        match self {
            Shape::Null => Value::Null,
            Shape::Bool => Value::Bool(false),
            Shape::Int => Value::from(0i64),
            Shape::Float => Value::from(0.5f64),
            Shape::Str => Value::String(String::new()),
            Shape::Array(items) => Value::Array(items.iter().map(Shape::representative).collect()),
            Shape::Object(fields) => {
                Value::Object(fields.iter().map(|(k, v)| (k.clone(), v.representative())).collect::<Map<_, _>>())
            }
        }
    }

    /// How error messages name the kind.
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Shape::Null => "null",
            Shape::Bool => "a boolean",
            Shape::Int | Shape::Float => "a number",
            Shape::Str => "a string",
            Shape::Array(_) => "an array",
            Shape::Object(_) => "an object",
        }
    }
}

/// Writes the kinds and keys of the JSON text `text` into `out`, in the
/// text's order, arrays' element signatures once each: lines with equal
/// signatures have equal [`Shape`]s. `Ok(true)` when the text is an object.
pub(super) fn signature(text: &[u8], out: &mut Vec<u8>) -> serde_json::Result<bool> {
    out.clear();
    let mut de = serde_json::Deserializer::from_slice(text);
    Signature(out).deserialize(&mut de)?;
    de.end()?;
    Ok(out.first() == Some(&b'{'))
}

/// Appends a value's signature to the buffer it holds.
struct Signature<'s>(&'s mut Vec<u8>);

impl<'de> DeserializeSeed<'de> for Signature<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Signature<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.0.push(b'n');
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        self.0.push(b'n');
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.0.push(b'b');
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.0.push(b'i');
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.0.push(if i64::try_from(v).is_ok() { b'i' } else { b'f' });
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.0.push(b'f');
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        self.0.push(b's');
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // Element signatures once each, in first-seen order, as `Shape::Array`.
        let mut items: Vec<Vec<u8>> = Vec::new();
        loop {
            let mut item = Vec::new();
            if seq.next_element_seed(Signature(&mut item))?.is_none() {
                break;
            }
            if !items.contains(&item) {
                items.push(item);
            }
        }
        self.0.push(b'[');
        for item in items {
            self.0.extend_from_slice(&item);
        }
        self.0.push(b']');
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.0.push(b'{');
        while map.next_key_seed(Key(self.0))?.is_some() {
            map.next_value_seed(Signature(self.0))?;
        }
        self.0.push(b'}');
        Ok(())
    }
}

/// Appends a key: `k`, its length, its bytes (so that no key byte, nor a
/// length byte, reads as a kind or the object's end).
struct Key<'s>(&'s mut Vec<u8>);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E>(self, key: &str) -> Result<(), E> {
        self.0.push(b'k');
        self.0.extend_from_slice(&(key.len() as u64).to_le_bytes());
        self.0.extend_from_slice(key.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::json::reader::infer_json_schema_from_iterator;
    use tabx_core::SplitMix64;

    /// A random JSON text: nested objects and arrays, repeated keys, escapes,
    /// numbers at i64's and u64's edges, exponents.
    fn random_value(rng: &mut SplitMix64, depth: u32) -> String {
        let pick = rng.next_u64() % if depth > 2 { 8 } else { 11 };
        match pick {
            0 => "null".into(),
            1 => "true".into(),
            2 => ["0", "-7", "9223372036854775807", "-9223372036854775808"][(rng.next_u64() % 4) as usize].into(),
            3 => ["9223372036854775808", "18446744073709551615", "1.5", "1e3", "-0.0", "2E-2"]
                [(rng.next_u64() % 6) as usize]
                .into(),
            4..=7 => ["\"a\"", "\"\"", "\"\\u00e9\\n\"", "\"1\""][(rng.next_u64() % 4) as usize].into(),
            8 | 9 => {
                let n = rng.next_u64() % 4;
                let items: Vec<String> = (0..n).map(|_| random_value(rng, depth + 1)).collect();
                format!("[{}]", items.join(","))
            }
            _ => random_object(rng, depth + 1),
        }
    }

    fn random_object(rng: &mut SplitMix64, depth: u32) -> String {
        let keys = ["a", "b", "c", "é", "a\\u0062"];
        let n = rng.next_u64() % 4;
        let fields: Vec<String> = (0..n)
            .map(|_| format!("\"{}\":{}", keys[(rng.next_u64() % 5) as usize], random_value(rng, depth)))
            .collect();
        format!("{{{}}}", fields.join(","))
    }

    /// Inference from one representative per distinct shape equals
    /// inference from every `Value`: the same schema, or an error for both.
    #[test]
    fn representatives_infer_as_the_values_do() {
        let mut rng = SplitMix64::new(11);
        let (mut same, mut errors) = (0, 0);
        for _ in 0..3000 {
            let lines: Vec<String> = (0..1 + rng.next_u64() % 6).map(|_| random_object(&mut rng, 0)).collect();
            let values: Vec<Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
            // As `Objects` does: a shape per new signature.
            let mut signatures: Vec<Vec<u8>> = Vec::new();
            for l in &lines {
                let mut sig = Vec::new();
                assert!(signature(l.as_bytes(), &mut sig).unwrap());
                if !signatures.contains(&sig) {
                    signatures.push(sig);
                }
            }
            let firsts: Vec<Shape> = signatures.iter().map(|sig| Shape::of_signature(sig)).collect();
            let want = infer_json_schema_from_iterator(values.iter().map(Ok));
            let got = infer_json_schema_from_iterator(firsts.iter().map(|s| Ok(s.representative())));
            match (want, got) {
                (Ok(w), Ok(g)) => {
                    assert_eq!(w, g, "{lines:?}");
                    same += 1;
                }
                (Err(_), Err(_)) => errors += 1,
                (w, g) => panic!("{lines:?}: {w:?} against {g:?}"),
            }
        }
        // Both outcomes are exercised.
        assert!(same > 1000 && errors > 100, "{same} schemas, {errors} errors");
    }

    #[test]
    fn syntax_errors_and_kinds_are_those_of_values() {
        for text in ["{\"a\":1", "{\"a\":1} x", "[1,]", "{\"a\":1e400}", "nul"] {
            let value = serde_json::from_str::<Value>(text).unwrap_err().to_string();
            let shape = signature(text.as_bytes(), &mut Vec::new()).unwrap_err().to_string();
            assert_eq!(shape, value, "{text}");
        }
        let kinds: Vec<&str> = ["null", "true", "1", "1.5", "\"x\"", "[]", "{}"]
            .iter()
            .map(|t| {
                let mut sig = Vec::new();
                assert_eq!(signature(t.as_bytes(), &mut sig).unwrap(), *t == "{}");
                Shape::of_signature(&sig).kind()
            })
            .collect();
        assert_eq!(kinds, ["null", "a boolean", "a number", "a number", "a string", "an array", "an object"]);
        // A `serde_json::Map`'s fields: keys in order, a repeated key's last value.
        let shape = |t: &str| {
            let mut sig = Vec::new();
            signature(t.as_bytes(), &mut sig).unwrap();
            Shape::of_signature(&sig)
        };
        assert_eq!(shape(r#"{"b":1,"a":"x","b":[true]}"#), shape(r#"{"a":"","b":[false]}"#));
        // Keys whose length is the byte of `}` or `]` (125, 93).
        for n in [93, 125] {
            let key = "x".repeat(n);
            let got = shape(&format!(r#"{{"{key}":1,"y":[{{"{key}":"s"}}]}}"#));
            let inner = Shape::Object(vec![(key.clone(), Shape::Str)]);
            assert_eq!(got, Shape::Object(vec![(key, Shape::Int), ("y".into(), Shape::Array(vec![inner]))]));
        }
        assert_eq!(
            shape(r#"{"b":1,"a":{"d":null,"c":1.5}}"#),
            Shape::Object(vec![
                ("a".into(), Shape::Object(vec![("c".into(), Shape::Float), ("d".into(), Shape::Null)])),
                ("b".into(), Shape::Int),
            ])
        );
    }
}
