//! The reader side of a watch: the engine's scan of the inputs (stdin, files,
//! a followed file), or a followed folder whose new files are read one by one
//! as they arrive. Either sends batches into the watch's channel.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::time::Duration;

use tabx_core::{Result, TabxError};
use tabx_engine::{Format, ScanPlan, SourceOptions, scan_ordered};

use super::{Message, STOPPED};

/// How often a followed folder is listed.
const POLL: Duration = Duration::from_millis(200);

pub(super) enum Reader {
    Plan(ScanPlan),
    /// New data files of `dir`, in name order, each read whole once its size
    /// has held still between two listings (a writer is done with it).
    Folder {
        dir: PathBuf,
        source: SourceOptions,
        stop: Arc<AtomicBool>,
    },
}

impl Reader {
    /// The reader of `inputs`: with `follow`, a single folder is watched for
    /// new files; anything else is planned as a scan now (so a missing file is
    /// an error before the watch starts).
    pub(super) fn try_new(inputs: &[String], source: SourceOptions, stop: &Arc<AtomicBool>) -> Result<Self> {
        if let [only] = inputs
            && source.follow.is_some()
            && Path::new(only).is_dir()
        {
            // The folder's files are read whole: it is the folder that is followed.
            let source = SourceOptions { follow: None, ..source };
            return Ok(Reader::Folder { dir: PathBuf::from(only), source, stop: Arc::clone(stop) });
        }
        Ok(Reader::Plan(ScanPlan::try_new(inputs, source)?))
    }

    pub(super) fn run(self, tx: &SyncSender<Message>) -> Result<()> {
        match self {
            Reader::Plan(plan) => scan(&plan, tx),
            Reader::Folder { dir, source, stop } => {
                let mut done: BTreeSet<PathBuf> = BTreeSet::new();
                let mut sizes: BTreeMap<PathBuf, u64> = BTreeMap::new();
                while !stop.load(Ordering::Relaxed) {
                    for file in settled(&dir, &done, &mut sizes)? {
                        let plan = ScanPlan::try_new(&[file.display().to_string()], source.clone())?;
                        scan(&plan, tx)?;
                        done.insert(file);
                    }
                    std::thread::sleep(POLL);
                }
                Ok(())
            }
        }
    }
}

fn scan(plan: &ScanPlan, tx: &SyncSender<Message>) -> Result<()> {
    scan_ordered(
        plan,
        |_| (),
        |(), batch| tx.send(Message::Batch(batch.clone())).map_err(|_| TabxError::Internal(STOPPED.into())),
        |()| Ok(()),
    )?;
    Ok(())
}

/// Data files of `dir` not read yet whose size is what the last listing saw,
/// in name order; `sizes` remembers this listing's sizes.
fn settled(dir: &Path, done: &BTreeSet<PathBuf>, sizes: &mut BTreeMap<PathBuf, u64>) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| TabxError::io(dir, e))?;
    let mut ready = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| TabxError::io(dir, e))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // Hidden and temporary files (`.x.csv.tmp`) are a writer's, not data yet.
        if name.starts_with('.') || Format::of_name(&name).is_none() || done.contains(&path) {
            continue;
        }
        let size = entry.metadata().map_err(|e| TabxError::io(&path, e))?.len();
        if sizes.insert(path.clone(), size) == Some(size) {
            ready.push(path);
        }
    }
    ready.sort();
    Ok(ready)
}
