//! Copying CSV records from where they are in a local input file
//! ([`InPlaceRecords`]): the good rows of `validate --rows` when the scan
//! gave their places ([`tabx_engine::SourceOptions::RAW_SPAN_COLUMN`]: a
//! local uncompressed file) rather than their bytes.
//!
//! The scan then neither copies the records nor holds them until its task is
//! written: that copy, into memory faulted in afresh for every task, was ~10%
//! of `validate --rows` on CSV. Here the records are read back in windows of
//! [`WINDOW`] bytes (the page cache has them: they were just read), and
//! records one `\n` apart in the file (the common case: every row of a
//! range good) go out as one slice, line breaks included, bigger than the
//! writer's buffer and so written without another copy.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use tabx_core::{Result, TabxError};

/// Bytes read at a time: twice the writer's buffer
/// ([`crate::sink::IO_BUFFER`]), so that a window's run of records is
/// written straight from it.
const WINDOW: usize = 2 * crate::sink::IO_BUFFER;

/// A local file whose records are copied by their offsets.
pub(crate) struct InPlaceRecords {
    path: PathBuf,
    file: File,
    /// The file's modification time when the scan was planned (where the
    /// platform has one): a file modified since may no longer hold the
    /// records the scan checked at those offsets.
    modified: Option<SystemTime>,
    /// Bytes `[at, at + window.len())` of the file.
    window: Vec<u8>,
    at: u64,
}

impl InPlaceRecords {
    /// Opens `path`, whose modification time was `modified` when the scan was planned.
    pub(crate) fn open(path: &Path, modified: Option<SystemTime>) -> Result<Self> {
        let file = File::open(path).map_err(|e| TabxError::io(path, e))?;
        Ok(InPlaceRecords { path: path.to_path_buf(), file, modified, window: Vec::new(), at: 0 })
    }

    /// `path`'s modification time now, where the platform has one.
    pub(crate) fn modified(path: &Path) -> Option<SystemTime> {
        std::fs::metadata(path).and_then(|m| m.modified()).ok()
    }

    /// The file this reads.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes each record (its first byte's offset `starts[i]`, `lens[i]`
    /// bytes) and a line break to `out`, in order: what writing the records'
    /// bytes one by one would write.
    pub(crate) fn write_each(&mut self, starts: &[u64], lens: &[u32], out: &mut impl Write) -> Result<()> {
        self.check_unchanged()?;
        let end_of = |i: usize| starts[i] + u64::from(lens[i]);
        let mut i = 0;
        while i < starts.len() {
            let start = starts[i];
            self.load(start, end_of(i))?;
            let window_end = self.at + self.window.len() as u64;
            // A run: each next record starts right after the `\n` that ends
            // the one before (not a `\r\n`, a blank line or a skipped row).
            let mut end = end_of(i);
            let mut j = i + 1;
            while j < starts.len() && starts[j] == end + 1 && end_of(j) <= window_end && self.byte(end) == b'\n' {
                end = end_of(j);
                j += 1;
            }
            let written = if end < window_end && self.byte(end) == b'\n' {
                out.write_all(self.slice(start, end + 1))
            } else {
                out.write_all(self.slice(start, end)).and_then(|()| out.write_all(b"\n"))
            };
            written.map_err(|e| TabxError::Internal(format!("writing records of {}: {e}", self.path.display())))?;
            i = j;
        }
        Ok(())
    }

