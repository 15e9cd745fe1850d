//! Views: created, replaced in place or recreated, renamed, dropped when undeclared,
//! recreated when something under them changes; idempotent under hostile session
//! settings; pulled back; generated migrations equal to push.

use crate::harness::{Project, TestDb, assert_same_schema};

const BASE: &str = r#"
schemas = ["other"]

[tables.tasks.columns]
id = { type = "integer", primary_key = true }
title = { type = "text", not_null = true }
status = { type = "text", default = "todo" }
due = "date"

[tables."other.notes".columns]
id = { type = "integer", primary_key = true }
body = "text"
"#;

const VIEWS: &str = r#"
[views.open_tasks]
query = "select id, title from tasks where status <> 'done' and due > '2024-03-02'"
comment = "tasks not done yet"

[views.open_titles]
query = """
select upper(title) as shout
from open_tasks -- the view above
"""
security_barrier = true

[views."other.note_lengths"]
query = "select id, length(body) as n from other.notes"
check_option = "local"
"#;

fn schema(extra: &str) -> String {
    format!("{BASE}\n{extra}")
}

async fn oid(db: &TestDb, relation: &str) -> String {
    db.value(&format!("select '{relation}'::regclass::oid::text"))
        .await
}

#[tokio::test]
async fn views_are_created_settle_and_work() {
    let db = TestDb::new("views_create").await;
    let project = Project::new();
    project.write_schema(&schema(VIEWS));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();

    db.exec("insert into tasks values (1, 'a', 'todo', '2025-01-01'), (2, 'b', 'done', '2025-01-01'), (3, 'c', 'todo', '2020-01-01')")
        .await;
    assert_eq!(
        db.value("select string_agg(shout, ',') from open_titles")
            .await,
        "A"
    );
    assert_eq!(
        db.value("select obj_description('open_tasks'::regclass, 'pg_class')")
            .await,
        "tasks not done yet"
    );
    assert_eq!(
        db.value("select array_to_string(reloptions, ',') from pg_class where oid = 'open_titles'::regclass").await,
        "security_barrier=true"
    );
    assert_eq!(
        db.value("select array_to_string(reloptions, ',') from pg_class where oid = 'other.note_lengths'::regclass").await,
        "check_option=local"
    );
}

#[tokio::test]
async fn pull_round_trips_views() {
    let db = TestDb::new("views_pull").await;
    let project = Project::new();
    project.write_schema(&schema(VIEWS));
    project.run(&db, &["push"]).assert_code(0);
    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    assert!(
        pulled.stdout.contains("[views.open_tasks]"),
        "{}",
        pulled.stdout
    );
    assert!(
        pulled.stdout.contains("check_option = \"local\""),
        "{}",
        pulled.stdout
    );

    // The pulled file pushes as no change onto the database it came from ...
    let again = Project::new();
    again.write_schema(&pulled.stdout);
    again.run(&db, &["push"]).assert_no_changes();
    // ... and builds the same schema from nothing.
    let fresh = TestDb::new("views_pull_fresh").await;
    again.run(&fresh, &["push"]).assert_code(0);
    again.run(&fresh, &["push"]).assert_no_changes();
    assert_same_schema(&db, &fresh, &pulled.stdout);
}

