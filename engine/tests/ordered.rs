//! `scan_ordered`: finished task states reach the consumer in task order, and a
//! consumer error stops the scan.

mod common;

use tabx_core::TabxError;
use tabx_engine::{ScanPlan, SourceOptions, scan_merged, scan_ordered};

#[test]
fn states_arrive_in_task_order_and_cover_every_row() {
    // With 7 threads and no minimum split, the taxi CSV becomes 7 byte-range tasks.
    let options = SourceOptions { threads: 7, min_split_bytes: 1, ..Default::default() };
    let plan = ScanPlan::try_new(&[common::taxi_csv()], options).unwrap();
    assert!(plan.tasks() > 4, "{} tasks", plan.tasks());
    let mut seen = Vec::new();
    let report = scan_ordered(
        &plan,
        |task| (task, 0usize),
        |state, batch| {
            state.1 += batch.num_rows();
            Ok(())
        },
        |state| {
            seen.push(state);
            Ok(())
        },
    )
    .unwrap();
    let order: Vec<usize> = seen.iter().map(|s| s.0).collect();
    assert_eq!(order, (0..plan.tasks()).collect::<Vec<_>>());
    assert_eq!(seen.iter().map(|s| s.1).sum::<usize>(), 15002);
    assert_eq!(report.rows_read, 15002);
}

#[test]
fn a_consumer_error_is_the_scan_error() {
    let options = SourceOptions { threads: 7, min_split_bytes: 1, ..Default::default() };
    let plan = ScanPlan::try_new(&[common::taxi_csv()], options).unwrap();
    let mut calls = 0;
    let err = scan_ordered(
        &plan,
        |_| (),
        |_, _| Ok(()),
        |_| {
            calls += 1;
            if calls == 2 { Err(TabxError::config("states do not match")) } else { Ok(()) }
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("states do not match"), "{err}");
}

#[test]
fn scan_merged_merges_every_task_in_task_order() {
    let options = SourceOptions { threads: 7, min_split_bytes: 1, ..Default::default() };
    let plan = ScanPlan::try_new(&[common::taxi_csv()], options).unwrap();
    // State: the task indices merged so far, and the rows they hold.
    let (merged, report) = scan_merged(
        &plan,
        |task| (vec![task], 0usize),
        |state, batch| {
            state.1 += batch.num_rows();
            Ok(())
        },
        |merged, state| {
            merged.0.extend(state.0);
            merged.1 += state.1;
            Ok(())
        },
    )
    .unwrap();
    let (tasks, rows) = merged.unwrap();
    assert_eq!(tasks, (0..plan.tasks()).collect::<Vec<_>>());
    assert_eq!((rows, report.rows_read), (15002, 15002));
}
