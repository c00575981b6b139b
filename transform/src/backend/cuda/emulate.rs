//! The kernels of `kernels.cu` run on the host (`emulate.cpp`: one std::thread
//! per CUDA thread, a barrier per `__syncthreads`) and compared with the CPU
//! backend, so that CI checks their logic (indexing, nulls, the moments'
//! carries and block merging, the min/max reduction, the FarmHash port)
//! without a GPU. What it cannot check, NVRTC's code and the GPU's math
//! functions, the parity tests do on a GPU machine (`tests/cuda_parity.rs`).
//!
//! Needs a C++20 compiler (`c++`, g++ 12 here); without one the tests print
//! why and pass, unless TABX_REQUIRE_NVRTC is set (CI).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use arrow::array::{Array, Float64Array, Int64Array, StringArray};
use arrow::buffer::ScalarBuffer;

use super::vocab::HostTable;
use super::{MOMENT_WORDS, min_max_of_blocks, moments_of_blocks};
use crate::analyzer::{MinMaxState, MomentsState};
use crate::backend::{Backend, CpuBackend};
use crate::kernels::VocabularyLookup;

/// The emulator binary, built once per test run (`None`: no C++ compiler).
fn emulator() -> Option<&'static Path> {
    static BUILT: OnceLock<Option<(tempfile::TempDir, PathBuf)>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let binary = dir.path().join("emulate");
        let source = concat!(env!("CARGO_MANIFEST_DIR"), "/src/backend/cuda/emulate.cpp");
        let status =
            Command::new("c++").args(["-std=c++20", "-O1", "-pthread", "-w", source, "-o"]).arg(&binary).status();
        match status {
            Ok(s) if s.success() => Some((dir, binary)),
            other => {
                assert!(
                    std::env::var_os("TABX_REQUIRE_NVRTC").is_none(),
                    "cannot build the kernel emulator: {other:?}"
                );
                eprintln!("skipped: no C++20 compiler to emulate the kernels ({other:?})");
                None
            }
        }
    });
    built.as_ref().map(|(_, binary)| binary.as_path())
}

/// Runs `kernel` on `grid` blocks of `block` threads; `files` are written
/// first; returns the bytes of the file named `out`.
fn run(grid: u32, block: u32, kernel: &str, files: &[(&str, Vec<u8>)], args: &[String]) -> Option<Vec<u8>> {
    let binary = emulator()?;
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let status = Command::new(binary)
        .current_dir(dir.path())
        .args([grid.to_string(), block.to_string(), kernel.to_string()])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "{kernel}: {status}");
    Some(std::fs::read(dir.path().join("out")).unwrap())
}

fn bytes_of<T: Copy>(values: &[T], to_le: fn(T) -> [u8; 8]) -> Vec<u8> {
    values.iter().flat_map(|v| to_le(*v)).collect()
}

fn floats(bytes: &[u8]) -> Vec<f64> {
    bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect()
}

fn ints(bytes: &[u8]) -> Vec<i64> {
    bytes.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect()
}

/// A column with nulls, NaN, ±inf, ±0, subnormals, huge and ordinary values,
/// sliced so that its validity bitmap starts mid-byte.
fn column(n: usize) -> Float64Array {
    let special = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0, 5e-324, -1e-310, 1.7e308, -1e200, 3.5];
    let whole = Float64Array::from_iter((0..n + 3).map(|i| match i % 13 {
        0 => None,
        1 => Some(special[(i / 13) % special.len()]),
        _ => Some(((i * 7919) % 10007) as f64 / 17.0 - 250.0 + (i % 5) as f64 * 1e-9),
    }));
    whole.slice(3, n)
}

/// A column's validity bytes, bit offset and has-validity flag, as the kernels take them.
fn validity(x: &dyn Array) -> (Vec<u8>, usize, u8) {
    match x.nulls() {
        Some(n) => (n.inner().values().to_vec(), n.inner().offset(), 1),
        None => (Vec::new(), 0, 0),
    }
}

