//! Leaps: a database several versions behind (or ahead of) its schema.toml is pushed to
//! that version directly. For every ordered pair of a six-version series the result
//! equals a fresh push of the target and settles. The series reuses names the way real
//! projects do: an index or a unique constraint named after a table that a later version
//! drops, a table named like a dropped enum and the reverse, a table dropped and created
//! again under its old name, serial <-> identity on the same sequence name, renames that
//! come and go.

use crate::harness::{Project, TestDb};

const VERSIONS: &[&str] = &[
    // v1
    r#"
[enums]
status = ["todo", "done"]
priority = ["low", "high"]

[tables.todo.columns]
id = { type = "serial", primary_key = true }
title = { type = "text", not_null = true, unique = true }
status = { type = "status", not_null = true, default = "todo" }
priority = "priority"

[tables.todo.indexes]
todo_open_idx = { columns = ["id"], where = "status <> 'done'" }

[tables.tags.columns]
id = { type = "integer", primary_key = true }
label = { type = "text", unique = true }

[tables.todo_tags]
primary_key = ["todo_id", "tag_id"]

[tables.todo_tags.columns]
todo_id = { type = "integer", references = "todo.id", on_delete = "cascade" }
tag_id = { type = "integer", references = "tags.id" }
"#,
    // v2: an enum value in the middle, a column with an index and a check, a new table
    // with an index and a named unique constraint
    r#"
[enums]
status = ["todo", "doing", "done"]
priority = ["low", "high"]

[tables.todo]
checks = { todo_title_len = "length(title) > 0" }

[tables.todo.columns]
id = { type = "serial", primary_key = true }
title = { type = "text", not_null = true, unique = true }
status = { type = "status", not_null = true, default = "todo" }
priority = "priority"
due = "timestamptz"

[tables.todo.indexes]
todo_open_idx = { columns = ["id"], where = "status <> 'done'" }
todo_due_idx = { columns = ["due"] }

[tables.tags.columns]
id = { type = "integer", primary_key = true }
label = { type = "text", unique = true }

[tables.todo_tags]
primary_key = ["todo_id", "tag_id"]

[tables.todo_tags.columns]
todo_id = { type = "integer", references = "todo.id", on_delete = "cascade" }
tag_id = { type = "integer", references = "tags.id" }

[tables.audit]
unique = [{ name = "audit_what_key", columns = ["what"] }]

[tables.audit.columns]
id = { type = "bigint", primary_key = true, identity = "always" }
what = "text"

[tables.audit.indexes]
audit_what_idx = { columns = ["lower(what)"] }
"#,
    // v3: renames (tables and columns); the enum `priority` becomes a table `priority`;
    // `audit` goes and `audit_log` takes its index and constraint names
    r#"
[enums]
status = ["todo", "doing", "done"]

[tables.priority.columns]
id = { type = "integer", primary_key = true }
label = "text"

[tables.tasks]
renamed_from = "todo"
checks = { todo_title_len = "length(headline) > 0" }

[tables.tasks.columns]
id = { type = "serial", primary_key = true }
headline = { type = "text", not_null = true, unique = true, renamed_from = "title" }
status = { type = "status", not_null = true, default = "todo" }
due = "timestamptz"
priority_id = { type = "integer", references = "priority.id" }

[tables.tasks.indexes]
todo_open_idx = { columns = ["id"], where = "status <> 'done'" }
todo_due_idx = { columns = ["due"] }

[tables.tags.columns]
id = { type = "integer", primary_key = true }
label = { type = "text", unique = true }

[tables.task_tags]
renamed_from = "todo_tags"
primary_key = ["task_id", "tag_id"]

[tables.task_tags.columns]
task_id = { type = "integer", references = "tasks.id", on_delete = "cascade", renamed_from = "todo_id" }
tag_id = { type = "integer", references = "tags.id" }

[tables.audit_log]
unique = [{ name = "audit_what_key", columns = ["what"] }]

[tables.audit_log.columns]
id = { type = "bigint", primary_key = true, identity = "always" }
what = "text"

[tables.audit_log.indexes]
audit_what_idx = { columns = ["lower(what)"] }
"#,
    // v4: hints cleaned up; an enum value removed under a check and a partial index;
    // serial becomes identity (same sequence name); the table `tags` becomes an enum
    // `tags`
    r#"
[enums]
status = ["todo", "done"]
tags = ["work", "home"]

[tables.priority.columns]
id = { type = "integer", primary_key = true }
label = "text"

[tables.tasks]
checks = { todo_title_len = "length(headline) > 0", tasks_done_when_due = "status <> 'done' or due is not null" }

[tables.tasks.columns]
id = { type = "integer", primary_key = true, identity = "by default" }
headline = { type = "text", not_null = true, unique = true }
status = { type = "status", not_null = true, default = "todo" }
due = "timestamptz"
priority_id = { type = "integer", references = "priority.id" }

[tables.tasks.indexes]
todo_open_idx = { columns = ["id"], where = "status <> 'done'" }
todo_due_idx = { columns = ["due"] }

[tables.task_tags]
primary_key = ["task_id", "tag"]

[tables.task_tags.columns]
task_id = { type = "integer", references = "tasks.id", on_delete = "cascade" }
tag = "tags"

[tables.audit_log]
unique = [{ name = "audit_what_key", columns = ["what"] }]

[tables.audit_log.columns]
id = { type = "bigint", primary_key = true, identity = "always" }
what = "text"

[tables.audit_log.indexes]
audit_what_idx = { columns = ["lower(what)"] }
"#,
    // v5: `audit_log` goes and `audit` comes back; the table `priority` becomes the enum
    // `priority` again; `todo_open_idx` moves to a new table
    r#"
[enums]
status = ["todo", "done"]
tags = ["work", "home"]
priority = ["low", "mid", "high"]

[tables.tasks]
checks = { todo_title_len = "length(headline) > 0", tasks_done_when_due = "status <> 'done' or due is not null" }

[tables.tasks.columns]
id = { type = "integer", primary_key = true, identity = "by default" }
headline = { type = "text", not_null = true, unique = true }
status = { type = "status", not_null = true, default = "todo" }
due = "timestamptz"
priority = { type = "priority", default = "mid" }

[tables.tasks.indexes]
todo_due_idx = { columns = ["due"] }

[tables.archive.columns]
id = { type = "integer", primary_key = true }
status = "status"

[tables.archive.indexes]
todo_open_idx = { columns = ["id"], where = "status <> 'done'" }

[tables.task_tags]
primary_key = ["task_id", "tag"]

[tables.task_tags.columns]
task_id = { type = "integer", references = "tasks.id", on_delete = "cascade" }
tag = "tags"

[tables.audit]
unique = [{ name = "audit_what_key", columns = ["what"] }]

[tables.audit.columns]
id = { type = "bigint", primary_key = true, identity = "always" }
what = "text"
at = { type = "timestamptz", default_sql = "now()" }

[tables.audit.indexes]
audit_what_idx = { columns = ["lower(what)"] }
"#,
    // v6: `tasks` is `todo` again (a rename back), `archive` goes and its index name
    // returns to `todo`, an enum is renamed
    r#"
[enums]
status = ["todo", "done"]
tags = ["work", "home"]
level = { values = ["low", "mid", "high"], renamed_from = "priority" }

[tables.todo]
renamed_from = "tasks"
checks = { todo_title_len = "length(headline) > 0" }

[tables.todo.columns]
id = { type = "integer", primary_key = true, identity = "by default" }
headline = { type = "text", not_null = true, unique = true }
status = { type = "status", not_null = true, default = "todo" }
due = "timestamptz"
priority = { type = "level", default = "mid" }

[tables.todo.indexes]
todo_open_idx = { columns = ["id"], where = "status <> 'done'" }

[tables.task_tags]
primary_key = ["task_id", "tag"]

[tables.task_tags.columns]
task_id = { type = "integer", references = "todo.id", on_delete = "cascade" }
tag = "tags"

[tables.audit]
unique = [{ name = "audit_what_key", columns = ["what"] }]

[tables.audit.columns]
id = { type = "bigint", primary_key = true, identity = "always" }
what = "text"
at = { type = "timestamptz", default_sql = "now()" }

[tables.audit.indexes]
audit_what_idx = { columns = ["lower(what)"] }
"#,
];

