//! Protobuf text format (`.pbtxt`) written as TFDV writes it: Python
//! protobuf's `text_format.MessageToString`, which `tfdv.write_schema_text`
//! calls. Each element of a repeated field on its own line under the field's
//! name (`feature {` … `}` once per feature, `value: "…"` once per value), so
//! a schema is curated by hand and diffs against TFX's own files line by
//! line; prost-reflect prints lists (`feature: [{…}, {…}]`), which parse
//! alike but edit badly. Parsing stays prost-reflect's: it reads both.
//!
//! The rules of Python's printer (protobuf 4, `as_utf8=False`): fields in
//! field-number order, two spaces of indent per level; strings C-escaped,
//! bytes outside printable ASCII as three-digit octal; doubles as Python's
//! `repr`, floats as the shortest decimal that reads back as the same f32,
//! then as `repr`; `nan`, `inf`, `-inf`; enums by name; map entries sorted by
//! key. `.ci/check_tfmd.py` checks, with the real package, that Python
//! prints tabx's files unchanged.

use std::fmt::Write;

use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MapKey, Value};

/// `message` in text format, one field per line, ending in a newline.
pub fn to_text(message: &DynamicMessage) -> String {
    let mut out = String::new();
    write_message(&mut out, message, 0);
    out
}

fn write_message(out: &mut String, message: &DynamicMessage, indent: usize) {
    let mut fields: Vec<(FieldDescriptor, &Value)> = message.fields().collect();
    fields.sort_by_key(|(field, _)| field.number());
    for (field, value) in fields {
        match value {
            Value::List(items) => items.iter().for_each(|item| write_field(out, &field, item, indent)),
            Value::Map(entries) => {
                let mut entries: Vec<(&MapKey, &Value)> = entries.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let Kind::Message(entry) = field.kind() else { continue };
                let value_field = entry.map_entry_value_field();
                for (key, value) in entries {
                    pad(out, indent);
                    out.push_str(field.name());
                    out.push_str(" {\n");
                    pad(out, indent + 2);
                    out.push_str("key: ");
                    write_key(out, key);
                    out.push('\n');
                    write_field(out, &value_field, value, indent + 2);
                    pad(out, indent);
                    out.push_str("}\n");
                }
            }
            value => write_field(out, &field, value, indent),
        }
    }
}

/// One `name: value` line, or a `name { … }` block for a message.
fn write_field(out: &mut String, field: &FieldDescriptor, value: &Value, indent: usize) {
    pad(out, indent);
    out.push_str(field.name());
    if let Value::Message(message) = value {
        out.push_str(" {\n");
        write_message(out, message, indent + 2);
        pad(out, indent);
        out.push_str("}\n");
        return;
    }
    out.push_str(": ");
    match value {
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::I32(v) => push(out, v),
        Value::I64(v) => push(out, v),
        Value::U32(v) => push(out, v),
        Value::U64(v) => push(out, v),
        Value::F32(v) => out.push_str(&python_float(f64::from(*v), &format!("{v:e}"))),
        Value::F64(v) => out.push_str(&python_float(*v, &format!("{v:e}"))),
        Value::String(s) => escape(out, s.as_bytes()),
        Value::Bytes(b) => escape(out, b),
        Value::EnumNumber(n) => match field.kind() {
            Kind::Enum(e) => match e.get_value(*n) {
                Some(v) => out.push_str(v.name()),
                None => push(out, n),
            },
            _ => push(out, n),
        },
        Value::Message(_) | Value::List(_) | Value::Map(_) => unreachable!("handled by the caller"),
    }
    out.push('\n');
}

fn write_key(out: &mut String, key: &MapKey) {
    match key {
        MapKey::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        MapKey::I32(v) => push(out, v),
        MapKey::I64(v) => push(out, v),
        MapKey::U32(v) => push(out, v),
        MapKey::U64(v) => push(out, v),
        MapKey::String(s) => escape(out, s.as_bytes()),
    }
}

fn push(out: &mut String, value: impl std::fmt::Display) {
    let _ = write!(out, "{value}");
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Python's `text_encoding.CEscape(bytes, as_utf8=False)`, quoted.
fn escape(out: &mut String, bytes: &[u8]) {
    out.push('"');
    for &b in bytes {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\'' => out.push_str("\\'"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => push(out, format_args!("\\{b:03o}")),
        }
    }
    out.push('"');
}

/// Python's `repr` of `x`, from `scientific`: the shortest digits that read
/// back as `x` (Rust's `{:e}` of the f64, or of the f32 for a float field,
/// which is what Python's `ToShortestFloat` finds). Positional for decimal
/// exponents -4 to 15 (`0.0001`, `1e+16`), always with a point or an exponent.
fn python_float(x: f64, scientific: &str) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let (mantissa, exponent) = scientific.split_once('e').expect("{:e} has an exponent");
    let exponent: i32 = exponent.parse().expect("{:e} exponent is an integer");
    let (sign, mantissa) = mantissa.strip_prefix('-').map_or(("", mantissa), |m| ("-", m));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if !(-4..16).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        let point = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{first}{point}e{exp_sign}{:02}", exponent.abs());
    }
    let (int, frac) = if exponent < 0 {
        ("0".to_string(), format!("{}{digits}", "0".repeat((-exponent - 1) as usize)))
    } else {
        let whole = exponent as usize + 1;
        let padded = format!("{digits:0<whole$}");
        let (int, frac) = padded.split_at(whole);
        (int.to_string(), frac.to_string())
    };
    let frac = if frac.is_empty() { "0" } else { frac.as_str() };
    format!("{sign}{int}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected strings from Python 3.11: `repr(x)` for doubles,
    /// `str(type_checkers.ToShortestFloat(x))` for floats.
    #[test]
    fn floats_print_as_python_repr() {
        for (x, want) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (0.0001, "0.0001"),
            (1e-05, "1e-05"),
            (1.5e-07, "1.5e-07"),
            (123456789.0, "123456789.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.2345e20, "1.2345e+20"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (41.8922, "41.8922"),
        ] {
            assert_eq!(python_float(x, &format!("{x:e}")), want, "{x}");
        }
        for (x, want) in [(0.1f32, "0.1"), (1.1f32, "1.1"), (3.4028235e38f32, "3.4028235e+38"), (-87.6f32, "-87.6")] {
            assert_eq!(python_float(f64::from(x), &format!("{x:e}")), want, "{x}");
        }
        assert_eq!(python_float(f64::NAN, "NaN"), "nan");
        assert_eq!(python_float(f64::NEG_INFINITY, "-inf"), "-inf");
    }

    /// Expected from Python's `text_encoding.CEscape(b, as_utf8=False)`.
    #[test]
    fn strings_escape_as_python_does() {
        let mut out = String::new();
        escape(&mut out, "a\"b'c\\\n\t\r\u{0}\u{1}é~\u{7f}".as_bytes());
        assert_eq!(out, r#""a\"b\'c\\\n\t\r\000\001\303\251~\177""#);
    }
}
