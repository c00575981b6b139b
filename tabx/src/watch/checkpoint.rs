//! `--checkpoint DIR`: a watch's state between windows and its position in
//! the input, in one file (`DIR/watch.checkpoint`) replaced atomically after
//! the windows of each batch are handed on.
//!
//! The position is a count of records, not bytes: rows that reached the
//! validator and rows the reader rejected, each counted apart because the
//! reader reports a rejected row as it reads it, before the batch of the
//! rows around it. A restart reads the input from its start and skips that
//! many of each, so every record is counted once, at the price of parsing
//! the prefix again. A followed folder's files are read in the order they
//! arrived, which a listing cannot tell again: the checkpoint keeps that
//! order and a restart reads those files first, in it. A followed file's
//! counts are of the one file being read (the reader tells where each file
//! starts), and the checkpoint keeps that file's [`Fingerprint`] (identity
//! and first bytes): a restart finds it at the path or rotated beside it,
//! reads it again skipping the counts, then follows the path; when it is
//! gone, its rows after the checkpoint are lost and the report says so.
//! Stdin cannot be read again: a restart keeps the
//! windows' state and reads the new stdin from its start; what the killed
//! watch read after its last checkpoint is lost, and the report says so.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tabx_core::{Result, TabxError, decode_state, encode_state};
use tabx_engine::Fingerprint;

use super::validator::ValidatorState;

/// The file in a checkpoint folder.
const FILE: &str = "watch.checkpoint";
/// Bumped when the layout changes: an older checkpoint is refused by name.
/// 2: a followed folder's files in the order read. 3: a followed file's fingerprint.
const VERSION: u32 = 3;

/// Where the watch is in its input.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Position {
    /// Records consumed (of a followed file: of the file being read): rows
    /// pushed, rows rejected.
    pub(crate) rows_done: u64,
    pub(crate) rejects_done: u64,
    /// A followed folder's files in the order they were started: a restart
    /// reads them again in this order, so the counts above skip the same records.
    pub(crate) files: Vec<String>,
    /// A followed file: the file being read.
    pub(crate) followed: Option<Fingerprint>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Checkpoint {
    version: u32,
    /// The inputs and window (as `{:?}`) it was taken with: a restart must match.
    inputs: Vec<String>,
    window: String,
    pub(crate) position: Position,
    /// The input ended and every window was handed on.
    pub(crate) finished: bool,
    pub(crate) validator: ValidatorState,
}

impl Checkpoint {
    pub(crate) fn new(
        inputs: &[String],
        window: &super::WindowSpec,
        position: Position,
        finished: bool,
        validator: ValidatorState,
    ) -> Self {
        Checkpoint {
            version: VERSION,
            inputs: inputs.to_vec(),
            window: format!("{window:?}"),
            position,
            finished,
            validator,
        }
    }

    fn path(dir: &Path) -> PathBuf {
        dir.join(FILE)
    }

    /// The checkpoint in `dir` for these inputs and window; `None` when there is none yet.
    pub(crate) fn load(dir: &Path, inputs: &[String], window: &super::WindowSpec) -> Result<Option<Self>> {
        let path = Self::path(dir);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(TabxError::io(&path, e)),
        };
        let what = path.display().to_string();
        let checkpoint: Checkpoint = decode_state(&bytes, &what)?;
        let other = |what_differs: &str| {
            TabxError::config(format!("{} is a checkpoint of {what_differs}", path.display()))
                .with_hint("give the same inputs and --window to resume, or remove the checkpoint to start over")
        };
        if checkpoint.version != VERSION {
            return Err(other(&format!("checkpoint layout {} (this tabx writes {VERSION})", checkpoint.version)));
        }
        if checkpoint.inputs != inputs {
            return Err(other(&format!("other inputs ({})", checkpoint.inputs.join(" "))));
        }
        if checkpoint.window != format!("{window:?}") {
            return Err(other(&format!("another window ({})", checkpoint.window)));
        }
        Ok(Some(checkpoint))
    }

    /// Replaces the checkpoint in `dir` (temporary file + rename: a kill
    /// leaves the old one or the new one, never half of one).
    pub(crate) fn save(&self, dir: &Path) -> Result<()> {
        let bytes = encode_state(self)?;
        let path = Self::path(dir);
        let temp = dir.join(format!("{FILE}.tmp.{}", std::process::id()));
        tabx_core::replace_atomically(&path, &temp, |temp| {
            std::fs::write(temp, &bytes).map_err(|e| TabxError::io(temp, e))
        })
    }
}

/// How many windows a checkpoint in `dir` has handed on (`None`: no
/// checkpoint): outputs past it were written after the checkpoint and will
/// be written again.
pub fn windows_done(dir: &Path) -> Result<Option<u64>> {
    let path = Checkpoint::path(dir);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let checkpoint: Checkpoint = decode_state(&bytes, &path.display().to_string())?;
            Ok(Some(checkpoint.validator.next_index))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(TabxError::io(&path, e)),
    }
}
