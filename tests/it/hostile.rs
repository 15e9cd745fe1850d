//! Hostile names round-trip through push and pull, and nothing in a name reaches SQL
//! unquoted.

use crate::harness::{Project, TestDb};

fn long_name() -> String {
    "n".repeat(63)
}

fn schema() -> String {
    format!(
        r#"
[enums]
"Mood \"quoted\"" = ["it's", "semi;colon", "ünï"]

[tables."Odd \"Table\" Name"]
checks = {{ "check; drop table victim; --" = "\"Weird Col\" <> 'x'" }}

[tables."Odd \"Table\" Name".columns]
"Weird Col" = {{ type = "text", primary_key = true }}
"select" = {{ type = "integer", unique = true }}
"UPPER" = "text"
"ünïcødé_表" = {{ type = '"Mood ""quoted"""', default = "it's" }}
"{long}" = "text"

[tables."Odd \"Table\" Name".indexes]
"idx; drop table victim; --" = {{ columns = ["UPPER"] }}

[tables."semi;colon --".columns]
id = {{ type = "integer", primary_key = true }}
ref = {{ type = "text", references = "Odd \"Table\" Name.Weird Col" }}
"#,
        long = long_name()
    )
}

#[tokio::test]
async fn hostile_names_push_settle_and_round_trip_through_pull() {
    let db = TestDb::new("hostile_push").await;
    db.exec("create table victim (id integer)").await;
    let project = Project::new();
    project.write_schema(&schema());
    // victim is outside the file: without --force it stays (the push is refused for it),
    // so create everything else first with a file that declares it too.
    let with_victim = format!("{}\n[tables.victim.columns]\nid = \"integer\"\n", schema());
    project.write_schema(&with_victim);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert_eq!(
        db.value("select count(*) from pg_class where relname = 'victim'")
            .await,
        "1"
    );
    let again = project.run(&db, &["push"]);
    again.assert_no_changes();
    let long = db
        .value("select attname from pg_attribute where attrelid = '\"Odd \"\"Table\"\" Name\"'::regclass and length(attname) = 63")
        .await;
    assert_eq!(long, long_name());

    let pulled = Project::new();
    pulled
        .run(&db, &["pull", "--out", "schema.toml"])
        .assert_code(0);
    let again = pulled.run(&db, &["push"]);
    again.assert_no_changes();
    let copy = TestDb::new("hostile_copy").await;
    pulled.run(&copy, &["push"]).assert_code(0);
    assert_eq!(db.dump(), copy.dump());
}

/// TOML basic-string form of `s` (every value of the hostile list fits, NUL included).
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Fragments that try to end the statement, or to swallow what follows them.
const HOSTILE_FRAGMENTS: &[&str] = &[
    "1; drop table canary",
    "true)); drop table canary; create table zz (b int check (true",
    "1) ; drop table canary; --",
    "'x'; drop table canary; --",
    "E'\\''; drop table canary; --",
    "\"a\"; drop table canary",
    "$$x$$; drop table canary",
    "/* ; */; drop table canary",
    "0 -- comment\n; drop table canary",
    "1 -- swallows the rest",
    "1 /* unclosed",
    "'unclosed",
    "$q$ unclosed",
    "1, zz int",
    "1]; drop table canary; select [1",
    "1\u{0}; drop table canary",
];

/// Where a raw-SQL value goes in a schema file (`{}` is the value).
const RAW_SQL_FIELDS: &[&str] = &[
    "[tables.t.columns]\na = \"integer\"\nb = { type = \"integer\", check = {} }\n",
    "[tables.t.columns]\na = \"integer\"\nb = { type = \"integer\", default_sql = {} }\n",
    "[tables.t.columns]\na = \"integer\"\nb = { type = \"integer\", generated = {} }\n",
    "[tables.t.columns]\na = \"integer\"\n[tables.t.checks]\nc = {}\n",
    "[tables.t.columns]\na = \"integer\"\n[tables.t.checks]\nc = { expression = {} }\n",
    "[tables.t.columns]\na = \"integer\"\n[tables.t.indexes]\ni = { columns = [\"a\"], where = {} }\n",
    "[tables.t.columns]\na = \"integer\"\n[tables.t.indexes]\ni = { columns = [{}] }\n",
    "[tables.t.columns]\na = \"integer\"\n[tables.t.indexes]\ni = { columns = [{ sql = {} }] }\n",
    "[tables.t.columns]\na = \"integer\"\n[tables.t.exclude]\nx = {}\n",
];

