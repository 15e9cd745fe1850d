//! Integration tests: one binary, one module per area. Every test gets its own database
//! on a real PostgreSQL server (see `harness`).

mod harness;

mod introspect;
