//! The reader side of a watch: the engine's scan of the inputs (stdin,
//! files), a followed file read one file at a time through its rotations, or
//! a followed folder or object-store prefix whose new files are read one by
//! one as they arrive. Each sends batches into the watch's channel, and
//! tells it where a followed input's next file starts.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::time::Duration;

use tabx_core::{Result, TabxError};
use tabx_engine::{Fingerprint, FollowOptions, Format, ScanPlan, SourceOptions, list_files, scan_ordered};

use super::{Message, STOPPED};

/// How often a followed folder is listed.
const POLL: Duration = Duration::from_millis(200);

pub(super) enum Reader {
    Plan(ScanPlan),
    /// A followed file (`tail -F`), one file at a time: each is read to its
    /// end once the path names another (rotation), then the new one from its
    /// start, so the watch knows which file each record came from.
    File {
        path: String,
        source: SourceOptions,
        stop: Arc<AtomicBool>,
        /// The file at the path now, opened, and its plan (made up front: a
        /// missing or unreadable file is an error before the watch starts).
        first: Box<(Arc<File>, ScanPlan)>,
        /// A rotated copy of the file a checkpoint stopped in: its rest is read first.
        rest_of: Option<PathBuf>,
    },
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
    /// The reader of `inputs`: with `source.follow`, the one folder or URL
    /// watched for new files, or the one file followed; anything else is
    /// planned as a scan now (so a missing file is an error before the watch
    /// starts).
    pub(super) fn try_new(inputs: &[String], source: SourceOptions, replay: Replay) -> Result<Self> {
        let Some(follow) = source.follow.clone() else {
            return Ok(Reader::Plan(ScanPlan::try_new(inputs, source)?));
        };
        let [only] = inputs else {
            return Err(TabxError::config(format!("--follow takes one file or folder, not {}", inputs.len()))
                .with_hint("watch one log file or one folder of arriving files; merge several streams upstream"));
        };
        let stop = follow.stop;
        if Path::new(only).is_dir() || only.contains("://") {
            // The folder's files are read whole: it is the folder that is followed.
            let source = SourceOptions { follow: None, ..source };
            return Ok(Reader::Folder { folder: only.clone(), source, stop, replay: replay.files });
        }
        let first = Box::new(plan_followed(only, &source)?);
        Ok(Reader::File { path: only.clone(), source, stop, first, rest_of: replay.rest_of })
    }

    pub(super) fn run(self, tx: &SyncSender<Message>) -> Result<()> {
        match self {
            Reader::Plan(plan) => scan(&plan, tx),
            Reader::File { path, source, stop, first, rest_of } => {
                if let Some(copy) = rest_of {
                    // Read to its end (a stop already set), as the followed file's format.
                    let done = Arc::new(AtomicBool::new(true));
                    let format = source.format.or_else(|| Format::of_name(&path));
                    let source = SourceOptions {
                        format,
                        follow: Some(FollowOptions { stop: done, only: None }),
                        ..source.clone()
                    };
                    let (file, plan) = plan_followed(&copy.display().to_string(), &source)?;
                    send(tx, Message::Followed(file))?;
                    scan(&plan, tx)?;
                }
                let mut next = Some(*first);
                while !stop.load(Ordering::Relaxed) {
                    let (file, plan) = match next.take() {
                        Some(planned) => planned,
                        None => match plan_followed(&path, &source) {
                            Ok(planned) => planned,
                            // Between a rotation's rename and the new file: look again.
                            Err(_) if !Path::new(&path).exists() => {
                                std::thread::sleep(POLL);
                                continue;
                            }
                            Err(e) => return Err(e),
                        },
                    };
                    send(tx, Message::Followed(file))?;
                    // Ends at the file's end once the path names another, or when stopped.
                    scan(&plan, tx)?;
                }
                Ok(())
            }
            Reader::Folder { folder, source, stop, replay } => {
                let mut done: BTreeSet<String> = BTreeSet::new();
                let mut sizes: BTreeMap<String, Option<u64>> = BTreeMap::new();
                let plan = |file: &String| ScanPlan::try_new(std::slice::from_ref(file), source.clone());
                let read = |file: &String, plan: ScanPlan| -> Result<()> {
                    send(tx, Message::File(file.clone()))?;
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
    scan_ordered(plan, |_| (), |(), batch| send(tx, Message::Batch(batch.clone())), |()| Ok(()))?;
    Ok(())
}

/// A closed channel means the watch has stopped.
fn send(tx: &SyncSender<Message>, message: Message) -> Result<()> {
    tx.send(message).map_err(|_| TabxError::Internal(STOPPED.into()))
}

/// The file at `path`, opened, and the plan of reading that very file
/// (to its end once the path names another).
fn plan_followed(path: &str, source: &SourceOptions) -> Result<(Arc<File>, ScanPlan)> {
    let follow =
        |only: Option<Arc<File>>| source.follow.as_ref().map(|f| FollowOptions { stop: Arc::clone(&f.stop), only });
    // Opening a pipe waits for its writer: the plan, which refuses to follow
    // one, is asked first, with nothing opened.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        ScanPlan::try_new(&[path.to_string()], SourceOptions { follow: follow(None), ..source.clone() })?;
    }
    let file = Arc::new(File::open(path).map_err(|e| TabxError::io(path, e))?);
    let follow = follow(Some(Arc::clone(&file)));
    let plan = ScanPlan::try_new(&[path.to_string()], SourceOptions { follow, ..source.clone() })?;
    Ok((file, plan))
}

/// What a restart reads again before going on ([`Reader::try_new`]).
#[derive(Debug, Default)]
pub(super) struct Replay {
    /// A followed folder's files read before the checkpoint, in the order read.
    pub(super) files: Vec<String>,
    /// A followed file: a rotated copy of the file the checkpoint stopped in.
    pub(super) rest_of: Option<PathBuf>,
}

/// Where the file a checkpoint of a followed file stopped in is now.
#[derive(Debug)]
pub(super) enum Found {
    /// Still at the followed path.
    AtPath,
    /// Rotated to `copy`; `newer` lists rotated copies written after it, which
    /// the restart does not read (their order is the rotating tool's).
    Rotated { copy: PathBuf, newer: Vec<String> },
    /// Gone (deleted, compressed, or rewritten in place).
    Lost,
}

impl Found {
    pub(super) fn find(path: &str, fingerprint: &Fingerprint) -> Self {
        let path = Path::new(path);
        let Some(at) = fingerprint.find(path) else { return Found::Lost };
        if at == path {
            return Found::AtPath;
        }
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let newer = tabx_engine::rotated_copies(path)
            .into_iter()
            // Not older: file times tick in milliseconds or coarser, so a copy written
            // in the same tick as the found one is listed too.
            .filter(|c| *c != at && modified(c) >= modified(&at))
            .map(|c| c.display().to_string())
            .collect();
        Found::Rotated { copy: at, newer }
    }
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
