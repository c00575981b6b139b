//! The CUDA backend's ops over several columns or into several outputs:
//! hashed crosses of string and Int64 columns, `greater_than_fraction`, the
//! calendar parts of UTC timestamps, and one-hot vectors. What these kernels do not take
//! (other column types, time zones with rules, instants near the end of
//! chrono's range) runs on the CPU, as the CPU backend computes it.

use std::sync::Arc;

use arrow::array::{Array, AsArray, FixedSizeListArray, Float32Array, Float64Array, Int64Array};
use arrow::buffer::{NullBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, Field, Int64Type, TimeUnit};
use chrono_tz::Tz;
use cudarc::driver::{CudaSlice, PushKernelArg};
use tabx_core::Result;

use super::{CudaBackend, DeviceStrings, download};
use crate::kernels::{DEFAULT_HASH_KEY, TimestampParts, parse_time_zone};

/// Seconds either side of the epoch the GPU's calendar parts take: inside
/// chrono's range (years ±262,142, about 8.27e15 s), so that the CPU, which
/// names a row past it, gets every value that might be.
const GPU_SECONDS: i64 = 8_200_000_000_000_000;

impl CudaBackend {
    /// `kernels::cross_hashed` on the GPU: each column folded into the rows'
    /// crosses by one launch, then the ids.
    pub(super) fn gpu_cross_hashed(&self, columns: &[&dyn Array], hash_buckets: u64) -> Result<Int64Array> {
        let n = columns.first().map_or(0, |c| c.len());
        let takes = |c: &&dyn Array| matches!(c.data_type(), DataType::Utf8 | DataType::Int64) && c.len() == n;
        // Anything else, and the errors (no column, too many buckets), as the CPU says them.
        if columns.is_empty() || !columns.iter().all(takes) || !self.on_gpu(n) || hash_buckets > i64::MAX as u64 {
            return crate::kernels::cross_hashed(columns, hash_buckets);
        }
        let modulus = if hash_buckets == 0 { i64::MAX as u64 } else { hash_buckets };
        let ids = self.with_stream(|stream| {
            let n64 = n as u64;
            let mut crosses: CudaSlice<u64> = stream.alloc_zeros(n)?;
            // Kept until the download: the launches read them.
            let (mut strings, mut ints) = (Vec::new(), Vec::new());
            for (i, column) in columns.iter().enumerate() {
                let first = i32::from(i == 0);
                match column.as_string_opt::<i32>() {
                    Some(column) => {
                        strings.push(DeviceStrings::upload(stream, column)?);
                        let column = &strings[strings.len() - 1];
                        let mut launch = stream.launch_builder(&self.kernels.cross_strings);
                        launch.arg(&column.offsets).arg(&column.bytes).arg(&column.base);
                        launch.arg(&mut crosses).arg(&n64).arg(&DEFAULT_HASH_KEY).arg(&first);
                        // Safety: matches cross_strings in kernels.cu.
                        unsafe { launch.launch(self.grid(n)) }?;
                    }
                    None => {
                        ints.push(stream.clone_htod(column.as_primitive::<Int64Type>().values().as_ref())?);
                        let column = &ints[ints.len() - 1];
                        let mut launch = stream.launch_builder(&self.kernels.cross_ints);
                        launch.arg(column).arg(&mut crosses).arg(&n64).arg(&DEFAULT_HASH_KEY).arg(&first);
                        // Safety: matches cross_ints in kernels.cu.
                        unsafe { launch.launch(self.grid(n)) }?;
                    }
                }
            }
            let mut out: CudaSlice<i64> = stream.alloc_zeros(n)?;
            let mut launch = stream.launch_builder(&self.kernels.cross_ids);
            launch.arg(&crosses).arg(&mut out).arg(&n64).arg(&modulus);
            // Safety: matches cross_ids in kernels.cu.
            unsafe { launch.launch(self.grid(n)) }?;
            download(stream, &out)
        })?;
        // A null in any column: the row has no cross.
        let nulls = columns.iter().fold(None, |all, c| NullBuffer::union(all.as_ref(), c.logical_nulls().as_ref()));
        Ok(Int64Array::new(ScalarBuffer::from(ids), nulls))
    }

