//! `*.partial` files: the state of one shard of a sharded run, written by
//! `tabx stats --partial` or `tabx transform fit --partial` and merged by
//! `tabx merge` ([`PartialFile`], [`PartialHeader`], [`in_shard_order`]).
//!
//! Layout: `TABXPART` magic, a u32 layout version, a u32 header length, a JSON
//! [`PartialHeader`] (which says what kind of state follows), the state,
//! postcard-encoded by its owner, and last the XXH3-64 of everything before
//! it. Files are written to a temporary name and renamed, so a retried pod
//! (Kubernetes Indexed Jobs retry an index with the same index) leaves a whole
//! file or none; the checksum catches what the rename cannot: a file cut short
//! or damaged in storage or in transit. A postcard state with a flipped byte
//! may still decode, into other numbers: without the checksum a damaged shard
//! would merge into a wrong result instead of an error.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{PARTIAL_MAGIC, PartialState, Result, TabxError};

/// The version of the file layout around the header and the state written
/// now (2: the checksum trailer). Layout 1 (no trailer) is still read.
const LAYOUT_VERSION: u32 = 2;
/// Bytes of the XXH3-64 trailer.
const CHECKSUM_LEN: usize = 8;

/// What a partial file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialHeader {
    /// What the state is of: `"stats"` or `"transform"`.
    pub kind: String,
    /// The version of the state's encoding, owned by its kind.
    pub format_version: u32,
    /// The tabx version that wrote it.
    pub tabx_version: String,
    /// A hash of the options the state depends on: shards of one run agree.
    pub options_fingerprint: u64,
    /// This shard's index, 0-based.
    pub shard_index: usize,
    /// The number of shards.
    pub shard_count: usize,
    /// The inputs as given on the command line.
    pub inputs: Vec<String>,
}

/// A partial file: its header and the encoded state.
#[derive(Debug, Clone, PartialEq)]
pub struct PartialFile {
    pub header: PartialHeader,
    pub state: Vec<u8>,
}

impl PartialFile {
    /// Writes the file atomically: a temporary file beside `path`, then a
    /// rename. Missing parent folders are created (a pipeline step's image
    /// has no shell to `mkdir -p` them).
    pub fn write(&self, path: &Path) -> Result<()> {
        let header = serde_json::to_vec(&self.header).map_err(|e| TabxError::Internal(e.to_string()))?;
        let mut bytes = Vec::with_capacity(16 + header.len() + self.state.len());
        bytes.extend_from_slice(PARTIAL_MAGIC);
        bytes.extend_from_slice(&LAYOUT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&header);
        bytes.extend_from_slice(&self.state);
        bytes.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(&bytes).to_le_bytes());
        // `part-I.partial.tmp.PID`: not matched by the merge's `part-*.partial`.
        let tmp = path.with_extension(format!("partial.tmp.{}", std::process::id()));
        crate::replace_atomically(path, &tmp, |tmp| {
            let write = || -> std::io::Result<()> {
                let mut f = std::fs::File::create(tmp)?;
                let (first, rest) = bytes.split_at(bytes.len() / 2);
                f.write_all(first)?;
                f.sync_all()?;
                crate::failpoint::hit(crate::failpoint::PARTIAL_MID_WRITE);
                f.write_all(rest)?;
                f.sync_all()
            };
            write().map_err(|e| TabxError::io(path, e))
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
        let bytes = match version {
            1 => bytes,
            LAYOUT_VERSION => {
                let Some(body_len) = bytes.len().checked_sub(CHECKSUM_LEN).filter(|n| *n >= 16) else {
                    return Err(bad("truncated partial file: recompute this shard (rerun its index)".into()));
                };
                let (body, trailer) = bytes.split_at(body_len);
                if xxhash_rust::xxh3::xxh3_64(body).to_le_bytes() != trailer {
                    return Err(bad(
                        "checksum mismatch: the file is damaged or cut short; recompute this shard (rerun its index)"
                            .into(),
                    ));
                }
                body
            }
            _ => {
                return Err(bad(format!(
                    "partial layout version {version}, this tabx reads versions 1 and {LAYOUT_VERSION}: recompute the shard with this tabx"
                )));
            }
        };
        let header_len = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes")) as usize;
        let header_end = 16usize.checked_add(header_len).filter(|end| *end <= bytes.len());
        let Some(header_end) = header_end else {
            return Err(bad("truncated partial file".into()));
        };
        let header: PartialHeader =
            serde_json::from_slice(&bytes[16..header_end]).map_err(|e| bad(format!("bad header: {e}")))?;
        Ok(Self { header, state: bytes[header_end..].to_vec() })
    }

    /// The state, checked to be of `kind` at `format_version`.
    pub fn state_of(&self, kind: &str, format_version: u32, what: &str) -> Result<&[u8]> {
        let h = &self.header;
        if h.kind != kind {
            return Err(TabxError::config(format!("{what}: holds `{}` state, not `{kind}`", h.kind)));
        }
        if h.format_version != format_version {
            return Err(TabxError::Artifact {
                path: what.to_string(),
                message: format!(
                    "{kind} state version {}, this tabx reads version {format_version}: recompute the shard with this tabx",
                    h.format_version
                ),
            });
        }
        Ok(&self.state)
    }
}

impl PartialFile {
    /// The partial file of `state` as shard `shard_index` of `shard_count` of a run over `inputs`.
    pub fn of_state<S: PartialState>(
        state: &S,
        shard_index: usize,
        shard_count: usize,
        inputs: Vec<String>,
    ) -> Result<Self> {
        let header = PartialHeader {
            kind: S::KIND.into(),
            format_version: S::FORMAT_VERSION,
            tabx_version: env!("CARGO_PKG_VERSION").into(),
            options_fingerprint: state.fingerprint(),
            shard_index,
            shard_count,
            inputs,
        };
        Ok(Self { header, state: state.encode()? })
    }

