//! `renamed_from`: a rename combined with a destructive step is refused with the row
//! counts of the live tables; a rename whose two names both exist (in the file, or in the
//! database) is an error that says which, instead of being ignored.

use crate::harness::{Project, TestDb};

const V1: &str = r#"
[enums]
mood = ["calm", "busy", "sad"]

[tables.a.columns]
id = { type = "integer", primary_key = true }
x = "text"
y = "text"
m = "mood"
"#;

async fn seeded(label: &str) -> (TestDb, Project) {
    let db = TestDb::new(label).await;
    let project = Project::new();
    project.write_schema(V1);
    project.run(&db, &["push"]).assert_code(0);
    db.exec(
        "insert into a values (1, 'p', 'q', 'calm'), (2, 'r', 's', 'busy'), (3, null, null, null)",
    )
    .await;
    (db, project)
}

/// The push is refused with exit 2, lists `expected` (hazards with row counts), and
/// changes nothing; --force then applies it and settles.
async fn refused_then_forced(db: &TestDb, project: &Project, expected: &[&str]) {
    let before = db.dump();
    let run = project.run(db, &["push"]);
    run.assert_code(2);
    for line in expected {
        assert!(
            run.stderr.contains(line),
            "missing {line:?} in:\n{}",
            run.stderr
        );
    }
    assert_eq!(db.dump(), before, "a refused push must change nothing");
    project.run(db, &["push", "--force"]).assert_code(0);
    project.run(db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn a_renamed_table_with_a_dropped_column_is_refused_with_row_counts() {
    let (db, project) = seeded("renames_table_drop_column").await;
    project.write_schema(
        &V1.replace(
            "[tables.a.columns]",
            "[tables.a2]\nrenamed_from = \"a\"\n[tables.a2.columns]",
        )
        .replace("y = \"text\"\n", ""),
    );
    refused_then_forced(&db, &project, &["drops column a2.y (a2 has 3 row(s))"]).await;
    assert_eq!(db.value("select count(*) from a2").await, "3");
}

#[tokio::test]
async fn renamed_columns_tables_and_enums_with_destructive_steps_are_refused_with_row_counts() {
    let (db, project) = seeded("renames_all_destructive").await;
    project.write_schema(
        r#"
[enums]
feeling = { values = ["calm", "busy"], renamed_from = "mood" }

[tables.b]
renamed_from = "a"

[tables.b.columns]
id = { type = "integer", primary_key = true }
x2 = { type = "varchar(1)", renamed_from = "x" }
m = "feeling"
"#,
    );
    refused_then_forced(
        &db,
        &project,
        &[
            "drops column b.y (b has 3 row(s))",
            "changes b.x2 from text to character varying(1), which may fail or lose data (b has 3 row(s))",
            "removes value(s) sad from enum feeling (b has 3 row(s))",
        ],
    )
    .await;
    assert_eq!(
        db.value("select string_agg(id || ':' || coalesce(x2, '-') || ':' || coalesce(m::text, '-'), ' ' order by id) from b")
            .await,
        "1:p:calm 2:r:busy 3:-:-"
    );
}

#[tokio::test]
async fn a_renamed_enum_can_gain_values() {
    let (db, project) = seeded("renames_enum_add_value").await;
    project.write_schema(&V1.replace(
        "mood = [\"calm\", \"busy\", \"sad\"]",
        "feeling = { values = [\"calm\", \"busy\", \"sad\", \"happy\"], renamed_from = \"mood\" }",
    ).replace("\nm = \"mood\"", "\nm = \"feeling\""));
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        db.value("select string_agg(enumlabel, ',' order by enumsortorder) from pg_enum where enumtypid = 'feeling'::regtype")
            .await,
        "calm,busy,sad,happy"
    );
}

#[tokio::test]
async fn a_file_declaring_both_names_of_a_rename_is_rejected_where_it_says_so() {
    let (db, project) = seeded("renames_both_in_file").await;
    let before = db.dump();
    project.write_schema(&format!(
        "{V1}\n[tables.a2]\nrenamed_from = \"a\"\n[tables.a2.columns]\nid = \"integer\"\n"
    ));
    let run = project.run(&db, &["push", "--force"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains(
            "schema.toml:12:16: table a2 is renamed from a, but this file also declares table a"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(db.dump(), before);
}

#[tokio::test]
async fn a_rename_whose_two_names_both_exist_live_is_an_error() {
    let (db, project) = seeded("renames_both_live").await;
    db.exec("create table a2 (id integer); alter table a add column x2 text; create type feeling as enum ('calm')")
        .await;
    let before = db.dump();
    let cases = [
        (
            V1.replace(
                "[tables.a.columns]",
                "[tables.a2]\nrenamed_from = \"a\"\n[tables.a2.columns]",
            ),
            "table a2 is renamed from a (`renamed_from`), but the database has both a and a2",
        ),
        (
            V1.replace(
                "x = \"text\"",
                "x2 = { type = \"text\", renamed_from = \"x\" }",
            ),
            "column a.x2 is renamed from a.x (`renamed_from`), but the database has both a.x and a.x2",
        ),
        (
            V1.replace(
                "mood = [\"calm\", \"busy\", \"sad\"]",
                "feeling = { values = [\"calm\", \"busy\", \"sad\"], renamed_from = \"mood\" }",
            )
            .replace("\nm = \"mood\"", "\nm = \"feeling\""),
            "enum feeling is renamed from mood (`renamed_from`), but the database has both mood and feeling",
        ),
    ];
    for (schema, message) in cases {
        project.write_schema(&schema);
        for args in [&["push", "--force"][..], &["push", "--dry-run"]] {
            let run = project.run(&db, args);
            run.assert_code(1);
            assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
            assert!(
                run.stderr.contains("hint: remove `renamed_from`"),
                "{}",
                run.stderr
            );
        }
    }
    assert_eq!(db.dump(), before);
}
