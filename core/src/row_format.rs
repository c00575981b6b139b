//! The file format of a row output (`validate --rows --good`, `transform
//! apply -o`, `predict -o`, the quarantine), by its name, and the stream
//! compression a text file's name asks for (inputs and outputs alike).

use std::path::Path;

use crate::{Result, TabxError};

/// How rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowFormat {
    /// CSV, compressed as the name's last extension says (`.csv.gz`).
    Csv(Compression),
    /// JSON lines, one object per row (`.jsonl`, `.ndjson`, compressed alike).
    Ndjson(Compression),
    Parquet,
}

/// Stream compression of a text file, from its last extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    None,
    /// `.gz`
    Gzip,
    /// `.zst`
    Zstd,
}

impl Compression {
    /// The name without its compression extension, and the compression
    /// (`x.csv.GZ` → `x.csv`, Gzip; `x.csv` → itself, None).
    pub fn split(name: &str) -> (&str, Compression) {
        let lower = name.to_ascii_lowercase();
        for (ext, c) in [(".gz", Compression::Gzip), (".zst", Compression::Zstd)] {
            if lower.ends_with(ext) {
                return (&name[..name.len() - ext.len()], c);
            }
        }
        (name, Compression::None)
    }
}

/// The format `path` asks for: Parquet for `.parquet` / `.pq`; JSON lines
/// for `.jsonl` / `.ndjson`; CSV for `.csv` or a name without an extension
/// (a Kubeflow output path, `/dev/stdout`); text formats optionally `.gz` /
/// `.zst`. Any other extension is refused: CSV written under a name that
/// says TSV or JSON hands the next tool the wrong bytes.
pub fn row_format(path: &Path) -> Result<RowFormat> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (stem, compression) = Compression::split(&name);
    let ext = Path::new(stem).extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    match (ext.as_deref(), compression) {
        (None, Compression::None) | (Some("csv"), _) => Ok(RowFormat::Csv(compression)),
        (Some("jsonl" | "ndjson"), _) => Ok(RowFormat::Ndjson(compression)),
        (Some("parquet" | "pq"), Compression::None) => Ok(RowFormat::Parquet),
        (other, _) => {
            let shown = other.map_or_else(|| name.clone(), |e| format!(".{e}"));
            let hint = match other {
                Some("parquet" | "pq") => "Parquet pages are compressed inside the file (zstd): drop the .gz/.zst",
                Some("json") => "name it .jsonl: tabx writes one JSON object per line, not one JSON document",
                _ => {
                    "name it .csv, .jsonl or .parquet, optionally .csv.gz / .jsonl.zst (a name without an extension is CSV)"
                }
            };
            Err(TabxError::config(format!(
                "{}: tabx writes rows as CSV (.csv), JSON lines (.jsonl, .ndjson), either .gz or .zst, or Parquet \
                 (.parquet, .pq), not {shown}",
                path.display()
            ))
            .with_hint(hint))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_name_and_other_names_refused() {
        for (name, want) in [
            ("good.csv", RowFormat::Csv(Compression::None)),
            ("OUT.CSV", RowFormat::Csv(Compression::None)),
            ("/tmp/outputs/rows/data", RowFormat::Csv(Compression::None)),
            ("/dev/stdout", RowFormat::Csv(Compression::None)),
            ("out.csv.gz", RowFormat::Csv(Compression::Gzip)),
            ("out.CSV.ZST", RowFormat::Csv(Compression::Zstd)),
            ("t.parquet", RowFormat::Parquet),
            ("t.pq", RowFormat::Parquet),
            ("rows.jsonl", RowFormat::Ndjson(Compression::None)),
            ("rows.ndjson.gz", RowFormat::Ndjson(Compression::Gzip)),
        ] {
            assert_eq!(row_format(Path::new(name)).unwrap(), want, "{name}");
        }
        let e = row_format(Path::new("good.json")).unwrap_err().to_string();
        assert!(
            e.starts_with(
                "good.json: tabx writes rows as CSV (.csv), JSON lines (.jsonl, .ndjson), either .gz or .zst, or \
                 Parquet (.parquet, .pq), not .json"
            ),
            "{e}"
        );
        assert!(e.contains("hint: name it .jsonl"), "{e}");
        let e = row_format(Path::new("good.tsv")).unwrap_err().to_string();
        assert!(e.contains("not .tsv"), "{e}");
        let e = row_format(Path::new("out.parquet.gz")).unwrap_err().to_string();
        assert!(e.contains("not .parquet") && e.contains("hint: Parquet pages are compressed inside"), "{e}");
        let e = row_format(Path::new("rows.gz")).unwrap_err().to_string();
        assert!(e.contains("not rows.gz"), "{e}");
        assert_eq!(Compression::split("a.tsv.Gz"), ("a.tsv", Compression::Gzip));
        assert_eq!(Compression::split("a.csv"), ("a.csv", Compression::None));
    }
}
