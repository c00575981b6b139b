//! The CUDA backend: the kernels of `kernels.cu`, compiled at run time by
//! NVRTC for the device's architecture (cached per device, in memory and on
//! disk), launched through cudarc's driver API.
//!
//! cudarc loads `libcuda.so` and `libnvrtc.so.13` when the backend opens
//! (feature `dynamic-loading`), so a build with `--features cuda` runs on
//! machines without either: [`CudaBackend::open`] checks that both load before
//! touching them and names what is missing ([`Unavailable`]).
//!
//! Built for CUDA 13.0 (cudarc's `cuda-13000` feature, `transform/Cargo.toml`:
//! the lent H100/H200 machines run driver 580). For a 12.x driver, change that
//! feature to the toolkit's version (`cuda-12080` for 12.8, …): cudarc then
//! looks for `libnvrtc.so.12`.
//!
//! On the GPU: the numeric apply ops (scalings, sigmoid, log1p, clip, bucket
//! search), fill of 64-bit columns, `hash_strings` (FarmHash Fingerprint64),
//! vocabulary lookup of string columns (a hash table on the device, `vocab.rs`),
//! `hash_cross` of string and Int64 columns, `greater_than_fraction`, UTC
//! timestamp parts, `one_hot` (`derived.rs`), and the moments, min/max and
//! vocabulary-count analyzers (exact sums in the CPU's superaccumulator
//! layout, so GPU and CPU states merge to the same bits; string counts
//! confirmed byte by byte; Int64 columns counted by value) and vocabulary
//! lookup of Int64 columns. Everything else runs on the CPU inside this
//! backend: timestamp parts in zones with rules, quantile sketches and
//! most-frequent counts, vocabularies of other integer widths, and fill of
//! strings.
//!
//! Each call copies its column to the device, launches one kernel and copies
//! the result back on a stream of its own (from a pool, so the scan's worker
//! threads overlap their copies and kernels).

mod bench;
mod compile;
mod derived;
#[cfg(test)]
mod emulate;
mod vocab;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, PrimitiveArray};
use arrow::buffer::ScalarBuffer;
use arrow::datatypes::{ArrowPrimitiveType, DataType, Float64Type, Int64Type};
use cudarc::driver::{
    CudaContext, CudaFunction, CudaModule, CudaSlice, CudaStream, DriverError, LaunchConfig, PushKernelArg,
};
use tabx_core::{ExactSum, Mergeable, Result, TabxError};

use super::{AUTO_MIN_ROWS, Backend, CpuBackend, Placement, Unavailable};
use crate::analyzer::{MinMaxState, MomentsState};
use crate::kernels::VocabularyLookup;
pub use bench::KernelTiming;
use vocab::{DeviceIntTable, DeviceTable};

/// Threads per block of every launch (the min/max kernel's shared arrays and
/// the moments kernel's overflow bound assume at most 256).
const BLOCK: u32 = 256;
/// Words each block of the moments kernel writes (two sums' chunks and four counts).
const MOMENT_WORDS: usize = 2 * ExactSum::CHUNKS + 4;

/// The kernels, loaded from one module.
#[derive(Debug)]
struct Kernels {
    sub_div: CudaFunction,
    mul_add: CudaFunction,
    sigmoid: CudaFunction,
    log1p: CudaFunction,
    clip: CudaFunction,
    buckets: CudaFunction,
    fill_nulls_64: CudaFunction,
    hash_strings: CudaFunction,
    vocab_lookup: CudaFunction,
    cross_strings: CudaFunction,
    cross_ints: CudaFunction,
    cross_ids: CudaFunction,
    greater_than_fraction: CudaFunction,
    utc_parts: CudaFunction,
    one_hot: CudaFunction,
    vocab_count: CudaFunction,
    vocab_count_ints: CudaFunction,
    vocab_lookup_ints: CudaFunction,
    vocab_compact: CudaFunction,
    moments: CudaFunction,
    min_max: CudaFunction,
}

