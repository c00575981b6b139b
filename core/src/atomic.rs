//! Files that appear whole or not at all ([`replace_atomically`]): what every
//! artifact writer needs, since a pipeline pod can be killed at any moment
//! and the next step must never read half a file.

use std::path::Path;

use crate::{Result, TabxError};

/// Writes `path` through `temp`, a file beside it that `write` fills: the
/// missing folders are created first (a pipeline image has no shell to do
/// it), `temp` is renamed to `path` once `write` succeeded, and removed
/// when anything failed. A process killed meanwhile leaves at most `temp`,
/// so callers name it where their readers' globs do not look.
pub fn replace_atomically(path: &Path, temp: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| TabxError::io(parent, e))?;
    }
    let done = write(temp).and_then(|()| std::fs::rename(temp, path).map_err(|e| TabxError::io(path, e)));
    if done.is_err() {
        let _ = std::fs::remove_file(temp);
    }
    done
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
}
