//! `generate` (offline, from the snapshot) and `check`: a series of schema changes, each
//! generated, migrates to the same database as a push of the final schema.

use crate::harness::{Project, TestDb};

const V1: &str = r#"
[enums]
mood = ["calm", "busy"]

[tables.tasks.columns]
id = { type = "uuid", primary_key = true, default_sql = "gen_random_uuid()" }
title = { type = "text", not_null = true }
status = { type = "text", default = "todo", check = "status in ('todo', 'done')" }
mood = "mood"

[tables.notes.columns]
id = { type = "integer", primary_key = true }
body = "text"
"#;

const V2: &str = r#"
[enums]
mood = ["calm", "busy", "tired"]

[tables.tasks.columns]
id = { type = "uuid", primary_key = true, default_sql = "gen_random_uuid()" }
title = { type = "text", not_null = true }
status = { type = "text", default = "todo", check = "status in ('todo', 'done')" }
mood = { type = "mood", default = "tired" }
priority = { type = "integer", default = 0 }

[tables.tasks.indexes]
tasks_title_idx = { columns = ["lower(title)"] }

[tables.notes.columns]
id = { type = "integer", primary_key = true }
body = "text"
"#;

const V3: &str = r#"
[enums]
mood = ["calm", "busy", "tired"]

[tables.tasks.columns]
id = { type = "uuid", primary_key = true, default_sql = "gen_random_uuid()" }
headline = { type = "text", not_null = true, renamed_from = "title" }
status = { type = "text", default = "todo", check = "status in ('todo', 'done')" }
mood = { type = "mood", default = "tired" }
priority = { type = "bigint", default = 0 }

[tables.tasks.indexes]
tasks_title_idx = { columns = ["lower(headline)"] }
"#;

fn migration_files(project: &Project) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(project.path().join("migrations"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn generated_series_migrates_like_a_push_of_the_final_schema() {
    let migrated = TestDb::new("generate_series_migrated").await;
    let pushed = TestDb::new("generate_series_pushed").await;
    let dev = TestDb::new("generate_series_dev").await;
    let project = Project::new();

    project.write_schema(V1);
    let run = project.run(&dev, &["generate"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("wrote migrations/0001_init.sql"),
        "{}",
        run.stdout
    );
    project.run(&dev, &["generate"]).assert_code(0);
    assert_eq!(project.run(&dev, &["generate"]).stdout.trim(), "no changes");

    // The trap: the developer pushes v2 onto the dev database first, then generates.
    // The starting state comes from the snapshot, not the database, so the file is right.
    project.run(&dev, &["migrate"]).assert_code(0);
    project.write_schema(V2);
    project.run(&dev, &["push"]).assert_code(0);
    let run = project.run(&dev, &["generate", "--name", "v2"]);
    run.assert_code(0);
    // A new enum value is committed in a file of its own before it is used as a default.
    assert_eq!(
        migration_files(&project),
        ["0001_init.sql", "0002_v2_enum_values.sql", "0003_v2.sql"]
    );
    let v2 = std::fs::read_to_string(project.path().join("migrations/0003_v2.sql")).unwrap();
    assert!(v2.contains("ADD COLUMN priority"), "{v2}");
    assert!(v2.contains("lower(title)"), "{v2}");

    project.write_schema(V3);
    let run = project.run(&dev, &["generate"]);
    run.assert_code(0);
    assert!(run.stdout.contains("destructive"), "{}", run.stdout);
    let newest = migration_files(&project).pop().unwrap();
    assert!(newest.starts_with("0004_"), "{newest}");
    let v3 = std::fs::read_to_string(project.path().join("migrations").join(&newest)).unwrap();
    assert!(v3.contains("-- destructive: drops table notes"), "{v3}");
    assert!(v3.contains("RENAME COLUMN title TO headline"), "{v3}");
    assert_eq!(project.run(&dev, &["generate"]).stdout.trim(), "no changes");

    // Migrate the series into an empty database; push the final schema into another.
    project.run(&migrated, &["migrate"]).assert_code(0);
    project.run(&migrated, &["status"]).assert_code(0);
    project.run(&pushed, &["push", "--force"]).assert_code(0);
    migrated.exec("drop table __migrations").await;
    assert_eq!(migrated.dump(), pushed.dump());

    // check: replays into a scratch database and compares with schema.toml.
    let check = project.run(&migrated, &["check"]);
    check.assert_code(0);
    assert!(
        check
            .stdout
            .contains("ok: 4 migration(s) replay to exactly schema.toml"),
        "{}",
        check.stdout
    );
    project.write_schema(&V3.replace(
        "priority = { type = \"bigint\", default = 0 }",
        "priority = { type = \"bigint\", default = 0 }\nextra = \"text\"",
    ));
    let check = project.run(&migrated, &["check"]);
    check.assert_code(2);
    assert!(
        check.stdout.contains("ADD COLUMN extra"),
        "{}",
        check.stdout
    );
    assert_eq!(
        migrated
            .value("select count(*)::text from pg_database where datname like 'brain_db_scratch_%'")
            .await,
        "0",
        "check drops its scratch database"
    );
}

#[tokio::test]
async fn generate_empty_writes_a_file_for_hand_written_sql_in_the_sum() {
    let server = TestDb::new("generate_empty_server").await;
    let project = Project::new();
    project.write_schema("[tables.t.columns]\nid = \"integer\"\n");
    project.run(&server, &["generate"]).assert_code(0);
    let run = project.run_offline(&["generate", "--empty", "--name", "backfill"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("migrations/0002_backfill.sql"),
        "{}",
        run.stdout
    );
    let sum = std::fs::read_to_string(project.path().join("migrations/brain-db.sum")).unwrap();
    assert!(sum.contains("0002_backfill.sql "), "{sum}");
    assert!(sum.starts_with("total "), "{sum}");
    let bad = project.run_offline(&["generate", "--name", "no spaces"]);
    bad.assert_code(1);
}

#[tokio::test]
async fn generate_without_a_snapshot_beside_hand_written_migrations_says_how_to_make_one() {
    let project = Project::new();
    project.write_schema("[tables.t.columns]\nid = \"integer\"\n");
    crate::migrate::write_migration(&project, "0001_by_hand.sql", "create table t (id int);");
    let run = project.run_offline(&["generate"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("no meta/snapshot.toml"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("brain-db pull --out migrations/meta/snapshot.toml"),
        "{}",
        run.stderr
    );
    assert_eq!(migration_files(&project), ["0001_by_hand.sql"]);
}

#[tokio::test]
async fn check_reports_a_migration_that_fails_to_replay() {
    let db = TestDb::new("check_failing_replay").await;
    let project = Project::new();
    project.write_schema("[tables.t.columns]\nid = \"integer\"\n");
    crate::migrate::write_migration(
        &project,
        "0001_t.sql",
        "create table t (id int);\nselect 1/0;\n",
    );
    let run = project.run(&db, &["check"]);
    run.assert_code(2);
    assert!(
        run.stdout.contains("0001_t.sql failed at line 2"),
        "{}",
        run.stdout
    );
    // The target database was not touched.
    assert_eq!(
        db.value("select (to_regclass('public.__migrations') is null)::text")
            .await,
        "true"
    );
}
