//! Where a local CSV file can be cut into byte ranges that parse on their own.
//!
//! A cut must sit at a record start: after a line break that is not inside a
//! quoted field. One pass (memchr over quotes and line breaks) follows the quote
//! state from the end of the header and counts lines, so every range also knows
//! its first line number for error messages. Quote rules follow csv-core: a
//! quote opens a quoted field only at the start of a field, and `""` inside a
//! quoted field is an escaped quote. After an unclosed quote no cut is found,
//! so the range holding it runs to the end of the file, where the reader
//! reports it.
//!
//! When the user says values hold no line breaks, [`line_starts`] cuts by
//! seeking to each target and reading to the next line break: planning reads
//! a few bytes per cut instead of the file up to its last cut. Ranges cut that
//! way count lines from their own start; [`LineBase`] turns those into the
//! file's lines when an error names one (counting the breaks before the range
//! once, on that error path only).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use tabx_core::{Result, TabxError};

/// A place to cut: byte offset of a record start and its 1-based line.
pub(crate) type Cut = (u64, u64);

/// For each target offset (sorted ascending), the first record start at or
/// after it and at or after `data_start` (the first byte after the header).
///
/// The pass is serial by nature (whether a line break ends a record depends
/// on every quote before it), and it runs before any task starts: on the
/// 1M-row taxi CSV it was ~20 ms of a 0.17 s transform fit. With more than
/// one thread and at least [`PARALLEL_SCAN_BYTES`] a piece, the bytes are
/// cut into pieces scanned at once, each but the first from a guessed
/// state: outside quotes (most cuts of most files are). Pieces are then
/// joined in order; a piece whose guess the scan before it contradicts (it
/// ended inside quotes, or on a closing quote that the piece's first byte
/// could reopen) is scanned again from the true state, so the cuts are the
/// serial pass's.
pub(crate) fn record_starts(
    path: &Path,
    (delimiter, quote): (u8, u8),
    data_start: Cut,
    targets: &[u64],
    threads: usize,
) -> Result<Vec<Cut>> {
    let mut out = Vec::with_capacity(targets.len());
    let inner = targets.partition_point(|&t| t <= data_start.0);
    out.extend(std::iter::repeat_n(data_start, inner));
    let targets = &targets[inner..];
    let Some(&last) = targets.last() else { return Ok(out) };
    let size = std::fs::metadata(path).map_err(|e| TabxError::io(path, e))?.len();
    let span = last.min(size).saturating_sub(data_start.0);
    let pieces = (threads as u64).min(span / PARALLEL_SCAN_BYTES).max(1) as usize;
    let bounds: Vec<u64> = (0..=pieces).map(|i| data_start.0 + span * i as u64 / pieces as u64).collect();
    // Piece i holds the targets below its end and scans to its end; the
    // last piece holds the rest and scans until they all have their cuts.
    let piece_targets = |i: usize| {
        let from = if i == 0 { 0 } else { targets.partition_point(|&t| t < bounds[i]) };
        let to = if i + 1 == pieces { targets.len() } else { targets.partition_point(|&t| t < bounds[i + 1]) };
        &targets[from..to]
    };
    let end = |i: usize| (i + 1 < pieces).then(|| bounds[i + 1]);
    let first = QuoteState::new(delimiter, quote, data_start);
    let scans: Vec<Result<Scan>> = std::thread::scope(|scope| {
        let guessed: Vec<_> = (1..pieces)
            .map(|i| {
                let (from, targets) = (bounds[i], piece_targets(i));
                scope.spawn(move || {
                    let state = QuoteState::guessed(delimiter, quote, from, byte_before(path, from)?);
                    scan(path, state, end(i), targets)
                })
            })
            .collect();
        let mut scans = vec![scan(path, first, end(0), piece_targets(0))];
        scans.extend(guessed.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(panicked()))));
        scans
    });
    // Targets whose record start lies past the pieces scanned so far.
    let mut waiting = 0;
    let mut state: Option<QuoteState> = None;
    for (i, piece) in scans.into_iter().enumerate() {
        let mut piece = piece?;
        let lines = match &state {
            None => 0,
            Some(truth) if truth.continues_into(&piece.state_at_start) => truth.next.1,
            Some(truth) => {
                piece = scan(path, truth.clone(), end(i), piece_targets(i))?;
                0
            }
        };
        let shift = |cut: Cut| (cut.0, cut.1 + lines);
        if let Some(first) = piece.first_start {
            out.extend(std::iter::repeat_n(shift(first), waiting));
            waiting = 0;
        }
        out.extend(piece.found.iter().map(|&c| shift(c)));
        waiting += piece_targets(i).len() - piece.found.len();
        let mut end_state = piece.state;
        end_state.next.1 += lines;
        state = Some(end_state);
    }
    let end = state.expect("at least one piece").position();
    out.extend(std::iter::repeat_n(end, waiting));
    Ok(out)
}

