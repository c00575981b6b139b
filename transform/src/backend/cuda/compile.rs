//! `kernels.cu` to PTX with NVRTC, once per architecture: cached in memory for
//! the process and on disk across processes (NVRTC takes ~0.1–1 s, a short
//! `transform apply` not much more).
//!
//! The disk cache is `$TABX_CACHE_DIR/ptx` (default `$XDG_CACHE_HOME/tabx/ptx`,
//! then `~/.cache/tabx/ptx`), one file per (source, options, architecture),
//! written atomically; an unreadable or unwritable cache only costs a compile.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cudarc::nvrtc::{CompileOptions, Ptx, compile_ptx_with_opts};

use super::super::Unavailable;

/// The kernels' source.
pub const SOURCE: &str = include_str!("kernels.cu");

/// NVRTC options: no contraction of a * b + c into an fma (the CPU path has
/// none), IEEE division and square root, denormals kept.
fn options(arch: &str) -> CompileOptions {
    CompileOptions {
        fmad: Some(false),
        prec_div: Some(true),
        prec_sqrt: Some(true),
        ftz: Some(false),
        options: vec![format!("--gpu-architecture={arch}")],
        ..CompileOptions::default()
    }
}

/// The PTX of [`SOURCE`] for compute capability `major.minor`.
pub fn ptx_for(major: i32, minor: i32) -> Result<Ptx, Unavailable> {
    static MEMORY: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    let arch = format!("compute_{major}{minor}");
    let memory = MEMORY.get_or_init(Mutex::default);
    if let Some(ptx) = memory.lock().unwrap_or_else(|e| e.into_inner()).get(&arch) {
        return Ok(Ptx::from_src(ptx.clone()));
    }
    let file = cache_file(&arch);
    let ptx = match file.as_ref().and_then(|f| std::fs::read_to_string(f).ok()) {
        Some(text) => text,
        None => {
            let text = compile(&arch)?;
            if let Some(file) = &file {
                store(file, &text);
            }
            text
        }
    };
    memory.lock().unwrap_or_else(|e| e.into_inner()).insert(arch, ptx.clone());
    Ok(Ptx::from_src(ptx))
}

/// Compiles [`SOURCE`] for `arch` (`compute_90`): the PTX text, or NVRTC's log.
pub fn compile(arch: &str) -> Result<String, Unavailable> {
    compile_ptx_with_opts(SOURCE, options(arch))
        .map(|ptx| ptx.to_src())
        .map_err(|e| Unavailable::Compile(e.to_string()))
}

/// Where the PTX for `arch` is cached, keyed by the source and options.
fn cache_file(arch: &str) -> Option<PathBuf> {
    let root = std::env::var_os("TABX_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("tabx")))
        .or_else(|| std::env::var_os("HOME").map(|d| PathBuf::from(d).join(".cache/tabx")))?;
    let key = tabx_core::hash64(format!("{SOURCE}{:?}", options(arch)).as_bytes());
    Some(root.join("ptx").join(format!("{key:016x}-{arch}.ptx")))
}

/// Writes the cache file atomically; failing to is not an error.
fn store(file: &Path, text: &str) {
    let temp = file.with_extension(format!("{}.tmp", std::process::id()));
    let written = tabx_core::replace_atomically(file, &temp, |temp| {
        std::fs::write(temp, text).map_err(|e| tabx_core::TabxError::io(temp, e))
    });
    if let Err(e) = written {
        tracing::debug!("could not cache the CUDA kernels' PTX: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NVRTC compiles the kernels for the oldest architecture CUDA 13 supports
    /// (Turing) and for the lent machines' Hopper, with no GPU needed. CI
    /// installs NVRTC from the `nvidia-cuda-nvrtc` wheel and sets
    /// TABX_REQUIRE_NVRTC=1, so there a missing library fails instead of skipping.
    #[test]
    fn kernels_compile_with_nvrtc() {
        // Safety: only tries to dlopen the library.
        if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
            assert!(
                std::env::var_os("TABX_REQUIRE_NVRTC").is_none(),
                "TABX_REQUIRE_NVRTC is set but {}",
                Unavailable::NoNvrtc
            );
            eprintln!("skipped: {} ({})", Unavailable::NoNvrtc, Unavailable::NoNvrtc.hint());
            return;
        }
        for arch in ["compute_75", "compute_90"] {
            let ptx = compile(arch).unwrap_or_else(|e| panic!("{arch}: {e}"));
            for kernel in [
                "sub_div",
                "mul_add",
                "sigmoid",
                "log1p_op",
                "clip",
                "buckets",
                "fill_nulls_64",
                "hash_strings",
                "vocab_lookup",
                "cross_strings",
                "cross_ints",
                "cross_ids",
                "greater_than_fraction",
                "utc_parts",
                "one_hot",
                "vocab_count",
                "vocab_count_ints",
                "vocab_lookup_ints",
                "vocab_compact",
                "moments",
                "min_max",
            ] {
                assert!(ptx.contains(&format!(".entry {kernel}(")), "{arch}: no kernel {kernel} in the PTX");
            }
            // --fmad=false: no contracted a*b+c in the kernels whose results
            // must be bit-identical; the moments kernel's one fma is Dekker's
            // exact square, asked for. (exp and log1p use fma inside, by design.)
            let body = |kernel: &str| {
                let start = ptx.find(&format!(".entry {kernel}(")).expect("checked above");
                let rest = &ptx[start + 1..];
                &rest[..rest.find(".entry ").unwrap_or(rest.len())]
            };
            for kernel in ["sub_div", "mul_add", "clip", "buckets", "min_max", "greater_than_fraction"] {
                assert!(!body(kernel).contains("fma."), "{arch}: {kernel} has a fused multiply-add");
            }
            // Each of moments' fmas (one per unrolled copy) squares one register.
            let fmas: Vec<&str> = body("moments").lines().filter(|l| l.contains("fma.")).collect();
            assert!(!fmas.is_empty(), "{arch}: moments lost Dekker's fma");
            for fma in fmas {
                let operands: Vec<&str> = fma.split([' ', '\t', ',', ';']).filter(|w| !w.is_empty()).collect();
                assert_eq!(operands[2], operands[3], "{arch}: moments has a contracted multiply-add: {fma}");
            }
        }
    }
}
