//! Data for tabx's tests, demos and benchmarks.
//!
//! - The real Chicago taxi sample that TFX's taxi example uses, embedded
//!   ([`TAXI_CSV`], [`TAXI_SCHEMA_PBTXT`]) and as paths in the source tree
//!   ([`taxi_csv_path`], [`taxi_parquet_path`]) for tests.
//! - [`TaxiGenerator`]: taxi-shaped rows of any count from a seed, with the real
//!   sample's columns, distributions and missingness, streamed to CSV or Parquet
//!   in constant memory ([`write_file`] picks the format by extension).
//! - [`TaxiFaults`]: known defects for validation tests, injected by
//!   [`TaxiGenerator::with_faults`] (`tabx datasets taxi --inject ...`):
//!
//!   | fault ([`TaxiFault`]) | `--inject` | effect |
//!   | --- | --- | --- |
//!   | `NewValue` | `new-value=payment_type:Bitcoin:0.05` | a fraction of a string column's values become a value outside the real domain |
//!   | `Drop` | `drop=tips` | the column is absent from the CSV header and the Parquet schema |
//!   | `TypeChange` | `type-change=trip_miles[:FRACTION]` | numbers written with a unit (`12.3 mi`); the Parquet column is `utf8` |
//!   | `Scale` | `scale=fare:1.5[:OFFSET]` | every value becomes `x × factor + offset` (rounded in integer columns) |
//!   | `Missing` | `missing=trip_seconds:0.05` | a fraction of present values become missing, on top of the column's own |
//!
//!   Fractions are per-row probabilities. The faults draw from their own streams
//!   of the seed, so a faulted file equals the clean file of the same seed except
//!   in the cells a fault touched, and is itself reproducible for the seed.
//!
//! ```
//! use tabx_datasets::{TaxiFaults, TaxiGenerator, TAXI_CSV};
//!
//! // The generated header is the real file's header.
//! let real_header = TAXI_CSV.split(|&b| b == b'\n').next().unwrap();
//! assert_eq!(TaxiGenerator::csv_header().as_bytes(), real_header);
//!
//! let rows: usize = TaxiGenerator::new(42).batches(1000, 256).map(|b| b.num_rows()).sum();
//! assert_eq!(rows, 1000);
//!
//! // The same rows, with a new payment type in ~5% of them and no tips column.
//! let faults = "new-value=payment_type:Bitcoin:0.05".parse().map(|f| TaxiFaults::from_iter([f])).unwrap();
//! let faulted = TaxiGenerator::new(42).with_faults(faults.drop("tips")).unwrap();
//! assert_eq!(faulted.output_schema().fields().len(), 17);
//! ```

mod embedded;
mod taxi;

pub use embedded::{
    TAXI_CSV, TAXI_ROWS, TAXI_SCHEMA_PBTXT, TAXI_TRANSFORM_YAML, taxi_csv_path, taxi_parquet_path, taxi_schema_path,
};
pub use taxi::{
    TAXI_BATCH_ROWS, TAXI_FAULT_SYNTAX, TAXI_ROW_GROUP_ROWS, TaxiBatches, TaxiFault, TaxiFaults, TaxiGenerator,
    write_file,
};
