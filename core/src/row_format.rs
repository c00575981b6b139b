//! The file format of a row output (`validate --rows --good`, `transform
//! apply -o`, `predict -o`, the quarantine), by its name.

use std::path::Path;

use crate::{Result, TabxError};

/// How rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowFormat {
    Csv,
    Parquet,
}

/// The format `path` asks for: Parquet for `.parquet` / `.pq`, CSV for
/// `.csv` or a name without an extension (a Kubeflow output path,
/// `/dev/stdout`). Any other extension is refused: CSV written under a name
/// that says gzip, JSON lines or TSV hands the next tool the wrong bytes.
pub fn row_format(path: &Path) -> Result<RowFormat> {
    let Some(ext) = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()) else {
        return Ok(RowFormat::Csv);
    };
    match ext.as_str() {
        "csv" => Ok(RowFormat::Csv),
        "parquet" | "pq" => Ok(RowFormat::Parquet),
        other => {
            let hint = match other {
                "gz" | "zst" | "bz2" | "xz" => {
                    format!(
                        "tabx writes rows uncompressed: `-o /dev/stdout | {other_tool} > NAME`",
                        other_tool = compressor(other)
                    )
                }
                _ => "name it .csv or .parquet (a name without an extension is CSV)".to_string(),
            };
            Err(TabxError::config(format!(
                "{}: tabx writes rows as CSV (.csv) or Parquet (.parquet, .pq), not .{other}",
                path.display()
            ))
            .with_hint(hint))
        }
    }
}

fn compressor(ext: &str) -> &'static str {
    match ext {
        "gz" => "gzip",
        "zst" => "zstd",
        "bz2" => "bzip2",
        _ => "xz",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_name_and_other_names_refused() {
        for (name, want) in [
            ("good.csv", RowFormat::Csv),
            ("OUT.CSV", RowFormat::Csv),
            ("/tmp/outputs/rows/data", RowFormat::Csv),
            ("/dev/stdout", RowFormat::Csv),
            ("t.parquet", RowFormat::Parquet),
            ("t.pq", RowFormat::Parquet),
        ] {
            assert_eq!(row_format(Path::new(name)).unwrap(), want, "{name}");
        }
        let e = row_format(Path::new("good.jsonl")).unwrap_err().to_string();
        assert!(
            e.starts_with("good.jsonl: tabx writes rows as CSV (.csv) or Parquet (.parquet, .pq), not .jsonl"),
            "{e}"
        );
        let e = row_format(Path::new("out.csv.gz")).unwrap_err().to_string();
        assert!(e.contains("hint: tabx writes rows uncompressed: `-o /dev/stdout | gzip > NAME`"), "{e}");
    }
}
