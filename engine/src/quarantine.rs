//! Bad rows, for every format: [`BadRows`] turns one into the error
//! (`--on-error fail`) or counts it by reason and, with
//! `--on-error quarantine=PATH`, writes it to the quarantine file with where it
//! came from and why.
//!
//! Each task writes its own part (a temp file next to the target, so the final
//! rename stays on one filesystem; in the system's temporary folder when the
//! target is a device or a FIFO, which is written directly), created at the
//! task's first bad row and closed when the task ends (a glob of thousands of
//! clean files opens none, and a scan never holds more than one part open
//! per worker); at the end the
//! parts are reopened and concatenated in task order under one header and
//! renamed into place. So the file is the same however the tasks were
//! scheduled, and is either whole or absent.
//!
//! Columns: the CSV header (Parquet: column names; NDJSON: none) of the first part, then `_tabx_source` (`file:line`),
//! `_tabx_reasons` and `_tabx_raw`. A row whose field count matches its file's
//! header (and that header is the file's, e.g. a value that did not parse) has
//! its fields in the columns and an empty `_tabx_raw`; otherwise (ragged, an
//! unclosed quote, another file's header) the columns stay empty and the line's
//! text is in `_tabx_raw`.
//!
//! Rows the reader accepted but a consumer of the scan rejected (a value an
//! op cannot take in `tabx transform`) join the same file after the scan:
//! [`RejectedRows`] per task, then [`append_to_quarantine`].

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use arrow::array::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use tabx_core::{Result, TabxError};

use crate::driver::TaskReport;
use crate::options::{OnError, SourceOptions};

const META_COLUMNS: [&str; 3] = ["_tabx_source", "_tabx_reasons", "_tabx_raw"];

/// One task's bad rows, as its format's reader finds them: each is the scan's
/// error, or counted under its reasons and quarantined.
pub(crate) struct BadRows {
    fail: bool,
    quarantine: Option<QuarantineWriter>,
    on_reject: Option<crate::options::RejectFn>,
    /// `on_reject`'s calls, held back to be made in input order by the thread
    /// that hands on a chunk parsed on another (`csv::stream`).
    deferred: Option<Vec<(String, String)>>,
}

impl std::fmt::Debug for BadRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BadRows")
            .field("fail", &self.fail)
            .field("quarantine", &self.quarantine)
            .finish_non_exhaustive()
    }
}

impl BadRows {
    /// The policy of `options`; `header` names the columns that quarantined
    /// rows place their fields under.
    pub(crate) fn new(options: &SourceOptions, header: Option<&[String]>) -> Self {
        let quarantine = match &options.on_error {
            OnError::Quarantine(path) => {
                let mut w = QuarantineWriter::new(path);
                if let Some(h) = header {
                    w.set_header(h);
                }
                Some(w)
            }
            _ => None,
        };
        BadRows {
            fail: options.on_error == OnError::Fail,
            quarantine,
            on_reject: options.on_reject.clone(),
            deferred: None,
        }
    }

    /// From now on `on_reject` is not called but its calls are kept, for
    /// [`take_deferred`](Self::take_deferred).
    pub(crate) fn defer_rejects(&mut self) {
        self.deferred.get_or_insert_with(Vec::new);
    }

