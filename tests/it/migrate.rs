//! `brain-db migrate`, `status` and `hash`: history, per-file transactions, no-transaction
//! files, refusals, the advisory lock released on every path.

use std::path::PathBuf;

use crate::harness::{Project, TestDb};

/// Writes `migrations/<name>` in the project.
pub fn write_migration(project: &Project, name: &str, sql: &str) -> PathBuf {
    let dir = project.path().join("migrations");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, sql).unwrap();
    path
}

/// Advisory locks held on the test database (by anyone).
pub async fn advisory_locks(db: &TestDb) -> String {
    db.value(&format!(
        "select count(*)::text from pg_locks l join pg_database d on d.oid = l.database \
         where l.locktype = 'advisory' and d.datname = '{}'",
        db.name
    ))
    .await
}

fn three_files(project: &Project) {
    write_migration(
        project,
        "0001_items.sql",
        "create table items (id int primary key, label text);\ninsert into items values (1, 'one');\n",
    );
    write_migration(
        project,
        "0002_more.sql",
        "insert into items values (2, 'two');\n",
    );
    write_migration(
        project,
        "0010_tags.sql",
        "alter table items add column tags text[];\ninsert into items values (10, 'ten', '{a}');\n",
    );
}

#[tokio::test]
async fn migrate_applies_each_file_once_and_records_history() {
    let db = TestDb::new("migrate_history").await;
    let project = Project::new();
    three_files(&project);
    let run = project.run(&db, &["migrate"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("applied 0001_items.sql"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("3 migration(s) applied, 0 already applied"),
        "{}",
        run.stdout
    );
    // No sum file: accepted with a warning.
    assert!(
        run.stderr.contains("warning:") && run.stderr.contains("brain-db.sum"),
        "{}",
        run.stderr
    );

    assert_eq!(
        db.column("select id || ' ' || name || ' ' || length(sha256) || ' ' || (execution_ms >= 0) from __migrations order by id")
            .await
            .into_iter()
            .flatten()
            .collect::<Vec<_>>(),
        ["1 0001_items 64 true", "2 0002_more 64 true", "10 0010_tags 64 true"]
    );
    assert_eq!(
        db.value("select string_agg(id::text, ',' order by id) from items")
            .await,
        "1,2,10"
    );

    let again = project.run(&db, &["migrate"]);
    again.assert_code(0);
    assert_eq!(
        again.stdout.trim(),
        "nothing to do: 3 migration(s) already applied"
    );
    assert_eq!(db.value("select count(*)::text from items").await, "3");
    assert_eq!(advisory_locks(&db).await, "0");

    // A new file after the newest applied one is pending and applies.
    write_migration(
        &project,
        "0011_eleven.sql",
        "insert into items values (11, 'eleven');",
    );
    project.run(&db, &["migrate"]).assert_code(0);
    assert_eq!(
        db.value("select count(*)::text from __migrations").await,
        "4"
    );
}

#[tokio::test]
async fn status_is_read_only_and_reports_pending_then_up_to_date() {
    let db = TestDb::new("migrate_status").await;
    let project = Project::new();
    project.write_schema(
        "[tables.items.columns]\nid = { type = \"integer\", primary_key = true }\nlabel = \"text\"\n",
    );
    write_migration(
        &project,
        "0001_items.sql",
        "create table items (id int primary key, label text);\n",
    );

    let status = project.run(&db, &["status"]);
    status.assert_code(2);
    assert!(
        status.stdout.contains("0001_items.sql") && status.stdout.contains("pending"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("live schema differs"),
        "{}",
        status.stdout
    );
    assert_eq!(
        db.value("select (to_regclass('public.__migrations') is null)::text")
            .await,
        "true",
        "status must not create the history table"
    );

    project.run(&db, &["migrate"]).assert_code(0);
    let status = project.run(&db, &["status"]);
    status.assert_code(0);
    assert!(status.stdout.contains("up to date"), "{}", status.stdout);

    let json = project.run(&db, &["status", "--json"]);
    json.assert_code(0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("status --json is JSON");
    assert_eq!(v["up_to_date"], true);
    assert_eq!(v["migrations"][0]["name"], "0001_items");
    assert_eq!(v["migrations"][0]["state"], "applied");
    assert!(v["migrations"][0]["applied_at"].is_string());

    // Drift: a column added by hand shows up, exit 2.
    db.exec("alter table items add column extra int").await;
    let json = project.run(&db, &["status", "--json"]);
    json.assert_code(2);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(
        v["drift"][0]
            .as_str()
            .unwrap()
            .contains("DROP COLUMN extra"),
        "{v}"
    );
}

#[tokio::test]
async fn failing_file_rolls_back_names_the_line_and_releases_the_lock() {
    let db = TestDb::new("migrate_failure").await;
    let project = Project::new();
    write_migration(
        &project,
        "0001_ok.sql",
        "create table t (id int primary key);\ninsert into t values (1);\n",
    );
    let bad = write_migration(
        &project,
        "0002_bad.sql",
        "insert into t values (2);\n\n-- the next statement fails\ninsert into t values (1);\n",
    );
    write_migration(&project, "0003_after.sql", "insert into t values (3);\n");

    let run = project.run(&db, &["migrate"]);
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("migration 0002_bad.sql failed at line 4"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("duplicate key"), "{}", run.stderr);
    assert!(
        run.stderr.contains("statement: insert into t values (1)"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("applied 0001_ok.sql"), "{}", run.stdout);
    // The earlier file stays applied, the failing file left nothing behind.
    assert_eq!(
        db.value("select string_agg(id::text, ',' order by id) from t")
            .await,
        "1"
    );
    assert_eq!(
        db.value("select string_agg(name, ',') from __migrations")
            .await,
        "0001_ok"
    );
    assert_eq!(
        advisory_locks(&db).await,
        "0",
        "the lock must be released after a failure"
    );

    // Fixed, the next run proceeds.
    std::fs::write(&bad, "insert into t values (2);\n").unwrap();
    project.run(&db, &["migrate"]).assert_code(0);
    assert_eq!(
        db.value("select string_agg(id::text, ',' order by id) from t")
            .await,
        "1,2,3"
    );
    assert_eq!(advisory_locks(&db).await, "0");
}

#[tokio::test]
async fn no_transaction_file_runs_statement_by_statement() {
    let db = TestDb::new("migrate_no_tx").await;
    let project = Project::new();
    write_migration(
        &project,
        "0001_t.sql",
        "create table t (id int, label text);\ninsert into t select g, 'x' || g from generate_series(1, 1000) g;\n",
    );
    write_migration(
        &project,
        "0002_idx.sql",
        "-- brain-db:no-transaction\r\ncreate index concurrently t_label_idx on t (label);\r\ncreate index concurrently t_id_idx on t (id);\r\n",
    );
    let run = project.run(&db, &["migrate"]);
    run.assert_code(0);
    assert_eq!(
        db.value("select string_agg(indexname, ',' order by indexname) from pg_indexes where tablename = 't'").await,
        "t_id_idx,t_label_idx"
    );
    assert_eq!(
        db.value("select count(*)::text from pg_index where not indisvalid")
            .await,
        "0"
    );
    assert_eq!(
        db.value("select count(*)::text from __migrations").await,
        "2"
    );

    // A failing no-transaction file keeps its earlier statements and is not recorded.
    write_migration(
        &project,
        "0003_half.sql",
        "-- brain-db:no-transaction\ncreate table half (id int);\ncreate index concurrently nope on missing_table (id);\n",
    );
    let run = project.run(&db, &["migrate"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("0003_half.sql failed at line 3"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("no-transaction"), "{}", run.stderr);
    assert_eq!(
        db.value("select (to_regclass('half') is not null)::text")
            .await,
        "true"
    );
    assert_eq!(
        db.value("select count(*)::text from __migrations").await,
        "2"
    );
    assert_eq!(advisory_locks(&db).await, "0");
}

#[tokio::test]
async fn edited_applied_file_is_refused_but_crlf_is_not() {
    let db = TestDb::new("migrate_modified").await;
    let project = Project::new();
    let text = "create table t (id int);\ninsert into t values (1);\n";
    let file = write_migration(&project, "0001_t.sql", text);
    project.run(&db, &["migrate"]).assert_code(0);

    // The same file with CRLF line endings and a BOM: not modified.
    std::fs::write(&file, format!("\u{feff}{}", text.replace('\n', "\r\n"))).unwrap();
    let run = project.run(&db, &["migrate"]);
    run.assert_code(0);
    assert!(run.stdout.contains("nothing to do"), "{}", run.stdout);

    // An edit: refused, nothing applied, the file and the remedy named.
    std::fs::write(
        &file,
        "create table t (id int);\ninsert into t values (2);\n",
    )
    .unwrap();
    write_migration(&project, "0002_next.sql", "insert into t values (3);");
    let run = project.run(&db, &["migrate"]);
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("0001_t.sql was modified after it was applied"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("new migration"), "{}", run.stderr);
    assert_eq!(db.value("select count(*)::text from t").await, "1");
    let status = project.run(&db, &["status"]);
    assert!(status.stdout.contains("MODIFIED"), "{}", status.stdout);
    assert_eq!(advisory_locks(&db).await, "0");
}

#[tokio::test]
async fn missing_and_out_of_order_files_are_refused() {
    let db = TestDb::new("migrate_order").await;
    let project = Project::new();
    write_migration(&project, "0001_a.sql", "create table t (id int);");
    let b = write_migration(&project, "0003_c.sql", "insert into t values (3);");
    project.run(&db, &["migrate"]).assert_code(0);

    write_migration(&project, "0002_b.sql", "insert into t values (2);");
    let run = project.run(&db, &["migrate"]);
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("0002_b.sql is not applied but sorts before 0003_c.sql"),
        "{}",
        run.stderr
    );

    std::fs::remove_file(project.path().join("migrations/0002_b.sql")).unwrap();
    std::fs::remove_file(&b).unwrap();
    let run = project.run(&db, &["migrate"]);
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("0003_c.sql was applied but its file is missing"),
        "{}",
        run.stderr
    );

    write_migration(&project, "0003_c.sql", "insert into t values (3);");
    write_migration(&project, "0004_x.sql", "insert into t values (4);");
    write_migration(&project, "0004_y.sql", "insert into t values (5);");
    let run = project.run(&db, &["migrate"]);
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("0004_x.sql and 0004_y.sql share the number 0004"),
        "{}",
        run.stderr
    );
    assert_eq!(db.value("select count(*)::text from t").await, "1");
}

#[tokio::test]
async fn sum_file_catches_edits_until_hash_rewrites_it() {
    let db = TestDb::new("migrate_sum").await;
    let project = Project::new();
    let file = write_migration(&project, "0001_a.sql", "create table t (id int);");
    let hash = project.run_offline(&["hash"]);
    hash.assert_code(0);
    assert!(
        hash.stdout.contains("brain-db.sum (1 file(s))"),
        "{}",
        hash.stdout
    );

    std::fs::write(&file, "create table t (id bigint);").unwrap();
    write_migration(&project, "0002_b.sql", "select 1;");
    let run = project.run(&db, &["migrate"]);
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("0001_a.sql: changed since the sum was written"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("0002_b.sql: not in the sum"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("brain-db hash"), "{}", run.stderr);
    assert_eq!(
        db.value("select (to_regclass('t') is null)::text").await,
        "true"
    );
    assert_eq!(project.run(&db, &["status"]).code, 2);

    project.run_offline(&["hash"]).assert_code(0);
    project.run(&db, &["migrate"]).assert_code(0);
    assert_eq!(
        db.value("select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 't'::regclass and attname = 'id'").await,
        "bigint"
    );
}

#[tokio::test]
async fn skip_if_locked_returns_at_once_and_lock_timeout_gives_up() {
    let db = TestDb::new("migrate_locked").await;
    let project = Project::new();
    write_migration(&project, "0001_a.sql", "create table t (id int);");
    // Another session holds the migration lock.
    let holder = db.client().await;
    let key = brain_db::migrations::lock::lock_key("__migrations");
    holder
        .query_one("select pg_advisory_lock($1)", &[&key])
        .await
        .unwrap();

    let run = project.run(&db, &["migrate", "--skip-if-locked"]);
    run.assert_code(0);
    assert!(run.stdout.contains("skipped"), "{}", run.stdout);
    let started = std::time::Instant::now();
    let run = project.run(&db, &["migrate", "--lock-timeout", "0.5"]);
    run.assert_code(1);
    assert!(run.stderr.contains("migration lock"), "{}", run.stderr);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(
        db.value("select (to_regclass('t') is null)::text").await,
        "true"
    );

    holder
        .query_one("select pg_advisory_unlock($1)", &[&key])
        .await
        .unwrap();
    project.run(&db, &["migrate"]).assert_code(0);
}
