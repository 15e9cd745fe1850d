//! Versioned migrations against hostile input: a missing or misnamed folder content, a
//! garbage sum file, error positions, a lost connection, one statement per protocol
//! message.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use brain_db::migrations::applier;
use brain_db::migrations::split::Statement;

use crate::harness::{Project, TestDb};
use crate::migrate::{advisory_locks, write_migration};

async fn history_exists(db: &TestDb) -> bool {
    db.value("select (to_regclass('public.__migrations') is not null)::text")
        .await
        == "true"
}

#[tokio::test]
async fn a_missing_migrations_folder_is_an_error_for_migrate_status_check_and_hash() {
    let db = TestDb::new("mh_missing_folder").await;
    let project = Project::new();
    project.write_schema("[tables.t.columns]\nid = \"integer\"\n");
    for command in ["migrate", "status", "check", "hash"] {
        let run = project.run(&db, &["--migrations", "nosuchdir", command]);
        run.assert_code(1);
        assert!(
            run.stderr.contains("nosuchdir") && run.stderr.contains("does not exist"),
            "{command}: {}",
            run.stderr
        );
        assert!(!run.stdout.contains("nothing to do"), "{}", run.stdout);
        assert!(!run.stdout.contains("up to date"), "{}", run.stdout);
    }
    assert!(!history_exists(&db).await, "migrate created __migrations");
    assert!(!project.path().join("nosuchdir").exists());

    // generate still creates the folder.
    let run = project.run(&db, &["--migrations", "newdir", "generate"]);
    run.assert_code(0);
    assert!(project.path().join("newdir").is_dir(), "{}", run.stdout);
}

