//! Many instances migrating at once, and a migrator killed mid-file.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Project, Run, TestDb};
use crate::migrate::{advisory_locks, write_migration};

fn spawn_migrate(project: &Project, db: &TestDb) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_brain-db"))
        .current_dir(project.path())
        .env_remove("DATABASE_URL")
        .args([
            "--database-url",
            &db.url,
            "migrate",
            "--lock-timeout",
            "120",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn brain-db")
}

#[tokio::test]
async fn sixteen_processes_apply_twenty_migrations_exactly_once() {
    let db = TestDb::new("migrate_sixteen").await;
    let project = Project::new();
    write_migration(
        &project,
        "0001_log.sql",
        "create table log (migration int not null);\ninsert into log values (1);\n",
    );
    for i in 2..=20 {
        let sql = match i {
            // A slow one: the others wait on the lock meanwhile.
            7 => "select pg_sleep(1.5);\ninsert into log values (7);\n".to_string(),
            // CREATE INDEX CONCURRENTLY, outside a transaction, while others wait.
            12 => "-- brain-db:no-transaction\ncreate index concurrently log_migration_idx on log (migration);\ninsert into log values (12);\n".to_string(),
            _ => format!("insert into log values ({i});\n"),
        };
        write_migration(&project, &format!("{i:04}_step{i}.sql"), &sql);
    }
    project.run_offline(&["hash"]).assert_code(0);

    let children: Vec<_> = (0..16).map(|_| spawn_migrate(&project, &db)).collect();
    let runs: Vec<Run> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait").into())
        .collect();
    for run in &runs {
        run.assert_code(0);
    }
    let applied_by: usize = runs
        .iter()
        .filter(|r| r.stdout.contains("migration(s) applied"))
        .count();
    assert!(applied_by >= 1, "some process applied the migrations");
    assert_eq!(
        db.value("select count(*)::text || ' ' || count(distinct migration)::text from log")
            .await,
        "20 20",
        "each migration applied exactly once"
    );
    assert_eq!(
        db.value("select count(*)::text from __migrations").await,
        "20"
    );
    assert_eq!(
        db.value(
            "select indisvalid::text from pg_index where indexrelid = 'log_migration_idx'::regclass"
        )
        .await,
        "true"
    );
    assert_eq!(advisory_locks(&db).await, "0");
}

#[tokio::test]
async fn a_migrator_killed_mid_file_leaves_nothing_partial() {
    let db = TestDb::new("migrate_sigkill").await;
    let project = Project::new();
    write_migration(&project, "0001_t.sql", "create table t (id int);\n");
    write_migration(
        &project,
        "0002_slow.sql",
        "insert into t values (1);\nselect pg_sleep(2);\ninsert into t values (2);\n",
    );
    let mut child = spawn_migrate(&project, &db);
    // Wait until the slow statement runs.
    let started = Instant::now();
    loop {
        let n = db
            .value(&format!(
                "select count(*)::text from pg_stat_activity where datname = '{}' and query like '%pg_sleep(2)%' and pid <> pg_backend_pid()",
                db.name
            ))
            .await;
        if n != "0" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the slow migration never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    // The killed file left no row and no history entry.
    assert_eq!(db.value("select count(*)::text from t").await, "0");
    assert_eq!(
        db.value("select string_agg(name, ',') from __migrations")
            .await,
        "0001_t"
    );

    // The next run waits for the dead session to go away and completes the file.
    let run = project.run(&db, &["migrate"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("applied 0002_slow.sql"),
        "{}",
        run.stdout
    );
    assert_eq!(
        db.value("select string_agg(id::text, ',' order by id) from t")
            .await,
        "1,2"
    );
    assert_eq!(
        db.value("select count(*)::text from __migrations").await,
        "2"
    );
    assert_eq!(advisory_locks(&db).await, "0");
}
