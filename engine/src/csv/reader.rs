//! Splitting a byte stream into CSV records with csv-core (plain lines by
//! [`split_plain_line`], which gives the same records faster), keeping what error
//! messages and sampling need: each record's start byte offset and line number,
//! its raw bytes, and whether it ran into the end of the input inside a quoted
//! field (an unclosed quote, which csv-core and arrow-csv silently accept by
//! reading the rest of the file into one field).

use std::io::Read;

use tabx_core::{Result, TabxError};

use super::lines::split_plain_line;
use super::split::{Cut, LineBase};

/// A record longer than this is refused: it is almost surely an unclosed quote
/// swallowing the file, and holding it would break the memory bound.
pub(crate) const MAX_RECORD_BYTES: usize = 256 << 20;
/// The most fields a record may have (their end offsets are held per record).
pub(crate) const MAX_FIELDS: usize = 1 << 20;

const READ_CHUNK: usize = 256 << 10;

/// One record, borrowed from the reader until the next call.
#[derive(Debug)]
pub(crate) struct Record<'a> {
    /// Field bytes back to back; field `i` is `data[ends[i-1]..ends[i]]`
    /// (from 0 for the first) as csv-core writes them, or, when
    /// `separated`, one delimiter apart (`data[ends[i-1] + 1..ends[i]]`: a
    /// plain line, borrowed as it is).
    pub data: &'a [u8],
    pub ends: &'a [usize],
    pub separated: bool,
    /// The record as it appears in the input (without the line break before it).
    pub raw: &'a [u8],
    /// Byte offset of the record's first byte in the file.
    pub start: u64,
    /// 1-based line number of the record's first byte.
    pub line: u64,
    /// The record reached the end of the input inside a quoted field.
    pub unclosed_quote: bool,
}

impl Record<'_> {
    pub(crate) fn field(&self, i: usize) -> &[u8] {
        let from = if i == 0 { 0 } else { self.ends[i - 1] + usize::from(self.separated) };
        &self.data[from..self.ends[i]]
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }
}

/// Reads records from `R`, which starts at byte `offset` / line `line` of a file
/// and at a record boundary.
pub(crate) struct RecordReader<R> {
    src: R,
    core: csv_core::Reader,
    delimiter: u8,
    quote: u8,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
    /// Offset and line of `buf[pos]` in the file.
    offset: u64,
    line: u64,
    data: Vec<u8>,
    ends: Vec<usize>,
    raw: Vec<u8>,
    name: String,
    /// Turns `line` into the file's line in errors (ranges cut without counting lines).
    line_base: LineBase,
    /// csv-core has read input: it strips a UTF-8 byte-order mark from the
    /// first input it reads, so it reads the first record itself.
    core_has_read: bool,
}

impl<R: Read> RecordReader<R> {
    pub(crate) fn new(src: R, name: &str, delimiter: u8, quote: u8, offset: u64, line: u64) -> Self {
        RecordReader {
            src,
            core: Self::core(delimiter, quote),
            delimiter,
            quote,
            buf: vec![0; READ_CHUNK],
            pos: 0,
            len: 0,
            eof: false,
            offset,
            line,
            data: vec![0; 4096],
            ends: vec![0; 64],
            raw: Vec::with_capacity(4096),
            name: name.to_string(),
            line_base: LineBase::default(),
            core_has_read: false,
        }
    }

    /// Lines count from the range's start, and `base` names the file's lines in errors.
    pub(crate) fn with_line_base(mut self, base: LineBase) -> Self {
        self.line_base = base;
        self
    }

    fn core(delimiter: u8, quote: u8) -> csv_core::Reader {
        csv_core::ReaderBuilder::new().delimiter(delimiter).quote(quote).build()
    }

    /// Bytes consumed so far, as an offset in the file.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// Line number at [`Self::offset`].
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// Takes the reader apart at a record boundary: the bytes read but not
    /// consumed, the source (at its end when `eof`) and where those bytes start.
    pub(crate) fn into_rest(self) -> (Vec<u8>, R, bool, Cut) {
        (self.buf[self.pos..self.len].to_vec(), self.src, self.eof, (self.offset, self.line))
    }