#[tokio::test]
async fn a_query_that_keeps_the_columns_in_front_is_replaced_in_place() {
    let db = TestDb::new("views_replace").await;
    let project = Project::new();
    project.write_schema(&schema(VIEWS));
    project.run(&db, &["push"]).assert_code(0);
    let open = oid(&db, "open_tasks").await;
    let titles = oid(&db, "open_titles").await;

    project.write_schema(&schema(&VIEWS.replace(
        "select id, title from tasks",
        "select id, title, status from tasks",
    )));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("CREATE OR REPLACE VIEW public.open_tasks"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("DROP VIEW"), "{}", run.stdout);
    // Same objects: the dependent view was left alone.
    assert_eq!(oid(&db, "open_tasks").await, open);
    assert_eq!(oid(&db, "open_titles").await, titles);
    assert_eq!(
        db.value("select string_agg(attname, ',' order by attnum) from pg_attribute where attrelid = 'open_tasks'::regclass").await,
        "id,title,status"
    );
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn a_query_that_changes_the_columns_recreates_the_view_and_its_readers() {
    let db = TestDb::new("views_recreate").await;
    let project = Project::new();
    project.write_schema(&schema(VIEWS));
    project.run(&db, &["push"]).assert_code(0);
    let titles = oid(&db, "open_titles").await;

    project.write_schema(&schema(
        &VIEWS.replace("select id, title from tasks", "select title, id from tasks"),
    ));
    // No data is lost: no --force needed, and the plan says what it recreates and why.
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains(
            "-- note: drops view open_titles and creates it again: it reads view open_tasks"
        ),
        "{}",
        run.stdout
    );
    let drop_reader = run.stdout.find("DROP VIEW public.open_titles").unwrap();
    let drop_view = run.stdout.find("DROP VIEW public.open_tasks").unwrap();
    let create_view = run.stdout.find("CREATE VIEW public.open_tasks").unwrap();
    let create_reader = run.stdout.find("CREATE VIEW public.open_titles").unwrap();
    assert!(drop_reader < drop_view && drop_view < create_view && create_view < create_reader);
    assert_ne!(oid(&db, "open_titles").await, titles);
    assert_eq!(
        db.value("select string_agg(attname, ',' order by attnum) from pg_attribute where attrelid = 'open_tasks'::regclass").await,
        "title,id"
    );
    // Options and comments come back with the recreated views.
    assert_eq!(
        db.value("select array_to_string(reloptions, ',') from pg_class where oid = 'open_titles'::regclass").await,
        "security_barrier=true"
    );
    assert_eq!(
        db.value("select obj_description('open_tasks'::regclass, 'pg_class')")
            .await,
        "tasks not done yet"
    );
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn a_renamed_view_keeps_its_identity() {
    let db = TestDb::new("views_rename").await;
    let project = Project::new();
    project.write_schema(&schema(VIEWS));
    project.run(&db, &["push"]).assert_code(0);
    let open = oid(&db, "open_tasks").await;
    let renamed = VIEWS
        .replace(
            "[views.open_tasks]",
            "[views.pending_tasks]\nrenamed_from = \"open_tasks\"",
        )
        .replace("from open_tasks", "from pending_tasks");
    project.write_schema(&schema(&renamed));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("ALTER VIEW public.open_tasks RENAME TO pending_tasks"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("DROP VIEW"), "{}", run.stdout);
    assert_eq!(oid(&db, "pending_tasks").await, open);
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn undeclared_views_are_dropped_without_force_but_never_an_extensions() {
    let db = TestDb::new("views_undeclared").await;
    db.exec("create extension pg_buffercache").await;
    let project = Project::new();
    project.write_schema(&schema(VIEWS));
    project.run(&db, &["push"]).assert_code(0);
    db.exec(
        "create view stray as select * from open_tasks; create view stray2 as select * from stray",
    )
    .await;
    project.write_schema(&schema(""));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("-- note: drops view stray, which schema.toml does not declare (stray2 read it: dropped first)"),
        "{}",
        run.stdout
    );
    // The extension's own views (pg_buffercache; 18 adds pg_buffercache_numa) stay.
    assert_eq!(
        db.value("select coalesce(string_agg(relname, ',' order by relname), '') from pg_class c where relkind = 'v' and relnamespace in ('public'::regnamespace, 'other'::regnamespace) and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')").await,
        ""
    );
    assert_eq!(
        db.value("select count(*) from pg_class where relkind = 'v' and relname = 'pg_buffercache' and relnamespace = 'public'::regnamespace").await,
        "1"
    );
    project.run(&db, &["push"]).assert_no_changes();
    // Pull leaves the extension's view out.
    let pulled = project.run(&db, &["pull"]);
    assert!(
        !pulled.stdout.contains("[views.pg_buffercache"),
        "{}",
        pulled.stdout
    );
}

#[tokio::test]
async fn a_column_type_change_under_a_view_recreates_it() {
    let db = TestDb::new("views_column_type").await;
    let project = Project::new();
    let with = |ty: &str| {
        schema(VIEWS).replace(
            "id = { type = \"integer\", primary_key = true }\ntitle",
            &format!("id = {{ type = \"{ty}\", primary_key = true }}\ntitle"),
        )
    };
    project.write_schema(&with("integer"));
    project.run(&db, &["push"]).assert_code(0);
    db.exec("insert into tasks values (7, 'x', 'todo', '2030-01-01')")
        .await;
    project.write_schema(&with("bigint"));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("-- note: drops view open_tasks and creates it again: the type of tasks.id changes from integer to bigint"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("drops view open_titles and creates it again"),
        "{}",
        run.stdout
    );
    assert_eq!(
        db.value("select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'open_tasks'::regclass and attname = 'id'").await,
        "bigint"
    );
    assert_eq!(db.value("select shout from open_titles").await, "X");
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn a_table_renamed_under_a_view_recreates_it() {
    let db = TestDb::new("views_table_rename").await;
    let project = Project::new();
    project.write_schema(&schema(VIEWS));
    project.run(&db, &["push"]).assert_code(0);
    let renamed = schema(VIEWS)
        .replace(
            "[tables.tasks.columns]",
            "[tables.todos]\nrenamed_from = \"tasks\"\n[tables.todos.columns]",
        )
        .replace("from tasks", "from todos");
    project.write_schema(&renamed);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains(
            "drops view open_tasks and creates it again: table tasks is renamed to todos"
        ),
        "{}",
        run.stdout
    );
    assert!(
        db.value("select pg_get_viewdef('open_tasks'::regclass)")
            .await
            .contains("FROM todos"),
    );
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn options_are_set_and_reset_in_place() {
    let db = TestDb::new("views_options").await;
    let project = Project::new();
    project.write_schema(&schema(VIEWS));
    project.run(&db, &["push"]).assert_code(0);
    let open = oid(&db, "open_tasks").await;
    let changed = VIEWS
        .replace(
            "comment = \"tasks not done yet\"",
            "security_invoker = true\ncheck_option = \"cascaded\"",
        )
        .replace("security_barrier = true", "");
    project.write_schema(&schema(&changed));
    let run = project.run(&db, &["push"]);
    if db.server_major().await < 15 {
        // security_invoker is new in 15: the server's refusal is shown, nothing changes.
        run.assert_code(1);
        assert!(run.stderr.contains("security_invoker"), "{}", run.stderr);
        assert_eq!(oid(&db, "open_tasks").await, open);
        return;
    }
    run.assert_code(0);
    assert!(
        run.stdout.contains(
            "ALTER VIEW public.open_tasks SET (security_invoker = true, check_option = cascaded)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("ALTER VIEW public.open_titles RESET (security_barrier)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("COMMENT ON VIEW public.open_tasks IS NULL"),
        "{}",
        run.stdout
    );
    assert_eq!(oid(&db, "open_tasks").await, open);
    assert_eq!(
        db.value("select string_agg(o, ',' order by o) from pg_class, unnest(reloptions) o where oid = 'open_tasks'::regclass").await,
        "check_option=cascaded,security_invoker=true"
    );
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn views_settle_under_hostile_session_settings() {
    let db = TestDb::new("views_settings").await;
    let project = Project::new();
    project.write_schema(&schema(VIEWS));
    project.run(&db, &["push"]).assert_code(0);
    db.exec(&format!(
        "ALTER DATABASE \"{}\" SET search_path = other; ALTER DATABASE \"{0}\" SET DateStyle = 'SQL, DMY'; \
         ALTER DATABASE \"{0}\" SET TimeZone = 'Asia/Kathmandu'; ALTER DATABASE \"{0}\" SET quote_all_identifiers = on",
        db.name
    ))
    .await;
    project.run(&db, &["push"]).assert_no_changes();
    // A change made under those settings lands as under any others, and settles.
    project.write_schema(&schema(&VIEWS.replace("'2024-03-02'", "'2024-03-05'")));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    assert!(
        db.value(
            "set datestyle = 'ISO, MDY'; select pg_get_viewdef('public.open_tasks'::regclass)"
        )
        .await
        .contains("2024-03-05"),
    );
    let pulled = project.run(&db, &["pull"]);
    let again = Project::new();
    again.write_schema(&pulled.stdout);
    again.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn a_query_is_exactly_one_query() {
    let db = TestDb::new("views_hostile").await;
    db.exec("create table victim (id integer)").await;
    let project = Project::new();
    for (query, message) in [
        ("select 1; drop table victim", "`;` in query"),
        ("select 1 /* open", "unterminated"),
        ("drop table victim", "must be a query"),
        ("delete from victim returning *", "must be a query"),
        ("select 1) ; drop table victim; select (1", "closes nothing"),
        ("select 'a''; drop table victim", "unterminated"),
        ("select $x$ ; $x$ ; drop table victim", "`;` in query"),
    ] {
        project.write_schema(&format!(
            "[tables.victim.columns]\nid = \"integer\"\n\n[views.v]\nquery = {}\n",
            toml_str(query)
        ));
        let run = project.run(&db, &["push"]);
        assert_ne!(run.code, 0, "{query}: {}", run.stdout);
        assert!(run.stderr.contains(message), "{query}: {}", run.stderr);
        assert!(
            run.stderr.contains("schema.toml:5:"),
            "{query}: {}",
            run.stderr
        );
    }
    assert_eq!(
        db.value("select count(*) from pg_class where relname = 'victim'")
            .await,
        "1"
    );
    assert_eq!(
        db.value("select count(*) from pg_class where relname = 'v'")
            .await,
        "0"
    );
    // A final `;` is fine.
    project.write_schema("[tables.victim.columns]\nid = \"integer\"\n\n[views.v]\nquery = \"select id from victim;\"\n");
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
}

fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[tokio::test]
async fn generate_and_migrate_build_what_push_builds() {
    let migrated = TestDb::with_own_role("views_generate_migrated").await;
    let pushed = TestDb::new("views_generate_pushed").await;
    let dev = TestDb::new("views_generate_dev").await;
    let project = Project::new();
    for step in [
        schema(VIEWS),
        schema(&VIEWS.replace("select id, title from tasks", "select title, id from tasks")),
        schema(&VIEWS.replace(
            "select id, title from tasks",
            "select title, id, due from tasks",
        ))
        .replace("due = \"date\"", "due = \"timestamp\""),
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

const INSTEAD_OF: &str = r#"
[functions.open_tasks_insert]
returns = "trigger"
language = "plpgsql"
body = """
begin
  insert into tasks (id, title, due) values (new.id, new.title, '2030-01-01');
  return new;
end"""

[views.open_tasks.triggers.open_tasks_insert]
timing = "instead of"
events = ["insert"]
function = "open_tasks_insert"
comment = "inserts reach tasks"
"#;

async fn view_triggers(db: &TestDb) -> String {
    db.value(
        "select coalesce(string_agg(tgname || ' ' || tgtype || ' ' || tgfoid::regproc::text || \
         ' ' || coalesce(obj_description(oid, 'pg_trigger'), '-'), '; ' order by tgname), '') \
         from pg_trigger where tgrelid = 'open_tasks'::regclass",
    )
    .await
}

#[tokio::test]
async fn instead_of_triggers_on_views_are_created_changed_and_dropped() {
    let db = TestDb::new("views_instead_of").await;
    let project = Project::new();
    project.write_schema(&schema(&format!("{VIEWS}{INSTEAD_OF}")));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    let out = &run.stdout;
    let create_view = out.find("CREATE VIEW public.open_tasks").expect(out);
    let create_trigger = out
        .find("CREATE TRIGGER open_tasks_insert INSTEAD OF INSERT ON public.open_tasks FOR EACH ROW EXECUTE FUNCTION public.open_tasks_insert()")
        .expect(out);
    assert!(create_view < create_trigger, "{out}");
    project.run(&db, &["push"]).assert_no_changes();
    // tgtype 69: row (1), insert (4), instead of (64).
    assert_eq!(
        view_triggers(&db).await,
        "open_tasks_insert 69 open_tasks_insert inserts reach tasks"
    );
    db.exec("insert into open_tasks (id, title) values (7, 'through the view')")
        .await;
    assert_eq!(
        db.value("select title || ' ' || due::text from tasks where id = 7")
            .await,
        "through the view 2030-01-01"
    );

    // A new event: the trigger is created again; the view stays.
    let view_oid = oid(&db, "open_tasks").await;
    let changed = INSTEAD_OF.replace("events = [\"insert\"]", "events = [\"insert\", \"update\"]");
    project.write_schema(&schema(&format!("{VIEWS}{changed}")));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("DROP TRIGGER open_tasks_insert ON public.open_tasks"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "CREATE TRIGGER open_tasks_insert INSTEAD OF INSERT OR UPDATE ON public.open_tasks"
        ),
        "{}",
        run.stdout
    );
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(oid(&db, "open_tasks").await, view_oid);
    assert_eq!(
        view_triggers(&db).await,
        "open_tasks_insert 85 open_tasks_insert inserts reach tasks"
    );

    // The view is recreated (its columns change): its trigger comes back with it.
    let recreated = VIEWS.replace("select id, title from tasks", "select title, id from tasks");
    project.write_schema(&schema(&format!("{recreated}{changed}")));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    let out = &run.stdout;
    let drop_view = out.find("DROP VIEW public.open_tasks").expect(out);
    let create_view = out.find("CREATE VIEW public.open_tasks").expect(out);
    let create_trigger = out.find("CREATE TRIGGER open_tasks_insert").expect(out);
    assert!(
        drop_view < create_view && create_view < create_trigger,
        "{out}"
    );
    assert!(
        !out.contains("DROP TRIGGER"),
        "it goes with the view: {out}"
    );
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        view_triggers(&db).await,
        "open_tasks_insert 85 open_tasks_insert inserts reach tasks"
    );

    // Undeclared: dropped (the function stays while the file declares it).
    let without_trigger = INSTEAD_OF
        .split("[views.open_tasks.triggers.open_tasks_insert]")
        .next()
        .unwrap()
        .to_string();
    project.write_schema(&schema(&format!("{recreated}{without_trigger}")));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("DROP TRIGGER open_tasks_insert ON public.open_tasks"),
        "{}",
        run.stdout
    );
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(view_triggers(&db).await, "");
    // The view is simple enough to take inserts itself, without the trigger's due date.
    db.exec("insert into open_tasks (id, title) values (8, 'plain')")
        .await;
    assert_eq!(
        db.value("select title || ' ' || coalesce(due::text, '-') from tasks where id = 8")
            .await,
        "plain -"
    );
}

#[tokio::test]
async fn view_triggers_pull_back_and_generate_like_push() {
    let source = TestDb::new("views_trg_pull_source").await;
    let project = Project::new();
    let file = schema(&format!("{VIEWS}{INSTEAD_OF}"));
    project.write_schema(&file);
    project.run(&source, &["push"]).assert_code(0);
    let pulled = project.run(&source, &["pull"]);
    pulled.assert_code(0);
    assert!(
        pulled
            .stdout
            .contains("[views.open_tasks.triggers.open_tasks_insert]\ntiming = \"instead of\"\nevents = [\"insert\"]\nfunction = \"open_tasks_insert\"\ncomment = \"inserts reach tasks\"\n"),
        "{}",
        pulled.stdout
    );
    let copy = Project::new();
    copy.write_schema(&pulled.stdout);
    copy.run(&source, &["push"]).assert_no_changes();
    let target = TestDb::new("views_trg_pull_target").await;
    copy.run(&target, &["push"]).assert_code(0);
    assert_same_schema(&source, &target, &pulled.stdout);

    let migrated = TestDb::with_own_role("views_trg_migrated").await;
    let dev = TestDb::new("views_trg_dev").await;
    project.run(&dev, &["generate"]).assert_code(0);
    project.run(&migrated, &["migrate"]).assert_code(0);
    project.run(&migrated, &["push"]).assert_no_changes();
    migrated.exec("drop table __migrations").await;
    assert_same_schema(&source, &migrated, "generate + migrate vs push");
}

#[tokio::test]
async fn view_triggers_follow_what_postgresql_allows() {
    let db = TestDb::new("views_trg_rules").await;
    let project = Project::new();
    let function = "[functions.f]\nreturns = \"trigger\"\nlanguage = \"plpgsql\"\nbody = \"begin return null; end\"\n";
    let cases = [
        (
            "[views.v]\nquery = \"select 1 as x\"\n[views.v.triggers.t]\ntiming = \"before\"\nevents = [\"insert\"]\nfunction = \"f\"\n",
            "schema.toml:8:10: trigger t on v: a `before` trigger on a view runs for each statement",
        ),
        (
            "[views.v]\nquery = \"select 1 as x\"\n[views.v.triggers.t]\ntiming = \"instead of\"\nevents = [\"update\"]\ncolumns = [\"x\"]\nfunction = \"f\"\n",
            "schema.toml:10:1: trigger t on v: an `instead of` trigger cannot have `columns`",
        ),
        (
            "[views.v]\nquery = \"select 1 as x\"\n[views.v.triggers.t]\ntiming = \"instead of\"\nevents = [\"insert\"]\nwhen = \"new.x > 0\"\nfunction = \"f\"\n",
            "schema.toml:10:1: trigger t on v: a trigger on a view cannot have `when`",
        ),
        (
            "[tables.t.columns]\nx = \"integer\"\n[tables.t.triggers.t]\ntiming = \"instead of\"\nevents = [\"insert\"]\nfunction = \"f\"\n",
            "schema.toml:8:10: trigger t on t: `instead of` triggers are for views",
        ),
        (
            "[views.v]\nquery = \"select 1 as x\"\n[views.v.triggers.t]\ntiming = \"instead of\"\nevents = [\"insert\"]\nfunction = \"missing\"\n",
            "schema.toml:10:12: trigger t on v: function missing is not declared in this file",
        ),
    ];
    for (text, expected) in cases {
        project.write_schema(&format!("{function}{text}"));
        let run = project.run(&db, &["push"]);
        run.assert_code(1);
        assert!(run.stderr.contains(expected), "{text}\n{}", run.stderr);
    }
    // Statement-level BEFORE / AFTER triggers are allowed on a view.
    project.write_schema(&format!(
        "{function}[views.v]\nquery = \"select 1 as x\"\n[views.v.triggers.t]\ntiming = \"after\"\nevents = [\"insert\"]\nfor_each = \"statement\"\nfunction = \"f\"\n"
    ));
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        db.value("select tgtype::text from pg_trigger where tgname = 't'")
            .await,
        "4"
    );
}

/// Enough hand-written views that push prints their queries on two sessions at once
/// (half each): both halves settle, a change in either half is found and lands alone,
/// and a query the server rejects in the second half is reported with nothing applied.
#[tokio::test]
async fn many_hand_written_views_settle_and_a_change_in_either_half_is_found() {
    let db = TestDb::new("views_many").await;
    let project = Project::new();
    let count = 80;
    let file = |changed: &dyn Fn(usize) -> Option<String>| {
        let mut text = String::new();
        for i in 0..count {
            text.push_str(&format!(
                "\n[tables.t{i}.columns]\nid = {{ type = \"integer\", primary_key = true }}\ntitle = \"text\"\ndone = \"boolean\"\n"
            ));
            let query =
                changed(i).unwrap_or_else(|| format!("select id, title from t{i} where not done"));
            text.push_str(&format!("\n[views.v{i}]\nquery = \"{query}\"\n"));
        }
        text
    };
    project.write_schema(&file(&|_| None));
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    // Both sessions print under the pinned settings, whatever the database sets.
    db.exec(&format!(
        "ALTER DATABASE \"{}\" SET search_path = nonesuch; \
         ALTER DATABASE \"{0}\" SET quote_all_identifiers = on; \
         ALTER DATABASE \"{0}\" SET DateStyle = 'SQL, DMY'",
        db.name
    ))
    .await;
    project.run(&db, &["push"]).assert_no_changes();
    db.exec(&format!("ALTER DATABASE \"{}\" RESET ALL", db.name))
        .await;

    // One change in the first half, one in the second.
    project.write_schema(&file(&|i| {
        (i == 3 || i == 70).then(|| format!("select id, title from t{i} where done"))
    }));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    let replaced: Vec<&str> = (run.stdout.lines())
        .filter(|l| l.contains("CREATE OR REPLACE VIEW"))
        .collect();
    assert_eq!(
        replaced.len(),
        2,
        "exactly the two changed views: {}",
        run.stdout
    );
    assert!(run.stdout.contains("public.v3 "), "{}", run.stdout);
    assert!(run.stdout.contains("public.v70 "), "{}", run.stdout);
    project.run(&db, &["push"]).assert_no_changes();
    // 14 and 15 print `WHERE t3.done`, 16 and later `WHERE done`.
    let filters_done = async |view: &str| {
        let def = db
            .value(&format!("select pg_get_viewdef('{view}'::regclass)"))
            .await;
        assert!(def.contains("done"), "{view}: {def}");
        !def.contains("NOT ")
    };
    assert!(filters_done("v3").await);
    assert!(filters_done("v70").await);
    assert!(!filters_done("v71").await);

    // Rejected by the server in the second half: named, and nothing applied.
    project.write_schema(&file(&|i| {
        (i == 75).then(|| "select id, nonesuch from t75".to_string())
    }));
    let run = project.run(&db, &["push"]);
    assert_ne!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        format!("{}{}", run.stdout, run.stderr).contains("nonesuch"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        filters_done("v3").await,
        "the other changes were not applied either"
    );
}

/// `count` tables, each with a hand-written view over it.
fn many_views(count: usize) -> String {
    let mut text = String::new();
    for i in 0..count {
        text.push_str(&format!(
            "\n[tables.t{i}.columns]\nid = {{ type = \"integer\", primary_key = true }}\ntitle = \"text\"\ndone = \"boolean\"\n\
             \n[views.v{i}]\nquery = \"select id, title from t{i} where not done\"\n"
        ));
    }
    text
}

/// The second session push prints views on is used only when it works: one that cannot
/// create anything (read-only, as on a standby) leaves its share to the first session,
/// and one on another database (it cannot join the snapshot) is not used at all. Either
/// way the plan of a settled schema is empty.
#[tokio::test]
async fn views_are_printed_on_the_first_session_when_the_second_cannot_help() {
    let db = TestDb::new("views_helper_fallback").await;
    let other = TestDb::new("views_helper_fallback_other").await;
    let project = Project::new();
    let text = many_views(70);
    project.write_schema(&text);
    project.run(&db, &["push"]).assert_code(0);

    let mut client = db.client().await;
    let read_only = db.client().await;
    read_only
        .batch_execute("SET default_transaction_read_only = on")
        .await
        .unwrap();
    let on_other_database = other.client().await;
    for (what, mut helper) in [
        ("read-only", read_only),
        ("other database", on_other_database),
    ] {
        let desired = brain_db::schema_file::parse(&text, "schema.toml").unwrap();
        let plan = brain_db::apply::plan_against_split(&mut client, Some(&mut helper), desired)
            .await
            .unwrap();
        assert!(plan.steps.is_empty(), "{what}: {:?}", plan.steps);
        // The helper is left usable.
        let one: i32 = helper.query_one("SELECT 1", &[]).await.unwrap().get(0);
        assert_eq!(one, 1, "{what}");
    }
    assert_eq!(
        other
            .value("select count(*) from pg_namespace where nspname like '__brain_db%'")
            .await,
        "0"
    );
}