/// The column's values, validity bytes, bit offset and has-validity flag, as the kernels take them.
fn inputs(x: &Float64Array) -> (Vec<(&'static str, Vec<u8>)>, Vec<String>) {
    let values = bytes_of(x.values(), f64::to_le_bytes);
    let (valid, offset, has) = validity(x);
    (
        vec![("values", values), ("valid", valid)],
        vec!["values".into(), "valid".into(), offset.to_string(), has.to_string()],
    )
}

#[test]
fn moments_and_min_max_equal_the_cpu_states() {
    // 20 001 values on 3 blocks of 256 threads: each block runs many rounds
    // of 768 values (the carry step between them), the last one partial.
    for (n, grid) in [(20_001, 3), (5, 2), (0, 1)] {
        let x = column(n);
        let (files, mut args) = inputs(&x);
        args.push("out".into());
        let Some(words) = run(grid, 256, "moments", &files, &args) else { return };
        assert_eq!(words.len(), grid as usize * MOMENT_WORDS * 8);
        let mut cpu = MomentsState::default();
        CpuBackend.update_moments(&mut cpu, &x).unwrap();
        assert_eq!(moments_of_blocks(&ints(&words)), cpu, "moments of {n} values");
        let words = run(grid, 256, "min_max", &files, &args).unwrap();
        let mut cpu = MinMaxState::default();
        CpuBackend.update_min_max(&mut cpu, &x).unwrap();
        assert_eq!(min_max_of_blocks(&floats(&words)), cpu, "min/max of {n} values");
    }
}

#[test]
fn large_finite_sums_keep_every_bit() {
    // Values across the whole exponent range with cancellation: the sum is
    // exact only if no chunk overflowed and every carry arrived.
    let x = Float64Array::from_iter_values((0..50_000).map(|i| {
        let magnitude = 2f64.powi((i * 37) % 2000 - 1000);
        if i % 2 == 0 { magnitude } else { -magnitude * 0.999_999_999 }
    }));
    let (files, mut args) = inputs(&x);
    args.push("out".into());
    let Some(words) = run(4, 256, "moments", &files, &args) else { return };
    let mut cpu = MomentsState::default();
    CpuBackend.update_moments(&mut cpu, &x).unwrap();
    assert_eq!(moments_of_blocks(&ints(&words)), cpu);
}

#[test]
fn element_wise_kernels_equal_the_cpu() {
    let x = column(3000);
    let (files, _) = inputs(&x);
    let boundaries = [-100.0, -0.0, 2.0, 5.0, 10.0, 1e300];
    let mut with_boundaries = files.clone();
    with_boundaries.push(("boundaries", bytes_of(&boundaries, f64::to_le_bytes)));
    let Some(out) = run(2, 64, "buckets", &with_boundaries, &["values".into(), "boundaries".into(), "out".into()])
    else {
        return;
    };
    let gpu = Int64Array::new(ScalarBuffer::from(ints(&out)), x.nulls().cloned());
    assert_eq!(gpu, CpuBackend.buckets(&x, &boundaries).unwrap(), "buckets");

    for (lo, hi) in [(0.0, 1.0), (-0.0, f64::INFINITY), (f64::NEG_INFINITY, -3.0)] {
        let out =
            run(2, 64, "clip", &files, &["values".into(), format!("{lo:e}"), format!("{hi:e}"), "out".into()]).unwrap();
        let cpu = CpuBackend.clip(&x, Some(lo), Some(hi)).unwrap();
        let gpu = floats(&out);
        for i in (0..x.len()).filter(|&i| x.is_valid(i)) {
            assert_eq!(gpu[i].to_bits(), cpu.value(i).to_bits(), "clip({lo}, {hi}) row {i}");
        }
    }

    let (files, args) = inputs(&x);
    let fill = -7.25f64;
    let out = run(
        3,
        32,
        "fill_nulls_64",
        &files,
        &[args[0].clone(), args[1].clone(), args[2].clone(), fill.to_bits().to_string(), "out".into()],
    )
    .unwrap();
    let x_ref: arrow::array::ArrayRef = std::sync::Arc::new(x.clone());
    let cpu = CpuBackend.fill_nulls(&x_ref, &(std::sync::Arc::new(Float64Array::from(vec![fill])) as _)).unwrap();
    let cpu = cpu.as_any().downcast_ref::<Float64Array>().unwrap();
    let gpu = floats(&out);
    assert!((0..x.len()).all(|i| gpu[i].to_bits() == cpu.value(i).to_bits()), "fill_nulls_64");
}

#[test]
fn the_farmhash_port_gives_the_cpu_ids() {
    // Every length branch of Fingerprint64 (0, 1-3, 4-7, 8-16, 17-32, 33-64,
    // the 64-byte loop with and without a remainder), sliced so offsets do not start at 0.
    let text = "Flash Cab 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let whole = StringArray::from_iter((0..400).map(|i| {
        let len = [0, 1, 2, 3, 4, 7, 8, 16, 17, 32, 33, 64, 65, 128, 129, 200][i % 16];
        (i % 9 != 0).then(|| text.chars().cycle().skip(i).take(len).collect::<String>())
    }));
    let x = whole.slice(5, 390);
    let offsets: Vec<u8> = x.value_offsets().iter().flat_map(|o| o.to_le_bytes()).collect();
    let files = vec![("offsets", offsets), ("bytes", x.value_data().to_vec())];
    for buckets in [1u64, 97, 1 << 40] {
        let args = ["offsets".into(), "bytes".into(), buckets.to_string(), "0".into(), "out".into()];
        let Some(out) = run(2, 64, "hash_strings", &files, &args) else { return };
        let gpu = Int64Array::new(ScalarBuffer::from(ints(&out)), x.nulls().cloned());
        assert_eq!(gpu, CpuBackend.hash_strings(&x, buckets).unwrap(), "{buckets} buckets");
    }
}

