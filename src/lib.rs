//! brain-db: schema as code for PostgreSQL.
//!
//! # Code map
//!
//! The work is one pipeline, with dependencies pointing one way:
//!
//! ```text
//!            schema_file (schema.toml -> model, model -> schema.toml)
//!                 \
//!   model  <-------+------> diff (model x model -> typed changes)
//!                 /               |
//!            introspect           v
//!  (live catalog -> model)   plan (changes -> ordered SQL steps with hazards)
//!                                 |
//!                                 v
//!                            apply (run a plan in one transaction; canonicalize
//!                                   declared expressions through the server)
//!
//!   db (connection settings, URL redaction)    cli (the only code that prints)
//!     ConnectPlan (the one TLS decision: CLI sessions and the app's pool), error
//!     (the one description of a server error), tls (sslmode over rustls), local (the
//!     project's private cluster in .brain-db/postgres), pooler (DIRECT_URL),
//!     lock_timeout (--ddl-lock-timeout)
//!
//!   migrations (files + brain-db.sum -> decide (pure) -> lock -> applier -> history;
//!               entry: migrate_database, the one entry point of `migrate` and start-up
//!               (session URL, sum check, DDL lock timeout, advisory lock);
//!               report: MigrationStatus, shared by `status` and health;
//!               generate: snapshot x schema.toml, both canonicalised in a scratch
//!               database (db::scratch makes it) -> diff -> plan -> NNNN_name.sql)
//!   startup (app start-up: pool, migrate_database, retry while unreachable, health,
//!            the route guard `require`)
//!   studio (`brain-db studio`: a local web page on the data; feature `studio`)
//!   types (`brain-db types`: TypeScript / Rust types from the model, offline; feature `types`)
//! ```
//!
//! Cargo features: `applier` (db, sql, migrations without generate, startup), `schema`
//! (schema_file, model, diff, plan, introspect, apply, migrations::generate; implies
//! applier), `cli` (the binary; implies schema; default), `studio` (`brain-db studio` and its web stack;
//! implies cli; default), `types` (`brain-db types`; implies schema; default, no crate of
//! its own). None of them is in `applier`.
//!
//! Architecture invariants:
//! - `model`, `schema_file`, `diff` and `plan` never touch a database; `introspect` and
//!   `apply` are the only modules that send SQL for the schema (`studio` sends SQL on
//!   the data, through `studio::queries`).
//! - Identifiers and literals become SQL text only through [`sql::quote`]; a raw-SQL
//!   value of the schema file is one expression, checked by [`sql::fragment`] when the
//!   file is loaded, and statements are sent one per protocol message
//!   ([`db::pipeline`]), never as a multi-statement string.
//! - Iteration that reaches output is over sorted maps or declaration order, never a
//!   hash map, so plans and pulled files are deterministic.
//! - The migration applier (`migrations::{files, decide, lock, history, applier}`) and
//!   `startup` do not depend on `diff`, `plan`, `introspect` or `apply`, so an app embeds
//!   them cheaply; only `migrations::generate` uses the diff engine. They also send SQL
//!   (bookkeeping and the migration files); `startup` logs through the `log` facade.
//! - `db::ConnectPlan` is the only place that decides TLS and opens a connection (for
//!   `db::connect` and for every connection of the start-up pool); a URL reaches output
//!   only through `db::redact`.
//! - Errors are branched on by SQLSTATE (`tokio_postgres::error::SqlState`), never by
//!   message text; `db::error::describe` is the one text of a server error.
//! - Only `cli` prints; library errors are typed (`thiserror`), `anyhow` lives in `cli`.

#[cfg(feature = "schema")]
pub mod apply;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "applier")]
pub mod db;
#[cfg(feature = "schema")]
pub mod diff;
#[cfg(feature = "schema")]
pub mod introspect;
#[cfg(feature = "applier")]
pub mod migrations;
#[cfg(feature = "schema")]
pub mod model;
#[cfg(feature = "schema")]
pub mod plan;
#[cfg(feature = "schema")]
pub mod schema_file;
#[cfg(feature = "applier")]
pub mod sql;
#[cfg(feature = "applier")]
pub mod startup;
#[cfg(feature = "studio")]
pub mod studio;
#[cfg(feature = "types")]
pub mod types;

/// Re-exported so an app can embed its migrations folder: see [`startup`].
#[cfg(feature = "applier")]
pub use include_dir;
