//! Row-level security and policies: created with the table's RLS, compared through the
//! server, and guarded: a change that can let more rows through is refused without
//! `--force`, naming the table, the policy and why.

use crate::harness::{Project, TestDb, assert_same_schema};

/// Roles are cluster-wide: each test makes its own, named after it.
async fn roles(db: &TestDb, names: &[&str]) {
    for name in names {
        db.exec(&format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') \
             THEN CREATE ROLE \"{name}\"; END IF; END $$"
        ))
        .await;
    }
}

fn schema(rls: &str, policies: &str) -> String {
    format!(
        r#"
[tables.tasks]
{rls}
[tables.tasks.columns]
id = {{ type = "integer", primary_key = true }}
owner = {{ type = "text", not_null = true }}
archived = {{ type = "boolean", not_null = true, default = false }}
{policies}"#
    )
}

const OWNER_ONLY: &str = r#"
[tables.tasks.policies.owner_only]
using = "owner = current_user"
with_check = "owner = current_user"
"#;

const NOT_ARCHIVED: &str = r#"
[tables.tasks.policies.not_archived]
restrictive = true
command = "select"
using = "not archived"
"#;

/// The policies as the catalog has them: name, permissive, command, roles, using, check.
async fn catalog(db: &TestDb) -> Vec<Option<String>> {
    db.column(
        "select policyname || ' ' || permissive || ' ' || cmd || ' ' || roles::text || ' ' \
         || coalesce(qual, '-') || ' ' || coalesce(with_check, '-') \
         from pg_policies where tablename = 'tasks' order by policyname",
    )
    .await
}

async fn rls_flags(db: &TestDb) -> String {
    db.value(
        "select relrowsecurity::text || ' ' || relforcerowsecurity::text \
         from pg_class where oid = 'tasks'::regclass",
    )
    .await
}

