//! Handing freed memory back to the system between tasks, the process's
//! peak resident memory ([`peak_rss_bytes`]) for sizing pods, and the size
//! of the kernel's buffer when stdin is a pipe.
//!
//! A task's buffers (a Parquet row group's decoded pages and dictionaries, a
//! CSV range's rows) are freed when it ends, but glibc's malloc keeps freed
//! chunks in its per-thread arenas, and with every new task the fragments add
//! up: peak RSS of `tabx stats` on Parquet grew 1.16× from 2M to 20M rows
//! while the live heap (heaptrack) grew 1.05×. `malloc_trim(0)` after each
//! consumed task returns the free pages of every arena (glibc ≥ 2.8 walks all
//! arenas). Other allocators and platforms need nothing here. (mimalloc was
//! measured instead: a 3× higher peak on the same runs.)
//!
//! A trim walks every arena, so it runs after each task only when tasks are
//! big (at least [`TRIM_TASK_BYTES`] on average): after every task, it made a
//! glob of 3,000 tiny CSV files 2.3× slower (0.12 → 0.28 s). Trimming by
//! bytes read instead (once per 8 MiB) missed the states consumed in a burst
//! after a slow task: 1.14-1.17× from 2M to 20M CSV rows, against 1.07×.

/// The average task size from which each task ends with a trim.
pub(crate) const TRIM_TASK_BYTES: u64 = 1 << 20;

/// Whether a plan of `tasks` tasks over `bytes` input bytes (unknown for
/// stdin: one task, no trim needed) trims after each task.
pub(crate) fn trims_after_each_task(bytes: Option<u64>, tasks: usize) -> bool {
    bytes.is_some_and(|b| b / tasks.max(1) as u64 >= TRIM_TASK_BYTES)
}

/// Returns the allocator's free pages to the system, where that is a call.
pub(crate) fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes
    // the arena locks itself and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The peak resident set size of this process (`VmHWM` of
/// `/proc/self/status`), where the platform says it. It is what a
/// container's memory limit must hold; `tabx -v` logs it at exit.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

/// Asks for a 1 MiB pipe buffer when stdin is a pipe (Linux; 64 KiB by
/// default): the reader's 256 KiB reads then get whole chunks, with a quarter
/// of the system calls and wake-ups (`cat big.csv | tabx watch -`). Without
/// the right (a buffer over `/proc/sys/fs/pipe-max-size`) nothing changes.
pub(crate) fn widen_stdin_pipe() {
    #[cfg(target_os = "linux")]
    // SAFETY: fcntl on fd 0 with F_SETPIPE_SZ reads no memory of ours; on a
    // non-pipe or a refusal it returns -1, which is ignored.
    unsafe {
        libc::fcntl(0, libc::F_SETPIPE_SZ, 1 << 20);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn peak_rss_covers_what_was_touched() {
        // 64 MiB written page by page must show in the peak (and a test
        // process is far below 64 GiB).
        let block = vec![1u8; 64 << 20];
        let peak = peak_rss_bytes().expect("Linux reports VmHWM");
        assert!((64 << 20..64 << 30).contains(&peak), "{peak}");
        drop(block);
    }

    #[test]
    fn big_tasks_trim_small_ones_do_not() {
        // A 2.4 GB CSV in 75 ranges of 32 MiB; 3,000 files of 300 bytes; stdin.
        assert!(trims_after_each_task(Some(75 * (32 << 20)), 75));
        assert!(!trims_after_each_task(Some(3_000 * 300), 3_000));
        assert!(!trims_after_each_task(None, 1));
    }
}
