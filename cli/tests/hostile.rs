//! Hostile inputs: 520 corrupt Parquet files and 527 bad CSV variants, made
//! from the taxi data by seeded mutations, each read by `tabx stats` in its own
//! process under an address-space limit of max(256 MiB, 20 × the file's size)
//! and a 60 s hang cap. Every run must end in statistics (exit 0) or in a
//! typed error that names the file (exit 2): never a panic (101), an abort
//! or a signal (an allocation the limit refuses aborts the process), nor a
//! hang. Caps, not timings: how fast belongs in the benches.
//!
//! Mutations (deterministic; `SplitMix64` from a fixed seed):
//! - Parquet: truncations, single bit flips, zeroed byte ranges, random bytes
//!   over the footer, and lying footer lengths (the arrow-rs
//!   `corrupted_parquet.rs` shapes).
//! - CSV: ragged rows, invalid UTF-8, unclosed quotes (at read-buffer edges
//!   too; several, skipped), NUL bytes, a 5 MB field, 5,000 columns, duplicate column names,
//!   random byte insertions, truncated gzip, and gzip bombs (stopped by
//!   `--max-decompressed-bytes`, as the default cap stops a real one).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::taxi;
use tabx_core::SplitMix64;

/// One variant: its file and extra flags.
struct Case {
    path: PathBuf,
    flags: Vec<String>,
}

