//! `brain-db push`: from schema.toml to a live database, idempotently, losing nothing by
//! accident.

use crate::harness::{Project, TestDb};

const APP_SCHEMA: &str = include_str!("../../schema.toml");

/// Pushes, then checks a second push reports "no changes".
fn push_settles(project: &Project, db: &TestDb) {
    project.run(db, &["push", "--force"]).assert_code(0);
    let again = project.run(db, &["push"]);
    again.assert_no_changes();
}

#[tokio::test]
async fn app_schema_creates_the_tables_with_postgres_default_names() {
    let db = TestDb::new("push_app_schema").await;
    let project = Project::new();
    project.write_schema(APP_SCHEMA);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("CREATE TABLE public.tasks"),
        "{}",
        run.stdout
    );

    let constraints = db
        .column(
            "select conrelid::regclass || ' ' || conname || ' ' || contype::text from pg_constraint \
             where connamespace = 'public'::regnamespace order by 1",
        )
        .await;
    let constraints: Vec<String> = constraints.into_iter().flatten().collect();
    for expected in [
        "conversations conversations_pkey p",
        "conversations conversations_session_id_key u",
        "reminders reminders_pkey p",
        "reminders reminders_task_id_fkey f",
        "tasks tasks_pkey p",
    ] {
        assert!(
            constraints.contains(&expected.to_string()),
            "missing {expected} in {constraints:?}"
        );
    }
    assert_eq!(
        db.value(
            "select confdeltype::text from pg_constraint where conname = 'reminders_task_id_fkey'"
        )
        .await,
        "c",
        "reminders.task_id must cascade on delete"
    );
    // The status check rejects unknown values and accepts known ones.
    db.exec("insert into tasks (title, status) values ('a', 'done')")
        .await;
    let err = db
        .error_of("insert into tasks (title, status) values ('b', 'nope')")
        .await;
    assert!(err.contains("check constraint"), "{err}");
    assert_eq!(
        db.value("select status || ' ' || priority from tasks")
            .await,
        "done 0"
    );

    let again = project.run(&db, &["push"]);
    again.assert_no_changes();
}

#[tokio::test]
async fn a_no_op_push_sends_no_ddl() {
    let db = TestDb::new("push_noop_no_ddl").await;
    let project = Project::new();
    project.write_schema(APP_SCHEMA);
    project.run(&db, &["push"]).assert_code(0);
    // Any DDL would fire this event trigger and record itself (in a schema brain-db
    // does not manage, so that the log itself is not part of the diff).
    db.exec(
        "create schema audit; create table audit.ddl_log (tag text);
         create function audit.log_ddl() returns event_trigger language plpgsql as
           $$ begin insert into audit.ddl_log values (tg_tag); end $$;
         create event trigger log_ddl on ddl_command_end execute function audit.log_ddl();",
    )
    .await;
    let run = project.run(&db, &["push"]);
    run.assert_no_changes();
    assert_eq!(db.value("select count(*) from audit.ddl_log").await, "0");
}

#[tokio::test]
async fn dry_run_changes_nothing() {
    let db = TestDb::new("push_dry_run").await;
    let project = Project::new();
    project.write_schema(APP_SCHEMA);
    let run = project.run(&db, &["push", "--dry-run"]);
    run.assert_code(0);
    assert!(run.stdout.contains("CREATE TABLE public.tasks"));
    assert_eq!(
        db.value("select count(*) from pg_class where relnamespace = 'public'::regnamespace")
            .await,
        "0"
    );
}

