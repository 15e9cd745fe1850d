//! Schemas: a file with `drop_other_schemas = true` (which pull writes) describes the
//! whole database, so push drops the user schemas it neither lists nor uses, after what
//! they hold (a table's data only with `--force`); without the key, other schemas are
//! never read or changed.

use crate::harness::{Project, TestDb};

async fn schemas(db: &TestDb) -> String {
    db.value(
        "SELECT string_agg(nspname, ' ' ORDER BY nspname) FROM pg_namespace \
         WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'",
    )
    .await
}

const OTHERS: &str = "CREATE SCHEMA gone; CREATE SCHEMA empty_one; \
    CREATE TABLE gone.t (id int PRIMARY KEY, note text); INSERT INTO gone.t VALUES (1, 'x'); \
    CREATE DOMAIN gone.positive AS integer CHECK (VALUE > 0); \
    CREATE FUNCTION gone.twice(i integer) RETURNS integer LANGUAGE sql AS 'select 2 * i'; \
    CREATE VIEW gone.v AS SELECT id FROM gone.t; \
    CREATE EXTENSION citext SCHEMA gone; \
    CREATE TABLE public.kept (id int, n gone.positive)";

#[tokio::test]
async fn a_pulled_file_drops_the_schemas_the_pulled_database_does_not_have() {
    let desired = TestDb::new("schemas_desired").await;
    desired
        .exec("CREATE SCHEMA audit; CREATE TABLE audit.log (id int); CREATE TABLE public.kept (id int)")
        .await;
    let target = TestDb::new("schemas_target").await;
    target.exec(OTHERS).await;
    let project = Project::new();
    let pulled = project.run(&desired, &["pull"]);
    pulled.assert_code(0);
    assert!(
        pulled.stdout.starts_with("drop_other_schemas = true\n"),
        "{}",
        pulled.stdout
    );
    project.write_schema(&pulled.stdout);

    // gone.t holds a row: refused without --force, and nothing changed.
    let run = project.run(&target, &["push"]);
    run.assert_code(2);
    assert!(run.stderr.contains("gone.t"), "{}", run.stderr);
    assert_eq!(schemas(&target).await, "empty_one gone public");

    let run = project.run(&target, &["push", "--force"]);
    run.assert_code(0);
    let sql = &run.stdout;
    // The schema's objects first (the column of its domain too), the schemas last.
    for stmt in [
        "DROP VIEW gone.v",
        "DROP TABLE gone.t",
        "DROP EXTENSION citext",
    ] {
        assert!(
            sql.find(stmt).unwrap() < sql.find("DROP SCHEMA gone").unwrap(),
            "{stmt}: {sql}"
        );
    }
    assert!(sql.contains("DROP SCHEMA empty_one"), "{sql}");
    assert_eq!(schemas(&target).await, "audit public");
    project
        .run(&target, &["push", "--force"])
        .assert_no_changes();
    assert_eq!(target.dump(), desired.dump());
}

#[tokio::test]
async fn without_the_key_other_schemas_are_left_alone() {
    let target = TestDb::new("schemas_left_alone").await;
    target.exec(OTHERS).await;
    let project = Project::new();
    project.write_schema("[tables.kept.columns]\nid = \"integer\"\nn = \"gone.positive\"\n");
    let run = project.run(&target, &["push", "--force"]);
    assert!(!run.stdout.contains("DROP"), "{}", run.stdout);
    assert_eq!(schemas(&target).await, "empty_one gone public");
    assert_eq!(target.value("SELECT count(*)::text FROM gone.t").await, "1");
}

#[tokio::test]
async fn drop_other_schemas_must_be_a_boolean() {
    let db = TestDb::new("schemas_malformed").await;
    let project = Project::new();
    project.write_schema("drop_other_schemas = \"yes\"\n");
    let run = project.run(&db, &["push"]);
    run.assert_code(1);
    assert!(run.stderr.contains("schema.toml:1:22"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("drop_other_schemas must be true or false"),
        "{}",
        run.stderr
    );
}
