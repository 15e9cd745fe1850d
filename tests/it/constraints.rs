//! Exclusion constraints and deferrable primary keys, end to end.

use crate::harness::{Project, TestDb, assert_same_schema};

/// Declared the way a person writes it, not the way PostgreSQL prints it: the second
/// push only settles if the definitions are canonicalized through the server.
const BOOKINGS: &str = r#"
[tables.bookings]
primary_key = { columns = ["id"], deferrable = "initially deferred" }
exclude = { no_overlap = "using GIST (area with &&)", bookings_during_excl = "USING gist (during WITH &&) where (not cancelled) deferrable" }

[tables.bookings.columns]
id        = "integer"
area      = "circle"
during    = "tsrange"
cancelled = { type = "boolean", not_null = true, default = false }
"#;

fn push_settles(project: &Project, db: &TestDb) -> String {
    let first = project.run(db, &["push"]);
    first.assert_code(0);
    let again = project.run(db, &["push"]);
    again.assert_no_changes();
    first.stdout.clone()
}

async fn constraints(db: &TestDb) -> Vec<String> {
    db.column(
        "select conname || ' ' || contype::text || ' ' || condeferrable || ' ' || condeferred \
         || ' ' || pg_get_constraintdef(oid) from pg_constraint \
         where conrelid = 'public.bookings'::regclass and contype <> 'n' order by conname",
    )
    .await
    .into_iter()
    .flatten()
    .collect()
}

