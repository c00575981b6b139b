//! Files that appear whole or not at all ([`replace_atomically`],
//! [`OutputFile`]): what every artifact writer needs, since a pipeline pod can
//! be killed at any moment and the next step must never read half a file.
//!
//! An output that already exists and is not a regular file — `/dev/stdout`,
//! `/dev/null`, a FIFO another process reads — is written directly instead
//! ([`writes_in_place`]): renaming a temporary file over it would replace
//! the device with a file (as root) or fail to create the temporary file in
//! `/dev` (as anyone else), and a stream has no half file to hide anyway.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::{Result, TabxError};

/// Writes `path` through `temp`, a file beside it that `write` fills: the
/// missing folders are created first (a pipeline image has no shell to do
/// it), `temp` is renamed to `path` once `write` succeeded, and removed
/// when anything failed. A process killed meanwhile leaves at most `temp`,
/// so callers name it where their readers' globs do not look.
///
/// A `path` that [`writes_in_place`] is given to `write` as it is.
pub fn replace_atomically(path: &Path, temp: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    if writes_in_place(path) {
        return write(path);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| TabxError::io(parent, e))?;
    }
    let done = write(temp).and_then(|()| std::fs::rename(temp, path).map_err(|e| TabxError::io(path, e)));
    if done.is_err() {
        let _ = std::fs::remove_file(temp);
    }
    done
}

