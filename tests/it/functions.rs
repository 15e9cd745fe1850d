//! Functions and procedures: created, replaced in place, recreated with what depends on
//! them, renamed, overloaded, dropped when undeclared, pulled back, generated.

use crate::harness::{Project, TestDb, assert_same_schema};

const BASE: &str = r#"
[tables.tasks.columns]
id = { type = "bigint", identity = "always", primary_key = true }
title = { type = "text", not_null = true }
updated_at = { type = "timestamptz", not_null = true, default_sql = "now()" }

[tables.tasks.triggers.tasks_set_updated_at]
timing = "before"
events = ["update"]
function = "set_updated_at"

[functions.set_updated_at]
returns = "trigger"
language = "plpgsql"
body = "begin new.updated_at = now(); return new; end"
"#;

fn push_settles(project: &Project, db: &TestDb) -> String {
    let run = project.run(db, &["push", "--force"]);
    run.assert_code(0);
    project.run(db, &["push"]).assert_no_changes();
    run.stdout
}

#[tokio::test]
async fn trigger_function_is_created_fires_and_settles() {
    let db = TestDb::new("fn_trigger_create").await;
    let project = Project::new();
    project.write_schema(BASE);
    let out = push_settles(&project, &db);
    assert!(
        out.contains("SET LOCAL check_function_bodies = off"),
        "{out}"
    );
    assert!(
        out.contains("CREATE FUNCTION public.set_updated_at()"),
        "{out}"
    );
    db.exec(
        "insert into tasks (title, updated_at) values ('a', '2000-01-01'); \
         update tasks set title = 'b'",
    )
    .await;
    assert_eq!(
        db.value("select (updated_at > '2001-01-01')::text from tasks")
            .await,
        "true",
        "the BEFORE UPDATE trigger set updated_at"
    );
}

#[tokio::test]
async fn body_and_volatility_changes_replace_in_place() {
    let db = TestDb::new("fn_replace").await;
    let project = Project::new();
    let v1 = format!(
        "{BASE}\n[functions.add_one]\nargs = \"x integer\"\nreturns = \"integer\"\nbody = \"select x + 1\"\n"
    );
    project.write_schema(&v1);
    push_settles(&project, &db);
    let oid = db.value("select 'add_one'::regproc::oid::text").await;
    let v2 = v1.replace("select x + 1", "select x + 2").replace(
        "returns = \"integer\"",
        "returns = \"integer\"\nvolatility = \"immutable\"\nstrict = true\nparallel = \"safe\"",
    );
    project.write_schema(&v2);
    let out = push_settles(&project, &db);
    assert!(
        out.contains("CREATE OR REPLACE FUNCTION public.add_one(x integer)"),
        "{out}"
    );
    assert_eq!(db.value("select add_one(1)::text").await, "3");
    assert_eq!(
        db.value("select 'add_one'::regproc::oid::text").await,
        oid,
        "replaced in place, not dropped"
    );
    assert_eq!(
        db.value("select provolatile::text || proisstrict::text || proparallel::text from pg_proc where proname = 'add_one'")
            .await,
        "itrues"
    );
}

#[tokio::test]
async fn a_changed_return_type_recreates_the_function_with_its_trigger_and_check() {
    let db = TestDb::new("fn_recreate").await;
    let project = Project::new();
    let v1 = format!(
        "{BASE}\n[tables.tasks.checks]\ntitle_ok = \"title_ok(title)\"\n\n[functions.title_ok]\nargs = \"t text\"\nreturns = \"boolean\"\nbody = \"select length(t) > 0\"\n"
    );
    project.write_schema(&v1);
    push_settles(&project, &db);
    // The trigger function now returns... a trigger still, but declared anew with another
    // argument list is a different function; here the check's function changes its result.
    let v2 = v1
        .replace(
            "returns = \"boolean\"\nbody = \"select length(t) > 0\"",
            "returns = \"bool\"\nbody = \"select length(t) > 1\"",
        )
        .replace("args = \"t text\"", "args = \"t character varying\"");
    project.write_schema(&v2);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("DROP FUNCTION public.title_ok(text)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("constraint title_ok on tasks"),
        "the plan names the dependent: {}",
        run.stdout
    );
    project.run(&db, &["push"]).assert_no_changes();
    let err = db.error_of("insert into tasks (title) values ('x')").await;
    assert!(err.contains("title_ok"), "{err}");

    // A default that calls a function whose result type changes: dropped and set again.
    let v3 = v2.replace(
        "updated_at = { type = \"timestamptz\", not_null = true, default_sql = \"now()\" }",
        "updated_at = { type = \"timestamptz\", not_null = true, default_sql = \"now()\" }\nrank = { type = \"bigint\", default_sql = \"next_rank()\" }",
    ) + "\n[functions.next_rank]\nreturns = \"integer\"\nbody = \"select 1\"\n";
    project.write_schema(&v3);
    push_settles(&project, &db);
    let v4 = v3.replace(
        "[functions.next_rank]\nreturns = \"integer\"",
        "[functions.next_rank]\nreturns = \"bigint\"",
    );
    project.write_schema(&v4);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    let out = &run.stdout;
    let at = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in {out}"))
    };
    assert!(at("ALTER COLUMN rank DROP DEFAULT") < at("DROP FUNCTION public.next_rank()"));
    assert!(at("DROP FUNCTION public.next_rank()") < at("CREATE FUNCTION public.next_rank()"));
    assert!(at("CREATE FUNCTION public.next_rank()") < at("ALTER COLUMN rank SET DEFAULT"));
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        db.value("select pg_get_function_result('next_rank'::regproc)")
            .await,
        "bigint"
    );
}

