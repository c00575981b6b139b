//! # tabx-validate
//!
//! TFDV's validation half: statistics checked against a schema.
//!
//! - [`validate`]: statistics checked against a [`tabx_schema::Schema`], giving
//!   tensorflow_metadata's [`Anomalies`] (TFDV's anomaly types, names and
//!   conditions) and the schema relaxed to accept the data (TFDV's
//!   `update_schema`).
//! - [`distance`]: the skew and drift distances (L-infinity, Jensen-Shannon,
//!   normalized absolute difference) between two features' statistics.
//! - [`RowChecker`]: single rows of Arrow batches checked against the schema's
//!   per-value constraints (presence, type, domains, ranges), each bad row with
//!   its [`RowViolation`]s, for splitting data into good and bad rows.
//!
//! Where a new check goes: per-feature checks in `feature.rs` (presence,
//! counts, type), `domain.rs` (values against a domain), `comparator.rs`
//! (skew/drift), dataset-level ones in `dataset.rs`; `validator.rs` calls them
//! in TFDV's order.
//!
//! ```
//! use tabx_schema::{DatasetFeatureStatistics, Feature, Schema, SchemaType};
//! use tabx_validate::{ValidationOptions, validate};
//!
//! let mut schema = Schema::default();
//! schema.feature.push(Feature::new("fare", SchemaType::Float));
//! let stats = DatasetFeatureStatistics { num_examples: 10, ..Default::default() };
//! let result = validate(&stats, &schema, &ValidationOptions::default());
//! assert!(result.anomalies.is_empty(), "an optional feature may be absent");
//! ```

mod anomalies;
mod comparator;
mod dataset;
pub mod distance;
mod domain;
mod feature;
mod rows;
mod validator;

pub use anomalies::{
    Anomalies, AnomalyInfo, AnomalyType, DATASET, DriftSkewInfo, FeaturePath, Finding, Measurement, Reason, Severity,
    six_digits,
};
pub use rows::{RowChecker, RowViolation};
pub use validator::{Validation, ValidationOptions, update_schema, validate};

#[cfg(feature = "sql")]
mod constraints;
#[cfg(feature = "sql")]
pub use constraints::{
    Constraint, ConstraintKind, ConstraintOutcome, ConstraintSet, MEMORY_LIMIT, RowPredicate, check_constraints,
};