    /// `kernels::greater_than_fraction` on the GPU.
    pub(super) fn gpu_greater_than_fraction(
        &self,
        a: &Float64Array,
        b: &Float64Array,
        fraction: f64,
    ) -> Result<Int64Array> {
        let n = a.len();
        if !self.on_gpu(n) || b.len() != n {
            return Ok(crate::kernels::greater_than_fraction(a, b, fraction));
        }
        let out = self.with_stream(|stream| {
            let (a_values, b_values) =
                (stream.clone_htod(a.values().as_ref())?, stream.clone_htod(b.values().as_ref())?);
            let (a_valid, a_offset, a_has) = Self::validity(stream, a)?;
            let (b_valid, b_offset, b_has) = Self::validity(stream, b)?;
            let mut out: CudaSlice<i64> = stream.alloc_zeros(n)?;
            let n64 = n as u64;
            let mut launch = stream.launch_builder(&self.kernels.greater_than_fraction);
            launch.arg(&a_values).arg(&a_valid).arg(&a_offset).arg(&a_has);
            launch.arg(&b_values).arg(&b_valid).arg(&b_offset).arg(&b_has);
            launch.arg(&mut out).arg(&n64).arg(&fraction);
            // Safety: matches greater_than_fraction in kernels.cu.
            unsafe { launch.launch(self.grid(n)) }?;
            download(stream, &out)
        })?;
        Ok(Int64Array::new(ScalarBuffer::from(out), None))
    }

    /// `kernels::timestamp_parts` on the GPU for UTC (the taxi spec's zone);
    /// a zone with rules needs chrono-tz's tables: the CPU's.
    pub(super) fn gpu_timestamp_parts(&self, x: &dyn Array, tz: &str) -> Result<TimestampParts> {
        let per_second: i64 = match x.data_type() {
            DataType::Int64 | DataType::Timestamp(TimeUnit::Second, _) => 1,
            DataType::Timestamp(TimeUnit::Millisecond, _) => 1_000,
            DataType::Timestamp(TimeUnit::Microsecond, _) => 1_000_000,
            DataType::Timestamp(TimeUnit::Nanosecond, _) => 1_000_000_000,
            _ => return crate::kernels::timestamp_parts(x, tz),
        };
        let utc = matches!(parse_time_zone(tz)?, Tz::UTC | Tz::Etc__UTC);
        if !utc || !self.on_gpu(x.len()) {
            return crate::kernels::timestamp_parts(x, tz);
        }
        // Every unit stores i64 values.
        let data = x.to_data();
        let values = ScalarBuffer::<i64>::new(data.buffers()[0].clone(), data.offset(), data.len());
        let valid = Int64Array::new(values.clone(), x.logical_nulls());
        let bound = GPU_SECONDS.saturating_mul(per_second);
        let (lo, hi) = (arrow::compute::min(&valid), arrow::compute::max(&valid));
        if lo.is_some_and(|v| v < -bound) || hi.is_some_and(|v| v > bound) {
            return crate::kernels::timestamp_parts(x, tz);
        }
        let n = x.len();
        let parts = self.with_stream(|stream| {
            let input = stream.clone_htod(values.as_ref())?;
            let mut out: CudaSlice<i64> = stream.alloc_zeros(3 * n)?;
            let n64 = n as u64;
            // The three outputs are thirds of one buffer: one download.
            {
                let (mut hour, mut rest) = out.split_at_mut(n);
                let (mut day_of_week, mut month) = rest.split_at_mut(n);
                let mut launch = stream.launch_builder(&self.kernels.utc_parts);
                launch.arg(&input).arg(&n64).arg(&per_second).arg(&mut hour).arg(&mut day_of_week).arg(&mut month);
                // Safety: matches utc_parts in kernels.cu.
                unsafe { launch.launch(self.grid(n)) }?;
            }
            download(stream, &out)
        })?;
        let part =
            |k: usize| Int64Array::new(ScalarBuffer::from(parts[k * n..(k + 1) * n].to_vec()), x.logical_nulls());
        Ok(TimestampParts { hour: part(0), day_of_week: part(1), month: part(2) })
    }

    /// `kernels::one_hot` on the GPU: one thread per output value.
    pub(super) fn gpu_one_hot(&self, ids: &Int64Array, depth: usize) -> Result<FixedSizeListArray> {
        let n = ids.len();
        let size = i32::try_from(depth).ok().filter(|&d| d > 0);
        // Depth 0, or too large (the CPU says why), or a small batch.
        let (Some(size), Some(total)) = (size, n.checked_mul(depth)) else {
            return crate::kernels::one_hot(ids, depth);
        };
        if !self.on_gpu(n) {
            return crate::kernels::one_hot(ids, depth);
        }
        let values = self.with_stream(|stream| {
            let input = stream.clone_htod(ids.values().as_ref())?;
            let (valid, offset, has_valid) = Self::validity(stream, ids)?;
            let mut out: CudaSlice<f32> = stream.alloc_zeros(total)?;
            let (n64, depth64) = (n as u64, depth as u64);
            let mut launch = stream.launch_builder(&self.kernels.one_hot);
            launch.arg(&input).arg(&valid).arg(&offset).arg(&has_valid).arg(&n64).arg(&depth64).arg(&mut out);
            // Safety: matches one_hot in kernels.cu.
            unsafe { launch.launch(self.grid(total)) }?;
            download(stream, &out)
        })?;
        let field = Arc::new(Field::new_list_field(DataType::Float32, false));
        Ok(FixedSizeListArray::try_new(field, size, Arc::new(Float32Array::from(values)), None)?)
    }
}
