//! The second CSV pass (a column that turned STRING late, re-read as
//! strings) accepts and rejects exactly the rows the first pass did: the
//! `--schema` type checks of the other columns run in it too.

use std::collections::HashMap;

use tabx::{OnError, SourceOptions, StatsOptions};
use tabx_engine::ColumnType;

#[test]
fn a_row_rejected_in_the_first_pass_stays_out_of_the_second() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("late.csv");
    // Row 2 breaks `a`'s INT type (rejected); `s` is numeric until row 5, then text.
    std::fs::write(&path, "a,s\n1,1\nx,2\n3,3\n4,4\n5,hello\n").unwrap();
    let source = SourceOptions {
        batch_size: 2,
        on_error: OnError::Skip,
        column_types: HashMap::from([("a".to_string(), ColumnType::Int)]),
        ..SourceOptions::default()
    };
    let run = tabx::compute_stats(&[path.display().to_string()], source, &StatsOptions::default()).unwrap();
    assert_eq!(run.rescanned, ["s"]);
    assert_eq!(run.report.rows_bad, 1);
    let stats = run.state.finish();
    let dataset = &stats.datasets[0];
    assert_eq!(dataset.num_examples, 4);
    // By hand: rows 1, 3, 4 and 5 are read; `s` has 4 values, `1`, `3`, `4`, `hello`.
    for feature in &dataset.features {
        assert_eq!(feature.common().unwrap().num_non_missing, 4, "{}", feature.name);
    }
}
