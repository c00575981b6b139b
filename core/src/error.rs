//! The one error type of the tabx library crates.
//!
//! Variants are categories, not call sites (DataFusion's `DataFusionError`,
//! Polars' `PolarsError`): what went wrong, where (path, line, column), and the
//! fix where it is known. The binary adds context with `anyhow`.

use std::path::PathBuf;

/// Result with [`TabxError`].
pub type Result<T, E = TabxError> = std::result::Result<T, E>;

/// Everything that can go wrong in tabx's library crates.
#[derive(Debug, thiserror::Error)]
pub enum TabxError {
    /// The input data is malformed: a ragged row, an unclosed quote, a value
    /// that does not parse as the type the schema gives.
    #[error("{location}: {message}{}", hint_suffix(.hint))]
    InvalidInput {
        /// `file:line` or `file:line: column NAME`, whatever is known.
        location: String,
        message: String,
        hint: Option<String>,
    },
    /// Arguments, options or an artifact that cannot be used as given.
    #[error("{message}{}", hint_suffix(.hint))]
    Config { message: String, hint: Option<String> },
    /// Column types that do not fit together (schema vs data, shard vs shard).
    #[error("schema: {message}{}", hint_suffix(.hint))]
    Schema { message: String, hint: Option<String> },
    /// Reading or writing a local file.
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A Parquet file that cannot be decoded (truncated, corrupt).
    #[error("{path}: parquet: {message}")]
    Parquet { path: String, message: String },
    /// An object store (S3, GCS, Azure, HTTP) that could not be reached or read.
    #[error("{url}: {message}")]
    ObjectStore { url: String, message: String },
    /// An Arrow kernel failed.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// A partial-state or artifact file that cannot be decoded.
    #[error("{path}: {message}")]
    Artifact { path: String, message: String },
    /// A capability that this build was compiled without.
    #[error("tabx was built without the `{feature}` feature: {message}")]
    NotCompiled { feature: &'static str, message: String },
    /// A bug in tabx: please report it.
    #[error("internal error (please report): {0}")]
    Internal(String),
}

fn hint_suffix(hint: &Option<String>) -> String {
    match hint {
        Some(h) => format!("\nhint: {h}"),
        None => String::new(),
    }
}

impl TabxError {
    /// An [`TabxError::InvalidInput`] at `location` without a hint.
    pub fn invalid_input(location: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidInput { location: location.into(), message: message.into(), hint: None }
    }

    /// A [`TabxError::Config`] without a hint.
    pub fn config(message: impl Into<String>) -> Self {
        Self::Config { message: message.into(), hint: None }
    }

    /// A [`TabxError::Schema`] without a hint.
    pub fn schema(message: impl Into<String>) -> Self {
        Self::Schema { message: message.into(), hint: None }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }

    /// Adds (or replaces) the `hint:` line of the variants that carry one.
    pub fn with_hint(mut self, text: impl Into<String>) -> Self {
        match &mut self {
            Self::InvalidInput { hint, .. } | Self::Config { hint, .. } | Self::Schema { hint, .. } => {
                *hint = Some(text.into())
            }
            _ => {}
        }
        self
    }
}

/// Returns early with a [`TabxError::Config`] built by `format!` unless `cond` holds.
#[macro_export]
macro_rules! ensure_config {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err($crate::TabxError::config(format!($($arg)+)));
        }
    };
}

/// Returns early with a [`TabxError::Internal`] unless `cond` holds.
#[macro_export]
macro_rules! ensure_internal {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err($crate::TabxError::Internal(format!($($arg)+)));
        }
    };
}

/// Reads a text artifact (`transform.json`, `model.json`) and parses it with
/// `parse`; the file is named in I/O errors and in front of configuration errors.
pub fn read_artifact<T>(path: &std::path::Path, parse: impl FnOnce(&str) -> Result<T>) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| TabxError::io(path, e))?;
    parse(&text).map_err(|e| match e {
        TabxError::Config { message, hint } => {
            TabxError::Config { message: format!("{}: {message}", path.display()), hint }
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_stays_small() {
        // Results are returned on every batch: keep the error a few words big.
        assert!(std::mem::size_of::<TabxError>() <= 80, "{}", std::mem::size_of::<TabxError>());
    }

    #[test]
    fn hint_is_its_own_line() {
        let e = TabxError::invalid_input("a.csv:3", "expected 2 fields, found 3")
            .with_hint("quote fields that contain the delimiter");
        assert_eq!(e.to_string(), "a.csv:3: expected 2 fields, found 3\nhint: quote fields that contain the delimiter");
    }
}
