//! Files that appear whole or not at all ([`replace_atomically`],
//! [`OutputFile`]): what every artifact writer needs, since a pipeline pod can
//! be killed at any moment and the next step must never read half a file.
//!
//! Where an output goes is decided once ([`Destination`]): a regular file,
//! or none yet, is replaced by renaming a temporary file over it — over the
//! file a symbolic link names, as `cp` writes through a link, not over the
//! link. An output that exists and is not a regular file (`/dev/null`, a
//! FIFO another process reads, `/dev/stdout` when it is a pipe or terminal),
//! or that is this process's standard output (`-o /dev/stdout > out.json`),
//! is written directly: a rename would replace
//! `/dev/stdout` itself with a file (as root) or fail to create the
//! temporary file in `/dev` (as anyone else), and a stream has no half file
//! to hide anyway.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::{Result, TabxError};

/// Where an output's bytes go.
#[derive(Debug, PartialEq, Eq)]
enum Destination {
    /// A temporary file renamed over this path (symbolic links resolved).
    Replace(PathBuf),
    /// The path itself, opened and written; `stdout` when it is this
    /// process's standard output.
    InPlace { stdout: bool },
}

impl Destination {
    /// Where `path`'s bytes go: in place when it exists (after symbolic
    /// links, so `/dev/stdout` is what is behind it) and is neither a
    /// regular file nor a folder (a folder stays an error the rename
    /// names), or when it is this process's standard output.
    fn of(path: &Path) -> Self {
        let meta = std::fs::metadata(path);
        let stdout = meta.as_ref().is_ok_and(is_stdout);
        match meta {
            Ok(m) if stdout || (!m.is_file() && !m.is_dir()) => Destination::InPlace { stdout },
            // A link to an existing file (a dangling one is replaced itself).
            _ if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) => {
                Destination::Replace(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
            }
            _ => Destination::Replace(path.to_path_buf()),
        }
    }

    /// See [`scratch_dir`].
    fn scratch_dir(&self) -> PathBuf {
        match self {
            Destination::InPlace { .. } => std::env::temp_dir(),
            Destination::Replace(target) => folder_of(target),
        }
    }

    /// Opens an output written in place: stdout is this process's own
    /// descriptor, duplicated, so that its bytes go where the shell opened
    /// it (`>>` appends, a socket works, which a reopened `/dev/stdout`
    /// would truncate or refuse), noted for [`stdout_is_an_output`]; any
    /// other device or FIFO is opened by its path.
    fn open_in_place(path: &Path, stdout: bool) -> std::io::Result<File> {
        if stdout {
            STDOUT_IS_AN_OUTPUT.store(true, Ordering::Relaxed);
            #[cfg(unix)]
            return Ok(File::from(std::os::fd::AsFd::as_fd(&std::io::stdout()).try_clone_to_owned()?));
        }
        std::fs::OpenOptions::new().write(true).truncate(true).open(path)
    }
}

