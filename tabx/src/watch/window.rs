//! Windows over a stream ([`WindowSpec`]): by row count or by an event-time
//! column, tumbling or sliding, and how a duration is written (`90s`, `15m`,
//! `1h`, `1d`).
//!
//! A sliding window is a run of consecutive *panes* (Carbone et al., "Apache
//! Flink: Stream and Batch Processing in a Single Engine", 2015; Li et al.,
//! "No pane, no gain", SIGMOD Record 2005): each row lands in exactly one pane
//! of `slide` rows or seconds, a pane holds a mergeable statistics state, and
//! a window is the merge of its `size / slide` panes. No row is read twice.

use tabx_core::{Result, TabxError};

/// How rows are grouped into windows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowSpec {
    /// Windows of `size` rows in arrival order, one every `slide` rows
    /// (`slide == size`: tumbling).
    Rows { size: u64, slide: u64 },
    /// Windows of `size` seconds of the event-time `column` (integer
    /// seconds since the epoch, or an Arrow timestamp), starting at multiples
    /// of `slide`. A window is emitted once the largest time seen passes its
    /// end by `lateness`; rows arriving after all their windows were emitted
    /// are *late*: counted, not added.
    Time { column: String, size: i64, slide: i64, lateness: i64 },
}

impl WindowSpec {
    /// Parses `rows=N` or `time=COLUMN:DURATION`, with an optional slide
    /// (`rows=M` / `DURATION`) and lateness (`DURATION`, time windows).
    pub fn parse(window: &str, slide: Option<&str>, lateness: Option<&str>) -> Result<Self> {
        let bad = |what: &str| {
            TabxError::config(format!("{what}: {window}"))
                .with_hint("write --window rows=100000 or --window time=trip_start_timestamp:1h")
        };
        if let Some(n) = window.strip_prefix("rows=") {
            let size: u64 = n.parse().ok().filter(|&n| n > 0).ok_or_else(|| bad("not a row count above 0"))?;
            let slide = match slide {
                None => size,
                Some(s) => s
                    .strip_prefix("rows=")
                    .unwrap_or(s)
                    .parse()
                    .ok()
                    .filter(|&s| s > 0)
                    .ok_or_else(|| TabxError::config(format!("--slide {s}: not a row count above 0")))?,
            };
            if lateness.is_some() {
                return Err(TabxError::config("--lateness applies to time windows only"));
            }
            check_slide(size as i64, slide as i64)?;
            return Ok(WindowSpec::Rows { size, slide });
        }
        let Some(rest) = window.strip_prefix("time=") else { return Err(bad("unknown window")) };
        let (column, duration) = rest.rsplit_once(':').ok_or_else(|| bad("no duration after the column"))?;
        let size = parse_duration(duration)?;
        let slide = slide.map(parse_duration).transpose()?.unwrap_or(size);
        check_slide(size, slide)?;
        let lateness = lateness.map(parse_duration).transpose()?.unwrap_or(0);
        Ok(WindowSpec::Time { column: column.to_string(), size, slide, lateness })
    }
}

fn check_slide(size: i64, slide: i64) -> Result<()> {
    if slide > size || size % slide != 0 {
        return Err(TabxError::config(format!("a slide of {slide} does not divide a window of {size}"))
            .with_hint("a window is a whole number of slides (panes): e.g. --window rows=100000 --slide rows=25000"));
    }
    Ok(())
}

/// Seconds in `90s`, `15m`, `1h`, `2d` or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<i64> {
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    match digits.parse::<i64>() {
        Ok(n) if n >= 0 && scale > 0 => Ok(n * scale),
        _ => Err(TabxError::config(format!("`{text}` is not a duration")).with_hint("write 90s, 15m, 1h or 1d")),
    }
}

/// The pane `t` falls in: panes are `slide` wide and start at multiples of it.
pub(crate) fn pane_of(t: i64, slide: i64) -> i64 {
    t.div_euclid(slide)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_and_durations() {
        assert_eq!(WindowSpec::parse("rows=10", None, None).unwrap(), WindowSpec::Rows { size: 10, slide: 10 });
        assert_eq!(
            WindowSpec::parse("rows=10", Some("rows=5"), None).unwrap(),
            WindowSpec::Rows { size: 10, slide: 5 }
        );
        assert_eq!(
            WindowSpec::parse("time=ts:1h", Some("15m"), Some("90s")).unwrap(),
            WindowSpec::Time { column: "ts".into(), size: 3600, slide: 900, lateness: 90 }
        );
        assert_eq!(parse_duration("2d").unwrap(), 172_800);
        assert_eq!(parse_duration("45").unwrap(), 45);
        for bad in ["rows=0", "rows=x", "cols=3", "time=ts", "time=ts:1w"] {
            assert!(WindowSpec::parse(bad, None, None).is_err(), "{bad}");
        }
        // A slide must divide the window.
        assert!(WindowSpec::parse("rows=10", Some("rows=3"), None).is_err());
        assert!(WindowSpec::parse("rows=10", Some("rows=20"), None).is_err());
        assert!(WindowSpec::parse("rows=10", None, Some("1m")).is_err());
        assert_eq!(pane_of(-1, 60), -1);
        assert_eq!(pane_of(59, 60), 0);
    }
}
