//! The start-up library and `examples/app.rs`, end to end.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use brain_db::migrations::Migrations;
use brain_db::startup::{self, StartupOptions, Status};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::TestDb;

fn options(url: Option<&str>, migrations: Migrations) -> StartupOptions {
    let mut options = StartupOptions::new(url.map(str::to_string), migrations);
    options.lock_timeout = Duration::from_secs(30);
    options.pool_size = 2;
    options
}

#[tokio::test]
async fn startup_disabled_without_a_url() {
    let state = startup::run(options(None, Migrations::default())).await;
    assert!(state.pool.is_none());
    let health = state.health().await;
    assert_eq!(health.status, Status::Disabled);
    assert!(health.is_healthy());
    assert_eq!(serde_json::to_value(&health).unwrap()["status"], "disabled");
}

#[tokio::test]
async fn startup_migrates_and_a_failure_keeps_the_pool_serving() {
    let db = TestDb::new("startup_lib").await;
    let ok = Migrations::from_static(&[(
        "0001_t.sql",
        "create table t (id int);\ninsert into t values (1);",
    )])
    .unwrap();
    let state = startup::run(options(Some(&db.url), ok)).await;
    let health = state.health().await;
    assert_eq!(health.status, Status::Ok, "{health:?}");
    assert_eq!((health.counts.applied, health.counts.pending), (1, 0));
    assert!(health.server_version.is_some());

    let failing = Migrations::from_static(&[
        (
            "0001_t.sql",
            "create table t (id int);\ninsert into t values (1);",
        ),
        ("0002_bad.sql", "insert into t values (2);\nselect 1/0;"),
    ])
    .unwrap();
    let state = startup::run(options(Some(&db.url), failing)).await;
    let health = state.health().await;
    assert_eq!(health.status, Status::MigrationFailed, "{health:?}");
    assert!(!health.is_healthy());
    assert_eq!((health.counts.applied, health.counts.pending), (1, 1));
    assert!(
        health.error.as_deref().unwrap().contains("0002_bad.sql"),
        "{health:?}"
    );
    // The existing schema keeps serving through the pool.
    let client = state.pool.as_ref().unwrap().get().await.unwrap();
    let n: i64 = client
        .query_one("select count(*) from t", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);

    let mut skip = options(
        Some(&db.url),
        Migrations::from_static(&[
            (
                "0001_t.sql",
                "create table t (id int);\ninsert into t values (1);",
            ),
            ("0002_more.sql", "insert into t values (2);"),
        ])
        .unwrap(),
    );
    skip.skip_migrations = true;
    let health = startup::run(skip).await.health().await;
    assert_eq!(health.status, Status::Ok);
    assert!(health.migrations_skipped);
    assert_eq!((health.counts.applied, health.counts.pending), (1, 1));
}

/// The example's binary, built once per test run.
fn app_binary() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // target/<profile>/deps/it-… → target/<profile>
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
        let target_dir = profile_dir.parent().unwrap().to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let mut build = Command::new(cargo);
        // The variables cargo sets for this test process would reach build scripts that
        // watch them (ring watches CARGO_MANIFEST_DIR and OUT_DIR), making this build differ from a
        // plain `cargo build` and rebuild the crates under it every other time.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if [
                "CARGO_PKG_",
                "CARGO_MANIFEST_",
                "CARGO_CRATE_",
                "CARGO_BIN_",
                "CARGO_TARGET_TMPDIR",
                "CARGO_PRIMARY_PACKAGE",
                "OUT_DIR",
            ]
            .iter()
            .any(|prefix| key.starts_with(prefix))
            {
                build.env_remove(&*key);
            }
        }
        let status = build
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["build", "--quiet", "--example", "app", "--target-dir"])
            .arg(&target_dir)
            .status()
            .expect("run cargo build --example app");
        assert!(status.success(), "cargo build --example app failed");
        profile_dir.join("examples").join("app")
    })
}

pub struct App(pub Child);

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn start_app(env: &[(&str, &str)]) -> (App, u16) {
    let port = free_port();
    let mut cmd = Command::new(app_binary());
    cmd.env_remove("DATABASE_URL")
        .env_remove("DB_SKIP_MIGRATIONS")
        .env_remove("MIGRATIONS_DIR")
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    (App(cmd.spawn().expect("start the example app")), port)
}

