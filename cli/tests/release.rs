//! What a user installing a release sees: `tabx --version` names the version
//! and the commit it was built from.

use std::process::Command;

#[test]
fn version_names_the_crate_version_and_the_commit() {
    let out = Command::new(env!("CARGO_BIN_EXE_tabx")).arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let prefix = format!("tabx {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with(&prefix) && text.trim_end().ends_with(')'), "{text}");
    // Built from a git checkout (as here and in CI): its HEAD, unless TABX_COMMIT said otherwise.
    let head =
        Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).current_dir(env!("CARGO_MANIFEST_DIR")).output();
    if let (Ok(head), Err(_)) = (head, std::env::var("TABX_COMMIT"))
        && head.status.success()
    {
        let head = String::from_utf8(head.stdout).unwrap();
        assert_eq!(text.trim_end(), format!("{prefix}{})", head.trim()));
    }
}
