//! The CUDA backend against the CPU backend, primitive by primitive, on N
//! values (default 20M): kernel-only throughput as a fraction of the device's
//! memory bandwidth, then whole calls (copies included) GPU vs one CPU core.
//! Run by `benches/gpu/run.sh` on the GPU machine:
//!
//!     cargo run --release -p tabx-transform --features cuda --example gpu_bench -- 20000000

use std::time::Instant;

use arrow::array::{Float64Array, StringArray};
use tabx_transform::{Backend, CpuBackend, CudaBackend, MomentsState, Placement};

fn best<T>(reps: usize, mut f: impl FnMut() -> T) -> f64 {
    (0..reps)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let n: usize = std::env::args().nth(1).map_or(20_000_000, |a| a.parse().expect("N: a row count"));
    let gpu = match CudaBackend::open(0, Placement::Always) {
        Ok(gpu) => gpu,
        Err(reason) => {
            eprintln!("no GPU: {reason} ({})", reason.hint());
            std::process::exit(1);
        }
    };
    let peak = gpu.peak_bandwidth().unwrap();
    println!("{} on {n} values; peak memory bandwidth {:.0} GB/s", gpu.name(), peak / 1e9);
    println!("\nkernel only (data on the device, best of 5):");
    for t in gpu.time_kernels(n, 5).unwrap() {
        let rate = t.bytes as f64 / t.seconds;
        println!(
            "  {:<26} {:>8.3} ms  {:>7.0} GB/s  {:>5.1}% of peak",
            t.kernel,
            t.seconds * 1e3,
            rate / 1e9,
            100.0 * rate / peak
        );
    }
    let x = Float64Array::from_iter_values((0..n).map(|i| (i % 10_007) as f64 * 0.37 - 100.0));
    let s = StringArray::from_iter_values((0..n).map(|i| format!("company {}", i % 61)));
    let boundaries: Vec<f64> = (0..100).map(|i| i as f64 * 2.0 - 100.0).collect();
    println!("\nwhole calls, copies included (best of 3): GPU vs one CPU core");
    let row = |what: &str, g: f64, c: f64| {
        println!("  {what:<26} GPU {:>8.1} ms  CPU {:>8.1} ms  {:>6.2}x", g * 1e3, c * 1e3, c / g)
    };
    let both = |b: &dyn Backend| best(3, || b.sub_div(&x, 3.0, 7.0).unwrap());
    row("sub_div", both(&gpu), both(&CpuBackend));
    let both = |b: &dyn Backend| best(3, || b.log1p(&x).unwrap());
    row("log1p", both(&gpu), both(&CpuBackend));
    let both = |b: &dyn Backend| best(3, || b.buckets(&x, &boundaries).unwrap());
    row("buckets (100 boundaries)", both(&gpu), both(&CpuBackend));
    let both = |b: &dyn Backend| best(3, || b.hash_strings(&s, 1000).unwrap());
    row("hash_strings", both(&gpu), both(&CpuBackend));
    let both = |b: &dyn Backend| best(3, || b.update_moments(&mut MomentsState::default(), &x).unwrap());
    row("moments (exact sums)", both(&gpu), both(&CpuBackend));
}
