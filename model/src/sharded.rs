//! Training over shards (pods, Indexed Jobs): the linear model's two passes
//! as mergeable partial states, so that `tabx train --shard I/N --partial`
//! and `tabx merge` give `model.json` as the other jobs give their artifacts.
//!
//! ```text
//!  stage 1, per shard:                     EncoderPartial ─tabx merge─▶ encoder.json (EncoderFile)
//!  stage 2, per shard (--encoder encoder.json): LinearPartial ─tabx merge─▶ model.json
//! ```
//!
//! The encoder needs every shard's rows (the numeric features' means, the
//! integer values seen) before any design row can be built, so the two
//! passes are two rounds of pods. Both states are exact or order-fixed sums:
//! the encoder is the same bits however the rows are split (exact sums);
//! the normal equations are f64 sums merged in shard order, so another split
//! may change the last bits of the coefficients (rounding only), as
//! `ridge.rs` says.
//!
//! Logistic regression is not sharded: each IRLS pass needs the coefficients
//! of the pass before, which would be one round of pods per Newton step.
//! It trains in one job on all of a machine's cores, optionally from a
//! shared `encoder.json`.

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};
use tabx_core::{Mergeable, PartialState, Result, TabxError, decode_state, encode_state, hash64};

use crate::encoder::{Encoder, EncoderState};
use crate::model_file::Model;
use crate::plan::{ModelKind, TrainPlan};
use crate::ridge::NormalEquations;

/// The version of `encoder.json`.
pub const ENCODER_FORMAT_VERSION: u32 = 1;

/// `encoder.json`: the design matrix of a training run, from its first pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderFile {
    pub format_version: u32,
    pub label: String,
    pub kind: ModelKind,
    /// Rows the first pass could use, and those it left out by reason.
    pub rows: u64,
    pub skipped_by_reason: BTreeMap<String, u64>,
    pub encoder: Encoder,
}

impl EncoderFile {
    /// Reads `encoder.json`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        tabx_core::read_artifact(path.as_ref(), Self::from_json)
    }

    /// Parses the text of an `encoder.json`.
    pub fn from_json(text: &str) -> Result<Self> {
        let mut file: Self =
            serde_json::from_str(text).map_err(|e| TabxError::config(format!("not an encoder file: {e}")))?;
        if file.format_version != ENCODER_FORMAT_VERSION {
            return Err(TabxError::config(format!(
                "encoder format_version {} (this tabx reads {ENCODER_FORMAT_VERSION})",
                file.format_version
            )));
        }
        // The design columns follow from the features: rebuild rather than trust them.
        file.encoder = Encoder::from_features(file.label.clone(), file.encoder.features)?;
        Ok(file)
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> Result<String> {
        let mut text = serde_json::to_string_pretty(self).map_err(|e| TabxError::Internal(e.to_string()))?;
        text.push('\n');
        Ok(text)
    }

    /// The encoder, when it was built for `plan` (same label, kind and features).
    pub fn encoder_for(&self, plan: &TrainPlan) -> Result<Encoder> {
        let (mine, theirs) = (self.encoder.feature_names(), plan.feature_names());
        if self.label != plan.label || self.kind != plan.kind || mine != theirs {
            return Err(TabxError::config(format!(
                "the encoder was built for a {:?} model of `{}` on [{}], not a {:?} model of `{}` on [{}]",
                self.kind,
                self.label,
                mine.join(", "),
                plan.kind,
                plan.label,
                theirs.join(", ")
            ))
            .with_hint("train with the --label, --kind, --features and transform that built encoder.json"));
        }
        Ok(self.encoder.clone())
    }
}

/// Stage 1 on one shard: the first pass's [`EncoderState`] with its plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EncoderPartial {
    plan: TrainPlan,
    state: EncoderState,
}

impl EncoderPartial {
    /// An empty stage-1 state of `plan`, a linear model's.
    pub fn try_new(plan: &TrainPlan) -> Result<Self> {
        check_shardable(plan.kind)?;
        Ok(Self { plan: plan.clone(), state: EncoderState::default() })
    }
}

/// Only a linear model trains over shards (see the module docs).
fn check_shardable(kind: ModelKind) -> Result<()> {
    if kind == ModelKind::Linear {
        return Ok(());
    }
    Err(TabxError::config("only a linear model trains over shards (--shard with --partial)").with_hint(
        "logistic regression needs one pass per Newton step: train it in one job, on all cores, \
         optionally with --encoder encoder.json",
    ))
}

