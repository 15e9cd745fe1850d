//! Integration tests: one binary, one module per area. Every test gets its own database
//! on a real PostgreSQL server (see `harness`).

mod cluster;
mod compose;
mod converge;
mod db;
mod ddl_lock;
mod harness;
mod hostile;
mod introspect;
mod local_db;
mod pull;
mod push;
mod secrets;
mod tls;