impl Kernels {
    fn load(module: &Arc<CudaModule>) -> std::result::Result<Self, DriverError> {
        Ok(Self {
            sub_div: module.load_function("sub_div")?,
            mul_add: module.load_function("mul_add")?,
            sigmoid: module.load_function("sigmoid")?,
            log1p: module.load_function("log1p_op")?,
            clip: module.load_function("clip")?,
            buckets: module.load_function("buckets")?,
            fill_nulls_64: module.load_function("fill_nulls_64")?,
            hash_strings: module.load_function("hash_strings")?,
            vocab_lookup: module.load_function("vocab_lookup")?,
            cross_strings: module.load_function("cross_strings")?,
            cross_ints: module.load_function("cross_ints")?,
            cross_ids: module.load_function("cross_ids")?,
            greater_than_fraction: module.load_function("greater_than_fraction")?,
            utc_parts: module.load_function("utc_parts")?,
            one_hot: module.load_function("one_hot")?,
            vocab_count: module.load_function("vocab_count")?,
            vocab_count_ints: module.load_function("vocab_count_ints")?,
            vocab_lookup_ints: module.load_function("vocab_lookup_ints")?,
            vocab_compact: module.load_function("vocab_compact")?,
            moments: module.load_function("moments")?,
            min_max: module.load_function("min_max")?,
        })
    }
}

/// One CUDA device with the kernels loaded.
#[derive(Debug)]
pub struct CudaBackend {
    ctx: Arc<CudaContext>,
    name: String,
    placement: Placement,
    kernels: Kernels,
    /// Idle streams: a call takes one and puts it back.
    streams: Mutex<Vec<Arc<CudaStream>>>,
    /// Blocks per launch: enough to fill every multiprocessor several times.
    max_blocks: u32,
    /// Vocabulary tables on the device, by `VocabularyLookup::key`: for
    /// string columns, and for Int64 columns.
    vocabularies: Mutex<HashMap<u64, Arc<DeviceTable>>>,
    int_vocabularies: Mutex<HashMap<u64, Arc<DeviceIntTable>>>,
}

