//! Writing artifacts: protobuf JSON, text or binary, atomically.

use std::path::Path;

use anyhow::{Context, Result};
use tabx_core::PartialFile;
use tabx_schema::{DatasetFeatureStatisticsList, ProtoMessage, json_to_format};

use crate::args::OutputFormat;

/// Writes the statistics artifact in `format` to `path` (temporary file + rename).
pub fn write_statistics(stats: &DatasetFeatureStatisticsList, path: &Path, format: OutputFormat) -> Result<()> {
    let bytes = match format {
        OutputFormat::Json => {
            let mut text = serde_json::to_vec_pretty(stats)?;
            text.push(b'\n');
            text
        }
        other => {
            let value = serde_json::to_value(stats)?;
            json_to_format(ProtoMessage::Statistics, &value, other.into())?
        }
    };
    write_atomically(path, &bytes)
}

/// Writes a schema or anomalies artifact (its protobuf-JSON `value`) in
/// `format`, checked strictly against the `.proto` on the way out.
pub fn write_message(
    message: ProtoMessage,
    value: &serde_json::Value,
    path: &Path,
    format: OutputFormat,
) -> Result<()> {
    let bytes = json_to_format(message, value, format.into())
        .with_context(|| format!("cannot encode {} for {}", message.full_name(), path.display()))?;
    write_atomically(path, &bytes)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it into
/// place; a URL is written to a staged file and uploaded once the command
/// succeeds ([`crate::remote`]).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let path = &crate::remote::output(path)?;
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let write = |tmp: &Path| std::fs::write(tmp, bytes).map_err(|e| tabx_core::TabxError::io(path, e));
    Ok(tabx_core::replace_atomically(path, &tmp, write)?)
}

/// Writes a shard's partial state to `path` (a file or a URL), atomically.
pub fn write_partial(file: &PartialFile, path: &Path) -> Result<()> {
    Ok(file.write(&crate::remote::output(path)?)?)
}

/// Prints `text` and a newline to stdout; a closed pipe comes back as an error
/// that `main` treats as success (`tabx stats x.csv | head` must not panic).
/// To stderr once an artifact went to stdout (`-o /dev/stdout | jq`), which
/// must carry the artifact alone.
pub fn print_out(text: impl std::fmt::Display) -> Result<()> {
    use std::io::Write;
    if tabx_core::stdout_is_an_output() {
        eprintln!("{text}");
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}
