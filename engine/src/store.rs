//! Object stores (`s3://`, `gs://`, `az://`/`abfs://`, `http(s)://`) behind a
//! blocking interface: one tokio runtime for the process, a streaming GET as a
//! [`Read`], listing for globs in the key.
//!
//! Credentials come from the usual environment variables through the builders'
//! `from_env()`. Builders and configs are never formatted with `{:?}`: their
//! Debug output contains secret keys and tokens.
//!
//! Exposure: object_store 0.13 parses S3/Azure list XML with quick-xml 0.39,
//! which has RUSTSEC-2026-0194/0195 (CPU/memory denial of service on crafted
//! list responses). Only listing (a glob in a URL) parses such XML; it is as
//! safe as the endpoint the user names.

use std::io::Read;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, RetryConfig};
use tabx_core::{Result, TabxError};
use url::Url;

/// The runtime that drives every object-store future; callers block on it
/// through [`block_on`].
fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<std::result::Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("tabx-io")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| TabxError::Internal(format!("cannot start the I/O runtime: {e}")))
}

/// Runs `fut` to completion on the I/O runtime: the one way this crate blocks
/// on a future (through [`outside_runtime`], so a caller's async fn may call it).
pub(crate) fn block_on<F>(fut: F) -> Result<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let rt = runtime()?;
    outside_runtime(|| rt.block_on(fut))
}

/// Runs `f`, which blocks on (or starts, or drops) a tokio runtime, where
/// tokio allows that: the one mechanism every blocking tabx API uses.
///
/// Tokio forbids blocking a thread that drives async tasks: `Runtime::block_on`
/// there panics with "Cannot start a runtime from within a runtime" (and so
/// does dropping a runtime). tabx's API is blocking, and a library user may
/// call it from an async fn (a worker of a multi-thread runtime, or a
/// `current_thread` runtime). So when this thread is inside a runtime
/// context, `f` runs on a fresh scoped thread, which has none; the scope lets
/// it borrow from the caller. The caller's thread still waits: async callers
/// that mind use the `tabx` crate's `_async` entry points. Scan workers are
/// plain threads and take the direct path, so reading spawns no thread per chunk.
pub fn outside_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> Result<T> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Ok(f());
    }
    std::thread::scope(|scope| {
        let waiter = std::thread::Builder::new()
            .name("tabx-blocking".into())
            .spawn_scoped(scope, f)
            .map_err(|e| TabxError::Internal(format!("cannot start a thread to block on: {e}")))?;
        // A panic in `f` is the caller's panic, as on the direct path.
        Ok(waiter.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

/// An object in a store, addressed by the URL the user gave (or a listed one).
#[derive(Clone)]
pub(crate) struct StoreObject {
    pub url: String,
    pub store: Arc<dyn ObjectStore>,
    pub path: Path,
}

impl std::fmt::Debug for StoreObject {
    // The store's own Debug may print credentials: show the URL only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreObject").field("url", &self.url).finish_non_exhaustive()
    }
}

/// Whether `input` names an object store (rather than a local path).
pub(crate) fn is_url(input: &str) -> bool {
    ["s3://", "s3a://", "gs://", "az://", "abfs://", "abfss://", "azure://", "http://", "https://"]
        .iter()
        .any(|p| input.len() >= p.len() && input[..p.len()].eq_ignore_ascii_case(p))
}

/// A store error for `url`, with a hint on what usually fixes it.
pub(crate) fn store_error(url: &str, err: impl std::fmt::Display) -> TabxError {
    TabxError::ObjectStore {
        url: url.to_string(),
        message: format!(
            "{err}\nhint: check that the URL exists and is reachable; credentials come from the \
             environment (AWS_*, GOOGLE_*, AZURE_* variables)"
        ),
    }
}

/// Few, quick retries: an unreachable host should fail in seconds, not minutes.
fn retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            base: 2.0,
        },
        max_retries: 3,
        retry_timeout: Duration::from_secs(30),
    }
}

