//! A tiny app that starts the way a production app should: migrate at start-up under the
//! lock, degrade gracefully, and report the database's health on `GET /api/health`
//! (200 when ok or disabled, 503 otherwise), listening on `PORT` (default 3000).
//!
//! Migrations are compiled into the binary from `migrations/`; `MIGRATIONS_DIR` reads them
//! from a folder at run time instead. `DATABASE_URL` unset: database features disabled.
//! `DB_SKIP_MIGRATIONS=true`: no start-up migration.
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/app cargo run --example app
//! curl -i localhost:3000/api/health
//! ```

#![allow(clippy::print_stderr)]

use std::sync::Arc;

use brain_db::include_dir::{Dir, include_dir};
use brain_db::migrations::Migrations;
use brain_db::startup::{self, DatabaseState, StartupOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

static MIGRATIONS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/migrations");

#[tokio::main]
async fn main() -> std::process::ExitCode {
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
    let listener = match TcpListener::bind(format!("0.0.0.0:{port}")).await {
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
        _ => ("404 Not Found", r#"{"error":"not found"}"#.to_string()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}