/// The least bytes a piece of [`record_starts`]' pass is worth a thread
/// (a few in tests, to exercise the join).
const PARALLEL_SCAN_BYTES: u64 = if cfg!(test) { 16 } else { 4 << 20 };

/// What [`scan`] found in a piece.
struct Scan {
    /// The state the piece was scanned from.
    state_at_start: QuoteState,
    /// Its first record start.
    first_start: Option<Cut>,
    /// The cuts of its first targets: those whose record start it holds.
    found: Vec<Cut>,
    /// The state after its last byte.
    state: QuoteState,
}

/// Feeds the bytes of `path` from `state`'s position to `end` (`None`:
/// until every target has its cut, or to the end of the file), noting the
/// first record start and the first one at or after each target.
fn scan(path: &Path, state: QuoteState, end: Option<u64>, targets: &[u64]) -> Result<Scan> {
    let from = state.position().0;
    let mut file = File::open(path).map_err(|e| TabxError::io(path, e))?;
    file.seek(SeekFrom::Start(from)).map_err(|e| TabxError::io(path, e))?;
    let mut bytes = file.take(end.map_or(u64::MAX, |e| e - from));
    let (mut first_start, mut found) = (None, Vec::new());
    let mut at_start = |cut: Cut| {
        first_start.get_or_insert(cut);
        while found.len() < targets.len() && targets[found.len()] <= cut.0 {
            found.push(cut);
        }
        end.is_some() || found.len() < targets.len()
    };
    // The piece's first byte starts a record after a line break outside
    // quotes (the piece before saw that break, but this piece's targets
    // and the ones waiting may be cut there).
    let state_at_start = state.clone();
    let mut state = state;
    let mut going = !state.starts_record() || at_start(state.position());
    let mut buf = vec![0u8; 1 << 20];
    while going {
        let n = read_full(&mut bytes, &mut buf).map_err(|e| TabxError::io(path, e))?;
        going = n > 0 && state.feed(&buf[..n], &mut at_start);
    }
    Ok(Scan { state_at_start, first_start, found, state })
}

/// The byte before `offset` (> 0) of `path`.
fn byte_before(path: &Path, offset: u64) -> Result<u8> {
    let mut file = File::open(path).map_err(|e| TabxError::io(path, e))?;
    file.seek(SeekFrom::Start(offset - 1)).map_err(|e| TabxError::io(path, e))?;
    let mut byte = [0u8];
    file.read_exact(&mut byte).map_err(|e| TabxError::io(path, e))?;
    Ok(byte[0])
}

fn panicked() -> TabxError {
    TabxError::Internal("a thread cutting a CSV file into ranges panicked".into())
}

/// The quote state of CSV bytes fed in order, as csv-core reads them: finds
/// the record starts (line breaks outside quoted fields) of a file being cut
/// into ranges ([`record_starts`]) or of a stream being cut into chunks
/// (`stream`).
#[derive(Debug, Clone)]
pub(crate) struct QuoteState {
    delimiter: u8,
    quote: u8,
    quoted: bool,
    /// Offset of the quote that last closed a field (`""` reopens it).
    closed_at: u64,
    /// The last byte fed; the one before a record start is a line break.
    prev: u8,
    /// Offset and line of the next byte.
    next: Cut,
}

impl QuoteState {
    /// The state at `start`, a record start.
    pub(crate) fn new(delimiter: u8, quote: u8, start: Cut) -> Self {
        QuoteState { delimiter, quote, quoted: false, closed_at: u64::MAX - 1, prev: b'\n', next: start }
    }