impl CudaBackend {
    /// Device `ordinal` with the kernels compiled and loaded, or why not.
    pub fn open(ordinal: usize, placement: Placement) -> std::result::Result<Self, Unavailable> {
        // Safety: these only try to dlopen the libraries.
        if !unsafe { cudarc::driver::sys::is_culib_present() } {
            return Err(Unavailable::NoDriver);
        }
        let no_device = |e: DriverError| Unavailable::NoDevice(e.to_string());
        let count = CudaContext::device_count().map_err(no_device)?;
        if ordinal as i32 >= count {
            return Err(Unavailable::NoDevice(format!(
                "the driver sees {count} devices, device {ordinal} was asked for"
            )));
        }
        let ctx = CudaContext::new(ordinal).map_err(no_device)?;
        if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
            return Err(Unavailable::NoNvrtc);
        }
        let driver = |e: DriverError| Unavailable::Driver(e.to_string());
        let (major, minor) = ctx.compute_capability().map_err(driver)?;
        let ptx = compile::ptx_for(major, minor)?;
        let module = ctx.load_module(ptx).map_err(driver)?;
        let kernels = Kernels::load(&module).map_err(driver)?;
        let sms = ctx
            .attribute(cudarc::driver::sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)
            .map_err(driver)?;
        let name = format!("cuda:{ordinal} ({}, sm_{major}{minor})", ctx.name().unwrap_or_default());
        Ok(Self {
            ctx,
            name,
            placement,
            kernels,
            streams: Mutex::new(Vec::new()),
            max_blocks: 8 * sms.max(1) as u32,
            vocabularies: Mutex::default(),
            int_vocabularies: Mutex::default(),
        })
    }

    /// Whether a column of `rows` values goes to the GPU.
    fn on_gpu(&self, rows: usize) -> bool {
        rows > 0 && (self.placement == Placement::Always || rows >= AUTO_MIN_ROWS)
    }

    /// Runs `work` on an idle stream (a new one when all are busy).
    fn with_stream<T>(&self, work: impl FnOnce(&Arc<CudaStream>) -> std::result::Result<T, DriverError>) -> Result<T> {
        let idle = self.streams.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let stream = match idle {
            Some(s) => s,
            None => self.ctx.new_stream().map_err(|e| gpu_error(&self.name, e))?,
        };
        let out = work(&stream).map_err(|e| gpu_error(&self.name, e));
        self.streams.lock().unwrap_or_else(|e| e.into_inner()).push(stream);
        out
    }

    /// A grid of `BLOCK`-thread blocks for `n` values, capped (the kernels grid-stride).
    fn grid(&self, n: usize) -> LaunchConfig {
        let blocks = n.div_ceil(BLOCK as usize).clamp(1, self.max_blocks as usize) as u32;
        LaunchConfig { grid_dim: (blocks, 1, 1), block_dim: (BLOCK, 1, 1), shared_mem_bytes: 0 }
    }

    /// `out[i] = kernel(x[i], scalars…)` for a float column, nulls kept.
    fn map_floats<T: ArrowPrimitiveType>(
        &self,
        x: &Float64Array,
        kernel: &CudaFunction,
        scalars: &[f64],
        extra: Option<&[f64]>,
    ) -> Result<PrimitiveArray<T>>
    where
        T::Native: cudarc::driver::DeviceRepr + cudarc::driver::ValidAsZeroBits,
    {
        let n = x.len();
        let values = self.with_stream(|stream| {
            let input = stream.clone_htod(x.values().as_ref())?;
            let mut out: CudaSlice<T::Native> = stream.alloc_zeros(n)?;
            let table = extra.map(|t| stream.clone_htod(t)).transpose()?;
            let (n64, table_len) = (n as u64, extra.map_or(0, |t| t.len() as u64));
            let mut launch = stream.launch_builder(kernel);
            launch.arg(&input).arg(&mut out).arg(&n64);
            for s in scalars {
                launch.arg(s);
            }
            if let Some(table) = &table {
                launch.arg(table).arg(&table_len);
            }
            // Safety: the argument list matches the kernel's signature in kernels.cu.
            unsafe { launch.launch(self.grid(n)) }?;
            download(stream, &out)
        })?;
        Ok(PrimitiveArray::new(ScalarBuffer::from(values), x.nulls().cloned()))
    }

    /// The validity bitmap of `x` on the device (one zero byte when it has no nulls).
    fn validity(
        stream: &Arc<CudaStream>,
        x: &dyn Array,
    ) -> std::result::Result<(CudaSlice<u8>, u64, i32), DriverError> {
        match x.nulls().filter(|n| n.null_count() > 0) {
            Some(nulls) => {
                let bits = nulls.inner();
                Ok((stream.clone_htod(bits.values())?, bits.offset() as u64, 1))
            }
            None => Ok((stream.alloc_zeros(1)?, 0, 0)),
        }
    }
}

impl Backend for CudaBackend {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn sub_div(&self, x: &Float64Array, shift: f64, divisor: f64) -> Result<Float64Array> {
        if !self.on_gpu(x.len()) {
            return CpuBackend.sub_div(x, shift, divisor);
        }
        self.map_floats::<Float64Type>(x, &self.kernels.sub_div, &[shift, divisor], None)
    }

    fn mul_add(&self, x: &Float64Array, scale: f64, offset: f64) -> Result<Float64Array> {
        if !self.on_gpu(x.len()) {
            return CpuBackend.mul_add(x, scale, offset);
        }
        self.map_floats::<Float64Type>(x, &self.kernels.mul_add, &[scale, offset], None)
    }

    fn sigmoid(&self, x: &Float64Array) -> Result<Float64Array> {
        if !self.on_gpu(x.len()) {
            return CpuBackend.sigmoid(x);
        }
        self.map_floats::<Float64Type>(x, &self.kernels.sigmoid, &[], None)
    }

    fn log1p(&self, x: &Float64Array) -> Result<Float64Array> {
        if !self.on_gpu(x.len()) {
            return CpuBackend.log1p(x);
        }
        self.map_floats::<Float64Type>(x, &self.kernels.log1p, &[], None)
    }