#[tokio::test]
async fn overloads_procedures_and_atomic_bodies() {
    let db = TestDb::new("fn_overloads").await;
    let project = Project::new();
    let schema = r#"
[functions."add(integer, integer)"]
args = "a integer, b integer"
returns = "integer"
volatility = "immutable"
body = "select a + b"

[functions."add(text, text)"]
args = "a text, b text"
returns = "text"
body = "select a || b"

[functions.twice]
args = "x integer"
returns = "integer"
body = """
BEGIN ATOMIC
  SELECT CASE WHEN x IS NULL THEN 0 ELSE x * 2 END;
END"""

[functions.plus_one]
args = "x integer"
returns = "integer"
body = "return x + 1"

[functions.log_it]
kind = "procedure"
args = "msg text"
language = "plpgsql"
set = { search_path = "" }
body = "begin raise notice '%', msg; end"
"#;
    project.write_schema(schema);
    push_settles(&project, &db);
    assert_eq!(db.value("select add(1, 2)::text").await, "3");
    assert_eq!(db.value("select add('a', 'b')").await, "ab");
    assert_eq!(db.value("select twice(4)::text").await, "8");
    assert_eq!(db.value("select plus_one(4)::text").await, "5");
    db.exec("call log_it('hi')").await;
    assert_eq!(
        db.value("select array_to_string(proconfig, ',') from pg_proc where proname = 'log_it'")
            .await,
        "search_path=\"\""
    );

    // Dropping one overload keeps the other.
    let fewer = schema.replace(
        "[functions.\"add(text, text)\"]\nargs = \"a text, b text\"\nreturns = \"text\"\nbody = \"select a || b\"\n",
        "",
    );
    project.write_schema(&fewer);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("DROP FUNCTION public.add(text, text)"),
        "{}",
        run.stdout
    );
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(db.value("select add(1, 2)::text").await, "3");
}

#[tokio::test]
async fn bodies_holding_dollar_quotes_are_quoted_with_a_free_tag() {
    let db = TestDb::new("fn_dollar_bodies").await;
    let project = Project::new();
    let schema = r#"
[functions.tricky]
returns = "text"
language = "plpgsql"
body = '''
begin
  return '$$' || $function$ $body$ ; $function$ || 'end';
end'''
"#;
    project.write_schema(schema);
    push_settles(&project, &db);
    assert_eq!(db.value("select tricky()").await, "$$ $body$ ; end");
}

