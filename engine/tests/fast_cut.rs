//! The fast cut (`newlines_in_values: false`): planning seeks to each cut
//! instead of following quotes from the file's start, reads the same rows, and
//! still names the file's line of a bad row. Bytes read are counted for the
//! process (`/proc/self/io`, `rchar`, which keeps the counts of threads that
//! ended: quote tracking scans pieces of the file on threads of its own);
//! this file holds one test, so no other test reads meanwhile.

mod common;

use common::{rows, scan};
use tabx_engine::{OnError, ScanPlan, Shard, SourceOptions};

/// Bytes this process has read through read(2) and friends so far.
fn bytes_read() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").unwrap();
    io.lines().find_map(|l| l.strip_prefix("rchar: ")).unwrap().trim().parse().unwrap()
}

fn planning_reads(path: &str, options: SourceOptions) -> (u64, usize) {
    let before = bytes_read();
    let plan = ScanPlan::try_new(&[path.to_string()], options).unwrap();
    (bytes_read() - before, plan.tasks())
}

#[test]
fn fast_cut_reads_a_few_bytes_per_cut_and_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    // ~24 MB: quoted fields with delimiters (no line breaks), one ragged row at line 600,001.
    let mut text = String::from("id,name,value\n");
    for i in 0..1_000_000u32 {
        if i == 600_000 {
            text.push_str("ragged\n");
        } else {
            text.push_str(&format!("{i},\"shop, {}\",{}.5\n", i % 97, i % 1000));
        }
    }
    std::fs::write(&path, &text).unwrap();
    let p = path.display().to_string();
    let split = SourceOptions { threads: 4, max_split_bytes: 2 << 20, ..Default::default() };
    let fast = SourceOptions { newlines_in_values: false, ..split.clone() };

    // Planning: quote tracking reads the file up to its last inner cut; seeking, a few KiB per cut.
    let (slow_bytes, slow_tasks) = planning_reads(&p, split.clone());
    let (fast_bytes, fast_tasks) = planning_reads(&p, fast.clone());
    let size = text.len() as u64;
    assert!(slow_tasks > 10 && fast_tasks == slow_tasks, "{slow_tasks} {fast_tasks}");
    assert!(slow_bytes > size * 4 / 5, "{slow_bytes} of {size}");
    assert!(fast_bytes < size / 50, "{fast_bytes} of {size}");
    // A pod of four: its own part only, not the file up to it.
    let pod = SourceOptions { shard: Some(Shard { index: 3, count: 4 }), ..fast.clone() };
    let (pod_bytes, _) = planning_reads(&p, pod);
    assert!(pod_bytes < size / 50, "{pod_bytes} of {size}");

    // The same rows (lines hold no quoted breaks, so both cuts are record starts).
    let skip = |o: &SourceOptions| SourceOptions { on_error: OnError::Skip, ..o.clone() };
    let (a, ra, _) = scan(std::slice::from_ref(&p), skip(&split)).unwrap();
    let (b, rb, _) = scan(std::slice::from_ref(&p), skip(&fast)).unwrap();
    assert_eq!((ra.rows_read, ra.rows_bad), (999_999, 1));
    assert_eq!((rb.rows_read, rb.rows_bad), (ra.rows_read, ra.rows_bad));
    assert_eq!(rows(&a), rows(&b));

    // The ragged row is named at its line in the file (header = line 1), counted only for the error.
    let want = format!("{p}:600002: expected 3 fields, found 1");
    for options in [split, fast] {
        let e = scan(std::slice::from_ref(&p), options).unwrap_err().to_string();
        assert!(e.starts_with(&want), "{e}");
    }

    // Told wrong: a quoted line break cut apart shows as an unclosed quote, with the way out.
    let lied = dir.path().join("lied.csv");
    std::fs::write(&lied, "a,b\n1,x\n2,\"two\nlines\"\n3,z\n").unwrap();
    let tiny = SourceOptions {
        newlines_in_values: false,
        min_split_bytes: 1,
        max_split_bytes: 4,
        threads: 2,
        ..Default::default()
    };
    let e = scan(&[lied.display().to_string()], tiny).unwrap_err().to_string();
    assert!(e.contains("lied.csv:3: unclosed quote") && e.contains("drop --no-newlines-in-values"), "{e}");
}
