//! Cross-crate tests of tabx on the Chicago taxi data live in `tests/`; this
//! library holds what they share.

use std::path::{Path, PathBuf};

use tabx::compute_stats;
use tabx_engine::SourceOptions;
use tabx_schema::{DatasetFeatureStatistics, FeatureNameStatistics, StatsOptions};

/// A file of the repository's `datasets/data/` folder.
pub fn taxi_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../datasets/data").join(name)
}

/// "All Examples" statistics of `path` with default options and `threads` threads.
pub fn stats_of(path: &Path, threads: usize) -> DatasetFeatureStatistics {
    let source = SourceOptions { threads, ..SourceOptions::default() };
    let run = compute_stats(&[path.display().to_string()], source, &StatsOptions::default()).expect("statistics");
    run.state.finish().datasets.remove(0)
}

/// The feature called `name`.
pub fn feature<'a>(stats: &'a DatasetFeatureStatistics, name: &str) -> &'a FeatureNameStatistics {
    stats.features.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no feature {name}"))
}

/// Asserts `actual` is within `rel` relative error of `expected`.
#[track_caller]
pub fn assert_close(actual: f64, expected: f64, rel: f64) {
    let tolerance = rel * expected.abs().max(1e-300);
    assert!((actual - expected).abs() <= tolerance, "{actual} is not within {rel} of {expected}");
}