/// Refused with exit 2 and every `expected` text on stderr, the database unchanged;
/// `--force` then applies it and a second push settles.
async fn refused_then_forced(db: &TestDb, project: &Project, expected: &[&str]) {
    let before = db.dump();
    let run = project.run(db, &["push"]);
    run.assert_code(2);
    for text in expected {
        assert!(
            run.stderr.contains(text),
            "missing {text:?} in:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stdout.contains("-- widens access:"),
        "the plan marks the step:\n{}",
        run.stdout
    );
    assert_eq!(db.dump(), before, "a refused push changes nothing");
    project.run(db, &["push", "--force"]).assert_code(0);
    project.run(db, &["push"]).assert_no_changes();
}

/// Rows `role` sees in tasks.
async fn visible_to(db: &TestDb, role: &str) -> String {
    let client = db.client().await;
    client
        .batch_execute(&format!(
            "GRANT SELECT ON tasks TO \"{role}\"; SET ROLE \"{role}\""
        ))
        .await
        .expect("grant and set role");
    let row = client
        .query_one("select count(*)::text from tasks", &[])
        .await
        .expect("count as the role");
    row.get(0)
}

#[tokio::test]
async fn enabling_rls_with_its_first_policies_is_safe_and_filters_rows() {
    let db = TestDb::new("policies_first").await;
    roles(&db, &["bdp_first_alice"]).await;
    db.exec(
        "create table tasks (id integer primary key, owner text not null, \
         archived boolean not null default false); \
         insert into tasks values (1, 'bdp_first_alice', false), (2, 'bob', false), \
         (3, 'bdp_first_alice', true)",
    )
    .await;
    assert_eq!(visible_to(&db, "bdp_first_alice").await, "3");

    let project = Project::new();
    project.write_schema(&schema(
        "row_level_security = true",
        &format!("{OWNER_ONLY}{NOT_ARCHIVED}"),
    ));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("ENABLE ROW LEVEL SECURITY"),
        "{}",
        run.stdout
    );
    assert_eq!(rls_flags(&db).await, "true false");
    assert_eq!(
        catalog(&db).await,
        [
            Some("not_archived RESTRICTIVE SELECT {public} (NOT archived) -".into()),
            Some(
                "owner_only PERMISSIVE ALL {public} (owner = CURRENT_USER) (owner = CURRENT_USER)"
                    .into()
            ),
        ]
    );
    // Alice sees her own rows that are not archived.
    assert_eq!(visible_to(&db, "bdp_first_alice").await, "1");
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn changes_that_widen_access_are_refused_without_force() {
    let db = TestDb::new("policies_widen").await;
    roles(&db, &["bdp_widen_reader"]).await;
    let project = Project::new();
    project.write_schema(&schema(
        "row_level_security = true",
        &format!("{OWNER_ONLY}{NOT_ARCHIVED}"),
    ));
    project.run(&db, &["push"]).assert_code(0);

    // Altering a permissive policy.
    project.write_schema(&schema(
        "row_level_security = true",
        &format!(
            "{}{NOT_ARCHIVED}",
            OWNER_ONLY.replace(
                "using = \"owner = current_user\"",
                "using = \"owner = current_user or owner = 'shared'\""
            )
        ),
    ));
    refused_then_forced(
        &db,
        &project,
        &[
            "refused: the plan has 1 step(s) that widen access",
            "policy owner_only on tasks: alters a permissive policy",
        ],
    )
    .await;
    assert!(
        catalog(&db).await[1]
            .as_deref()
            .unwrap()
            .contains("'shared'::text"),
        "{:?}",
        catalog(&db).await
    );

    // Adding a permissive policy for a role.
    let readers = r#"
[tables.tasks.policies.readers]
command = "select"
roles = ["bdp_widen_reader"]
using = "true"
"#;
    project.write_schema(&schema(
        "row_level_security = true",
        &format!("{OWNER_ONLY}{NOT_ARCHIVED}{readers}"),
    ));
    refused_then_forced(
        &db,
        &project,
        &["policy readers on tasks: adds a permissive policy"],
    )
    .await;

    // Widening its roles.
    project.write_schema(&schema(
        "row_level_security = true",
        &format!(
            "{OWNER_ONLY}{NOT_ARCHIVED}{}",
            readers.replace("[\"bdp_widen_reader\"]", "[\"public\"]")
        ),
    ));
    refused_then_forced(
        &db,
        &project,
        &["policy readers on tasks: alters a permissive policy"],
    )
    .await;

    // Dropping a permissive policy narrows access: applied, and shown in the plan.
    project.write_schema(&schema(
        "row_level_security = true",
        &format!("{OWNER_ONLY}{NOT_ARCHIVED}"),
    ));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("DROP POLICY readers ON public.tasks"),
        "{}",
        run.stdout
    );

    // Adding a restrictive policy narrows access too.
    let mine = "[tables.tasks.policies.mine]\nrestrictive = true\nusing = \"owner <> ''\"\n";
    project.write_schema(&schema(
        "row_level_security = true",
        &format!("{OWNER_ONLY}{NOT_ARCHIVED}{mine}"),
    ));
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();

    // Altering, then dropping a restrictive policy; turning one permissive.
    project.write_schema(&schema(
        "row_level_security = true",
        &format!(
            "{OWNER_ONLY}{NOT_ARCHIVED}{}",
            mine.replace("owner <> ''", "owner <> 'x'")
        ),
    ));
    refused_then_forced(
        &db,
        &project,
        &["policy mine on tasks: alters a restrictive policy"],
    )
    .await;
    project.write_schema(&schema(
        "row_level_security = true",
        &format!(
            "{OWNER_ONLY}{NOT_ARCHIVED}{}",
            mine.replace("owner <> ''", "owner <> 'x'")
                .replace("restrictive = true\n", "")
        ),
    ));
    refused_then_forced(
        &db,
        &project,
        &["policy mine on tasks: turns a restrictive policy permissive"],
    )
    .await;
    project.write_schema(&schema("row_level_security = true", OWNER_ONLY));
    refused_then_forced(
        &db,
        &project,
        &[
            "refused: the plan has 1 step(s) that widen access",
            "policy not_archived on tasks: drops a restrictive policy",
        ],
    )
    .await;
    assert_eq!(catalog(&db).await.len(), 1);
}