/// Whether the output `path` is written directly rather than through a
/// temporary file and a rename: it exists (after symbolic links, so
/// `/dev/stdout` is the pipe or terminal behind it) and is neither a regular
/// file nor a folder (a folder stays an error the rename names).
pub fn writes_in_place(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// The folder for the temporary files that go with the output `path`: the
/// output's own folder (the same filesystem, so the final rename is atomic),
/// or the system's temporary folder for an output written in place
/// (`/dev` is no place for them).
pub fn scratch_dir(path: &Path) -> PathBuf {
    match path.parent() {
        _ if writes_in_place(path) => std::env::temp_dir(),
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// An output file being written, for writers that hold a file open as they
/// go: a temporary file beside the target ([`output_temp_file`]), renamed
/// into place by [`persist`](Self::persist); or the target itself when it
/// [`writes_in_place`]. Dropped without `persist`, the temporary file is
/// removed.
#[derive(Debug)]
pub struct OutputFile {
    temp: Option<tempfile::NamedTempFile>,
    file: File,
}

impl OutputFile {
    /// Opens the output for `target`; `prefix` starts the temporary file's
    /// name (callers pick a dot-name their readers' globs skip). The
    /// target's missing folders are created.
    pub fn create(target: &Path, prefix: &str) -> std::io::Result<Self> {
        if writes_in_place(target) {
            let file = std::fs::OpenOptions::new().write(true).truncate(true).open(target)?;
            return Ok(OutputFile { temp: None, file });
        }
        let dir = scratch_dir(target);
        std::fs::create_dir_all(&dir)?;
        let temp = output_temp_file(&dir, prefix)?;
        let file = temp.reopen()?;
        Ok(OutputFile { temp: Some(temp), file })
    }

    /// A handle to write the output through, at its start.
    pub fn file(&self) -> std::io::Result<File> {
        self.file.try_clone()
    }

    /// Puts the written output in place: renames the temporary file over
    /// `target` (nothing to do for an output written in place).
    pub fn persist(self, target: &Path) -> std::io::Result<()> {
        match self.temp {
            Some(temp) => temp.persist(target).map(drop).map_err(|e| e.error),
            None => Ok(()),
        }
    }
}

/// Flushes `file` to its disk, as `sync_all` does; a pipe or a device
/// ([`writes_in_place`]), which has no disk and answers `EINVAL`, is done.
pub fn sync_output(file: &File) -> std::io::Result<()> {
    match file.sync_all() {
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Ok(()),
        done => done,
    }
}

/// A temporary file in `dir` named `prefix…`, to be renamed into place as
/// an output: created with mode 0666 less the umask, as `File::create`
/// would. (tempfile's default, 0600, would follow the file through the
/// rename, and the next step of a pipeline, often another user reading a
/// shared volume, could not open it.)
pub fn output_temp_file(dir: &Path, prefix: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder.tempfile_in(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (path, temp) = (dir.path().join("a/b/out.json"), dir.path().join("a/b/out.json.tmp"));
        replace_atomically(&path, &temp, |t| std::fs::write(t, b"{}").map_err(|e| TabxError::io(t, e))).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
        assert!(!temp.exists());
        // A failed write leaves the old file and no temporary one.
        let failed = replace_atomically(&path, &temp, |t| {
            std::fs::write(t, b"half").unwrap();
            Err(TabxError::config("killed"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
        assert!(!temp.exists());
    }

    /// A renamed output is readable by others where the umask allows, as a
    /// file made by `File::create` is (tempfile alone makes it 0600).
    #[cfg(unix)]
    #[test]
    fn outputs_have_the_mode_file_create_gives() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::File::create(&plain).unwrap();
        let temp = output_temp_file(dir.path(), ".x-").unwrap();
        let out = dir.path().join("out");
        temp.persist(&out).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&out), mode(&plain));
        assert_ne!(mode(&out), 0o600, "umask 077 on this machine?");
    }

    /// A FIFO at `path`, and a thread reading all it is sent.
    #[cfg(unix)]
    fn fifo_reader(path: &Path) -> std::thread::JoinHandle<Vec<u8>> {
        use std::os::unix::ffi::OsStrExt;
        let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
        // Safety: a NUL-terminated path and a mode.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo {}", path.display());
        let path = path.to_path_buf();
        std::thread::spawn(move || std::fs::read(path).unwrap())
    }

    /// Still a FIFO, and the folder holds nothing else: no temporary file
    /// was renamed over it or left beside it. (Checked before joining the
    /// reader, which would wait forever for a writer that never came.)
    #[cfg(unix)]
    fn assert_still_the_fifo(path: &Path) {
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata(path).unwrap().file_type().is_fifo(), "{} was replaced", path.display());
        let names: Vec<_> =
            std::fs::read_dir(path.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, [path.file_name().unwrap()]);
    }

    /// `tabx stats … -o /dev/stdout` (or a FIFO, or /dev/null) writes to
    /// the device; the rename would have replaced it with a regular file.
    #[cfg(unix)]
    #[test]
    fn a_fifo_is_written_through_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("out.json");
        let reader = fifo_reader(&fifo);
        let temp = dir.path().join("out.json.tmp");
        replace_atomically(&fifo, &temp, |p| {
            let mut f = File::create(p).map_err(|e| TabxError::io(p, e))?;
            std::io::Write::write_all(&mut f, b"{}").map_err(|e| TabxError::io(p, e))?;
            // A pipe has no disk: syncing it is no error.
            sync_output(&f).map_err(|e| TabxError::io(p, e))
        })
        .unwrap();
        assert_still_the_fifo(&fifo);
        assert_eq!(reader.join().unwrap(), b"{}");
    }

    #[cfg(unix)]
    #[test]
    fn an_output_file_on_a_fifo_writes_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("rows.csv");
        let reader = fifo_reader(&fifo);
        assert_eq!(scratch_dir(&fifo), std::env::temp_dir());
        let out = OutputFile::create(&fifo, ".x-").unwrap();
        std::io::Write::write_all(&mut out.file().unwrap(), b"a,b\n1,2\n").unwrap();
        out.persist(&fifo).unwrap();
        assert_still_the_fifo(&fifo);
        assert_eq!(reader.join().unwrap(), b"a,b\n1,2\n");
    }

    /// A regular target is written beside and renamed; the folders missing
    /// are made; dropped unpersisted, nothing is left.
    #[test]
    fn an_output_file_appears_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/rows.csv");
        assert_eq!(scratch_dir(&path), dir.path().join("a/b"));
        let out = OutputFile::create(&path, ".x-").unwrap();
        std::io::Write::write_all(&mut out.file().unwrap(), b"x\n").unwrap();
        assert!(!path.exists());
        out.persist(&path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"x\n");
        drop(OutputFile::create(&path, ".x-").unwrap());
        assert_eq!(std::fs::read_dir(dir.path().join("a/b")).unwrap().count(), 1);
        assert_eq!(std::fs::read(&path).unwrap(), b"x\n");
    }
}
