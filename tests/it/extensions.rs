//! `extensions`: unmanaged without the key; with it, the listed extensions are created
//! (in their own schema when one is given), and an installed extension the file does not
//! list is dropped only with `--force`, never PostgreSQL's own nor one in a schema the
//! file does not manage (Supabase keeps its in schema `extensions`). Objects an
//! extension created are never read as the user's.

use crate::harness::{Project, TestDb};

async fn installed(db: &TestDb) -> String {
    db.value(
        "SELECT string_agg(x.extname || '@' || n.nspname, ' ' ORDER BY x.extname) \
         FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace",
    )
    .await
}

const TABLE: &str = r#"
[tables.notes.columns]
id = { type = "uuid", primary_key = true, default_sql = "gen_random_uuid()" }
title = "public.citext"
"#;

#[tokio::test]
async fn listed_extensions_are_created_and_a_second_push_is_a_no_op() {
    let db = TestDb::new("ext_create").await;
    let project = Project::new();
    project.write_schema(&format!(
        "extensions = [\"pgcrypto\", \"citext\", \"pg_trgm\"]\n{TABLE}"
    ));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    // The extensions come first: the table's default and type need them.
    assert!(
        run.stdout.find("CREATE EXTENSION citext").unwrap()
            < run.stdout.find("CREATE TABLE").unwrap(),
        "{}",
        run.stdout
    );
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        installed(&db).await,
        "citext@public pg_trgm@public pgcrypto@public plpgsql@pg_catalog"
    );
    // The extensions' own functions, types and operators are not the user's: pull
    // lists the extensions, not their members.
    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    assert!(
        pulled.stdout.starts_with(
            "drop_other_schemas = true\n\nextensions = [\"citext\", \"pg_trgm\", \"pgcrypto\"]\n"
        ),
        "{}",
        pulled.stdout
    );
    assert!(!pulled.stdout.contains("left out"), "{}", pulled.stdout);
    assert!(!pulled.stderr.contains("function"), "{}", pulled.stderr);

    // Pulled into a new project and pushed into an empty database: the same, a no-op after.
    let copy = TestDb::new("ext_create_copy").await;
    let again = Project::new();
    again.write_schema(&pulled.stdout);
    again.run(&copy, &["push"]).assert_code(0);
    again.run(&copy, &["push"]).assert_no_changes();
    assert_eq!(installed(&copy).await, installed(&db).await);
}

#[tokio::test]
async fn without_the_key_extensions_are_not_managed() {
    let db = TestDb::new("ext_unmanaged").await;
    db.exec("CREATE EXTENSION hstore").await;
    let project = Project::new();
    project.write_schema("[tables.t.columns]\nid = \"integer\"\n");
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(!run.stdout.contains("EXTENSION"), "{}", run.stdout);
    project.run(&db, &["push", "--force"]).assert_no_changes();
    assert_eq!(installed(&db).await, "hstore@public plpgsql@pg_catalog");
}

