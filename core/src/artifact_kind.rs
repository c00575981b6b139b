//! tabx's own JSON artifacts (`transform.json`, a model, `eval.json`) told
//! apart ([`ArtifactKind`]), so that one given where another belongs (or
//! where a TFDV artifact belongs) is named with the flag it goes to, instead
//! of a parse error about a field the reader did not expect.

use serde_json::Value;

/// A kind of tabx JSON artifact: each begins with `format_version` and has
/// a field only its kind has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtifactKind {
    /// `transform.json` (`spec`).
    Transform,
    /// A model (`kind`).
    Model,
    /// `eval.json` (`config`).
    Evaluation,
}

impl ArtifactKind {
    /// The kind of `value`, if it is one of tabx's artifacts.
    pub fn of_json(value: &Value) -> Option<Self> {
        let object = value.as_object().filter(|o| o.contains_key("format_version"))?;
        [("spec", Self::Transform), ("kind", Self::Model), ("config", Self::Evaluation)]
            .into_iter()
            .find_map(|(field, kind)| object.contains_key(field).then_some(kind))
    }

    /// The kind of the JSON text `text`, if it is one of tabx's artifacts.
    pub fn of_text(text: &[u8]) -> Option<Self> {
        Self::of_json(&serde_json::from_slice(text).ok()?)
    }

    /// `this is KIND, not WANTED: KIND goes to --FLAG`, for a file of this
    /// kind given where `wanted` (`"a schema"`, `"a model"`) belongs.
    pub fn misplaced(self, wanted: &str) -> String {
        let (noun, goes) = match self {
            Self::Transform => ("a fitted transform", "a transform goes to --transform"),
            Self::Model => ("a model", "a model goes to --model"),
            Self::Evaluation => ("an evaluation", "an evaluation goes to --eval (tabx report)"),
        };
        format!("this is {noun}, not {wanted}: {goes}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_their_own_field() {
        let kind = |text: &str| ArtifactKind::of_text(text.as_bytes());
        assert_eq!(
            kind(r#"{"format_version": 1, "tabx_version": "0.1.0", "spec": {}}"#),
            Some(ArtifactKind::Transform)
        );
        assert_eq!(kind(r#"{"format_version": 1, "kind": "linear"}"#), Some(ArtifactKind::Model));
        assert_eq!(kind(r#"{"format_version": 1, "config": {}, "slice_specs": []}"#), Some(ArtifactKind::Evaluation));
        // Without the version header, or not JSON: not one of tabx's.
        assert_eq!(kind(r#"{"spec": {}}"#), None);
        assert_eq!(kind("label: fare"), None);
        assert_eq!(
            ArtifactKind::Model.misplaced("a transform"),
            "this is a model, not a transform: a model goes to --model"
        );
    }
}