    /// The `(location, reasons)` of the rejects held back since [`defer_rejects`](Self::defer_rejects).
    pub(crate) fn take_deferred(&mut self) -> Vec<(String, String)> {
        self.deferred.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// One bad row at `location` (`file:line`), with its `reasons` as (key
    /// counted in the report, message): the error, naming `hint`, under
    /// `fail`; otherwise counted in `report` and written with `raw` (its text)
    /// and `fields` (when they match the header).
    pub(crate) fn reject(
        &mut self,
        report: &mut TaskReport,
        location: String,
        reasons: &[(String, String)],
        raw: &[u8],
        fields: Option<Vec<&[u8]>>,
        hint: &str,
    ) -> Result<()> {
        let message = || reasons.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join("; ");
        if self.fail {
            return Err(TabxError::invalid_input(location, message()).with_hint(hint));
        }
        report.rows_bad += 1;
        for (key, _) in reasons {
            *report.bad_by_reason.entry(key.clone()).or_default() += 1;
        }
        if let Some(tell) = &self.on_reject {
            let keys = reasons.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join("; ");
            match &mut self.deferred {
                Some(held) => held.push((location.clone(), keys)),
                None => tell(&location, &keys),
            }
        }
        if let Some(q) = &mut self.quarantine {
            q.write(&location, &message(), raw, fields)?;
        }
        Ok(())
    }

    /// [`reject`](Self::reject) for row `row` of a decoded `batch` (Parquet):
    /// its cells are the fields.
    pub(crate) fn reject_row(
        &mut self,
        report: &mut TaskReport,
        location: String,
        reasons: &[(String, String)],
        batch: &RecordBatch,
        row: usize,
        hint: &str,
    ) -> Result<()> {
        if self.quarantine.is_none() {
            return self.reject(report, location, reasons, b"", None, hint);
        }
        let columns: Vec<usize> = (0..batch.num_columns()).collect();
        let (cells, raw) = row_cells(batch, &columns, row)?;
        self.reject(report, location, reasons, &raw, Some(cells.iter().map(|c| c.as_bytes()).collect()), hint)
    }

    /// Closes the task's quarantine part into `report`.
    pub(crate) fn finish(self, report: &mut TaskReport) -> Result<()> {
        if let Some(q) = self.quarantine {
            report.quarantine.push(q.finish()?);
        }
        Ok(())
    }
}

/// A value for an error message: quoted, at most ~40 characters.
pub(crate) fn shorten(v: &[u8]) -> String {
    let s = String::from_utf8_lossy(v);
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    format!("{out:?}")
}

/// One task's bad rows: a closed temp file (deleted when dropped), none when
/// the task had no bad row, and the header of the file it read.
#[derive(Debug)]
pub(crate) struct QuarantinePart {
    file: Option<tempfile::TempPath>,
    header: Option<Vec<String>>,
}

/// Writes one task's part, opening it at the first bad row.
pub(crate) struct QuarantineWriter {
    writer: Option<csv::Writer<BufWriter<tempfile::NamedTempFile>>>,
    header: Option<Vec<String>>,
    target: std::path::PathBuf,
}

impl std::fmt::Debug for QuarantineWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuarantineWriter").field("target", &self.target).finish_non_exhaustive()
    }
}

/// A part's temporary file, in the folder of `target`'s own
/// ([`tabx_core::scratch_dir`]).
fn part_file(target: &Path) -> Result<tempfile::NamedTempFile> {
    tabx_core::output_temp_file(&tabx_core::scratch_dir(target), QUARANTINE_PREFIX)
        .map_err(|e| TabxError::io(target, e))
}

/// Starts the name of every temporary file of a quarantine output.
const QUARANTINE_PREFIX: &str = ".tabx-quarantine-";

impl QuarantineWriter {
    /// A writer for a part of `target`; no file is created before [`write`](Self::write).
    pub(crate) fn new(target: &Path) -> Self {
        QuarantineWriter { writer: None, header: None, target: target.to_path_buf() }
    }

    /// The header of the file this task reads.
    pub(crate) fn set_header(&mut self, header: &[String]) {
        self.header = Some(header.to_vec());
    }

    /// One bad row: `fields` when its field count matches the header.
    pub(crate) fn write(&mut self, source: &str, reasons: &str, raw: &[u8], fields: Option<Vec<&[u8]>>) -> Result<()> {
        let mut record: Vec<&[u8]> = vec![source.as_bytes(), reasons.as_bytes(), raw];
        if let Some(f) = fields {
            record.extend(f);
        }
        let writer = match &mut self.writer {
            Some(writer) => writer,
            None => {
                let file = part_file(&self.target)?;
                // Flexible: a part row holds its fields only when they were placed.
                self.writer.insert(csv::WriterBuilder::new().flexible(true).from_writer(BufWriter::new(file)))
            }
        };
        writer.write_record(&record).map_err(|e| quarantine_error(&self.target, e))
    }

    /// The task's part, its file flushed and closed.
    pub(crate) fn finish(self) -> Result<QuarantinePart> {
        let target = &self.target;
        let file = match self.writer {
            None => None,
            Some(writer) => {
                let file = writer
                    .into_inner()
                    .map_err(|e| quarantine_error(target, e))?
                    .into_inner()
                    .map_err(|e| TabxError::io(target, e.into_error()))?;
                Some(file.into_temp_path())
            }
        };
        Ok(QuarantinePart { file, header: self.header })
    }
}

fn quarantine_error(target: &Path, e: impl std::fmt::Display) -> TabxError {
    TabxError::io(target, std::io::Error::other(format!("writing quarantine: {e}")))
}