#[test]
fn vocabulary_lookup_gives_the_cpu_ids() {
    // Tokens of several lengths (one empty), strings in and out of the
    // vocabulary, nulls; with OOV buckets and with a default value.
    let vocab: Vec<String> = ["Flash Cab", "", "Taxi Affiliation Services", "a", "Chicago Carriage Cab Corp"]
        .into_iter()
        .map(String::from)
        .chain((0..300).map(|i| format!("company {i} {}", "x".repeat(i % 70))))
        .collect();
    let whole = StringArray::from_iter((0..2000).map(|i| match i % 5 {
        0 => None,
        1 => Some(vocab[i % vocab.len()].clone()),
        2 => Some(format!("unknown {i}")),
        3 => Some(String::new()),
        _ => Some(vocab[(i * 7) % vocab.len()].clone()),
    }));
    let x = whole.slice(3, 1990);
    for (oov, default) in [(0u64, -1i64), (10, -1), (1, 7)] {
        let lookup = VocabularyLookup::try_new(&vocab, oov, default).unwrap();
        let table = HostTable::build(&lookup);
        let le = |v: &[u64]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        let files = vec![
            ("offsets", x.value_offsets().iter().flat_map(|o| o.to_le_bytes()).collect()),
            ("bytes", x.value_data().to_vec()),
            ("keys", le(&table.keys)),
            ("ids", table.ids.iter().flat_map(|x| x.to_le_bytes()).collect()),
            ("tok_offsets", le(&table.tok_offsets)),
            ("tok_bytes", table.tok_bytes.clone()),
        ];
        let args: Vec<String> =
            ["offsets", "bytes", "keys", "ids", &table.mask.to_string(), "tok_offsets", "tok_bytes"]
                .into_iter()
                .map(String::from)
                .chain([vocab.len().to_string(), oov.to_string(), default.to_string(), "out".into()])
                .collect();
        let Some(out) = run(2, 64, "vocab_lookup", &files, &args) else { return };
        let gpu = Int64Array::new(ScalarBuffer::from(ints(&out)), x.nulls().cloned());
        assert_eq!(gpu, lookup.apply(&x).unwrap(), "{oov} OOV buckets, default {default}");
    }
}

/// The bytes of a file of i64s (the cross kernels' integer columns).
fn int_file(x: &Int64Array) -> Vec<u8> {
    bytes_of(x.values(), i64::to_le_bytes)
}

