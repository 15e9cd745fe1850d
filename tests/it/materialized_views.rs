//! Materialized views: created with their indexes (populated or not), rebuilt when
//! their query or something under them changes (the plan counts the rows recomputed),
//! refreshed when `with_data` changes, dropped when undeclared; pulled back; generated
//! migrations equal to push.

use crate::harness::{Project, TestDb, assert_same_schema};

const BASE: &str = r#"
[tables.tasks.columns]
id = { type = "integer", primary_key = true }
status = { type = "text", not_null = true }
points = "integer"
"#;

const MATVIEWS: &str = r#"
[materialized_views.task_counts]
query = "select status, count(*) as n, sum(points) as points from tasks group by status"
comment = "per status"

[materialized_views.task_counts.indexes]
task_counts_status = { columns = ["status"], unique = true }
task_counts_big = { columns = ["n"], where = "n > 10" }

[materialized_views.empty_until_refreshed]
query = "select id from tasks"
with_data = false

[views.busy_statuses]
query = "select status from task_counts where n > 1"
"#;

fn schema(extra: &str) -> String {
    format!("{BASE}\n{extra}")
}

async fn oid(db: &TestDb, relation: &str) -> String {
    db.value(&format!("select '{relation}'::regclass::oid::text"))
        .await
}

#[tokio::test]
async fn materialized_views_are_created_with_indexes_and_settle() {
    let db = TestDb::new("matviews_create").await;
    db.exec("create table tasks (id integer primary key, status text not null, points integer); insert into tasks values (1, 'todo', 3), (2, 'todo', 4), (3, 'done', 1)").await;
    let project = Project::new();
    project.write_schema(&schema(MATVIEWS));
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        db.value("select n::text from task_counts where status = 'todo'")
            .await,
        "2"
    );
    assert_eq!(db.value("select status from busy_statuses").await, "todo");
    assert_eq!(
        db.value("select relispopulated::text from pg_class where oid = 'empty_until_refreshed'::regclass").await,
        "false"
    );
    assert_eq!(
        db.value("select string_agg(indexname, ',' order by indexname) from pg_indexes where tablename = 'task_counts'").await,
        "task_counts_big,task_counts_status"
    );
    assert_eq!(
        db.value("select obj_description('task_counts'::regclass, 'pg_class')")
            .await,
        "per status"
    );

    // Pulled back, it pushes as no change, and builds the same schema from nothing.
    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    assert!(
        pulled
            .stdout
            .contains("[materialized_views.task_counts.indexes]"),
        "{}",
        pulled.stdout
    );
    assert!(
        pulled.stdout.contains("with_data = false"),
        "{}",
        pulled.stdout
    );
    let again = Project::new();
    again.write_schema(&pulled.stdout);
    again.run(&db, &["push"]).assert_no_changes();
    let fresh = TestDb::new("matviews_create_fresh").await;
    again.run(&fresh, &["push"]).assert_code(0);
    again.run(&fresh, &["push"]).assert_no_changes();
    assert_same_schema(&db, &fresh, &pulled.stdout);
}