/// Concatenates `parts` (in task order) into `target`, atomically.
pub(crate) fn merge_parts(target: &Path, parts: Vec<QuarantinePart>) -> Result<()> {
    let header: Vec<String> = parts.iter().find_map(|p| p.header.clone()).unwrap_or_default();
    let out = tabx_core::OutputFile::create(target, QUARANTINE_PREFIX).map_err(|e| TabxError::io(target, e))?;
    let file = out.file().map_err(|e| TabxError::io(target, e))?;
    let mut writer = csv::Writer::from_writer(BufWriter::new(file));
    let io = |e: csv::Error| TabxError::io(target, std::io::Error::other(format!("writing quarantine: {e}")));
    let mut names: Vec<&str> = header.iter().map(String::as_str).collect();
    names.extend(META_COLUMNS);
    writer.write_record(&names).map_err(io)?;
    for part in parts {
        let same_header = part.header.as_ref() == Some(&header);
        let Some(path) = &part.file else { continue };
        let file = File::open(path).map_err(|e| TabxError::io(path, e))?;
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(file);
        let mut rec = csv::ByteRecord::new();
        while reader.read_byte_record(&mut rec).map_err(io)? {
            let (source, reasons, raw) = (&rec[0], &rec[1], &rec[2]);
            let placed = same_header && rec.len() == 3 + header.len();
            let mut row: Vec<&[u8]> = Vec::with_capacity(header.len() + 3);
            if placed {
                row.extend(rec.iter().skip(3));
                row.extend([source, reasons, b""]);
            } else {
                row.extend(std::iter::repeat_n(&b""[..], header.len()));
                row.extend([source, reasons, raw]);
            }
            writer.write_record(&row).map_err(io)?;
        }
    }
    let mut buffered = writer.into_inner().map_err(|e| TabxError::io(target, std::io::Error::other(e.to_string())))?;
    buffered.flush().map_err(|e| TabxError::io(target, e))?;
    drop(buffered.into_inner().map_err(|e| TabxError::io(target, e.into_error()))?);
    out.sync_all().map_err(|e| TabxError::io(target, e))?;
    out.persist().map_err(|e| TabxError::io(target, e))
}

/// Rows of a scan's batches that its consumer rejected, on their way to the
/// quarantine file (one writer per task, like the reader's own parts). The
/// batches must carry the row-origin columns ([`SourceOptions::row_source`]).
#[derive(Debug)]
pub struct RejectedRows {
    part: QuarantineWriter,
}

impl RejectedRows {
    /// A part for the quarantine file `target`; its temp file is created at
    /// the first row written and closed by [`append_to_quarantine`].
    pub fn create(target: &Path) -> Result<Self> {
        Ok(RejectedRows { part: QuarantineWriter::new(target) })
    }

    /// Row `row` of `batch`, with why it was rejected: its cells as Arrow
    /// prints them (nulls empty) under the batch's column names.
    pub fn write(&mut self, batch: &RecordBatch, row: usize, reasons: &str) -> Result<()> {
        let origin = [SourceOptions::FILE_COLUMN, SourceOptions::LINE_COLUMN];
        let schema = batch.schema();
        let data: Vec<usize> =
            (0..batch.num_columns()).filter(|&i| !origin.contains(&schema.field(i).name().as_str())).collect();
        if self.part.header.is_none() {
            self.part.set_header(&data.iter().map(|&i| schema.field(i).name().clone()).collect::<Vec<_>>());
        }
        let source = crate::driver::row_origin(batch, row)
            .ok_or_else(|| TabxError::Internal("rejected rows need the row-origin columns".into()))?;
        let (cells, raw) = row_cells(batch, &data, row)?;
        self.part.write(&source, reasons, &raw, Some(cells.iter().map(|c| c.as_bytes()).collect()))
    }
}

/// Row `row` of `batch`'s `columns` as Arrow prints them (nulls empty), and
/// the same cells as one CSV line: the quarantine file shows them there when
/// its header is not these columns.
fn row_cells(batch: &RecordBatch, columns: &[usize], row: usize) -> Result<(Vec<String>, Vec<u8>)> {
    let options = FormatOptions::default().with_null("");
    let cells = columns
        .iter()
        .map(|&i| Ok(ArrayFormatter::try_new(batch.column(i).as_ref(), &options)?.value(row).to_string()))
        .collect::<Result<Vec<String>>>()?;
    let mut raw = csv::Writer::from_writer(Vec::new());
    raw.write_record(&cells).map_err(|e| TabxError::Internal(e.to_string()))?;
    let mut raw = raw.into_inner().map_err(|e| TabxError::Internal(e.to_string()))?;
    if raw.last() == Some(&b'\n') {
        raw.pop();
    }
    Ok((cells, raw))
}