/// Whether `m` is the file this process's standard output writes to.
#[cfg(unix)]
fn is_stdout(m: &std::fs::Metadata) -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() else { return false };
    File::from(fd).metadata().is_ok_and(|out| (out.dev(), out.ino()) == (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn is_stdout(_: &std::fs::Metadata) -> bool {
    false
}

static STDOUT_IS_AN_OUTPUT: AtomicBool = AtomicBool::new(false);

/// Whether an output of this process was written to its standard output
/// (`-o /dev/stdout`): what a command prints there otherwise (summary
/// tables) then belongs on stderr, so that the artifact reaches the next
/// command of the pipe whole.
pub fn stdout_is_an_output() -> bool {
    STDOUT_IS_AN_OUTPUT.load(Ordering::Relaxed)
}

/// The folder `path` is in (`.` for a bare name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes `path` through `temp`, a file beside it that `write` fills: the
/// missing folders are created first (a pipeline image has no shell to do
/// it), `temp` is renamed to `path` once `write` succeeded, and removed
/// when anything failed. A process killed meanwhile leaves at most `temp`,
/// so callers name it where their readers' globs do not look.
///
/// For a `path` written in place (see the module docs), `write` fills a temporary file in
/// the system's temporary folder, copied to `path` once whole; for a
/// symbolic link, `temp` goes beside (and is renamed over) the file it names.
pub fn replace_atomically(path: &Path, temp: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let target = match Destination::of(path) {
        Destination::InPlace { stdout } => {
            // Written whole to a temporary file first, then copied: a failed
            // write sends nothing down the pipe, and `write`, which opens
            // the path it is given, never truncates stdout's file.
            let temp = output_temp_file(&std::env::temp_dir(), ".tabx-output-").map_err(|e| TabxError::io(path, e))?;
            write(temp.path())?;
            let copied = File::open(temp.path()).and_then(|mut from| {
                let mut out = Destination::open_in_place(path, stdout)?;
                std::io::copy(&mut from, &mut out).map(drop)
            });
            return copied.map_err(|e| TabxError::io(path, e));
        }
        Destination::Replace(target) => target,
    };
    let folder = folder_of(&target);
    std::fs::create_dir_all(&folder).map_err(|e| TabxError::io(&folder, e))?;
    let temp = match temp.file_name() {
        Some(name) if target != path => folder.join(name),
        _ => temp.to_path_buf(),
    };
    let done = write(&temp).and_then(|()| std::fs::rename(&temp, &target).map_err(|e| TabxError::io(path, e)));
    if done.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    done
}

/// The folder for the temporary files that go with the output `path`: the
/// folder of the file it names (the same filesystem, so the final rename is
/// atomic), or the system's temporary folder for an output written in place
/// (`/dev` is no place for them).
pub fn scratch_dir(path: &Path) -> PathBuf {
    Destination::of(path).scratch_dir()
}

/// An output file being written, for writers that hold a file open as they
/// go: a temporary file beside the target ([`output_temp_file`]), renamed
/// into place by [`persist`](Self::persist); or the target itself when it is
/// written in place (see the module docs). Dropped without `persist`, the
/// temporary file is removed.
#[derive(Debug)]
pub struct OutputFile {
    /// The temporary file and the path it is renamed to; none in place.
    temp: Option<(tempfile::NamedTempFile, PathBuf)>,
    file: File,
    /// Where the output's companions (a spill) go: [`scratch_dir`].
    scratch: PathBuf,
}

impl OutputFile {
    /// Opens the output for `target`; `prefix` starts the temporary file's
    /// name (callers pick a dot-name their readers' globs skip). The
    /// target's missing folders are created.
    pub fn create(target: &Path, prefix: &str) -> std::io::Result<Self> {
        let destination = Destination::of(target);
        let scratch = destination.scratch_dir();
        match destination {
            Destination::InPlace { stdout } => {
                Ok(OutputFile { temp: None, file: Destination::open_in_place(target, stdout)?, scratch })
            }
            Destination::Replace(target) => {
                std::fs::create_dir_all(&scratch)?;
                let temp = output_temp_file(&scratch, prefix)?;
                let file = temp.reopen()?;
                Ok(OutputFile { temp: Some((temp, target)), file, scratch })
            }
        }
    }

    /// The folder for temporary files that go with this output
    /// ([`scratch_dir`]), without looking at the target again.
    pub fn scratch_dir(&self) -> &Path {
        &self.scratch
    }

    /// A handle to write the output through, at its start.
    pub fn file(&self) -> std::io::Result<File> {
        self.file.try_clone()
    }

    /// Flushes the output to its disk, as `File::sync_all` does; a pipe or a
    /// device, which has no disk and answers `EINVAL`, is done.
    pub fn sync_all(&self) -> std::io::Result<()> {
        match self.file.sync_all() {
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Ok(()),
            done => done,
        }
    }

    /// Puts the written output in place: renames the temporary file over
    /// the target (nothing to do for an output written in place).
    pub fn persist(self) -> std::io::Result<()> {
        match self.temp {
            Some((temp, target)) => temp.persist(target).map(drop).map_err(|e| e.error),
            None => Ok(()),
        }
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
        replace_atomically(&fifo, &temp, |p| std::fs::write(p, b"{}").map_err(|e| TabxError::io(p, e))).unwrap();
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
        let mut file = out.file().unwrap();
        std::io::Write::write_all(&mut file, b"a,b\n1,2\n").unwrap();
        // A pipe has no disk: syncing it is no error.
        out.sync_all().unwrap();
        drop(file);
        out.persist().unwrap();
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
        out.persist().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"x\n");
        drop(OutputFile::create(&path, ".x-").unwrap());
        assert_eq!(std::fs::read_dir(dir.path().join("a/b")).unwrap().count(), 1);
        assert_eq!(std::fs::read(&path).unwrap(), b"x\n");
    }

    /// An output named by a symbolic link replaces the file the link names,
    /// which stays linked (as `cp` writes through a link); the temporary
    /// file goes beside the file, not the link.
    #[cfg(unix)]
    #[test]
    fn an_output_through_a_symbolic_link_replaces_the_file_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let file = real.join("stats.json");
        std::fs::write(&file, b"old").unwrap();
        let link = dir.path().join("stats.json");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(scratch_dir(&link), real.canonicalize().unwrap());
        let temp = dir.path().join("stats.json.tmp");
        replace_atomically(&link, &temp, |t| {
            assert_eq!(t.parent().unwrap(), real.canonicalize().unwrap());
            std::fs::write(t, b"new").map_err(|e| TabxError::io(t, e))
        })
        .unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(&file).unwrap(), b"new");
        let out = OutputFile::create(&link, ".x-").unwrap();
        std::io::Write::write_all(&mut out.file().unwrap(), b"rows").unwrap();
        out.persist().unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(&file).unwrap(), b"rows");
        assert_eq!(std::fs::read_dir(&real).unwrap().count(), 1, "no temporary file left");
    }
}
