//! `cargo xtask ci` and `cargo xtask test`.

use crate::Result;
use crate::util::{Args, cargo, display, run, succeeds};

/// Crates an app that embeds only the applier (`--no-default-features --features
/// applier`) must not compile: the command line, the schema file's parser, the diff
/// engine's text diff, and the web stack and generators of later features.
pub const NOT_IN_APPLIER: &[&str] = &[
    "anyhow",
    "clap",
    "toml",
    "similar",
    "serde_json",
    "axum",
    "hyper",
    "tower",
];

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
    step("applier-only build");
    applier_only()?;
    test(&[])?;
    eprintln!("\nci: all checks passed");
    Ok(())
}

/// The tests against the test PostgreSQL (started if it is down). Arguments go to
/// `cargo nextest run` (or `cargo test` without nextest).
pub fn test(args: &[String]) -> Result<()> {
    if let (Some(majors), rest) = crate::pg_majors::majors_in(args)? {
        return crate::pg_majors::test_majors(&majors, &rest);
    }
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

/// The library with only the `applier` feature builds, with its example app, and its
/// dependency tree holds none of [`NOT_IN_APPLIER`].
pub fn applier_only() -> Result<()> {
    let features = ["--no-default-features", "--features", "applier"];
    run(cargo()
        .args([
            "build",
            "--package",
            "brain-db",
            "--lib",
            "--example",
            "app",
        ])
        .args(features))?;
    run(cargo()
        .args([
            "clippy",
            "--package",
            "brain-db",
            "--lib",
            "--example",
            "app",
        ])
        .args(features)
        .args(["--", "-D", "warnings"]))?;
    let mut tree = cargo();
    tree.args([
        "tree",
        "--package",
        "brain-db",
        "-e",
        "normal",
        "--prefix",
        "none",
    ])
    .args(features);
    eprintln!("$ {}", display(&tree));
    let out = tree
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", display(&tree)))?;
    if !out.status.success() {
        return Err(format!(
            "`{}` failed: {}",
            display(&tree),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let found = forbidden_crates(&text);
    if !found.is_empty() {
        return Err(format!(
            "the applier-only build compiles {} (keep them behind the schema/cli features)",
            found.join(", ")
        )
        .into());
    }
    eprintln!(
        "applier-only build: {} crates, none of {}",
        crate_names(&text).len(),
        NOT_IN_APPLIER.join(", ")
    );
    Ok(())
}

/// The distinct crate names of `cargo tree --prefix none` output.
fn crate_names(tree: &str) -> Vec<&str> {
    let mut names: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Which of [`NOT_IN_APPLIER`] a dependency tree holds.
fn forbidden_crates(tree: &str) -> Vec<&'static str> {
    let names = crate_names(tree);
    NOT_IN_APPLIER
        .iter()
        .copied()
        .filter(|bad| names.contains(bad))
        .collect()
}

fn step(name: &str) {
    eprintln!("\n==> {name}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_crates_are_found_by_name_only() {
        let tree = "brain-db v0.1.0 (/x)\ntokio v1.0.0\nclap v4.5.0\nclap_builder v4.5.0\n\
                    tokio v1.0.0 (*)\ntoml_parser v1.0.0\n";
        assert_eq!(forbidden_crates(tree), ["clap"]);
        assert_eq!(
            crate_names(tree),
            ["brain-db", "clap", "clap_builder", "tokio", "toml_parser"]
        );
        assert!(forbidden_crates("brain-db v0.1.0\nlog v0.4.0\n").is_empty());
    }
}
