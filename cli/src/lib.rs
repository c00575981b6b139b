//! # tabx-cli
//!
//! The `tabx` binary's library half: clap arguments ([`args`]), resolved settings,
//! one function per subcommand ([`commands`]), and the file-level statistics
//! driver ([`compute_stats`]) that Rust users can call directly.
//!
//! ```no_run
//! use tabx_cli::compute_stats;
//! let run = compute_stats(&["trips.parquet".into()], Default::default(), &Default::default())?;
//! println!("{}", serde_json::to_string_pretty(&run.state.finish())?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod args;
pub mod commands;
mod driver;
mod eval_view;
mod output;
pub mod rows;
mod schema_view;
mod settings;
mod sink;
mod summary;
mod typed_sink;

pub use driver::{StatsRun, compute_stats, compute_stats_with};
