//! One function per subcommand: settings in, artifacts and a summary out.

mod constraints;
mod datasets;
mod demo;
mod evaluate;
mod merge;
mod predict;
mod push;
mod report;
mod rows;
mod schema;
mod split;
mod stats;
mod train;
mod transform;
mod validate;
mod watch;

pub use datasets::datasets;
pub use demo::demo;
pub use evaluate::evaluate;
pub use merge::merge;
pub use predict::predict;
pub use push::push;
pub use report::report;
pub use schema::schema;
pub use split::split;
pub use stats::stats;
pub use train::train;
pub use transform::transform;
pub use validate::validate;
pub use watch::watch;

/// How a command ended, for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Ok,
    /// Exit 1: anomalies found or thresholds failed.
    Findings,
}
