//! tabx's benchmarks. The crate holds no library code of its own:
//!
//! - `benches/sketches.rs`: criterion benches of the sketches in `tabx-core`,
//!   update and merge measured apart, fixed seeds, throughput in elements.
//! - `src/bin/scan_floor.rs`: DataFusion reading every column of a file and
//!   computing nothing, the floor `tabx stats` is measured against.
//! - `src/bin/gen_taxi.rs`: writes a generated taxi file (`tabx-datasets`).
//! - `compare_stats`: tabx against the floor, pandas, polars, DuckDB and TFDV on
//!   the same generated files, as whole processes (README.md says how to run it).