#[tokio::test]
async fn a_changed_query_rebuilds_it_and_says_how_many_rows_are_recomputed() {
    let db = TestDb::new("matviews_rebuild").await;
    let project = Project::new();
    project.write_schema(&schema(MATVIEWS));
    project.run(&db, &["push"]).assert_code(0);
    db.exec("insert into tasks values (1, 'todo', 3), (2, 'todo', 4), (3, 'done', 1); refresh materialized view task_counts").await;
    project.write_schema(&schema(
        &MATVIEWS.replace("sum(points) as points", "max(points) as points"),
    ));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("-- note: drops materialized view task_counts and creates it again: its new query cannot replace the old one in place; its rows are recomputed (2 row(s))"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "drops view busy_statuses and creates it again: it reads materialized view task_counts"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("CREATE UNIQUE INDEX task_counts_status ON public.task_counts"),
        "{}",
        run.stdout
    );
    assert_eq!(
        db.value("select points::text from task_counts where status = 'todo'")
            .await,
        "4"
    );
    assert_eq!(db.value("select status from busy_statuses").await, "todo");
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn a_column_type_change_under_an_indexed_materialized_view_rebuilds_it() {
    let db = TestDb::new("matviews_column_type").await;
    let project = Project::new();
    project.write_schema(&schema(MATVIEWS));
    project.run(&db, &["push"]).assert_code(0);
    db.exec("insert into tasks values (1, 'todo', 3); refresh materialized view task_counts")
        .await;
    project.write_schema(&schema(MATVIEWS).replace("points = \"integer\"", "points = \"bigint\""));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("drops materialized view task_counts and creates it again: the type of tasks.points changes from integer to bigint; its rows are recomputed (1 row(s))"),
        "{}",
        run.stdout
    );
    assert_eq!(
        db.value("select string_agg(indexname, ',' order by indexname) from pg_indexes where tablename = 'task_counts'").await,
        "task_counts_big,task_counts_status"
    );
    assert_eq!(db.value("select points::text from task_counts").await, "3");
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn with_data_refreshes_and_indexes_change_in_place() {
    let db = TestDb::new("matviews_refresh").await;
    let project = Project::new();
    project.write_schema(&schema(MATVIEWS));
    project.run(&db, &["push"]).assert_code(0);
    let before = oid(&db, "task_counts").await;
    let changed = MATVIEWS.replace("with_data = false", "").replace(
        "task_counts_big = { columns = [\"n\"], where = \"n > 10\" }",
        "task_counts_points = { columns = [\"points\"] }",
    );
    project.write_schema(&schema(&changed));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("REFRESH MATERIALIZED VIEW public.empty_until_refreshed;"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("DROP INDEX public.task_counts_big"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("CREATE INDEX task_counts_points ON public.task_counts"),
        "{}",
        run.stdout
    );
    assert_eq!(oid(&db, "task_counts").await, before);
    assert_eq!(
        db.value("select relispopulated::text from pg_class where oid = 'empty_until_refreshed'::regclass").await,
        "true"
    );
    project.run(&db, &["push"]).assert_no_changes();
    project.write_schema(&schema(MATVIEWS));
    let run = project.run(&db, &["push"]);
    assert!(
        run.stdout
            .contains("REFRESH MATERIALIZED VIEW public.empty_until_refreshed WITH NO DATA"),
        "{}",
        run.stdout
    );
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn undeclared_and_renamed_materialized_views() {
    let db = TestDb::new("matviews_undeclared").await;
    let project = Project::new();
    project.write_schema(&schema(MATVIEWS));
    project.run(&db, &["push"]).assert_code(0);
    db.exec("insert into tasks values (1, 'todo', 3); refresh materialized view task_counts")
        .await;
    let before = oid(&db, "task_counts").await;
    let renamed = MATVIEWS
        .replace("[materialized_views.task_counts]", "[materialized_views.status_counts]\nrenamed_from = \"task_counts\"")
        .replace("[materialized_views.task_counts.indexes]", "[materialized_views.status_counts.indexes]")
        .replace("from task_counts", "from status_counts")
        .replace("[materialized_views.empty_until_refreshed]\nquery = \"select id from tasks\"\nwith_data = false\n", "");
    project.write_schema(&schema(&renamed));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("ALTER MATERIALIZED VIEW public.task_counts RENAME TO status_counts"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("-- note: drops materialized view empty_until_refreshed, which schema.toml does not declare"),
        "{}",
        run.stdout
    );
    assert_eq!(oid(&db, "status_counts").await, before);
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn generate_and_migrate_build_what_push_builds() {
    let migrated = TestDb::with_own_role("matviews_generate_migrated").await;
    let pushed = TestDb::new("matviews_generate_pushed").await;
    let dev = TestDb::new("matviews_generate_dev").await;
    let project = Project::new();
    for step in [
        schema(MATVIEWS),
        schema(&MATVIEWS.replace("sum(points) as points", "max(points) as points")),
        schema(MATVIEWS).replace("points = \"integer\"", "points = \"bigint\""),
    ] {
        project.write_schema(&step);
        project.run(&dev, &["generate"]).assert_code(0);
        assert_eq!(project.run(&dev, &["generate"]).stdout.trim(), "no changes");
    }
    project.run(&migrated, &["migrate"]).assert_code(0);
    project.run(&migrated, &["push"]).assert_no_changes();
    project.run(&pushed, &["push", "--force"]).assert_code(0);
    project.run(&dev, &["check"]).assert_code(0);
    migrated.exec("drop table __migrations").await;
    assert_same_schema(&pushed, &migrated, "generate + migrate vs push");
}
