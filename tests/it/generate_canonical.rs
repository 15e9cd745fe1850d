//! `generate` compares the snapshot with schema.toml exactly as push compares schema.toml
//! with a live database: through the server (a scratch database), so two spellings push
//! calls identical generate nothing, while the target database is neither read nor
//! changed.

use crate::harness::{Project, Run, TestDb};

/// One spelling of a schema.
const SPELLED: &str = r#"
[enums]
mood = ["calm", "busy"]

[tables.tasks.columns]
id = { type = "int4", primary_key = true }
title = { type = "text", not_null = true, check = "length(title) > 0" }
status = { type = "text", default_sql = "'todo'::text", check = "status in ('todo', 'done')" }
priority = { type = "integer", default = 0, check = "priority >= 0" }
price = "numeric(10,2)"
double_price = { type = "numeric(10,2)", generated = "price * 2" }
created_at = { type = "timestamptz", default_sql = "now()" }
seen_at = { type = "timestamptz", default_sql = "CURRENT_TIMESTAMP" }
due = { type = "date", default = "2024-03-02" }
mood = { type = "mood", default = "calm" }

[tables.tasks.indexes]
tasks_title_idx = { columns = ["lower(title)"], where = "status <> 'done'" }
tasks_due_idx = { columns = ["due", "(priority + 1)"] }
"#;

/// The same schema in other words: every difference is one push calls identical.
const RESPELLED: &str = r#"
[enums]
mood = ["calm", "busy"]

[tables.tasks.columns]
id = { type = "integer", primary_key = true }
title = { type = "text", not_null = true, check = "(LENGTH((title)) > 0)" }
status = { type = "text", default = "todo", check = "STATUS = ANY (ARRAY['todo', 'done'])" }
priority = { type = "int", default_sql = "0", check = "((priority >= 0))" }
price = "numeric(10, 2)"
double_price = { type = "numeric(10,2)", generated = "(PRICE*2)" }
created_at = { type = "timestamp with time zone", default_sql = "NOW()" }
seen_at = { type = "timestamptz", default_sql = "current_timestamp" }
due = { type = "date", default_sql = "'2024-03-02'::date" }
mood = { type = "mood", default_sql = "'calm'::mood" }

[tables.tasks.indexes]
tasks_title_idx = { columns = ["LOWER(title)"], where = "(status != 'done'::text)" }
tasks_due_idx = { columns = ["due", "((priority+1))"] }
"#;