impl PartialState for EncoderPartial {
    const KIND: &'static str = "train-encoder";
    const FORMAT_VERSION: u32 = 1;
    type Artifact = EncoderFile;

    fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        self.state.update(&self.plan, batch)
    }

    fn merge(&mut self, other: Self) -> Result<()> {
        self.state.merge(&other.state);
        Ok(())
    }

    fn finish(self) -> Result<EncoderFile> {
        Ok(EncoderFile {
            format_version: ENCODER_FORMAT_VERSION,
            label: self.plan.label.clone(),
            kind: self.plan.kind,
            rows: self.state.rows,
            skipped_by_reason: self.state.skipped.clone(),
            encoder: Encoder::try_new(&self.plan, &self.state)?,
        })
    }

    fn size_bytes(&self) -> usize {
        // Postcard's length is the held data's, within a small factor.
        encode_state(&self.state).map_or(0, |b| b.len())
    }

    fn fingerprint(&self) -> u64 {
        plan_fingerprint(&self.plan)
    }

    fn encode(&self) -> Result<Vec<u8>> {
        encode_state(self)
    }

    fn decode(bytes: &[u8], what: &str) -> Result<Self> {
        decode_state(bytes, what)
    }
}

/// Stage 2 on one shard: the normal equations of the design rows that a
/// shared encoder gives.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinearPartial {
    plan: TrainPlan,
    #[serde(with = "encoder_as_json")]
    encoder: Encoder,
    equations: NormalEquations,
}

impl LinearPartial {
    /// An empty stage-2 state; `encoder` must come from `plan`'s stage 1.
    pub fn try_new(plan: &TrainPlan, encoder: &EncoderFile) -> Result<Self> {
        check_shardable(plan.kind)?;
        Ok(Self { plan: plan.clone(), encoder: encoder.encoder_for(plan)?, equations: NormalEquations::default() })
    }
}

impl PartialState for LinearPartial {
    const KIND: &'static str = "train-linear";
    const FORMAT_VERSION: u32 = 1;
    type Artifact = Model;

    fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        self.equations.update(&self.encoder, batch)
    }

    fn merge(&mut self, other: Self) -> Result<()> {
        if other.encoder != self.encoder {
            return Err(TabxError::config("cannot merge normal equations built with different encoders")
                .with_hint("give every shard of stage 2 the same --encoder encoder.json"));
        }
        self.equations.try_merge(&other.equations)
    }

    fn finish(self) -> Result<Model> {
        let fit = self.equations.solve(&self.encoder, self.plan.l2)?;
        let (rows, skipped) = (self.equations.rows(), self.equations.skipped().clone());
        Ok(Model::linear(self.encoder, self.plan.l2, &fit, rows, &skipped))
    }

    fn size_bytes(&self) -> usize {
        let dim = self.encoder.width();
        // XᵀX's upper triangle and the vectors, in f64.
        8 * (dim * (dim + 1) / 2 + 2 * dim)
    }

    fn fingerprint(&self) -> u64 {
        let encoder = serde_json::to_vec(&self.encoder).unwrap_or_default();
        plan_fingerprint(&self.plan) ^ hash64(&encoder)
    }

    fn encode(&self) -> Result<Vec<u8>> {
        encode_state(self)
    }

    fn decode(bytes: &[u8], what: &str) -> Result<Self> {
        let mut state: Self = decode_state(bytes, what)?;
        // The encoder's label is not in its serialised form (model.json keeps it at the top).
        state.encoder.label = state.plan.label.clone();
        Ok(state)
    }
}

/// The encoder inside a binary partial: as its JSON text, since its
/// `model.json` form (a tagged, flattened enum) needs a self-describing format.
mod encoder_as_json {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::encoder::Encoder;

    pub fn serialize<S: Serializer>(encoder: &Encoder, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&serde_json::to_string(encoder).map_err(serde::ser::Error::custom)?)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Encoder, D::Error> {
        let text = String::deserialize(d)?;
        serde_json::from_str(&text).map_err(serde::de::Error::custom)
    }
}

