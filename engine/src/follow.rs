//! Reading a local file as it grows, as `tail -F` does
//! ([`SourceOptions::follow`](crate::SourceOptions::follow)): at its end the
//! reader waits and reads on; when the path is replaced (log rotation: a new
//! file under the old name) or truncated, it goes on with the file now at
//! the path from its start, skipping that file's header line, or, given
//! the caller's file ([`FollowOptions::only`]), ends there so that the caller
//! reads the new file as a new input. The read ends
//! when its `stop` flag is set (`tabx watch --max-windows`), at the end
//! of what is there.
//!
//! [`Fingerprint`] lets a checkpoint find the file it stopped in again after
//! a restart, wherever rotation moved it.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How long to wait at the end of the file before looking again.
const POLL: Duration = Duration::from_millis(100);

/// How a followed file is read ([`SourceOptions::follow`](crate::SourceOptions::follow)).
#[derive(Debug, Clone)]
pub struct FollowOptions {
    /// Set it to end the read at the end of what is there.
    pub stop: Arc<AtomicBool>,
    /// `None`: go on with the file that replaces the followed one, its header
    /// skipped, as one stream. `Some(file)`: read this file, which the caller
    /// opened under the (only) followed path, and end at its end once the
    /// path names another file or this one was cut shorter: the caller goes on
    /// with the new file as a new input, and so knows which file each record
    /// came from (`tabx watch --checkpoint` counts records per file). The
    /// caller's handle is shared: it may read it with `pread` (a
    /// [`Fingerprint`]) but must not move its position.
    pub only: Option<Arc<File>>,
}

impl FollowOptions {
    /// Following the path's files as one stream, until `stop` is set.
    pub fn new(stop: Arc<AtomicBool>) -> Self {
        FollowOptions { stop, only: None }
    }
}

pub(crate) struct Follow {
    path: PathBuf,
    file: File,
    /// Bytes read from the current file.
    pos: u64,
    identity: (u64, u64),
    has_header: bool,
    /// Skipping the header line of a file that replaced the first.
    in_header: bool,
    /// End at a replacement instead of going on with it ([`FollowOptions::only`]).
    end_at_replacement: bool,
    stop: Arc<AtomicBool>,
}

/// A file's identity: device and inode (a rotated path names another one).
fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        (0, 0)
    }
}

impl Follow {
    /// Follows `path`, opened as `file` (with `options.only`, a clone of the caller's handle).
    pub(crate) fn new(path: &Path, file: File, has_header: bool, options: &FollowOptions) -> std::io::Result<Self> {
        let identity = identity(&file.metadata()?);
        Ok(Follow {
            path: path.to_path_buf(),
            // Where a shared handle is: at its start (the caller only reads it with pread).
            pos: 0,
            file,
            identity,
            has_header,
            in_header: false,
            end_at_replacement: options.only.is_some(),
            stop: Arc::clone(&options.stop),
        })
    }

    /// At the end of the current file: whether the path now names another
    /// file (or this one cut shorter), and if so, that file, opened.
    fn replaced(&self) -> Option<File> {
        let meta = std::fs::metadata(&self.path).ok()?;
        if identity(&meta) != self.identity || meta.len() < self.pos { File::open(&self.path).ok() } else { None }
    }
}

impl Read for Follow {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.file.read(buf)?;
            if n > 0 {
                self.pos += n as u64;
                if !self.in_header {
                    return Ok(n);
                }
                // Drop the new file's header line (up to its first line break).
                match memchr::memchr(b'\n', &buf[..n]) {
                    Some(i) => {
                        self.in_header = false;
                        buf.copy_within(i + 1..n, 0);
                        if n - i - 1 > 0 {
                            return Ok(n - i - 1);
                        }
                    }
                    None => continue,
                }
                continue;
            }
            match self.replaced() {
                // The caller goes on with the new file.
                Some(_) if self.end_at_replacement => return Ok(0),
                Some(file) => {
                    self.identity = identity(&file.metadata()?);
                    self.file = file;
                    self.pos = 0;
                    self.in_header = self.has_header;
                }
                None if self.stop.load(Ordering::Relaxed) => return Ok(0),
                None => std::thread::sleep(POLL),
            }
        }
    }
}