    /// Reads the file from `start` into the window unless it holds `[start, end)` already.
    fn load(&mut self, start: u64, end: u64) -> Result<()> {
        if start >= self.at && end <= self.at + self.window.len() as u64 {
            return Ok(());
        }
        let want = WINDOW.max((end - start) as usize + 1);
        self.window.resize(want, 0);
        self.file.seek(SeekFrom::Start(start)).map_err(|e| TabxError::io(&self.path, e))?;
        let mut got = 0;
        while got < want {
            match self.file.read(&mut self.window[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(TabxError::io(&self.path, e)),
            }
        }
        self.window.truncate(got);
        self.at = start;
        if (got as u64) < end - start {
            return Err(changed(&self.path, &format!("the record at byte {start} now ends past the file's end")));
        }
        Ok(())
    }

    /// Fails when the file was modified since the scan was planned (its
    /// records may have moved): once per call of [`Self::write_each`], a
    /// batch. Times are compared for equality, so no clock is trusted.
    fn check_unchanged(&self) -> Result<()> {
        let Some(planned) = self.modified else { return Ok(()) };
        let now = self.file.metadata().and_then(|m| m.modified()).map_err(|e| TabxError::io(&self.path, e))?;
        if now != planned {
            return Err(changed(&self.path, "it was modified after the scan began"));
        }
        Ok(())
    }

    fn byte(&self, offset: u64) -> u8 {
        self.window[(offset - self.at) as usize]
    }

    fn slice(&self, from: u64, to: u64) -> &[u8] {
        &self.window[(from - self.at) as usize..(to - self.at) as usize]
    }
}

/// The error for an input that changed while `validate --rows` read it.
fn changed(path: &Path, why: &str) -> TabxError {
    TabxError::invalid_input(path.display().to_string(), format!("the file changed while it was read: {why}"))
        .with_hint("validate a file that no one writes to meanwhile (a copy or a finished file)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(text: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    /// Offsets and lengths of `records`, found in `text` (each once, in order).
    fn spans(text: &[u8], records: &[&str]) -> (Vec<u64>, Vec<u32>) {
        let mut from = 0;
        let mut spans = (Vec::new(), Vec::new());
        for r in records {
            let at = from + text[from..].windows(r.len()).position(|w| w == r.as_bytes()).unwrap();
            spans.0.push(at as u64);
            spans.1.push(r.len() as u32);
            from = at + r.len();
        }
        spans
    }

    #[test]
    fn records_are_written_as_they_are_each_with_one_line_break() {
        // Runs broken by a skipped record, a blank line, `\r\n` and `\r`
        // endings and a last record without a line break; a quoted line
        // break stays inside its record.
        let text = b"h\n1,a\n2,\"b\nc\"\n3,skipped\n4,d\n\n5,e\r\n6,f\r7,g\n8,h";
        let records = ["1,a", "2,\"b\nc\"", "4,d", "5,e", "6,f", "7,g", "8,h"];
        let (_dir, path) = file_with(text);
        let (starts, lens) = spans(text, &records);
        let mut out = Vec::new();
        InPlaceRecords::open(&path, None).unwrap().write_each(&starts, &lens, &mut out).unwrap();
        let expected: String = records.iter().map(|r| format!("{r}\n")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn runs_longer_than_a_window_and_records_longer_than_one() {
        // 3 windows of short records, then one record of 2.5 windows.
        let short: Vec<String> = (0..3 * WINDOW / 8).map(|i| format!("{i:07}")).collect();
        let long = "x".repeat(WINDOW * 5 / 2);
        let mut text = String::from("h\n");
        for r in short.iter().chain([&long]) {
            text.push_str(r);
            text.push('\n');
        }
        let records: Vec<&str> = short.iter().map(String::as_str).chain([long.as_str()]).collect();
        let (_dir, path) = file_with(text.as_bytes());
        let (starts, lens) = spans(text.as_bytes(), &records);
        let mut out = Vec::new();
        InPlaceRecords::open(&path, None).unwrap().write_each(&starts, &lens, &mut out).unwrap();
        assert_eq!(out, &text.as_bytes()[2..]);
    }

    #[test]
    fn a_file_changed_meanwhile_is_an_error_naming_it() {
        let text = b"h\n1,a\n2,b\n";
        let (_dir, path) = file_with(text);
        let (starts, lens) = spans(text, &["1,a", "2,b"]);
        let copy = |modified: Option<SystemTime>| {
            let mut reader = InPlaceRecords::open(&path, modified)?;
            reader.write_each(&starts, &lens, &mut Vec::new())
        };
        let planned = InPlaceRecords::modified(&path);
        assert!(planned.is_some() && copy(planned).is_ok(), "not modified since");
        // Rewritten since (the same length: the records may have moved).
        let earlier = planned.map(|t| t - std::time::Duration::from_secs(1));
        let message = copy(earlier).unwrap_err().to_string();
        assert!(message.contains("in.csv") && message.contains("modified after the scan began"), "{message}");
        // Cut short, where no time was known.
        std::fs::write(&path, b"h\n1,a\n").unwrap();
        let message = copy(None).unwrap_err().to_string();
        assert!(message.contains("in.csv") && message.contains("ends past the file's end"), "{message}");
    }
}