    /// A guess of the state at `offset`, after the byte `prev`: outside
    /// quotes, no quote just closed; lines counted from 0 there.
    fn guessed(delimiter: u8, quote: u8, offset: u64, prev: u8) -> Self {
        QuoteState { prev, ..Self::new(delimiter, quote, (offset, 0)) }
    }

    /// Whether the next byte starts a record: it follows a line break outside quotes.
    fn starts_record(&self) -> bool {
        !self.quoted && self.prev == b'\n' && self.quote != b'\n'
    }

    /// Whether `guess` ([`Self::guessed`]) is this state, as far as the
    /// bytes after it can tell: the same place, outside quotes, and no
    /// quote closed on the byte before (a quote next would reopen it).
    fn continues_into(&self, guess: &QuoteState) -> bool {
        self.next.0 == guess.next.0 && !self.quoted && self.closed_at.wrapping_add(1) != self.next.0
    }

    /// Feeds the bytes that follow those fed before, calling `at_start` with
    /// each record start (offset, line) they hold. `false` when `at_start`
    /// returned `false` and feeding stopped there (the state is then spent).
    pub(crate) fn feed(&mut self, chunk: &[u8], mut at_start: impl FnMut(Cut) -> bool) -> bool {
        let (base, quote) = (self.next.0, self.quote);
        for i in memchr::memchr2_iter(b'\n', quote, chunk) {
            let pos = base + i as u64;
            if chunk[i] == b'\n' && quote != b'\n' {
                self.next.1 += 1;
                if !self.quoted && !at_start((pos + 1, self.next.1)) {
                    return false;
                }
            } else if self.quoted {
                self.quoted = false;
                self.closed_at = pos;
            } else {
                let before = if i > 0 { chunk[i - 1] } else { self.prev };
                if before == self.delimiter || before == b'\n' || before == b'\r' || pos == self.closed_at + 1 {
                    self.quoted = true;
                }
            }
        }
        if let Some(&last) = chunk.last() {
            self.prev = last;
        }
        self.next.0 += chunk.len() as u64;
        true
    }

    /// Offset and line of the next byte to feed.
    pub(crate) fn position(&self) -> Cut {
        self.next
    }
}

/// For each target offset (sorted ascending), the first line start at or after
/// it and at or after `data_start`, found by seeking (no quote tracking: only
/// for values without line breaks).
pub(crate) fn line_starts(path: &Path, data_start: u64, targets: &[u64]) -> Result<Vec<u64>> {
    let io = |e| TabxError::io(path, e);
    let mut file = File::open(path).map_err(io)?;
    // Rows are short: a cut reads a block or two.
    let mut buf = vec![0u8; 8 << 10];
    let mut out = Vec::with_capacity(targets.len());
    for &target in targets {
        if target <= data_start {
            out.push(data_start);
            continue;
        }
        // From the byte before the target: a target right after a break is a start.
        let mut pos = target - 1;
        file.seek(SeekFrom::Start(pos)).map_err(io)?;
        let start = loop {
            let n = read_full(&mut file, &mut buf).map_err(io)?;
            if n == 0 {
                break pos;
            }
            if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
                break pos + i as u64 + 1;
            }
            pos += n as u64;
        };
        out.push(start);
    }
    Ok(out)
}

/// Line numbers of a range whose first line was not counted at planning
/// ([`line_starts`]): the reader counts from 1 at the range's start, and
/// [`line`](Self::line) adds the line breaks before the range, counted once.
#[derive(Debug, Clone, Default)]
pub(crate) struct LineBase {
    /// The file and the range's first byte, while the breaks before it are uncounted.
    uncounted: Option<(PathBuf, u64)>,
    breaks_before: Option<u64>,
}

impl LineBase {
    /// Lines of a range starting at byte `offset` of `path`, counted from 1 there.
    pub(crate) fn uncounted(path: PathBuf, offset: u64) -> Self {
        LineBase { uncounted: Some((path, offset)), breaks_before: None }
    }

    /// Whether lines are counted from the range's start (values hold no line breaks).
    pub(crate) fn is_relative(&self) -> bool {
        self.uncounted.is_some()
    }