#[tokio::test]
async fn rls_enabled_forced_and_disabled() {
    let db = TestDb::new("policies_rls_modes").await;
    let project = Project::new();
    project.write_schema(&schema("row_level_security = true", OWNER_ONLY));
    project.run(&db, &["push"]).assert_code(0);
    assert_eq!(rls_flags(&db).await, "true false");

    // Forcing narrows: the owner is filtered too.
    project.write_schema(&schema("row_level_security = \"force\"", OWNER_ONLY));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("FORCE ROW LEVEL SECURITY"),
        "{}",
        run.stdout
    );
    assert_eq!(rls_flags(&db).await, "true true");
    project.run(&db, &["push"]).assert_no_changes();

    project.write_schema(&schema("row_level_security = true", OWNER_ONLY));
    refused_then_forced(
        &db,
        &project,
        &["table tasks: removes FORCE ROW LEVEL SECURITY"],
    )
    .await;
    assert_eq!(rls_flags(&db).await, "true false");

    project.write_schema(&schema("", OWNER_ONLY));
    refused_then_forced(&db, &project, &["table tasks: disables row-level security"]).await;
    assert_eq!(rls_flags(&db).await, "false false");
    // The policy is kept (it does nothing while RLS is off); changing it is then safe.
    project.write_schema(&schema(
        "",
        &OWNER_ONLY.replace("owner = current_user\"\n", "owner = session_user\"\n"),
    ));
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();

    // Enabling again, forced straight away, with the same push: safe.
    project.write_schema(&schema("row_level_security = \"force\"", OWNER_ONLY));
    project.run(&db, &["push"]).assert_code(0);
    assert_eq!(rls_flags(&db).await, "true true");
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn a_policy_using_a_function_settles_and_pulls_back() {
    let source = TestDb::new("policies_function").await;
    roles(&source, &["bdp_fn_staff", "bdp_fn_Audit"]).await;
    let project = Project::new();
    project.write_schema(&format!(
        "{}{}",
        schema("row_level_security = \"force\"", ""),
        r#"
[functions.is_owner]
args = "who text"
returns = "boolean"
volatility = "stable"
body = "select who = current_user"

[tables.tasks.policies."Owner can edit"]
command = "update"
roles = ["bdp_fn_staff", "bdp_fn_Audit"]
using = "is_owner(owner)"
with_check = "is_owner(owner) AND NOT archived"
comment = "only the owner"

[tables.tasks.policies.no_deletes]
command = "delete"
restrictive = true
using = "false"
"#
    ));
    project.run(&source, &["push"]).assert_code(0);
    project.run(&source, &["push"]).assert_no_changes();
    // The policy calls the declared function (pg_depend), created before it.
    assert_eq!(
        source
            .value(
                "select count(distinct d.refobjid) from pg_depend d join pg_policy p on p.oid = d.objid \
                 where d.classid = 'pg_policy'::regclass and p.polname = 'Owner can edit' \
                 and d.refclassid = 'pg_proc'::regclass and d.refobjid = 'is_owner(text)'::regprocedure"
            )
            .await,
        "1"
    );
    assert_eq!(
        source
            .value(
                "select obj_description(oid, 'pg_policy') from pg_policy \
                 where polname = 'Owner can edit'"
            )
            .await,
        "only the owner"
    );

    // Pull writes them back; pushing the pulled file is a no-op and reproduces them.
    let pulled_project = Project::new();
    let run = pulled_project.run(&source, &["pull", "--out", "schema.toml"]);
    run.assert_code(0);
    let pulled = std::fs::read_to_string(pulled_project.schema_path()).unwrap();
    assert!(
        pulled.contains("row_level_security = \"force\""),
        "{pulled}"
    );
    assert!(
        pulled.contains("[tables.tasks.policies.\"Owner can edit\"]")
            && pulled.contains("[functions.is_owner]"),
        "{pulled}"
    );
    assert!(
        !run.stderr.contains("polic"),
        "policies are no longer left out: {}",
        run.stderr
    );
    pulled_project.run(&source, &["push"]).assert_no_changes();
    let copy = TestDb::new("policies_function_copy").await;
    pulled_project.run(&copy, &["push"]).assert_code(0);
    assert_same_schema(&source, &copy, &pulled);
}

