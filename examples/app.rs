//! A tiny app that starts the way a production app should: migrate at start-up under the
//! lock, degrade gracefully, and report the database's health on `GET /api/health`
//! (200 when ok or disabled, 503 otherwise), listening on `PORT` (default 3000) on
//! loopback (`HOST` to change it). `GET /api/tasks` is a route behind the guard
//! (`state.require()`): it counts the tasks through the pool, or answers 503 with the
//! reason while the database is unavailable.
//!
//! Migrations are compiled into the binary from `migrations/`; `MIGRATIONS_DIR` reads them
//! from a folder at run time instead. `DATABASE_URL` unset: database features disabled.
//! `DB_SKIP_MIGRATIONS=true`: no start-up migration. `DIRECT_URL`: the migration's
//! session when `DATABASE_URL` goes through a transaction-mode pooler. The library logs
//! through the `log` facade; this example prints its records on stderr.
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/app cargo run --example app
//! curl -i localhost:3000/api/health
//! ```

#![allow(clippy::print_stderr)]

use std::sync::Arc;

use brain_db::include_dir::{Dir, include_dir};
use brain_db::migrations::Migrations;
use brain_db::startup::{self, DatabaseState, DatabaseUnavailable, StartupOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

static MIGRATIONS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/migrations");

/// Prints the library's log records on stderr.
struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!(
                "{}: {}",
                record.level().as_str().to_lowercase(),
                record.args()
            );
        }
    }

    fn flush(&self) {}
}

static LOGGER: StderrLogger = StderrLogger;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
    let migrations = match std::env::var_os("MIGRATIONS_DIR") {
        Some(dir) => Migrations::from_dir(std::path::Path::new(&dir)),
        None => Migrations::from_include_dir(&MIGRATIONS),
    };
    let migrations = match migrations {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let state = Arc::new(startup::run(StartupOptions::from_env(migrations)).await);
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_string());
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_string());
    let listener = match TcpListener::bind(format!("{host}:{port}")).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on port {port}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    eprintln!(
        "listening on port {port}; database: {:?}",
        state.startup_health().status
    );
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let _ = serve(stream, &state).await;
        });
    }
}

/// A route behind the guard: 503 (with the reason) unless the database is ready.
async fn count_tasks(state: &DatabaseState) -> Result<i64, DatabaseUnavailable> {
    let pool = state.require()?;
    let unavailable = |reason: String| DatabaseUnavailable {
        status: startup::Status::Unreachable,
        reason: Some(reason),
    };
    let client = pool.get().await.map_err(|e| unavailable(e.to_string()))?;
    let row = client
        .query_one("SELECT count(*) FROM public.tasks", &[])
        .await
        .map_err(|e| unavailable(brain_db::db::error::describe(&e)))?;
    Ok(row.get(0))
}

async fn serve(mut stream: TcpStream, state: &DatabaseState) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let request = String::from_utf8_lossy(&buf);
    let mut first = request.lines().next().unwrap_or("").split_whitespace();
    let (status, body) = match (first.next(), first.next()) {
        (Some("GET"), Some("/api/health")) => {
            let health = state.health().await;
            let body = serde_json::to_string(&health).unwrap_or_else(|_| "{}".to_string());
            let status = if health.is_healthy() {
                "200 OK"
            } else {
                "503 Service Unavailable"
            };
            (status, body)
        }
        (Some("GET"), Some("/api/tasks")) => match count_tasks(state).await {
            Ok(n) => ("200 OK", format!(r#"{{"tasks":{n}}}"#)),
            Err(e) => (
                "503 Service Unavailable",
                serde_json::json!({ "error": e.to_string() }).to_string(),
            ),
        },
        _ => ("404 Not Found", r#"{"error":"not found"}"#.to_string()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}
