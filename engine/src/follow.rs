//! Reading a local file as it grows, as `tail -F` does
//! ([`SourceOptions::follow`](crate::SourceOptions::follow)): at its end the
//! reader waits and reads on; when the path is replaced (log rotation: a new
//! file under the old name) or truncated, it goes on with the file now at
//! the path from its start, skipping that file's header line. The read ends
//! only when its `stop` flag is set (`tabx watch --max-windows`), at the end
//! of what is there.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long to wait at the end of the file before looking again.
const POLL: Duration = Duration::from_millis(100);

pub(crate) struct Follow {
    path: PathBuf,
    file: File,
    /// Bytes read from the current file.
    pos: u64,
    identity: (u64, u64),
    has_header: bool,
    /// Skipping the header line of a file that replaced the first.
    in_header: bool,
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
    pub(crate) fn new(path: &Path, file: File, has_header: bool, stop: Arc<AtomicBool>) -> std::io::Result<Self> {
        let identity = identity(&file.metadata()?);
        Ok(Follow { path: path.to_path_buf(), file, pos: 0, identity, has_header, in_header: false, stop })
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
        let mut follow = Follow::new(&path, File::open(&path).unwrap(), true, Arc::clone(&stop)).unwrap();
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
}
