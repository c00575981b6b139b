//! One function per subcommand: settings in, artifacts and a summary out.

mod datasets;
mod demo;
mod merge;
mod stats;

pub use datasets::datasets;
pub use demo::demo;
pub use merge::merge;
pub use stats::stats;

/// How a command ended, for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Ok,
    /// Exit 1: anomalies found or thresholds failed.
    Findings,
}