#[tokio::test]
async fn generated_migrations_carry_policies_like_a_push() {
    let dev = TestDb::new("policies_generate_dev").await;
    let migrated = TestDb::new("policies_generate_migrated").await;
    let pushed = TestDb::new("policies_generate_pushed").await;
    roles(&dev, &["bdp_gen_reader"]).await;
    let project = Project::new();
    project.write_schema(&schema(
        "row_level_security = true",
        &format!("{OWNER_ONLY}{NOT_ARCHIVED}"),
    ));
    project.run(&dev, &["generate"]).assert_code(0);
    project.write_schema(&schema(
        "row_level_security = \"force\"",
        &format!(
            "{}{NOT_ARCHIVED}\n[tables.tasks.policies.readers]\ncommand = \"select\"\nroles = [\"bdp_gen_reader\"]\nusing = \"archived IN (true, false)\"\n",
            OWNER_ONLY.replace("owner = current_user\"\n", "lower(owner) = current_user\"\n")
        ),
    ));
    let run = project.run(&dev, &["generate", "--name", "readers"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("widens access"),
        "generate notes the widening steps: {}",
        run.stdout
    );
    assert_eq!(project.run(&dev, &["generate"]).stdout.trim(), "no changes");

    project.run(&migrated, &["migrate"]).assert_code(0);
    project.run(&pushed, &["push"]).assert_code(0);
    migrated.exec("drop table __migrations").await;
    assert_eq!(migrated.dump(), pushed.dump());
    project.run(&migrated, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn malformed_policies_are_reported_with_file_line_and_column() {
    let db = TestDb::new("policies_malformed").await;
    let project = Project::new();
    project.write_schema(&schema(
        "row_level_security = \"yes\"",
        r#"
[tables.tasks.policies.p]
command = "insert"
using = "true"

[tables.tasks.policies.q]
command = "upsert"

[tables.tasks.policies.r]
using = "true; drop table tasks"

[tables.tasks.policies.s]
roles = ["bdp_x", "PUBLIC"]
"#,
    ));
    let run = project.run(&db, &["push"]);
    assert_ne!(run.code, 0);
    for text in [
        "schema.toml:3:22: row_level_security must be true, false or \"force\"",
        "schema.toml:11:1: a policy for INSERT has no `using`",
        "schema.toml:14:11: unknown policy command \"upsert\"",
        "schema.toml:17:",
        "schema.toml:20:9: roles lists public together with other roles",
    ] {
        assert!(
            run.stderr.contains(text),
            "missing {text:?} in:\n{}",
            run.stderr
        );
    }
    assert_eq!(
        db.value("select count(*)::text from pg_class where relname = 'tasks'")
            .await,
        "0",
        "nothing reached the database"
    );
}

#[tokio::test]
async fn a_policy_is_set_aside_while_its_columns_change() {
    let db = TestDb::new("policies_columns").await;
    let project = Project::new();
    let v1 = r#"
[tables.notes]
row_level_security = true
[tables.notes.columns]
id = { type = "integer", primary_key = true }
level = "integer"
legacy = "text"
[tables.notes.policies.visible]
using = "level > 0 and legacy is distinct from 'hidden'"
comment = "kept through the type change"
"#;
    project.write_schema(v1);
    project.run(&db, &["push"]).assert_code(0);

    // A widening type change under the policy: the policy is set aside and comes back.
    let v2 = v1.replace("level = \"integer\"", "level = \"bigint\"");
    project.write_schema(&v2);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(run.stdout.contains("DROP POLICY visible"), "{}", run.stdout);
    assert_eq!(
        db.value("select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'notes'::regclass and attname = 'level'").await,
        "bigint"
    );
    assert_eq!(
        db.value(
            "select obj_description(oid, 'pg_policy') from pg_policy where polname = 'visible'"
        )
        .await,
        "kept through the type change"
    );
    project.run(&db, &["push"]).assert_no_changes();

    // Dropping a column the policy used, with the policy changed to do without it.
    let v3 = v2
        .replace("legacy = \"text\"\n", "")
        .replace(" and legacy is distinct from 'hidden'", "");
    project.write_schema(&v3);
    let run = project.run(&db, &["push", "--force"]);
    run.assert_code(0);
    assert_eq!(
        db.value("select pg_get_expr(polqual, polrelid) from pg_policy where polname = 'visible'")
            .await,
        "(level > 0)"
    );
    project.run(&db, &["push"]).assert_no_changes();
}

/// A policy that calls a function with a SQL-standard body (created late, just before the
/// views) and one whose subquery reads a view: each created after what it uses, dropped
/// before it.
#[tokio::test]
async fn policies_are_ordered_after_the_functions_and_views_they_use() {
    let db = TestDb::new("policies_order").await;
    let project = Project::new();
    let staff = r#"
[tables.staff.columns]
name = { type = "text", primary_key = true }
"#;
    let uses = r#"
[functions.is_staff]
args = "who text"
returns = "boolean"
volatility = "stable"
body = "RETURN who IN (SELECT name FROM staff)"

[views.staff_names]
query = "select name from staff"

[tables.tasks.policies.staff_only]
using = "is_staff(owner)"

[tables.tasks.policies.via_view]
command = "select"
using = "owner IN (SELECT name FROM staff_names)"
"#;
    project.write_schema(&format!(
        "{}{staff}",
        schema("row_level_security = true", uses)
    ));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    let out = &run.stdout;
    let at = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in {out}"))
    };
    assert!(at("CREATE FUNCTION public.is_staff") < at("CREATE POLICY staff_only"));
    assert!(at("CREATE VIEW public.staff_names") < at("CREATE POLICY via_view"));
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        catalog(&db).await,
        [
            Some("staff_only PERMISSIVE ALL {public} is_staff(owner) -".to_string()),
            Some(
                "via_view PERMISSIVE SELECT {public} (owner IN ( SELECT staff_names.name\n   FROM staff_names)) -"
                    .to_string()
            ),
        ]
    );

    // Dropped together: each policy before the function and the view it used.
    project.write_schema(&format!(
        "{}{staff}",
        schema("row_level_security = true", "")
    ));
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    let out = &run.stdout;
    let at = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in {out}"))
    };
    assert!(
        at("DROP POLICY staff_only ON public.tasks") < at("DROP FUNCTION public.is_staff(text)")
    );
    assert!(at("DROP POLICY via_view ON public.tasks") < at("DROP VIEW public.staff_names"));
    project.run(&db, &["push"]).assert_no_changes();
    assert!(catalog(&db).await.is_empty());
    assert_eq!(
        db.value("select count(*)::text from pg_proc where proname = 'is_staff'")
            .await,
        "0"
    );
}

