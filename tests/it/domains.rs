//! `[domains.NAME]`: created, altered in place (default, not null, checks, comment),
//! renamed, dropped only with `--force`, compared through the server (a second push is a
//! no-op, also under hostile session settings), pulled back, and generated migrations
//! equal to a push.

use crate::harness::{Project, TestDb, assert_same_schema};

const V1: &str = r#"
[domains.email]
type = "text"
not_null = true
checks = { email_has_at = "VALUE ~ '@'" }
comment = "an address"

[domains.score]
type = "integer"
default = 0
checks = { score_range = "VALUE between 0 and 100" }

[tables.users.columns]
id = { type = "integer", primary_key = true }
email = "email"
points = "score"
aliases = "email[]"
"#;

async fn domain_facts(db: &TestDb, name: &str) -> String {
    db.value(&format!(
        "SELECT concat_ws(' | ', pg_catalog.format_type(t.typbasetype, t.typtypmod),
                t.typnotnull::text, pg_catalog.pg_get_expr(t.typdefaultbin, 0),
                (SELECT string_agg(k.conname || ' ' || pg_catalog.pg_get_constraintdef(k.oid)
                                   || CASE WHEN k.convalidated THEN '' ELSE ' (not valid)' END,
                                   ', ' ORDER BY k.conname)
                   FROM pg_catalog.pg_constraint k
                  -- 18 also lists NOT NULL as a constraint (contype n); typnotnull says it
                  WHERE k.contypid = t.oid AND k.contype <> 'n'),
                pg_catalog.obj_description(t.oid, 'pg_type'))
         FROM pg_catalog.pg_type t WHERE t.typname = '{name}' AND t.typtype = 'd'"
    ))
    .await
}

#[tokio::test]
async fn domains_are_created_and_used_by_columns_and_a_second_push_is_a_no_op() {
    let db = TestDb::new("domains_create").await;
    let project = Project::new();
    project.write_schema(V1);
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        domain_facts(&db, "email").await,
        "text | true | email_has_at CHECK ((VALUE ~ '@'::text)) | an address"
    );
    assert_eq!(
        domain_facts(&db, "score").await,
        "integer | false | 0 | score_range CHECK (((VALUE >= 0) AND (VALUE <= 100)))"
    );
    assert_eq!(
        db.value(
            "SELECT pg_catalog.format_type(atttypid, atttypmod) FROM pg_attribute \
                  WHERE attrelid = 'users'::regclass AND attname = 'aliases'"
        )
        .await,
        "email[]"
    );
    // The domain's rules hold for the column.
    let err = db
        .error_of("INSERT INTO users (id, email) VALUES (1, 'no-at-sign')")
        .await;
    assert!(err.contains("email_has_at"), "{err}");
    db.exec("INSERT INTO users (id, email) VALUES (1, 'a@b')")
        .await;
    assert_eq!(db.value("SELECT points::text FROM users").await, "0");
}

#[tokio::test]
async fn domain_changes_are_altered_in_place() {
    let db = TestDb::new("domains_alter").await;
    let project = Project::new();
    // PostgreSQL cannot add a check to a domain an array column uses.
    let v1 = V1.replace("aliases = \"email[]\"\n", "");
    project.write_schema(&v1);
    project.run(&db, &["push"]).assert_code(0);
    db.exec("INSERT INTO users (id, email, points) VALUES (1, 'a@b', 5)")
        .await;
    let v2 = v1
        .replace("not_null = true\n", "")
        .replace(
            "checks = { email_has_at = \"VALUE ~ '@'\" }",
            "checks = { email_has_at = \"VALUE ~ '@.'\", email_short = { expression = \"length(VALUE) < 200\", not_valid = true } }",
        )
        .replace("comment = \"an address\"", "comment = \"a mail address\"")
        .replace("default = 0", "default_sql = \"1 + 1\"\nnot_null = true");
    project.write_schema(&v2);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("ALTER DOMAIN public.email DROP NOT NULL"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("ALTER DOMAIN public.email DROP CONSTRAINT email_has_at"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("ALTER DOMAIN public.score SET DEFAULT (1 + 1)"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("DROP DOMAIN"), "{}", run.stdout);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        domain_facts(&db, "email").await,
        "text | false | email_has_at CHECK ((VALUE ~ '@.'::text)), \
         email_short CHECK ((length(VALUE) < 200)) NOT VALID (not valid) | a mail address"
    );
    assert_eq!(
        domain_facts(&db, "score").await,
        "integer | true | (1 + 1) | score_range CHECK (((VALUE >= 0) AND (VALUE <= 100)))"
    );
    assert_eq!(
        db.value("SELECT email::text FROM users").await,
        "a@b",
        "the rows stay"
    );

    // A new base type cannot be altered: the domain is rebuilt, which needs --force.
    project.write_schema(&v2.replace(
        "[domains.score]\ntype = \"integer\"",
        "[domains.score]\ntype = \"bigint\"",
    ));
    let run = project.run(&db, &["push"]);
    run.assert_code(2);
    assert!(run.stderr.contains("drops domain score"), "{}", run.stderr);
}

#[tokio::test]
async fn a_renamed_domain_keeps_its_columns() {
    let db = TestDb::new("domains_rename").await;
    let project = Project::new();
    project.write_schema(V1);
    project.run(&db, &["push"]).assert_code(0);
    db.exec("INSERT INTO users (id, email) VALUES (1, 'a@b')")
        .await;
    let renamed = V1
        .replace(
            "[domains.email]\n",
            "[domains.address]\nrenamed_from = \"email\"\n",
        )
        .replace("email = \"email\"", "email = \"address\"")
        .replace("aliases = \"email[]\"", "aliases = \"address[]\"");
    project.write_schema(&renamed);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert_eq!(
        run.stdout.trim().lines().next().unwrap(),
        "ALTER DOMAIN public.email RENAME TO address;",
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("ALTER TABLE"), "{}", run.stdout);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        db.value("SELECT pg_catalog.format_type(atttypid, atttypmod) || ' ' || (SELECT email FROM users) \
                  FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email'")
            .await,
        "address a@b"
    );
}