fn parquet_cases(dir: &Path, rng: &mut SplitMix64) -> Vec<Case> {
    let base = std::fs::read(taxi("data.parquet")).unwrap();
    let n = base.len();
    let mut variants: Vec<Vec<u8>> = Vec::new();
    // Truncations: anywhere, and within the last 4 KiB (the footer).
    for i in 0..60 {
        let at = if i % 2 == 0 { rng.below(n) } else { n - 1 - rng.below(4096.min(n - 1)) };
        variants.push(base[..at].to_vec());
    }
    // Single bit flips, half of them in the footer.
    for i in 0..200 {
        let mut v = base.clone();
        let at = if i % 2 == 0 { rng.below(n) } else { n - 1 - rng.below(8192.min(n - 1)) };
        v[at] ^= 1 << rng.below(8);
        variants.push(v);
    }
    // Zeroed ranges.
    for _ in 0..100 {
        let mut v = base.clone();
        let at = rng.below(n);
        let len = 1 + rng.below(4096);
        v[at..(at + len).min(n)].fill(0);
        variants.push(v);
    }
    // Random bytes over the footer's metadata.
    for _ in 0..100 {
        let mut v = base.clone();
        for _ in 0..1 + rng.below(16) {
            let at = n - 8 - rng.below(2048.min(n - 8));
            v[at] = rng.next_u64() as u8;
        }
        variants.push(v);
    }
    // Lying footer lengths: the 4 bytes before the closing magic.
    for i in 0..60 {
        let mut v = base.clone();
        let length: u32 = match i % 4 {
            0 => u32::MAX,
            1 => n as u32 + rng.below(1 << 20) as u32,
            2 => rng.below(64) as u32,
            _ => rng.next_u64() as u32,
        };
        v[n - 8..n - 4].copy_from_slice(&length.to_le_bytes());
        variants.push(v);
    }
    variants
        .into_iter()
        .enumerate()
        .map(|(i, bytes)| {
            let path = dir.join(format!("p{i:03}.parquet"));
            std::fs::write(&path, bytes).unwrap();
            Case { path, flags: vec![] }
        })
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn csv_cases(dir: &Path, rng: &mut SplitMix64) -> Vec<Case> {
    let text = std::fs::read(taxi("data.csv")).unwrap();
    // The header and the first 300 rows (about 38 KB).
    let cut = text.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(300).unwrap().0 + 1;
    let base = &text[..cut];
    let lines: Vec<&[u8]> = base.split_inclusive(|b| *b == b'\n').collect();
    let mut cases: Vec<(Vec<u8>, &str, Vec<String>)> = Vec::new();
    let with = |rng: &mut SplitMix64, f: &dyn Fn(&mut SplitMix64, &mut Vec<u8>)| {
        let mut v = base.to_vec();
        f(rng, &mut v);
        v
    };
    for i in 0..60 {
        // Ragged rows: a line with fields cut off or added.
        let v = with(rng, &|rng, v| {
            let line = 1 + rng.below(lines.len() - 1);
            let start: usize = lines[..line].iter().map(|l| l.len()).sum();
            let comma = v[start..].iter().position(|b| *b == b',').map(|p| start + p).unwrap();
            if rng.below(2) == 0 {
                v.insert(comma, b',');
            } else {
                v.remove(comma);
            }
        });
        cases.push((v, if i % 2 == 0 { "csv" } else { "tsv.csv" }, vec![]));
    }
    for _ in 0..80 {
        // Invalid UTF-8 bytes anywhere.
        let v = with(rng, &|rng, v| {
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(v.len());
                v.insert(at, [0xFF, 0xC3, 0x80 | 0x40, 0xED][rng.below(4)]);
            }
        });
        cases.push((v, "csv", vec![]));
    }
    for i in 0..80 {
        // Unclosed quotes, some at 64 KiB read-buffer edges of a larger file.
        let v = with(rng, &|rng, v| {
            if i % 2 == 1 {
                let copy = v.clone();
                while v.len() < 200_000 {
                    v.extend_from_slice(&copy[lines[0].len()..]);
                }
                let at = (65_536 * (1 + rng.below(2))) - rng.below(3);
                v.insert(at.min(v.len() - 1), b'"');
            } else {
                let at = rng.below(v.len());
                v.insert(at, b'"');
            }
        });
        cases.push((v, "csv", vec![]));
    }
    for _ in 0..40 {
        // A quote opening a field on one line, and on a later line `","`
        // closing it and opening another to the end of the file, the rows
        // skipped: the reader restarts after the first line, meets the
        // second quote still open, and restarts again (it once panicked there).
        let v = with(rng, &|rng, v| {
            let comma_in = |v: &[u8], line: usize| {
                let start: usize = lines[..line].iter().map(|l| l.len()).sum();
                start + v[start..].iter().position(|b| *b == b',').unwrap()
            };
            let (a, b) = (1 + rng.below(lines.len() / 2), lines.len() / 2 + rng.below(lines.len() / 2));
            let at = comma_in(v, b);
            v.splice(at..=at, *b"\",\"");
            let at = comma_in(v, a);
            v.insert(at + 1, b'"');
        });
        cases.push((v, "csv", vec!["--on-error".into(), "skip".into()]));
    }
    for _ in 0..60 {
        // NUL bytes.
        let v = with(rng, &|rng, v| {
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(v.len());
                v.insert(at, 0);
            }
        });
        cases.push((v, "csv", vec![]));
    }
    for _ in 0..160 {
        // Random bytes inserted or overwritten.
        let v = with(rng, &|rng, v| {
            for _ in 0..1 + rng.below(32) {
                let at = rng.below(v.len());
                let byte = rng.next_u64() as u8;
                if rng.below(2) == 0 { v.insert(at, byte) } else { v[at] = byte }
            }
        });
        cases.push((v, "csv", vec![]));
    }
    // A 5 MB field, quoted and not.
    for quoted in [false, true] {
        let mut v = lines[0].to_vec();
        v.extend_from_slice(if quoted { b"\"" } else { b"" });
        v.extend(std::iter::repeat_n(b'x', 5 << 20));
        v.extend_from_slice(if quoted { b"\",1\n" } else { b",1\n" });
        cases.push((v, "csv", vec![]));
    }
    // 5,000 columns, and duplicate names.
    let wide_header: Vec<String> = (0..5000).map(|i| format!("c{i}")).collect();
    let wide_row: Vec<String> = (0..5000).map(|i| (i % 7).to_string()).collect();
    cases.push((
        format!("{}\n{}\n{}\n", wide_header.join(","), wide_row.join(","), wide_row.join(",")).into_bytes(),
        "csv",
        vec![],
    ));
    for _ in 0..20 {
        let v = with(rng, &|rng, v| {
            let header = lines[0];
            let names: Vec<&[u8]> = header.trim_ascii_end().split(|b| *b == b',').collect();
            let (a, b) = (rng.below(names.len()), rng.below(names.len()));
            let mut renamed: Vec<&[u8]> = names.clone();
            renamed[a] = names[b];
            let mut new_header = renamed.join(&b","[..]);
            new_header.push(b'\n');
            v.splice(..header.len(), new_header);
        });
        cases.push((v, "csv", vec![]));
    }
    // Truncated gzip, and gzip bombs against a lowered cap.
    let gz = gzip(base);
    for _ in 0..60 {
        let at = rng.below(gz.len());
        cases.push((gz[..at].to_vec(), "csv.gz", vec![]));
    }
    for size in [16usize << 20, 64 << 20] {
        let mut bomb = lines[0].to_vec();
        bomb.extend(std::iter::repeat_n(b'\n', size));
        cases.push((gzip(&bomb), "csv.gz", vec!["--max-decompressed-bytes".into(), "8000000".into()]));
        let mut one_record = lines[0].to_vec();
        one_record.extend(std::iter::repeat_n(b'a', size));
        cases.push((gzip(&one_record), "csv.gz", vec!["--max-decompressed-bytes".into(), "8000000".into()]));
    }
    cases
        .into_iter()
        .enumerate()
        .map(|(i, (bytes, ext, flags))| {
            let path = dir.join(format!("c{i:03}.{ext}"));
            std::fs::write(&path, bytes).unwrap();
            Case { path, flags }
        })
        .collect()
}