#[tokio::test]
async fn destructive_steps_are_refused_without_force_and_change_nothing() {
    let db = TestDb::new("push_refused").await;
    let project = Project::new();
    project.write_schema(
        r#"
[tables.notes.columns]
id = { type = "bigint", primary_key = true }
body = "text"
legacy = "text"

[tables.old_stuff.columns]
id = "integer"
"#,
    );
    project.run(&db, &["push"]).assert_code(0);
    db.exec(
        "insert into notes values (1, 'a', 'x'), (2, 'b', 'y'); insert into old_stuff values (1)",
    )
    .await;
    let before = db.dump();

    project.write_schema(
        r#"
[tables.notes.columns]
id = { type = "bigint", primary_key = true }
body = "varchar(1)"
added = "text"
"#,
    );
    let run = project.run(&db, &["push"]);
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("drops table old_stuff (old_stuff has 1 row(s))"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("drops column notes.legacy (notes has 2 row(s))"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("changes notes.body from text to character varying(1)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(db.dump(), before, "a refused push must change nothing");

    project.run(&db, &["push", "--force"]).assert_code(0);
    assert_eq!(
        db.value("select string_agg(body, ',' order by id) from notes")
            .await,
        "a,b"
    );
    assert_eq!(
        db.value("select count(*) from pg_class where relname = 'old_stuff'")
            .await,
        "0"
    );
    let again = project.run(&db, &["push"]);
    again.assert_no_changes();
}

#[tokio::test]
async fn rename_hints_keep_the_rows() {
    let db = TestDb::new("push_rename").await;
    let project = Project::new();
    project.write_schema(
        r#"
[tables.todo_items.columns]
id = { type = "integer", primary_key = true }
due_date = "timestamptz"
title = { type = "text", unique = true }
"#,
    );
    project.run(&db, &["push"]).assert_code(0);
    db.exec("insert into todo_items values (1, '2026-01-01', 'x'), (2, null, 'y')")
        .await;
    project.write_schema(
        r#"
[tables.tasks]
renamed_from = "todo_items"

[tables.tasks.columns]
id = { type = "integer", primary_key = true }
due = { type = "timestamptz", renamed_from = "due_date" }
title = { type = "text", unique = true }
"#,
    );
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(run.stdout.contains("RENAME TO tasks"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("DROP"),
        "a rename must not drop anything:\n{}",
        run.stdout
    );
    assert_eq!(
        db.value("select count(*) from tasks where due is not null")
            .await,
        "1"
    );
    // Names derived from the old table name follow it (PostgreSQL 18's NOT NULL
    // constraints too).
    let names = db
        .column("select conname from pg_constraint where conrelid = 'tasks'::regclass order by 1")
        .await;
    let mut expected = vec![];
    if db.server_major().await >= 18 {
        expected.push(Some("tasks_id_not_null".to_string()));
    }
    expected.push(Some("tasks_pkey".to_string()));
    expected.push(Some("tasks_title_key".to_string()));
    assert_eq!(names, expected);
    let again = project.run(&db, &["push"]);
    again.assert_no_changes();
}

#[tokio::test]
async fn a_failing_statement_rolls_everything_back_and_is_named() {
    let db = TestDb::new("push_rollback").await;
    let project = Project::new();
    project.write_schema("[tables.t.columns]\nid = \"integer\"\n");
    project.run(&db, &["push"]).assert_code(0);
    db.exec("insert into t values (1)").await;
    let before = db.dump();
    // A new table, then a NOT NULL column without default on a table with rows: fails.
    project.write_schema(
        "[tables.a_new_one.columns]\nx = \"integer\"\n\n[tables.t.columns]\nid = \"integer\"\nrequired = { type = \"text\", not_null = true }\n",
    );
    let run = project.run(&db, &["push"]);
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("ALTER TABLE public.t ADD COLUMN required text NOT NULL"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("rolled back"), "{}", run.stderr);
    assert_eq!(db.dump(), before);
}

#[tokio::test]
async fn the_migrations_table_is_never_touched() {
    let db = TestDb::new("push_keeps_migrations").await;
    db.exec("create table __migrations (id serial primary key, name text)")
        .await;
    let project = Project::new();
    project.write_schema(APP_SCHEMA);
    let run = project.run(&db, &["push", "--force"]);
    run.assert_code(0);
    assert!(!run.stdout.contains("__migrations"), "{}", run.stdout);
    assert_eq!(
        db.value("select count(*) from pg_class where relname = '__migrations'")
            .await,
        "1"
    );
}

#[tokio::test]
async fn a_malformed_schema_file_is_reported_before_touching_the_database() {
    let db = TestDb::new("push_malformed").await;
    let project = Project::new();
    project.write_schema(
        "[tables.t.columns]\nid = { type = \"integr\" }\nx = { type = \"text\", default = \"a\", default_sql = \"'a'\" }\n\n[tables.u.columns]\nt_id = { type = \"integer\", references = \"missing.id\" }\n",
    );
    let run = project.run(&db, &["push"]);
    run.assert_code(1);
    let err = &run.stderr;
    assert!(
        err.contains("schema.toml:2:"),
        "line of the unknown type:\n{err}"
    );
    assert!(err.contains("integr"), "{err}");
    assert!(
        err.contains("schema.toml:3:"),
        "line of default + default_sql:\n{err}"
    );
    assert!(
        err.contains("schema.toml:6:"),
        "line of the bad reference:\n{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        db.value("select count(*) from pg_class where relnamespace = 'public'::regnamespace")
            .await,
        "0"
    );
}

#[tokio::test]
async fn every_feature_settles_after_one_push() {
    let db = TestDb::new("push_features_settle").await;
    let project = Project::new();
    project.write_schema(
        r#"
[enums]
mood = ["calm", "busy"]

[tables.items]
unique = [["project", "title"]]
checks = { items_priority_range = "priority between 0 and 10", items_title_len = "length(title) > 0" }

[tables.items.columns]
id = { type = "bigint", primary_key = true, identity = "always" }
title = { type = "varchar(200)", not_null = true }
project = "text"
priority = { type = "int4", default = 0 }
ratio = { type = "numeric(5,2)", default = 1.5 }
status = { type = "text", default = "todo", check = "status in ('todo','done')" }
neg = { type = "integer", default = -1 }
tags = { type = "text[]", default_sql = "'{}'" }
meta = { type = "jsonb", default_sql = "'{}'::jsonb" }
flag = { type = "bool", default = false }
mood = { type = "mood", default = "calm" }
created = { type = "timestamptz", default_sql = "now()" }
day = { type = "date", default_sql = "current_date" }
title_lower = { type = "text", generated = "lower(title)" }
comment_me = { type = "text", comment = "a column comment" }

[tables.items.indexes]
items_project_idx = { columns = ["project"] }
items_tags_idx = { columns = ["tags"], using = "gin" }
items_open_idx = { columns = ["created"], where = "status <> 'done' and flag is false" }
items_title_uq = { columns = ["lower(title)"], unique = true }
items_created_idx = { columns = ["created DESC"], with = { fillfactor = 70, deduplicate_items = false } }

[tables.counters.columns]
id = "serial"
n = { type = "bigint", default_sql = "(1 + 2) * 3" }
"#,
    );
    push_settles(&project, &db);
}

/// A role that may hold only one connection still pushes: the second connection that
/// introspection reads on is refused by the server, and the read runs on the first.
#[tokio::test]
async fn push_with_a_one_connection_role_reads_on_one_connection() {
    let db = TestDb::new("push_one_connection_role").await;
    let role = "bdr_push_one_connection";
    db.exec(&format!(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') \
         THEN CREATE ROLE \"{role}\" LOGIN; END IF; END $$;
         ALTER ROLE \"{role}\" CONNECTION LIMIT 1;
         ALTER DATABASE \"{}\" OWNER TO \"{role}\";
         ALTER SCHEMA public OWNER TO \"{role}\";",
        db.name
    ))
    .await;
    let url = crate::harness::url_with_user(&db.url, role);
    let project = Project::new();
    project.write_schema(
        r#"
[tables.notes.columns]
id = { type = "integer", primary_key = true }
body = { type = "text" }

[tables.notes.indexes]
notes_body = { columns = ["body"] }

[views.long_notes]
query = "select id, body from notes where length(body) > 10"
"#,
    );
    project.run_with_url(&url, &["push"]).assert_code(0);
    project.run_with_url(&url, &["push"]).assert_no_changes();
    assert_eq!(
        db.value("SELECT count(*)::text FROM pg_views WHERE viewname = 'long_notes'")
            .await,
        "1"
    );
    assert_eq!(
        db.value("SELECT tableowner::text FROM pg_tables WHERE tablename = 'notes'")
            .await,
        role
    );
}

/// New bounds for an identity sequence that has never given a value: it still sits at
/// its old start, outside them, so push restarts it at the new start (as a fresh column
/// would be); a used one keeps its position (sqldef IdentitySequenceOptionsIgnored).
#[tokio::test]
async fn new_identity_bounds_restart_a_never_used_sequence_only() {
    let db = TestDb::new("identity_new_bounds").await;
    db.exec(
        "CREATE TABLE voltages (volt int GENERATED BY DEFAULT AS IDENTITY \
           (START WITH -200 INCREMENT BY 10 MINVALUE -200 MAXVALUE 200)); \
         CREATE TABLE used (n int GENERATED BY DEFAULT AS IDENTITY \
           (START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE 1000)); \
         INSERT INTO used DEFAULT VALUES",
    )
    .await;
    let project = Project::new();
    project.write_schema(
        "[tables.voltages.columns]\n\
         volt = { type = \"integer\", identity = { kind = \"by default\", start = -100, increment = 5, min_value = -100, max_value = 100 } }\n\
         [tables.used.columns]\n\
         n = { type = \"integer\", identity = { kind = \"by default\", start = 1, increment = 1, min_value = 1, max_value = 2000 } }\n",
    );
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("SET START WITH -100 SET CACHE 1 SET NO CYCLE RESTART"),
        "{}",
        run.stdout
    );
    project.run(&db, &["push"]).assert_no_changes();
    db.exec("INSERT INTO voltages DEFAULT VALUES; INSERT INTO used DEFAULT VALUES")
        .await;
    assert_eq!(
        db.value("SELECT (SELECT string_agg(volt::text, ',') FROM voltages) || ' ' || (SELECT string_agg(n::text, ',' ORDER BY n) FROM used)")
            .await,
        "-100 1,2"
    );
}
