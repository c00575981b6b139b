//! # tabx-model
//!
//! A deterministic baseline trainer on a fitted transform's outputs, so the
//! taxi workflow runs end to end without TensorFlow: ridge regression and
//! L2-regularised logistic regression, from mergeable states like every other
//! tabx pass. Engine-free: it reads batches, not files.
//!
//! - [`TrainPlan`]: from `transform.json` ([`tabx_transform::TransformArtifact`])
//!   and [`TrainOptions`]: the label, the features (by default the outputs
//!   that do not derive from the label's inputs) and how each is encoded.
//! - [`EncoderState`] (first pass) → [`Encoder`]: the design matrix, with
//!   vocabulary ids, buckets and small integer codes one-hot encoded.
//! - [`NormalEquations`]: XᵀX, Xᵀy and the sums of a ridge fit
//!   (scikit-learn's `Ridge(alpha=λ)`, unpenalised intercept), mergeable;
//!   [`IrlsState`] / [`IrlsSolver`]: logistic regression by Newton steps
//!   (scikit-learn's `LogisticRegression(C=1/λ)`), one mergeable pass each.
//! - [`train`]: the passes in order over any [`Passes`]; [`Model`] is
//!   `model.json`, with [`Model::predict`] for transformed batches.
//! - Over shards (pods): [`EncoderPartial`] → `encoder.json`
//!   ([`EncoderFile`]), then [`LinearPartial`] → `model.json`, both
//!   `tabx_core::PartialState`s that `tabx merge` merges (`sharded.rs`).
//!
//! The linear algebra is nalgebra's Cholesky (dense, at most
//! [`MAX_DESIGN_COLUMNS`] columns). faer is faster on large matrices, but
//! nalgebra builds in a fraction of the time and the systems here are small:
//! the cost is the pass over the rows, not the solve.
//!
//! ```
//! use std::sync::Arc;
//! use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch};
//! use tabx_model::{Batches, ModelKind, TrainOptions, TrainPlan, train};
//! use tabx_transform::{FitState, InvalidRows, TransformSpec, Transformer};
//!
//! let spec = TransformSpec::from_yaml("
//! outputs:
//!   - {name: miles_z, op: scale_to_z_score, inputs: [miles]}
//!   - {name: hour, op: fill_missing, inputs: [hour], value: 0}
//!   - {name: fare, op: fill_missing, inputs: [fare], value: 0}
//! ")?;
//! let raw = RecordBatch::try_from_iter([
//!     ("miles", Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0, 4.0, 5.0])) as ArrayRef),
//!     ("hour", Arc::new(Int64Array::from(vec![8, 9, 8, 17, 9])) as ArrayRef),
//!     ("fare", Arc::new(Float64Array::from(vec![5.0, 7.5, 9.0, 12.0, 13.5])) as ArrayRef),
//! ])?;
//! let mut fit = FitState::try_new(&spec, InvalidRows::Fail)?;
//! fit.update(&raw)?;
//! let artifact = fit.finish()?;
//! let transformed = Transformer::try_new(artifact.clone())?.apply(&raw)?;
//!
//! let options = TrainOptions { kind: ModelKind::Linear, label: "fare".into(), features: None, l2: 1.0 };
//! let plan = TrainPlan::try_new(&artifact, &options)?;
//! let model = train(&plan, &mut Batches(&[transformed.clone()]))?;
//! // `hour` has 3 values: one-hot columns hour=8, hour=9, hour=17.
//! assert_eq!(model.encoder.width(), 4);
//! assert_eq!(model.predict(&transformed)?.len(), 5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod columns;
mod encoder;
mod linalg;
mod logistic;
mod model_file;
mod plan;
mod ridge;
mod sharded;
#[cfg(test)]
mod testdata;
mod train;

pub use encoder::{DesignColumn, DesignRows, Encoder, EncoderState, Encoding, FeatureEncoding, MAX_DESIGN_COLUMNS};
pub use logistic::{IrlsSolver, IrlsState, LogisticFit, MAX_PASSES, TOLERANCE};
pub use model_file::{MODEL_FORMAT_VERSION, Model, Scored, TrainingSummary};
pub use plan::{MAX_DISTINCT, ModelKind, PlannedEncoding, PlannedFeature, TrainOptions, TrainPlan};
pub use ridge::{LinearFit, NormalEquations};
pub use sharded::{ENCODER_FORMAT_VERSION, EncoderFile, EncoderPartial, LinearPartial};
pub use train::{Batches, Passes, train, train_with};