    /// The file's line of the reader's line `line`.
    pub(crate) fn line(&mut self, line: u64) -> Result<u64> {
        let Some((path, offset)) = &self.uncounted else { return Ok(line) };
        let before = match self.breaks_before {
            Some(n) => n,
            None => {
                let file = File::open(path).map_err(|e| TabxError::io(path, e))?;
                let mut prefix = file.take(*offset);
                let mut buf = vec![0u8; 1 << 20];
                let mut n = 0u64;
                loop {
                    let k = read_full(&mut prefix, &mut buf).map_err(|e| TabxError::io(path, e))?;
                    if k == 0 {
                        break;
                    }
                    n += memchr::memchr_iter(b'\n', &buf[..k]).count() as u64;
                }
                *self.breaks_before.insert(n)
            }
        };
        Ok(before + line)
    }
}

fn read_full(file: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cuts(text: &str, targets: &[u64]) -> Vec<Cut> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, text).unwrap();
        let header_end = text.find('\n').unwrap() as u64 + 1;
        let serial = record_starts(&p, (b',', b'"'), (header_end, 2), targets, 1).unwrap();
        for threads in [2, 3, 7] {
            let parallel = record_starts(&p, (b',', b'"'), (header_end, 2), targets, threads).unwrap();
            assert_eq!(parallel, serial, "{threads} threads, {text:?}, {targets:?}");
        }
        serial
    }

    /// Pieces scanned at once from a guessed state give the serial pass's
    /// cuts: random texts of fields, quotes (escaped, unclosed), `\r\n`
    /// and blank lines, whose pieces often start inside quotes or right
    /// after a closing one, with random targets.
    #[test]
    fn parallel_pieces_cut_as_one_pass() {
        let mut rng = tabx_core::SplitMix64::new(5);
        let pieces = ["a", "bb", ",", "\"", "\"\"", "\n", "\r\n", "x,\"y\nz\",w\n", "0123456789"];
        for _ in 0..400 {
            let mut text = String::from("h\n");
            for _ in 0..rng.next_u64() % 80 {
                text.push_str(pieces[(rng.next_u64() % pieces.len() as u64) as usize]);
            }
            let mut targets: Vec<u64> =
                (0..rng.next_u64() % 6).map(|_| rng.next_u64() % (text.len() as u64 + 4)).collect();
            targets.sort_unstable();
            cuts(&text, &targets);
        }
    }

    #[test]
    fn cuts_skip_quoted_line_breaks() {
        // offsets: "h\n"=0..2, "1,\"a\nb\"\n"=2..10, "2,x\n"=10..14
        let text = "h\n1,\"a\nb\"\n2,x\n";
        assert_eq!(cuts(text, &[0, 3, 7, 10, 11, 99]), vec![(2, 2), (10, 4), (10, 4), (10, 4), (14, 5), (14, 5)]);
        // Escaped quotes keep the field open; a quote inside a bare field is literal.
        assert_eq!(cuts("h\n\"a\"\"\nb\"\n5'1\",x\nz\n", &[3]), vec![(10, 4)]);
        assert_eq!(cuts("h\n5'1\",x\nz\n", &[3]), vec![(9, 3)]);
    }

    #[test]
    fn seeking_cuts_at_the_next_line_start() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        // offsets: "h\n"=0..2, "1,a\n"=2..6, "22,b\n"=6..11, "3,c"=11..14 (no final break)
        std::fs::write(&p, "h\n1,a\n22,b\n3,c").unwrap();
        assert_eq!(line_starts(&p, 2, &[0, 2, 3, 6, 7, 12]).unwrap(), [2, 2, 6, 6, 11, 14]);
        // Lines of the range at byte 6 (file line 3), counted from 1 there.
        let mut base = LineBase::uncounted(p, 6);
        assert_eq!((base.line(1).unwrap(), base.line(2).unwrap()), (3, 4));
        assert_eq!(LineBase::default().line(7).unwrap(), 7);
    }

    #[test]
    fn unclosed_quote_allows_no_later_cut() {
        let text = "h\n\"open\n1\n2\n";
        assert_eq!(cuts(text, &[3, 5]), vec![(text.len() as u64, 5); 2]);
    }
}
