//! The quarantine file: bad rows with where they came from and why.
//!
//! Each task writes its own part (a temp file next to the target, so the final
//! rename stays on one filesystem); at the end the parts are concatenated in
//! task order under one header and renamed into place. So the file is the same
//! however the tasks were scheduled, and is either whole or absent.
//!
//! Columns: the CSV header of the first part, then `_tabx_source` (`file:line`),
//! `_tabx_reasons` and `_tabx_raw`. A row whose field count matches its file's
//! header (and that header is the file's, e.g. a value that did not parse) has
//! its fields in the columns and an empty `_tabx_raw`; otherwise (ragged, an
//! unclosed quote, another file's header) the columns stay empty and the line's
//! text is in `_tabx_raw`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use tabx_core::{Result, TabxError};

const META_COLUMNS: [&str; 3] = ["_tabx_source", "_tabx_reasons", "_tabx_raw"];

/// One task's bad rows, as written so far.
#[derive(Debug)]
pub(crate) struct QuarantinePart {
    file: tempfile::NamedTempFile,
    header: Option<Vec<String>>,
}

/// Writes one task's part.
pub(crate) struct QuarantineWriter {
    writer: csv::Writer<BufWriter<tempfile::NamedTempFile>>,
    header: Option<Vec<String>>,
    target: String,
}

impl std::fmt::Debug for QuarantineWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuarantineWriter").field("target", &self.target).finish_non_exhaustive()
    }
}

fn dir_of(target: &Path) -> &Path {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn temp_in(target: &Path) -> Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(".tabx-quarantine-")
        .tempfile_in(dir_of(target))
        .map_err(|e| TabxError::io(target, e))
}

impl QuarantineWriter {
    pub(crate) fn create(target: &Path) -> Result<Self> {
        let file = temp_in(target)?;
        // Flexible: a part row holds its fields only when they were placed.
        let writer = csv::WriterBuilder::new().flexible(true).from_writer(BufWriter::new(file));
        Ok(QuarantineWriter { writer, header: None, target: target.display().to_string() })
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
        self.writer.write_record(&record).map_err(|e| self.error(e))
    }

    fn error(&self, e: impl std::fmt::Display) -> TabxError {
        TabxError::io(&self.target, std::io::Error::other(format!("writing quarantine: {e}")))
    }

    pub(crate) fn finish(self) -> Result<QuarantinePart> {
        let target = self.target.clone();
        let file = self
            .writer
            .into_inner()
            .map_err(|e| TabxError::io(&target, std::io::Error::other(e.to_string())))?
            .into_inner()
            .map_err(|e| TabxError::io(&target, e.into_error()))?;
        Ok(QuarantinePart { file, header: self.header })
    }
}

/// Concatenates `parts` (in task order) into `target`, atomically.
pub(crate) fn merge_parts(target: &Path, parts: Vec<QuarantinePart>) -> Result<()> {
    let header: Vec<String> = parts.iter().find_map(|p| p.header.clone()).unwrap_or_default();
    let out = temp_in(target)?;
    let mut writer = csv::Writer::from_writer(BufWriter::new(out));
    let io = |e: csv::Error| TabxError::io(target, std::io::Error::other(format!("writing quarantine: {e}")));
    let mut names: Vec<&str> = header.iter().map(String::as_str).collect();
    names.extend(META_COLUMNS);
    writer.write_record(&names).map_err(io)?;
    for part in parts {
        let same_header = part.header.as_ref() == Some(&header);
        let file = File::open(part.file.path()).map_err(|e| TabxError::io(part.file.path(), e))?;
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
    let out = buffered.into_inner().map_err(|e| TabxError::io(target, e.into_error()))?;
    out.as_file().sync_all().map_err(|e| TabxError::io(target, e))?;
    out.persist(target).map_err(|e| TabxError::io(target, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_concatenate_in_order_under_one_header() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("q.csv");
        let header = vec!["a".to_string(), "b".to_string()];
        let mut w1 = QuarantineWriter::create(&target).unwrap();
        w1.set_header(&header);
        w1.write("f.csv:3", "column b: value does not parse as INT", b"1,x", Some(vec![b"1", b"x"])).unwrap();
        let mut w2 = QuarantineWriter::create(&target).unwrap();
        w2.set_header(&header);
        w2.write("f.csv:9", "expected 2 fields, found 3", b"1,2,3", None).unwrap();
        let mut w3 = QuarantineWriter::create(&target).unwrap();
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
    }
}