#[test]
fn crosses_give_the_cpu_ids() {
    // A string column (every Fingerprint64 length branch, nulls, sliced) crossed
    // with an Int64 column (negative values: two's complement bits), and alone.
    let text = "Flash Cab 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let whole = StringArray::from_iter((0..700).map(|i| {
        let len = [0, 1, 3, 4, 8, 16, 17, 33, 64, 65, 129][i % 11];
        (i % 13 != 0).then(|| text.chars().cycle().skip(i).take(len).collect::<String>())
    }));
    let s = whole.slice(7, 600);
    let numbers = Int64Array::from_iter((0..600).map(|i: i64| (i % 17 != 0).then_some((i - 300) * 7_919_000_003)));
    let files = vec![
        ("offsets", s.value_offsets().iter().flat_map(|o| o.to_le_bytes()).collect()),
        ("bytes", s.value_data().to_vec()),
        ("ints", int_file(&numbers)),
    ];
    let key = crate::kernels::DEFAULT_HASH_KEY.to_string();
    for buckets in [1u64, 1000, 0] {
        let modulus = if buckets == 0 { i64::MAX as u64 } else { buckets };
        let args: Vec<String> = [&key, &modulus.to_string(), "out", "s", "offsets", "bytes", "i", "ints"]
            .into_iter()
            .map(String::from)
            .collect();
        let Some(out) = run(3, 64, "cross", &files, &args) else { return };
        let nulls = arrow::buffer::NullBuffer::union(s.nulls(), numbers.nulls());
        let gpu = Int64Array::new(ScalarBuffer::from(ints(&out)), nulls);
        let cpu = CpuBackend.cross_hashed(&[&s, &numbers], buckets).unwrap();
        assert_eq!(gpu, cpu, "string × int, {buckets} buckets");
        let out = run(2, 64, "cross", &files, &args[..5].iter().chain(&args[5..6]).cloned().collect::<Vec<_>>());
        let gpu = Int64Array::new(ScalarBuffer::from(ints(&out.unwrap())), s.nulls().cloned());
        assert_eq!(gpu, CpuBackend.cross_hashed(&[&s], buckets).unwrap(), "strings alone, {buckets} buckets");
    }
}

#[test]
fn greater_than_fraction_gives_the_cpu_labels() {
    // Two awkward columns against each other (nulls read as 0, NaN, ±inf, ±0),
    // offset differently so their bitmaps start at different bits.
    let (a, b) = (column(2500), column(2504).slice(4, 2500));
    let b: &Float64Array = b.as_any().downcast_ref().unwrap();
    let (mut files, mut args) = inputs(&a);
    let (b_files, b_args) = inputs(b);
    files.extend(
        b_files.into_iter().map(|(name, bytes)| (if name == "values" { "b_values" } else { "b_valid" }, bytes)),
    );
    args.extend(["b_values".to_string(), "b_valid".into(), b_args[2].clone(), b_args[3].clone()]);
    for fraction in [0.2, -1.5, 0.0] {
        let mut with = args.clone();
        with.extend([format!("{fraction:e}"), "out".into()]);
        let Some(out) = run(2, 64, "greater_than_fraction", &files, &with) else { return };
        let gpu = Int64Array::new(ScalarBuffer::from(ints(&out)), None);
        assert_eq!(gpu, CpuBackend.greater_than_fraction(&a, b, fraction).unwrap(), "fraction {fraction}");
    }
}

