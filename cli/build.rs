//! Names the commit `tabx --version` reports: `TABX_COMMIT` when the build
//! sets it (the image build, a source tarball), else `git rev-parse` of the
//! checkout, else "unknown" (a crates.io download has no git history).

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    println!("cargo:rerun-if-env-changed=TABX_COMMIT");
    // Rebuild when the checkout moves to another commit: HEAD, the branch it
    // names, and packed refs.
    for path in ["HEAD", "packed-refs"].iter().filter_map(|p| git(&["rev-parse", "--git-path", p])) {
        println!("cargo:rerun-if-changed={path}");
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]).and_then(|r| git(&["rev-parse", "--git-path", &r])) {
        println!("cargo:rerun-if-changed={branch}");
    }
    let commit = std::env::var("TABX_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=TABX_COMMIT={commit}");
}
