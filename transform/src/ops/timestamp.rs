//! `timestamp_hour`, `timestamp_day_of_week`, `timestamp_month`: calendar
//! parts of a timestamp in a time zone, the features TFX's Chicago taxi
//! example derives from `trip_start_timestamp` (`trip_start_hour`,
//! `trip_start_day`, `trip_start_month`; BigQuery's `EXTRACT`).
//!
//! Parameter: `timezone` (an IANA name, default `"UTC"`). Input: Int64
//! seconds since the Unix epoch, or a Timestamp column (its own zone is
//! ignored: `timezone` decides); other types are an error. Output Int64:
//! hour 0–23; day of week 1 = Sunday … 7 = Saturday (BigQuery's
//! `DAYOFWEEK`); month 1–12. The taxi data needs `"UTC"` (`kernels::time`).
//! Nulls stay null.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array};
use arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};
use tabx_core::{Result, TabxError};

use super::{BatchTransform, InputKind, Params, Preprocessor, StatelessOp};
use crate::backend::Backend;
use crate::kernels::parse_time_zone;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Part {
    Hour,
    DayOfWeek,
    Month,
}

/// The op and its fitted values alike: the part and the zone.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TimestampPart {
    part: Part,
    timezone: String,
}

fn build_part(params: &mut Params<'_>, part: Part) -> Result<Box<dyn Preprocessor>> {
    let timezone = params.get::<String>("timezone")?.unwrap_or_else(|| "UTC".to_string());
    if parse_time_zone(&timezone).is_err() {
        return Err(params
            .error(format!("has an unknown `timezone` {timezone:?}"))
            .with_hint("use an IANA time zone name such as \"UTC\" or \"America/Chicago\""));
    }
    Ok(Box::new(TimestampPart { part, timezone }))
}

pub(super) fn build_hour(params: &mut Params<'_>) -> Result<Box<dyn Preprocessor>> {
    build_part(params, Part::Hour)
}

pub(super) fn build_day_of_week(params: &mut Params<'_>) -> Result<Box<dyn Preprocessor>> {
    build_part(params, Part::DayOfWeek)
}

pub(super) fn build_month(params: &mut Params<'_>) -> Result<Box<dyn Preprocessor>> {
    build_part(params, Part::Month)
}

impl StatelessOp for TimestampPart {
    fn name(&self) -> &'static str {
        match self.part {
            Part::Hour => "timestamp_hour",
            Part::DayOfWeek => "timestamp_day_of_week",
            Part::Month => "timestamp_month",
        }
    }

    fn kind(&self) -> InputKind {
        InputKind::Any
    }

    fn check_input(&self, input_type: &DataType) -> Result<()> {
        check_type(self.name(), input_type)
    }
}

fn check_type(op: &str, input_type: &DataType) -> Result<()> {
    if matches!(input_type, DataType::Int64 | DataType::Null | DataType::Timestamp(..)) {
        return Ok(());
    }
    Err(TabxError::config(format!("{op} needs Int64 seconds since the epoch or a Timestamp column, got {input_type}"))
        .with_hint("parse date strings into a Timestamp column first"))
}

impl BatchTransform for TimestampPart {
    fn output_type(&self) -> DataType {
        DataType::Int64
    }

    fn transform(&self, inputs: &[ArrayRef], backend: &dyn Backend) -> Result<ArrayRef> {
        let x = &inputs[0];
        if x.data_type() == &DataType::Null {
            return Ok(Arc::new(Int64Array::new_null(x.len())));
        }
        let parts = backend.timestamp_parts(x.as_ref(), &self.timezone)?;
        Ok(Arc::new(match self.part {
            Part::Hour => parts.hour,
            Part::DayOfWeek => parts.day_of_week,
            Part::Month => parts.month,
        }))
    }
}
