//! Artifacts at object-store URLs, for every command: a pipeline pod reads its
//! schema, transform or partial states from a bucket and writes its outputs
//! back, with no volume shared between pods.
//!
//! Commands work on local files; this module stands between them and the
//! URLs. [`fetch`] downloads an input artifact named by a URL into a staging
//! folder (under `$TMPDIR`, an `emptyDir` in a pod) and returns the local copy;
//! [`output`] and [`output_dir`] hand a command a local path for an output
//! named by a URL, and [`publish`] uploads them after the command succeeded.
//! A failed command publishes nothing, and each object appears only when its
//! upload completes (`tabx_engine::artifacts::upload`), so a reader never sees
//! a half-written object, and a rerun pod replaces what a killed one left.
//! Local paths pass through untouched.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use tabx_engine::artifacts;

/// The staging folder, the inputs already downloaded (by URL), and the
/// uploads owed once the command succeeds.
struct Staging {
    dir: tempfile::TempDir,
    fetched: HashMap<String, PathBuf>,
    uploads: Vec<Upload>,
    /// Objects to delete once the uploads are done (a marker the new one replaces).
    deletions: Vec<String>,
    files: usize,
}

/// A staged output: a file, or a folder whose files all go under the URL.
struct Upload {
    local: PathBuf,
    url: String,
    folder: bool,
}

static STAGING: Mutex<Option<Staging>> = Mutex::new(None);

/// Whether `path` names an object store (`s3://`, `gs://`, `az://`, `http(s)://`).
pub fn is_url(path: &Path) -> bool {
    path.to_str().is_some_and(artifacts::is_url)
}

/// A fresh local path in the staging folder, named after the URL's last
/// segment (so extensions still pick formats).
fn staged_path(url: &str) -> Result<PathBuf> {
    let mut guard = STAGING.lock().unwrap_or_else(|p| p.into_inner());
    if guard.is_none() {
        let dir = tempfile::Builder::new()
            .prefix("tabx-staging-")
            .tempdir()
            .context("cannot create a staging folder for object-store artifacts under $TMPDIR")?;
        *guard = Some(Staging { dir, fetched: HashMap::new(), uploads: Vec::new(), deletions: Vec::new(), files: 0 });
    }
    let staging = guard.as_mut().expect("created above");
    staging.files += 1;
    let name = url.trim_end_matches('/').rsplit('/').next().filter(|n| !n.is_empty()).unwrap_or("artifact");
    let dir = staging.dir.path().join(staging.files.to_string());
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir.join(name))
}

/// The local file behind an input artifact: `path` itself, or a URL's object
/// downloaded to the staging folder, once per command (`validate` reads its
/// schema for the column types and for the checks).
pub fn fetch(path: &Path) -> Result<PathBuf> {
    if !is_url(path) {
        return Ok(path.to_path_buf());
    }
    let url = path.to_string_lossy().into_owned();
    let known = |guard: &Option<Staging>| guard.as_ref().and_then(|s| s.fetched.get(&url).cloned());
    if let Some(local) = known(&STAGING.lock().unwrap_or_else(|p| p.into_inner())) {
        return Ok(local);
    }
    let local = staged_path(&url)?;
    artifacts::download(&url, &local).with_context(|| format!("cannot read {url}"))?;
    let mut guard = STAGING.lock().unwrap_or_else(|p| p.into_inner());
    guard.as_mut().expect("staged_path created it").fetched.insert(url, local.clone());
    Ok(local)
}

/// [`fetch`] for an optional argument.
pub fn fetch_opt(path: Option<&Path>) -> Result<Option<PathBuf>> {
    path.map(fetch).transpose()
}

/// Every input a list of paths, URLs or globs names, each as (the name to show,
/// the local file). Globs are expanded here, not by a shell: a pipeline image
/// has none (`tabx merge 's3://bucket/run/stats/part-*.partial'`).
pub fn fetch_all(paths: &[PathBuf]) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for path in paths {
        let text = path.to_string_lossy();
        if is_url(path) {
            for url in artifacts::expand(&text)? {
                let local = fetch(Path::new(&url))?;
                out.push((url, local));
            }
        } else {
            for local in artifacts::expand_local(&text)? {
                out.push((local.display().to_string(), local));
            }
        }
    }
    Ok(out)
}

/// The local path a command writes the output `path` to: `path` itself, or,
/// for a URL, a staged file that [`publish`] uploads there.
pub fn output(path: &Path) -> Result<PathBuf> {
    stage(path, false)
}

/// [`output`] for a folder of outputs (`split -o`, `predict -o`): every file
/// written under the staged folder goes under the URL as a prefix.
pub fn output_dir(path: &Path) -> Result<PathBuf> {
    stage(path, true)
}

fn stage(path: &Path, folder: bool) -> Result<PathBuf> {
    if !is_url(path) {
        return Ok(path.to_path_buf());
    }
    let url = path.to_string_lossy().trim_end_matches('/').to_string();
    let local = staged_path(&url)?;
    let mut guard = STAGING.lock().unwrap_or_else(|p| p.into_inner());
    let staging = guard.as_mut().expect("staged_path created it");
    // A second write to the same URL replaces the first: upload the last one only.
    staging.uploads.retain(|u| u.url != url);
    staging.uploads.push(Upload { local: local.clone(), url, folder });
    Ok(local)
}

/// Uploads every staged output (call once the command has succeeded), then
/// removes the staging folder. Returns the URLs written, in order.
pub fn publish() -> Result<Vec<String>> {
    let Some(staging) = STAGING.lock().unwrap_or_else(|p| p.into_inner()).take() else { return Ok(Vec::new()) };
    let mut written = Vec::new();
    for upload in &staging.uploads {
        if !upload.folder {
            artifacts::upload(&upload.local, &upload.url).with_context(|| format!("cannot write {}", upload.url))?;
            written.push(upload.url.clone());
            continue;
        }
        for file in files_under(&upload.local)? {
            let relative = file.strip_prefix(&upload.local).expect("listed under it");
            let url = format!("{}/{}", upload.url, relative.to_string_lossy().replace('\\', "/"));
            artifacts::upload(&file, &url).with_context(|| format!("cannot write {url}"))?;
            written.push(url);
        }
    }
    for url in &staging.deletions {
        artifacts::delete(url).with_context(|| format!("cannot delete {url}"))?;
    }
    Ok(written)
}

/// An output file the command removes, such as the blessing marker that the
/// new one replaces: a URL's object is deleted after the uploads (a local
/// file is the caller's to remove). Without it, a bucket would hold BLESSED
/// and NOT_BLESSED side by side after a verdict changed.
pub fn remove_on_publish(path: &Path) {
    if !is_url(path) {
        return;
    }
    let url = path.to_string_lossy().into_owned();
    let mut guard = STAGING.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(staging) = guard.as_mut() {
        staging.deletions.push(url);
    }
}

/// Drops the staging folder without uploading (the command failed).
pub fn discard() {
    STAGING.lock().unwrap_or_else(|p| p.into_inner()).take();
}

/// The files under `dir`, sorted; a missing folder has none (a command that
/// wrote nothing there).
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else { continue };
        for entry in entries {
            let path = entry.with_context(|| format!("cannot list {}", current.display()))?.path();
            if path.is_dir() { pending.push(path) } else { out.push(path) }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_pass_through() {
        let p = Path::new("out/stats.json");
        assert_eq!(output(p).unwrap(), p);
        assert_eq!(fetch(p).unwrap(), p);
        assert!(is_url(Path::new("s3://b/k")) && !is_url(p));
    }
}