#[test]
fn utc_parts_give_the_cpu_calendar() {
    // Seconds around the epoch, leap days (1900 not a leap year, 2000 one),
    // far past and future (year ±200,000), and every hour of a few days; the
    // same instants in milliseconds, floored towards the past.
    let mut secs: Vec<i64> = vec![0, -1, 1, 86_399, 86_400, -86_400, -86_401, 951_782_400, 951_868_799, -2_203_891_200];
    secs.extend([6_311_390_400_000, -6_311_452_800_000, 1_400_269_500, 1_709_251_199]);
    secs.extend((0..3000).map(|i| 1_388_534_400 + i * 3_607 - 5_000_000));
    for (values, per_second) in [(secs.clone(), 1i64), (secs.iter().map(|s| s * 1000 - 1).collect(), 1000)] {
        let x = Int64Array::from(values);
        let files = vec![("values", int_file(&x))];
        let Some(out) = run(2, 64, "utc_parts", &files, &["values".into(), per_second.to_string(), "out".into()])
        else {
            return;
        };
        let out = ints(&out);
        let n = x.len();
        let cpu = if per_second == 1 {
            crate::kernels::timestamp_parts(&x, "UTC").unwrap()
        } else {
            let millis = arrow::array::TimestampMillisecondArray::new(x.values().clone(), None);
            crate::kernels::timestamp_parts(&millis, "UTC").unwrap()
        };
        assert_eq!(out[..n], *cpu.hour.values(), "hour, {per_second} per second");
        assert_eq!(out[n..2 * n], *cpu.day_of_week.values(), "day of week, {per_second} per second");
        assert_eq!(out[2 * n..], *cpu.month.values(), "month, {per_second} per second");
    }
}

#[test]
fn one_hot_gives_the_cpu_vectors() {
    // Ids in and out of 0..depth (negative, one past the end, i64::MIN), nulls,
    // sliced so the bitmap starts mid-byte.
    let whole = Int64Array::from_iter((0..1003i64).map(|i| match i % 9 {
        0 => None,
        1 => Some(-1),
        2 => Some(i64::MIN),
        _ => Some(i % 26),
    }));
    let ids = whole.slice(3, 1000);
    let (valid, offset, has) = validity(&ids);
    let files = vec![("ids", int_file(&ids)), ("valid", valid)];
    for depth in [24usize, 1, 30] {
        let args = ["ids".into(), "valid".into(), offset.to_string(), has.to_string(), depth.to_string(), "out".into()];
        let Some(out) = run(3, 64, "one_hot", &files, &args) else { return };
        let gpu: Vec<f32> = out.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
        let cpu = CpuBackend.one_hot(&ids, depth).unwrap();
        let cpu = cpu.values().as_any().downcast_ref::<arrow::array::Float32Array>().unwrap();
        assert_eq!(gpu, cpu.values().to_vec(), "depth {depth}");
    }
}

/// The counting kernels' output (first rows, then counts) as a state, each
/// row's token given by `token`; and how many distinct values came back.
fn counted(out: &[u8], token: impl Fn(usize) -> String) -> (crate::kernels::VocabularyState, usize) {
    let words = ints(out);
    let (rows, counts) = words.split_at(words.len() / 2);
    let mut state = crate::kernels::VocabularyState::default();
    for (&row, &count) in rows.iter().zip(counts) {
        state.add(&token(row as usize), count as u64);
    }
    (state, rows.len())
}

/// Runs counting kernel `kernel` on `args` and a table of each size in
/// `slots`: its counts must be `cpu`'s, each distinct value coming back once.
fn counts_equal(
    kernel: &str,
    files: &[(&str, Vec<u8>)],
    args: &[String],
    slots: &[usize],
    cpu: &crate::kernels::VocabularyState,
    token: impl Fn(usize) -> String,
) {
    for n in slots {
        let args: Vec<String> = args.iter().cloned().chain([n.to_string(), "out".to_string()]).collect();
        let Some(out) = run(3, 64, kernel, files, &args) else { return };
        let (gpu, distinct) = counted(&out, &token);
        assert_eq!(gpu, *cpu, "{n} slots");
        assert_eq!(distinct, cpu.len(), "each distinct value once");
    }
}

