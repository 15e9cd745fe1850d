//! No password in any output, against a server that checks passwords (scram) and has no
//! TLS: a wrong password, a password in several places of the URL, through the library
//! and the CLI; and prefer / require against a server without TLS.

use std::path::Path;

use brain_db::db::{self, DbError};

use crate::cluster::TempCluster;
use crate::harness::Project;

/// Checks passwords for `app`; `postgres` is trusted (to set the test up).
fn scram_server() -> TempCluster {
    let cluster = TempCluster::start(|data: &Path| {
        std::fs::write(
            data.join("pg_hba.conf"),
            "host all postgres 127.0.0.1/32 trust\n\
             host all all 127.0.0.1/32 scram-sha-256\n",
        )
    });
    let status = std::process::Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
        .arg(format!(
            "postgres://postgres@127.0.0.1:{}/postgres",
            cluster.port
        ))
        .args(["-c", "CREATE ROLE app LOGIN PASSWORD 'right-pw'"])
        .status()
        .expect("run psql");
    assert!(status.success());
    cluster
}

#[tokio::test(flavor = "current_thread")]
async fn wrong_passwords_never_reach_output() {
    let server = scram_server();
    let port = server.port;
    let right = format!("postgres://app:right-pw@127.0.0.1:{port}/postgres");
    db::connect(&right).await.expect("the right password works");

    // Percent-encoded in the user info, repeated as a parameter and as application_name.
    let password = "Wr0ng%40pw:x";
    let decoded = "Wr0ng@pw:x";
    let wrong = format!(
        "postgres://app:{password}@127.0.0.1:{port}/postgres?password={password}&application_name={password}"
    );
    let err = match db::connect(&wrong).await {
        Ok(_) => panic!("a wrong password connected"),
        Err(e) => e,
    };
    let text = err.to_string();
    assert!(matches!(err, DbError::Connect { .. }), "{text}");
    assert!(text.contains("password authentication failed"), "{text}");
    for shown in [text.clone(), format!("{err:?}")] {
        assert!(
            !shown.contains(password) && !shown.contains(decoded),
            "{shown}"
        );
    }

    let project = Project::new();
    project.write_schema("[tables.t.columns]\nid = \"integer\"\n");
    for args in [&["push"][..], &["pull"], &["push", "--dry-run"]] {
        let run = project.run_with_url(&wrong, args);
        run.assert_code(1);
        assert!(
            run.stderr.contains("password authentication failed"),
            "{}",
            run.stderr
        );
        for out in [&run.stdout, &run.stderr] {
            assert!(!out.contains(password) && !out.contains(decoded), "{out}");
        }
    }
    // The same through DATABASE_URL in .env, and DIRECT_URL.
    std::fs::write(
        project.path().join(".env"),
        format!("DATABASE_URL={wrong}\nDIRECT_URL={wrong}\n"),
    )
    .unwrap();
    let run = project.run_offline(&["push"]);
    run.assert_code(1);
    for out in [&run.stdout, &run.stderr] {
        assert!(!out.contains(password) && !out.contains(decoded), "{out}");
    }

    // This server has no TLS: prefer falls back to plain, require says so clearly.
    let client = db::connect(&format!("{right}?sslmode=prefer"))
        .await
        .unwrap();
    let ssl: bool = client
        .query_one(
            "select ssl from pg_stat_ssl where pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(!ssl);
    let with_password = format!("{wrong}&sslmode=require");
    let err = match db::connect(&with_password).await {
        Ok(_) => panic!("require connected to a server without TLS"),
        Err(e) => e,
    };
    let text = err.to_string();
    assert!(matches!(err, DbError::Tls { .. }), "{text}");
    assert!(text.contains("does not accept TLS"), "{text}");
    assert!(
        !text.contains(password) && !text.contains(decoded),
        "{text}"
    );
}

/// push prefers DIRECT_URL (a session that keeps its settings) over DATABASE_URL.
#[tokio::test(flavor = "current_thread")]
async fn push_uses_the_direct_url_when_given() {
    let db = crate::harness::TestDb::new("secrets_push_uses_the_direct_url").await;
    let project = Project::new();
    project.write_schema("[tables.t.columns]\nid = \"integer\"\n");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nobody = format!(
        "postgres://u:pw@127.0.0.1:{}/x",
        listener.local_addr().unwrap().port()
    );
    drop(listener);
    let run = project.run_with_url(&nobody, &["push", "--direct-url", &db.url]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("CREATE TABLE public.t"),
        "{}",
        run.stdout
    );
    assert_eq!(db.value("select count(*) from public.t").await, "0");
}
