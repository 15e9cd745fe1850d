//! Types that extensions (or hand-written DDL) provide, written schema-qualified in
//! schema.toml (`public.citext`): the qualification is kept everywhere SQL is rendered
//! and pulled, so that the SQL does not depend on the session's search_path.

use crate::harness::{Project, TestDb};

const SCHEMA: &str = r#"
[tables.users.columns]
id = { type = "integer", primary_key = true }
email = { type = "public.citext", not_null = true }
aliases = "public.citext[]"
age = "public.adult_age"

[domains.adult_age]
type = "integer"
checks = { adult_age_check = "VALUE >= 18" }
"#;

/// What a database needs before the file can be pushed: the extension, which the file
/// does not manage (it has no `extensions` key).
const PREREQUISITES: &str = "CREATE EXTENSION citext;";

fn migration_sql(project: &Project) -> String {
    let dir = project.path().join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn qualified_extension_types_stay_qualified_in_generated_pushed_and_pulled_sql() {
    let db = TestDb::new("ext_types_qualified").await;
    db.exec(PREREQUISITES).await;
    let project = Project::new();
    project.write_schema(SCHEMA);

    // generate: the file names the types as schema.toml does, and runs under a session
    // whose search_path does not hold public.
    let scratch = TestDb::new("ext_types_qualified_scratch").await;
    project.run(&scratch, &["generate"]).assert_code(0);
    let sql = migration_sql(&project);
    for wanted in [
        "email public.citext NOT NULL",
        "aliases public.citext[]",
        "age public.adult_age",
    ] {
        assert!(sql.contains(wanted), "{wanted:?} missing from:\n{sql}");
    }
    let replay = TestDb::new("ext_types_qualified_replay").await;
    replay.exec(PREREQUISITES).await;
    replay
        .exec(&format!("SET search_path = pg_catalog;\n{sql}"))
        .await;
    assert_eq!(
        replay
            .value(
                "SELECT string_agg(format_type(atttypid, atttypmod), ', ' ORDER BY attnum) \
                 FROM pg_attribute WHERE attrelid = 'public.users'::regclass AND attnum > 0"
            )
            .await,
        "integer, citext, citext[], adult_age"
    );

    // push: the plan says public.citext, applies, and settles.
    let dry = project.run(&db, &["push", "--dry-run"]);
    dry.assert_code(0);
    assert!(
        dry.stdout.contains("email public.citext NOT NULL")
            && dry.stdout.contains("aliases public.citext[]"),
        "{}",
        dry.stdout
    );
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();

    // pull writes the qualified names back, and the pulled file is a no-op push.
    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    for wanted in [
        r#"type = "public.citext""#,
        r#"aliases = "public.citext[]""#,
        r#"age = "public.adult_age""#,
    ] {
        assert!(
            pulled.stdout.contains(wanted),
            "{wanted}:\n{}",
            pulled.stdout
        );
    }
    project.write_schema(&pulled.stdout);
    project.run(&db, &["push"]).assert_no_changes();
    // generate after the migration that made it: only the extension, which the pulled
    // file now manages (pull writes `extensions`), is new.
    assert!(
        pulled
            .stdout
            .starts_with("drop_other_schemas = true\n\nextensions = [\"citext\"]\n"),
        "{}",
        pulled.stdout
    );
    let again = project.run(&scratch, &["generate"]);
    again.assert_code(0);
    assert_eq!(
        again.stdout.trim(),
        "wrote migrations/0002_create_extension_citext.sql (1 statement(s))",
        "{}",
        again.stderr
    );
    let again = project.run(&scratch, &["generate"]);
    assert_eq!(again.stdout.trim(), "no changes", "{}", again.stderr);
}

#[tokio::test]
async fn a_changed_extension_type_is_altered_with_its_qualification() {
    let db = TestDb::new("ext_types_altered").await;
    db.exec(PREREQUISITES).await;
    db.exec("CREATE TABLE users (id integer PRIMARY KEY, email text)")
        .await;
    let project = Project::new();
    project.write_schema(
        r#"
[tables.users.columns]
id = { type = "integer", primary_key = true }
email = "public.citext"
"#,
    );
    let dry = project.run(&db, &["push", "--dry-run"]);
    dry.assert_code(0);
    assert!(
        dry.stdout
            .contains("ALTER COLUMN email TYPE public.citext USING email::public.citext"),
        "{}",
        dry.stdout
    );
    project.run(&db, &["push", "--force"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        db.value(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
             WHERE attrelid = 'public.users'::regclass AND attname = 'email'"
        )
        .await,
        "citext"
    );
}
