//! Pure tests of the loader and the writer (no database).

use super::*;
use crate::model::{
    CheckConstraint, Column, Deferrable, Enum, ExclusionConstraint, FkAction, ForeignKey, Identity,
    IdentityKind, Index, PrimaryKey, QualifiedName, Sequence, SequenceOptions, Table,
    UniqueConstraint, names,
};

fn ok(src: &str) -> Schema {
    match parse(src, "schema.toml") {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

fn errors(src: &str) -> Vec<Diagnostic> {
    match parse(src, "schema.toml") {
        Ok(s) => panic!("expected errors, got {s:#?}"),
        Err(SchemaFileError::Invalid { diagnostics, .. }) => diagnostics,
        Err(e) => panic!("{e}"),
    }
}

fn q(name: &str) -> QualifiedName {
    QualifiedName::public(name)
}

fn col(name: &str, ty: &str) -> Column {
    Column::new(name, ty)
}

#[test]
fn repository_schema() {
    let s = ok(include_str!("../../schema.toml"));
    assert_eq!(s.schemas, vec!["public"]);
    assert!(s.enums.is_empty() && s.sequences.is_empty());
    assert_eq!(
        s.tables.keys().map(|k| k.name.as_str()).collect::<Vec<_>>(),
        ["conversations", "reminders", "tasks"]
    );

    let tasks = &s.tables[&q("tasks")];
    // updated_at is kept current by a BEFORE UPDATE trigger on a declared function.
    let trigger = &tasks.triggers[0];
    assert_eq!(trigger.name, "tasks_set_updated_at");
    assert_eq!(trigger.function, q("set_updated_at"));
    assert_eq!(s.functions.len(), 1);
    assert_eq!(
        s.functions.values().next().unwrap().returns.as_deref(),
        Some("trigger")
    );
    let names: Vec<_> = tasks.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "title",
            "description",
            "status",
            "priority",
            "project",
            "due_date",
            "tags",
            "created_at",
            "updated_at",
            "completed_at"
        ]
    );
    let id = tasks.column("id").unwrap();
    assert_eq!(
        (id.data_type.as_str(), id.not_null, id.default.as_deref()),
        ("uuid", true, Some("gen_random_uuid()"))
    );
    assert!(tasks.column("title").unwrap().not_null);
    assert_eq!(
        tasks.column("status").unwrap().default.as_deref(),
        Some("'todo'::text")
    );
    assert_eq!(
        tasks.column("priority").unwrap().default.as_deref(),
        Some("0")
    );
    assert_eq!(tasks.column("priority").unwrap().data_type, "integer");
    assert_eq!(tasks.column("tags").unwrap().data_type, "text[]");
    assert_eq!(
        tasks.column("due_date").unwrap().data_type,
        "timestamp with time zone"
    );
    assert_eq!(
        tasks.column("created_at").unwrap().default.as_deref(),
        Some("now()")
    );
    assert_eq!(
        tasks.primary_key,
        Some(PrimaryKey {
            name: "tasks_pkey".into(),
            columns: vec!["id".into()],
            deferrable: Deferrable::NotDeferrable,
        })
    );
    assert_eq!(tasks.checks.len(), 1);
    assert_eq!(tasks.checks[0].name, "tasks_status_check");
    assert!(tasks.checks[0].expression.contains("'in_progress'"));

    let reminders = &s.tables[&q("reminders")];
    assert_eq!(
        reminders.foreign_keys,
        vec![ForeignKey {
            name: "reminders_task_id_fkey".into(),
            columns: vec!["task_id".into()],
            referenced_table: q("tasks"),
            referenced_columns: vec!["id".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
            deferrable: Deferrable::NotDeferrable,
            match_full: false,
            not_valid: false,
        }]
    );
    assert_eq!(
        reminders.column("notified").unwrap().default.as_deref(),
        Some("false")
    );
    assert!(reminders.column("remind_at").unwrap().not_null);

    let conv = &s.tables[&q("conversations")];
    assert!(conv.column("session_id").unwrap().not_null);
    assert_eq!(conv.uniques.len(), 1);
    assert_eq!(conv.uniques[0].name, "conversations_session_id_key");
    assert_eq!(
        conv.column("message_count").unwrap().default.as_deref(),
        Some("0")
    );

    // And the writer reproduces it.
    assert_eq!(ok(&write(&s)), s);
}

#[test]
fn issue_example_parses() {
    let s = ok(r#"
[enums]
mood = ["calm", "busy"]

[tables.tasks]
unique       = [["project", "title"]]
checks       = { tasks_status_valid = "status in ('todo','in_progress','done','blocked')" }
renamed_from = "todo_items"

[tables.tasks.columns]
id       = { type = "uuid", primary_key = true, default_sql = "gen_random_uuid()" }
title    = { type = "text", not_null = true }
project  = "text"
priority = { type = "integer", default = 0 }
status   = { type = "text", default = "todo" }
tags     = "text[]"
due      = { type = "timestamptz", renamed_from = "due_date" }
completed_at = "timestamptz"
mood     = "mood"

[tables.tasks.indexes]
tasks_project_idx = { columns = ["project"] }
tasks_tags_idx    = { columns = ["tags"], using = "gin" }
tasks_open_idx    = { columns = ["due"], where = "completed_at is null" }
tasks_title_uq    = { columns = ["lower(title)"], unique = true }
"#);
    let t = &s.tables[&q("tasks")];
    assert_eq!(t.renamed_from.as_deref(), Some("todo_items"));
    assert_eq!(t.uniques[0].name, "tasks_project_title_key");
    assert_eq!(t.checks[0].name, "tasks_status_valid");
    assert_eq!(
        t.column("due").unwrap().renamed_from.as_deref(),
        Some("due_date")
    );
    assert_eq!(t.column("mood").unwrap().data_type, "mood");
    let idx: Vec<_> = t
        .indexes
        .iter()
        .map(|i| {
            (
                i.name.as_str(),
                i.method.as_str(),
                i.keys.join(","),
                i.unique,
            )
        })
        .collect();
    assert_eq!(
        idx,
        [
            ("tasks_open_idx", "btree", "due".to_string(), false),
            ("tasks_project_idx", "btree", "project".to_string(), false),
            ("tasks_tags_idx", "gin", "tags".to_string(), false),
            ("tasks_title_uq", "btree", "lower(title)".to_string(), true),
        ]
    );
    assert_eq!(
        t.indexes[0].predicate.as_deref(),
        Some("completed_at is null")
    );
    assert_eq!(s.enums[&q("mood")].values, ["calm", "busy"]);
    assert_eq!(ok(&write(&s)), s);
}

#[test]
fn serial_columns_get_an_owned_sequence() {
    let s = ok(r#"
schemas = ["other"]
[tables.Odd.columns]
id = { type = "serial", primary_key = true }
[tables."other.t".columns]
id = "bigserial"
"#);
    let odd = &s.tables[&q("Odd")];
    let id = odd.column("id").unwrap();
    assert_eq!(id.data_type, "integer");
    assert!(id.not_null);
    assert_eq!(
        id.default.as_deref(),
        Some(r#"nextval('"Odd_id_seq"'::regclass)"#)
    );
    let seq = &s.sequences[&q("Odd_id_seq")];
    assert_eq!(seq.options, SequenceOptions::defaults_for("integer", 1));
    assert_eq!(seq.owned_by, Some((q("Odd"), "id".into())));
    let other = QualifiedName::new("other", "t");
    assert_eq!(
        s.tables[&other].column("id").unwrap().default.as_deref(),
        Some("nextval('other.t_id_seq'::regclass)")
    );
    assert_eq!(
        s.sequences[&QualifiedName::new("other", "t_id_seq")]
            .options
            .data_type,
        "bigint"
    );
    assert_eq!(s.schemas, ["other", "public"]);
    let text = write(&s);
    assert!(
        text.contains(r#"id = { type = "serial", primary_key = true }"#),
        "{text}"
    );
    assert!(!text.contains("[sequences]"), "{text}");
    assert_eq!(ok(&text), s);
}

#[test]
fn defaults_render_like_pg_get_expr() {
    let s = ok(r#"
[enums]
mood = ["calm", "busy"]
[tables.t.columns]
a = { type = "bigint", default = -1 }
b = { type = "varchar(10)", default = "x" }
c = { type = "mood", default = "calm" }
d = { type = "jsonb", default = "{}" }
e = { type = "text[]", default = ["a", "b c"] }
f = { type = "integer[]", default = [1, 2] }
g = { type = "double precision", default = 1.5 }
h = { type = "boolean", default = true }
i = { type = "char(3)", default = "x" }
j = { type = "text", default = "it's" }
k = { type = "date", default = 2024-01-01 }
l = { type = "numeric(10,2)", default = -1.5 }
"#);
    let t = &s.tables[&q("t")];
    let d = |c: &str| t.column(c).unwrap().default.clone().unwrap();
    assert_eq!(d("a"), "'-1'::integer");
    assert_eq!(d("b"), "'x'::character varying");
    assert_eq!(d("c"), "'calm'::mood");
    assert_eq!(d("d"), "'{}'::jsonb");
    assert_eq!(d("e"), "'{a,\"b c\"}'::text[]");
    assert_eq!(d("f"), "'{1,2}'::integer[]");
    assert_eq!(d("g"), "1.5");
    assert_eq!(d("h"), "true");
    assert_eq!(d("i"), "'x'::bpchar");
    assert_eq!(d("j"), "'it''s'::text");
    assert_eq!(d("k"), "'2024-01-01'::date");
    assert_eq!(d("l"), "'-1.5'::numeric");
    let text = write(&s);
    for line in [
        "a = { type = \"bigint\", default = -1 }",
        "e = { type = \"text[]\", default = [\"a\", \"b c\"] }",
        "f = { type = \"integer[]\", default = [1, 2] }",
        "d = { type = \"jsonb\", default = \"{}\" }",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert_eq!(ok(&text), s);
}

#[test]
fn all_problems_reported_at_once_with_positions() {
    let src = r#"[tables.a.columns]
id = { type = "integr", primary_key = true }
x = { type = "text", default = "a", default_sql = "'a'" }
y = { type = "uuid", references = "b.id", on_delete = "explode" }
z = { type = "text", not_nul = true }
w = { type = "int", identity = "always", default = 1 }

[tables.a]
unique = [["nope"]]
"#;
    let d = errors(src);
    let got: Vec<(usize, usize, &str)> = d
        .iter()
        .map(|d| (d.line, d.column, d.message.as_str()))
        .collect();
    let expect = [
        (2, 15, "unknown type \"integr\""),
        (3, 37, "column \"x\" has both `default` and `default_sql`"),
        (4, 35, "reference to missing table b"),
        (4, 55, "unknown on_delete action \"explode\""),
        (5, 22, "unknown key `not_nul` in column \"z\""),
        (
            6,
            42,
            "column \"w\" is an identity column and cannot have a default",
        ),
        (9, 12, "unknown column \"nope\""),
    ];
    assert_eq!(got, expect, "{d:#?}");
    assert_eq!(d[4].hint.as_deref(), Some("did you mean `not_null`?"));
    assert!(d[0].hint.as_deref().unwrap().contains("[enums]"));
    let rendered = parse(src, "schema.toml").unwrap_err().to_string();
    assert!(
        rendered.starts_with("schema.toml:2:15: unknown type \"integr\"\n  hint: "),
        "{rendered}"
    );
}

#[test]
fn syntax_errors_have_a_position() {
    let d = errors("[tables.a.columns]\nid = { type = \"uuid\"\n");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].line, 2);
    assert!(d[0].message.starts_with("invalid TOML"), "{}", d[0].message);
}

#[test]
fn more_validation() {
    let cases: &[(&str, &str)] = &[
        ("[enums]\nmood = []", "enum mood has no values"),
        (
            "[tables.a.columns]\nid = { type = \"int\", primary_key = true }\n[tables.a]\nprimary_key = [\"id\"]",
            "declares its primary key twice",
        ),
        (
            "[tables.a.columns]\nid = { type = \"int\", generated = \"1\", default = 1 }",
            "generated column \"id\" cannot have a default",
        ),
        (
            "[tables.a.columns]\nid = { type = \"int\", virtual = true }",
            "`virtual` in column \"id\" needs `generated`",
        ),
        (
            "[tables.a.columns]\nid = \"int\"\n[tables.a.indexes]\na_pkey = { columns = [\"id\"] }\n[tables.b.indexes]\na_pkey = { columns = [\"id\"] }\n[tables.b.columns]\nid = \"int\"",
            "same name as index",
        ),
        (
            "[tables.a.columns]\nid = { type = \"int\", primary_key = true }\n[tables.a_pkey.columns]\nx = \"int\"",
            "same name as",
        ),
        (
            "[tables.a.columns]\nid = \"int\"\n[tables.a.indexes]\ni = { columns = [\"id\", \"id2\"] }",
            "unknown column \"id2\"",
        ),
        (
            "[tables.a.columns]\nid = \"int\"\n[tables.a]\nunique = [[\"id\", \"id\"]]",
            "listed twice",
        ),
        (
            "[tables.a.columns]\nid = \"citext\"",
            "unknown type \"citext\"",
        ),
        (
            "[tables.a.columns]\nid = { type = \"int\", identity = \"sometimes\" }",
            "unknown identity kind",
        ),
        (
            "[tables.a.columns]\nid = { type = \"text\", identity = \"always\" }",
            "must be smallint, integer or bigint",
        ),
        (
            "[tables.\"other.a\".columns]\nid = \"int\"\n[tables.b.columns]\nx = { type = \"int\", references = \"a.id\" }\n",
            "missing table a",
        ),
        (
            "schemas = [\"x\"]\n[tables.\"other.a\".columns]\nid = \"int\"",
            "schema \"other\" is used but not listed",
        ),
        (
            "[tables.a.columns]\nx = 5",
            "must be a type string or an inline table",
        ),
        (
            "[tables.a.columns]\nx = { type = \"int\", on_delete = \"cascade\" }",
            "on_delete without `references`",
        ),
        ("[tabels.a.columns]\nx = \"int\"", "unknown key `tabels`"),
        (
            "[tables.a.columns]\nid = { type = \"int\", primary_key = true }\nx = { type = \"int\", primary_key = true }",
            "more than one column",
        ),
        (
            &format!("[tables.{}.columns]\nx = \"int\"", "a".repeat(64)),
            "64 bytes long",
        ),
        (
            "[tables.a.columns]\nid = \"int\"\n[tables.a]\nforeign_keys = [{ columns = [\"id\"], references = \"a\" }]",
            "has no primary key to reference",
        ),
        (
            "[tables.a.columns]\nc = \"circle\"\n[tables.a.exclude]\nx = \"USING gist (c WITH &&)\"\n[tables.a.indexes]\nx = { columns = [\"c\"] }",
            "same name as",
        ),
        (
            "[tables.a.columns]\nc = \"circle\"\n[tables.a]\nexclude = { x = \" \" }",
            "is empty",
        ),
        (
            "[tables.a.columns]\nc = \"circle\"\n[tables.a]\nexclude = { x = 1 }",
            "must be a string",
        ),
        (
            "[tables.a.columns]\nc = \"circle\"\n[tables.a]\nexclude = { x = \"USING gist (c WITH &&)\" }\nchecks = { x = \"true\" }",
            "two constraints named \"x\"",
        ),
        (
            "[tables.a.columns]\nid = \"int\"\n[tables.a]\nprimary_key = { columns = [\"id\"], deferrable = \"later\" }",
            "unknown deferrable mode",
        ),
    ];
    for (src, want) in cases {
        let d = errors(src);
        assert!(
            d.iter().any(|d| d.message.contains(want)),
            "{src}\nwant {want:?}, got {d:#?}"
        );
    }
}

/// A model that uses every field, with hostile names.
fn hostile_model() -> Schema {
    let long = "x".repeat(63);
    let odd = "Odd \"Name\"; drop table x; ünï.dot";
    let other = "Other Schema";
    let mut s = Schema {
        schemas: vec![other.to_string(), "empty".into(), "public".into()],
        ..Schema::default()
    };
    s.schemas.sort();

    let mood = QualifiedName::public("Mood");
    s.enums.insert(
        mood.clone(),
        Enum {
            name: mood.clone(),
            values: vec!["a'b".into(), "c,d".into(), "".into()]
                .into_iter()
                .filter(|v: &String| !v.is_empty())
                .collect(),
            comment: Some("feelings\nmulti-line".into()),
            renamed_from: None,
        },
    );
    let omood = QualifiedName::new(other, "mood");
    s.enums.insert(
        omood.clone(),
        Enum {
            name: omood,
            values: vec!["x".into()],
            comment: None,
            renamed_from: None,
        },
    );

    let counter = QualifiedName::new(other, "counter");
    s.sequences.insert(
        counter.clone(),
        Sequence {
            name: counter,
            options: SequenceOptions {
                data_type: "integer".into(),
                start: 5,
                increment: -2,
                min_value: -100,
                max_value: 10,
                cache: 3,
                cycle: true,
            },
            owned_by: Some((QualifiedName::new(other, odd), "id".into())),
            comment: Some("counts".into()),
        },
    );
    let plain = q("plain_seq");
    s.sequences.insert(
        plain.clone(),
        Sequence {
            name: plain,
            options: SequenceOptions::defaults_for("bigint", 1),
            owned_by: None,
            comment: None,
        },
    );

    // Table 1: in public, 63-byte name, serial + many column kinds.
    let t1n = q(&long);
    let mut t1 = Table::new(t1n.clone());
    let seq = QualifiedName::public(names::owned_sequence(&long, "id"));
    let mut id = col("id", "integer");
    id.not_null = true;
    id.default = Some(crate::sql::spelling::nextval(&seq));
    s.sequences.insert(
        seq.clone(),
        Sequence {
            name: seq,
            options: SequenceOptions::defaults_for("integer", 1),
            owned_by: Some((t1n.clone(), "id".into())),
            comment: None,
        },
    );
    t1.columns.push(id);
    let mut c = col("User", "\"Mood\"[]");
    c.default = Some("'{a''b}'::\"Mood\"[]".into());
    t1.columns.push(c);
    let mut c = col("select", "character varying(64)");
    c.not_null = true;
    c.default = Some("'x'::character varying".into());
    c.collation = Some("\"C\"".into());
    c.comment = Some("a \"quoted\" comment".into());
    t1.columns.push(c);
    let mut c = col("ident", "bigint");
    c.not_null = true;
    c.identity = Some(Identity {
        kind: IdentityKind::ByDefault,
        options: Some(SequenceOptions {
            start: 100,
            ..SequenceOptions::defaults_for("bigint", 1)
        }),
        sequence: None,
        never_used: false,
    });
    t1.columns.push(c);
    let mut c = col("ident2", "smallint");
    c.not_null = true;
    c.identity = Some(Identity {
        kind: IdentityKind::Always,
        options: None,
        sequence: None,
        never_used: false,
    });
    t1.columns.push(c);
    let mut c = col("gen", "numeric(10,2)");
    c.generated = Some("(ident * 2)".into());
    t1.columns.push(c);
    let mut c = col("gen_v", "integer");
    c.generated = Some("(ident + 1)".into());
    c.virtual_generated = true;
    t1.columns.push(c);
    let mut c = col("ext", "public.citext");
    c.default = Some("'a\\b'::text".into());
    t1.columns.push(c);
    let mut c = col("neg", "integer");
    c.default = Some("'-1'::integer".into());
    t1.columns.push(c);
    let mut c = col("f", "double precision");
    c.default = Some("1.5".into());
    t1.columns.push(c);
    t1.columns.push(col("om", "\"Other Schema\".mood"));
    t1.columns.push(col("ts", "timestamp(3) without time zone"));
    t1.columns.push(col("Odd \"Name\"", "text"));
    t1.columns.push(col("x.y", "other_ext.\"Vec\"(3)"));
    t1.primary_key = Some(PrimaryKey {
        name: names::primary_key(&long),
        columns: vec!["id".into()],
        deferrable: Deferrable::NotDeferrable,
    });
    t1.uniques.push(UniqueConstraint {
        name: names::unique(&long, &["select".into()]),
        columns: vec!["select".into()],
        nulls_not_distinct: false,
        deferrable: Deferrable::NotDeferrable,
    });
    t1.uniques.push(UniqueConstraint {
        name: "u; drop".into(),
        columns: vec!["ident".into(), "ident2".into()],
        nulls_not_distinct: true,
        deferrable: Deferrable::InitiallyDeferred,
    });
    t1.uniques.sort_by(|a, b| a.name.cmp(&b.name));
    t1.checks.push(CheckConstraint {
        name: names::column_check(&long, "neg"),
        expression: "neg < 0".into(),
        no_inherit: false,
        not_valid: false,
    });
    t1.checks.push(CheckConstraint {
        name: "Named Check".into(),
        expression: "f > 0 AND \"select\" <> ''".into(),
        no_inherit: true,
        not_valid: true,
    });
    t1.checks.push(CheckConstraint {
        name: "plain_named".into(),
        expression: "ident > 0".into(),
        no_inherit: false,
        not_valid: false,
    });
    t1.checks.sort_by(|a, b| a.name.cmp(&b.name));
    t1.indexes.push(Index {
        name: "ix \"1\"".into(),
        unique: true,
        method: "btree".into(),
        keys: vec![
            "\"select\"".into(),
            "lower((\"select\")::text)".into(),
            "ident DESC".into(),
        ],
        include: vec!["Odd \"Name\"".into()],
        predicate: Some("ident > 0".into()),
        nulls_not_distinct: true,
        storage: Vec::new(),
        comment: Some("idx".into()),
        invalid: false,
    });
    t1.indexes.push(Index {
        name: "ix_gin".into(),
        unique: false,
        method: "gin".into(),
        keys: vec!["\"User\"".into()],
        include: vec![],
        predicate: None,
        nulls_not_distinct: false,
        storage: Vec::new(),
        comment: None,
        invalid: false,
    });
    t1.indexes.push(Index {
        name: "ix_weird".into(),
        unique: false,
        method: "btree".into(),
        keys: vec!["User".into(), "f".into()],
        include: vec![],
        predicate: None,
        nulls_not_distinct: false,
        storage: Vec::new(),
        comment: None,
        invalid: false,
    });
    t1.comment = Some("table comment".into());
    t1.unlogged = true;
    s.tables.insert(t1n.clone(), t1);

    // Table 2: other schema, hostile name, composite named pk, fks of every form.
    let t2n = QualifiedName::new(other, odd);
    let mut t2 = Table::new(t2n.clone());
    let mut a = col("id", "integer");
    a.not_null = true;
    t2.columns.push(a);
    let mut b = col("Part.2", "text");
    b.not_null = true;
    t2.columns.push(b);
    t2.columns.push(col("ref", "integer"));
    t2.columns.push(col("ref2", "integer"));
    t2.primary_key = Some(PrimaryKey {
        name: "pk \"named\"".into(),
        columns: vec!["id".into(), "Part.2".into()],
        deferrable: Deferrable::InitiallyDeferred,
    });
    t2.foreign_keys.push(ForeignKey {
        name: names::foreign_key(odd, &["ref".into()]),
        columns: vec!["ref".into()],
        referenced_table: t1n.clone(),
        referenced_columns: vec!["id".into()],
        on_delete: FkAction::SetNull,
        on_update: FkAction::Cascade,
        deferrable: Deferrable::NotDeferrable,
        match_full: false,
        not_valid: false,
    });
    t2.foreign_keys.push(ForeignKey {
        name: "fk2".into(),
        columns: vec!["ref2".into()],
        referenced_table: t1n.clone(),
        referenced_columns: vec!["ident".into()],
        on_delete: FkAction::Restrict,
        on_update: FkAction::SetDefault,
        deferrable: Deferrable::InitiallyImmediate,
        match_full: true,
        not_valid: true,
    });
    t2.foreign_keys.push(ForeignKey {
        name: "fk_self".into(),
        columns: vec!["ref".into(), "Part.2".into()],
        referenced_table: t2n.clone(),
        referenced_columns: vec!["id".into(), "Part.2".into()],
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
        deferrable: Deferrable::NotDeferrable,
        match_full: false,
        not_valid: false,
    });
    t2.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    s.tables.insert(t2n, t2);

    // Table 3: empty.
    let t3n = q("empty table");
    s.tables.insert(t3n.clone(), Table::new(t3n));

    // Table 4: default-named deferrable single-column key, exclusion constraints.
    let t4n = q("bookings");
    let mut t4 = Table::new(t4n.clone());
    let mut id = col("id", "integer");
    id.not_null = true;
    t4.columns.push(id);
    t4.columns.push(col("during", "tsrange"));
    t4.columns.push(col("Odd \"c\"", "circle"));
    t4.primary_key = Some(PrimaryKey {
        name: names::primary_key("bookings"),
        columns: vec!["id".into()],
        deferrable: Deferrable::InitiallyImmediate,
    });
    t4.exclusions.push(ExclusionConstraint {
        name: "bookings_during_excl".into(),
        definition: "USING gist (during WITH &&) WHERE ((id > 0)) DEFERRABLE INITIALLY DEFERRED"
            .into(),
    });
    t4.exclusions.push(ExclusionConstraint {
        name: "x \"odd\"; drop".into(),
        definition: "USING gist (\"Odd \"\"c\"\"\" WITH &&)".into(),
    });
    t4.exclusions.sort_by(|a, b| a.name.cmp(&b.name));
    s.tables.insert(t4n, t4);
    s
}

#[test]
fn write_then_parse_is_identity() {
    let s = hostile_model();
    let text = write(&s);
    let back = match parse(&text, "pulled.toml") {
        Ok(b) => b,
        Err(e) => panic!("{e}\n---\n{text}"),
    };
    if back != s {
        for (k, t) in &s.tables {
            assert_eq!(back.tables.get(k), Some(t), "{text}");
        }
        assert_eq!(back.sequences, s.sequences, "{text}");
        assert_eq!(back.enums, s.enums, "{text}");
        assert_eq!(back, s, "{text}");
    }
    // Deterministic, and a fixed point.
    assert_eq!(write(&back), text);
}

#[test]
fn writer_uses_sugar_and_literals() {
    let s = ok(include_str!("../../schema.toml"));
    let text = write(&s);
    for line in [
        "[tables.tasks.columns]",
        "id = { type = \"uuid\", primary_key = true, default_sql = \"gen_random_uuid()\" }",
        "description = \"text\"",
        "status = { type = \"text\", default = \"todo\", check = \"status in ('todo', 'in_progress', 'done', 'blocked')\" }",
        "priority = { type = \"integer\", default = 0 }",
        "task_id = { type = \"uuid\", references = \"tasks.id\", on_delete = \"cascade\" }",
        "session_id = { type = \"text\", not_null = true, unique = true }",
        "notified = { type = \"boolean\", default = false }",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
}

/// Every example of the README (section "schema.toml reference"), in one file (plus the tables they refer to).
#[test]
fn documented_examples_load_and_round_trip() {
    let s = ok(include_str!("testdata/every_feature.toml"));
    assert_eq!(s.schemas, ["audit", "auth", "public"]);
    let m = &s.tables[&q("memberships")];
    assert_eq!(m.primary_key.as_ref().unwrap().name, "memberships_pk");
    assert_eq!(
        m.foreign_keys
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        ["by_user", "memberships_group_id_fkey"]
    );
    assert_eq!(m.foreign_keys[1].referenced_columns, ["id"]);
    let r = &s.tables[&q("reminders")];
    assert_eq!(
        r.column("code").unwrap().collation.as_deref(),
        Some("\"C\"")
    );
    assert_eq!(r.column("code").unwrap().data_type, "character varying(16)");
    let ticket = r.column("ticket_no").unwrap().identity.as_ref().unwrap();
    assert_eq!(
        ticket.options.as_ref().map(|o| (o.start, o.increment)),
        Some((1000, 10))
    );
    let seq = &s.sequences[&QualifiedName::new("audit", "ticket")];
    assert_eq!(
        (
            seq.options.start,
            seq.options.max_value,
            seq.options.min_value
        ),
        (-1, -1, -1000)
    );
    assert_eq!(
        seq.owned_by,
        Some((QualifiedName::new("audit", "ev"), "id".into()))
    );
    let b = &s.tables[&q("bookings")];
    assert_eq!(
        b.primary_key.as_ref().map(|pk| pk.deferrable),
        Some(Deferrable::InitiallyDeferred)
    );
    assert_eq!(
        b.exclusions,
        [
            ExclusionConstraint {
                name: "bookings_room_during_excl".into(),
                definition: "USING gist (room WITH =, during WITH &&) WHERE (NOT cancelled)".into(),
            },
            ExclusionConstraint {
                name: "no_overlap".into(),
                definition: "USING gist (area WITH &&) DEFERRABLE".into(),
            },
        ]
    );
    let text = write(&s);
    assert_eq!(ok(&text), s, "{text}");
}

#[test]
fn a_rename_onto_a_declared_name_or_a_swap_is_an_error_where_it_is_written() {
    let d = errors(
        r#"
[enums]
mood = { values = ["a"], renamed_from = "feeling" }
feeling = ["b"]

[tables.a]
renamed_from = "b"
[tables.a.columns]
x = { type = "text", renamed_from = "y" }
y = { type = "text", renamed_from = "x" }
z = { type = "text", renamed_from = "z" }

[tables.b]
renamed_from = "a"
[tables.b.columns]
id = "integer"
"#,
    );
    let got: Vec<(usize, usize, &str)> = d
        .iter()
        .map(|d| (d.line, d.column, d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                3,
                41,
                "enum mood is renamed from feeling, but this file also declares enum feeling"
            ),
            (
                7,
                16,
                "table a is renamed from b, but this file also declares table b"
            ),
            (
                9,
                37,
                "column x is renamed from y, but this file also declares column y"
            ),
            (
                10,
                37,
                "column y is renamed from x, but this file also declares column x"
            ),
            (11, 37, "column z is renamed from itself"),
            (
                14,
                16,
                "table b is renamed from a, but this file also declares table a"
            ),
        ]
    );
    let twice = errors(
        "[tables.a]\nrenamed_from = \"old\"\n[tables.a.columns]\nid = \"integer\"\n\
         [tables.b]\nrenamed_from = \"old\"\n[tables.b.columns]\nid = \"integer\"\n",
    );
    assert_eq!(twice.len(), 1);
    assert_eq!(
        (twice[0].line, twice[0].message.as_str()),
        (6, "tables a and b are both renamed from old")
    );
    // Another schema's table of the old name is not the renamed one.
    ok(
        "schemas = [\"s\"]\n[tables.a]\nrenamed_from = \"b\"\n[tables.a.columns]\nid = \"integer\"\n\
        [tables.\"s.b\"]\n[tables.\"s.b\".columns]\nid = \"integer\"\n",
    );
}

/// Every raw-SQL key holds exactly one expression (or one exclusion body), reported at
/// the offending character.
#[test]
fn raw_sql_values_hold_one_expression() {
    // (file, the text the diagnostic points at, what the message says)
    let cases: &[(&str, &str, &str)] = &[
        (
            "[tables.t.columns]\nb = { type = \"int\", check = \"true)); drop table canary; create table zz (b int check (true\" }\n",
            ")); drop",
            "closes nothing",
        ),
        (
            "[tables.t.columns]\nb = { type = \"int\", default_sql = \"1; drop table canary\" }\n",
            "; drop",
            "`;`",
        ),
        (
            "[tables.t.columns]\nb = { type = \"int\", generated = \"1) stored, c int generated always as (1\" }\n",
            ") stored",
            "closes nothing",
        ),
        (
            "[tables.t.columns]\nb = \"int\"\n[tables.t.indexes]\ni = { columns = [\"b\"], where = \"b > 0 -- positive\" }\n",
            "-- positive",
            "`--` comment",
        ),
        (
            "[tables.t.columns]\nb = \"int\"\n[tables.t.indexes]\ni = { columns = [\"lower(b::text); drop table canary\"] }\n",
            "; drop",
            "`;`",
        ),
        (
            "[tables.t.columns]\nb = \"int\"\n[tables.t.indexes]\ni = { columns = [{ sql = \"b, (1/0)\" }] }\n",
            ", (1/0)",
            "`,` outside brackets",
        ),
        (
            "[tables.t.columns]\nb = \"int\"\n[tables.t.checks]\nc = \"b > 0 /* unclosed\"\n",
            "/* unclosed",
            "unterminated /*",
        ),
        (
            "[tables.t.columns]\nb = \"int\"\n[tables.t.checks]\nc = { expression = \"'abc\" }\n",
            "'abc",
            "unterminated string",
        ),
        (
            "[tables.t.columns]\nb = \"int4range\"\n[tables.t.exclude]\nx = \"USING gist (b WITH &&)); drop table canary; --\"\n",
            "); drop",
            "closes nothing",
        ),
        (
            "[tables.t.columns]\nb = \"int4range\"\n[tables.t.exclude]\nx = \"check (true)\"\n",
            "check (true)",
            "must start with",
        ),
        (
            "[tables.t.columns]\nb = { type = \"int\", check = '''\nb > 0\n  ; drop table canary''' }\n",
            "; drop",
            "`;`",
        ),
    ];
    for (src, marker, needle) in cases {
        let diags = errors(src);
        assert_eq!(diags.len(), 1, "{src}: {diags:?}");
        let d = &diags[0];
        assert!(d.message.contains(needle), "{src}: {d:?}");
        let at = src.find(marker).expect("marker in the file");
        assert_eq!((d.line, d.column), tree::line_col(src, at), "{src}: {d:?}");
        assert!(d.hint.is_some(), "{d:?}");
    }
    // Lookalikes inside quotes, dollar quotes and comments are one expression.
    let s = ok("[tables.t.columns]\n\
         b = { type = \"text\", default_sql = \"'a;b'\", check = \"b <> $$);$$ /* ; ) */\" }\n\
         [tables.t.indexes]\n\
         i = { columns = [\"b\"], where = \"\"\"b <> ';' -- a comment, ended\nAND b <> ')'\"\"\" }\n");
    let t = &s.tables[&q("t")];
    assert_eq!(t.columns[0].default.as_deref(), Some("'a;b'"));
    assert_eq!(
        t.indexes[0].predicate.as_deref(),
        Some("b <> ';' -- a comment, ended\nAND b <> ')'")
    );
}

/// PostgreSQL stores no NUL in a name or a string: each is reported where it is.
#[test]
fn nul_in_names_and_strings_is_rejected() {
    let diags = errors(
        "[enums]\nmood = [\"ok\", \"b\\u0000d\"]\n\
         [tables.\"t\\u0000x\".columns]\n\
         id = \"int\"\n\
         \"c\\u0000\" = { type = \"text\", comment = \"x\\u0000\", default_sql = \"'\\u0000'\" }\n",
    );
    let at: Vec<(usize, usize)> = diags.iter().map(|d| (d.line, d.column)).collect();
    assert_eq!(at, [(2, 15), (3, 9), (5, 1), (5, 40), (5, 65)], "{diags:?}");
    assert!(diags.iter().all(|d| d.message.contains("NUL")), "{diags:?}");
}

#[test]
fn index_keys_in_table_form_name_their_operator_class_collation_and_order() {
    let s = ok(r#"
[tables.notes.columns]
embedding = "public.vector(3)"
title = "text"
"My Col" = "text"

[tables.notes.indexes]
a = { columns = [{ column = "embedding", opclass = "vector_cosine_ops" }], using = "hnsw" }
b = { columns = [{ column = "title", collate = "C", opclass = "text_pattern_ops", order = "DESC", nulls = "last" }] }
c = { columns = [{ column = "My Col", opclass = "extensions.vector_l2_ops" }] }
d = { columns = [{ sql = "embedding::public.halfvec(3)", opclass = "halfvec_l2_ops" }], using = "hnsw" }
e = { columns = [{ sql = "lower(title)" }, { column = "title", order = "desc", nulls = "first" }] }
"#);
    let keys: Vec<(String, Vec<String>)> = s.tables[&q("notes")]
        .indexes
        .iter()
        .map(|i| (i.name.clone(), i.keys.clone()))
        .collect();
    assert_eq!(
        keys,
        [
            (
                "a".to_string(),
                vec!["embedding vector_cosine_ops".to_string()]
            ),
            (
                "b".to_string(),
                vec!["title COLLATE \"C\" text_pattern_ops DESC NULLS LAST".to_string()]
            ),
            (
                "c".to_string(),
                vec!["\"My Col\" extensions.vector_l2_ops".to_string()]
            ),
            (
                "d".to_string(),
                vec!["(embedding::public.halfvec(3)) halfvec_l2_ops".to_string()]
            ),
            (
                "e".to_string(),
                vec!["lower(title)".to_string(), "title DESC".to_string()]
            ),
        ]
    );
}

#[test]
fn index_keys_in_table_form_are_checked_before_any_server() {
    let d = errors(
        r#"
[tables.notes.columns]
embedding = "public.vector(3)"

[tables.notes.indexes]
a = { columns = [{ column = "embeding", opclass = "vector_cosine_ops" }], using = "hnsw" }
b = { columns = [{ column = "embedding", sql = "embedding" }] }
c = { columns = [{ opclass = "vector_cosine_ops" }] }
d = { columns = [{ column = "embedding", order = "up", nulls = "never" }] }
e = { columns = [{ column = "embedding", opclass = "" }] }
f = { columns = [{ column = "embedding", op_class = "x" }] }
"#,
    );
    let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
    for want in [
        "unknown column \"embeding\"",
        "an index key has `column` or `sql`, not both",
        "an index key table needs `column` or `sql`",
        "unknown order \"up\"",
        "unknown nulls \"never\"",
        "an index key's `opclass` is empty",
        "unknown key `op_class` in an index key",
    ] {
        assert!(messages.contains(&want), "{want:?} not in {messages:#?}");
    }
    let typo = d
        .iter()
        .find(|d| d.message.starts_with("unknown column"))
        .unwrap();
    assert_eq!(
        (typo.line, typo.hint.as_deref()),
        (6, Some("did you mean `embedding`?"))
    );
}

#[test]
fn partitions_take_their_parents_columns_and_write_back_without_them() {
    let s = ok(r#"
[tables.events_2026_us]
partition_of = "events_2026"
bounds = "in ('US')"
checks = { only_us = "country = 'US'" }

[tables.events_2026]
partition_of = "events"
bounds = "for values from ('2026-01-01') to ('2027-01-01')"
partition_by = "list (country)"

[tables.events]
partition_by = "range (at)"
[tables.events.columns]
at = { type = "date", not_null = true, comment = "when" }
country = "text"
"#);
    let leaf = &s.tables[&q("events_2026_us")];
    assert_eq!(
        leaf.columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["at", "country"]
    );
    assert!(leaf.columns[0].not_null && leaf.columns[0].comment.is_none());
    let mid = &s.tables[&q("events_2026")];
    assert_eq!(
        mid.partition_of.as_ref().map(|p| p.bounds.as_str()),
        Some("from ('2026-01-01') to ('2027-01-01')")
    );
    assert_eq!(mid.partition_by.as_deref(), Some("list (country)"));
    let text = write(&s);
    assert!(!text.contains("[tables.events_2026.columns]"), "{text}");
    assert!(
        text.contains(
            "[tables.events_2026_us]\npartition_of = \"events_2026\"\nbounds = \"in ('US')\"\n"
        ),
        "{text}"
    );
    assert_eq!(ok(&text), s);
}

#[test]
fn partition_mistakes_are_reported_where_they_are_written() {
    let d = errors(
        "[tables.a]\npartition_of = \"b\"\nbounds = \"default\"\n[tables.b]\npartition_of = \"a\"\nbounds = \"default\"\npartition_by = \"list (x)\"\n",
    );
    assert!(
        d.iter()
            .any(|d| d.line == 5 && d.message.contains("which the file does not declare")),
        "{d:?}"
    );
    let d = errors(
        "[tables.p.columns]\nx = \"int\"\n[tables.c]\npartition_of = \"p\"\nbounds = \"in (1)\"\n",
    );
    assert!(
        d.iter()
            .any(|d| d.line == 4 && d.message.contains("p is not partitioned")),
        "{d:?}"
    );
    let d = errors("[tables.c]\nbounds = \"in (1)\"\n");
    assert!(
        d.iter().any(|d| d.message.contains("no `partition_of`")),
        "{d:?}"
    );
    let d = errors(
        "[tables.p]\npartition_by = \"list (x)\"\n[tables.p.columns]\nx = \"int\"\n[tables.c]\npartition_of = \"p\"\n",
    );
    assert!(
        d.iter().any(|d| d.message.contains("has no `bounds`")),
        "{d:?}"
    );
}
