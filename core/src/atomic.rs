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
}