    /// The state inside, checked to be of `S`'s kind and version; `what` names the file.
    pub fn decode_state<S: PartialState>(&self, what: &str) -> Result<S> {
        S::decode(self.state_of(S::KIND, S::FORMAT_VERSION, what)?, what)
    }
}

/// Merges the partial files of shards 0..N (named, as read) into one state,
/// refusing missing, duplicate or mismatched shards; merging in shard order
/// keeps the result reproducible.
pub fn merge_partials<S: PartialState>(mut parts: Vec<(String, PartialFile)>) -> Result<S> {
    in_shard_order(&mut parts, |p| &p.header)?;
    let mut merged: Option<S> = None;
    for (name, file) in parts {
        let state = file.decode_state::<S>(&name)?;
        match &mut merged {
            Some(m) => m.merge(state).map_err(|e| match e {
                TabxError::Config { message, hint } => {
                    TabxError::Config { message: format!("{name}: {message}"), hint }
                }
                other => other,
            })?,
            None => merged = Some(state),
        }
    }
    merged.ok_or_else(|| TabxError::config("no partial files to merge"))
}

/// Checks that `parts` (named, with their headers) are shards 0..N of one run
/// (same kind, count and options; none missing, none twice) and sorts them in
/// shard order: merging in that order keeps the result reproducible.
pub fn in_shard_order<T>(parts: &mut [(String, T)], header: impl Fn(&T) -> &PartialHeader) -> Result<()> {
    let Some((first_name, first)) = parts.first() else {
        return Err(TabxError::config("no partial files to merge"));
    };
    let first = header(first);
    let (kind, count, fingerprint) = (first.kind.clone(), first.shard_count, first.options_fingerprint);
    for (name, part) in parts.iter() {
        let h = header(part);
        if h.kind != kind {
            return Err(TabxError::config(format!(
                "{name} holds `{}` state but {first_name} holds `{kind}`: merge each kind on its own",
                h.kind
            )));
        }
        if h.shard_count != count {
            return Err(TabxError::config(format!(
                "{name} is shard {}/{} but {first_name} is shard {}/{count}: shards of different runs",
                h.shard_index, h.shard_count, first.shard_index
            )));
        }
        if h.options_fingerprint != fingerprint {
            return Err(TabxError::config(format!("{name} was computed with other options than {first_name}"))
                .with_hint("run every shard with the same flags and spec (weights, slices, buckets, seed)"));
        }
        if h.shard_index >= count {
            return Err(TabxError::config(format!("{name}: shard index {} ≥ count {count}", h.shard_index)));
        }
    }
    parts.sort_by_key(|(_, p)| header(p).shard_index);
    let mut by_index: Vec<Vec<&str>> = vec![Vec::new(); count];
    for (name, part) in parts.iter() {
        by_index[header(part).shard_index].push(name);
    }
    // A shard given twice first: it is often why another is missing (a
    // glob or a typo named one file twice).
    if let Some((i, dupes)) = by_index.iter().enumerate().find(|(_, v)| v.len() > 1) {
        return Err(TabxError::config(format!("shard {i}/{count} appears twice: {}", dupes.join(" and ")))
            .with_hint("give each shard's partial once"));
    }
    let missing: Vec<String> =
        by_index.iter().enumerate().filter(|(_, v)| v.is_empty()).map(|(i, _)| format!("{i}/{count}")).collect();
    if !missing.is_empty() {
        return Err(TabxError::config(format!("missing shards: {}", missing.join(", ")))
            .with_hint("wait for every shard to finish, or rerun the missing ones"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(kind: &str, index: usize, count: usize) -> (String, PartialFile) {
        let header = PartialHeader {
            kind: kind.into(),
            format_version: 1,
            tabx_version: "0".into(),
            options_fingerprint: 7,
            shard_index: index,
            shard_count: count,
            inputs: vec![],
        };
        (format!("{kind}-{index}"), PartialFile { header, state: vec![index as u8] })
    }

    #[test]
    fn round_trip_and_order() {
        let (_, p) = part("stats", 1, 2);
        let dir = tempfile::tempdir().unwrap();
        // Into folders that do not exist yet (a pod's output prefix).
        let path = dir.path().join("shards/0/p.partial");
        p.write(&path).unwrap();
        assert_eq!(PartialFile::read(&path).unwrap(), p);

        let mut parts = vec![part("stats", 1, 2), part("stats", 0, 2)];
        in_shard_order(&mut parts, |p| &p.header).unwrap();
        assert_eq!(parts[0].1.state, vec![0]);
    }

    #[test]
    fn a_damaged_or_truncated_file_is_refused_by_name() {
        let (_, p) = part("stats", 0, 1);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("part-0.partial");
        p.write(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        // One bit flipped in the state: postcard would decode it into other numbers.
        let mut flipped = bytes.clone();
        let at = bytes.len() - CHECKSUM_LEN - 1;
        flipped[at] ^= 1;
        let err = PartialFile::from_bytes(&flipped, "s3://b/part-0.partial").unwrap_err().to_string();
        assert!(err.contains("s3://b/part-0.partial") && err.contains("checksum mismatch"), "{err}");
        for cut in [bytes.len() - 1, bytes.len() / 2, 17] {
            let err = PartialFile::from_bytes(&bytes[..cut], "part-0.partial").unwrap_err().to_string();
            assert!(err.contains("part-0.partial") && (err.contains("checksum") || err.contains("truncated")), "{err}");
        }
    }

    #[test]
    fn refuses_missing_duplicate_and_mixed() {
        let err =
            |mut parts: Vec<(String, PartialFile)>| in_shard_order(&mut parts, |p| &p.header).unwrap_err().to_string();
        assert!(err(vec![part("stats", 0, 3), part("stats", 2, 3)]).contains("missing shards: 1/3"));
        assert!(err(vec![part("stats", 0, 2), part("stats", 1, 2), part("stats", 0, 2)]).contains("twice"));
        // One file twice and its sibling missing: the repeat is what to fix.
        let e = err(vec![part("stats", 0, 2), part("stats", 0, 2)]);
        assert!(e.contains("shard 0/2 appears twice"), "{e}");
        assert!(err(vec![part("stats", 0, 2), part("transform", 1, 2)]).contains("merge each kind on its own"));
        assert!(err(vec![part("stats", 0, 2), part("stats", 1, 3)]).contains("different runs"));
        let (_, p) = part("stats", 0, 1);
        assert!(p.state_of("transform", 1, "p").unwrap_err().to_string().contains("not `transform`"));
    }
}
