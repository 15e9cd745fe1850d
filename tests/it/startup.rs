//! The start-up library connects and migrates exactly like the CLI: the same TLS
//! decision for its pool, the same migrate entry point (DIRECT_URL and poolers, the sum
//! check, the DDL lock timeout), a server that comes up after the app, the route guard,
//! and the shared status report.

use std::time::{Duration, Instant};

use brain_db::migrations::Migrations;
use brain_db::startup::{self, StartupOptions, Status};

use crate::cluster::TempCluster;
use crate::harness::{Project, TestDb};
use crate::migrate_app::{free_port, get, get_health, start_app};
use crate::tls::tls_server;

fn options(url: &str, migrations: Migrations) -> StartupOptions {
    let mut options = StartupOptions::new(Some(url.to_string()), migrations);
    options.lock_timeout = Duration::from_secs(30);
    options.pool_size = 2;
    options
}

fn one_table() -> Migrations {
    Migrations::from_static(&[("0001_t.sql", "create table t (id int);")]).unwrap()
}

/// A Neon-style pooler host (`-pooler`) that reaches the test server: `hostaddr` skips
/// DNS, `sslmode=disable` because the test server is plain.
fn pooler_url(db: &TestDb) -> String {
    let config: tokio_postgres::Config = db.url.parse().unwrap();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let name = config.get_dbname().unwrap();
    let user = config.get_user().unwrap();
    format!(
        "postgres://{user}@ep-brain-db-test-pooler.invalid:{port}/{name}?hostaddr=127.0.0.1&sslmode=disable"
    )
}

