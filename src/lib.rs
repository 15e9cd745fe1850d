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
//!
//!   migrations (files + brain-db.sum -> decide (pure) -> lock -> applier -> history;
//!               generate: snapshot x schema.toml -> diff -> plan -> NNNN_name.sql)
//!   studio (`brain-db studio`: a local web page on the data; feature `studio`)
//!   startup (app start-up: pool, migrate under the lock, health)
//!     tls (sslmode over rustls), local (the project's private cluster in
//!     .brain-db/postgres), pooler (DIRECT_URL), lock_timeout (--ddl-lock-timeout)
//! ```
//!
//! Architecture invariants:
//! - `model`, `schema_file`, `diff` and `plan` never touch a database; `introspect` and
//!   `apply` are the only modules that send SQL for the schema (`studio` sends SQL on
//!   the data, through `studio::queries`).
//! - Identifiers and literals become SQL text only through [`sql::quote`].
//! - Iteration that reaches output is over sorted maps or declaration order, never a
//!   hash map, so plans and pulled files are deterministic.
//! - The migration applier (`migrations::{files, decide, lock, history, applier}`) and
//!   `startup` do not depend on `diff`, `plan`, `introspect` or `apply`, so an app embeds
//!   them cheaply; only `migrations::generate` uses the diff engine. They also send SQL
//!   (bookkeeping and the migration files), and `startup` logs its few lines to stderr.
//! - `db::connect` is the only place that opens a connection and decides TLS; a URL
//!   reaches output only through `db::redact`.
//! - Only `cli` prints; library errors are typed (`thiserror`), `anyhow` lives in `cli`.

pub mod apply;
pub mod cli;
pub mod db;
pub mod diff;
pub mod introspect;
pub mod migrations;
pub mod model;
pub mod plan;
pub mod schema_file;
pub mod sql;
pub mod startup;
#[cfg(feature = "studio")]
pub mod studio;

/// Re-exported so an app can embed its migrations folder: see [`startup`].
pub use include_dir;
