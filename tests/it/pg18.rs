//! What PostgreSQL 18 changed in the catalog: named NOT NULL constraints (which keep
//! the old table's and column's names through renames) and virtual generated columns.
//! Each test runs on every major: on 18 it checks the behaviour, before 18 what the
//! server has instead (no NOT NULL constraints) or the refusal (`virtual = true`).

use crate::harness::{Project, TestDb, assert_same_schema};

const BEFORE: &str = r#"
[tables.todo.columns]
id = { type = "integer", primary_key = true }
title = { type = "text", not_null = true }
note = "text"
"#;

const AFTER: &str = r#"
[tables.tasks]
renamed_from = "todo"
[tables.tasks.columns]
id = { type = "integer", primary_key = true }
headline = { type = "text", not_null = true, renamed_from = "title" }
note = "text"
"#;

/// After the renames, a new table takes the old name (whose NOT NULL constraints get the
/// names the renames freed).
const LAST: &str = r#"
[tables.tasks.columns]
id = { type = "integer", primary_key = true }
headline = { type = "text", not_null = true }
note = "text"

[tables.todo.columns]
id = { type = "integer", primary_key = true }
done = { type = "boolean", not_null = true }
"#;

/// `table: constraint` for every NOT NULL constraint of the public schema, sorted.
async fn not_null_constraints(db: &TestDb) -> Vec<String> {
    db.column(
        "select conrelid::regclass || ': ' || conname from pg_constraint \
         where contype = 'n' and connamespace = 'public'::regnamespace order by 1",
    )
    .await
    .into_iter()
    .flatten()
    .collect()
}

/// On 18 the constraints a table and column rename leaves under the old names are
/// renamed to the names a fresh push gives, and the freed name goes to the new `todo`;
/// before 18 the server has no NOT NULL constraints. Either way the result is a fresh
/// push of the final file, and pushing again changes nothing.
#[tokio::test]
async fn not_null_names_follow_table_and_column_renames() {
    let db = TestDb::new("pg18_not_null_renames").await;
    let fresh = TestDb::new("pg18_not_null_renames_fresh").await;
    let project = Project::new();
    project.write_schema(BEFORE);
    project.run(&db, &["push"]).assert_code(0);
    project.write_schema(AFTER);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        !run.stderr.contains("warning: the server is PostgreSQL"),
        "a supported major gets no warning:\n{}",
        run.stderr
    );
    project.run(&db, &["push"]).assert_no_changes();
    project.write_schema(LAST);
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    project.run(&fresh, &["push"]).assert_code(0);
    assert_same_schema(&fresh, &db, LAST);

    let names = not_null_constraints(&db).await;
    if db.server_major().await >= 18 {
        assert_eq!(
            names,
            [
                "tasks: tasks_headline_not_null",
                "tasks: tasks_id_not_null",
                "todo: todo_done_not_null",
                "todo: todo_id_not_null",
            ],
            "{}",
            run.stdout
        );
    } else {
        assert!(names.is_empty(), "{names:?}");
        assert!(!run.stdout.contains("_not_null"), "{}", run.stdout);
    }
}

/// The same through generate + migrate: the migration renames the constraints only
/// where the server has them, so the one file serves every major.
#[tokio::test]
async fn generated_migrations_rename_not_null_constraints_on_every_major() {
    let dev = TestDb::new("pg18_not_null_generate_dev").await;
    let migrated = TestDb::new("pg18_not_null_generate_migrated").await;
    let fresh = TestDb::new("pg18_not_null_generate_fresh").await;
    let project = Project::new();
    project.write_schema(BEFORE);
    project.run(&dev, &["generate"]).assert_code(0);
    project.write_schema(AFTER);
    project
        .run(&dev, &["generate", "--name", "renames"])
        .assert_code(0);
    project.run(&migrated, &["migrate"]).assert_code(0);
    migrated.exec("drop table __migrations").await;
    project.run(&fresh, &["push"]).assert_code(0);
    assert_same_schema(&fresh, &migrated, AFTER);
    if migrated.server_major().await >= 18 {
        assert!(
            not_null_constraints(&migrated)
                .await
                .contains(&"tasks: tasks_headline_not_null".to_string())
        );
    } else {
        assert!(not_null_constraints(&migrated).await.is_empty());
    }
}

const VIRTUAL: &str = r#"
[tables.lines.columns]
id = { type = "integer", primary_key = true }
price = { type = "numeric", not_null = true }
qty = { type = "integer", not_null = true }
total = { type = "numeric", generated = "price * qty", virtual = true }
"#;

/// `attgenerated` of lines.total.
async fn generation_kind(db: &TestDb) -> String {
    db.value(
        "select attgenerated::text from pg_attribute \
         where attrelid = 'lines'::regclass and attname = 'total'",
    )
    .await
}

/// `virtual = true`: on 18 a VIRTUAL column that settles, pulls back with the key, and
/// turns STORED (recreated) when the key goes; before 18 the push is refused with the
/// reason and the column named, and nothing is created.
#[tokio::test]
async fn virtual_generated_columns_on_18_and_a_clear_refusal_before() {
    let db = TestDb::new("pg18_virtual_columns").await;
    let project = Project::new();
    project.write_schema(VIRTUAL);
    let run = project.run(&db, &["push"]);
    if db.server_major().await < 18 {
        run.assert_code(1);
        assert!(
            run.stderr
                .contains("virtual generated columns (`virtual = true`) need PostgreSQL 18")
                && run.stderr.contains("lines.total"),
            "{}",
            run.stderr
        );
        assert_eq!(
            db.value("select count(*) from pg_class where relname = 'lines'")
                .await,
            "0"
        );
        return;
    }
    run.assert_code(0);
    assert!(run.stdout.contains("VIRTUAL"), "{}", run.stdout);
    assert_eq!(generation_kind(&db).await, "v");
    db.exec("insert into lines values (1, 2.5, 4)").await;
    assert_eq!(db.value("select total from lines").await, "10.0");
    project.run(&db, &["push"]).assert_no_changes();

    let pulled = Project::new();
    let run = pulled.run(&db, &["pull", "--out", "schema.toml"]);
    run.assert_code(0);
    let text = std::fs::read_to_string(pulled.schema_path()).unwrap();
    assert!(text.contains("virtual = true"), "{text}");
    pulled.run(&db, &["push"]).assert_no_changes();

    project.write_schema(&VIRTUAL.replace(", virtual = true", ""));
    project.run(&db, &["push", "--force"]).assert_code(0);
    assert_eq!(generation_kind(&db).await, "s");
    assert_eq!(db.value("select total from lines").await, "10.0");
    project.run(&db, &["push"]).assert_no_changes();
}

/// A virtual column made by hand (the default kind on 18 when neither is written) is
/// read as virtual, not as stored.
#[tokio::test]
async fn a_hand_made_virtual_column_is_pulled_as_virtual() {
    let db = TestDb::new("pg18_virtual_pull").await;
    if db.server_major().await < 18 {
        // Before 18 the kind must be written and only STORED exists.
        let message = db
            .error_of("create table t (a int, b int generated always as (a * 2))")
            .await;
        assert!(message.contains("syntax error"), "{message}");
        return;
    }
    db.exec("create table t (a int, b int generated always as (a * 2))")
        .await;
    let project = Project::new();
    project
        .run(&db, &["pull", "--out", "schema.toml"])
        .assert_code(0);
    let text = std::fs::read_to_string(project.schema_path()).unwrap();
    assert!(text.contains("virtual = true"), "{text}");
    project.run(&db, &["push"]).assert_no_changes();
}