/// The schema dump with each table's column and constraint lines sorted: a leap appends
/// the columns it adds, a fresh push declares them in file order, and PostgreSQL cannot
/// reorder columns. Everything else must match line for line.
fn dump_ignoring_column_order(db: &TestDb) -> String {
    let mut out = Vec::new();
    let mut body: Option<Vec<String>> = None;
    for line in db.dump().lines() {
        match &mut body {
            Some(lines) if line == ");" => {
                lines.sort();
                out.append(lines);
                out.push(line.to_string());
                body = None;
            }
            Some(lines) => lines.push(line.trim_end_matches(',').to_string()),
            None => {
                out.push(line.to_string());
                if line.starts_with("CREATE TABLE ") {
                    body = Some(Vec::new());
                }
            }
        }
    }
    out.join("\n")
}

/// A fresh push of every version, as dumps (checking that each settles).
async fn fresh_dumps(label: &str) -> Vec<String> {
    let project = Project::new();
    let mut dumps = Vec::new();
    for (i, version) in VERSIONS.iter().enumerate() {
        let db = TestDb::new(&format!("{label}_fresh_v{}", i + 1)).await;
        project.write_schema(version);
        project.run(&db, &["push"]).assert_code(0);
        project.run(&db, &["push"]).assert_no_changes();
        dumps.push(dump_ignoring_column_order(&db));
    }
    dumps
}