    fn clip(&self, x: &Float64Array, lo: Option<f64>, hi: Option<f64>) -> Result<Float64Array> {
        if !self.on_gpu(x.len()) {
            return CpuBackend.clip(x, lo, hi);
        }
        let bounds = [lo.unwrap_or(f64::NEG_INFINITY), hi.unwrap_or(f64::INFINITY)];
        self.map_floats::<Float64Type>(x, &self.kernels.clip, &bounds, None)
    }

    fn buckets(&self, x: &Float64Array, boundaries: &[f64]) -> Result<Int64Array> {
        // No boundaries: every value is bucket 0 (NaN too), nothing to search.
        if !self.on_gpu(x.len()) || boundaries.is_empty() {
            return CpuBackend.buckets(x, boundaries);
        }
        self.map_floats::<Int64Type>(x, &self.kernels.buckets, &[], Some(boundaries))
    }

    fn fill_nulls(&self, x: &ArrayRef, value: &ArrayRef) -> Result<ArrayRef> {
        // 64-bit columns as their bits; anything else, or nothing to fill, on the CPU.
        let fill = match (x.data_type(), value.data_type()) {
            _ if x.null_count() == 0 || !self.on_gpu(x.len()) => None,
            (DataType::Float64, DataType::Float64) => {
                value.as_primitive::<Float64Type>().values().first().map(|v| v.to_bits())
            }
            (DataType::Int64, DataType::Int64) => value.as_primitive::<Int64Type>().values().first().map(|v| *v as u64),
            _ => None,
        };
        let Some(fill) = fill else {
            return CpuBackend.fill_nulls(x, value);
        };
        let data = x.to_data();
        let values = ScalarBuffer::<u64>::new(data.buffers()[0].clone(), data.offset(), data.len());
        let n = x.len();
        let out = self.with_stream(|stream| {
            let input = stream.clone_htod(values.as_ref())?;
            let (valid, offset, _) = Self::validity(stream, x.as_ref())?;
            let mut out: CudaSlice<u64> = stream.alloc_zeros(n)?;
            let n64 = n as u64;
            let mut launch = stream.launch_builder(&self.kernels.fill_nulls_64);
            launch.arg(&input).arg(&mut out).arg(&n64).arg(&valid).arg(&offset).arg(&fill);
            // Safety: matches fill_nulls_64 in kernels.cu.
            unsafe { launch.launch(self.grid(n)) }?;
            download(stream, &out)
        })?;
        let out = ScalarBuffer::<u64>::from(out).into_inner();
        Ok(match x.data_type() {
            DataType::Float64 => std::sync::Arc::new(Float64Array::new(ScalarBuffer::new(out, 0, n), None)),
            _ => std::sync::Arc::new(Int64Array::new(ScalarBuffer::new(out, 0, n), None)),
        })
    }

    fn hash_strings(&self, x: &dyn Array, buckets: u64) -> Result<Int64Array> {
        let Some(strings) = x.as_string_opt::<i32>().filter(|_| self.on_gpu(x.len())) else {
            return crate::kernels::hash_strings(x, buckets);
        };
        crate::kernels::check_buckets(buckets, "hash_strings")?;
        let n = strings.len();
        let ids = self.with_stream(|stream| {
            let column = DeviceStrings::upload(stream, strings)?;
            let mut out: CudaSlice<i64> = stream.alloc_zeros(n)?;
            let n64 = n as u64;
            let mut launch = stream.launch_builder(&self.kernels.hash_strings);
            launch.arg(&column.offsets).arg(&column.bytes).arg(&mut out).arg(&n64).arg(&buckets).arg(&column.base);
            // Safety: matches hash_strings in kernels.cu.
            unsafe { launch.launch(self.grid(n)) }?;
            download(stream, &out)
        })?;
        Ok(Int64Array::new(ScalarBuffer::from(ids), strings.nulls().cloned()))
    }