#[tokio::test]
async fn a_file_that_looks_like_a_misnamed_migration_is_an_error_naming_it() {
    let db = TestDb::new("mh_misnamed").await;
    for misnamed in [
        "0002_x.SQL",
        "2_x.sql",
        "0002-x.sql",
        "0002_x.sql.bak",
        "init.sql",
        "0002_with space.sql",
    ] {
        let project = Project::new();
        write_migration(&project, "0001_t.sql", "create table t (id int);\n");
        write_migration(&project, misnamed, "create table u (id int);\n");
        for command in ["migrate", "status", "hash"] {
            let run = project.run(&db, &[command]);
            run.assert_code(1);
            assert!(
                run.stderr.contains(misnamed) && run.stderr.contains("NNNN_name.sql"),
                "{command} {misnamed}: {}",
                run.stderr
            );
        }
        assert!(
            !history_exists(&db).await,
            "{misnamed}: something was applied"
        );
    }

    // The sum file, notes, hidden files and subfolders are not migrations.
    let project = Project::new();
    write_migration(&project, "0001_t.sql", "create table t (id int);\n");
    write_migration(&project, "README.md", "# notes\n");
    write_migration(&project, ".gitkeep", "");
    write_migration(&project, "notes.txt", "select 1;\n");
    std::fs::create_dir_all(project.path().join("migrations/meta")).unwrap();
    std::fs::write(project.path().join("migrations/meta/0009_x.sql"), "not sql").unwrap();
    project.run(&db, &["hash"]).assert_code(0);
    let run = project.run(&db, &["migrate"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("1 migration(s) applied"),
        "{}",
        run.stdout
    );
    assert_eq!(
        db.value("select string_agg(name, ',') from __migrations")
            .await,
        "0001_t"
    );
}

#[tokio::test]
async fn a_garbage_sum_file_or_migration_is_named_with_its_line() {
    let db = TestDb::new("mh_not_utf8").await;
    let project = Project::new();
    project.write_schema("[tables.t.columns]\nid = \"integer\"\n");
    write_migration(&project, "0001_t.sql", "create table t (id int);\n");
    std::fs::write(
        project.path().join("migrations/brain-db.sum"),
        b"total \xff\xfe\x00garbage\n",
    )
    .unwrap();
    for command in ["migrate", "status", "check"] {
        let run = project.run(&db, &[command]);
        run.assert_code(1);
        assert!(
            run.stderr.contains("brain-db.sum") && run.stderr.contains("not UTF-8"),
            "{command}: {}",
            run.stderr
        );
    }
    assert!(!history_exists(&db).await);

    std::fs::remove_file(project.path().join("migrations/brain-db.sum")).unwrap();
    std::fs::write(
        project.path().join("migrations/0002_latin1.sql"),
        b"-- caf\xc3\xa9 is fine\ninsert into t values (1);\n-- caf\xe9 is not\n",
    )
    .unwrap();
    for command in ["migrate", "status", "hash"] {
        let run = project.run(&db, &[command]);
        run.assert_code(1);
        assert!(
            run.stderr.contains("0002_latin1.sql")
                && run.stderr.contains("not UTF-8")
                && run.stderr.contains("line 3"),
            "{command}: {}",
            run.stderr
        );
    }
    assert!(!history_exists(&db).await);

    // The snapshot generate reads, too.
    std::fs::remove_file(project.path().join("migrations/0002_latin1.sql")).unwrap();
    std::fs::create_dir_all(project.path().join("migrations/meta")).unwrap();
    std::fs::write(
        project.path().join("migrations/meta/snapshot.toml"),
        b"[tables.t.columns]\nid = \"integer\" # \xe9\n",
    )
    .unwrap();
    let run = project.run_offline(&["generate"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("snapshot.toml")
            && run.stderr.contains("not UTF-8")
            && !run.stderr.contains("cannot write"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn a_failure_is_reported_at_the_line_of_the_servers_error_position() {
    let db = TestDb::new("mh_error_line").await;
    let project = Project::new();
    let mut sql = String::new();
    for i in 1..=44 {
        sql.push_str(&format!("-- line {i}\n"));
    }
    // Lines 45-52; the unknown type is on line 50.
    sql.push_str(
        "create table wide (\n  c1 int,\n  c2 int,\n  c3 int,\n  c4 int,\n  c5 nosuchtype,\n  c6 int\n);\n",
    );
    write_migration(&project, "0001_wide.sql", &sql);
    let run = project.run(&db, &["migrate"]);
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("migration 0001_wide.sql failed at line 50"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nosuchtype"), "{}", run.stderr);

    // The same in a no-transaction file, after a statement that succeeded.
    let project = Project::new();
    write_migration(
        &project,
        "0001_nt.sql",
        "-- brain-db:no-transaction\ncreate table a (x int);\nselect\n  1,\n  2 +\n  'x'::nosuchtype;\n",
    );
    let run = project.run(&db, &["migrate"]);
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("migration 0001_nt.sql failed at line 6"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn dollar_signs_inside_names_split_like_the_server_reads_them() {
    let db = TestDb::new("mh_dollar_names").await;
    let project = Project::new();
    write_migration(
        &project,
        "0001_names.sql",
        "create table a$b$ (x int);\nselect 1/0 from a$b$;\ncreate table c$b$ (x int);\n",
    );
    let run = project.run(&db, &["migrate"]);
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("migration 0001_names.sql failed at line 2"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("statement: select 1/0 from a$b$\n"),
        "{}",
        run.stderr
    );
    assert!(
        !history_exists(&db).await
            || db.value("select count(*)::text from __migrations").await == "0"
    );
    assert_eq!(
        db.value("select count(*)::text from pg_class where relname in ('a$b$', 'c$b$')")
            .await,
        "0"
    );
}

#[tokio::test]
async fn a_statement_sent_by_the_applier_can_never_carry_a_second_one() {
    let db = TestDb::new("mh_one_message").await;
    db.exec("create table canary (x int); insert into canary values (1);")
        .await;
    let client = db.client().await;
    let two = Statement {
        line: 1,
        sql: "create table other (x int); drop table canary".to_string(),
    };
    let err = applier::run_statement(&client, &two)
        .await
        .expect_err("two commands in one statement must be refused");
    assert!(
        err.as_db_error()
            .is_some_and(|e| e.message().contains("multiple commands")),
        "{err:?}"
    );
    assert_eq!(db.value("select count(*)::text from canary").await, "1");
    assert_eq!(
        db.value("select (to_regclass('other') is null)::text")
            .await,
        "true"
    );
}

#[tokio::test]
async fn a_connection_lost_during_migrate_names_the_statement_and_does_not_blame_the_file() {
    let db = TestDb::new("mh_conn_lost").await;
    let project = Project::new();
    write_migration(&project, "0001_t.sql", "create table t (id int);\n");
    write_migration(
        &project,
        "0002_slow.sql",
        "insert into t values (1);\nselect pg_sleep(60);\ninsert into t values (2);\n",
    );
    let child = Command::new(env!("CARGO_BIN_EXE_brain-db"))
        .current_dir(project.path())
        .env_remove("DATABASE_URL")
        .args(["--database-url", &db.url, "migrate"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn brain-db");
    let started = Instant::now();
    loop {
        let terminated = db
            .value(&format!(
                "select count(pg_terminate_backend(pid))::text from pg_stat_activity \
                 where datname = '{}' and query like '%pg_sleep(60)%' and pid <> pg_backend_pid()",
                db.name
            ))
            .await;
        if terminated != "0" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the slow statement never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let run: crate::harness::Run = child.wait_with_output().unwrap().into();
    run.assert_code(1);
    assert!(
        run.stderr.contains("connection to the server was lost"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("0002_slow.sql") && run.stderr.contains("at line 2"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("statement: select pg_sleep(60)"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("fix the file"), "{}", run.stderr);
    assert!(run.stderr.contains("not at fault"), "{}", run.stderr);
    assert!(run.stdout.contains("applied 0001_t.sql"), "{}", run.stdout);
    assert_eq!(db.value("select count(*)::text from t").await, "0");
    assert_eq!(
        db.value("select string_agg(name, ',') from __migrations")
            .await,
        "0001_t"
    );
    assert_eq!(advisory_locks(&db).await, "0");
}

/// `url` with its user replaced (trust authentication on the test server).
fn with_user(url: &str, user: &str) -> String {
    let scheme_end = url.find("://").expect("a postgres:// URL") + 3;
    let rest = &url[scheme_end..];
    let host = rest.rfind('@').map_or(rest, |at| &rest[at + 1..]);
    format!("{}{user}@{host}", &url[..scheme_end])
}

#[tokio::test]
async fn check_on_a_read_only_server_or_without_createdb_gives_the_right_cause() {
    let db = TestDb::new("mh_check_cause").await;
    let project = Project::new();
    project.write_schema("[tables.t.columns]\nid = \"integer\"\n");
    write_migration(&project, "0001_t.sql", "create table t (id integer);\n");

    let role = "bdt_mh_nocreatedb";
    db.exec(&format!(
        "drop role if exists {role}; create role {role} login nocreatedb"
    ))
    .await;
    let run = project.run_with_url(&with_user(&db.url, role), &["check"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("the role may not create databases")
            && run.stderr.contains("CREATEDB")
            && run.stderr.contains("--database-url"),
        "{}",
        run.stderr
    );

    db.exec(&format!(
        "alter database \"{}\" set default_transaction_read_only = on",
        db.name
    ))
    .await;
    let run = project.run(&db, &["check"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("read-only") && run.stderr.contains("--database-url"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("CREATEDB"), "{}", run.stderr);
    db.exec(&format!(
        "begin transaction read write; drop role {role}; commit"
    ))
    .await;
}

fn has_line(text: &str, prefix: char, needle: &str) -> bool {
    text.lines().any(|l| {
        l.starts_with(prefix)
            && !l.starts_with("---")
            && !l.starts_with("+++")
            && l.contains(needle)
    })
}

#[tokio::test]
async fn check_and_status_print_a_unified_diff_of_schema_toml() {
    let db = TestDb::new("mh_unified_diff").await;
    let project = Project::new();
    project.write_schema("[tables.t.columns]\nid = \"integer\"\nlabel = \"text\"\n");
    write_migration(&project, "0001_t.sql", "create table t (id integer);\n");
    let run = project.run(&db, &["check"]);
    run.assert_code(2);
    assert!(
        run.stdout.contains("--- schema.toml") && run.stdout.contains("+++ replayed migrations"),
        "{}",
        run.stdout
    );
    assert!(has_line(&run.stdout, '-', "label"), "{}", run.stdout);
    assert!(run.stdout.contains("ADD COLUMN"), "{}", run.stdout);

    project.run(&db, &["migrate"]).assert_code(0);
    db.exec("alter table t add column extra integer").await;
    let run = project.run(&db, &["status"]);
    run.assert_code(2);
    assert!(
        run.stdout.contains("--- schema.toml") && run.stdout.contains("+++ live database"),
        "{}",
        run.stdout
    );
    assert!(has_line(&run.stdout, '+', "extra"), "{}", run.stdout);
    assert!(has_line(&run.stdout, '-', "label"), "{}", run.stdout);
    let json = project.run(&db, &["status", "--json"]);
    json.assert_code(2);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(
        has_line(v["diff"].as_str().unwrap(), '+', "extra"),
        "{}",
        json.stdout
    );

    // Without drift, no diff.
    project.write_schema("[tables.t.columns]\nid = \"integer\"\nextra = \"integer\"\n");
    let run = project.run(&db, &["status"]);
    run.assert_code(0);
    assert!(!run.stdout.contains("--- schema.toml"), "{}", run.stdout);
}

#[tokio::test]
async fn migrate_killed_with_stdout_in_a_file_keeps_the_lines_of_what_it_applied() {
    let db = TestDb::new("mh_progress_lines").await;
    let project = Project::new();
    write_migration(&project, "0001_a.sql", "create table a (x int);\n");
    write_migration(&project, "0002_b.sql", "create table b (x int);\n");
    write_migration(&project, "0003_slow.sql", "select pg_sleep(60);\n");
    let out_path = project.path().join("migrate.out");
    let out = std::fs::File::create(&out_path).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_brain-db"))
        .current_dir(project.path())
        .env_remove("DATABASE_URL")
        .args(["--database-url", &db.url, "migrate"])
        .stdout(Stdio::from(out))
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn brain-db");
    let started = Instant::now();
    let busy = format!(
        "select count(*)::text from pg_stat_activity where datname = '{}' \
         and query like '%pg_sleep(60)%' and pid <> pg_backend_pid()",
        db.name
    );
    while db.value(&busy).await == "0" {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the slow file never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let printed = std::fs::read_to_string(&out_path).unwrap();
    assert!(
        printed.contains("applied 0001_a.sql") && printed.contains("applied 0002_b.sql"),
        "{printed:?}"
    );
    assert!(!printed.contains("0003_slow"), "{printed:?}");
    assert_eq!(
        db.value("select string_agg(name, ',' order by id) from __migrations")
            .await,
        "0001_a,0002_b"
    );
}

const ITEMS_SCHEMA: &str = "[tables.items.columns]\nid = { type = \"integer\", primary_key = true }\nlabel = \"text\"\n\n[tables.items.indexes]\nitems_label_idx = { columns = [\"label\"] }\n";

#[tokio::test]
async fn baseline_records_the_files_of_a_pushed_database_without_running_them() {
    let db = TestDb::new("mh_baseline_ok").await;
    let project = Project::new();
    project.write_schema(ITEMS_SCHEMA);
    project.run(&db, &["push"]).assert_code(0);
    db.exec("insert into items values (1, 'kept')").await;
    // The seed's troubleshooting case: generate writes 0001 for tables that exist.
    project.run_offline(&["generate"]).assert_code(0);
    write_migration(
        &project,
        "0002_seed.sql",
        "insert into items values (42, 'seeded');\n",
    );
    project.run(&db, &["hash"]).assert_code(0);
    let stuck = project.run(&db, &["migrate"]);
    stuck.assert_code(1);
    assert!(stuck.stderr.contains("already exists"), "{}", stuck.stderr);
    let before = db.dump();

    let run = project.run(&db, &["migrate", "--baseline"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("recorded 0002_seed.sql as applied (not run)")
            && run.stdout.contains("2 migration(s) recorded"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    // Recorded with the files' hashes, and nothing ran: no seeded row, same schema.
    let names = db
        .column("select name from __migrations order by id")
        .await
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(names[1], "0002_seed");
    assert_eq!(
        db.value("select string_agg(label, ',' order by id) from items")
            .await,
        "kept"
    );
    let status = project.run(&db, &["status"]);
    status.assert_code(0);
    let again = project.run(&db, &["migrate"]);
    again.assert_code(0);
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
    // The failed migrate above created the (empty) history table: baseline only added rows.
    assert_eq!(db.dump(), before, "baseline changed more than the history");
    assert_eq!(advisory_locks(&db).await, "0");
}

#[tokio::test]
async fn baseline_refuses_with_the_difference_when_the_live_schema_is_not_what_the_files_produce() {
    let db = TestDb::new("mh_baseline_refused").await;
    let project = Project::new();
    write_migration(
        &project,
        "0001_items.sql",
        "create table items (id integer primary key, label text);\n",
    );
    write_migration(
        &project,
        "0002_tags.sql",
        "alter table items add column tags text;\n",
    );
    project.run(&db, &["hash"]).assert_code(0);
    db.exec("create table items (id integer primary key, label text)")
        .await;
    let before = db.dump();

    let run = project.run(&db, &["migrate", "--baseline"]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("refused") && run.stderr.contains("nothing was recorded"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("--- replayed migrations (up to 0002_tags.sql)")
            && run.stderr.contains("+++ live database"),
        "{}",
        run.stderr
    );
    assert!(has_line(&run.stderr, '-', "tags"), "{}", run.stderr);
    assert!(!history_exists(&db).await, "the refusal recorded something");
    assert_eq!(db.dump(), before, "the refusal changed the database");

    // Up to the file the live schema does match: only that one is recorded, and the next
    // migrate applies the rest.
    let run = project.run(&db, &["migrate", "--baseline", "migrations/0001_items.sql"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("recorded 0001_items.sql as applied (not run)")
            && !run.stdout.contains("0002_tags"),
        "{}",
        run.stdout
    );
    let run = project.run(&db, &["migrate"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("applied 0002_tags.sql"),
        "{}",
        run.stdout
    );
    assert_eq!(
        db.value("select string_agg(name, ',' order by id) from __migrations")
            .await,
        "0001_items,0002_tags"
    );
    let run = project.run(&db, &["migrate", "--baseline", "0009_nope.sql"]);
    run.assert_code(1);
    assert!(run.stderr.contains("0009_nope.sql"), "{}", run.stderr);
    assert_eq!(advisory_locks(&db).await, "0");
}