/// Hand-written policy expressions on many tables are read in the server's spelling even
/// when their tables share one scratch table (policies naming the same columns) and the
/// same expressions share one scratch policy (`a.mine` and `b.mine` at first): each
/// settles, and a change to one of them is seen on that policy alone.
#[tokio::test]
async fn hand_written_policies_on_many_tables_settle_and_change_one_by_one() {
    let db = TestDb::new("policies_many_tables").await;
    let project = Project::new();
    let tables = |b_mine: &str| {
        let mut out = String::new();
        for (name, owner_type) in [
            ("a", "text"),
            ("b", "text"),
            ("c", "text"),
            ("d", "varchar(20)"),
        ] {
            out.push_str(&format!(
                r#"
[tables.{name}]
row_level_security = true
[tables.{name}.columns]
id = {{ type = "integer", primary_key = true }}
owner = {{ type = "{owner_type}", not_null = true }}
archived = {{ type = "boolean", not_null = true, default = false }}
"#
            ));
        }
        out.push_str(&format!(
            r#"
[tables.a.policies.mine]
using = "owner = current_user"
[tables.b.policies.mine]
using = "{b_mine}"
[tables.b.policies.open]
command = "select"
using = "not archived and owner <> ''"
[tables.c.policies.mine]
using = "exists (select 1 from a where a.owner = c.owner)"
[tables.d.policies.mine]
using = "owner = current_user"
"#
        ));
        out
    };
    project.write_schema(&tables("owner = current_user"));
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();

    project.write_schema(&tables("owner <> current_user"));
    let plan = project.run(&db, &["push", "--dry-run"]);
    plan.assert_code(0);
    let altered: Vec<&str> = (plan.stdout.lines())
        .filter(|l| l.contains("POLICY"))
        .collect();
    assert_eq!(altered.len(), 1, "{}", plan.stdout);
    assert!(altered[0].contains("mine ON public.b"), "{}", plan.stdout);
    project.run(&db, &["push", "--force"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        db.column(
            "select tablename || ' ' || policyname || ' ' || qual from pg_policies \
             order by tablename, policyname"
        )
        .await,
        [
            "a mine (owner = CURRENT_USER)",
            "b mine (owner <> CURRENT_USER)",
            "b open ((NOT archived) AND (owner <> ''::text))",
            "c mine (EXISTS ( SELECT 1\n   FROM a\n  WHERE (a.owner = c.owner)))",
            "d mine ((owner)::text = CURRENT_USER)",
        ]
        .map(|s| Some(s.to_string()))
    );
}