    fn vocabulary(&self, x: &dyn Array, lookup: &VocabularyLookup) -> Result<Int64Array> {
        if let Some(ints) = x.as_primitive_opt::<Int64Type>().filter(|_| self.on_gpu(x.len())) {
            return self.gpu_vocabulary_ints(ints, lookup);
        }
        let Some(strings) = x.as_string_opt::<i32>().filter(|_| self.on_gpu(x.len())) else {
            return lookup.apply(x);
        };
        let n = strings.len();
        let ids = self.with_stream(|stream| {
            let table = uploaded_once(&self.vocabularies, lookup, || DeviceTable::upload(stream, lookup))?;
            let column = DeviceStrings::upload(stream, strings)?;
            let mut out: CudaSlice<i64> = stream.alloc_zeros(n)?;
            let (n64, oov, default) = (n as u64, lookup.num_oov_buckets(), lookup.default_value());
            let mut launch = stream.launch_builder(&self.kernels.vocab_lookup);
            launch.arg(&column.offsets).arg(&column.bytes).arg(&n64).arg(&column.base);
            launch.arg(&table.keys).arg(&table.ids).arg(&table.mask).arg(&table.tok_offsets).arg(&table.tok_bytes);
            launch.arg(&table.vocab_size).arg(&oov).arg(&default).arg(&mut out);
            // Safety: matches vocab_lookup in kernels.cu.
            unsafe { launch.launch(self.grid(n)) }?;
            download(stream, &out)
        })?;
        Ok(Int64Array::new(ScalarBuffer::from(ids), strings.nulls().cloned()))
    }

    fn cross_hashed(&self, columns: &[&dyn Array], hash_buckets: u64) -> Result<Int64Array> {
        self.gpu_cross_hashed(columns, hash_buckets)
    }

    fn greater_than_fraction(&self, a: &Float64Array, b: &Float64Array, fraction: f64) -> Result<Int64Array> {
        self.gpu_greater_than_fraction(a, b, fraction)
    }

    fn timestamp_parts(&self, x: &dyn Array, tz: &str) -> Result<crate::kernels::TimestampParts> {
        self.gpu_timestamp_parts(x, tz)
    }

    fn one_hot(&self, ids: &Int64Array, depth: usize) -> Result<arrow::array::FixedSizeListArray> {
        self.gpu_one_hot(ids, depth)
    }

    fn update_vocabulary(&self, state: &mut crate::kernels::VocabularyState, x: &dyn Array) -> Result<()> {
        self.gpu_update_vocabulary(state, x)
    }

    fn update_moments(&self, state: &mut MomentsState, x: &Float64Array) -> Result<()> {
        if !self.on_gpu(x.len()) {
            return CpuBackend.update_moments(state, x);
        }
        // Each thread takes 3 values a round (VALUES_PER_THREAD in kernels.cu).
        let words = self.per_block::<i64>(x, &self.kernels.moments, self.grid(x.len().div_ceil(3)), MOMENT_WORDS)?;
        state.merge(&moments_of_blocks(&words));
        Ok(())
    }

    fn update_min_max(&self, state: &mut MinMaxState, x: &Float64Array) -> Result<()> {
        if !self.on_gpu(x.len()) {
            return CpuBackend.update_min_max(state, x);
        }
        let words = self.per_block::<f64>(x, &self.kernels.min_max, self.grid(x.len()), 3)?;
        state.merge(&min_max_of_blocks(&words));
        Ok(())
    }
}

impl CudaBackend {
    /// Runs an analyzer kernel (`kernel(x, n, valid, offset, has_valid, out)`)
    /// on `grid`, each block writing `words` values: all blocks' words.
    fn per_block<T>(&self, x: &Float64Array, kernel: &CudaFunction, grid: LaunchConfig, words: usize) -> Result<Vec<T>>
    where
        T: cudarc::driver::DeviceRepr + cudarc::driver::ValidAsZeroBits,
    {
        let blocks = grid.grid_dim.0 as usize;
        self.with_stream(|stream| {
            let input = stream.clone_htod(x.values().as_ref())?;
            let (valid, offset, has_valid) = Self::validity(stream, x)?;
            let mut out: CudaSlice<T> = stream.alloc_zeros(blocks * words)?;
            let n64 = x.len() as u64;
            let mut launch = stream.launch_builder(kernel);
            launch.arg(&input).arg(&n64).arg(&valid).arg(&offset).arg(&has_valid).arg(&mut out);
            // Safety: the analyzer kernels in kernels.cu take these arguments.
            unsafe { launch.launch(grid) }?;
            download(stream, &out)
        })
    }
}