#[tokio::test]
async fn an_undeclared_domain_is_dropped_only_with_force_after_its_columns_change() {
    let db = TestDb::new("domains_drop").await;
    let project = Project::new();
    project.write_schema(V1);
    project.run(&db, &["push"]).assert_code(0);
    db.exec("INSERT INTO users (id, email) VALUES (1, 'a@b')")
        .await;
    let without = r#"
[domains.score]
type = "integer"
default = 0
checks = { score_range = "VALUE between 0 and 100" }

[tables.users.columns]
id = { type = "integer", primary_key = true }
email = "text"
points = "score"
aliases = "text[]"
"#;
    project.write_schema(without);
    let before = db.dump();
    let run = project.run(&db, &["push"]);
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("drops domain email, which schema.toml does not declare"),
        "{}",
        run.stderr
    );
    assert_eq!(db.dump(), before, "a refused push changes nothing");
    let run = project.run(&db, &["push", "--force"]);
    run.assert_code(0);
    let sql = &run.stdout;
    let alter = sql.find("ALTER COLUMN email TYPE text").expect(sql);
    let drop = sql.find("DROP DOMAIN public.email").expect(sql);
    assert!(alter < drop, "the column leaves the domain first:\n{sql}");
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(db.value("SELECT email FROM users").await, "a@b");
    assert_eq!(
        db.value("SELECT count(*)::text FROM pg_type WHERE typname = 'email'")
            .await,
        "0"
    );
}

#[tokio::test]
async fn a_table_check_may_use_a_domain_and_a_domain_may_be_over_an_enum() {
    let db = TestDb::new("domains_check_enum").await;
    let project = Project::new();
    let schema = r#"
[enums]
mood = ["calm", "busy", "angry"]

[domains.good_mood]
type = "mood"
checks = { not_angry = "VALUE <> 'angry'" }

[domains."other.code"]
type = "varchar(8)"
collation = "C"

[tables.days]
checks = { days_code_short = "length(code::text) > 1 and code <> 'xx'::other.code" }

[tables.days.columns]
id = { type = "integer", primary_key = true }
feeling = { type = "good_mood", default = "calm" }
code = "other.code"
"#;
    project.write_schema(&format!("schemas = [\"other\"]\n{schema}"));
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    let err = db
        .error_of("INSERT INTO days (id, feeling, code) VALUES (1, 'angry', 'ab')")
        .await;
    assert!(err.contains("not_angry"), "{err}");
    let err = db
        .error_of("INSERT INTO days (id, code) VALUES (1, 'xx')")
        .await;
    assert!(err.contains("days_code_short"), "{err}");
    assert_eq!(
        db.value("SELECT collname FROM pg_type t JOIN pg_collation c ON c.oid = t.typcollation WHERE typname = 'code'")
            .await,
        "C"
    );

    // Pulled back and pushed into an empty database: the same schema, a no-op after.
    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    assert!(
        pulled.stdout.contains("[domains.good_mood]"),
        "{}",
        pulled.stdout
    );
    assert!(
        pulled.stdout.contains("[domains.\"other.code\"]"),
        "{}",
        pulled.stdout
    );
    let copy = TestDb::new("domains_check_enum_copy").await;
    let again = Project::new();
    again.write_schema(&pulled.stdout);
    again.run(&copy, &["push"]).assert_code(0);
    again.run(&copy, &["push"]).assert_no_changes();
    again.run(&db, &["push"]).assert_no_changes();
    assert_same_schema(&db, &copy, &pulled.stdout);
}