#[test]
fn vocabulary_counts_equal_the_cpu_state() {
    // Repeated tokens, an empty one, nulls, ~600 distinct strings with
    // shared prefixes, sliced; with a crowded table (long probe chains; the
    // kernel needs more slots than distinct strings, and the backend gives it
    // twice the rows) and a roomy one.
    let whole = StringArray::from_iter((0..3003).map(|i| match i % 7 {
        0 => None,
        1 => Some(String::new()),
        2 | 3 => Some(["Flash Cab", "Taxi Affiliation Services", "Cash", "Credit Card"][i % 4].to_string()),
        _ => Some(format!("company {} {}", i % 150, "x".repeat(i % 40))),
    }));
    let x = whole.slice(3, 3000);
    let (valid, offset, has) = validity(&x);
    let files = vec![
        ("offsets", x.value_offsets().iter().flat_map(|o| o.to_le_bytes()).collect()),
        ("bytes", x.value_data().to_vec()),
        ("valid", valid),
    ];
    let mut cpu = crate::kernels::VocabularyState::default();
    CpuBackend.update_vocabulary(&mut cpu, &x).unwrap();
    let args = ["offsets", "bytes", "valid", &offset.to_string(), &has.to_string()].map(String::from);
    counts_equal("vocab_count", &files, &args, &[4096, 8192], &cpu, |row| x.value(row).to_string());
}

#[test]
fn integer_vocabulary_counts_equal_the_cpu_state() {
    // Codes, negative values, the extremes (whose decimal strings differ in
    // length), nulls, sliced; ~300 distinct values in a crowded and a roomy table.
    let whole = Int64Array::from_iter((0..2003i64).map(|i| match i % 11 {
        0 => None,
        1 => Some(i64::MIN),
        2 => Some(i64::MAX),
        3 => Some(-(i % 50)),
        _ => Some((i * 7) % 290),
    }));
    let x = whole.slice(3, 2000);
    let (valid, offset, has) = validity(&x);
    let files = vec![("values", int_file(&x)), ("valid", valid)];
    let mut cpu = crate::kernels::VocabularyState::default();
    CpuBackend.update_vocabulary(&mut cpu, &x).unwrap();
    let args = ["values", "valid", &offset.to_string(), &has.to_string()].map(String::from);
    counts_equal("vocab_count_ints", &files, &args, &[512, 4096], &cpu, |row| x.value(row).to_string());
}

#[test]
fn integer_vocabulary_lookup_gives_the_cpu_ids() {
    // Tokens that are integers' decimal strings (negative, the extremes) and
    // tokens no integer formats to (`013`, `+5`, `-0`, text); values in and
    // out of the vocabulary, nulls; with OOV buckets (the decimal string
    // hashed on the device) and with a default value.
    let vocab: Vec<String> =
        ["13", "013", "+5", "-0", "Flash Cab", "-10", "0", &i64::MIN.to_string(), &i64::MAX.to_string()]
            .into_iter()
            .map(String::from)
            .chain((0..200).map(|i| (i * 37 - 3000).to_string()))
            .collect();
    let whole = Int64Array::from_iter((0..2003i64).map(|i| match i % 9 {
        0 => None,
        1 => Some(i64::MIN + i % 3),
        2 => Some(i64::MAX - i % 3),
        // In the vocabulary (13, -10, 0, -3000), or only as a token no integer
        // formats to (5 as `+5`, 0 as `-0`), or negative and unknown (-1, -7).
        3 => Some([5, 13, -10, 0, -1, -3000, -7][(i as usize / 9) % 7]),
        _ => Some((i * 13) % 9000 - 4000),
    }));
    let x = whole.slice(3, 2000);
    for (oov, default) in [(0u64, -1i64), (10, -1), (1, 7), (1 << 40, -1)] {
        let lookup = VocabularyLookup::try_new(&vocab, oov, default).unwrap();
        let table = super::vocab::HostIntTable::build(&lookup);
        let le = |v: &[i64]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        let files = vec![("values", int_file(&x)), ("keys", le(&table.keys)), ("ids", le(&table.ids))];
        let args: Vec<String> = ["values", "keys", "ids", &table.mask.to_string(), &vocab.len().to_string()]
            .into_iter()
            .map(String::from)
            .chain([oov.to_string(), default.to_string(), "out".into()])
            .collect();
        let Some(out) = run(2, 64, "vocab_lookup_ints", &files, &args) else { return };
        let gpu = Int64Array::new(ScalarBuffer::from(ints(&out)), x.nulls().cloned());
        assert_eq!(gpu, lookup.apply(&x).unwrap(), "{oov} OOV buckets, default {default}");
    }
}
