//! Failpoints: named places where a process can be made to die on purpose,
//! so the fault tests stop a shard exactly where Kubernetes might (an OOM
//! kill, an eviction, `activeDeadlineSeconds`): mid-write, before a rename.
//!
//! `TABX_FAILPOINT=NAME` makes [`hit`]`(NAME)` kill the process with SIGKILL
//! (`NAME:N`: at its N-th hit, for points a run passes many times),
//! as the kubelet does: no destructor runs, no temporary file is removed; the
//! container exits 137. Unset, a point costs
//! one comparison against a value read once. Used by `cli/tests/faults.rs` and
//! `k8s-job/run_local.py --fault` (the same points inside a container).

use std::sync::OnceLock;

/// In [`PartialFile::write`](crate::PartialFile::write): half of the bytes
/// are in the temporary file, none is at the final name.
pub const PARTIAL_MID_WRITE: &str = "partial-mid-write";
/// In a row output's finish: the whole file is written under its temporary
/// name and not yet renamed to `part-I.parquet`.
pub const ROWS_BEFORE_RENAME: &str = "rows-before-rename";
/// In `tabx watch --checkpoint`: a window's outputs are written, its
/// checkpoint is not.
pub const WATCH_BEFORE_CHECKPOINT: &str = "watch-before-checkpoint";
/// In `tabx watch --checkpoint`: a window's checkpoint was just saved.
pub const WATCH_AFTER_CHECKPOINT: &str = "watch-after-checkpoint";
/// Every failpoint, for the error that names an unknown one.
pub const ALL: [&str; 4] = [PARTIAL_MID_WRITE, ROWS_BEFORE_RENAME, WATCH_BEFORE_CHECKPOINT, WATCH_AFTER_CHECKPOINT];

/// The failpoint chosen by `TABX_FAILPOINT` and at which hit it fires.
fn chosen_at() -> Option<&'static (String, u64)> {
    static CHOSEN: OnceLock<Option<(String, u64)>> = OnceLock::new();
    CHOSEN
        .get_or_init(|| {
            let value = std::env::var("TABX_FAILPOINT").ok().filter(|v| !v.is_empty())?;
            Some(match value.rsplit_once(':') {
                Some((name, n)) => (name.to_string(), n.parse().unwrap_or(0)),
                None => (value, 1),
            })
        })
        .as_ref()
}

/// An error for a `TABX_FAILPOINT` that names no failpoint (a typo would
/// otherwise make a fault test pass without any fault).
pub fn check() -> crate::Result<()> {
    match chosen_at() {
        Some((name, _)) if !ALL.contains(&name.as_str()) => Err(crate::TabxError::config(format!(
            "TABX_FAILPOINT={name} names no failpoint; known: {}",
            ALL.join(", ")
        ))),
        Some((name, 0)) => {
            Err(crate::TabxError::config(format!("TABX_FAILPOINT={name}:N needs a hit count N of 1 or more")))
        }
        _ => Ok(()),
    }
}

/// Kills this process with SIGKILL when `name` is the chosen failpoint (at
/// its chosen hit).
pub fn hit(name: &str) {
    static HITS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    if let Some((chosen, at)) = chosen_at()
        && chosen == name
        && HITS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == *at
    {
        kill_self();
    }
}

#[cfg(unix)]
fn kill_self() -> ! {
    // SAFETY: getpid, raise and _exit have no memory-safety preconditions.
    unsafe {
        if libc::getpid() != 1 {
            libc::raise(libc::SIGKILL);
        }
        // PID 1 of a PID namespace (tabx as a container's entrypoint) cannot
        // signal itself: the kernel drops signals a namespace's init sends
        // itself, SIGKILL included. Exit at once instead, with the status a
        // container runtime reports for a SIGKILLed process (128 + 9).
        libc::_exit(137)
    }
}

#[cfg(not(unix))]
fn kill_self() -> ! {
    std::process::abort()
}
