//! Integration tests: one binary, one module per area. Every test gets its own database
//! on a real PostgreSQL server (see `harness`).

mod cluster;
mod compose;
mod constraints;
mod converge;
mod db;
mod ddl_lock;
mod harness;
mod hostile;
mod introspect;
mod local_db;
mod migrate;
mod migrate_app;
mod migrate_concurrency;
mod migrate_generate;
mod pull;
mod push;
mod secrets;
#[cfg(feature = "studio")]
mod studio;
mod tls;