#[tokio::test]
async fn a_body_cannot_smuggle_a_second_statement() {
    let db = TestDb::new("fn_smuggle").await;
    db.exec("create table canary (x int)").await;
    let project = Project::new();
    project.write_schema(
        r#"
schemas = ["public"]
[tables.canary.columns]
x = "integer"

[functions.f]
returns = "integer"
body = "begin atomic select 1; end; drop table canary"
"#,
    );
    let run = project.run(&db, &["push", "--force"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("schema.toml:8:") && run.stderr.contains("goes on after the END"),
        "{}",
        run.stderr
    );
    project.write_schema(
        r#"
[tables.canary.columns]
x = "integer"

[functions.f]
args = "a integer) returns int language sql as 'select 1'; drop table canary; --"
returns = "integer"
body = "select 1"
"#,
    );
    let run = project.run(&db, &["push", "--force"]);
    run.assert_code(1);
    assert!(run.stderr.contains("schema.toml:6:"), "{}", run.stderr);
    assert_eq!(db.value("select count(*)::text from canary").await, "0");
}

#[tokio::test]
async fn undeclared_functions_are_dropped_and_renames_keep_the_function() {
    let db = TestDb::new("fn_drop_rename").await;
    db.exec(
        "create function stray() returns int language sql as 'select 1'; \
         create extension if not exists pg_trgm;",
    )
    .await;
    let project = Project::new();
    project.write_schema(
        "[functions.old_name]\nreturns = \"integer\"\nbody = \"select 7\"\ncomment = \"seven\"\n",
    );
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("DROP FUNCTION public.stray()"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("similarity"),
        "extension functions are not the user's: {}",
        run.stdout
    );
    project.run(&db, &["push"]).assert_no_changes();
    let oid = db.value("select 'old_name'::regproc::oid::text").await;
    project.write_schema(
        "[functions.new_name]\nrenamed_from = \"old_name\"\nreturns = \"integer\"\nbody = \"select 7\"\ncomment = \"seven\"\n",
    );
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("ALTER FUNCTION public.old_name() RENAME TO new_name"),
        "{}",
        run.stdout
    );
    assert_eq!(db.value("select 'new_name'::regproc::oid::text").await, oid);
    assert_eq!(
        db.value("select obj_description('new_name'::regproc, 'pg_proc')")
            .await,
        "seven"
    );
}

#[tokio::test]
async fn pull_round_trip_and_generate_migrate_equal_push() {
    let source = TestDb::new("fn_pull_source").await;
    let project = Project::new();
    let schema = format!(
        "{BASE}\n[functions.twice]\nargs = \"x integer DEFAULT 2\"\nreturns = \"integer\"\nbody = \"BEGIN ATOMIC SELECT x * 2; END\"\n\n[functions.\"My Fn\"]\nargs = \"OUT a integer, OUT b text\"\nreturns = \"record\"\nlanguage = \"sql\"\nvolatility = \"stable\"\nsecurity_definer = true\nset = {{ search_path = \"pg_catalog, public\", work_mem = \"64MB\" }}\nbody = '''\nselect 1, 'x'\n'''\n"
    );
    project.write_schema(&schema);
    push_settles(&project, &source);

    // pull, then push the pulled file into a fresh database: the same schema; and a push
    // of the pulled file onto the source is a no-op.
    let pulled = project.run(&source, &["pull"]);
    pulled.assert_code(0);
    let copy = Project::new();
    copy.write_schema(&pulled.stdout);
    copy.run(&source, &["push"]).assert_no_changes();
    let target = TestDb::new("fn_pull_target").await;
    push_settles(&copy, &target);
    assert_same_schema(&source, &target, &pulled.stdout);

    // generate + migrate gives what push gives.
    let migrated = TestDb::new("fn_generate_migrated").await;
    project.run(&migrated, &["generate"]).assert_code(0);
    assert_eq!(
        project.run(&migrated, &["generate"]).stdout.trim(),
        "no changes"
    );
    project.run(&migrated, &["migrate"]).assert_code(0);
    migrated.exec("drop table __migrations").await;
    assert_same_schema(&source, &migrated, &schema);
}

#[tokio::test]
async fn functions_and_triggers_settle_under_hostile_session_settings() {
    let db = TestDb::new("fn_hostile_settings").await;
    db.exec("create schema other").await;
    for (name, value) in [
        ("DateStyle", "SQL, DMY"),
        ("TimeZone", "Asia/Kathmandu"),
        ("IntervalStyle", "sql_standard"),
        ("extra_float_digits", "-15"),
        ("search_path", "other"),
        ("check_function_bodies", "on"),
    ] {
        db.exec(&format!(
            "alter database \"{}\" set {name} = '{value}'",
            db.name
        ))
        .await;
    }
    let project = Project::new();
    let schema = r#"
[tables.events.columns]
id = { type = "bigint", primary_key = true }
day = { type = "date", not_null = true }

[tables.events.triggers.events_recent]
timing = "before"
events = ["insert", "update"]
when = "new.day > '2024-01-13'::date"
function = "stamp"

[functions.stamp]
returns = "trigger"
language = "plpgsql"
set = { search_path = "public, pg_temp" }
body = "begin return new; end"

[functions.since]
args = "d date DEFAULT '2024-03-02', span interval DEFAULT '-1 day 2 hours'"
returns = "boolean"
volatility = "stable"
body = "BEGIN ATOMIC SELECT d > '2024-01-13'::date AND span < '10 days'::interval AND EXISTS (SELECT 1 FROM public.events); END"
"#;
    project.write_schema(schema);
    push_settles(&project, &db);
    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    let copy = Project::new();
    copy.write_schema(&pulled.stdout);
    copy.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        db.value("select public.since()::text").await,
        "false",
        "the defaults mean what was written (no events yet)"
    );
}

