//! The real Chicago taxi sample shipped with tabx: embedded bytes for `tabx demo`
//! and doc examples, and file paths for tests that need a file on disk.

use std::path::PathBuf;

/// The real taxi sample as CSV: 15,002 trips, 18 columns, header row
/// (`data/README.md` says where it comes from).
pub const TAXI_CSV: &[u8] = include_bytes!("../data/data.csv");

/// The TFX example's schema for the taxi data, in TFDV's text format
/// (tensorflow_metadata `Schema`).
pub const TAXI_SCHEMA_PBTXT: &str = include_str!("../data/tfdv_schema.pbtxt");

/// The TFX taxi example's preprocessing adapted to the fare task, as a
/// `tabx transform` spec (YAML; the file's comments say what it does).
pub const TAXI_TRANSFORM_YAML: &str = include_str!("../data/taxi_transform.yaml");

/// Rows in [`TAXI_CSV`] (and in the Parquet copy), header not counted.
pub const TAXI_ROWS: u64 = 15_002;

/// Path of the taxi CSV in the source tree. Only meaningful where the source
/// tree is present (tests, benches), not in an installed binary.
pub fn taxi_csv_path() -> PathBuf {
    data_dir().join("data.csv")
}

/// Path of the same rows as Parquet, written by pyarrow (zstd, 4 row groups).
pub fn taxi_parquet_path() -> PathBuf {
    data_dir().join("data.parquet")
}

/// Path of [`TAXI_SCHEMA_PBTXT`] in the source tree.
pub fn taxi_schema_path() -> PathBuf {
    data_dir().join("tfdv_schema.pbtxt")
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_csv_is_the_file_on_disk() {
        assert_eq!(std::fs::read(taxi_csv_path()).unwrap(), TAXI_CSV);
        let lines = TAXI_CSV.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count();
        assert_eq!(lines as u64, TAXI_ROWS + 1);
        assert!(taxi_parquet_path().is_file());
        assert!(TAXI_SCHEMA_PBTXT.contains("feature"));
        assert!(taxi_schema_path().is_file());
    }
}
