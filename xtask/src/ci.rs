//! `cargo xtask ci` and `cargo xtask test`.

use crate::Result;
use crate::util::{Args, cargo, run, succeeds};

/// fmt check, clippy with warnings denied, then the tests.
pub fn ci(args: &[String]) -> Result<()> {
    let args = Args::parse(args, &[], &[])?;
    if !args.positionals.is_empty() {
        return Err(format!("`ci` takes no arguments (got {:?})", args.positionals).into());
    }
    step("formatting");
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    step("clippy");
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    test(&[])?;
    eprintln!("\nci: all checks passed");
    Ok(())
}

/// The tests against the test PostgreSQL (started if it is down). Arguments go to
/// `cargo nextest run` (or `cargo test` without nextest).
pub fn test(args: &[String]) -> Result<()> {
    step("test PostgreSQL");
    if let Err(e) = crate::pg::ensure_test_server() {
        // The tests' harness falls back to the project's local cluster (`db up`) when
        // nothing answers at a local test URL: start it once here, or report both.
        if !crate::pg::is_local(&crate::pg::test_url()) {
            return Err(e);
        }
        eprintln!(
            "{e}
falling back to the project's local PostgreSQL (.brain-db/postgres)"
        );
        crate::local::db_up(&[]).map_err(|up| {
            format!(
                "{e}
and the local PostgreSQL cannot start: {up}"
            )
        })?;
    }
    step("tests");
    if succeeds(cargo().args(["nextest", "--version"])) {
        run(cargo()
            .args(["nextest", "run", "--workspace", "--no-fail-fast"])
            .args(args))?;
        // nextest does not run doctests.
        run(cargo().args(["test", "--workspace", "--doc"]))
    } else {
        eprintln!("cargo-nextest is not installed: using cargo test");
        run(cargo()
            .args(["test", "--workspace", "--no-fail-fast"])
            .args(args))
    }
}

fn step(name: &str) {
    eprintln!("\n==> {name}");
}
