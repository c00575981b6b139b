//! [`ParquetPart`]: the row groups one scan task reads whole from a local
//! Parquet file, for a consumer that keeps every row of a task and can then
//! copy the file's encoded column chunks instead of decoding and encoding
//! them again (`tabx validate --rows` of clean Parquet: the good rows are
//! the input's row groups, byte for byte).
//!
//! The consumer cannot know that a task keeps every row until the task ends,
//! and holding a row group's rows decoded until then would cost the memory
//! the scan bounds. So it counts the rows it kept, checks that they are the
//! task's rows in order ([`ParquetPart::continues`]: no row sampled out or
//! rejected by the reader), and, when a row turns out not to be kept, reads
//! the kept prefix again ([`ParquetPart::read_first`]) to encode it: the
//! common clean task is read once and copied; a task with a bad row costs a
//! second decode of its rows before that row.

use std::ops::Range;
use std::path::{Path, PathBuf};

use arrow::array::{Array, RecordBatch, UInt64Array};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use parquet::file::metadata::ParquetMetaData;
use tabx_core::{Result, TabxError};

/// The whole row groups of a local Parquet file one task reads, unprojected
/// and untyped (see the module docs). From [`crate::ScanPlan::parquet_part`].
#[derive(Debug, Clone)]
pub struct ParquetPart {
    path: PathBuf,
    meta: ArrowReaderMetadata,
    row_groups: Vec<usize>,
    /// The task's rows as 1-based file rows ([`crate::SourceOptions::LINE_COLUMN`]), one range per row group.
    lines: Vec<Range<u64>>,
}

impl ParquetPart {
    pub(crate) fn new(path: &Path, meta: &ArrowReaderMetadata, row_groups: &[usize]) -> Self {
        let rgs = meta.metadata().row_groups();
        let lines = row_groups
            .iter()
            .map(|&rg| {
                let first: u64 = rgs[..rg].iter().map(|g| g.num_rows() as u64).sum();
                first + 1..first + 1 + rgs[rg].num_rows() as u64
            })
            .collect();
        ParquetPart { path: path.to_path_buf(), meta: meta.clone(), row_groups: row_groups.to_vec(), lines }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's footer.
    pub fn metadata(&self) -> &ParquetMetaData {
        self.meta.metadata()
    }

    /// The task's row groups, in the order it reads them.
    pub fn row_groups(&self) -> &[usize] {
        &self.row_groups
    }

    /// Rows in the task's row groups.
    pub fn rows(&self) -> u64 {
        self.lines.iter().map(|r| r.end - r.start).sum()
    }

    /// Whether `lines` (a batch's [`crate::SourceOptions::LINE_COLUMN`]) are
    /// the task's rows `kept`, `kept + 1`, … in order: true while the task has
    /// emitted each of its rows so far, none left out.
    pub fn continues(&self, kept: u64, lines: &UInt64Array) -> bool {
        let n = lines.len() as u64;
        if n == 0 {
            return true;
        }
        // Row `kept` of the task: find its row group's range.
        let mut skip = kept;
        for range in &self.lines {
            let len = range.end - range.start;
            if skip < len {
                // A batch never spans row groups (the reader decodes one at a
                // time), and lines within a batch ascend: first and last decide.
                let first = range.start + skip;
                return skip + n <= len
                    && lines.null_count() == 0
                    && lines.value(0) == first
                    && lines.value(lines.len() - 1) == first + n - 1;
            }
            skip -= len;
        }
        false
    }

    /// Reads the task's first `rows` rows again, as the scan emitted them
    /// (without the row-source columns), in batches of `batch_size`.
    pub fn read_first(
        &self,
        rows: u64,
        batch_size: usize,
        emit: &mut dyn FnMut(&RecordBatch) -> Result<()>,
    ) -> Result<()> {
        if rows == 0 {
            return Ok(());
        }
        let error = |e: &dyn std::fmt::Display| TabxError::Parquet {
            path: self.path.display().to_string(),
            message: format!("reading the file again: {e}"),
        };
        let file = std::fs::File::open(&self.path).map_err(|e| TabxError::io(&self.path, e))?;
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone())
            .with_row_groups(self.row_groups.clone())
            .with_limit(usize::try_from(rows).unwrap_or(usize::MAX))
            .with_batch_size(batch_size)
            .build()
            .map_err(|e| error(&e))?;
        let mut read = 0;
        for batch in reader {
            let batch = batch.map_err(|e| error(&e))?;
            read += batch.num_rows() as u64;
            emit(&batch)?;
        }
        if read != rows {
            return Err(error(&format!("{read} rows where {rows} were read before (was the file changed?)")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow::array::{AsArray, Int64Array};
    use arrow::datatypes::Int64Type;
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::ArrowReaderOptions;
    use parquet::file::properties::WriterProperties;

    /// A file of 3 row groups of 4, 3 and 5 rows holding 0..12.
    fn file(dir: &Path) -> (PathBuf, ArrowReaderMetadata) {
        let path = dir.join("p.parquet");
        let batch = |r: Range<i64>| {
            RecordBatch::try_from_iter([("x", Arc::new(Int64Array::from_iter_values(r)) as _)]).unwrap()
        };
        let props = WriterProperties::builder().set_max_row_group_row_count(Some(100)).build();
        let mut w =
            ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), batch(0..1).schema(), Some(props)).unwrap();
        for r in [0..4, 4..7, 7..12] {
            w.write(&batch(r)).unwrap();
            w.flush().unwrap();
        }
        w.close().unwrap();
        let meta = ArrowReaderMetadata::load(&std::fs::File::open(&path).unwrap(), ArrowReaderOptions::new()).unwrap();
        (path, meta)
    }

    #[test]
    fn rows_follow_the_task_row_groups() {
        let dir = tempfile::tempdir().unwrap();
        let (path, meta) = file(dir.path());
        // Row groups 0 and 2: file rows 1-4 then 8-12.
        let part = ParquetPart::new(&path, &meta, &[0, 2]);
        assert_eq!(part.rows(), 9);
        let lines = |r: Range<u64>| UInt64Array::from_iter_values(r);
        assert!(part.continues(0, &lines(1..5)));
        assert!(part.continues(2, &lines(3..5)));
        assert!(part.continues(4, &lines(8..13)));
        assert!(part.continues(5, &lines(9..11)));
        // A row left out (sampled or rejected), rows of a skipped row group,
        // past the end, a batch across row groups.
        assert!(!part.continues(0, &UInt64Array::from(vec![1, 3, 4])));
        assert!(!part.continues(4, &lines(5..8)));
        assert!(!part.continues(9, &lines(13..14)));
        assert!(!part.continues(3, &lines(4..9)));
    }

    #[test]
    fn reads_the_first_rows_again() {
        let dir = tempfile::tempdir().unwrap();
        let (path, meta) = file(dir.path());
        let part = ParquetPart::new(&path, &meta, &[1, 2]);
        let mut got = Vec::new();
        part.read_first(5, 2, &mut |b| {
            got.extend(b.column(0).as_primitive::<Int64Type>().values().iter().copied());
            Ok(())
        })
        .unwrap();
        assert_eq!(got, vec![4, 5, 6, 7, 8]);
        let err = part.read_first(9, 2, &mut |_| Ok(())).unwrap_err().to_string();
        assert!(err.contains("8 rows where 9") && err.contains("p.parquet"), "{err}");
    }
}