/// The device table of `lookup` kept in `tables`, built by `upload` on first
/// use (by [`VocabularyLookup::key`]: every batch after the first reuses it).
fn uploaded_once<T>(
    tables: &Mutex<HashMap<u64, Arc<T>>>,
    lookup: &VocabularyLookup,
    upload: impl FnOnce() -> std::result::Result<T, DriverError>,
) -> std::result::Result<Arc<T>, DriverError> {
    let mut tables = tables.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(table) = tables.get(&lookup.key()) {
        return Ok(Arc::clone(table));
    }
    let table = Arc::new(upload()?);
    tables.insert(lookup.key(), Arc::clone(&table));
    Ok(table)
}

/// A Utf8 column on the device as the string kernels read it: its n + 1
/// offsets as they are, and its bytes from the first offset (`base`) on.
struct DeviceStrings {
    offsets: CudaSlice<i32>,
    bytes: CudaSlice<u8>,
    base: u64,
}

impl DeviceStrings {
    fn upload(stream: &Arc<CudaStream>, strings: &arrow::array::StringArray) -> std::result::Result<Self, DriverError> {
        let offsets = strings.value_offsets();
        let (base, end) = (offsets[0] as usize, offsets[offsets.len() - 1] as usize);
        let bytes = &strings.value_data()[base..end];
        Ok(Self {
            offsets: stream.clone_htod(offsets)?,
            // At least one byte: a column of empty strings still needs a buffer.
            bytes: if bytes.is_empty() { stream.alloc_zeros(1)? } else { stream.clone_htod(bytes)? },
            base: base as u64,
        })
    }
}

/// The moments kernel's per-block words (kernels.cu) as one state.
fn moments_of_blocks(words: &[i64]) -> MomentsState {
    let mut state = MomentsState::default();
    for block in words.chunks_exact(MOMENT_WORDS) {
        let chunks = |at: usize| -> [i64; ExactSum::CHUNKS] {
            block[at..at + ExactSum::CHUNKS].try_into().expect("CHUNKS words")
        };
        let [count, pos, neg, sq_pos] = [0, 1, 2, 3].map(|k| block[2 * ExactSum::CHUNKS + k] as u64);
        let sum = ExactSum::from_chunks(chunks(0), pos, neg);
        let sum_sq = ExactSum::from_chunks(chunks(ExactSum::CHUNKS), sq_pos, 0);
        state.merge(&MomentsState::from_parts(count, sum, sum_sq));
    }
    state
}

/// The min/max kernel's per-block (min, max, any) triples as one state.
fn min_max_of_blocks(words: &[f64]) -> MinMaxState {
    let mut state = MinMaxState::default();
    state.update(words.chunks_exact(3).filter(|b| b[2] != 0.0).flat_map(|b| [b[0], b[1]]));
    state
}

/// The device column, copied back once the stream's work is done (the copy
/// into pageable memory waits already; the explicit sync says so, cheaply).
fn download<T: cudarc::driver::DeviceRepr>(
    stream: &Arc<CudaStream>,
    out: &CudaSlice<T>,
) -> std::result::Result<Vec<T>, DriverError> {
    let host = stream.clone_dtoh(out)?;
    stream.synchronize()?;
    Ok(host)
}

/// A driver failure during a call, named with the device and what to do.
fn gpu_error(device: &str, e: DriverError) -> TabxError {
    let hint = if e.0 == cudarc::driver::sys::CUresult::CUDA_ERROR_OUT_OF_MEMORY {
        "the GPU is out of memory: use a smaller --batch-size, or --device cpu"
    } else {
        "rerun with --device cpu, and report this with `nvidia-smi`'s output"
    };
    TabxError::config(format!("{device}: {e}")).with_hint(hint)
}
