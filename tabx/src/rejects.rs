//! What `--on-error` ([`OnError`]) does with rows an op could not take (text
//! in a numeric input): shared by every job that transforms rows (fit, apply,
//! train, predict). Rows the reader itself rejects are the engine's business.

use arrow::array::RecordBatch;
use tabx_core::{Result, TabxError};
use tabx_engine::{OnError, RejectedRows, append_to_quarantine, row_origin};
use tabx_transform::{Applied, InvalidCounts, InvalidRow, InvalidRows, Transformer, reasons_by_row};

/// The rows an op could not take (their counts are kept by whoever left them
/// out: `FitState` in fit, the task in apply): per task, then merged in task
/// order; with `quarantine=PATH` they are written to the quarantine file
/// after the rows the reader rejected.
#[derive(Debug, Default)]
pub(crate) struct Rejects {
    parts: Vec<RejectedRows>,
}

impl Rejects {
    /// Applies `transformer` to `batch`, the one way jobs transform rows: the
    /// rows an op cannot take are left out of the result, counted in
    /// `invalid` by reason and handled per `on_error` ([`Self::record`]).
    pub(crate) fn transform(
        &mut self,
        transformer: &Transformer,
        batch: &RecordBatch,
        on_error: &OnError,
        invalid: &mut InvalidCounts,
    ) -> Result<Applied> {
        let applied = transformer.apply_with(batch, InvalidRows::Skip)?;
        self.record(batch, &applied.invalid, on_error)?;
        invalid.add(&applied.invalid);
        Ok(applied)
    }

    /// Handles the `invalid` rows of `batch` per `on_error`: `fail` stops at
    /// the first with its `file:line`; `skip` does nothing more; `quarantine` writes them.
    pub(crate) fn record(&mut self, batch: &RecordBatch, invalid: &[InvalidRow], on_error: &OnError) -> Result<()> {
        let Some(first) = invalid.first() else { return Ok(()) };
        match on_error {
            OnError::Fail => return Err(located(batch, first)),
            OnError::Skip => {}
            OnError::Quarantine(path) => {
                if self.parts.is_empty() {
                    self.parts.push(RejectedRows::create(path)?);
                }
                let part = self.parts.last_mut().expect("created above");
                for (row, reasons) in reasons_by_row(invalid) {
                    part.write(batch, row, &reasons)?;
                }
            }
        }
        Ok(())
    }

    /// Adds the rows of the next task.
    pub(crate) fn merge(&mut self, next: Rejects) {
        self.parts.extend(next.parts);
    }

    /// Writes the quarantined rows (after the scan wrote the reader's).
    pub(crate) fn finish(self, on_error: &OnError) -> Result<()> {
        match on_error {
            OnError::Quarantine(path) if !self.parts.is_empty() => append_to_quarantine(path, self.parts),
            _ => Ok(()),
        }
    }
}

/// The error for an invalid row, at the `file:line` the engine tagged it with.
fn located(batch: &RecordBatch, row: &InvalidRow) -> TabxError {
    let location = row_origin(batch, row.row).unwrap_or_else(|| format!("row {}", row.row + 1));
    TabxError::invalid_input(location, &row.reason)
        .with_hint("use --on-error skip to leave such rows out (they are counted), or quarantine=PATH to keep them")
}
