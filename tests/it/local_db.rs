//! The project's local PostgreSQL: `brain-db db up | down | status | url`, the no-URL
//! default of every database command, and the test harness's fallback to it.

use std::process::Command;

use brain_db::db::local::{LocalCluster, Status, free_port};

use crate::cluster::open_to_server_user;
use crate::harness::{Project, Run, with_local_fallback};

/// A scratch project whose local cluster is stopped when the test ends, also on failure.
struct LocalProject {
    project: Project,
}

impl LocalProject {
    fn new() -> LocalProject {
        let project = Project::new();
        open_to_server_user(project.path());
        project.write_schema("[tables.notes.columns]\nid = \"integer\"\nbody = \"text\"\n");
        LocalProject { project }
    }

    /// brain-db with no URL anywhere (no flag, no DATABASE_URL, no .env).
    fn run(&self, args: &[&str]) -> Run {
        self.project.run_offline(args)
    }

    fn cluster(&self) -> LocalCluster {
        LocalCluster::for_project(self.project.path())
    }
}

impl Drop for LocalProject {
    fn drop(&mut self) {
        let _ = self.cluster().down();
    }
}

#[test]
fn push_without_a_url_creates_starts_and_reuses_the_local_cluster() {
    let p = LocalProject::new();
    let run = p.run(&["db", "status"]);
    run.assert_code(0);
    assert!(run.stdout.contains("not created"), "{}", run.stdout);
    let run = p.run(&["db", "url"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("run `brain-db db up`"),
        "{}",
        run.stderr
    );

    // A fresh project: push with no URL creates the cluster, says so in one line, applies.
    let run = p.run(&["push"]);
    run.assert_code(0);
    let notice: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("no database URL given"))
        .collect();
    assert_eq!(notice.len(), 1, "{}", run.stderr);
    assert!(
        notice[0].contains("using the local PostgreSQL at postgres://postgres@127.0.0.1:")
            && notice[0].contains("created and started")
            && notice[0].contains(".brain-db/postgres/data"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("CREATE TABLE public.notes"),
        "{}",
        run.stdout
    );
    assert!(
        p.project
            .path()
            .join(".brain-db/postgres/data/PG_VERSION")
            .is_file()
    );

    let Status::Running { port } = p.cluster().status() else {
        panic!("not running: {:?}", p.cluster().status());
    };
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let run = p.run(&["db", "url"]);
    run.assert_code(0);
    assert_eq!(run.stdout.trim(), url);
    let run = p.run(&["db", "status"]);
    assert!(
        run.stdout.contains(&format!("running on port {port}")),
        "{}",
        run.stdout
    );
    let run = p.run(&["db", "up"]);
    run.assert_code(0);
    assert_eq!(run.stdout.trim(), url);
    assert!(run.stderr.contains("already running"), "{}", run.stderr);

    // Stopped, the data stays; the next command starts it again on the same port.
    let run = p.run(&["db", "down"]);
    run.assert_code(0);
    assert!(run.stdout.contains("stopped (data kept"), "{}", run.stdout);
    assert!(matches!(
        p.cluster().status(),
        Status::Stopped { port: Some(_) }
    ));
    let run = p.run(&["db", "down"]);
    assert!(run.stdout.contains("not running"), "{}", run.stdout);
    let run = p.run(&["push"]);
    run.assert_no_changes();
    assert!(run.stderr.contains("(started;"), "{}", run.stderr);
    assert_eq!(p.cluster().status(), Status::Running { port });
    // pull also works with no URL.
    let run = p.run(&["pull"]);
    run.assert_code(0);
    assert!(run.stdout.contains("[tables.notes"), "{}", run.stdout);
    // So does generate: its scratch database is made (and dropped) on the local cluster.
    let run = p.run(&["generate"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("wrote migrations/0001_init.sql") && run.stderr.contains("(running;"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    let left = Command::new("psql")
        .args([
            "-XAtc",
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'brain_db_%'",
            &url,
        ])
        .output()
        .expect("run psql");
    assert_eq!(String::from_utf8_lossy(&left.stdout).trim(), "0");
}

#[test]
fn without_server_binaries_the_error_names_the_three_ways_forward() {
    let p = LocalProject::new();
    let out = Command::new(env!("CARGO_BIN_EXE_brain-db"))
        .current_dir(p.project.path())
        .env_remove("DATABASE_URL")
        .env("BRAIN_DB_PG_BIN", "/nonexistent/bin")
        .arg("push")
        .output()
        .unwrap();
    let run = Run::from(out);
    run.assert_code(1);
    for way in [
        "no PostgreSQL server binaries",
        "install PostgreSQL",
        "docker compose --profile local up -d db",
        "set DATABASE_URL",
    ] {
        assert!(run.stderr.contains(way), "{way}: {}", run.stderr);
    }
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn the_test_harness_falls_back_to_the_local_cluster_when_nothing_answers() {
    let p = LocalProject::new();
    let port = free_port().unwrap();
    let nobody = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let url = with_local_fallback(nobody.clone(), p.project.path());
    assert_ne!(url, nobody);
    let Status::Running { port } = p.cluster().status() else {
        panic!("the fallback did not start the cluster");
    };
    assert_eq!(url, LocalCluster::url_for(port));
    // A server that answers, or a remote URL, is kept as is.
    assert_eq!(with_local_fallback(url.clone(), p.project.path()), url);
    let remote = "postgres://u@db.example.invalid:5432/x".to_string();
    assert_eq!(
        with_local_fallback(remote.clone(), p.project.path()),
        remote
    );
}

/// A server killed without cleaning up leaves a stale postmaster.pid: `down` says it
/// was not running (pg_ctl status's exit code), instead of failing.
#[test]
fn down_after_a_crash_reports_not_running() {
    let server = crate::cluster::TempCluster::start(|_| Ok(()));
    let pid_file = server.cluster.data_dir().join("postmaster.pid");
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let pid = pid.lines().next().unwrap().trim().to_string();
    assert!(
        Command::new("kill")
            .args(["-9", &pid])
            .status()
            .unwrap()
            .success()
    );
    // The postmaster is gone once its port stops answering.
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", server.port)).is_ok() {
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(pid_file.exists(), "the crash leaves postmaster.pid behind");
    assert!(!server.cluster.down().unwrap());
}