/// GET /api/health: (status code, JSON body), retrying until the app listens.
pub async fn get_health(port: u16) -> (u16, serde_json::Value) {
    get(port, "/api/health").await
}

/// GET `path`: (status code, JSON body), retrying until the app listens.
pub async fn get(port: u16, path: &str) -> (u16, serde_json::Value) {
    send(port, "GET", path, &[], "").await
}

/// One request (`connection: close`): (status code, JSON body, `null` when empty),
/// retrying the connection until the app listens.
pub async fn send(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, serde_json::Value) {
    let (code, _, value) = exchange(port, method, path, headers, body).await;
    (code, value)
}

/// [`send`], also giving the response's header lines (names in lower case).
pub async fn exchange(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<String>, serde_json::Value) {
    let started = Instant::now();
    loop {
        if let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            let mut request = format!(
                "{method} {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {}\r\n",
                body.len()
            );
            for (name, value) in headers {
                request.push_str(&format!("{name}: {value}\r\n"));
            }
            request.push_str("\r\n");
            request.push_str(body);
            s.write_all(request.as_bytes()).await.unwrap();
            let mut buf = String::new();
            s.read_to_string(&mut buf).await.unwrap();
            let code: u16 = buf.split_whitespace().nth(1).unwrap().parse().unwrap();
            let (head, body) = buf.split_once("\r\n\r\n").unwrap();
            let head: Vec<String> = head
                .lines()
                .skip(1)
                .map(|line| match line.split_once(':') {
                    Some((name, value)) => {
                        format!("{}: {}", name.to_ascii_lowercase(), value.trim())
                    }
                    None => line.to_string(),
                })
                .collect();
            let value = if body.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::from_str(body)
                    .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {body}"))
            };
            return (code, head, value);
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the app never listened on {port}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn example_app_serves_health_for_each_state() {
    let db = TestDb::new("startup_example_app").await;

    // Embedded migrations (the repo's own): applied at start-up, 200 ok.
    let (_app, port) = start_app(&[("DATABASE_URL", &db.url)]);
    let (code, body) = get_health(port).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["pending"], 0);
    assert!(body["applied"].as_u64().unwrap() >= 1, "{body}");
    assert!(body["server_version"].is_string());
    assert_eq!(
        db.value("select (to_regclass('tasks') is not null)::text")
            .await,
        "true"
    );

    // No DATABASE_URL: disabled, still 200.
    let (_app, port) = start_app(&[]);
    let (code, body) = get_health(port).await;
    assert_eq!((code, body["status"].as_str()), (200, Some("disabled")));

    // Unreachable server: 503.
    let (_app, port) = start_app(&[(
        "DATABASE_URL",
        "postgres://postgres@127.0.0.1:1/nope?connect_timeout=2",
    )]);
    let (code, body) = get_health(port).await;
    assert_eq!(
        (code, body["status"].as_str()),
        (503, Some("unreachable")),
        "{body}"
    );

    // A failing migration from a folder: 503 migration_failed, the app keeps running.
    let db = TestDb::new("startup_example_app_failing").await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("0001_bad.sql"), "select 1/0;").unwrap();
    let (_app, port) = start_app(&[
        ("DATABASE_URL", &db.url),
        ("MIGRATIONS_DIR", dir.path().to_str().unwrap()),
    ]);
    let (code, body) = get_health(port).await;
    assert_eq!(
        (code, body["status"].as_str()),
        (503, Some("migration_failed")),
        "{body}"
    );
    assert!(
        body["error"].as_str().unwrap().contains("0001_bad.sql"),
        "{body}"
    );
    // The guard follows the state: data routes refuse with it, naming the file.
    let (code, body) = get(port, "/api/tasks").await;
    assert_eq!(
        (code, body["status"].as_str()),
        (503, Some("migration_failed")),
        "{body}"
    );
    assert!(
        body["error"].as_str().unwrap().contains("0001_bad.sql"),
        "{body}"
    );
}