fn sql_files(project: &Project) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(project.path().join("migrations"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    names
}

fn assert_no_changes(run: &Run) {
    run.assert_code(0);
    assert_eq!(
        run.stdout.trim(),
        "no changes",
        "generate should agree with push\n--- stderr\n{}",
        run.stderr
    );
}

async fn scratch_databases_left(db: &TestDb) -> String {
    db.value("SELECT count(*)::text FROM pg_database WHERE datname LIKE 'brain\\_db\\_scratch\\_%'")
        .await
}

#[tokio::test]
async fn two_spellings_push_calls_identical_generate_nothing() {
    let target = TestDb::new("generate_canonical_target").await;
    target
        .exec("CREATE TABLE canary (id integer PRIMARY KEY, note text DEFAULT 'keep')")
        .await;
    let before = target.dump();
    let project = Project::new();

    project.write_schema(SPELLED);
    let first = project.run(&target, &["generate"]);
    first.assert_code(0);
    assert_eq!(sql_files(&project), ["0001_init.sql"]);
    let init = std::fs::read_to_string(project.path().join("migrations/0001_init.sql")).unwrap();
    // Diffed against the target database, it would drop the canary.
    assert!(!init.contains("canary"), "{init}");
    assert_no_changes(&project.run(&target, &["generate"]));

    // push agrees that the respelling is no change...
    let pushed = TestDb::new("generate_canonical_pushed").await;
    project.run(&pushed, &["push"]).assert_code(0);
    project.write_schema(RESPELLED);
    project.run(&pushed, &["push"]).assert_no_changes();
    // ...and so does generate.
    assert_no_changes(&project.run(&target, &["generate"]));
    assert_eq!(sql_files(&project), ["0001_init.sql"]);

    // A real change among the respellings still generates exactly that change.
    project
        .write_schema(&RESPELLED.replace("ARRAY['todo', 'done']", "ARRAY['todo', 'done', 'late']"));
    let changed = project.run(&target, &["generate", "--name", "late"]);
    changed.assert_code(0);
    assert!(
        changed
            .stdout
            .contains("wrote migrations/0002_late.sql (2 statement(s))"),
        "{}",
        changed.stdout
    );
    let late = std::fs::read_to_string(project.path().join("migrations/0002_late.sql")).unwrap();
    assert!(
        late.contains("DROP CONSTRAINT tasks_status_check"),
        "{late}"
    );
    assert!(late.contains("'late'::text"), "{late}");
    assert_no_changes(&project.run(&target, &["generate"]));

    // generate after migrate: nothing; the migrated database is what push makes.
    let migrated = TestDb::new("generate_canonical_migrated").await;
    project.run(&migrated, &["migrate"]).assert_code(0);
    assert_no_changes(&project.run(&migrated, &["generate"]));
    project.run(&migrated, &["push"]).assert_no_changes();
    project.write_schema(&SPELLED.replace("'todo', 'done'", "'todo', 'done', 'late'"));
    project.run(&migrated, &["push"]).assert_no_changes();
    assert_no_changes(&project.run(&migrated, &["generate"]));

    // The target database was neither read into nor changed, and no scratch database
    // is left behind.
    assert_eq!(target.dump(), before);
    assert_eq!(scratch_databases_left(&target).await, "0");
}

#[tokio::test]
async fn generate_and_push_agree_on_what_differs() {
    let server = TestDb::new("generate_canonical_agree").await;
    // PostgreSQL keeps now() and CURRENT_TIMESTAMP apart: push sees a change, so must
    // generate.
    let project = Project::new();
    project.write_schema(SPELLED);
    project.run(&server, &["generate"]).assert_code(0);
    let pushed = TestDb::new("generate_canonical_agree_pushed").await;
    project.run(&pushed, &["push"]).assert_code(0);
    let swapped = SPELLED
        .replace("default_sql = \"now()\"", "default_sql = \"@now@\"")
        .replace(
            "default_sql = \"CURRENT_TIMESTAMP\"",
            "default_sql = \"now()\"",
        )
        .replace("@now@", "CURRENT_TIMESTAMP");
    project.write_schema(&swapped);
    let push = project.run(&pushed, &["push", "--dry-run"]);
    push.assert_code(0);
    let generate = project.run(&server, &["generate"]);
    generate.assert_code(0);
    let file = sql_files(&project).pop().unwrap();
    let sql = std::fs::read_to_string(project.path().join("migrations").join(file)).unwrap();
    for wanted in [
        "ALTER COLUMN seen_at SET DEFAULT now()",
        "ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP",
    ] {
        assert!(
            push.stdout.contains(wanted),
            "push: {wanted}\n{}",
            push.stdout
        );
        assert!(sql.contains(wanted), "generate: {wanted}\n{sql}");
    }
    assert_eq!(
        sql.matches(";\n").count(),
        push.stdout.matches(";\n").count(),
        "push:\n{}\ngenerate:\n{sql}",
        push.stdout
    );
}

/// Literals the user wrote without an offset or in a day-first order are written into the
/// migration the way the server prints them under pinned settings (ISO, UTC), so that
/// migrate reads them the same whatever the session's DateStyle and TimeZone.
#[tokio::test]
async fn generated_literals_do_not_depend_on_session_settings() {
    let server = TestDb::new("generate_canonical_literals").await;
    let schema = r#"
[tables.events.columns]
id = { type = "integer", primary_key = true }
day = { type = "date", default = "03/02/2024" }
at = { type = "timestamptz", default = "2024-03-02 10:00:00" }
span = { type = "interval", default = "-1 day 2 hours" }
"#;
    let plain = Project::new();
    plain.write_schema(schema);
    plain.run(&server, &["generate"]).assert_code(0);
    let plain_sql = std::fs::read_to_string(plain.path().join("migrations/0001_init.sql")).unwrap();
    assert!(
        plain_sql.contains("DEFAULT '2024-03-02'::date"),
        "{plain_sql}"
    );
    assert!(
        plain_sql.contains("DEFAULT '2024-03-02 10:00:00+00'::timestamp with time zone"),
        "{plain_sql}"
    );
    assert!(
        plain_sql.contains("DEFAULT '-1 days +02:00:00'::interval"),
        "{plain_sql}"
    );

    let hostile_options = "?options=-c%20DateStyle%3DSQL%2CDMY%20-c%20TimeZone%3DAsia/Kathmandu\
                           %20-c%20IntervalStyle%3Dsql_standard";
    let hostile = Project::new();
    hostile.write_schema(schema);
    hostile
        .run_with_url(&format!("{}{hostile_options}", server.url), &["generate"])
        .assert_code(0);
    let hostile_sql =
        std::fs::read_to_string(hostile.path().join("migrations/0001_init.sql")).unwrap();
    assert_eq!(hostile_sql, plain_sql);

    // Migrated under hostile settings, the defaults hold the intended values.
    let migrated = TestDb::new("generate_canonical_literals_migrated").await;
    hostile
        .run_with_url(&format!("{}{hostile_options}", migrated.url), &["migrate"])
        .assert_code(0);
    migrated.exec("INSERT INTO events (id) VALUES (1)").await;
    assert_eq!(
        migrated
            .value(
                "SELECT concat_ws(' ', day - date '2024-03-02', \
                 extract(epoch FROM at - timestamptz '2024-03-02 10:00:00+00'), \
                 span = make_interval(days => -1, hours => 2)) FROM events"
            )
            .await,
        "0 0.000000 t"
    );
}

/// A table with a column of an extension's type is built in the scratch database too (the
/// extension is created there), so its expressions are compared in the server's spelling.
#[tokio::test]
async fn tables_of_extension_types_are_compared_through_the_server() {
    let target = TestDb::new("generate_canonical_extension").await;
    let project = Project::new();
    project.write_schema(
        r#"
[tables.users.columns]
id = { type = "integer", primary_key = true }
email = { type = "public.citext", default_sql = "'nobody'::citext", check = "email <> ''" }
"#,
    );
    project.run(&target, &["generate"]).assert_code(0);
    let respelled = r#"
[tables.users.columns]
id = { type = "int4", primary_key = true }
email = { type = "public.citext", default = "nobody", check = "(EMAIL != ''::public.citext)" }
"#;
    let pushed = TestDb::new("generate_canonical_extension_pushed").await;
    pushed.exec("CREATE EXTENSION citext").await;
    project.run(&pushed, &["push"]).assert_code(0);
    project.write_schema(respelled);
    project.run(&pushed, &["push"]).assert_no_changes();
    assert_no_changes(&project.run(&target, &["generate"]));
    assert_eq!(
        target
            .value("SELECT count(*)::text FROM pg_extension WHERE extname = 'citext'")
            .await,
        "0",
        "the target database is not changed"
    );
    assert_eq!(scratch_databases_left(&target).await, "0");
}

#[tokio::test]
async fn without_createdb_generate_says_what_it_needs_and_writes_nothing() {
    let target = TestDb::new("generate_canonical_no_createdb").await;
    let role = "bdt_generate_no_createdb";
    target
        .exec(&format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN NOCREATEDB"
        ))
        .await;
    let project = Project::new();
    project.write_schema(SPELLED);
    let url = target.url.replacen("postgres@", &format!("{role}@"), 1);
    let run = project.run_with_url(&url, &["generate"]);
    target.exec(&format!("DROP ROLE {role}")).await;
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("cannot create a scratch database for generate")
            && run.stderr.contains("may not create databases")
            && run.stderr.contains("CREATEDB"),
        "{}",
        run.stderr
    );
    assert!(!project.path().join("migrations/0001_init.sql").exists());
}