/// What a checkpoint keeps of a followed file to find it after a restart:
/// its identity and a hash of its first bytes (up to [`Fingerprint::PREFIX`]),
/// which a file that is only appended to keeps. Rotation by renaming keeps
/// both (`app.log` → `app.log.1`); `copytruncate` keeps the content in a
/// copy under another inode; a file cut shorter or rewritten in place keeps
/// neither.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// Device and inode.
    pub identity: (u64, u64),
    /// Bytes hashed: the file's length when taken, at most [`Fingerprint::PREFIX`].
    pub len: u64,
    /// [`tabx_core::hash64`] of those bytes.
    pub hash: u64,
    /// Those bytes go past the file's first line: a header alone would match
    /// any file of the log, so only then is a copy under another inode taken.
    pub past_first_line: bool,
}

impl Fingerprint {
    /// The most bytes hashed: enough to hold a header and rows past it.
    pub const PREFIX: u64 = 64 << 10;

    /// The fingerprint of an open file, read with `pread` (its position is left alone).
    pub fn of(file: &File) -> std::io::Result<Self> {
        let meta = file.metadata()?;
        let prefix = prefix(file, meta.len().min(Self::PREFIX))?;
        let past_first_line = memchr::memchr(b'\n', &prefix).is_some_and(|i| i + 1 < prefix.len());
        Ok(Fingerprint {
            identity: identity(&meta),
            len: prefix.len() as u64,
            hash: tabx_core::hash64(&prefix),
            past_first_line,
        })
    }

    /// Whether the file at `path` starts with the fingerprinted bytes.
    fn same_content(&self, path: &Path) -> bool {
        let Ok(file) = File::open(path) else { return false };
        let long_enough = file.metadata().is_ok_and(|m| m.is_file() && m.len() >= self.len);
        long_enough
            && prefix(&file, self.len).is_ok_and(|p| p.len() as u64 == self.len && tabx_core::hash64(&p) == self.hash)
    }

    /// Where the fingerprinted file is now: `path` or a rotated copy beside
    /// it (a file in its folder whose name starts with `path`'s: `app.log.1`,
    /// `app.log-20261206`) that starts with the same bytes, the same file
    /// (identity) first, then a copy (`copytruncate`). A copy is taken only
    /// when the hashed bytes go past its first line: a header alone would
    /// name any file of the log.
    pub fn find(&self, path: &Path) -> Option<PathBuf> {
        let candidates: Vec<PathBuf> = std::iter::once(path.to_path_buf()).chain(rotated_copies(path)).collect();
        let same_file = |p: &PathBuf| std::fs::metadata(p).is_ok_and(|m| identity(&m) == self.identity);
        if let Some(found) = candidates.iter().find(|p| same_file(p) && self.same_content(p)) {
            return Some(found.clone());
        }
        candidates.into_iter().find(|p| self.past_first_line && self.same_content(p))
    }
}

/// Files beside `path` whose name starts with its name (rotated copies), in name order.
pub fn rotated_copies(path: &Path) -> Vec<PathBuf> {
    let (Some(name), Some(dir)) = (path.file_name().and_then(|n| n.to_str()), path.parent()) else {
        return Vec::new();
    };
    let listed = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let Ok(entries) = std::fs::read_dir(listed) else { return Vec::new() };
    let mut copies: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_str().is_some_and(|n| n != name && n.starts_with(name)))
        // Named as the followed path is (`log.csv.1` beside `log.csv`, not `./log.csv.1`).
        .map(|e| dir.join(e.file_name()))
        .collect();
    copies.sort();
    copies
}