/// Polls the app's health until `want` (or fails after a minute).
async fn wait_for_status(port: u16, want: &str) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let (code, body) = get_health(port).await;
        if body["status"] == want {
            return body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "health never became {want}: {code} {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The pool's sessions over TLS, with the server's defaults (not the CLI's search_path).
async fn pool_session(state: &startup::DatabaseState) -> (bool, String) {
    let pool = state.require().unwrap_or_else(|e| panic!("{e}"));
    let client = pool.get().await.unwrap();
    let row = client
        .query_one(
            "select ssl, current_setting('search_path') from pg_stat_ssl where pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

/// The example app and the library against a TLS-only server, with sslmode=require and
/// with verify-full + sslrootcert: ok, migrated, and queries served through the pool.
#[tokio::test(flavor = "multi_thread")]
async fn pool_and_example_app_use_the_clis_tls_against_a_tls_only_server() {
    let (server, ca, _wrong_ca) = tls_server();
    let port = server.port;
    let require_url =
        |db: &str| format!("postgres://postgres:hunter2@127.0.0.1:{port}/{db}?sslmode=require");
    let verify_url = |db: &str| {
        format!(
            "postgres://postgres:hunter2@localhost:{port}/{db}?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={ca}"
        )
    };
    // A remote-looking host with no sslmode requires TLS (never plaintext to a remote
    // host); hostaddr skips DNS.
    let remote_url =
        |db: &str| format!("postgres://postgres@brain-db-tls.test:{port}/{db}?hostaddr=127.0.0.1");
    let admin = brain_db::db::connect(&require_url("postgres"))
        .await
        .unwrap();
    for db in [
        "lib_require",
        "lib_verify",
        "lib_remote",
        "app_require",
        "app_verify",
    ] {
        admin
            .batch_execute(&format!("create database {db}"))
            .await
            .unwrap();
    }

    // The library: migrated over TLS, pooled sessions encrypted and without the CLI's
    // search_path.
    for url in [
        require_url("lib_require"),
        verify_url("lib_verify"),
        remote_url("lib_remote"),
    ] {
        let state = startup::run(options(&url, one_table())).await;
        let health = state.health().await;
        assert_eq!(health.status, Status::Ok, "{url}: {health:?}");
        assert_eq!(health.counts.applied, 1, "{health:?}");
        let (ssl, search_path) = pool_session(&state).await;
        assert!(ssl, "{url}");
        assert_eq!(search_path, "\"$user\", public", "{url}");
    }

    // The example app: ok on /api/health, and /api/tasks served through its pool.
    for (db, url) in [
        ("app_require", require_url("app_require")),
        ("app_verify", verify_url("app_verify")),
    ] {
        let (_app, app_port) = start_app(&[("DATABASE_URL", &url)]);
        let (code, body) = get_health(app_port).await;
        assert_eq!((code, body["status"].as_str()), (200, Some("ok")), "{body}");
        assert_eq!(body["pending"], 0, "{body}");
        assert!(!body.to_string().contains("hunter2"), "{body}");
        let (code, body) = get(app_port, "/api/tasks").await;
        assert_eq!(
            (code, body.as_array().map(Vec::len)),
            (200, Some(0)),
            "{body}"
        );
        // Every session the app holds on its database is encrypted.
        let row = admin
            .query_one(
                "select count(*), bool_and(s.ssl) from pg_stat_activity a \
                 join pg_stat_ssl s using (pid) where a.datname = $1",
                &[&db],
            )
            .await
            .unwrap();
        let (sessions, all_tls): (i64, Option<bool>) = (row.get(0), row.get(1));
        assert!(sessions >= 1, "{db}: the app holds no pooled session");
        assert_eq!(all_tls, Some(true), "{db}");
    }
}

/// Started before its server exists, the app reports unreachable (503, and its guarded
/// route 503 with the reason), then turns ok by itself once the server is up, having run
/// the start-up migration.
#[tokio::test(flavor = "multi_thread")]
async fn example_app_started_before_its_server_turns_ok_by_itself() {
    let port = free_port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres?connect_timeout=2");
    let (_app, app_port) = start_app(&[("DATABASE_URL", &url)]);
    let (code, body) = get_health(app_port).await;
    assert_eq!(
        (code, body["status"].as_str()),
        (503, Some("unreachable")),
        "{body}"
    );
    let (code, body) = get(app_port, "/api/tasks").await;
    assert_eq!(code, 503, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(
        error.starts_with("database unavailable (unreachable)"),
        "{error}"
    );
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");

    // The server comes up on the port the app was given.
    let _server = TempCluster::start(|data| {
        std::fs::write(data.parent().unwrap().join("port"), format!("{port}\n"))
    });
    let body = wait_for_status(app_port, "ok").await;
    assert!(body["applied"].as_u64().unwrap() >= 1, "{body}");
    assert_eq!(body["pending"], 0, "{body}");
    let (code, body) = get(app_port, "/api/tasks").await;
    assert_eq!(
        (code, body.as_array().map(Vec::len)),
        (200, Some(0)),
        "{body}"
    );
}

/// The library's retry task, without the example: unreachable, then ok once the server
/// answers, and the guard follows.
#[tokio::test(flavor = "multi_thread")]
async fn startup_retries_in_the_background_until_the_server_answers() {
    let port = free_port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres?connect_timeout=2");
    let mut opts = options(&url, one_table());
    opts.retry_initial = Duration::from_millis(50);
    let state = startup::run(opts).await;
    assert_eq!(state.health().await.status, Status::Unreachable);
    let refused = state.require().unwrap_err();
    assert_eq!(refused.status, Status::Unreachable);
    assert!(
        refused
            .to_string()
            .starts_with("database unavailable (unreachable): "),
        "{refused}"
    );
    let server = TempCluster::start(|data| {
        std::fs::write(data.parent().unwrap().join("port"), format!("{port}\n"))
    });
    let started = Instant::now();
    while state.health().await.status != Status::Ok {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{:?}",
            state.health().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(state.require().is_ok());
    let client = brain_db::db::connect(&brain_db::db::local::LocalCluster::url_for(server.port))
        .await
        .unwrap();
    let row = client
        .query_one("select to_regclass('public.t') is not null", &[])
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0), "the start-up migration ran");
}

/// Through a transaction-mode pooler without DIRECT_URL, the start-up migration is
/// refused with the remedy and the app stays up reporting it; with DIRECT_URL it
/// migrates. The CLI refuses the same way (exit 2).
#[tokio::test(flavor = "multi_thread")]
async fn a_pooler_without_direct_url_is_refused_by_the_app_and_the_cli_alike() {
    let db = TestDb::new("startup_pooler").await;
    let pooled = pooler_url(&db);

    let (_app, app_port) = start_app(&[("DATABASE_URL", &pooled)]);
    let (code, body) = get_health(app_port).await;
    assert_eq!(
        (code, body["status"].as_str()),
        (503, Some("migration_refused")),
        "{body}"
    );
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("transaction-mode pooler"), "{error}");
    assert!(error.contains("set DIRECT_URL"), "{error}");
    assert!(error.contains("without `-pooler`"), "{error}");
    // Still up: it answers again, and nothing was migrated.
    let (code, _) = get_health(app_port).await;
    assert_eq!(code, 503);
    assert_eq!(
        db.value("select (to_regclass('public.__migrations') is null)::text")
            .await,
        "true"
    );

    let project = Project::new();
    std::fs::create_dir_all(project.path().join("migrations")).unwrap();
    std::fs::write(
        project.path().join("migrations/0001_t.sql"),
        "create table t (id int);",
    )
    .unwrap();
    let run = project.run_with_url(&pooled, &["migrate"]);
    run.assert_code(2);
    assert!(run.stderr.contains("set DIRECT_URL"), "{}", run.stderr);

    // With DIRECT_URL, the app migrates and serves through the pooler URL.
    let (_app, app_port) = start_app(&[("DATABASE_URL", &pooled), ("DIRECT_URL", &db.url)]);
    let (code, body) = get_health(app_port).await;
    assert_eq!((code, body["status"].as_str()), (200, Some("ok")), "{body}");
    let (code, body) = get(app_port, "/api/tasks").await;
    assert_eq!(
        (code, body.as_array().map(Vec::len)),
        (200, Some(0)),
        "{body}"
    );
}

/// The start-up migration takes the CLI's safeguards: a folder that does not match its
/// brain-db.sum is refused, and a statement behind a busy table gives up after the DDL
/// lock timeout, naming the table and who holds it.
#[tokio::test(flavor = "multi_thread")]
async fn startup_checks_the_sum_and_the_ddl_lock_timeout_like_migrate() {
    let db = TestDb::new("startup_safeguards").await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("0001_t.sql"), "create table t (id int);").unwrap();
    std::fs::write(dir.path().join("brain-db.sum"), "total 00\n0001_t.sql 00\n").unwrap();
    let state = startup::run(options(&db.url, Migrations::from_dir(dir.path()).unwrap())).await;
    let health = state.health().await;
    assert_eq!(health.status, Status::MigrationRefused, "{health:?}");
    let error = health.error.unwrap();
    assert!(
        error.contains("0001_t.sql: changed since the sum was written"),
        "{error}"
    );
    assert_eq!(health.counts.pending, 1);

    db.exec("create table notes (id int)").await;
    let holder = db.client().await;
    holder
        .batch_execute("BEGIN; SELECT * FROM notes; SET application_name = 'busy-app'")
        .await
        .unwrap();
    let mut opts = options(
        &db.url,
        Migrations::from_static(&[("0001_body.sql", "ALTER TABLE notes ADD COLUMN body text;")])
            .unwrap(),
    );
    opts.ddl_lock_timeout = Duration::from_millis(300);
    let health = startup::run(opts).await.health().await;
    assert_eq!(health.status, Status::MigrationFailed, "{health:?}");
    let error = health.error.unwrap();
    assert!(
        error.contains("migration 0001_body.sql stopped at line 1"),
        "{error}"
    );
    assert!(
        error.contains("gave up after waiting 300 ms for a lock on table public.notes"),
        "{error}"
    );
    assert!(error.contains("busy-app"), "{error}");
    holder.batch_execute("COMMIT").await.unwrap();
}

/// `applied_at` is a timestamp: `status --json` prints RFC 3339 in UTC, and the text
/// output the same, under a database whose TimeZone and DateStyle say otherwise.
#[tokio::test]
async fn status_prints_applied_at_as_rfc3339_utc_whatever_the_session_settings() {
    let db = TestDb::new("status_applied_at_tz").await;
    let name = db.url.rsplit('/').next().unwrap().to_string();
    db.exec(&format!(
        "ALTER DATABASE \"{name}\" SET TimeZone = 'Asia/Kathmandu'; \
         ALTER DATABASE \"{name}\" SET DateStyle = 'SQL, DMY'"
    ))
    .await;
    let project = Project::new();
    std::fs::create_dir_all(project.path().join("migrations")).unwrap();
    std::fs::write(
        project.path().join("migrations/0001_t.sql"),
        "create table t (id int);",
    )
    .unwrap();
    project.run(&db, &["migrate"]).assert_code(0);
    let expected = db
        .value(
            "select to_char(applied_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') \
             from public.__migrations",
        )
        .await;
    let run = project.run(&db, &["status", "--json"]);
    run.assert_code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        json["migrations"][0]["applied_at"],
        expected.as_str(),
        "{json}"
    );
    assert_eq!(json["applied"], 1, "{json}");
    assert_eq!(json["pending"], 0, "{json}");
    let text = project.run(&db, &["status"]);
    assert!(text.stdout.contains(&expected), "{}", text.stdout);
}