/// Pushes version `from`, then version `to` directly; every failure is collected so that
/// one run shows all the leaps that do not hold.
async fn leap(label: &str, from: usize, to: usize, fresh: &[String]) -> Result<(), String> {
    let db = TestDb::new(&format!("{label}_v{}_v{}", from + 1, to + 1)).await;
    let project = Project::new();
    project.write_schema(VERSIONS[from]);
    project.run(&db, &["push"]).assert_code(0);
    project.write_schema(VERSIONS[to]);
    let pair = format!("v{} -> v{}", from + 1, to + 1);
    let run = project.run(&db, &["push", "--force"]);
    if run.code != 0 {
        return Err(format!(
            "{pair}: push failed\n{}\n{}",
            run.stdout, run.stderr
        ));
    }
    let again = project.run(&db, &["push"]);
    if again.code != 0 || again.stdout.trim() != "no changes" {
        return Err(format!(
            "{pair}: does not settle\n{}\n{}",
            again.stdout, again.stderr
        ));
    }
    let got = dump_ignoring_column_order(&db);
    if got != fresh[to] {
        let diff = similar::TextDiff::from_lines(&fresh[to], &got);
        return Err(format!(
            "{pair}: differs from a fresh push (- fresh, + leap)\n{}",
            diff.unified_diff()
        ));
    }
    Ok(())
}

