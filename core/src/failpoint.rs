//! Failpoints: named places where a process can be made to die on purpose,
//! so the fault tests stop a shard exactly where Kubernetes might (an OOM
//! kill, an eviction, `activeDeadlineSeconds`): mid-write, before a rename.
//!
//! `TABX_FAILPOINT=NAME` makes [`hit`]`(NAME)` kill the process with SIGKILL,
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
/// Every failpoint, for the error that names an unknown one.
pub const ALL: [&str; 2] = [PARTIAL_MID_WRITE, ROWS_BEFORE_RENAME];

/// The failpoint chosen by `TABX_FAILPOINT`, if any.
fn chosen() -> Option<&'static str> {
    static CHOSEN: OnceLock<Option<String>> = OnceLock::new();
    CHOSEN.get_or_init(|| std::env::var("TABX_FAILPOINT").ok().filter(|v| !v.is_empty())).as_deref()
}

/// An error for a `TABX_FAILPOINT` that names no failpoint (a typo would
/// otherwise make a fault test pass without any fault).
pub fn check() -> crate::Result<()> {
    match chosen() {
        Some(name) if !ALL.contains(&name) => Err(crate::TabxError::config(format!(
            "TABX_FAILPOINT={name} names no failpoint; known: {}",
            ALL.join(", ")
        ))),
        _ => Ok(()),
    }
}

/// Kills this process with SIGKILL when `name` is the chosen failpoint.
pub fn hit(name: &str) {
    if chosen() == Some(name) {
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
