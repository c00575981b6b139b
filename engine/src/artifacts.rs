//! Whole files at object-store URLs: what a pipeline step needs besides
//! scanning data. A pod reads its artifacts (schema, transform, partial
//! states) from a bucket and writes its outputs back, so these move files
//! between a local path and `s3://`, `gs://`, `az://` or `http(s)://` URLs.
//!
//! Writes are atomic the way object stores allow: an object appears only when
//! its upload completes. Small files go in one PUT; large ones in a multipart
//! upload that is completed last (and aborted on error), so a reader sees the
//! whole object or none, never half of one. Credentials come from the
//! environment, as for reads ([`crate::store`]); no URL or error printed here
//! carries them.

use std::io::Read;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use object_store::ObjectStoreExt;
use object_store::buffered::BufWriter;
use tabx_core::{Result, TabxError};
use tokio::io::AsyncWriteExt;

use crate::store::{StoreObject, StoreReader, block_on, expand_url, open, store_error};

/// Whether `location` names an object store (rather than a local path).
pub fn is_url(location: &str) -> bool {
    crate::store::is_url(location)
}

/// Bytes per part of a multipart upload, and the size under which a file goes
/// in one PUT (S3 wants parts of at least 5 MiB).
const PART_BYTES: usize = 8 << 20;

/// Copies the object at `url` to the local file `to`, streaming (memory stays
/// at one chunk), and returns the bytes copied.
pub fn download(url: &str, to: &Path) -> Result<u64> {
    let (store, path) = open(url)?;
    let mut reader = StoreReader::new(StoreObject { url: url.to_string(), store, path });
    let mut file = std::fs::File::create(to).map_err(|e| TabxError::io(to, e))?;
    std::io::copy(&mut reader, &mut file).map_err(|e| store_error(url, e))
}

/// Uploads the local file `from` to `url`: one PUT under 8 MiB, else a
/// multipart upload completed after the last part (aborted on any error), so
/// the object appears whole or not at all.
pub fn upload(from: &Path, url: &str) -> Result<()> {
    let (store, path) = open(url)?;
    let mut file = std::fs::File::open(from).map_err(|e| TabxError::io(from, e))?;
    block_on(async move {
        let mut writer = BufWriter::with_capacity(store, path, PART_BYTES);
        let copied = async {
            loop {
                let mut chunk = vec![0u8; PART_BYTES];
                let n = file.read(&mut chunk).map_err(|e| TabxError::io(from, e))?;
                if n == 0 {
                    break;
                }
                chunk.truncate(n);
                writer.put(Bytes::from(chunk)).await.map_err(|e| store_error(url, e))?;
            }
            Ok::<_, TabxError>(())
        }
        .await;
        match copied {
            Ok(()) => writer.shutdown().await.map_err(|e| store_error(url, e)),
            Err(e) => {
                // Leave no parts behind; the first error is the one to report.
                let _ = writer.abort().await;
                Err(e)
            }
        }
    })?
}

/// Deletes the object at `url`; one that does not exist is no error (a
/// step replacing a marker that an earlier run may or may not have left).
pub fn delete(url: &str) -> Result<()> {
    let (store, path) = open(url)?;
    block_on(async move {
        match store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_error(url, e)),
        }
    })?
}

/// Every object a URL names: itself, or the objects a glob in its key matches
/// (sorted). An empty match is an error naming the pattern.
pub fn expand(url: &str) -> Result<Vec<String>> {
    let found: Vec<String> = expand_url(url)?.into_iter().map(|(object, _)| object.url).collect();
    if found.is_empty() {
        return Err(store_error(url, "no object matches this pattern"));
    }
    Ok(found)
}

/// Every local file a path names: itself, or the files a glob matches (sorted;
/// a shell-less container has no shell to expand `part-*.partial`).
pub fn expand_local(pattern: &str) -> Result<Vec<PathBuf>> {
    if !pattern.contains(['*', '?', '[']) || Path::new(pattern).exists() {
        return Ok(vec![PathBuf::from(pattern)]);
    }
    let found = crate::resolve::glob_files(pattern)?;
    if found.is_empty() {
        return Err(TabxError::config(format!("{pattern}: no file matches this pattern")));
    }
    Ok(found)
}