const CANARY: &str = "[tables.canary.columns]\nid = \"integer\"\n";

async fn assert_canary_alive(db: &TestDb, context: &str) {
    assert_eq!(
        db.value("select count(*) from canary").await,
        "1",
        "canary lost: {context}"
    );
    assert_eq!(
        db.value("select count(*) from pg_class where relname = 'zz'")
            .await,
        "0",
        "{context}"
    );
}

/// Every hostile fragment in every raw-SQL key is refused by the loader, with its place
/// in the file, before the database is touched: by push, push --force and generate.
#[tokio::test]
async fn canary_survives_every_hostile_fragment_in_every_raw_sql_key() {
    let db = TestDb::new("canary_fragments").await;
    db.exec("create table canary (id integer); insert into canary values (1)")
        .await;
    let project = Project::new();
    for fragment in HOSTILE_FRAGMENTS {
        for field in RAW_SQL_FIELDS {
            let value = if field.contains("[tables.t.exclude]") {
                toml_string(&format!(
                    "USING btree (a WITH =) WHERE (a > 0) OR {fragment}"
                ))
            } else {
                toml_string(fragment)
            };
            let schema = format!("{CANARY}{}", field.replace("{}", &value));
            project.write_schema(&schema);
            for args in [&["push"][..], &["push", "--force"], &["generate"]] {
                let run = project.run(&db, args);
                let context = format!("{args:?} with\n{schema}\n--- stderr\n{}", run.stderr);
                assert_eq!(run.code, 1, "{context}");
                assert!(
                    run.stderr.contains("schema.toml:") && run.stderr.contains("hint:"),
                    "{context}"
                );
                assert!(
                    run.stdout.is_empty(),
                    "{context}\n--- stdout\n{}",
                    run.stdout
                );
            }
        }
        assert_canary_alive(&db, fragment).await;
    }
    assert!(
        !project
            .path()
            .join("migrations")
            .join("0001_t.sql")
            .exists()
    );
}

/// Values that look hostile but are one expression (the `;` is quoted or commented)
/// are applied as what they are — also when the database defaults to
/// `standard_conforming_strings = off`, under which `'\''` would end early — and a
/// generated migration carries them just as safely.
#[tokio::test]
async fn canary_survives_quoted_lookalikes_through_push_generate_and_migrate() {
    let db = TestDb::new("canary_lookalikes").await;
    db.exec("create table canary (id integer); insert into canary values (1)")
        .await;
    db.exec(&format!(
        "alter database \"{}\" set standard_conforming_strings = off",
        db.name
    ))
    .await;
    let schema = format!(
        "{CANARY}[tables.t.columns]\n\
         a = {{ type = \"text\", default_sql = {}, check = {} }}\n\
         b = {{ type = \"text\", default_sql = {} }}\n\
         [tables.t.indexes]\n\
         t_a_idx = {{ columns = [\"a\"], where = {} }}\n",
        toml_string("';' || $$; drop table canary; $$ || /* ; */ 'x'"),
        toml_string("a <> ');drop table canary;--' -- a comment ; )\nAND a <> ''"),
        toml_string("'\\'' ; drop table canary; --'"),
        toml_string("a <> $t$'); drop table canary; --$t$"),
    );
    let project = Project::new();
    project.write_schema(&schema);
    for args in [&["push"][..], &["push", "--force"]] {
        let run = project.run(&db, args);
        run.assert_code(0);
        assert_canary_alive(&db, &run.stderr).await;
    }
    assert_eq!(
        db.value("insert into t default values returning a || '|' || b")
            .await,
        ";; drop table canary; x|\\' ; drop table canary; --"
    );

    // generate + migrate into a fresh database with the same hostile default setting.
    let fresh = TestDb::new("canary_lookalikes_migrate").await;
    fresh
        .exec("create table canary (id integer); insert into canary values (1)")
        .await;
    fresh
        .exec(&format!(
            "alter database \"{}\" set standard_conforming_strings = off",
            fresh.name
        ))
        .await;
    // The migration leaves canary (created outside it) alone.
    project.write_schema(schema.strip_prefix(CANARY).expect("canary first"));
    project
        .run(&fresh, &["generate", "--name", "init"])
        .assert_code(0);
    project.run(&fresh, &["migrate"]).assert_code(0);
    assert_canary_alive(&fresh, "migrate").await;
    assert_eq!(
        fresh
            .value("insert into t default values returning a || '|' || b")
            .await,
        ";; drop table canary; x|\\' ; drop table canary; --"
    );
}

