//! Kernel-only timings for `benches/gpu/run.sh`: each numeric kernel (and
//! `greater_than_fraction`, UTC timestamp parts) on a
//! column already on the device, timed from launch to a synchronised stream,
//! against the device's peak memory bandwidth (memory clock × bus width × 2,
//! from the driver's attributes).

use std::time::Instant;

use cudarc::driver::sys::CUdevice_attribute;
use cudarc::driver::{CudaSlice, DriverError, PushKernelArg};
use tabx_core::Result;

use super::{CudaBackend, gpu_error};

/// One kernel's best time over the repetitions.
#[derive(Debug, Clone)]
pub struct KernelTiming {
    pub kernel: &'static str,
    pub seconds: f64,
    /// Bytes read and written per run.
    pub bytes: u64,
}

impl CudaBackend {
    /// The device's peak memory bandwidth in bytes per second.
    pub fn peak_bandwidth(&self) -> Result<f64> {
        let attribute = |a| self.ctx.attribute(a).map_err(|e| gpu_error(&self.name, e));
        let khz = attribute(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE)? as f64;
        let bits = attribute(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH)? as f64;
        Ok(khz * 1e3 * 2.0 * bits / 8.0)
    }

    /// The numeric kernels on `n` device-resident values, best of `reps` runs each.
    pub fn time_kernels(&self, n: usize, reps: usize) -> Result<Vec<KernelTiming>> {
        let values: Vec<f64> = (0..n).map(|i| (i % 1000) as f64 * 0.37 - 100.0).collect();
        let boundaries: Vec<f64> = (0..100).map(|i| i as f64 * 2.0 - 100.0).collect();
        let k = &self.kernels;
        self.with_stream(|stream| {
            let x = stream.clone_htod(&values)?;
            let table = stream.clone_htod(&boundaries)?;
            let mut floats: CudaSlice<f64> = stream.alloc_zeros(n)?;
            let mut ints: CudaSlice<i64> = stream.alloc_zeros(n)?;
            let (n64, nb) = (n as u64, boundaries.len() as u64);
            let (a, b) = (1.5f64, 0.25f64);
            let grid = self.grid(n);
            let mut timings = Vec::new();
            // `bytes`: read and written per value.
            let mut time =
                |kernel: &'static str, bytes: u64, launch: &mut dyn FnMut() -> std::result::Result<(), DriverError>| {
                    let mut best = f64::INFINITY;
                    for _ in 0..reps {
                        let start = Instant::now();
                        launch()?;
                        stream.synchronize()?;
                        best = best.min(start.elapsed().as_secs_f64());
                    }
                    timings.push(KernelTiming { kernel, seconds: best, bytes: bytes * n as u64 });
                    Ok::<(), DriverError>(())
                };
            // Safety (each launch): the arguments match the kernel in kernels.cu.
            for (name, kernel) in [("sub_div", &k.sub_div), ("mul_add", &k.mul_add), ("clip", &k.clip)] {
                time(name, 16, &mut || unsafe {
                    stream
                        .launch_builder(kernel)
                        .arg(&x)
                        .arg(&mut floats)
                        .arg(&n64)
                        .arg(&a)
                        .arg(&b)
                        .launch(grid)
                        .map(drop)
                })?;
            }
            time("log1p", 16, &mut || unsafe {
                stream.launch_builder(&k.log1p).arg(&x).arg(&mut floats).arg(&n64).launch(grid).map(drop)
            })?;
            time("buckets (100 boundaries)", 16, &mut || unsafe {
                stream
                    .launch_builder(&k.buckets)
                    .arg(&x)
                    .arg(&mut ints)
                    .arg(&n64)
                    .arg(&table)
                    .arg(&nb)
                    .launch(grid)
                    .map(drop)
            })?;
            // Taxi-like labels and calendar parts: two columns in for one out, one in for three out.
            let times: Vec<i64> = (0..n as i64).map(|i| 1_356_998_400 + i * 157).collect();
            let secs = stream.clone_htod(&times)?;
            let mut parts: CudaSlice<i64> = stream.alloc_zeros(3 * n)?;
            let no_nulls: CudaSlice<u8> = stream.alloc_zeros(1)?;
            let (zero, none, one_second, fraction) = (0u64, 0i32, 1i64, 0.2f64);
            time("greater_than_fraction", 24, &mut || unsafe {
                let mut launch = stream.launch_builder(&k.greater_than_fraction);
                launch.arg(&x).arg(&no_nulls).arg(&zero).arg(&none).arg(&x).arg(&no_nulls).arg(&zero).arg(&none);
                launch.arg(&mut ints).arg(&n64).arg(&fraction).launch(grid).map(drop)
            })?;
            time("utc_parts", 32, &mut || unsafe {
                let (mut hour, mut rest) = parts.split_at_mut(n);
                let (mut day, mut month) = rest.split_at_mut(n);
                let mut launch = stream.launch_builder(&k.utc_parts);
                launch.arg(&secs).arg(&n64).arg(&one_second).arg(&mut hour).arg(&mut day).arg(&mut month);
                launch.launch(grid).map(drop)
            })?;
            Ok(timings)
        })
    }
}
