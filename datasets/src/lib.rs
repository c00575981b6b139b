//! Data for tabx's tests, demos and benchmarks.
//!
//! - The real Chicago taxi sample that TFX's taxi example uses, embedded
//!   ([`TAXI_CSV`], [`TAXI_SCHEMA_PBTXT`]) and as paths in the source tree
//!   ([`taxi_csv_path`], [`taxi_parquet_path`]) for tests.
//! - [`TaxiGenerator`]: taxi-shaped rows of any count from a seed, with the real
//!   sample's columns, distributions and missingness, streamed to CSV or Parquet
//!   in constant memory ([`write_file`] picks the format by extension).
//!
//! ```
//! use tabx_datasets::{TaxiGenerator, TAXI_CSV};
//!
//! // The generated header is the real file's header.
//! let real_header = TAXI_CSV.split(|&b| b == b'\n').next().unwrap();
//! assert_eq!(TaxiGenerator::csv_header().as_bytes(), real_header);
//!
//! let rows: usize = TaxiGenerator::new(42).batches(1000, 256).map(|b| b.num_rows()).sum();
//! assert_eq!(rows, 1000);
//! ```

mod embedded;
mod taxi;

pub use embedded::{TAXI_CSV, TAXI_ROWS, TAXI_SCHEMA_PBTXT, taxi_csv_path, taxi_parquet_path, taxi_schema_path};
pub use taxi::{TAXI_BATCH_ROWS, TAXI_ROW_GROUP_ROWS, TaxiBatches, TaxiGenerator, write_file};