    fn refill(&mut self) -> Result<()> {
        loop {
            match self.src.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    self.len = n;
                    break;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_error(&self.name, e)),
            }
        }
        self.pos = 0;
        if self.eof {
            self.len = 0;
        }
        Ok(())
    }

    /// The next record, or `None` at the end of the input.
    pub(crate) fn next_record(&mut self) -> Result<Option<Record<'_>>> {
        // The record's bytes stay in `buf` (`buf[from..pos]`) unless a refill
        // comes mid-record: only then are they gathered in `raw` (a copy of
        // every record was ~1% of a statistics pass).
        self.raw.clear();
        if self.core_has_read {
            // Blank lines and the `\n` of a `\r\n` that ended the last
            // record come first: csv-core skips them at a record start too.
            let (start, line) = skip_breaks(&self.buf[self.pos..self.len], self.offset, self.line);
            let from = self.pos + (start - self.offset) as usize;
            let input = &self.buf[from..self.len];
            if let Some((len, line_break, nend)) = split_plain_line(input, self.delimiter, self.quote, &mut self.ends) {
                self.pos = from + len + line_break;
                self.offset = start + (len + line_break) as u64;
                self.line = line + 1;
                let raw = &self.buf[from..from + len];
                let ends = &self.ends[..nend];
                return Ok(Some(Record { data: raw, ends, separated: true, raw, start, line, unclosed_quote: false }));
            }
        }
        let mut from = self.pos;
        let (mut nout, mut nend) = (0usize, 0usize);
        let start_offset = self.offset;
        let start_line = self.line;
        let reached_eof = loop {
            if self.pos == self.len && !self.eof {
                self.raw.extend_from_slice(&self.buf[from..self.len]);
                self.refill()?;
                from = 0;
            }
            let input = &self.buf[self.pos..self.len];
            let at_eof = input.is_empty();
            self.core_has_read |= !at_eof;
            // csv-core counts the line breaks it reads (quoted ones too), so
            // lines need no second pass over the bytes (was 3-6% of a scan).
            let lines_before = self.core.line();
            let (res, nin, o, e) = self.core.read_record(input, &mut self.data[nout..], &mut self.ends[nend..]);
            self.line += self.core.line() - lines_before;
            self.offset += nin as u64;
            self.pos += nin;
            nout += o;
            nend += e;
            match res {
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::OutputFull | csv_core::ReadRecordResult::OutputEndsFull => {
                    let fields = res == csv_core::ReadRecordResult::OutputEndsFull;
                    let full = if fields { self.ends.len() >= MAX_FIELDS } else { self.data.len() >= MAX_RECORD_BYTES };
                    if full {
                        self.raw.extend_from_slice(&self.buf[from..self.pos]);
                        let (_, line) = skip_breaks(&self.raw, start_offset, start_line);
                        let what = if fields {
                            format!("record with more than {MAX_FIELDS} fields: wrong --delimiter?")
                        } else {
                            format!("record longer than {} MiB: unclosed quote starting here?", MAX_RECORD_BYTES >> 20)
                        };
                        return Err(TabxError::invalid_input(
                            format!("{}:{}", self.name, self.line_base.line(line)?),
                            what,
                        ));
                    }
                    if fields {
                        let n = self.ends.len() * 2;
                        self.ends.resize(n, 0);
                    } else {
                        let n = self.data.len() * 2;
                        self.data.resize(n, 0);
                    }
                }
                csv_core::ReadRecordResult::Record => break at_eof,
                csv_core::ReadRecordResult::End => return Ok(None),
            }
        };
        if !self.raw.is_empty() {
            self.raw.extend_from_slice(&self.buf[from..self.pos]);
        }
        let (start, line, lead, len, unclosed_quote) = {
            let bytes = if self.raw.is_empty() { &self.buf[from..self.pos] } else { &self.raw[..] };
            let (start, line) = skip_breaks(bytes, start_offset, start_line);
            let lead = (start - start_offset) as usize;
            let raw = trim_break(&bytes[lead..]);
            (start, line, lead, raw.len(), reached_eof && ends_inside_quotes(raw, self.delimiter, self.quote))
        };
        // An unclosed quote runs to the end of the input: its bytes go to
        // `raw`, where `restart_after_first_line` reads them. A refill
        // mid-record put them there already, unless the input had ended
        // before it started (a second unclosed quote after a restart).
        if unclosed_quote && self.raw.is_empty() {
            self.raw.extend_from_slice(&self.buf[from..self.pos]);
        }
        let bytes = if self.raw.is_empty() { &self.buf[from..self.pos] } else { &self.raw[..] };
        let raw = &bytes[lead..lead + len];
        let (data, ends) = (&self.data[..nout], &self.ends[..nend]);
        Ok(Some(Record { data, ends, separated: false, raw, start, line, unclosed_quote }))
    }

    /// After an unclosed quote at the end of the input: the record's first line
    /// is the bad row; re-read everything after it as fresh records, so one
    /// stray quote costs one row, not the rest of the file.
    pub(crate) fn restart_after_first_line(&mut self, start: u64, line: u64) {
        let lead = (start - (self.offset - self.raw.len() as u64)) as usize;
        let rest = &self.raw[lead..];
        let first = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let pending = rest[first..].to_vec();
        self.offset = start + first as u64;
        self.line = line + 1;
        self.len = pending.len();
        self.pos = 0;
        self.buf = pending;
        self.eof = true;
        self.core = Self::core(self.delimiter, self.quote);
        self.core_has_read = false;
    }
}

