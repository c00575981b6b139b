//! The reader side of a watch: the engine's scan of the inputs (stdin, files,
//! a followed file), or a followed folder or object-store prefix whose new
//! files are read one by one as they arrive. Either sends batches into the
//! watch's channel.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::time::Duration;

use tabx_core::{Result, TabxError};
use tabx_engine::{ScanPlan, SourceOptions, list_files, scan_ordered};

use super::{Message, STOPPED};

/// How often a followed folder is listed.
const POLL: Duration = Duration::from_millis(200);

pub(super) enum Reader {
    Plan(ScanPlan),
    /// New data files under `folder` (a local folder or an object-store
    /// prefix), in name order, each read whole once its size has held still
    /// between two listings (a writer is done with it).
    Folder {
        folder: String,
        source: SourceOptions,
        stop: Arc<AtomicBool>,
        /// Files read before a checkpoint, read again first, in this order.
        replay: Vec<String>,
    },
}

impl Reader {
    /// The reader of `inputs`: with `follow`, a single folder or URL is
    /// watched for new files; anything else is planned as a scan now (so a
    /// missing file is an error before the watch starts).
    pub(super) fn try_new(
        inputs: &[String],
        source: SourceOptions,
        stop: &Arc<AtomicBool>,
        replay: Vec<String>,
    ) -> Result<Self> {
        if let [only] = inputs
            && source.follow.is_some()
            && (Path::new(only).is_dir() || only.contains("://"))
        {
            // The folder's files are read whole: it is the folder that is followed.
            let source = SourceOptions { follow: None, ..source };
            return Ok(Reader::Folder { folder: only.clone(), source, stop: Arc::clone(stop), replay });
        }
        Ok(Reader::Plan(ScanPlan::try_new(inputs, source)?))
    }

    /// Whether this reader follows a folder (or object-store prefix).
    pub(super) fn is_folder(&self) -> bool {
        matches!(self, Reader::Folder { .. })
    }

    pub(super) fn run(self, tx: &SyncSender<Message>) -> Result<()> {
        match self {
            Reader::Plan(plan) => scan(&plan, tx),
            Reader::Folder { folder, source, stop, replay } => {
                let mut done: BTreeSet<String> = BTreeSet::new();
                let mut sizes: BTreeMap<String, Option<u64>> = BTreeMap::new();
                let plan = |file: &String| ScanPlan::try_new(std::slice::from_ref(file), source.clone());
                let read = |file: &String, plan: ScanPlan| -> Result<()> {
                    tx.send(Message::File(file.clone())).map_err(|_| TabxError::Internal(STOPPED.into()))?;
                    scan(&plan, tx)
                };
                for file in replay {
                    let again = plan(&file).map_err(|e| {
                        TabxError::config(format!("cannot resume: {file} was read before the checkpoint ({e})"))
                            .with_hint("a followed folder's files must stay until the watch is done; remove the checkpoint to start over")
                    })?;
                    read(&file, again)?;
                    done.insert(file);
                }
                while !stop.load(Ordering::Relaxed) {
                    for file in settled(&folder, &source, &done, &mut sizes)? {
                        read(&file, plan(&file)?)?;
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

/// Data files under `folder` not read yet whose size is what the last
/// listing saw, in name order; `sizes` remembers this listing's sizes.
/// Hidden files (a writer's `.x.csv.tmp`) are not data yet.
fn settled(
    folder: &str,
    source: &SourceOptions,
    done: &BTreeSet<String>,
    sizes: &mut BTreeMap<String, Option<u64>>,
) -> Result<Vec<String>> {
    let mut ready = Vec::new();
    for (name, size) in list_files(&[folder.to_string()], source)? {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(&name);
        if base.starts_with('.') || done.contains(&name) {
            continue;
        }
        if sizes.insert(name.clone(), size) == Some(size) {
            ready.push(name);
        }
    }
    ready.sort();
    Ok(ready)
}
