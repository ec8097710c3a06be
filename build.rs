//! Sets `cfg(ci)` when the build runs under CI (`CI=true`).
//!
//! Tests that need what only CI promises (root, for capture, raw SYNs and
//! entering another network namespace) are `#[cfg_attr(not(ci), ignore =
//! "why")]`: elsewhere `cargo test -- --list --ignored` names them with
//! their reason, and under CI they run, so a missing precondition fails
//! there instead of passing unseen.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(ci)");
    println!("cargo::rerun-if-env-changed=CI");
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        println!("cargo::rustc-cfg=ci");
    }
}