/// The first `len` bytes of `file` (fewer at its end), read with `pread`.
fn prefix(file: &File, len: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = vec![0u8; usize::try_from(len).unwrap_or(usize::MAX)];
    let mut filled = 0;
    while filled < bytes.len() {
        let n = read_at(file, &mut bytes[filled..], filled as u64)?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    bytes.truncate(filled);
    Ok(bytes)
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads what is there, waits for more, follows a rotation (header skipped).
    #[test]
    fn follows_appends_and_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        std::fs::write(&path, "a,b\n1,2\n").unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let options = FollowOptions::new(Arc::clone(&stop));
        let mut follow = Follow::new(&path, File::open(&path).unwrap(), true, &options).unwrap();
        let writer = {
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(150));
                let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
                std::io::Write::write_all(&mut f, b"3,4\n").unwrap();
                std::thread::sleep(Duration::from_millis(150));
                // Rotation: the old file moves away, a new one with its own header takes the name.
                std::fs::rename(&path, path.with_extension("csv.1")).unwrap();
                std::fs::write(&path, "a,b\n5,6\n").unwrap();
            })
        };
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        while got.len() < "a,b\n1,2\n3,4\n5,6\n".len() {
            let n = follow.read(&mut buf).unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        writer.join().unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), "a,b\n1,2\n3,4\n5,6\n");
        // Stopped: the read ends at the end of what is there.
        stop.store(true, Ordering::Relaxed);
        assert_eq!(follow.read(&mut buf).unwrap(), 0);
    }

    /// Given the caller's file, the read ends at a rotation instead of going
    /// on with the new file, and the caller's fingerprint of it still holds.
    #[test]
    fn one_file_ends_at_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        std::fs::write(&path, "a,b\n1,2\n").unwrap();
        let mine = Arc::new(File::open(&path).unwrap());
        let options = FollowOptions { stop: Arc::new(AtomicBool::new(false)), only: Some(Arc::clone(&mine)) };
        let mut follow = Follow::new(&path, mine.try_clone().unwrap(), true, &options).unwrap();
        let before = Fingerprint::of(&mine).unwrap();
        std::fs::rename(&path, path.with_extension("csv.1")).unwrap();
        std::fs::write(&path, "a,b\n5,6\n").unwrap();
        let mut got = String::new();
        follow.read_to_string(&mut got).unwrap();
        assert_eq!(got, "a,b\n1,2\n", "the new file is not read");
        assert_eq!(Fingerprint::of(&mine).unwrap(), before, "pread left the shared position alone");
    }

    /// A fingerprint finds its file at the path, renamed beside it, or copied
    /// beside it (`copytruncate`); a header alone names no copy.
    #[test]
    fn fingerprint_finds_the_file_after_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let fingerprint = |text: &str| {
            std::fs::write(&path, text).unwrap();
            Fingerprint::of(&File::open(&path).unwrap()).unwrap()
        };
        let rows = fingerprint("a,b\n1,2\n");
        // Appended to: still the file at the path.
        std::fs::write(&path, "a,b\n1,2\n3,4\n").unwrap();
        assert_eq!(rows.find(&path), Some(path.clone()));
        // Renamed away, a new file under the name: the renamed one.
        let renamed = dir.path().join("app.log.1");
        std::fs::rename(&path, &renamed).unwrap();
        std::fs::write(&path, "a,b\n9,9\n").unwrap();
        assert_eq!(rows.find(&path), Some(renamed.clone()));
        std::fs::remove_file(&renamed).unwrap();
        // copytruncate: the content copied away, the file emptied in place.
        let rows = fingerprint("a,b\n1,2\n");
        let copy = dir.path().join("app.log-20261206");
        std::fs::copy(&path, &copy).unwrap();
        std::fs::write(&path, "a,b\n7,7\n").unwrap();
        assert_eq!(rows.find(&path), Some(copy.clone()));
        // Gone: nothing.
        std::fs::remove_file(&copy).unwrap();
        assert_eq!(rows.find(&path), None);
        // A header alone: the file itself only, never a copy with the same header.
        let header = fingerprint("a,b\n");
        std::fs::copy(&path, &copy).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(header.find(&path), None, "a copy with the same header is another file");
        // Renamed, it is the same file.
        std::fs::rename(&copy, &path).unwrap();
        let header = Fingerprint::of(&File::open(&path).unwrap()).unwrap();
        std::fs::rename(&path, &renamed).unwrap();
        assert_eq!(header.find(&path), Some(renamed));
    }
}
