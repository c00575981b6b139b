//! Splitting a plain CSV line (no quote, no lone `\r`) into fields without
//! csv-core, 16 bytes at a time, and without copying them.
//!
//! csv-core reads a byte at a time through its state machine: on the taxi
//! data that was ~40% of a transform fit on CSV. Most lines of most files
//! hold no quote at all, and for those a field ends at each delimiter and
//! the record at the first `\n` (or `\r\n`): positions that SIMD compares
//! find 16 bytes per step (SSE2's `pcmpeqb` + `pmovmskb`, the
//! classification step of Langdale and Lemire's simdjson, 2019, as simdcsv
//! uses it), walked as bits with `trailing_zeros`. A line holding a quote or
//! a lone `\r`, a blank line, or one that does not end in the bytes at hand
//! is left to csv-core ([`split_plain_line`] returns `None`), so quoting,
//! blank-line and end-of-input rules stay csv-core's alone. (Splitting with
//! `memchr3` per field and with a byte loop were measured first: both
//! slower than csv-core on the taxi's short fields, `benches/RESULTS.md`.)

/// The fields of the line at the start of `input`, if it is plain: no quote,
/// no lone `\r`, not empty, and ended by a `\n` or `\r\n` within `input`.
/// Field `i` is `input[ends[i-1] + 1..ends[i]]` (from 0 for the first): the
/// line itself holds the fields, one delimiter apart, so nothing is copied.
/// Returns the line's length without its line break, the break's length
/// and the number of fields; `None` when the line is not plain or has more
/// fields than `ends` holds, for csv-core.
pub(crate) fn split_plain_line(
    input: &[u8],
    delimiter: u8,
    quote: u8,
    ends: &mut [usize],
) -> Option<(usize, usize, usize)> {
    if matches!(input.first(), None | Some(b'\n' | b'\r')) {
        return None;
    }
    let mut nend = 0;
    let mut push = |end: usize| -> Option<()> {
        *ends.get_mut(nend)? = end;
        nend += 1;
        Some(())
    };
    let mut at = 0;
    while at + CHUNK <= input.len() {
        let (mut delimiters, stops) = classify(&input[at..at + CHUNK], delimiter, quote);
        if stops != 0 {
            let first = stops.trailing_zeros() as usize;
            let line_break = line_break(input, at + first)?;
            delimiters &= (1 << first) - 1;
            delimiters |= 1 << first;
            while delimiters != 0 {
                push(at + delimiters.trailing_zeros() as usize)?;
                delimiters &= delimiters - 1;
            }
            return Some((at + first, line_break, nend));
        }
        while delimiters != 0 {
            push(at + delimiters.trailing_zeros() as usize)?;
            delimiters &= delimiters - 1;
        }
        at += CHUNK;
    }
    for (i, &b) in input.iter().enumerate().skip(at) {
        if b == delimiter {
            push(i)?;
        } else if b == b'\n' || b == b'\r' || b == quote {
            let line_break = line_break(input, i)?;
            push(i)?;
            return Some((i, line_break, nend));
        }
    }
    None
}

/// The length of the line break at `input[i]` (`\n` or `\r\n`, which
/// csv-core reads as one), `None` for anything else (a quote, a lone `\r`,
/// or a `\r` whose next byte is not at hand).
fn line_break(input: &[u8], i: usize) -> Option<usize> {
    match (input[i], input.get(i + 1)) {
        (b'\n', _) => Some(1),
        (b'\r', Some(b'\n')) => Some(2),
        _ => None,
    }
}

const CHUNK: usize = 16;

/// Bit i of the first mask: byte i is the delimiter; of the second: byte i
/// is a `\n`, a `\r` or the quote (where a plain line ends or stops being
/// plain).
#[cfg(target_arch = "x86_64")]
#[inline]
fn classify(chunk: &[u8], delimiter: u8, quote: u8) -> (u32, u32) {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
    assert!(chunk.len() >= CHUNK);
    // SAFETY: SSE2 is part of the x86_64 baseline, so these intrinsics exist
    // on every x86_64 CPU; the load reads 16 bytes, which `chunk` holds
    // (asserted above), and needs no alignment (`loadu`).
    unsafe {
        let bytes = _mm_loadu_si128(chunk.as_ptr().cast());
        let is = |b: u8| _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b as i8));
        let delimiters = _mm_movemask_epi8(is(delimiter)) as u32;
        let stops = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(is(b'\n'), is(b'\r')), is(quote))) as u32;
        (delimiters, stops)
    }
}

/// [`classify`] a byte at a time, where SSE2 is not the baseline.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn classify(chunk: &[u8], delimiter: u8, quote: u8) -> (u32, u32) {
    let (mut delimiters, mut stops) = (0, 0);
    for (i, &b) in chunk[..CHUNK].iter().enumerate() {
        delimiters |= u32::from(b == delimiter) << i;
        stops |= u32::from(b == b'\n' || b == b'\r' || b == quote) << i;
    }
    (delimiters, stops)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Option<(usize, Vec<String>)> {
        let mut ends = vec![0usize; 64];
        let (len, line_break, nend) = split_plain_line(line.as_bytes(), b',', b'"', &mut ends)?;
        assert_eq!(&line[len..len + line_break], if line_break == 2 { "\r\n" } else { "\n" });
        let mut from = 0;
        let fields = ends[..nend]
            .iter()
            .map(|&e| {
                let f = line[from..e].to_string();
                from = e + 1;
                f
            })
            .collect();
        assert_eq!(from, len + 1);
        Some((len, fields))
    }

    #[test]
    fn plain_lines_split_at_delimiters() {
        assert_eq!(split("a,bb,\nnext"), Some((5, vec!["a".into(), "bb".into(), "".into()])));
        // Delimiters on both sides of a 16-byte chunk boundary, the line end in the second chunk.
        let long = "0123456789abcde,f,,0123456789abcdefghij,x\n";
        let want: Vec<String> = long.trim_end().split(',').map(String::from).collect();
        assert_eq!(split(long), Some((long.len() - 1, want)));
        // A line end exactly at the 16-byte boundary, and one at byte 0 of a chunk.
        assert_eq!(split("0123456789,abcd\n").map(|s| s.0), Some(15));
        assert_eq!(split("0123456789,abcde\n").map(|s| s.0), Some(16));
    }

    #[test]
    fn other_lines_are_left_to_csv_core() {
        // CRLF ends a line as LF does, in the 16-byte steps and after them.
        assert_eq!(split("a,b\r\n").map(|s| s.1), Some(vec!["a".into(), "b".into()]));
        assert_eq!(split("0123456789abcdef,b\r\nc").map(|s| s.0), Some(18));
        assert_eq!(split("0123456789abcde\r\n").map(|s| s.0), Some(15));
        for line in [
            "",
            "\n",
            "\rx\n",
            "a,\"b\"\n",
            "a,b\r",
            "a,b\rc\n",
            "0123456789abcde\r",
            "no line end",
            "0123456789abcdef0123\"\n",
            "a,b",
        ] {
            assert_eq!(split(line), None, "{line:?}");
        }
        // A quote after the line end does not matter.
        assert_eq!(split("a\n\"").map(|s| s.1), Some(vec!["a".into()]));
        // More fields than `ends` holds: csv-core grows it.
        assert_eq!(split_plain_line(b"a,b\n", b',', b'"', &mut [0; 1]), None);
        assert_eq!(split_plain_line(b"0123456789abcdef,b\n", b',', b'"', &mut [0; 1]), None);
    }
}