const UNDER_VIEWS: &str = r#"
[tables.tasks]
row_level_security = true

[tables.tasks.columns]
id = { type = "integer", primary_key = true }
title = { type = "text", not_null = true }

[tables.tasks.policies.not_hidden]
using = "label(title) <> 'HIDDEN'"

[functions.label]
args = "t text"
returns = "text"
volatility = "immutable"
body = "select upper(t)"

[views.labels]
query = "select id, label(title) as label from tasks"

[materialized_views.label_counts]
query = "select label(title) as label, count(*) as n from tasks group by 1"

[materialized_views.label_counts.indexes]
label_counts_label = { columns = ["label"], unique = true }
"#;

#[tokio::test]
async fn a_function_recreated_under_views_and_a_policy_takes_them_along() {
    let db = TestDb::new("fn_under_views").await;
    let project = Project::new();
    project.write_schema(UNDER_VIEWS);
    push_settles(&project, &db);
    db.exec("insert into tasks values (1, 'a'), (2, 'b'), (3, 'hidden')")
        .await;
    db.exec("refresh materialized view label_counts").await;

    let changed = UNDER_VIEWS.replace(
        "args = \"t text\"\nreturns = \"text\"",
        "args = \"t text\"\nreturns = \"character varying\"",
    );
    project.write_schema(&changed);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    let out = &run.stdout;
    let at = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in {out}"))
    };
    assert!(
        out.contains(
            "-- note: drops view labels and creates it again: it calls function label(text), which is dropped and created again"
        ),
        "{out}"
    );
    assert!(
        out.contains("-- note: drops materialized view label_counts and creates it again: it calls function label(text), which is dropped and created again; its rows are recomputed (3 row(s))"),
        "{out}"
    );
    assert!(
        out.contains("DROP FUNCTION public.label(text) /* used by materialized view label_counts, policy not_hidden on tasks, view labels: dropped first and recreated with it */"),
        "{out}"
    );
    let drop_function = at("DROP FUNCTION public.label(text)");
    assert!(at("DROP VIEW public.labels") < drop_function);
    assert!(at("DROP MATERIALIZED VIEW public.label_counts") < drop_function);
    assert!(at("DROP POLICY not_hidden ON public.tasks") < drop_function);
    let create_function = at("CREATE FUNCTION public.label(t text)");
    assert!(drop_function < create_function);
    assert!(create_function < at("CREATE VIEW public.labels"));
    assert!(create_function < at("CREATE MATERIALIZED VIEW public.label_counts"));
    assert!(
        at("CREATE MATERIALIZED VIEW public.label_counts")
            < at("CREATE UNIQUE INDEX label_counts_label")
    );
    assert!(create_function < at("CREATE POLICY not_hidden ON public.tasks"));
    project.run(&db, &["push"]).assert_no_changes();

    // Rows kept, the views read the new function, the index and the policy are back.
    assert_eq!(db.value("select count(*)::text from tasks").await, "3");
    assert_eq!(
        db.value(
            "select string_agg(label || ':' || pg_typeof(label)::text, ',' order by id) from labels"
        )
        .await,
        "A:character varying,B:character varying,HIDDEN:character varying"
    );
    assert_eq!(
        db.value("select string_agg(label || '=' || n, ',' order by label) from label_counts")
            .await,
        "A=1,B=1,HIDDEN=1"
    );
    assert_eq!(
        db.value("select indexdef from pg_indexes where indexname = 'label_counts_label'")
            .await,
        "CREATE UNIQUE INDEX label_counts_label ON public.label_counts USING btree (label)"
    );
    assert_eq!(
        db.value(
            "select pg_get_expr(polqual, polrelid) from pg_policy where polname = 'not_hidden'"
        )
        .await,
        "((label(title))::text <> 'HIDDEN'::text)"
    );
    assert_eq!(
        db.value("select pg_get_function_result('label'::regproc)")
            .await,
        "character varying"
    );
}

/// A table of tasks that are done or not, for the ordering tests below.
const TASKS_WITH_DONE: &str = r#"
[tables.tasks.columns]
id = { type = "integer", primary_key = true }
done = "boolean"
"#;

