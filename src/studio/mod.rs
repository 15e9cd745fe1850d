//! `brain-db studio`: a local web page to browse and edit the data of a database.
//!
//! ```text
//!   server    (bind, token, Host / origin / cookie checks, graceful shutdown)
//!     api     (JSON routes under /api/: identifiers checked against the introspected
//!              schema, errors redacted)
//!       queries (SQL text: keyset pages, guarded writes; identifiers through
//!                sql::quote, every value a bound parameter cast server-side)
//!     assets  (the page: plain HTML, CSS and JavaScript embedded in the binary)
//! ```
//!
//! One session serves every request (a local tool for one person); each write is one
//! statement in its own transaction, read-only when the studio is.

mod api;
mod assets;
mod queries;
mod server;

pub use server::{Studio, StudioError, StudioOptions};
