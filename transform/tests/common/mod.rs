//! Helpers shared by the transform integration tests.

use arrow::array::RecordBatch;
use tabx_engine::{ScanPlan, SourceOptions, scan_fold};

/// The repository's taxi CSV (15,002 rows) as batches of 1,000 rows, in order.
pub fn taxi() -> Vec<RecordBatch> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/data/data.csv");
    let options = SourceOptions { batch_size: 1000, ..SourceOptions::default() };
    let plan = ScanPlan::try_new(&[path.to_string()], options).unwrap();
    let (batches, _) = scan_fold(
        &plan,
        |_| Vec::new(),
        |acc: &mut Vec<RecordBatch>, b| {
            acc.push(b.clone());
            Ok(())
        },
    )
    .unwrap();
    batches.into_iter().flatten().collect()
}