/// A SQL-standard body is parsed when it is created, so one that reads a view waits for
/// the view, and views that call it wait for it (v1 -> f -> v2), whether pushed or
/// generated and migrated; the result settles and works.
#[tokio::test]
async fn a_sql_standard_body_reading_a_view_is_created_between_the_views() {
    let pushed = TestDb::new("fn_atomic_view_pushed").await;
    let migrated = TestDb::with_own_role("fn_atomic_view_migrated").await;
    let dev = TestDb::new("fn_atomic_view_dev").await;
    let project = Project::new();
    project.write_schema(&format!(
        r#"{TASKS_WITH_DONE}
[views.open_tasks]
query = "select id from tasks where not done"

[functions.open_count]
returns = "bigint"
body = "BEGIN ATOMIC select count(*) from open_tasks; END"

[views.summary]
query = "select open_count() as open"

[materialized_views.summary_m]
query = "select open_count() as open"
"#
    ));
    let run = project.run(&pushed, &["push"]);
    run.assert_code(0);
    let at = |needle: &str| created_at(&run.stdout, needle);
    assert!(at("VIEW public.open_tasks") < at("FUNCTION public.open_count"));
    assert!(at("FUNCTION public.open_count") < at("VIEW public.summary "));
    assert!(at("FUNCTION public.open_count") < at("VIEW public.summary_m"));
    project.run(&pushed, &["push"]).assert_no_changes();
    pushed
        .exec("insert into tasks values (1, false), (2, true), (3, false)")
        .await;
    assert_eq!(pushed.value("select open from summary").await, "2");

    project.run(&dev, &["generate"]).assert_code(0);
    project.run(&migrated, &["migrate"]).assert_code(0);
    project.run(&migrated, &["push"]).assert_no_changes();
    migrated.exec("drop table __migrations").await;
    assert_same_schema(&pushed, &migrated, "generate + migrate vs push");
}

/// A function whose result is a view's row type (`setof open_tasks`, as written) waits for
/// that view, and a view declared before it that calls it waits for the function; the
/// push settles, works, and pulls back to a file that pushes as a no-op.
#[tokio::test]
async fn a_view_calling_a_function_that_returns_a_view_row_comes_after_both() {
    let db = TestDb::new("fn_view_row_type").await;
    let project = Project::new();
    project.write_schema(&format!(
        r#"{TASKS_WITH_DONE}
[views.a_listing]
query = "select id from open_list()"

[views.open_tasks]
query = "select id, done from tasks where not done"

[functions.open_list]
returns = "setof open_tasks"
body = "select * from open_tasks"
"#
    ));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    let at = |needle: &str| created_at(&run.stdout, needle);
    assert!(at("VIEW public.open_tasks") < at("FUNCTION public.open_list"));
    assert!(at("FUNCTION public.open_list") < at("VIEW public.a_listing"));
    project.run(&db, &["push"]).assert_no_changes();
    db.exec("insert into tasks values (1, false), (2, true)")
        .await;
    assert_eq!(
        db.value("select string_agg(id::text, ',') from a_listing")
            .await,
        "1"
    );
    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    let again = Project::new();
    again.write_schema(&pulled.stdout);
    again.run(&db, &["push"]).assert_no_changes();
}

/// A function over a table's row type follows the table's rename (the type keeps its
/// OID): the file naming the new type keeps that function (same OID), and the view
/// calling it is created again over the renamed table; the push settles.
#[tokio::test]
async fn a_function_over_a_renamed_tables_row_type_is_kept() {
    let db = TestDb::new("fn_renamed_row_type").await;
    let project = Project::new();
    let file = |table: &str, renamed_from: &str| {
        format!(
            r#"
[tables.{table}]
{renamed_from}
[tables.{table}.columns]
id = {{ type = "integer", primary_key = true }}
title = "text"

[functions.label]
args = "t {table}"
returns = "text"
body = "select t.title"

[views.labels]
query = "select label(t) as l from {table} t"
"#
        )
    };
    project.write_schema(&file("tasks", ""));
    project.run(&db, &["push"]).assert_code(0);
    let oid = db.value("select 'label'::regproc::oid::text").await;

    project.write_schema(&file("todos", "renamed_from = \"tasks\""));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(!run.stdout.contains("FUNCTION"), "{}", run.stdout);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(db.value("select 'label'::regproc::oid::text").await, oid);
    db.exec("insert into todos values (1, 'a')").await;
    assert_eq!(db.value("select l from labels").await, "a");
}

/// Where among a plan's `CREATE` statements the one naming `needle` is.
fn created_at(plan: &str, needle: &str) -> usize {
    (plan.lines())
        .filter(|l| l.starts_with("CREATE"))
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not created: {plan}"))
}
