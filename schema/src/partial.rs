//! `*.partial` files: the statistics state of one shard, written by
//! `tabx stats --shard I/N --partial` and merged by `tabx merge`.
//!
//! Layout: `TABXPART` magic, a u32 format version, a u32 header length, a JSON
//! [`PartialHeader`], then the postcard-encoded [`StatsAccumulator`]. Files are
//! written to a temporary name and renamed, so a retried pod (Kubernetes Indexed
//! Jobs retry an index with the same index) leaves a whole file or none.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use tabx_core::{PARTIAL_MAGIC, Result, TabxError};

use crate::StatsAccumulator;

/// Bumped whenever the encoded state changes shape.
pub const PARTIAL_FORMAT_VERSION: u32 = 1;

/// What a partial file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialHeader {
    /// What the state is of: `"stats"`.
    pub kind: String,
    pub format_version: u32,
    /// The tabx version that wrote it.
    pub tabx_version: String,
    /// [`crate::StatsOptions::fingerprint`] of the options used.
    pub options_fingerprint: u64,
    /// This shard's index, 0-based.
    pub shard_index: usize,
    /// The number of shards.
    pub shard_count: usize,
    /// The inputs as given on the command line.
    pub inputs: Vec<String>,
}

/// One shard's statistics state with its header.
#[derive(Debug, Clone)]
pub struct PartialStats {
    pub header: PartialHeader,
    pub state: StatsAccumulator,
}

impl PartialStats {
    /// Wraps a shard's accumulator.
    pub fn new(state: StatsAccumulator, shard_index: usize, shard_count: usize, inputs: Vec<String>) -> Self {
        let header = PartialHeader {
            kind: "stats".into(),
            format_version: PARTIAL_FORMAT_VERSION,
            tabx_version: env!("CARGO_PKG_VERSION").into(),
            options_fingerprint: state.options().fingerprint(),
            shard_index,
            shard_count,
            inputs,
        };
        Self { header, state }
    }

    /// Writes the file atomically: a temporary file beside `path`, then a rename.
    pub fn write(&self, path: &Path) -> Result<()> {
        let header = serde_json::to_vec(&self.header).map_err(|e| TabxError::Internal(e.to_string()))?;
        let body = self.state.to_bytes()?;
        let mut bytes = Vec::with_capacity(16 + header.len() + body.len());
        bytes.extend_from_slice(PARTIAL_MAGIC);
        bytes.extend_from_slice(&PARTIAL_FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&header);
        bytes.extend_from_slice(&body);
        let tmp = path.with_extension(format!("partial.tmp.{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            TabxError::io(path, e)
        })
    }

    /// Reads a file written by [`write`](Self::write).
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| TabxError::io(path, e))?;
        Self::from_bytes(&bytes, &path.display().to_string())
    }

    /// Decodes the bytes of a partial file; `what` names it in errors.
    pub fn from_bytes(bytes: &[u8], what: &str) -> Result<Self> {
        let bad = |message: String| TabxError::Artifact { path: what.to_string(), message };
        if bytes.len() < 16 || &bytes[..8] != PARTIAL_MAGIC {
            return Err(bad("not a tabx partial file (no TABXPART magic)".into()));
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        if version != PARTIAL_FORMAT_VERSION {
            return Err(bad(format!(
                "partial format version {version}, this tabx reads version {PARTIAL_FORMAT_VERSION}: recompute the shard with this tabx"
            )));
        }
        let header_len = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes")) as usize;
        let header_end = 16usize.checked_add(header_len).filter(|end| *end <= bytes.len());
        let Some(header_end) = header_end else {
            return Err(bad("truncated partial file".into()));
        };
        let header: PartialHeader =
            serde_json::from_slice(&bytes[16..header_end]).map_err(|e| bad(format!("bad header: {e}")))?;
        let state = StatsAccumulator::from_bytes(&bytes[header_end..], what)?;
        Ok(Self { header, state })
    }

    /// Merges the partials of shards 0..N, refusing missing, duplicate or
    /// mismatched shards; merging in shard order keeps the result reproducible.
    pub fn merge_all(mut parts: Vec<(String, PartialStats)>) -> Result<StatsAccumulator> {
        let Some((first_name, first)) = parts.first() else {
            return Err(TabxError::config("no partial files to merge"));
        };
        let (count, fingerprint) = (first.header.shard_count, first.header.options_fingerprint);
        for (name, part) in &parts {
            let h = &part.header;
            if h.kind != "stats" {
                return Err(TabxError::config(format!("{name}: holds `{}` state, not statistics", h.kind)));
            }
            if h.shard_count != count {
                return Err(TabxError::config(format!(
                    "{name} is shard {}/{} but {first_name} is shard {}/{count}: shards of different runs",
                    h.shard_index, h.shard_count, first.header.shard_index
                )));
            }
            if h.options_fingerprint != fingerprint {
                return Err(TabxError::config(format!("{name} was computed with other options than {first_name}"))
                    .with_hint("run every shard with the same flags (weights, slices, buckets, seed)"));
            }
        }
        parts.sort_by_key(|(_, p)| p.header.shard_index);
        let mut by_index: Vec<Vec<&str>> = vec![Vec::new(); count];
        for (name, part) in &parts {
            if part.header.shard_index >= count {
                return Err(TabxError::config(format!(
                    "{name}: shard index {} ≥ count {count}",
                    part.header.shard_index
                )));
            }
            by_index[part.header.shard_index].push(name);
        }
        let missing: Vec<String> =
            by_index.iter().enumerate().filter(|(_, v)| v.is_empty()).map(|(i, _)| format!("{i}/{count}")).collect();
        if !missing.is_empty() {
            return Err(TabxError::config(format!("missing shards: {}", missing.join(", ")))
                .with_hint("wait for every shard to finish, or rerun the missing ones"));
        }
        if let Some(dupes) = by_index.iter().find(|v| v.len() > 1) {
            return Err(TabxError::config(format!("the same shard appears twice: {}", dupes.join(" and "))));
        }
        let mut parts = parts.into_iter();
        let (_, first) = parts.next().expect("checked non-empty");
        let mut merged = first.state;
        for (_, part) in parts {
            merged.merge(&part.state)?;
        }
        // A column numeric in some shards and STRING in others cannot be re-read
        // here (the data is with the pods): INT with FLOAT merges as FLOAT, any
        // other clash is an error.
        let clashing = merged.columns_to_rescan();
        if !clashing.is_empty() {
            return Err(TabxError::schema(format!(
                "columns inferred as numbers in some shards and as STRING in others: {}",
                clashing.join(", ")
            ))
            .with_hint("give every shard the same types with --schema SCHEMA (e.g. a TFDV schema.pbtxt)"));
        }
        Ok(merged)
    }
}
