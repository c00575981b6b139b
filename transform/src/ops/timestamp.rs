//! `timestamp_hour`, `timestamp_day_of_week`, `timestamp_month`: calendar
//! parts of a timestamp in a time zone, the features TFX's Chicago taxi
//! example derives from `trip_start_timestamp` (`trip_start_hour`,
//! `trip_start_day`, `trip_start_month`; BigQuery's `EXTRACT`).
//!
//! Parameter: `timezone` (an IANA name, default `"UTC"`). Input: instants,
//! shown in `timezone`: Int64 seconds since the Unix epoch, a Timestamp
//! with a zone (its own zone is ignored: `timezone` decides), date text
//! with an offset (`2024-01-01T16:00:00Z`); or wall-clock times, read as
//! written: a Date, a Timestamp without a zone, date text without an
//! offset (`2024-01-01 10:00:00`, `2024-01-01`) (`kernels::time`). Text
//! that is not a date makes its row invalid (`--on-error`); other types
//! are an error. Output Int64:
//! hour 0–23; day of week 1 = Sunday … 7 = Saturday (BigQuery's
//! `DAYOFWEEK`); month 1–12. The taxi data needs `"UTC"` (`kernels::time`).
//! Nulls stay null.

use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray, Int64Array};
use arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};
use tabx_core::{Result, TabxError};

use super::{BatchTransform, InputKind, Params, Preprocessor, StatelessOp};
use crate::backend::Backend;
use crate::invalid::InvalidRow;
use crate::kernels::{parse_time_zone, wall_clock_seconds};

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
    use DataType::*;
    if matches!(input_type, Int64 | Null | Timestamp(..) | Date32 | Date64 | Utf8) {
        return Ok(());
    }
    Err(TabxError::config(format!(
        "{op} needs seconds since the epoch (Int64), a Timestamp, a Date or date text, got {input_type}"
    ))
    .with_hint("write the column as ISO 8601 text (2024-01-01 10:00:00) or as epoch seconds"))
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
        let parts = match wall_clock_seconds(x.as_ref(), &self.timezone)? {
            Some((clock, _)) => backend.timestamp_parts(&clock, "UTC")?,
            None => backend.timestamp_parts(x.as_ref(), &self.timezone)?,
        };
        Ok(Arc::new(match self.part {
            Part::Hour => parts.hour,
            Part::DayOfWeek => parts.day_of_week,
            Part::Month => parts.month,
        }))
    }

    fn unreadable(&self, name: &str, column: &ArrayRef) -> Result<Vec<InvalidRow>> {
        let Some((_, bad)) = wall_clock_seconds(column.as_ref(), &self.timezone)? else { return Ok(Vec::new()) };
        let text = column.as_string::<i32>();
        Ok(bad
            .into_iter()
            .map(|row| InvalidRow {
                row,
                reason: format!("column `{name}`: {:?} is not a date or time (ISO 8601)", text.value(row)),
            })
            .collect())
    }
}