/// The same leap through files: `generate` for version `from` (a first migration),
/// then `generate` for version `to` from that snapshot; migrating an empty database
/// through both must give a fresh push of `to`.
async fn generated_leap(
    label: &str,
    from: usize,
    to: usize,
    fresh: &[String],
) -> Result<(), String> {
    let db = TestDb::new(&format!("{label}_v{}_v{}", from + 1, to + 1)).await;
    let project = Project::new();
    let pair = format!("generate v{} -> v{}", from + 1, to + 1);
    for version in [from, to] {
        project.write_schema(VERSIONS[version]);
        let run = project.run(&db, &["generate"]);
        if run.code != 0 {
            return Err(format!(
                "{pair}: generate failed\n{}\n{}",
                run.stdout, run.stderr
            ));
        }
    }
    let again = project.run(&db, &["generate"]);
    if again.code != 0 || again.stdout.trim() != "no changes" {
        return Err(format!(
            "{pair}: generate does not settle\n{}\n{}",
            again.stdout, again.stderr
        ));
    }
    let run = project.run(&db, &["migrate"]);
    if run.code != 0 {
        let files: Vec<String> = std::fs::read_dir(project.path().join("migrations"))
            .unwrap()
            .filter_map(|e| {
                let path = e.ok()?.path();
                let text = std::fs::read_to_string(&path).ok()?;
                Some(format!("--- {}\n{text}", path.display()))
            })
            .collect();
        return Err(format!(
            "{pair}: migrate failed\n{}\n{}\n{}",
            run.stdout,
            run.stderr,
            files.join("\n")
        ));
    }
    db.exec("drop table __migrations").await;
    let got = dump_ignoring_column_order(&db);
    if got != fresh[to] {
        let diff = similar::TextDiff::from_lines(&fresh[to], &got);
        return Err(format!(
            "{pair}: differs from a fresh push (- fresh, + migrated)\n{}",
            diff.unified_diff()
        ));
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Direction {
    Forward,
    Backward,
}

#[derive(Clone, Copy)]
enum Mode {
    Push,
    Generate,
}

/// Every (from, to) pair of distinct versions, in the given direction.
fn leap_pairs(direction: Direction) -> Vec<(usize, usize)> {
    let n = VERSIONS.len();
    (0..n)
        .flat_map(|i| {
            (i + 1..n).map(move |j| match direction {
                Direction::Forward => (i, j),
                Direction::Backward => (j, i),
            })
        })
        .collect()
}

async fn all_leaps(label: &str, direction: Direction, mode: Mode) {
    let fresh = fresh_dumps(label).await;
    let mut failures = Vec::new();
    for (from, to) in leap_pairs(direction) {
        let result = match mode {
            Mode::Push => leap(label, from, to, &fresh).await,
            Mode::Generate => generated_leap(label, from, to, &fresh).await,
        };
        if let Err(e) = result {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} leap(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[tokio::test]
async fn every_forward_leap_converges_to_a_fresh_push() {
    all_leaps("leap_fwd", Direction::Forward, Mode::Push).await;
}

#[tokio::test]
async fn every_backward_leap_converges_to_a_fresh_push() {
    all_leaps("leap_back", Direction::Backward, Mode::Push).await;
}

#[tokio::test]
async fn every_forward_leap_through_generate_migrates_to_a_fresh_push() {
    all_leaps("leap_gen_fwd", Direction::Forward, Mode::Generate).await;
}

#[tokio::test]
async fn every_backward_leap_through_generate_migrates_to_a_fresh_push() {
    all_leaps("leap_gen_back", Direction::Backward, Mode::Generate).await;
}

#[tokio::test]
async fn a_sequence_outlives_the_table_it_was_owned_by_when_another_takes_it_over() {
    let db = TestDb::new("leap_sequence_owner_moves").await;
    let project = Project::new();
    project.write_schema("[tables.a.columns]\nid = { type = \"serial\", primary_key = true }\n");
    project.run(&db, &["push"]).assert_code(0);
    db.exec("insert into a default values; insert into a default values")
        .await;
    // Drops `a` (early, freeing its names) while `b` takes over its sequence.
    project.write_schema(
        r#"
[sequences]
a_id_seq = { type = "integer", owned_by = "b.id" }

[tables.b.columns]
id = { type = "integer", primary_key = true, default_sql = "nextval('a_id_seq')" }
"#,
    );
    project.run(&db, &["push", "--force"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    db.exec("insert into b default values").await;
    assert_eq!(db.value("select id::text from b").await, "3");
    assert_eq!(
        db.value("select pg_get_serial_sequence('b', 'id')").await,
        "public.a_id_seq"
    );
}

/// One leap from `from` to `to`, by push and by generate + migrate; both must end as a
/// fresh push of `to` and settle. Returns the failures, labelled by `case`.
async fn pair_leap(label: &str, case: &str, from: &str, to: &str) -> Vec<String> {
    let versions = [from, to];
    let project = Project::new();
    let fresh_db = TestDb::new(&format!("{label}_fresh")).await;
    project.write_schema(to);
    project.run(&fresh_db, &["push"]).assert_code(0);
    let fresh = dump_ignoring_column_order(&fresh_db);
    let mut failures = Vec::new();

    let db = TestDb::new(&format!("{label}_push")).await;
    project.write_schema(from);
    project.run(&db, &["push"]).assert_code(0);
    project.write_schema(to);
    let run = project.run(&db, &["push", "--force"]);
    if run.code != 0 {
        failures.push(format!(
            "{case}: push failed\n{}\n{}",
            run.stdout, run.stderr
        ));
    } else if dump_ignoring_column_order(&db) != fresh {
        failures.push(format!("{case}: push differs from a fresh push"));
    } else if project.run(&db, &["push"]).stdout.trim() != "no changes" {
        failures.push(format!("{case}: push does not settle"));
    }

    let db = TestDb::new(&format!("{label}_gen")).await;
    let project = Project::new();
    for version in versions {
        project.write_schema(version);
        project.run(&db, &["generate"]).assert_code(0);
    }
    let run = project.run(&db, &["migrate"]);
    if run.code != 0 {
        failures.push(format!(
            "{case}: migrate failed\n{}\n{}",
            run.stdout, run.stderr
        ));
    } else {
        db.exec("drop table __migrations").await;
        if dump_ignoring_column_order(&db) != fresh {
            failures.push(format!("{case}: migrate differs from a fresh push"));
        }
    }
    failures
}

async fn assert_pair_leaps(label: &str, cases: &[(&str, &str, &str)]) {
    let mut failures = Vec::new();
    for (i, (case, from, to)) in cases.iter().enumerate() {
        failures.extend(pair_leap(&format!("{label}_{i}"), case, from, to).await);
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[tokio::test]
async fn a_rename_takes_a_name_that_a_drop_frees() {
    assert_pair_leaps(
        "leap_rename_takes",
        &[
            (
                "table renamed onto a dropped enum",
                "[enums]\nmood = [\"a\"]\n[tables.t.columns]\nid = \"integer\"\n",
                "[tables.mood]\nrenamed_from = \"t\"\n[tables.mood.columns]\nid = \"integer\"\n",
            ),
            (
                "table renamed onto a dropped enum a column of it used",
                "[enums]\nmood = [\"a\"]\n[tables.t.columns]\nid = \"integer\"\nm = \"mood\"\n",
                "[tables.mood]\nrenamed_from = \"t\"\n[tables.mood.columns]\nid = \"integer\"\n",
            ),
            (
                "table renamed onto a dropped index",
                "[tables.t.columns]\nid = \"integer\"\n[tables.o.columns]\nx = \"text\"\n[tables.o.indexes]\nu = { columns = [\"x\"] }\n",
                "[tables.u]\nrenamed_from = \"t\"\n[tables.u.columns]\nid = \"integer\"\n[tables.o.columns]\nx = \"text\"\n",
            ),
            (
                "table renamed onto a dropped sequence",
                "[sequences]\nu = { type = \"bigint\" }\n[tables.t.columns]\nid = \"integer\"\n",
                "[tables.u]\nrenamed_from = \"t\"\n[tables.u.columns]\nid = \"integer\"\n",
            ),
            (
                "table renamed onto the index of a dropped primary key",
                "[tables.o.columns]\nid = { type = \"integer\", primary_key = true }\n[tables.t.columns]\nid = \"integer\"\n",
                "[tables.o.columns]\nid = \"integer\"\n[tables.o_pkey]\nrenamed_from = \"t\"\n[tables.o_pkey.columns]\nid = \"integer\"\n",
            ),
            (
                "table renamed onto the sequence of a dropped serial column",
                "[tables.a.columns]\nid = \"integer\"\nn = \"serial\"\n[tables.t.columns]\nid = \"integer\"\n",
                "[tables.a.columns]\nid = \"integer\"\n[tables.a_n_seq]\nrenamed_from = \"t\"\n[tables.a_n_seq.columns]\nid = \"integer\"\n",
            ),
            (
                "table renamed onto an index of a dropped table",
                "[tables.o.columns]\nid = \"integer\"\n[tables.o.indexes]\nix = { columns = [\"id\"] }\n[tables.t.columns]\nid = \"integer\"\n",
                "[tables.ix]\nrenamed_from = \"t\"\n[tables.ix.columns]\nid = \"integer\"\n",
            ),
            (
                "enum renamed onto a dropped table's row type",
                "[enums]\nmood = [\"a\"]\n[tables.feel.columns]\nid = \"integer\"\n",
                "[enums.feel]\nvalues = [\"a\"]\nrenamed_from = \"mood\"\n",
            ),
            (
                "identity sequence follows a table rename onto a dropped table's name",
                "[tables.t.columns]\nid = { type = \"integer\", identity = \"always\" }\n[tables.u_id_seq.columns]\nx = \"text\"\n",
                "[tables.u]\nrenamed_from = \"t\"\n[tables.u.columns]\nid = { type = \"integer\", identity = \"always\" }\n",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_creation_takes_a_name_that_a_rename_frees() {
    assert_pair_leaps(
        "leap_rename_frees",
        &[
            (
                "table renamed, a new enum takes its old name",
                "[tables.t.columns]\nid = \"integer\"\n",
                "[enums]\nt = [\"a\"]\n[tables.u]\nrenamed_from = \"t\"\n[tables.u.columns]\nid = \"integer\"\n",
            ),
            (
                "enum renamed, a new table takes its old name",
                "[enums]\nmood = [\"a\"]\n",
                "[tables.mood.columns]\nid = \"integer\"\n[enums.feel]\nvalues = [\"a\"]\nrenamed_from = \"mood\"\n",
            ),
            (
                "identity sequence renamed with its table, a new sequence takes its old name",
                "[tables.t.columns]\nid = { type = \"integer\", identity = \"always\" }\n",
                "[sequences]\nt_id_seq = { type = \"bigint\" }\n[tables.u]\nrenamed_from = \"t\"\n[tables.u.columns]\nid = { type = \"integer\", identity = \"always\" }\n",
            ),
            (
                "key index renamed with its table, a new table takes its old name",
                "[tables.t.columns]\nid = { type = \"integer\", primary_key = true }\n",
                "[tables.u]\nrenamed_from = \"t\"\n[tables.u.columns]\nid = { type = \"integer\", primary_key = true }\n[tables.t_pkey.columns]\nid = \"integer\"\n",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_creation_takes_a_name_that_a_drop_frees() {
    assert_pair_leaps(
        "leap_drop_frees",
        &[
            (
                "dropped serial column, a new serial column takes its sequence",
                "[tables.a.columns]\nid = \"integer\"\nb_c = \"serial\"\n",
                "[tables.a.columns]\nid = \"integer\"\n[tables.a_b.columns]\nc = \"serial\"\n",
            ),
            (
                "dropped serial column, a [sequences] entry takes its sequence",
                "[tables.a.columns]\nid = \"integer\"\nn = \"serial\"\n",
                "[sequences]\na_n_seq = { type = \"bigint\" }\n[tables.a.columns]\nid = \"integer\"\n",
            ),
            (
                "dropped serial column, a new table takes its sequence's name",
                "[tables.a.columns]\nid = \"integer\"\nn = \"serial\"\n",
                "[tables.a.columns]\nid = \"integer\"\n[tables.a_n_seq.columns]\nid = \"integer\"\n",
            ),
            (
                "dropped serial column, a new identity column takes its sequence",
                "[tables.a.columns]\nid = \"integer\"\nb_c = \"serial\"\n",
                "[tables.a.columns]\nid = \"integer\"\n[tables.a_b.columns]\nc = { type = \"integer\", identity = \"always\" }\n",
            ),
            (
                "serial column becomes a plain column, a [sequences] entry takes its sequence",
                "[tables.a.columns]\nn = \"serial\"\n",
                "[sequences]\na_n_seq = { type = \"integer\" }\n[tables.a.columns]\nn = \"integer\"\n",
            ),
            (
                "dropped table, a new enum takes its row type's name",
                "[tables.t.columns]\nid = \"integer\"\n",
                "[enums]\nt = [\"a\"]\n",
            ),
            (
                "dropped enum, a new table takes its name",
                "[enums]\nt = [\"a\"]\n",
                "[tables.t.columns]\nid = \"integer\"\n",
            ),
            (
                "dropped primary key's index name taken by a new table",
                "[tables.t.columns]\nid = { type = \"integer\", primary_key = true }\n",
                "[tables.t.columns]\nid = \"integer\"\n[tables.t_pkey.columns]\nid = \"integer\"\n",
            ),
            (
                "dropped table, a new index takes its name",
                "[tables.t.columns]\nid = \"integer\"\n[tables.ix.columns]\nid = \"integer\"\n",
                "[tables.t.columns]\nid = \"integer\"\n[tables.t.indexes]\nix = { columns = [\"id\"] }\n",
            ),
        ],
    )
    .await;
}
