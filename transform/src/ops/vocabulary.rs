//! `compute_and_apply_vocabulary`: TFT's `tft.compute_and_apply_vocabulary`:
//! fit counts every token, keeps the ranked vocabulary, and apply maps each
//! value to its index in it.
//!
//! Parameters (TFT's names and defaults): `top_k` (keep the `top_k` most
//! frequent; default all), `frequency_threshold` (keep tokens seen at least
//! this often; default 0, and 0 and 1 keep all), `num_oov_buckets` (default
//! 0) and `default_value` (default -1).
//!
//! - Ranking: frequency descending, ties by token descending in byte order;
//!   `""` and tokens with `\n`/`\r` are dropped (TFT's text vocabulary file
//!   cannot hold them) and so become out of vocabulary (`kernels::vocab`).
//! - Integer columns get the vocabulary of their decimal strings, as TFT's
//!   vocabulary of an int64 feature does; Float64 columns are an error.
//! - Ids: the token's index; otherwise, with `num_oov_buckets > 0`,
//!   `vocab_size + Fingerprint64(token) % num_oov_buckets`; otherwise
//!   `default_value`. Output Int64.
//! - Empty vocabulary (no data, or nothing passes the filters): TFT writes
//!   one placeholder token so that its lookup table can initialise, `-1` for
//!   integer input and a fixed UUID-like token for strings
//!   (`EMPTY_VOCABULARY_TOKEN`); the fitted vocabulary holds it too, so OOV
//!   ids start at 1 exactly as in TFT.
//!
//! The fitted vocabulary is written in `transform.json` (`vocabulary`, a list
//! of tokens in id order). Nulls are not counted and map to a null id (TFT's
//! missing `VarLenFeature` value has no id); give the output `fill: ''` to
//! count and look them up as a token instead (TFX's taxi example does).
//!
//! Memory: the fit counts every distinct token exactly (TFT's vocabulary is
//! exact too), so its state grows with the column's cardinality, about 50
//! bytes plus the token per distinct value and per task, whatever `top_k` is;
//! `top_k` and `frequency_threshold` bound the fitted vocabulary in
//! `transform.json` and the lookup table of apply and serving. For an id-like
//! column with millions of distinct values, `hash_strings` needs no state.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array};
use arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tabx_core::{Result, TabxError};

use super::{BatchTransform, InputKind, Params, Preprocessor, from_json, state, to_json};
use crate::analyzer::AnalyzerState;
use crate::backend::Backend;
use crate::kernels::{EMPTY_VOCABULARY_TOKEN, VocabularyLookup, VocabularyState};

#[derive(Debug)]
struct ComputeAndApplyVocabulary {
    top_k: Option<usize>,
    frequency_threshold: u64,
    num_oov_buckets: u64,
    default_value: i64,
}

/// The fitted vocabulary (id = position) and the lookup's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Fitted {
    vocabulary: Vec<String>,
    num_oov_buckets: u64,
    default_value: i64,
}

pub(super) fn build(params: &mut Params<'_>) -> Result<Box<dyn Preprocessor>> {
    let top_k = params.get::<usize>("top_k")?;
    if top_k == Some(0) {
        // TFT: "top_k must be positive".
        return Err(params.error("needs a positive `top_k`, got 0").with_hint("remove `top_k` to keep every token"));
    }
    let frequency_threshold = params.get::<u64>("frequency_threshold")?.unwrap_or(0);
    let num_oov_buckets = params.get::<u64>("num_oov_buckets")?.unwrap_or(0);
    if num_oov_buckets > i64::MAX as u64 {
        return Err(params
            .error(format!("has too many `num_oov_buckets` ({num_oov_buckets})"))
            .with_hint("use at most 2^63-1 buckets"));
    }
    let default_value = params.get::<i64>("default_value")?.unwrap_or(-1);
    Ok(Box::new(ComputeAndApplyVocabulary { top_k, frequency_threshold, num_oov_buckets, default_value }))
}

impl Preprocessor for ComputeAndApplyVocabulary {
    fn op(&self) -> &'static str {
        "compute_and_apply_vocabulary"
    }

    fn input_kind(&self) -> InputKind {
        InputKind::Any
    }

    fn analyzers(&self) -> Vec<AnalyzerState> {
        vec![AnalyzerState::Vocabulary(VocabularyState::default())]
    }

    fn fit(&self, input_type: &DataType, states: &[AnalyzerState]) -> Result<Value> {
        check_type(input_type)?;
        let counts = state(states, 0, |s| match s {
            AnalyzerState::Vocabulary(v) => Some(v),
            _ => None,
        })?;
        let mut vocabulary = counts.finish(self.top_k, self.frequency_threshold);
        if vocabulary.is_empty() {
            // TFT's placeholder token, so that OOV ids start where TFT's do (module docs).
            let placeholder = if *input_type == DataType::Int64 { "-1" } else { EMPTY_VOCABULARY_TOKEN };
            vocabulary.push(placeholder.to_string());
        }
        to_json(&Fitted { vocabulary, num_oov_buckets: self.num_oov_buckets, default_value: self.default_value })
    }

    fn transform(&self, input_type: &DataType, fitted: &Value) -> Result<Box<dyn BatchTransform>> {
        check_type(input_type)?;
        let fitted: Fitted = from_json(self.op(), fitted)?;
        let lookup = VocabularyLookup::try_new(&fitted.vocabulary, fitted.num_oov_buckets, fitted.default_value)?;
        Ok(Box::new(Lookup { lookup }))
    }
}

fn check_type(input_type: &DataType) -> Result<()> {
    if matches!(input_type, DataType::Utf8 | DataType::Int64 | DataType::Null) {
        return Ok(());
    }
    Err(TabxError::config(format!("compute_and_apply_vocabulary needs a string or integer column, got {input_type}"))
        .with_hint("vocabularies are built over strings or integers; use bucketize for floats"))
}

#[derive(Debug)]
struct Lookup {
    lookup: VocabularyLookup,
}

impl BatchTransform for Lookup {
    fn output_type(&self) -> DataType {
        DataType::Int64
    }

    fn transform(&self, inputs: &[ArrayRef], backend: &dyn Backend) -> Result<ArrayRef> {
        if inputs[0].data_type() == &DataType::Null {
            return Ok(Arc::new(Int64Array::new_null(inputs[0].len())));
        }
        Ok(Arc::new(backend.vocabulary(inputs[0].as_ref(), &self.lookup)?))
    }
}
