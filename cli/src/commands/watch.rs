//! `tabx watch`: a stream's windows as JSON lines (stdout or a folder), a
//! readable line per window on stderr, and alerts (windows with anomalies or
//! rejected rows) printed, appended to `alerts.jsonl` and handed to
//! `--alert-exec` (see [`tabx::watch`]).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use tabx::{Bounds, StatsOptions, WatchOptions, WindowResult, WindowSpec};

use super::Outcome;
use super::schema::read_stats;
use crate::args::WatchArgs;
use crate::output::write_statistics;
use crate::settings::{read_schema, source_options};

pub fn watch(args: &WatchArgs, quiet: bool) -> Result<Outcome> {
    let Some(schema_path) = &args.read.schema else {
        bail!(
            "--schema is required\nhint: infer one from a sample: `tabx stats sample.csv -o s.json && tabx schema infer s.json -o schema.pbtxt`"
        )
    };
    let schema = read_schema(schema_path)?;
    // Said once, at the first window: a schema of other data alerts on every window.
    let mut unrelated = Some(schema.clone());
    let baseline = args.baseline.as_deref().map(read_stats).transpose()?;
    let window = WindowSpec::parse(&args.window, args.slide.as_deref(), args.lateness.as_deref())?;
    let options = WatchOptions {
        window,
        stats: StatsOptions::default(),
        environment: args.environment.clone(),
        max_windows: args.max_windows,
        checkpoint: args.checkpoint.clone(),
        follow: args.follow,
    };
    // The schema's types are forced on the stream: a value that does not
    // parse is a rejected row, counted in its window, never a stopped watch.
    let source = source_options(&args.read)?;
    // Before the outputs are opened for appending: resuming rewrites them.
    if let Some(dir) = &args.checkpoint {
        resume_outputs(dir, &args.output)?;
    }
    let mut out = Output::open(&args.output, args.checkpoint.is_some())?;
    // The first output error ends the watch; it is reported as it was.
    let mut failure: Option<anyhow::Error> = None;
    let watched = tabx::watch(&args.inputs, source, schema, baseline, options, |event| match event {
        // Said first: a follower may wait long for its next window.
        tabx::WatchEvent::Resumed(resumed) => {
            if !quiet {
                eprintln!("{}", resumed_line(resumed));
            }
            Ok(())
        }
        tabx::WatchEvent::Window(window) => {
            let stats = window.statistics.datasets.first();
            if let (Some(schema), Some(stats), false) = (unrelated.take(), stats, quiet)
                && let Some(warning) = tabx_schema::unrelated_schema(&schema, stats)
            {
                eprintln!("warning: {}: {warning}", schema_path.display());
            }
            on_window(window, &mut out, args.alert_exec.as_deref(), quiet).map_err(|e| {
                failure = Some(e);
                tabx::TabxError::config("writing a window failed")
            })
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    let report = watched?;
    if !quiet {
        let stop = if report.stopped_early { " (--max-windows reached)" } else { "" };
        let mut apart = vec![format!("{} rejected", report.rejected)];
        if report.late + report.no_time > 0 {
            apart.push(format!("{} late", report.late));
            apart.push(format!("{} without a time", report.no_time));
        }
        eprintln!(
            "{} windows{stop}: {} rows in windows, besides {} (counted, in no statistics), {} with anomalies",
            report.windows,
            report.rows,
            apart.join(", "),
            report.windows_with_anomalies
        );
    }
    Ok(if report.windows_with_anomalies > 0 { Outcome::Findings } else { Outcome::Ok })
}

/// One window out: its line, the readable summary, the alert.
fn on_window(window: &WindowResult, out: &mut Output, alert_exec: Option<&str>, quiet: bool) -> Result<()> {
    let alert = !window.anomalies.is_empty() || window.rejected > 0;
    out.window(window, alert)?;
    if !quiet {
        eprintln!("{}{}", if alert { "ALERT " } else { "" }, summary_line(window));
    }
    if alert && let Some(command) = alert_exec {
        run_alert(command, &line(window, None))?;
    }
    Ok(())
}

/// Before a watch with `--checkpoint`: window lines written after the
/// checkpoint (a kill between a window's output and its checkpoint) will be
/// written again, so they are dropped from `windows.jsonl` and `alerts.jsonl`.
fn resume_outputs(checkpoint: &Path, output: &Path) -> Result<()> {
    // No checkpoint yet: a watch killed before its first one wrote lines that
    // will be written again, so none is kept.
    let done = tabx::windows_done(checkpoint)?.unwrap_or(0);
    if output == Path::new("-") {
        bail!(
            "--checkpoint resumes into a folder of outputs, not stdout\nhint: pass -o DIR (the folder the first run wrote)"
        );
    }
    for name in ["windows.jsonl", "alerts.jsonl"] {
        let path = output.join(name);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| {
                serde_json::from_str::<Value>(l).ok().and_then(|v| v["index"].as_u64()).is_some_and(|i| i < done)
            })
            .collect();
        let mut body = kept.join("\n");
        if !body.is_empty() {
            body.push('\n');
        }
        crate::output::write_atomically(&path, body.as_bytes())?;
    }
    Ok(())
}

fn resumed_line(r: &tabx::Resumed) -> String {
    // Windows are numbered from 0: the next one is number `r.windows`.
    let after = match r.windows {
        0 => "resumed before window 0".to_string(),
        n => format!("resumed after window {} (the next is {n})", n - 1),
    };
    if r.finished {
        return format!(
            "the checkpoint's watch had finished ({} windows): nothing to do; remove the checkpoint to watch again",
            r.windows
        );
    }
    if r.from_stdin {
        return format!(
            "{after} from stdin: its windows' state was kept, but stdin cannot be read again, so rows the stopped watch read after its last checkpoint are lost"
        );
    }
    let mut line =
        format!("{after}: skipped {} rows and {} rejected rows counted before", r.rows_skipped, r.rejects_skipped);
    if let Some(copy) = &r.rotated_to {
        line += &format!("; the file it stopped in was rotated to {copy}: its rest was read first");
    }
    if !r.not_read.is_empty() {
        line += &format!(
            "; WARNING: rotated files written after it were not read, their rows are lost to this watch: {}",
            r.not_read.join(", ")
        );
    }
    if r.file_lost {
        line += "; WARNING: the file it stopped in is gone (deleted, compressed or rewritten in place): its rows after the checkpoint are lost, and the file now at the path was read from its start";
    }
    line
}

/// Where the window lines go.
enum Output {
    Stdout,
    Folder { dir: PathBuf, windows: File, alerts: File },
}

impl Output {
    /// A folder's line files are started afresh, or, going on from a
    /// checkpoint (`append`), appended to.
    fn open(path: &Path, append: bool) -> Result<Self> {
        if path == Path::new("-") {
            return Ok(Output::Stdout);
        }
        std::fs::create_dir_all(path).with_context(|| format!("cannot create {}", path.display()))?;
        let open = |name: &str| {
            let file = path.join(name);
            let mut options = File::options();
            if append {
                options.append(true);
            } else {
                options.write(true).truncate(true);
            }
            options.create(true).open(&file).with_context(|| format!("cannot open {}", file.display()))
        };
        Ok(Output::Folder { dir: path.to_path_buf(), windows: open("windows.jsonl")?, alerts: open("alerts.jsonl")? })
    }

    /// One window: its line (statistics inline on stdout, else in their own file).
    fn window(&mut self, window: &WindowResult, alert: bool) -> Result<()> {
        match self {
            Output::Stdout => {
                let statistics = serde_json::to_value(&window.statistics)?;
                crate::output::print_out(line(window, Some(statistics)))
            }
            Output::Folder { dir, windows, alerts } => {
                let name = format!("stats-{:06}.json", window.index);
                write_statistics(&window.statistics, &dir.join(&name), crate::args::OutputFormat::Json)?;
                let text = line(window, Some(Value::String(name)));
                // Each line is written whole, then flushed: a reader tailing the file never sees half a window.
                writeln!(windows, "{text}").and_then(|()| windows.flush())?;
                if alert {
                    writeln!(alerts, "{}", line(window, None)).and_then(|()| alerts.flush())?;
                }
                Ok(())
            }
        }
    }
}

/// A window as one JSON object: its counts, anomalies, drift and skew
/// measurements, and `statistics` when given.
fn line(window: &WindowResult, statistics: Option<Value>) -> Value {
    let mut value = serde_json::to_value(window).unwrap_or_default();
    let anomalies: Vec<Value> = window
        .anomalies
        .reasons()
        .into_iter()
        .map(|(feature, reason)| json!({"feature": feature, "type": reason.kind, "description": reason.description}))
        .collect();
    value["anomalies"] = Value::Array(anomalies);
    value["drift_skew"] = serde_json::to_value(&window.anomalies.drift_skew_info).unwrap_or_default();
    if let Some(statistics) = statistics {
        value["statistics"] = statistics;
    }
    value
}

/// `window 3 · rows 300000-399999 · 100000 rows · 2 anomalies: …`
fn summary_line(window: &WindowResult) -> String {
    let bounds = match &window.bounds {
        Bounds::Rows { first, last } => format!("rows {first}-{last}"),
        Bounds::Time { start, end } => format!("[{}, {})", utc(*start), utc(*end)),
    };
    let mut parts = vec![format!("window {}", window.index), bounds, format!("{} rows", window.rows)];
    for (n, what) in [(window.rejected, "rejected"), (window.late, "late"), (window.no_time, "without a time")] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    if window.end_of_input {
        parts.push("end of input".into());
    }
    let reasons = window.anomalies.reasons();
    if reasons.is_empty() {
        parts.push("no anomalies".into());
    } else {
        let listed: Vec<String> = reasons
            .iter()
            .map(|(feature, r)| format!("{feature}: {}", r.short_description.as_deref().unwrap_or("anomaly")))
            .collect();
        let anomalies = crate::summary::count(reasons.len() as u64, "anomaly", "anomalies");
        parts.push(format!("{anomalies}: {}", listed.join("; ")));
    }
    parts.join(" · ")
}

/// Seconds since the epoch as a UTC date and time (`2013-01-01 06:00:00`).
fn utc(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map_or_else(|| seconds.to_string(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string())
}

/// Runs `command` with `sh -c`, the alert's JSON on its stdin. A failing
/// command is reported, not fatal: the watch goes on.
fn run_alert(command: &str, alert: &Value) -> Result<()> {
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run --alert-exec `{command}` (needs `sh`)"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input closes the pipe: not an error.
        let _ = writeln!(stdin, "{alert}");
    }
    let status = child.wait()?;
    if !status.success() {
        eprintln!("warning: --alert-exec `{command}` exited with {status}");
    }
    Ok(())
}