fn plan_fingerprint(plan: &TrainPlan) -> u64 {
    hash64(&encode_state(plan).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array, Int64Array};
    use tabx_core::PartialFile;

    use super::*;
    use crate::plan::{PlannedEncoding, PlannedFeature};
    use crate::train::{Batches, train};

    fn rows() -> RecordBatch {
        // y = 2x + 3·[c == 7] + 1, with noise from the 0.25s.
        RecordBatch::try_from_iter([
            ("x", Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])) as ArrayRef),
            ("c", Arc::new(Int64Array::from(vec![7, 8, 7, 8, 7, 8, 7, 8])) as ArrayRef),
            ("y", Arc::new(Float64Array::from(vec![6.25, 5.0, 10.0, 9.25, 14.0, 13.0, 18.25, 17.0])) as ArrayRef),
        ])
        .unwrap()
    }

    fn plan(kind: ModelKind) -> TrainPlan {
        TrainPlan {
            kind,
            label: "y".into(),
            l2: 0.5,
            features: vec![
                PlannedFeature { name: "x".into(), encoding: PlannedEncoding::Numeric },
                PlannedFeature { name: "c".into(), encoding: PlannedEncoding::Integer },
            ],
            left_out: vec![],
        }
    }

    /// Encodes each state as a shard's partial file and merges them (decoding each), as `tabx merge` does.
    fn through_files<S: PartialState>(states: Vec<S>) -> S {
        let parts = states
            .into_iter()
            .enumerate()
            .map(|(i, s)| (format!("part-{i}"), PartialFile::of_state(&s, i, 3, vec![]).unwrap()))
            .collect();
        tabx_core::merge_partials(parts).unwrap()
    }

    #[test]
    fn three_shards_give_the_model_of_one_pass() {
        let raw = rows();
        let one_pass = train(&plan(ModelKind::Linear), &mut Batches(std::slice::from_ref(&raw))).unwrap();
        let shards = [raw.slice(0, 3), raw.slice(3, 2), raw.slice(5, 3)];
        let stage1 = shards.iter().map(|b| {
            let mut s = EncoderPartial::try_new(&plan(ModelKind::Linear)).unwrap();
            s.update(b).unwrap();
            s
        });
        let encoder = through_files(stage1.collect()).finish().unwrap();
        // Through encoder.json, as the pods of stage 2 read it.
        let encoder = EncoderFile::from_json(&encoder.to_json().unwrap()).unwrap();
        assert_eq!(encoder.encoder, one_pass.encoder);
        assert_eq!(encoder.rows, 8);
        let stage2 = shards.iter().map(|b| {
            let mut s = LinearPartial::try_new(&plan(ModelKind::Linear), &encoder).unwrap();
            s.update(b).unwrap();
            s
        });
        let model = through_files(stage2.collect()).finish().unwrap();
        assert_eq!(model.encoder, one_pass.encoder);
        assert_eq!(model.training.rows, 8);
        // f64 sums in another grouping: equal to rounding.
        for (a, b) in model.coefficient_vector().iter().zip(one_pass.coefficient_vector()) {
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
        }
        assert!((model.intercept - one_pass.intercept).abs() <= 1e-12 * one_pass.intercept.abs().max(1.0));
    }

    #[test]
    fn a_mismatched_encoder_or_a_logistic_model_is_refused() {
        let mut s = EncoderPartial::try_new(&plan(ModelKind::Linear)).unwrap();
        s.update(&rows()).unwrap();
        let encoder = s.finish().unwrap();
        let mut other = plan(ModelKind::Linear);
        other.label = "x".into();
        let err = LinearPartial::try_new(&other, &encoder).unwrap_err().to_string();
        assert!(err.contains("built for a Linear model of `y` on [x, c], not a Linear model of `x`"), "{err}");
        let err = LinearPartial::try_new(&plan(ModelKind::Logistic), &encoder).unwrap_err().to_string();
        assert!(err.contains("only a linear model trains over shards"), "{err}");
        let err = EncoderPartial::try_new(&plan(ModelKind::Logistic)).unwrap_err().to_string();
        assert!(err.contains("only a linear model trains over shards"), "{err}");
        let err = EncoderFile::from_json("{\"format_version\": 9}").unwrap_err().to_string();
        assert!(err.contains("not an encoder file"), "{err}");
    }
}
