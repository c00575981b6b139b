//! Rows whose values do not fit an op (text in a numeric input): the policy
//! ([`InvalidRows`]), one finding ([`InvalidRow`]), and the counts a fit or an
//! apply reports ([`InvalidCounts`]).
//!
//! A row can be invalid for several ops, or for one op in several inputs: it
//! is counted once as a row, and once under each distinct reason. Reasons are
//! counted by kind, without the value (`column `x`: "abc" is not a number` is
//! counted as `column `x`: not a number`), so the report stays short however
//! many distinct bad values there are.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What to do with a row whose value does not fit its op (e.g. text in a numeric input).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InvalidRows {
    /// Stop with an error naming the row, column and value.
    #[default]
    Fail,
    /// Leave the row out of the fit or the output, counted.
    Skip,
}

/// A row whose value does not fit: its index in the batch and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRow {
    pub row: usize,
    pub reason: String,
}

/// Sorts a batch's findings by row and drops repeats (two ops reading one
/// bad value report it once).
pub fn normalize_invalid(invalid: &mut Vec<InvalidRow>) {
    invalid.sort_by(|a, b| (a.row, &a.reason).cmp(&(b.row, &b.reason)));
    invalid.dedup();
}

/// The rows of a batch that stay (`None`: all of them).
pub fn valid_mask(n: usize, invalid: &[InvalidRow]) -> Option<arrow::array::BooleanArray> {
    if invalid.is_empty() {
        return None;
    }
    let mut keep = vec![true; n];
    invalid.iter().for_each(|r| keep[r.row] = false);
    Some(arrow::array::BooleanArray::from(keep))
}

/// Each invalid row once, with its reasons joined by `; ` (findings as
/// [`normalize_invalid`] leaves them).
pub fn reasons_by_row(invalid: &[InvalidRow]) -> Vec<(usize, String)> {
    let mut rows: Vec<(usize, String)> = Vec::new();
    for r in invalid {
        match rows.last_mut() {
            Some((row, reasons)) if *row == r.row => {
                reasons.push_str("; ");
                reasons.push_str(&r.reason);
            }
            _ => rows.push((r.row, r.reason.clone())),
        }
    }
    rows
}

/// Invalid rows left out, and how often each kind of reason occurred.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidCounts {
    pub rows: u64,
    pub by_reason: BTreeMap<String, u64>,
}

impl InvalidCounts {
    /// Counts one batch's findings (as [`normalize_invalid`] leaves them).
    pub fn add(&mut self, invalid: &[InvalidRow]) {
        self.rows += reasons_by_row(invalid).len() as u64;
        for r in invalid {
            *self.by_reason.entry(reason_kind(&r.reason)).or_default() += 1;
        }
    }

    /// Adds the counts of another part of the input.
    pub fn merge(&mut self, other: &InvalidCounts) {
        self.rows += other.rows;
        for (k, v) in &other.by_reason {
            *self.by_reason.entry(k.clone()).or_default() += v;
        }
    }
}

/// The reason without the value: `column `x`: "abc" is not a number` → `column `x`: not a number`.
fn reason_kind(reason: &str) -> String {
    match (reason.split_once(": "), reason.rsplit_once(" is ")) {
        (Some((column, _)), Some((_, what))) => format!("{column}: not {}", what.trim_start_matches("not ")),
        _ => reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_counts_once_and_each_reason_kind_once_per_row() {
        let finding = |row, reason: &str| InvalidRow { row, reason: reason.into() };
        let mut invalid = vec![
            finding(3, r#"column `x`: "b" is not a number"#),
            finding(1, r#"column `x`: "a" is not a number"#),
            finding(1, r#"column `y`: "q" is not a number"#),
            finding(1, r#"column `x`: "a" is not a number"#),
        ];
        normalize_invalid(&mut invalid);
        assert_eq!(
            reasons_by_row(&invalid),
            [
                (1, r#"column `x`: "a" is not a number; column `y`: "q" is not a number"#.to_string()),
                (3, r#"column `x`: "b" is not a number"#.to_string())
            ]
        );
        let mut counts = InvalidCounts::default();
        counts.add(&invalid);
        counts.merge(&counts.clone());
        assert_eq!(counts.rows, 4);
        assert_eq!(counts.by_reason["column `x`: not a number"], 4);
        assert_eq!(counts.by_reason["column `y`: not a number"], 2);
    }
}