#[tokio::test]
async fn domains_are_a_no_op_under_hostile_session_settings() {
    let db = TestDb::new("domains_settings").await;
    let project = Project::new();
    let schema = r#"
[domains.moment]
type = "timestamptz"
default = "2024-03-02 10:00:00+00"
checks = { after_2020 = "VALUE > '2020-01-02 03:04:05+00'" }

[domains.span]
type = "interval"
checks = { short = "VALUE < '1 day -02:00:00'" }

[tables.events.columns]
id = { type = "integer", primary_key = true }
at = "moment"
took = "span"
"#;
    project.write_schema(schema);
    project.run(&db, &["push"]).assert_code(0);
    db.exec(&format!(
        "ALTER DATABASE \"{}\" SET DateStyle = 'SQL, DMY'; \
         ALTER DATABASE \"{}\" SET TimeZone = 'Asia/Kathmandu'; \
         ALTER DATABASE \"{}\" SET IntervalStyle = 'sql_standard'; \
         ALTER DATABASE \"{}\" SET search_path = 'pg_catalog'",
        db.name, db.name, db.name, db.name
    ))
    .await;
    project.run(&db, &["push"]).assert_no_changes();
    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    project.write_schema(&pulled.stdout);
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn generated_migrations_build_the_same_domains_as_a_push() {
    let migrated = TestDb::with_own_role("domains_migrated").await;
    let pushed = TestDb::new("domains_pushed").await;
    let dev = TestDb::new("domains_dev").await;
    let project = Project::new();
    let v1 = V1.replace("aliases = \"email[]\"\n", "");
    project.write_schema(&v1);
    project.run(&dev, &["generate"]).assert_code(0);
    assert_eq!(project.run(&dev, &["generate"]).stdout.trim(), "no changes");
    let v2 = v1
        .replace("VALUE ~ '@'", "VALUE ~ '@.'")
        .replace("default = 0", "default = 1");
    project.write_schema(&v2);
    let run = project.run(&dev, &["generate", "--name", "v2"]);
    run.assert_code(0);
    assert_eq!(project.run(&dev, &["generate"]).stdout.trim(), "no changes");
    project.run(&migrated, &["migrate"]).assert_code(0);
    project.run(&pushed, &["push"]).assert_code(0);
    migrated.exec("DROP TABLE __migrations").await;
    assert_eq!(migrated.dump(), pushed.dump());
    project.run(&migrated, &["push"]).assert_no_changes();
    let check = project.run(&migrated, &["check"]);
    check.assert_code(0);
}

#[tokio::test]
async fn malformed_domains_are_reported_with_their_position() {
    let db = TestDb::new("domains_malformed").await;
    let project = Project::new();
    project.write_schema(
        "[domains.email]\ntype = \"text\"\nchecks = { has_at = \"position('@' in email) > 0\" }\n",
    );
    let run = project.run(&db, &["push"]);
    run.assert_code(1);
    assert!(run.stderr.contains("schema.toml:3:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("does not mention VALUE"),
        "{}",
        run.stderr
    );

    project.write_schema(
        "[domains.email]\ntype = \"text\"\nchecks = { has_at = \"VALUE ~ '@'); DROP TABLE x; --\" }\n",
    );
    let run = project.run(&db, &["push"]);
    run.assert_code(1);
    assert!(run.stderr.contains("schema.toml:3:"), "{}", run.stderr);

    project.write_schema("[domains.email]\ntype = \"txet\"\n");
    let run = project.run(&db, &["push"]);
    run.assert_code(1);
    assert!(run.stderr.contains("schema.toml:2:8"), "{}", run.stderr);
}

/// The dependencies introspection reads from `pg_depend` (what the plan orders drops by),
/// with each catalog row mapped to the object brain-db names: a view's rewrite rule to
/// the view, a domain's check to the domain, a default to its table; extension members
/// are not the user's.
#[tokio::test]
async fn dependencies_are_read_from_the_catalog() {
    use brain_db::model::QualifiedName;
    use brain_db::model::depend::{ObjectKind, ObjectRef};
    let db = TestDb::new("domains_dependencies").await;
    db.exec(
        "CREATE EXTENSION citext;
         CREATE FUNCTION is_even(integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'select $1 % 2 = 0';
         CREATE DOMAIN even AS integer CHECK (is_even(VALUE));
         CREATE TABLE t (id even, name citext, n integer DEFAULT 2 CHECK (is_even(n)));
         CREATE VIEW v AS SELECT id FROM t;",
    )
    .await;
    let mut client = db.client().await;
    let live = brain_db::introspect::introspect(&mut client, &["public".to_string()])
        .await
        .expect("introspect");
    let public = QualifiedName::public;
    let deps =
        |o: ObjectRef| -> Vec<String> { live.dependencies.of(&o).map(|r| r.to_string()).collect() };
    assert_eq!(
        deps(ObjectRef::new(ObjectKind::View, public("v"))),
        ["domain even", "table t"],
        "its column is of the domain"
    );
    assert_eq!(
        deps(ObjectRef::new(ObjectKind::Domain, public("even"))),
        ["schema public", "function is_even(integer)"]
    );
    assert_eq!(
        deps(ObjectRef::member(
            ObjectKind::Constraint,
            &public("t"),
            "t_n_check"
        )),
        ["function is_even(integer)"]
    );
    let table = deps(ObjectRef::new(ObjectKind::Table, public("t")));
    assert!(table.contains(&"domain even".to_string()), "{table:?}");
    // citext's own functions are not read as the user's.
    assert!(
        !live
            .dependencies
            .on
            .keys()
            .any(|k| k.name.name.starts_with("citext")),
        "{:?}",
        live.dependencies.on.keys().collect::<Vec<_>>()
    );
}