#[tokio::test]
async fn an_unlisted_extension_is_dropped_only_with_force_and_never_plpgsql() {
    let db = TestDb::new("ext_drop").await;
    let project = Project::new();
    project.write_schema("extensions = [\"hstore\", \"citext\"]\n");
    project.run(&db, &["push"]).assert_code(0);
    project.write_schema("extensions = [\"citext\"]\n");
    let run = project.run(&db, &["push"]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("drops extension hstore"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(
        installed(&db).await,
        "citext@public hstore@public plpgsql@pg_catalog"
    );
    let run = project.run(&db, &["push", "--force"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("DROP EXTENSION hstore"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("plpgsql"), "{}", run.stdout);
    project.run(&db, &["push", "--force"]).assert_no_changes();
    assert_eq!(installed(&db).await, "citext@public plpgsql@pg_catalog");

    // An empty list manages extensions too: citext goes, plpgsql stays.
    project.write_schema("extensions = []\n");
    project.run(&db, &["push", "--force"]).assert_code(0);
    assert_eq!(installed(&db).await, "plpgsql@pg_catalog");
}

#[tokio::test]
async fn an_extension_in_its_own_schema_comes_after_the_schema_and_moves_with_the_file() {
    let db = TestDb::new("ext_schema").await;
    let project = Project::new();
    project.write_schema(
        "schemas = [\"ext\"]\n[extensions]\ncitext = { schema = \"ext\" }\npgcrypto = {}\n\n[tables.people.columns]\nname = \"ext.citext\"\n",
    );
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    let sql = &run.stdout;
    assert!(
        sql.find("CREATE SCHEMA ext").unwrap()
            < sql.find("CREATE EXTENSION citext SCHEMA ext").unwrap(),
        "{sql}"
    );
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        installed(&db).await,
        "citext@ext pgcrypto@public plpgsql@pg_catalog"
    );
    // Moved back to public (relocatable), along with its type.
    project.write_schema(
        "schemas = [\"ext\"]\n[extensions]\ncitext = { schema = \"public\" }\npgcrypto = {}\n\n[tables.people.columns]\nname = \"public.citext\"\n",
    );
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("ALTER EXTENSION citext SET SCHEMA public"),
        "{}",
        run.stdout
    );
    project.run(&db, &["push"]).assert_no_changes();
    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    assert!(
        pulled
            .stdout
            .contains("extensions = [\"citext\", \"pgcrypto\"]"),
        "{}",
        pulled.stdout
    );
}

#[tokio::test]
async fn supabase_like_extensions_schema_is_left_alone() {
    let db = TestDb::new("ext_supabase").await;
    db.exec(
        "CREATE SCHEMA extensions; CREATE EXTENSION pgcrypto SCHEMA extensions; \
         CREATE EXTENSION \"uuid-ossp\" SCHEMA extensions",
    )
    .await;
    let project = Project::new();
    project.write_schema(
        "extensions = [\"citext\"]\n[tables.notes.columns]\nid = { type = \"uuid\", default_sql = \"extensions.gen_random_uuid()\" }\ntitle = \"public.citext\"\n",
    );
    let run = project.run(&db, &["push", "--force"]);
    run.assert_code(0);
    assert!(!run.stdout.contains("DROP EXTENSION"), "{}", run.stdout);
    project.run(&db, &["push", "--force"]).assert_no_changes();
    assert_eq!(
        installed(&db).await,
        "citext@public pgcrypto@extensions plpgsql@pg_catalog uuid-ossp@extensions"
    );
    // Pull reads every user schema, `extensions` too: it lists each extension where it
    // is, and the pulled file is a no-op.
    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    assert!(
        pulled.stdout.contains(
            "pgcrypto = { schema = \"extensions\" }\nuuid-ossp = { schema = \"extensions\" }\n"
        ),
        "{}",
        pulled.stdout
    );
    project.write_schema(&pulled.stdout);
    project.run(&db, &["push", "--force"]).assert_no_changes();
}

#[tokio::test]
async fn generated_migrations_create_the_extensions_like_a_push() {
    let migrated = TestDb::with_own_role("ext_migrated").await;
    let pushed = TestDb::new("ext_pushed").await;
    let dev = TestDb::new("ext_dev").await;
    let project = Project::new();
    project.write_schema(&format!("extensions = [\"pgcrypto\", \"citext\"]\n{TABLE}"));
    project.run(&dev, &["generate"]).assert_code(0);
    assert_eq!(project.run(&dev, &["generate"]).stdout.trim(), "no changes");
    project.write_schema(&format!(
        "extensions = [\"pgcrypto\", \"citext\", \"hstore\"]\n{TABLE}\nattrs = \"public.hstore\"\n"
    ));
    project
        .run(&dev, &["generate", "--name", "hstore"])
        .assert_code(0);
    assert_eq!(project.run(&dev, &["generate"]).stdout.trim(), "no changes");
    project.run(&migrated, &["migrate"]).assert_code(0);
    let status = project.run(&migrated, &["status"]);
    status.assert_code(0);
    assert!(
        status.stdout.contains("live schema matches schema.toml"),
        "{}",
        status.stdout
    );
    project.run(&migrated, &["check"]).assert_code(0);
    project.run(&pushed, &["push"]).assert_code(0);
    migrated.exec("DROP TABLE __migrations").await;
    assert_eq!(migrated.dump(), pushed.dump());
    project.run(&migrated, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn malformed_extensions_are_reported_with_their_position() {
    let db = TestDb::new("ext_malformed").await;
    let project = Project::new();
    project.write_schema("extensions = \"pgcrypto\"\n");
    let run = project.run(&db, &["push"]);
    run.assert_code(1);
    assert!(run.stderr.contains("schema.toml:1:14"), "{}", run.stderr);
    project.write_schema("[extensions]\ncitext = { schem = \"x\" }\n");
    let run = project.run(&db, &["push"]);
    run.assert_code(1);
    assert!(run.stderr.contains("schema.toml:2:12"), "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean `schema`"),
        "{}",
        run.stderr
    );
    assert_eq!(installed(&db).await, "plpgsql@pg_catalog");
}

/// A pulled database without extensions says so (`extensions = []`), and one installed
/// at a version other than the server's default is pulled with that version: pushing
/// either file onto another database makes its extensions the same (migra's fixture
/// `extversions`).
#[tokio::test]
async fn pull_writes_no_extensions_as_an_empty_list_and_pins_non_default_versions() {
    let bare = TestDb::new("ext_pull_bare").await;
    let target = TestDb::new("ext_pull_target").await;
    target
        .exec("CREATE EXTENSION hstore; CREATE EXTENSION pg_trgm VERSION '1.3'")
        .await;
    let project = Project::new();
    let pulled = project.run(&bare, &["pull"]);
    pulled.assert_code(0);
    assert!(
        pulled
            .stdout
            .starts_with("drop_other_schemas = true\n\nextensions = []\n"),
        "{}",
        pulled.stdout
    );
    project.write_schema(&pulled.stdout);
    project.run(&target, &["push", "--force"]).assert_code(0);
    assert_eq!(installed(&target).await, "plpgsql@pg_catalog");
    project
        .run(&target, &["push", "--force"])
        .assert_no_changes();

    let desired = TestDb::new("ext_pull_versions").await;
    desired
        .exec("CREATE EXTENSION citext VERSION '1.5'; CREATE EXTENSION pg_trgm VERSION '1.4'; CREATE EXTENSION hstore")
        .await;
    target
        .exec("CREATE EXTENSION pg_trgm VERSION '1.3'; CREATE EXTENSION hstore VERSION '1.7'")
        .await;
    let pulled = project.run(&desired, &["pull"]);
    pulled.assert_code(0);
    // hstore is at the server's default version: not pinned.
    assert!(
        pulled.stdout.starts_with(
            "drop_other_schemas = true\n\n[extensions]\ncitext = { schema = \"public\", version = \"1.5\" }\n\
             hstore = { schema = \"public\" }\n\
             pg_trgm = { schema = \"public\", version = \"1.4\" }\n"
        ),
        "{}",
        pulled.stdout
    );
    project.write_schema(&pulled.stdout);
    let run = project.run(&target, &["push", "--force"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("ALTER EXTENSION pg_trgm UPDATE TO '1.4'"),
        "{}",
        run.stdout
    );
    project
        .run(&target, &["push", "--force"])
        .assert_no_changes();
    let versions = "SELECT string_agg(extname || ' ' || extversion, ', ' ORDER BY extname) \
                    FROM pg_extension";
    assert_eq!(
        target.value(versions).await,
        "citext 1.5, hstore 1.8, pg_trgm 1.4, plpgsql 1.0"
    );
    assert_eq!(desired.dump(), target.dump());
}