#[tokio::test]
async fn exclusions_and_a_deferrable_key_are_created_and_settle() {
    let db = TestDb::new("constraints_create").await;
    let project = Project::new();
    project.write_schema(BOOKINGS);
    let out = push_settles(&project, &db);
    assert!(
        out.contains("CONSTRAINT no_overlap EXCLUDE using GIST (area with &&)"),
        "{out}"
    );
    assert_eq!(
        constraints(&db).await,
        [
            "bookings_during_excl x true false EXCLUDE USING gist (during WITH &&) \
             WHERE ((NOT cancelled)) DEFERRABLE",
            "bookings_pkey p true true PRIMARY KEY (id) DEFERRABLE INITIALLY DEFERRED",
            "no_overlap x false false EXCLUDE USING gist (area WITH &&)",
        ]
    );

    // The constraint does its job.
    db.exec("insert into bookings values (1, circle '((0,0),1)', '[2020-01-01,2020-01-02)')")
        .await;
    let err = db
        .error_of("insert into bookings values (2, circle '((1,0),1)', null)")
        .await;
    assert!(
        err.contains("conflicting key value violates exclusion constraint \"no_overlap\""),
        "{err}"
    );
    // Deferred: a duplicate key is only an error at commit.
    db.client()
        .await
        .batch_execute(
            "begin; insert into bookings (id) values (1); delete from bookings where area is \
             not null; commit",
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn exclusions_change_rename_and_drop() {
    let db = TestDb::new("constraints_change").await;
    let project = Project::new();
    project.write_schema(BOOKINGS);
    push_settles(&project, &db);

    // A changed definition is rebuilt.
    project.write_schema(&BOOKINGS.replace("area with &&", "area with ~="));
    let out = push_settles(&project, &db);
    assert!(
        out.contains("ALTER TABLE public.bookings DROP CONSTRAINT no_overlap"),
        "{out}"
    );
    assert!(
        constraints(&db)
            .await
            .contains(&"no_overlap x false false EXCLUDE USING gist (area WITH ~=)".to_string())
    );

    // The same definition under another name is renamed, not rebuilt.
    project.write_schema(
        &BOOKINGS
            .replace("area with &&", "area with ~=")
            .replace("no_overlap", "same_area"),
    );
    let out = push_settles(&project, &db);
    assert!(
        out.contains("RENAME CONSTRAINT no_overlap TO same_area"),
        "{out}"
    );
    assert!(!out.contains("EXCLUDE"), "{out}");

    // Dropping one, and making the key not deferrable: no --force needed.
    project.write_schema(
        r#"
[tables.bookings]
exclude = { bookings_during_excl = "USING gist (during WITH &&) WHERE ((NOT cancelled)) DEFERRABLE" }
[tables.bookings.columns]
id        = { type = "integer", primary_key = true }
area      = "circle"
during    = "tsrange"
cancelled = { type = "boolean", not_null = true, default = false }
"#,
    );
    let out = push_settles(&project, &db);
    assert!(out.contains("DROP CONSTRAINT same_area"), "{out}");
    assert_eq!(
        constraints(&db).await,
        [
            "bookings_during_excl x true false EXCLUDE USING gist (during WITH &&) \
             WHERE ((NOT cancelled)) DEFERRABLE",
            "bookings_pkey p false false PRIMARY KEY (id)",
        ]
    );
}

#[tokio::test]
async fn pulled_exclusions_and_deferrable_keys_reproduce_the_database() {
    let source = TestDb::new("constraints_pull_source").await;
    source
        .exec(
            r#"
create schema other;
create table circles (c circle, exclude using gist (c with &&));
create table c (cc int unique);
create unique index c_pkey on c using btree (cc);
alter table c add constraint c_pkey primary key using index c_pkey deferrable initially deferred;
create table other."Rooms" (
  id int,
  "Busy" tsrange,
  cancelled boolean,
  constraint "rooms pk" primary key (id) deferrable,
  constraint "no overlap" exclude using gist ("Busy" with &&) where (not cancelled)
    deferrable initially deferred
);
"#,
        )
        .await;
    let project = Project::new();
    project
        .run(&source, &["pull", "--out", "schema.toml"])
        .assert_code(0);
    let pulled = std::fs::read_to_string(project.schema_path()).unwrap();
    for line in [
        "[tables.circles.exclude]",
        "circles_c_excl = \"USING gist (c WITH &&)\"",
        "primary_key = { columns = [\"cc\"], deferrable = \"initially deferred\" }",
        "primary_key = { name = \"rooms pk\", columns = [\"id\"], deferrable = \"initially immediate\" }",
    ] {
        assert!(
            pulled.lines().any(|l| l == line),
            "missing {line:?} in\n{pulled}"
        );
    }

    let again = project.run(&source, &["push"]);
    again.assert_no_changes();

    let copy = TestDb::new("constraints_pull_copy").await;
    project.run(&copy, &["push"]).assert_code(0);
    assert_same_schema(&source, &copy, &pulled);
}

async fn constraint_comments(db: &TestDb) -> String {
    db.value(
        "SELECT coalesce(string_agg(c.conname || '=' || d.description, ' ' ORDER BY c.conname), '') \
         FROM pg_constraint c JOIN pg_description d \
           ON d.objoid = c.oid AND d.classoid = 'pg_constraint'::regclass \
         WHERE c.conrelid IN ('public.parents'::regclass, 'public.kids'::regclass)",
    )
    .await
}

const COMMENTED: &str = r#"
[tables.parents]
primary_key = { columns = ["id"], comment = "the key" }
unique = [{ columns = ["code"], comment = "one per code" }]
checks = { "my.check" = { expression = "id > 0", comment = "dot in the name" } }
exclude = { parents_no_overlap = { definition = "USING gist (area WITH &&)", comment = "no overlap" } }

[tables.parents.columns]
id   = "integer"
code = "text"
area = "circle"

[tables.kids]
foreign_keys = [{ columns = ["parent"], references = "parents", comment = "who's the parent" }]

[tables.kids.columns]
parent = "integer"
"#;

/// `COMMENT ON CONSTRAINT` for every kind of constraint, in each one's table form: set
/// on create, kept by a second push and by pull, changed, set again when the constraint
/// is recreated, removed.
#[tokio::test]
async fn constraint_comments_are_set_changed_kept_across_a_rebuild_and_pulled() {
    let db = TestDb::new("constraint_comments").await;
    let project = Project::new();
    project.write_schema(COMMENTED);
    let sql = push_settles(&project, &db);
    assert!(
        sql.contains("COMMENT ON CONSTRAINT \"my.check\" ON public.parents IS 'dot in the name'"),
        "{sql}"
    );
    assert_eq!(
        constraint_comments(&db).await,
        "kids_parent_fkey=who's the parent my.check=dot in the name \
         parents_code_key=one per code parents_no_overlap=no overlap parents_pkey=the key"
    );

    // Pulled: each constraint in its table form with its comment; a no-op, and the same
    // database when pushed into an empty one.
    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    assert!(
        pulled
            .stdout
            .contains("primary_key = { columns = [\"id\"], comment = \"the key\" }"),
        "{}",
        pulled.stdout
    );
    let copy = TestDb::new("constraint_comments_copy").await;
    let again = Project::new();
    again.write_schema(&pulled.stdout);
    again.run(&db, &["push"]).assert_no_changes();
    again.run(&copy, &["push"]).assert_code(0);
    again.run(&copy, &["push"]).assert_no_changes();
    assert_same_schema(&db, &copy, "pulled constraint comments");

    // The check changes (dropped and added: the comment is set again), the key's comment
    // changes, the unique constraint's goes.
    project.write_schema(
        &COMMENTED
            .replace("id > 0", "id > 1")
            .replace("the key", "the new key")
            .replace(", comment = \"one per code\"", ""),
    );
    let sql = push_settles(&project, &db);
    assert!(
        sql.contains("COMMENT ON CONSTRAINT parents_code_key ON public.parents IS NULL"),
        "{sql}"
    );
    assert_eq!(
        constraint_comments(&db).await,
        "kids_parent_fkey=who's the parent my.check=dot in the name \
         parents_no_overlap=no overlap parents_pkey=the new key"
    );
}