/// The store and object path for `url`.
pub(crate) fn open(url: &str) -> Result<(Arc<dyn ObjectStore>, Path)> {
    let parsed = Url::parse(url).map_err(|e| store_error(url, format!("invalid URL: {e}")))?;
    let path = Path::from_url_path(parsed.path()).map_err(|e| store_error(url, e))?;
    let scheme = parsed.scheme().to_ascii_lowercase();
    let store: Arc<dyn ObjectStore> = match scheme.as_str() {
        "s3" | "s3a" => Arc::new(
            object_store::aws::AmazonS3Builder::from_env()
                .with_url(url)
                .with_retry(retry())
                .build()
                .map_err(|e| store_error(url, e))?,
        ),
        "gs" => Arc::new(
            object_store::gcp::GoogleCloudStorageBuilder::from_env()
                .with_url(url)
                .with_retry(retry())
                .build()
                .map_err(|e| store_error(url, e))?,
        ),
        "az" | "abfs" | "abfss" | "azure" => Arc::new(
            object_store::azure::MicrosoftAzureBuilder::from_env()
                .with_url(url)
                .with_retry(retry())
                .build()
                .map_err(|e| store_error(url, e))?,
        ),
        "http" | "https" => {
            let origin = parsed.origin().ascii_serialization();
            let client = ClientOptions::new()
                .with_allow_http(true)
                .with_connect_timeout(Duration::from_secs(10))
                .with_timeout(Duration::from_secs(300));
            Arc::new(
                object_store::http::HttpBuilder::new()
                    .with_url(origin)
                    .with_client_options(client)
                    .with_retry(retry())
                    .build()
                    .map_err(|e| store_error(url, e))?,
            )
        }
        other => return Err(store_error(url, format!("unsupported URL scheme `{other}`"))),
    };
    Ok((store, path))
}

/// The URL of `path` in the store that `base` names (same scheme and authority).
fn url_of(base: &Url, path: &Path) -> String {
    let mut u = base.clone();
    u.set_path(&format!("/{path}"));
    u.set_query(None);
    u.to_string()
}

/// Resolves a URL to objects with their sizes: a glob in the key (`*`, `?`, `[`)
/// lists the store under the prefix before the first glob segment; a URL
/// ending in `/` is a folder: the objects directly under it (`prefix/*`).
pub(crate) fn expand_url(url: &str) -> Result<Vec<(StoreObject, u64)>> {
    let (store, path) = open(url)?;
    let folder =
        url.ends_with('/').then(|| if path.as_ref().is_empty() { "*".to_string() } else { format!("{path}/*") });
    let key = folder.as_deref().unwrap_or(path.as_ref());
    if !key.contains(['*', '?', '[']) {
        let meta = block_on(store.head(&path))?.map_err(|e| store_error(url, e))?;
        return Ok(vec![(StoreObject { url: url.to_string(), store, path }, meta.size)]);
    }
    let pattern = glob::Pattern::new(key).map_err(|e| store_error(url, format!("invalid glob: {e}")))?;
    let prefix: Vec<&str> = key.split('/').take_while(|seg| !seg.contains(['*', '?', '['])).collect();
    let prefix = Path::from(prefix.join("/"));
    let base = Url::parse(url).map_err(|e| store_error(url, e))?;
    let mut found = block_on(async {
        let mut out = Vec::new();
        let mut listing = store.list(Some(&prefix));
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(|e| store_error(url, e))?;
            if pattern.matches_with(
                meta.location.as_ref(),
                glob::MatchOptions { require_literal_separator: true, ..Default::default() },
            ) {
                out.push((meta.location, meta.size));
            }
        }
        Ok::<_, TabxError>(out)
    })??;
    found.sort();
    Ok(found
        .into_iter()
        .map(|(path, size)| (StoreObject { url: url_of(&base, &path), store: Arc::clone(&store), path }, size))
        .collect())
}

/// A streaming GET as a blocking reader: chunks arrive as the body does, so
/// memory stays at one chunk.
pub(crate) struct StoreReader {
    url: String,
    stream: Option<BoxStream<'static, object_store::Result<Bytes>>>,
    object: StoreObject,
    current: Bytes,
}

impl StoreReader {
    /// Starts no request yet: the GET is sent on the first read.
    pub(crate) fn new(object: StoreObject) -> Self {
        StoreReader { url: object.url.clone(), stream: None, object, current: Bytes::new() }
    }
}

impl Read for StoreReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            if self.stream.is_none() {
                let got = block_on(self.object.store.get(&self.object.path)).map_err(std::io::Error::other)?;
                let got = got.map_err(|e| std::io::Error::other(store_error(&self.url, e)))?;
                self.stream = Some(got.into_stream());
            }
            let Some(stream) = self.stream.as_mut() else { return Ok(0) };
            match block_on(stream.next()).map_err(std::io::Error::other)? {
                None => return Ok(0),
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(e)) => return Err(std::io::Error::other(store_error(&self.url, e))),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_urls() {
        assert!(is_url("s3://b/k.csv") && is_url("HTTPS://x/y") && is_url("abfss://c@a.dfs.core.windows.net/p"));
        assert!(!is_url("data.csv") && !is_url("-") && !is_url("file:///tmp/x.csv"));
    }

    #[test]
    fn unreachable_url_names_the_url() {
        let err = expand_url("http://127.0.0.1:1/x.csv").unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, TabxError::ObjectStore { .. }), "{text}");
        assert!(text.starts_with("http://127.0.0.1:1/x.csv: ") && text.contains("hint:"), "{text}");
    }
}