/// Runs `tabx stats` on the case under the caps; `Err` says what went wrong.
fn run(case: &Case, out: &Path) -> Result<i32, String> {
    let size = std::fs::metadata(&case.path).unwrap().len();
    let limit_kib = (256u64 << 10).max(20 * size / 1024);
    let tabx = env!("CARGO_BIN_EXE_tabx");
    let script = format!(
        "ulimit -v {limit_kib} && exec timeout -s KILL 60 '{}' stats '{}' -q -o '{}' {}",
        tabx,
        case.path.display(),
        out.display(),
        case.flags.join(" ")
    );
    // One malloc arena: glibc reserves 64 MiB of address space per extra arena,
    // created when threads happen to contend, so under `ulimit -v` the cap
    // measured thread timing, not allocations (p240/p249 aborted once each in
    // ~10 runs, "zstd returned null pointer when creating new context").
    let output = Command::new("sh").arg("-c").arg(&script).env("MALLOC_ARENA_MAX", "1").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let name = case.path.file_name().unwrap().to_string_lossy();
    match output.status.code() {
        Some(0) => Ok(0),
        Some(2) if stderr.contains("error:") && stderr.contains(name.as_ref()) => Ok(2),
        Some(2) => Err(format!("{name}: an error that does not name the file: {stderr}")),
        Some(code) => Err(format!("{name}: exit {code}: {stderr}")),
        None => Err(format!("{name}: killed by a signal (abort, crash, or the 60 s cap): {stderr}")),
    }
}

/// Runs every case on two threads; returns (results by exit code, failures).
fn run_all(cases: &[Case], dir: &Path) -> (Vec<i32>, Vec<String>) {
    let (codes, failures) = (std::sync::Mutex::new(Vec::new()), std::sync::Mutex::new(Vec::new()));
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..2 {
            let (codes, failures, next) = (&codes, &failures, &next);
            s.spawn(move || {
                let out = dir.join(format!("out{t}.json"));
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(case) = cases.get(i) else { break };
                    match run(case, &out) {
                        Ok(code) => codes.lock().unwrap().push(code),
                        Err(why) => failures.lock().unwrap().push(why),
                    }
                }
            });
        }
    });
    (codes.into_inner().unwrap(), failures.into_inner().unwrap())
}

fn check(kind: &str, cases: &[Case], dir: &Path) {
    assert!(cases.len() >= 500, "{} {kind} cases", cases.len());
    let (codes, failures) = run_all(cases, dir);
    let errors = codes.iter().filter(|c| **c == 2).count();
    eprintln!(
        "{kind}: {} cases, {} read, {errors} typed errors, {} failures",
        cases.len(),
        codes.len() - errors,
        failures.len()
    );
    assert!(failures.is_empty(), "{} of {} {kind} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
    // The suite must reach the error paths, not only the lucky mutations.
    assert!(errors > cases.len() / 10, "{kind}: only {errors} typed errors");
}

#[test]
fn corrupt_parquet_files_end_in_a_result_or_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let cases = parquet_cases(dir.path(), &mut SplitMix64::new(0x7ab5_0001));
    check("Parquet", &cases, dir.path());
}

#[test]
fn bad_csv_files_end_in_a_result_or_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let cases = csv_cases(dir.path(), &mut SplitMix64::new(0x7ab5_0002));
    check("CSV", &cases, dir.path());
}
