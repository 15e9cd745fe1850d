//! `--ddl-lock-timeout`: push gives up quickly behind a busy table and says which table
//! and how to retry.

use crate::harness::{Project, TestDb};

// The holder's lock lives on the server: blocking this thread while brain-db runs is fine.
#[tokio::test(flavor = "current_thread")]
async fn push_behind_a_locked_table_gives_up_and_names_it() {
    let db = TestDb::new("ddl_lock_push_behind_a_locked_table").await;
    db.exec("CREATE TABLE notes (id integer)").await;
    let project = Project::new();
    project.write_schema("[tables.notes.columns]\nid = \"integer\"\nbody = \"text\"\n");

    // Another session reads the table in an open transaction: ALTER TABLE must wait.
    let holder = db.client().await;
    holder
        .batch_execute("BEGIN; SELECT * FROM notes; SET application_name = 'busy-app'")
        .await
        .unwrap();

    let run = project.run_with_url(&db.url, &["push", "--ddl-lock-timeout", "300ms"]);
    run.assert_code(1);
    let err = &run.stderr;
    assert!(
        err.contains("push gave up after waiting 300 ms for a lock on table public.notes"),
        "{err}"
    );
    assert!(
        err.contains("application `busy-app`, idle in transaction"),
        "{err}"
    );
    assert!(err.contains("nothing was applied"), "{err}");
    assert!(err.contains("--ddl-lock-timeout 60s"), "{err}");
    let columns = db
        .column("SELECT column_name FROM information_schema.columns WHERE table_name = 'notes'")
        .await;
    assert_eq!(columns.len(), 1, "nothing applied");

    // Once the other transaction ends, the same push goes through.
    holder.batch_execute("COMMIT").await.unwrap();
    let run = project.run_with_url(&db.url, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("ADD COLUMN body text"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "current_thread")]
async fn migrate_behind_a_locked_table_gives_up_and_names_it() {
    let db = TestDb::new("ddl_lock_migrate_behind_a_locked_table").await;
    db.exec("CREATE TABLE notes (id integer)").await;
    let project = Project::new();
    let dir = project.path().join("migrations");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("0001_body.sql"),
        "ALTER TABLE notes ADD COLUMN body text;\n",
    )
    .unwrap();

    let holder = db.client().await;
    holder
        .batch_execute("BEGIN; SELECT * FROM notes; SET application_name = 'busy-app'")
        .await
        .unwrap();
    let run = project.run_with_url(&db.url, &["migrate", "--ddl-lock-timeout", "300ms"]);
    run.assert_code(1);
    let err = &run.stderr;
    assert!(
        err.contains("migration 0001_body.sql stopped at line 1"),
        "{err}"
    );
    assert!(
        err.contains("migrate gave up after waiting 300 ms for a lock on table public.notes"),
        "{err}"
    );
    assert!(err.contains("busy-app"), "{err}");
    assert_eq!(
        db.value("SELECT count(*) FROM public.__migrations").await,
        "0",
        "the file is not recorded"
    );

    holder.batch_execute("COMMIT").await.unwrap();
    project.run_with_url(&db.url, &["migrate"]).assert_code(0);
    assert_eq!(
        db.value("SELECT count(*) FROM public.__migrations").await,
        "1"
    );
}

#[test]
fn a_bad_duration_is_a_usage_error() {
    let project = Project::new();
    let run = project.run_offline(&["push", "--ddl-lock-timeout", "soon"]);
    run.assert_code(1);
    assert!(run.stderr.contains("not a duration"), "{}", run.stderr);
}
