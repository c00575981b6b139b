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

/// 120 one-row files, 4 threads, and a first task that stalls: the other
/// workers may run only a bounded window ahead of it, so the states alive
/// at once (initialised, not yet consumed) stay within the window.
#[test]
fn a_slow_first_task_holds_only_a_window_of_states() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let inputs: Vec<String> = (0..120).map(|i| common::write(dir.path(), &format!("f{i:03}.csv"), "x\n1\n")).collect();
    let options = SourceOptions { threads: 4, ..Default::default() };
    let plan = ScanPlan::try_new(&inputs, options).unwrap();
    assert_eq!(plan.tasks(), 120);
    let (live, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let mut consumed = 0;
    scan_ordered(
        &plan,
        |task| {
            let now = live.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            task
        },
        |task, _| {
            if *task == 0 {
                std::thread::sleep(std::time::Duration::from_millis(300));
            }
            Ok(())
        },
        |_| {
            live.fetch_sub(1, Ordering::SeqCst);
            consumed += 1;
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(consumed, 120);
    let bound = tabx_engine::ORDER_WINDOW_PER_THREAD * 4 + 1;
    let most = most.load(Ordering::SeqCst);
    assert!(most <= bound, "{most} states alive at once, bound {bound}");
}

/// A panic in the caller's fold or consumer is one error naming the task,
/// not a poisoned lock, a second panic, or (for Parquet) a "corrupt file".
#[test]
fn a_panic_in_a_fold_or_consumer_is_one_error() {
    for input in [common::taxi_csv(), common::taxi_parquet()] {
        let options = SourceOptions { threads: 4, min_split_bytes: 1, ..Default::default() };
        let plan = ScanPlan::try_new(std::slice::from_ref(&input), options).unwrap();
        let err = scan_ordered(
            &plan,
            |task| task,
            |task, _| if *task == plan.tasks() - 1 { panic!("fold bug") } else { Ok(()) },
            |_| Ok(()),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("panicked") && err.contains("fold bug") && !err.contains("corrupt"), "{input}: {err}");
        let last = plan.tasks() - 1;
        let err = scan_ordered(
            &plan,
            |task| task,
            |_, _| Ok(()),
            |task| if task == last { panic!("merge bug") } else { Ok(()) },
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("panicked") && err.contains("merge bug"), "{input}: {err}");
    }
}

/// One NDJSON file is the scan's only task, its chunks decoded on parser
/// threads (`ndjson/chunks.rs`): a fold that fails, or panics, mid-file is
/// the scan's error, and the parsers stop instead of waiting to hand on
/// their batches.
#[test]
fn an_ndjson_task_stops_its_parsers_when_the_fold_fails() {
    use tabx_engine::scan_fold;
    let dir = tempfile::tempdir().unwrap();
    let lines: String = (0..5000).map(|i| format!("{{\"id\":{i},\"x\":{}.5}}\n", i % 7)).collect();
    let path = common::write(dir.path(), "t.jsonl", lines);
    let options = SourceOptions { threads: 2, batch_size: 100, ..Default::default() };
    let plan = ScanPlan::try_new(std::slice::from_ref(&path), options).unwrap();
    assert_eq!(plan.tasks(), 1);
    let (states, report) = scan_fold(
        &plan,
        |_| 0usize,
        |rows, b| {
            *rows += b.num_rows();
            Ok(())
        },
    )
    .unwrap();
    assert_eq!((states, report.rows_read), (vec![5000], 5000));
    let err = scan_fold(
        &plan,
        |_| 0usize,
        |batches, _| {
            *batches += 1;
            if *batches == 3 { Err(TabxError::config("the fold gave up")) } else { Ok(()) }
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("the fold gave up"), "{err}");
    let err = scan_fold(&plan, |_| (), |(), _| panic!("a bug in the fold")).unwrap_err();
    assert!(err.to_string().contains("a bug in the fold"), "{err}");
}
