//! Integration tests: one binary, one module per area. Every test gets its own database
//! on a real PostgreSQL server (see `harness`).

mod cli_args;
mod cluster;
mod compose;
mod constraints;
mod converge;
mod db;
mod ddl_lock;
mod domains;
mod example_app;
mod extension_types;
mod extensions;
mod functions;
mod generate_canonical;
mod harness;
mod hostile;
mod hostile_urls;
mod introspect;
mod leaps;
mod local_db;
mod materialized_views;
mod migrate;
mod migrate_app;
mod migrate_concurrency;
mod migrate_generate;
mod migrate_hardening;
mod partitions;
mod pg18;
mod pgvector;
mod pgvector_server;
mod policies;
mod pull;
mod push;
mod push_safety;
mod rebuild;
mod renames;
mod schemas;
mod secrets;
mod session_settings;
mod startup;
#[cfg(feature = "studio")]
mod studio;
mod tls;
mod triggers;
#[cfg(feature = "types")]
mod types;
mod views;