pub(crate) fn io_error(name: &str, e: std::io::Error) -> TabxError {
    // A store error travels inside io::Error; surface it unchanged.
    if e.get_ref().is_some_and(|inner| inner.is::<TabxError>()) {
        if let Ok(inner) = e.into_inner().expect("checked above").downcast::<TabxError>() {
            return *inner;
        }
        return TabxError::Internal("lost an I/O error".into());
    }
    TabxError::io(name, e)
}

/// Skips line breaks (blank lines, the `\n` of a `\r\n`) before a record.
fn skip_breaks(raw: &[u8], offset: u64, line: u64) -> (u64, u64) {
    let lead = raw.iter().take_while(|b| matches!(b, b'\n' | b'\r')).count();
    let newlines = raw[..lead].iter().filter(|&&b| b == b'\n').count();
    (offset + lead as u64, line + newlines as u64)
}

fn trim_break(raw: &[u8]) -> &[u8] {
    let mut end = raw.len();
    while end > 0 && matches!(raw[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    &raw[..end]
}

/// Whether `raw` (one record) ends inside a quoted field. A quote opens a field
/// only at the field's start (as csv-core reads it); inside, `""` is an escape.
pub(crate) fn ends_inside_quotes(raw: &[u8], delimiter: u8, quote: u8) -> bool {
    let mut quoted = false;
    let mut field_start = true;
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if quoted {
            if b == quote {
                if raw.get(i + 1) == Some(&quote) {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else if b == quote && field_start {
            quoted = true;
            field_start = false;
        } else {
            field_start = b == delimiter || b == b'\n' || b == b'\r';
        }
        i += 1;
    }
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<(Vec<String>, u64, u64, bool)> {
        let mut r = RecordReader::new(text.as_bytes(), "t.csv", b',', b'"', 0, 1);
        let mut out = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            let fields = (0..rec.len()).map(|i| String::from_utf8_lossy(rec.field(i)).into_owned()).collect();
            out.push((fields, rec.start, rec.line, rec.unclosed_quote));
        }
        out
    }

    #[test]
    fn offsets_and_lines() {
        let got = records("a,b\r\n1,\"x\ny\"\r\n\n3,4");
        assert_eq!(got[0], (vec!["a".into(), "b".into()], 0, 1, false));
        assert_eq!(got[1], (vec!["1".into(), "x\ny".into()], 5, 2, false));
        assert_eq!(got[2], (vec!["3".into(), "4".into()], 15, 5, false));
    }

    #[test]
    fn unclosed_quote_is_flagged_at_its_line() {
        let got = records("a,b\n1,\"abc\n2,y\n3,z\n");
        assert_eq!(got.len(), 2);
        assert_eq!((got[1].2, got[1].3), (2, true));
        // A closed quote at the very end is fine, with or without a newline.
        assert!(!records("a\n\"x\"\"y\"")[1].3);
    }

    #[test]
    fn restart_recovers_following_rows() {
        let text = "a,b\n1,\"abc\n2,y\n3,z";
        let mut r = RecordReader::new(text.as_bytes(), "t.csv", b',', b'"', 0, 1);
        r.next_record().unwrap();
        let (start, line) = {
            let rec = r.next_record().unwrap().unwrap();
            assert!(rec.unclosed_quote);
            (rec.start, rec.line)
        };
        r.restart_after_first_line(start, line);
        let rec = r.next_record().unwrap().unwrap();
        assert_eq!((rec.field(0), rec.start, rec.line), (&b"2"[..], 11, 3));
        let rec = r.next_record().unwrap().unwrap();
        assert_eq!((rec.field(1), rec.line), (&b"z"[..], 4));
        assert!(r.next_record().unwrap().is_none());
    }

    /// A second unclosed quote after a restart (the restarted input ends
    /// inside it too) is a bad row of its own, at its line: it used to index
    /// an empty buffer and panic (found by `whole_and_trickled_reads_agree`).
    #[test]
    fn an_unclosed_quote_after_a_restart_restarts_too() {
        let text = "h1,h2\n\"a\nbb\",\"\nc,d\n";
        let got: Vec<_> =
            read_restarting(&mut text.as_bytes()).into_iter().map(|r| (r.raw_text(), r.line, r.unclosed)).collect();
        let want = [("h1,h2", 1, false), ("\"a\nbb\",\"\nc,d", 2, true), ("bb\",\"\nc,d", 3, true), ("c,d", 4, false)];
        assert_eq!(got, want.map(|(raw, line, unclosed)| (raw.to_string(), line, unclosed)));
    }

    /// A record as [`read_restarting`] saw it.
    #[derive(Debug, PartialEq)]
    struct Seen {
        fields: Vec<Vec<u8>>,
        raw: Vec<u8>,
        start: u64,
        line: u64,
        unclosed: bool,
    }

    impl Seen {
        fn raw_text(&self) -> String {
            String::from_utf8_lossy(&self.raw).into_owned()
        }
    }

    /// Every record of `src`, restarting after each unclosed quote's first
    /// line as the CSV task does.
    fn read_restarting(src: &mut dyn Read) -> Vec<Seen> {
        let mut r = RecordReader::new(src, "t.csv", b',', b'"', 0, 1);
        let mut out = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            let fields = (0..rec.len()).map(|i| rec.field(i).to_vec()).collect();
            let (start, line, unclosed) = (rec.start, rec.line, rec.unclosed_quote);
            out.push(Seen { fields, raw: rec.raw.to_vec(), start, line, unclosed });
            if unclosed {
                r.restart_after_first_line(start, line);
            }
        }
        out
    }

    /// A source that returns at most `n` bytes per read, so records span refills.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// Each record's raw bytes, start and line, and the restart after an
    /// unclosed quote, are the same whether a record lies in one read or
    /// spans several (its bytes are then gathered from each).
    #[test]
    fn records_spanning_reads_are_whole() {
        let text = "a,b\r\n1,\"x\ny\"\r\n\n\n333,4444\n55,\"66\n7,8\n9,10";
        let read = |src: &mut dyn Read| {
            read_restarting(src).into_iter().map(|r| (r.raw_text(), r.start, r.line, r.unclosed)).collect::<Vec<_>>()
        };
        let whole = read(&mut text.as_bytes());
        assert_eq!(whole[1], ("1,\"x\ny\"".to_string(), 5, 2, false));
        assert_eq!(whole[2], ("333,4444".to_string(), 16, 6, false));
        assert_eq!(whole[3], ("55,\"66\n7,8\n9,10".to_string(), 25, 7, true));
        assert_eq!(whole[4], ("7,8".to_string(), 32, 8, false));
        assert_eq!(whole.len(), 6);
        for n in 1..8 {
            assert_eq!(read(&mut Trickle(text.as_bytes(), n)), whole, "{n} bytes a read");
        }
    }

    /// A whole input in one read and the same input a byte a time (every
    /// record across refills) give the same records: fields, raw bytes,
    /// starts, lines and unclosed quotes (with their restarts), on 2,000
    /// random texts of fields, quotes, `\r\n`, `\r`, blank lines and
    /// records past the output buffers' first size.
    #[test]
    fn whole_and_trickled_reads_agree() {
        let mut rng = tabx_core::SplitMix64::new(11);
        // Whole reads split plain lines with `split_plain_line` (the longer
        // pieces cross its 16-byte steps); a byte a time, csv-core reads all.
        let pieces: [&[u8]; 12] = [
            b"a",
            b"bb",
            b",",
            b",",
            b"\"",
            b"\n",
            b"\r\n",
            b"\r",
            b" ",
            b"x,y,z",
            b"0123456789abcdef,",
            b"\n0123456789,",
        ];
        for round in 0..2000 {
            let mut text = Vec::new();
            for _ in 0..rng.next_u64() % 60 {
                text.extend_from_slice(pieces[(rng.next_u64() % 12) as usize]);
            }
            if round % 100 == 0 {
                // 100 fields, then 5,000 bytes in one field: past `ends` and `data`.
                text.extend_from_slice(&[b','; 100]);
                text.extend_from_slice(&[b'q'; 5000]);
                text.push(b'\n');
            }
            let whole = read_restarting(&mut text.as_slice());
            assert_eq!(whole, read_restarting(&mut Trickle(&text, 1)), "{:?}", String::from_utf8_lossy(&text));
        }
    }

    #[test]
    fn quote_state() {
        assert!(ends_inside_quotes(b"1,\"ab", b',', b'"'));
        assert!(!ends_inside_quotes(b"1,\"a\"\"b\"", b',', b'"'));
        assert!(!ends_inside_quotes(b"1,5'11\"", b',', b'"'));
        assert!(ends_inside_quotes(b"\"a\"\"", b',', b'"'));
    }
}