/// Adds the rejected rows of `parts` (in task order) to the end of the
/// quarantine file `target` that a scan with `OnError::Quarantine` wrote, so
/// one file lists every row left out, whoever left it out. Rows already there
/// keep their place; the header is the file's, or the rejected rows' columns
/// when the reader put no columns there (Parquet input, no CSV header).
pub fn append_to_quarantine(target: &Path, parts: Vec<RejectedRows>) -> Result<()> {
    let parts = parts.into_iter().map(|p| p.part.finish()).collect::<Result<Vec<_>>>()?;
    if parts.iter().all(|p| p.header.is_none()) {
        return Ok(());
    }
    let io = |e: csv::Error| TabxError::io(target, std::io::Error::other(format!("reading quarantine: {e}")));
    // The rows already there, back in part form (source, reasons, raw, fields…).
    let mut existing = QuarantineWriter::new(target);
    if target.exists() {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(target).map_err(io)?;
        let header = reader.headers().map_err(io)?.clone();
        let columns = header.len().saturating_sub(META_COLUMNS.len());
        if columns > 0 {
            existing.set_header(&header.iter().take(columns).map(str::to_string).collect::<Vec<_>>());
        }
        for record in reader.byte_records() {
            let r = record.map_err(io)?;
            let meta = |i: usize| r.get(columns + i).unwrap_or_default();
            let placed = meta(2).is_empty() && columns > 0;
            let fields = placed.then(|| r.iter().take(columns).collect());
            existing.write(&String::from_utf8_lossy(meta(0)), &String::from_utf8_lossy(meta(1)), meta(2), fields)?;
        }
    }
    let mut all = vec![existing.finish()?];
    all.extend(parts);
    merge_parts(target, all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_concatenate_in_order_under_one_header() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("q.csv");
        let header = vec!["a".to_string(), "b".to_string()];
        let mut w1 = QuarantineWriter::new(&target);
        w1.set_header(&header);
        w1.write("f.csv:3", "column b: value does not parse as INT", b"1,x", Some(vec![b"1", b"x"])).unwrap();
        let mut w2 = QuarantineWriter::new(&target);
        w2.set_header(&header);
        w2.write("f.csv:9", "expected 2 fields, found 3", b"1,2,3", None).unwrap();
        let mut w3 = QuarantineWriter::new(&target);
        w3.set_header(&["z".to_string()]);
        w3.write("g.csv:2", "bad", b"q", Some(vec![b"q"])).unwrap();
        let parts = vec![w1.finish().unwrap(), w2.finish().unwrap(), w3.finish().unwrap()];
        merge_parts(&target, parts).unwrap();
        let text = std::fs::read_to_string(&target).unwrap();
        assert_eq!(
            text,
            "a,b,_tabx_source,_tabx_reasons,_tabx_raw\n\
             1,x,f.csv:3,column b: value does not parse as INT,\n\
             ,,f.csv:9,\"expected 2 fields, found 3\",\"1,2,3\"\n\
             ,,g.csv:2,bad,q\n"
        );
        // Only the target is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        // Rows a consumer rejected join the end; the rows there keep their place.
        let batch = rejected_batch(&[("a", vec![Some("7")]), ("b", vec![None])]);
        let mut rejected = RejectedRows::create(&target).unwrap();
        rejected.write(&batch, 0, "column `b`: not a number").unwrap();
        append_to_quarantine(&target, vec![rejected]).unwrap();
        let text = std::fs::read_to_string(&target).unwrap();
        assert_eq!(
            text.lines().skip(1).collect::<Vec<_>>(),
            [
                "1,x,f.csv:3,column b: value does not parse as INT,",
                ",,f.csv:9,\"expected 2 fields, found 3\",\"1,2,3\"",
                ",,g.csv:2,bad,q",
                "7,,in.csv:5,column `b`: not a number,",
            ]
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// Rejected rows with no quarantine file columns to join (Parquet input):
    /// the rows' own columns become the header.
    #[test]
    fn rejected_rows_name_their_columns() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("q.csv");
        merge_parts(&target, Vec::new()).unwrap();
        let batch = rejected_batch(&[("x", vec![Some("abc")]), ("y", vec![Some("1")])]);
        let mut rejected = RejectedRows::create(&target).unwrap();
        rejected.write(&batch, 0, "column `x`: not a number").unwrap();
        append_to_quarantine(&target, vec![rejected]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "x,y,_tabx_source,_tabx_reasons,_tabx_raw\nabc,1,in.csv:5,column `x`: not a number,\n"
        );
    }

    /// A one-row batch of text columns with the row-origin columns (in.csv, line 5).
    fn rejected_batch(columns: &[(&str, Vec<Option<&str>>)]) -> RecordBatch {
        use arrow::array::{ArrayRef, StringArray, UInt64Array};
        use std::sync::Arc;
        let mut named: Vec<(String, ArrayRef)> =
            columns.iter().map(|(n, v)| (n.to_string(), Arc::new(StringArray::from(v.clone())) as ArrayRef)).collect();
        // As the engine writes it: a dictionary of the file's name.
        let file = arrow::array::DictionaryArray::<arrow::datatypes::Int32Type>::from_iter(["in.csv"]);
        named.push((SourceOptions::FILE_COLUMN.into(), Arc::new(file)));
        named.push((SourceOptions::LINE_COLUMN.into(), Arc::new(UInt64Array::from(vec![5]))));
        RecordBatch::try_from_iter(named).unwrap()
    }
}
