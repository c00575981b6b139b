//! Helpers shared by the transform integration tests.

use arrow::array::RecordBatch;
use serde_json::{Map, Value};
use tabx_engine::{ScanPlan, SourceOptions, scan_fold};
use tabx_transform::{Transformer, json_cell};

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

/// Applies `t` to `batch` and checks that `transform_row` gives every row's
/// values (JSON numbers round-trip f64 exactly: equal means the same bits).
pub fn apply_and_serve(t: &Transformer, batch: &RecordBatch) -> RecordBatch {
    let out = t.apply(batch).unwrap();
    assert_eq!(out.schema(), t.output_schema());
    let schema = batch.schema();
    for row in 0..batch.num_rows() {
        let input: Map<String, Value> = schema
            .fields()
            .iter()
            .zip(batch.columns())
            .map(|(f, c)| (f.name().clone(), json_cell(c.as_ref(), row)))
            .collect();
        let served = t.transform_row(&input).unwrap();
        for (field, column) in out.schema().fields().iter().zip(out.columns()) {
            assert_eq!(served[field.name()], json_cell(column.as_ref(), row), "row {row}, output {}", field.name());
        }
    }
    out
}
