//! Test data: files read through the engine (a dev-dependency only).

use arrow::array::RecordBatch;
use tabx_engine::{ScanPlan, SourceOptions, scan_fold};

/// A CSV file as one batch, typed as the engine types it (ints, floats, text).
pub(crate) fn read_csv(path: &str) -> RecordBatch {
    let options = SourceOptions { threads: 1, batch_size: 1 << 20, ..SourceOptions::default() };
    let plan = ScanPlan::try_new(&[path.to_string()], options).unwrap();
    let (parts, _) = scan_fold(
        &plan,
        |_| Vec::new(),
        |all: &mut Vec<RecordBatch>, b| {
            all.push(b.clone());
            Ok(())
        },
    )
    .unwrap();
    let batches: Vec<RecordBatch> = parts.into_iter().flatten().collect();
    arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap()
}