/// Whatever text reaches the applier, a statement cannot carry a second one: each goes
/// as its own extended-protocol message, which the server refuses to split.
#[tokio::test]
async fn the_applier_refuses_a_statement_that_carries_a_second_one() {
    use brain_db::plan::{Plan, Step};
    let db = TestDb::new("canary_applier").await;
    db.exec("create table canary (id integer); insert into canary values (1)")
        .await;
    let step = |sql: &str| Step {
        sql: sql.to_string(),
        hazard: None,
        commit_first: false,
    };
    let plan = Plan::of_steps(vec![
        step("CREATE TABLE zz (a integer)"),
        step("ALTER TABLE zz ADD COLUMN b integer DEFAULT 1; DROP TABLE canary"),
        step("CREATE TABLE after_it (a integer)"),
    ]);
    let mut client = brain_db::db::connect(&db.url).await.expect("connect");
    let err = brain_db::apply::apply(&mut client, &plan)
        .await
        .expect_err("a multi-statement string must fail");
    let text = err.to_string();
    assert_eq!(
        err.error.as_ref().and_then(|e| e.code()).map(|c| c.code()),
        Some("42601"),
        "{text}"
    );
    assert!(text.contains("cannot insert multiple commands"), "{text}");
    assert!(
        text.contains("statement 2 of 3: ALTER TABLE zz ADD COLUMN b"),
        "{text}"
    );
    assert!(text.contains("nothing was applied"), "{text}");
    assert_canary_alive(&db, &text).await;
    assert_eq!(
        db.value("select count(*) from pg_class where relname = 'after_it'")
            .await,
        "0"
    );
}

/// Canonicalisation builds declared expressions in a scratch transaction that is rolled
/// back; an expression that reached it unchecked (a model built by a library user) still
/// cannot run a second statement there — a `COMMIT; DROP ...` would outlive the rollback.
#[tokio::test]
async fn canonicalisation_cannot_be_made_to_run_a_second_statement() {
    let db = TestDb::new("canary_canonicalize").await;
    db.exec(
        "create table canary (id integer); insert into canary values (1);
         create table t (a integer constraint t_a_check check (a > 0))",
    )
    .await;
    let mut desired = brain_db::schema_file::parse(
        "[tables.canary.columns]\nid = \"integer\"\n\
         [tables.t.columns]\na = { type = \"integer\", check = \"a > 1\" }\n",
        "schema.toml",
    )
    .expect("valid file");
    let t = desired
        .tables
        .values_mut()
        .find(|t| t.name.name == "t")
        .expect("t");
    t.checks[0].expression = "a > 1); commit; drop table canary; --".to_string();
    let mut client = brain_db::db::connect(&db.url).await.expect("connect");
    // Whatever the planner makes of the unparseable expression, canary stays.
    let _ = brain_db::apply::plan_against(&mut client, desired).await;
    assert_canary_alive(&db, "canonicalize").await;
}

/// A NUL in a name never reaches SQL: push, generate and migrate's snapshot all stop at
/// the loader, which says where it is; no migration file is written.
#[tokio::test]
async fn a_nul_in_a_name_is_reported_and_never_written() {
    let db = TestDb::new("nul_names").await;
    let project = Project::new();
    project.write_schema(
        "[tables.\"t\\u0000x\".columns]\nid = \"integer\"\n\"c\\u0000\" = \"text\"\n",
    );
    for args in [&["push"][..], &["generate"]] {
        let run = project.run(&db, args);
        run.assert_code(1);
        assert!(
            run.stderr
                .contains("schema.toml:1:9: the name \"t\\0x\" contains a NUL character"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("schema.toml:3:1:"), "{}", run.stderr);
    }
    let written: Vec<_> = std::fs::read_dir(project.path().join("migrations"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        !written
            .iter()
            .any(|n| n.to_string_lossy().ends_with(".sql")),
        "{written:?}"
    );
    assert_eq!(
        db.value("select count(*) from pg_class where relname like 't%x'")
            .await,
        "0"
    );
}
