//! Triggers: created, changed (dropped and created again), dropped when undeclared,
//! compared through the server (`WHEN` as `pg_get_triggerdef` prints it), pulled back;
//! internal and constraint triggers are never touched.

use crate::harness::{Project, TestDb, assert_same_schema};

const SCHEMA: &str = r#"
[tables.tasks.columns]
id = { type = "bigint", identity = "always", primary_key = true }
title = { type = "text", not_null = true }
status = { type = "text", not_null = true, default = "todo" }
updated_at = { type = "timestamptz", default_sql = "now()" }

[tables.audit_log.columns]
id = { type = "bigint", identity = "always", primary_key = true }
what = "text"
tag = "text"

[tables.notes.columns]
id = { type = "bigint", primary_key = true }
task_id = { type = "bigint", references = "tasks.id" }

[functions.log_change]
returns = "trigger"
language = "plpgsql"
body = """
begin
  insert into audit_log (what, tag) values (tg_op, tg_argv[0]);
  return null;
end"""

[tables.tasks.triggers.tasks_status_changed]
timing = "after"
events = ["update", "insert"]
columns = ["status"]
when = "new.status IS DISTINCT FROM 'todo'"
function = "log_change"
args = ["status's"]
comment = "logs status changes"

[tables.tasks.triggers.tasks_truncated]
timing = "after"
events = ["truncate"]
for_each = "statement"
function = "log_change"
args = ["truncate"]
"#;

#[tokio::test]
async fn triggers_are_created_fire_and_settle() {
    let db = TestDb::new("trg_create").await;
    let project = Project::new();
    project.write_schema(SCHEMA);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains(
            "CREATE TRIGGER tasks_status_changed AFTER INSERT OR UPDATE OF status ON public.tasks FOR EACH ROW WHEN ((new.status IS DISTINCT FROM 'todo'::text)) EXECUTE FUNCTION public.log_change('status''s')"
        ),
        "{}",
        run.stdout
    );
    project.run(&db, &["push"]).assert_no_changes();
    db.exec(
        "insert into tasks (title) values ('a'); \
         insert into tasks (title, status) values ('b', 'done'); \
         update tasks set status = 'doing' where title = 'a'; \
         update tasks set title = 'c' where title = 'b';",
    )
    .await;
    assert_eq!(
        db.value("select string_agg(what || ':' || tag, ',' order by id) from audit_log")
            .await,
        "INSERT:status's,UPDATE:status's"
    );
    assert_eq!(
        db.value(
            "select obj_description(oid, 'pg_trigger') from pg_trigger where tgname = 'tasks_status_changed'"
        )
        .await,
        "logs status changes"
    );
    // The foreign key's internal triggers are not the file's.
    assert_eq!(
        db.value("select count(*)::text from pg_trigger where tgrelid = 'notes'::regclass and tgisinternal")
            .await,
        "2"
    );
}

#[tokio::test]
async fn a_changed_trigger_is_recreated_and_an_undeclared_one_dropped() {
    let db = TestDb::new("trg_change").await;
    let project = Project::new();
    project.write_schema(SCHEMA);
    project.run(&db, &["push"]).assert_code(0);
    db.exec(
        "create trigger stray before delete on tasks for each row execute function log_change(); \
         create constraint trigger keep_me after insert on notes deferrable \
           for each row execute function log_change('constraint');",
    )
    .await;
    let changed = SCHEMA
        .replace("when = \"new.status IS DISTINCT FROM 'todo'\"\n", "")
        .replace("events = [\"update\", \"insert\"]", "events = [\"update\"]");
    project.write_schema(&changed);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    let out = &run.stdout;
    assert!(out.contains("DROP TRIGGER stray ON public.tasks"), "{out}");
    assert!(
        out.contains("DROP TRIGGER tasks_status_changed ON public.tasks"),
        "{out}"
    );
    assert!(
        out.contains("CREATE TRIGGER tasks_status_changed AFTER UPDATE OF status ON public.tasks FOR EACH ROW EXECUTE FUNCTION"),
        "{out}"
    );
    assert!(
        !out.contains("keep_me"),
        "constraint triggers are left alone: {out}"
    );
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        db.value(
            "select string_agg(tgname, ',' order by tgname) from pg_trigger where not tgisinternal"
        )
        .await,
        "keep_me,tasks_status_changed,tasks_truncated"
    );
}

#[tokio::test]
async fn trigger_functions_must_be_declared_or_unmanaged() {
    let db = TestDb::new("trg_unknown_fn").await;
    db.exec(
        "create schema util; \
         create function util.stamp() returns trigger language plpgsql as 'begin return new; end';",
    )
    .await;
    let project = Project::new();
    project.write_schema(
        "[tables.t.columns]\nid = \"integer\"\n\n[tables.t.triggers.t_stamp]\ntiming = \"before\"\nevents = [\"insert\"]\nfunction = \"stamp\"\n",
    );
    let run = project.run(&db, &["push"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains(
            "schema.toml:7:12: trigger t_stamp on t: function stamp is not declared in this file"
        ),
        "{}",
        run.stderr
    );
    project.write_schema(
        "[tables.t.columns]\nid = \"integer\"\n\n[tables.t.triggers.t_stamp]\ntiming = \"before\"\nevents = [\"insert\"]\nfunction = \"util.stamp\"\n",
    );
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        db.value("select count(*)::text from pg_proc where proname = 'stamp'")
            .await,
        "1",
        "a function in an unmanaged schema is not dropped"
    );
}

#[tokio::test]
async fn triggers_pull_back_and_generate_like_push() {
    let source = TestDb::new("trg_pull_source").await;
    let project = Project::new();
    project.write_schema(SCHEMA);
    project.run(&source, &["push"]).assert_code(0);
    let pulled = project.run(&source, &["pull"]);
    pulled.assert_code(0);
    assert!(
        pulled
            .stdout
            .contains("[tables.tasks.triggers.tasks_status_changed]"),
        "{}",
        pulled.stdout
    );
    let copy = Project::new();
    copy.write_schema(&pulled.stdout);
    copy.run(&source, &["push"]).assert_no_changes();
    let target = TestDb::new("trg_pull_target").await;
    copy.run(&target, &["push"]).assert_code(0);
    assert_same_schema(&source, &target, &pulled.stdout);

    let migrated = TestDb::new("trg_generate_migrated").await;
    project.run(&migrated, &["generate"]).assert_code(0);
    project.run(&migrated, &["migrate"]).assert_code(0);
    migrated.exec("drop table __migrations").await;
    assert_same_schema(&source, &migrated, SCHEMA);
    project.run(&migrated, &["push"]).assert_no_changes();
}
