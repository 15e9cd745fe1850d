//! Catalog introspection against a real server: every object kind, read back field by
//! field in its canonical form.

use brain_db::introspect::{self, QUERY_COUNT};
use brain_db::model::{
    CheckConstraint, Column, Deferrable, FkAction, ForeignKey, Identity, IdentityKind, Index,
    PrimaryKey, QualifiedName, RowLevelSecurity, Schema, SequenceOptions, UniqueConstraint,
};

use crate::harness::TestDb;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Introspects the given schemas the way push does: `search_path` set to `public` first.
async fn read(db: &TestDb, schemas: &[&str]) -> Schema {
    let mut client = db.client().await;
    client
        .batch_execute("SET search_path = public")
        .await
        .unwrap();
    introspect::introspect(&mut client, &strings(schemas))
        .await
        .expect("introspect")
}

fn column<'a>(schema: &'a Schema, table: &str, column: &str) -> &'a Column {
    let name = match table.split_once('.') {
        Some((s, t)) => QualifiedName::new(s, t),
        None => QualifiedName::public(table),
    };
    schema
        .tables
        .get(&name)
        .unwrap_or_else(|| panic!("no table {name}"))
        .column(column)
        .unwrap_or_else(|| panic!("no column {column} in {name}"))
}

fn index(name: &str, keys: &[&str]) -> Index {
    Index {
        name: name.to_string(),
        unique: false,
        method: "btree".to_string(),
        keys: strings(keys),
        include: Vec::new(),
        predicate: None,
        nulls_not_distinct: false,
        storage: Vec::new(),
        comment: None,
        invalid: false,
    }
}

const APP_SQL: &str = r"
CREATE TABLE tasks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title text NOT NULL,
    description text,
    status text DEFAULT 'todo'
        CONSTRAINT tasks_status_valid CHECK (status IN ('todo', 'in_progress', 'done', 'blocked')),
    priority integer DEFAULT 0,
    project text,
    due_date timestamptz,
    tags text[],
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(),
    completed_at timestamptz
);
CREATE TABLE reminders (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id uuid REFERENCES tasks(id) ON DELETE CASCADE,
    message text NOT NULL,
    remind_at timestamptz NOT NULL,
    notified boolean DEFAULT false,
    created_at timestamptz DEFAULT now()
);
CREATE TABLE conversations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id text NOT NULL UNIQUE,
    summary text,
    started_at timestamptz DEFAULT now(),
    ended_at timestamptz,
    message_count integer DEFAULT 0
);
";

#[tokio::test]
async fn app_tables() {
    let db = TestDb::new("introspect_app_tables").await;
    db.exec(APP_SQL).await;
    let s = read(&db, &["public"]).await;

    assert_eq!(s.schemas, ["public"]);
    assert_eq!(
        s.tables.keys().map(|k| k.name.as_str()).collect::<Vec<_>>(),
        ["conversations", "reminders", "tasks"]
    );
    assert!(s.sequences.is_empty() && s.enums.is_empty());

    let tasks = &s.tables[&QualifiedName::public("tasks")];
    let got: Vec<(&str, &str, bool, Option<&str>)> = tasks
        .columns
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.data_type.as_str(),
                c.not_null,
                c.default.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("id", "uuid", true, Some("gen_random_uuid()")),
            ("title", "text", true, None),
            ("description", "text", false, None),
            ("status", "text", false, Some("'todo'::text")),
            ("priority", "integer", false, Some("0")),
            ("project", "text", false, None),
            ("due_date", "timestamp with time zone", false, None),
            ("tags", "text[]", false, None),
            (
                "created_at",
                "timestamp with time zone",
                false,
                Some("now()")
            ),
            (
                "updated_at",
                "timestamp with time zone",
                false,
                Some("now()")
            ),
            ("completed_at", "timestamp with time zone", false, None),
        ]
    );
    assert!(tasks.columns.iter().all(|c| c.identity.is_none()
        && c.generated.is_none()
        && c.collation.is_none()
        && c.comment.is_none()));
    assert_eq!(
        tasks.primary_key,
        Some(PrimaryKey {
            name: "tasks_pkey".into(),
            columns: strings(&["id"]),
            deferrable: Deferrable::NotDeferrable,
        })
    );
    assert_eq!(
        tasks.checks,
        [CheckConstraint {
            name: "tasks_status_valid".into(),
            expression: "(status = ANY (ARRAY['todo'::text, 'in_progress'::text, 'done'::text, \
                         'blocked'::text]))"
                .into(),
            no_inherit: false,
            not_valid: false,
        }]
    );
    assert!(tasks.uniques.is_empty() && tasks.foreign_keys.is_empty());
    assert!(
        tasks.indexes.is_empty(),
        "the primary key's index is not listed"
    );
    assert!(!tasks.unlogged && tasks.comment.is_none() && tasks.renamed_from.is_none());

    let reminders = &s.tables[&QualifiedName::public("reminders")];
    assert_eq!(
        reminders.foreign_keys,
        [ForeignKey {
            name: "reminders_task_id_fkey".into(),
            columns: strings(&["task_id"]),
            referenced_table: QualifiedName::public("tasks"),
            referenced_columns: strings(&["id"]),
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
            deferrable: Deferrable::NotDeferrable,
            match_full: false,
            not_valid: false,
        }]
    );
    assert_eq!(
        column(&s, "reminders", "notified").default.as_deref(),
        Some("false")
    );
    assert!(column(&s, "reminders", "remind_at").not_null);

    let conversations = &s.tables[&QualifiedName::public("conversations")];
    assert_eq!(
        conversations.uniques,
        [UniqueConstraint {
            name: "conversations_session_id_key".into(),
            columns: strings(&["session_id"]),
            nulls_not_distinct: false,
            deferrable: Deferrable::NotDeferrable,
        }]
    );
    assert!(
        conversations.indexes.is_empty(),
        "the unique constraint's index is not listed"
    );
    assert_eq!(
        column(&s, "conversations", "message_count")
            .default
            .as_deref(),
        Some("0")
    );
}

#[tokio::test]
async fn defaults_and_checks_in_server_form() {
    let db = TestDb::new("introspect_defaults_checks").await;
    db.exec(
        r"
        CREATE TYPE mood AS ENUM ('calm', 'busy');
        CREATE TABLE t (
            a integer DEFAULT -1 CHECK (a >= -5),
            b numeric(10,2) DEFAULT -1.5,
            c bigint DEFAULT 42,
            d varchar(64) DEFAULT 'x',
            e mood DEFAULT 'calm',
            f boolean CHECK (f),
            g date DEFAULT CURRENT_DATE,
            h int[] DEFAULT '{1,2}',
            i jsonb DEFAULT '{}',
            j text DEFAULT 'it''s',
            k double precision DEFAULT 1e10,
            l timestamp(3) without time zone DEFAULT now(),
            m char(2),
            n bit varying(5),
            o interval DEFAULT '1 day',
            p text CHECK (length(p) > 2 AND p <> 'abc'),
            CONSTRAINT t_ab CHECK (a < b) NO INHERIT
        );
        ALTER TABLE t ADD CONSTRAINT t_later CHECK (c > 0) NOT VALID;
        ",
    )
    .await;
    let s = read(&db, &["public"]).await;
    let t = &s.tables[&QualifiedName::public("t")];
    let got: Vec<(&str, &str, Option<&str>)> = t
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.data_type.as_str(), c.default.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("a", "integer", Some("'-1'::integer")),
            ("b", "numeric(10,2)", Some("'-1.5'::numeric")),
            ("c", "bigint", Some("42")),
            ("d", "character varying(64)", Some("'x'::character varying")),
            ("e", "mood", Some("'calm'::mood")),
            ("f", "boolean", None),
            ("g", "date", Some("CURRENT_DATE")),
            ("h", "integer[]", Some("'{1,2}'::integer[]")),
            ("i", "jsonb", Some("'{}'::jsonb")),
            ("j", "text", Some("'it''s'::text")),
            // `1e10` is a numeric literal; the implicit cast to the column type is not printed.
            ("k", "double precision", Some("'10000000000'::numeric")),
            ("l", "timestamp(3) without time zone", Some("now()")),
            ("m", "character(2)", None),
            ("n", "bit varying(5)", None),
            ("o", "interval", Some("'1 day'::interval")),
            ("p", "text", None),
        ]
    );
    let checks: Vec<(&str, &str, bool, bool)> = t
        .checks
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.expression.as_str(),
                c.no_inherit,
                c.not_valid,
            )
        })
        .collect();
    assert_eq!(
        checks,
        [
            ("t_a_check", "(a >= '-5'::integer)", false, false),
            ("t_ab", "((a)::numeric < b)", true, false),
            ("t_f_check", "f", false, false),
            ("t_later", "(c > 0)", false, true),
            (
                "t_p_check",
                "((length(p) > 2) AND (p <> 'abc'::text))",
                false,
                false
            ),
        ]
    );
}

#[tokio::test]
async fn serial_and_identity_columns() {
    let db = TestDb::new("introspect_serial_identity").await;
    db.exec(
        r"
        CREATE TABLE s (
            id serial PRIMARY KEY,
            big bigserial,
            a integer GENERATED ALWAYS AS IDENTITY,
            b bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 100 INCREMENT BY 10),
            c smallint GENERATED ALWAYS AS IDENTITY (INCREMENT BY -1),
            d integer GENERATED BY DEFAULT AS IDENTITY (MINVALUE 5 MAXVALUE 500 CACHE 20 CYCLE)
        );
        CREATE SEQUENCE standalone AS smallint INCREMENT BY 2 START WITH 7;
        CREATE SEQUENCE plain;
        COMMENT ON SEQUENCE plain IS 'a plain one';
        ",
    )
    .await;
    let s = read(&db, &["public"]).await;

    let id = column(&s, "s", "id");
    assert_eq!(id.data_type, "integer");
    assert_eq!(id.default.as_deref(), Some("nextval('s_id_seq'::regclass)"));
    assert!(id.not_null && id.identity.is_none());
    assert_eq!(
        column(&s, "s", "big").default.as_deref(),
        Some("nextval('s_big_seq'::regclass)")
    );

    let a = column(&s, "s", "a");
    assert_eq!(
        a.identity,
        Some(Identity {
            kind: IdentityKind::Always,
            options: None,
            sequence: Some("s_a_seq".into()),
            never_used: true,
        })
    );
    assert!(a.default.is_none() && a.not_null);
    let b = column(&s, "s", "b");
    assert_eq!(
        b.identity,
        Some(Identity {
            kind: IdentityKind::ByDefault,
            options: Some(SequenceOptions {
                start: 100,
                increment: 10,
                ..SequenceOptions::defaults_for("bigint", 1)
            }),
            sequence: Some("s_b_seq".into()),
            never_used: true,
        })
    );
    // A negative increment alone is still the defaults for a descending sequence.
    assert_eq!(
        column(&s, "s", "c").identity,
        Some(Identity {
            kind: IdentityKind::Always,
            options: None,
            sequence: Some("s_c_seq".into()),
            never_used: true,
        })
    );
    assert_eq!(
        column(&s, "s", "d").identity,
        Some(Identity {
            kind: IdentityKind::ByDefault,
            options: Some(SequenceOptions {
                data_type: "integer".into(),
                start: 5,
                increment: 1,
                min_value: 5,
                max_value: 500,
                cache: 20,
                cycle: true,
            }),
            sequence: Some("s_d_seq".into()),
            never_used: true,
        })
    );

    // Identity sequences are not listed; serial ones are, owned by their column.
    assert_eq!(
        s.sequences
            .keys()
            .map(|k| k.name.as_str())
            .collect::<Vec<_>>(),
        ["plain", "s_big_seq", "s_id_seq", "standalone"]
    );
    let id_seq = &s.sequences[&QualifiedName::public("s_id_seq")];
    assert_eq!(id_seq.options, SequenceOptions::defaults_for("integer", 1));
    assert_eq!(
        id_seq.owned_by,
        Some((QualifiedName::public("s"), "id".to_string()))
    );
    let big_seq = &s.sequences[&QualifiedName::public("s_big_seq")];
    assert_eq!(big_seq.options, SequenceOptions::defaults_for("bigint", 1));
    let standalone = &s.sequences[&QualifiedName::public("standalone")];
    assert_eq!(
        standalone.options,
        SequenceOptions {
            data_type: "smallint".into(),
            start: 7,
            increment: 2,
            min_value: 1,
            max_value: 32767,
            cache: 1,
            cycle: false,
        }
    );
    assert_eq!(standalone.owned_by, None);
    assert_eq!(
        s.sequences[&QualifiedName::public("plain")]
            .comment
            .as_deref(),
        Some("a plain one")
    );
}

#[tokio::test]
async fn generated_collated_commented_unlogged() {
    let db = TestDb::new("introspect_generated_collated").await;
    db.exec(
        r#"
        CREATE SCHEMA other;
        CREATE COLLATION other."my coll" (provider = icu, locale = 'und');
        CREATE UNLOGGED TABLE cache (
            k text COLLATE "C" PRIMARY KEY,
            price numeric,
            qty integer,
            total numeric GENERATED ALWAYS AS (price * qty) STORED,
            label varchar(20) COLLATE "POSIX",
            fancy text COLLATE other."my coll",
            plain text COLLATE "default"
        );
        COMMENT ON TABLE cache IS 'scratch space';
        COMMENT ON COLUMN cache.k IS 'the key''s "name"';
        "#,
    )
    .await;
    let s = read(&db, &["public"]).await;
    let cache = &s.tables[&QualifiedName::public("cache")];
    assert!(cache.unlogged);
    assert_eq!(cache.comment.as_deref(), Some("scratch space"));
    let k = column(&s, "cache", "k");
    assert_eq!(k.collation.as_deref(), Some("\"C\""));
    assert_eq!(k.comment.as_deref(), Some("the key's \"name\""));
    let total = column(&s, "cache", "total");
    assert_eq!(total.generated.as_deref(), Some("(price * (qty)::numeric)"));
    assert_eq!(total.default, None);
    assert_eq!(
        column(&s, "cache", "label").collation.as_deref(),
        Some("\"POSIX\"")
    );
    assert_eq!(
        column(&s, "cache", "fancy").collation.as_deref(),
        Some("other.\"my coll\"")
    );
    assert_eq!(column(&s, "cache", "plain").collation, None);
    assert_eq!(column(&s, "cache", "price").collation, None);
}

/// `NULLS NOT DISTINCT` where the server has it (15+), nothing on 14, whose parser
/// rejects the clause: the tests that use it then check the plain form there.
fn nulls_not_distinct_sql(supported: bool) -> &'static str {
    if supported { " NULLS NOT DISTINCT" } else { "" }
}

#[tokio::test]
async fn every_kind_of_index() {
    let db = TestDb::new("introspect_indexes").await;
    let nnd = db.server_major().await >= 15;
    db.exec(&format!(
        r#"
        CREATE TABLE tasks (
            id integer PRIMARY KEY,
            title text NOT NULL,
            project text,
            status text,
            priority integer,
            tags text[],
            created_at timestamptz,
            completed_at timestamptz,
            "My Col" text,
            CONSTRAINT tasks_title_key UNIQUE (title)
        );
        CREATE INDEX tasks_project_idx ON tasks (project);
        CREATE INDEX tasks_tags_idx ON tasks USING gin (tags);
        CREATE INDEX tasks_open_idx ON tasks (created_at) WHERE completed_at IS NULL;
        CREATE UNIQUE INDEX tasks_title_uq ON tasks (lower(title));
        CREATE INDEX tasks_recent_idx ON tasks (created_at DESC NULLS LAST, priority NULLS FIRST);
        CREATE INDEX tasks_pattern_idx ON tasks (title text_pattern_ops, project COLLATE "C" DESC);
        CREATE INDEX tasks_expr_idx ON tasks ((priority + 1), (title || ', ' || project));
        CREATE INDEX tasks_cover_idx ON tasks ("My Col") INCLUDE (title, priority)
            WHERE status <> 'done' AND "My Col" LIKE 'a,b%';
        CREATE UNIQUE INDEX tasks_nnd_idx ON tasks (project, status){};
        CREATE INDEX tasks_hash_idx ON tasks USING hash (status);
        CREATE INDEX tasks_brin_idx ON tasks USING brin (created_at);
        COMMENT ON INDEX tasks_project_idx IS 'by project';
        "#,
        nulls_not_distinct_sql(nnd)
    ))
    .await;
    let s = read(&db, &["public"]).await;
    let tasks = &s.tables[&QualifiedName::public("tasks")];
    let expected = vec![
        Index {
            method: "brin".into(),
            ..index("tasks_brin_idx", &["created_at"])
        },
        Index {
            include: strings(&["title", "priority"]),
            predicate: Some("((status <> 'done'::text) AND (\"My Col\" ~~ 'a,b%'::text))".into()),
            ..index("tasks_cover_idx", &["\"My Col\""])
        },
        index(
            "tasks_expr_idx",
            &["((priority + 1))", "(((title || ', '::text) || project))"],
        ),
        Index {
            method: "hash".into(),
            ..index("tasks_hash_idx", &["status"])
        },
        Index {
            unique: true,
            nulls_not_distinct: nnd,
            storage: Vec::new(),
            ..index("tasks_nnd_idx", &["project", "status"])
        },
        Index {
            predicate: Some("(completed_at IS NULL)".into()),
            ..index("tasks_open_idx", &["created_at"])
        },
        index(
            "tasks_pattern_idx",
            &["title text_pattern_ops", "project COLLATE \"C\" DESC"],
        ),
        Index {
            comment: Some("by project".into()),
            ..index("tasks_project_idx", &["project"])
        },
        index(
            "tasks_recent_idx",
            &["created_at DESC NULLS LAST", "priority NULLS FIRST"],
        ),
        Index {
            method: "gin".into(),
            ..index("tasks_tags_idx", &["tags"])
        },
        Index {
            unique: true,
            ..index("tasks_title_uq", &["lower(title)"])
        },
    ];
    assert_eq!(tasks.indexes, expected);
    assert_eq!(
        tasks.uniques.len(),
        1,
        "the unique constraint is a constraint, not an index"
    );
}

#[tokio::test]
async fn uniques_and_foreign_keys_across_schemas() {
    let db = TestDb::new("introspect_uniques_fks").await;
    let nnd = db.server_major().await >= 15;
    db.exec(&format!(
        r"
        CREATE SCHEMA billing;
        CREATE TABLE billing.accounts (
            region text,
            number integer,
            code text,
            PRIMARY KEY (region, number),
            CONSTRAINT accounts_code_key UNIQUE{} (code),
            CONSTRAINT accounts_late UNIQUE (number, region) DEFERRABLE INITIALLY DEFERRED,
            CONSTRAINT accounts_soon UNIQUE (code, region) DEFERRABLE
        );
        CREATE TABLE invoices (
            id bigint PRIMARY KEY,
            acc_number integer,
            acc_region text,
            parent bigint,
            CONSTRAINT invoices_account_fk FOREIGN KEY (acc_region, acc_number)
                REFERENCES billing.accounts (region, number) MATCH FULL
                ON DELETE SET NULL ON UPDATE CASCADE DEFERRABLE,
            CONSTRAINT invoices_parent_fk FOREIGN KEY (parent) REFERENCES invoices
                ON DELETE RESTRICT ON UPDATE SET DEFAULT
        );
        ALTER TABLE invoices ADD CONSTRAINT invoices_swapped_fk
            FOREIGN KEY (acc_number, acc_region) REFERENCES billing.accounts (number, region)
            NOT VALID;
        ",
        nulls_not_distinct_sql(nnd)
    ))
    .await;
    let s = read(&db, &["public", "billing"]).await;
    assert_eq!(s.schemas, ["public", "billing"]);

    let accounts = &s.tables[&QualifiedName::new("billing", "accounts")];
    assert_eq!(
        accounts.primary_key,
        Some(PrimaryKey {
            name: "accounts_pkey".into(),
            columns: strings(&["region", "number"]),
            deferrable: Deferrable::NotDeferrable,
        })
    );
    assert_eq!(
        accounts.uniques,
        [
            UniqueConstraint {
                name: "accounts_code_key".into(),
                columns: strings(&["code"]),
                nulls_not_distinct: nnd,
                deferrable: Deferrable::NotDeferrable,
            },
            UniqueConstraint {
                name: "accounts_late".into(),
                columns: strings(&["number", "region"]),
                nulls_not_distinct: false,
                deferrable: Deferrable::InitiallyDeferred,
            },
            UniqueConstraint {
                name: "accounts_soon".into(),
                columns: strings(&["code", "region"]),
                nulls_not_distinct: false,
                deferrable: Deferrable::InitiallyImmediate,
            },
        ]
    );
    assert!(accounts.indexes.is_empty());

    let invoices = &s.tables[&QualifiedName::public("invoices")];
    assert_eq!(
        invoices.foreign_keys,
        [
            ForeignKey {
                name: "invoices_account_fk".into(),
                columns: strings(&["acc_region", "acc_number"]),
                referenced_table: QualifiedName::new("billing", "accounts"),
                referenced_columns: strings(&["region", "number"]),
                on_delete: FkAction::SetNull,
                on_update: FkAction::Cascade,
                deferrable: Deferrable::InitiallyImmediate,
                match_full: true,
                not_valid: false,
            },
            ForeignKey {
                name: "invoices_parent_fk".into(),
                columns: strings(&["parent"]),
                referenced_table: QualifiedName::public("invoices"),
                referenced_columns: strings(&["id"]),
                on_delete: FkAction::Restrict,
                on_update: FkAction::SetDefault,
                deferrable: Deferrable::NotDeferrable,
                match_full: false,
                not_valid: false,
            },
            ForeignKey {
                name: "invoices_swapped_fk".into(),
                columns: strings(&["acc_number", "acc_region"]),
                referenced_table: QualifiedName::new("billing", "accounts"),
                referenced_columns: strings(&["number", "region"]),
                on_delete: FkAction::NoAction,
                on_update: FkAction::NoAction,
                deferrable: Deferrable::NotDeferrable,
                match_full: false,
                not_valid: true,
            },
        ]
    );

    // A foreign key into a schema that is not read still names its table.
    let only_public = read(&db, &["public"]).await;
    assert_eq!(only_public.schemas, ["public"]);
    assert_eq!(only_public.tables.len(), 1);
    assert_eq!(
        only_public.tables[&QualifiedName::public("invoices")].foreign_keys[0].referenced_table,
        QualifiedName::new("billing", "accounts")
    );
}

#[tokio::test]
async fn enums_and_types_in_other_schemas() {
    let db = TestDb::new("introspect_enums").await;
    db.exec(
        r#"
        CREATE SCHEMA other;
        CREATE TYPE mood AS ENUM ('calm', 'busy');
        ALTER TYPE mood ADD VALUE 'asleep' BEFORE 'calm';
        ALTER TYPE mood ADD VALUE 'it''s, "odd"';
        COMMENT ON TYPE mood IS 'how it feels';
        CREATE TYPE other."Level" AS ENUM ('low', 'high');
        CREATE TYPE other.empty AS ENUM ();
        CREATE TABLE feelings (m mood DEFAULT 'busy', l other."Level"[], e other.empty);
        "#,
    )
    .await;
    let s = read(&db, &["public", "other"]).await;
    let mood = &s.enums[&QualifiedName::public("mood")];
    assert_eq!(
        mood.values,
        strings(&["asleep", "calm", "busy", "it's, \"odd\""])
    );
    assert_eq!(mood.comment.as_deref(), Some("how it feels"));
    assert_eq!(
        s.enums[&QualifiedName::new("other", "Level")].values,
        strings(&["low", "high"])
    );
    assert!(
        s.enums[&QualifiedName::new("other", "empty")]
            .values
            .is_empty()
    );
    assert_eq!(
        column(&s, "feelings", "m").default.as_deref(),
        Some("'busy'::mood")
    );
    assert_eq!(column(&s, "feelings", "l").data_type, "other.\"Level\"[]");
    assert_eq!(column(&s, "feelings", "e").data_type, "other.empty");

    let public_only = read(&db, &["public"]).await;
    assert_eq!(
        public_only.enums.keys().cloned().collect::<Vec<_>>(),
        [QualifiedName::public("mood")]
    );
}

#[tokio::test]
async fn hostile_names() {
    let db = TestDb::new("introspect_hostile_names").await;
    let long = "l".repeat(63);
    let unicode = "ünïcødé_表";
    db.exec(&format!(
        r#"
        CREATE SCHEMA "Odd; Schema";
        CREATE TABLE "Odd; Schema"."My ""Table""; DROP TABLE x; --" (
            "Id" integer PRIMARY KEY,
            "with space" text DEFAULT 'a''b',
            "semi;colon" text,
            "{unicode}" text,
            "{long}" integer CHECK ("{long}" > 0),
            "user" text
        );
        CREATE INDEX "idx ""q""" ON "Odd; Schema"."My ""Table""; DROP TABLE x; --"
            ("with space", lower("semi;colon"), "{unicode}" DESC);
        CREATE TABLE "{long}" ("Ref" integer REFERENCES "Odd; Schema"."My ""Table""; DROP TABLE x; --");
        CREATE TYPE "Odd; Schema"."En""um" AS ENUM ('a');
        "#
    ))
    .await;
    let s = read(&db, &["public", "Odd; Schema"]).await;
    assert_eq!(s.schemas, ["public", "Odd; Schema"]);
    let name = QualifiedName::new("Odd; Schema", "My \"Table\"; DROP TABLE x; --");
    let t = &s.tables[&name];
    assert_eq!(
        t.columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        [
            "Id",
            "with space",
            "semi;colon",
            unicode,
            long.as_str(),
            "user"
        ]
    );
    assert_eq!(
        column(
            &s,
            "Odd; Schema.My \"Table\"; DROP TABLE x; --",
            "with space"
        )
        .default
        .as_deref(),
        Some("'a''b'::text")
    );
    let pk_name = format!("{}_pkey", &"My \"Table\"; DROP TABLE x; --");
    assert_eq!(
        t.primary_key.as_ref().map(|p| p.name.as_str()),
        Some(pk_name.as_str())
    );
    assert_eq!(t.checks.len(), 1);
    assert_eq!(t.checks[0].expression, format!("({long} > 0)"));
    assert_eq!(
        t.indexes,
        [index(
            "idx \"q\"",
            &[
                "\"with space\"",
                "lower(\"semi;colon\")",
                &format!("\"{unicode}\" DESC")
            ]
        )]
    );
    let referencing = &s.tables[&QualifiedName::public(long.as_str())];
    assert_eq!(referencing.foreign_keys.len(), 1);
    assert_eq!(referencing.foreign_keys[0].referenced_table, name);
    assert_eq!(referencing.foreign_keys[0].columns, strings(&["Ref"]));
    assert_eq!(
        referencing.foreign_keys[0].referenced_columns,
        strings(&["Id"])
    );
    assert_eq!(
        s.enums.keys().cloned().collect::<Vec<_>>(),
        [QualifiedName::new("Odd; Schema", "En\"um")]
    );
}

#[tokio::test]
async fn skips_extension_objects_bookkeeping_and_children() {
    let db = TestDb::new("introspect_skips").await;
    db.exec(
        r"
        CREATE EXTENSION citext;
        CREATE TABLE __migrations (id serial PRIMARY KEY, version text NOT NULL);
        CREATE TABLE users (id integer PRIMARY KEY, email citext UNIQUE);
        CREATE TABLE ext_table (id serial);
        CREATE TYPE ext_enum AS ENUM ('x');
        CREATE SEQUENCE ext_seq;
        ALTER EXTENSION citext ADD TABLE ext_table;
        ALTER EXTENSION citext ADD SEQUENCE ext_table_id_seq;
        ALTER EXTENSION citext ADD TYPE ext_enum;
        ALTER EXTENSION citext ADD SEQUENCE ext_seq;
        CREATE TABLE parent (id integer, at date);
        CREATE TABLE child (extra text) INHERITS (parent);
        CREATE TABLE events (id integer, at date) PARTITION BY RANGE (at);
        CREATE TABLE events_2024 PARTITION OF events
            FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        ",
    )
    .await;
    let s = read(&db, &["public"]).await;
    assert_eq!(
        s.tables.keys().map(|k| k.name.as_str()).collect::<Vec<_>>(),
        ["events", "events_2024", "parent", "users"],
        "FIXME: inheritance children (INHERITS) are not read yet"
    );
    assert_eq!(
        s.tables[&QualifiedName::public("events")]
            .partition_by
            .as_deref(),
        Some("RANGE (at)")
    );
    assert_eq!(
        s.tables[&QualifiedName::public("events_2024")].partition_of,
        Some(brain_db::model::PartitionOf {
            parent: QualifiedName::public("events"),
            bounds: "FROM ('2024-01-01') TO ('2025-01-01')".into(),
        })
    );
    assert_eq!(column(&s, "users", "email").data_type, "public.citext");
    assert!(s.sequences.is_empty(), "{:?}", s.sequences.keys());
    assert!(s.enums.is_empty());
}

#[tokio::test]
async fn schemas_lists() {
    let db = TestDb::new("introspect_schemas").await;
    db.exec(
        r#"
        CREATE SCHEMA zeta;
        CREATE SCHEMA "Alpha";
        CREATE SCHEMA extschema;
        CREATE SCHEMA ext_owned;
        CREATE EXTENSION citext SCHEMA extschema;
        ALTER EXTENSION citext ADD SCHEMA ext_owned;
        "#,
    )
    .await;
    let client = db.client().await;
    assert_eq!(
        introspect::user_schemas(&client).await.unwrap(),
        ["Alpha", "extschema", "public", "zeta"]
    );
    let s = read(&db, &["zeta", "missing", "public", "zeta"]).await;
    assert_eq!(s.schemas, ["zeta", "public"]);
    assert!(s.tables.is_empty());
}

#[tokio::test]
async fn query_count_does_not_depend_on_table_count() {
    let db = TestDb::new("introspect_query_count").await;
    let mut sql = String::from("CREATE TYPE kind AS ENUM ('a', 'b');");
    for i in 0..60 {
        sql.push_str(&format!(
            "CREATE TABLE t{i} (id serial PRIMARY KEY, k kind, name text UNIQUE, \
             parent integer REFERENCES t{i}, CHECK (id > 0));
             CREATE INDEX ON t{i} (lower(name));"
        ));
    }
    let mut client = db.client().await;
    client
        .batch_execute("SET search_path = public")
        .await
        .unwrap();

    db.exec(sql.split("CREATE TABLE t3 ").next().unwrap()).await;
    let (small, small_stats) =
        introspect::introspect_with_stats(&mut client, &strings(&["public"]))
            .await
            .unwrap();
    assert_eq!(small.tables.len(), 3);

    db.exec(&format!(
        "CREATE TABLE t3 {}",
        sql.split_once("CREATE TABLE t3 ").unwrap().1
    ))
    .await;
    let (large, large_stats) =
        introspect::introspect_with_stats(&mut client, &strings(&["public"]))
            .await
            .unwrap();
    assert_eq!(large.tables.len(), 60);
    assert_eq!(large.sequences.len(), 60);
    assert!(large.tables.values().all(|t| t.indexes.len() == 1
        && t.uniques.len() == 1
        && t.foreign_keys.len() == 1
        && t.checks.len() == 1));

    assert_eq!(small_stats.queries, QUERY_COUNT);
    assert_eq!(large_stats.queries, QUERY_COUNT);
}

/// Views, triggers on one shared function and row-level security policies are read with
/// the same fixed set of queries as tables: 5 of each cost what 50 do.
#[tokio::test]
async fn query_count_does_not_depend_on_views_triggers_policies() {
    let db = TestDb::new("introspect_query_count_kinds").await;
    db.exec(
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS \
         $$ begin new.at = now(); return new; end $$;",
    )
    .await;
    let objects = |range: std::ops::Range<usize>| -> String {
        range
            .map(|i| {
                format!(
                    "CREATE TABLE t{i} (id integer PRIMARY KEY, title text, at timestamptz);
                     CREATE VIEW t{i}_titled AS SELECT id, title FROM t{i} WHERE title <> '';
                     CREATE TRIGGER t{i}_touch BEFORE UPDATE ON t{i}
                       FOR EACH ROW EXECUTE FUNCTION touch();
                     ALTER TABLE t{i} ENABLE ROW LEVEL SECURITY;
                     CREATE POLICY t{i}_visible ON t{i} USING (title <> '');"
                )
            })
            .collect()
    };
    let mut client = db.client().await;
    client
        .batch_execute("SET search_path = public")
        .await
        .unwrap();
    let mut stats = Vec::new();
    for (range, n) in [(0..5, 5), (5..50, 50)] {
        db.exec(&objects(range)).await;
        let (s, st) = introspect::introspect_with_stats(&mut client, &strings(&["public"]))
            .await
            .unwrap();
        assert_eq!(s.views.len(), n);
        assert_eq!(s.functions.len(), 1);
        assert_eq!(s.tables.len(), n);
        assert!(s.tables.values().all(|t| t.triggers.len() == 1
            && t.policies.len() == 1
            && t.row_level_security == RowLevelSecurity::Enabled));
        stats.push(st.queries);
    }
    assert_eq!(stats, [QUERY_COUNT, QUERY_COUNT]);
}

#[tokio::test]
async fn dropped_columns_and_empty_tables() {
    let db = TestDb::new("introspect_dropped_empty").await;
    db.exec(
        r"
        CREATE TABLE t (a integer, b text, c boolean);
        ALTER TABLE t DROP COLUMN b;
        ALTER TABLE t ADD COLUMN d text NOT NULL DEFAULT 'x';
        CREATE TABLE empty ();
        ",
    )
    .await;
    let s = read(&db, &["public"]).await;
    let t = &s.tables[&QualifiedName::public("t")];
    assert_eq!(
        t.columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["a", "c", "d"]
    );
    assert_eq!(column(&s, "t", "d").default.as_deref(), Some("'x'::text"));
    assert!(s.tables[&QualifiedName::public("empty")].columns.is_empty());
}

/// DDL that rebuilds an introspected schema, written straight from the model's fields:
/// if the canonical forms are right, reading the rebuilt database gives the same model.
fn rebuild_sql(s: &Schema) -> String {
    use brain_db::sql::quote::{ident, literal, qualified};
    let q = |n: &QualifiedName| qualified(&n.schema, &n.name);
    let deferrable = |d: Deferrable| match d {
        Deferrable::NotDeferrable => "",
        Deferrable::InitiallyImmediate => " DEFERRABLE",
        Deferrable::InitiallyDeferred => " DEFERRABLE INITIALLY DEFERRED",
    };
    let seq_options = |o: &SequenceOptions| {
        format!(
            "AS {} START WITH {} INCREMENT BY {} MINVALUE {} MAXVALUE {} CACHE {}{}",
            o.data_type,
            o.start,
            o.increment,
            o.min_value,
            o.max_value,
            o.cache,
            if o.cycle { " CYCLE" } else { " NO CYCLE" }
        )
    };
    let list = |items: &[String]| {
        items
            .iter()
            .map(|c| ident(c))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut sql = String::new();
    for schema in &s.schemas {
        if schema != "public" {
            sql.push_str(&format!("CREATE SCHEMA {};\n", ident(schema)));
        }
    }
    for e in s.enums.values() {
        let values: Vec<String> = e.values.iter().map(|v| literal(v)).collect();
        sql.push_str(&format!(
            "CREATE TYPE {} AS ENUM ({});\n",
            q(&e.name),
            values.join(", ")
        ));
    }
    for seq in s.sequences.values() {
        sql.push_str(&format!(
            "CREATE SEQUENCE {} {};\n",
            q(&seq.name),
            seq_options(&seq.options)
        ));
    }
    for t in s.tables.values() {
        let mut parts = Vec::new();
        for c in &t.columns {
            let mut def = format!("{} {}", ident(&c.name), c.data_type);
            if let Some(coll) = &c.collation {
                def.push_str(&format!(" COLLATE {coll}"));
            }
            if let Some(g) = &c.generated {
                def.push_str(&format!(" GENERATED ALWAYS AS ({g}) STORED"));
            }
            if let Some(d) = &c.default {
                def.push_str(&format!(" DEFAULT {d}"));
            }
            if let Some(id) = &c.identity {
                let kind = match id.kind {
                    IdentityKind::Always => "ALWAYS",
                    IdentityKind::ByDefault => "BY DEFAULT",
                };
                def.push_str(&format!(" GENERATED {kind} AS IDENTITY"));
                if let Some(o) = &id.options {
                    // The identity sequence's type is the column's: no `AS type` here.
                    let options = seq_options(o);
                    let options = options.split_once(' ').unwrap().1;
                    let options = options.split_once(' ').unwrap().1;
                    def.push_str(&format!(" ({options})"));
                }
            }
            if c.not_null {
                def.push_str(" NOT NULL");
            }
            parts.push(def);
        }
        if let Some(pk) = &t.primary_key {
            parts.push(format!(
                "CONSTRAINT {} PRIMARY KEY ({})",
                ident(&pk.name),
                list(&pk.columns)
            ));
        }
        for u in &t.uniques {
            parts.push(format!(
                "CONSTRAINT {} UNIQUE{} ({}){}",
                ident(&u.name),
                if u.nulls_not_distinct {
                    " NULLS NOT DISTINCT"
                } else {
                    ""
                },
                list(&u.columns),
                deferrable(u.deferrable)
            ));
        }
        for c in t.checks.iter().filter(|c| !c.not_valid) {
            parts.push(format!(
                "CONSTRAINT {} CHECK ({}){}",
                ident(&c.name),
                c.expression,
                if c.no_inherit { " NO INHERIT" } else { "" }
            ));
        }
        sql.push_str(&format!(
            "CREATE {}TABLE {} ({});\n",
            if t.unlogged { "UNLOGGED " } else { "" },
            q(&t.name),
            parts.join(", ")
        ));
        if let Some(comment) = &t.comment {
            sql.push_str(&format!(
                "COMMENT ON TABLE {} IS {};\n",
                q(&t.name),
                literal(comment)
            ));
        }
        for c in &t.columns {
            if let Some(comment) = &c.comment {
                sql.push_str(&format!(
                    "COMMENT ON COLUMN {}.{} IS {};\n",
                    q(&t.name),
                    ident(&c.name),
                    literal(comment)
                ));
            }
        }
        for i in &t.indexes {
            sql.push_str(&format!(
                "CREATE {}INDEX {} ON {} USING {} ({})",
                if i.unique { "UNIQUE " } else { "" },
                ident(&i.name),
                q(&t.name),
                i.method,
                i.keys.join(", ")
            ));
            if !i.include.is_empty() {
                sql.push_str(&format!(" INCLUDE ({})", list(&i.include)));
            }
            if i.nulls_not_distinct {
                sql.push_str(" NULLS NOT DISTINCT");
            }
            if let Some(p) = &i.predicate {
                sql.push_str(&format!(" WHERE {p}"));
            }
            sql.push_str(";\n");
            if let Some(comment) = &i.comment {
                sql.push_str(&format!(
                    "COMMENT ON INDEX {} IS {};\n",
                    qualified(&t.name.schema, &i.name),
                    literal(comment)
                ));
            }
        }
    }
    for t in s.tables.values() {
        for c in t.checks.iter().filter(|c| c.not_valid) {
            sql.push_str(&format!(
                "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({}){} NOT VALID;\n",
                q(&t.name),
                ident(&c.name),
                c.expression,
                if c.no_inherit { " NO INHERIT" } else { "" }
            ));
        }
        for fk in &t.foreign_keys {
            sql.push_str(&format!(
                "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}){} \
                 ON DELETE {} ON UPDATE {}{}{};\n",
                q(&t.name),
                ident(&fk.name),
                list(&fk.columns),
                q(&fk.referenced_table),
                list(&fk.referenced_columns),
                if fk.match_full { " MATCH FULL" } else { "" },
                fk.on_delete.sql(),
                fk.on_update.sql(),
                deferrable(fk.deferrable),
                if fk.not_valid { " NOT VALID" } else { "" }
            ));
        }
    }
    for seq in s.sequences.values() {
        if let Some((table, column)) = &seq.owned_by {
            sql.push_str(&format!(
                "ALTER SEQUENCE {} OWNED BY {}.{};\n",
                q(&seq.name),
                q(table),
                ident(column)
            ));
        }
        if let Some(comment) = &seq.comment {
            sql.push_str(&format!(
                "COMMENT ON SEQUENCE {} IS {};\n",
                q(&seq.name),
                literal(comment)
            ));
        }
    }
    for e in s.enums.values() {
        if let Some(comment) = &e.comment {
            sql.push_str(&format!(
                "COMMENT ON TYPE {} IS {};\n",
                q(&e.name),
                literal(comment)
            ));
        }
    }
    sql
}

/// Everything the other tests create, in one database, then rebuilt from the model into
/// a second one: the model read back must be identical (the canonical forms round-trip).
#[tokio::test]
async fn canonical_forms_round_trip() {
    let source = TestDb::new("introspect_round_trip_source").await;
    let nnd = nulls_not_distinct_sql(source.server_major().await >= 15);
    source
        .exec(&format!(
            r#"
            {APP_SQL}
            CREATE SCHEMA "Odd; Schema";
            CREATE TYPE mood AS ENUM ('calm', 'busy', 'it''s');
            COMMENT ON TYPE mood IS 'feel';
            CREATE TYPE "Odd; Schema"."Level" AS ENUM ('low', 'high');
            CREATE SEQUENCE counter AS smallint INCREMENT BY -3 CYCLE;
            CREATE UNLOGGED TABLE scratch (k text PRIMARY KEY);
            CREATE TABLE "Odd; Schema"."My ""T""" (
                "Id" bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 100 CACHE 5) PRIMARY KEY,
                serial_no serial,
                lvl "Odd; Schema"."Level"[] DEFAULT '{{low}}',
                m mood DEFAULT 'busy',
                price numeric(12,2) DEFAULT -1.5 CHECK (price > -100),
                qty integer DEFAULT -1,
                total numeric GENERATED ALWAYS AS (price * qty) STORED,
                name text COLLATE "C" NOT NULL,
                k double precision DEFAULT 1e10,
                at timestamp(3) DEFAULT now(),
                flag boolean CHECK (flag) NO INHERIT,
                tags text[] DEFAULT ARRAY['a', 'b,c'],
                UNIQUE{nnd} (name, m),
                CONSTRAINT later UNIQUE (qty) DEFERRABLE INITIALLY DEFERRED,
                CONSTRAINT name_key UNIQUE (name)
            );
            COMMENT ON TABLE "Odd; Schema"."My ""T""" IS 'odd ''one''';
            COMMENT ON COLUMN "Odd; Schema"."My ""T""".name IS 'the name';
            CREATE INDEX "idx, (q)" ON "Odd; Schema"."My ""T""" USING btree
                (lower(name) DESC NULLS LAST, (price + qty), name text_pattern_ops,
                 name COLLATE "POSIX")
                INCLUDE (qty) WHERE flag AND name <> 'x, (y)';
            CREATE UNIQUE INDEX nnd ON "Odd; Schema"."My ""T""" (qty, m){nnd};
            CREATE INDEX tagged ON "Odd; Schema"."My ""T""" USING gin (tags);
            COMMENT ON INDEX "Odd; Schema".tagged IS 'by tag';
            ALTER TABLE reminders ADD CONSTRAINT odd_ref FOREIGN KEY (message)
                REFERENCES "Odd; Schema"."My ""T""" (name) MATCH FULL ON UPDATE SET NULL
                DEFERRABLE NOT VALID;
            ALTER TABLE tasks ADD CONSTRAINT tasks_priority_check CHECK (priority >= 0) NOT VALID;
            "#
        ))
        .await;
    let original = read(&source, &["public", "Odd; Schema"]).await;
    assert_eq!(original.tables.len(), 5);

    let sql = rebuild_sql(&original);
    let copy = TestDb::new("introspect_round_trip_copy").await;
    copy.exec(&sql).await;
    let rebuilt = read(&copy, &["public", "Odd; Schema"]).await;
    for (name, table) in &original.tables {
        assert_eq!(
            Some(table),
            rebuilt.tables.get(name),
            "table {name} differs; SQL:\n{sql}"
        );
    }
    assert_eq!(original, rebuilt, "SQL:\n{sql}");
}

/// Tables, each with an index, a view, a trigger and a policy, created in one transaction.
fn linked_objects(range: std::ops::Range<usize>) -> String {
    range
        .map(|i| {
            format!(
                "BEGIN;
                 CREATE TABLE t{i} (id integer PRIMARY KEY, title text, at timestamptz);
                 CREATE INDEX t{i}_title ON t{i} (title);
                 CREATE VIEW t{i}_titled AS SELECT id, title FROM t{i} WHERE title <> '';
                 CREATE TRIGGER t{i}_touch BEFORE UPDATE ON t{i}
                   FOR EACH ROW EXECUTE FUNCTION touch();
                 ALTER TABLE t{i} ENABLE ROW LEVEL SECURITY;
                 CREATE POLICY t{i}_visible ON t{i} USING (title <> '');
                 COMMIT;"
            )
        })
        .collect()
}

const TOUCH: &str = "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ begin new.at = now(); return new; end $$;";

/// Introspection split over two connections reads what one connection reads: the same
/// model, the same number of catalog queries.
#[tokio::test]
async fn split_introspection_reads_what_one_connection_reads() {
    let db = TestDb::new("introspect_split_same").await;
    db.exec(TOUCH).await;
    db.exec(&linked_objects(0..8)).await;
    let mut client = db.client().await;
    let mut helper = db.client().await;
    for c in [&client, &helper] {
        c.batch_execute("SET search_path = public").await.unwrap();
    }
    let (alone, alone_stats) =
        introspect::introspect_with_stats(&mut client, &strings(&["public"]))
            .await
            .unwrap();
    let (split, split_stats) =
        introspect::introspect_split(&mut client, Some(&mut helper), &strings(&["public"]))
            .await
            .unwrap();
    assert_eq!(split, alone);
    assert_eq!(split.views.len(), 8);
    assert_eq!(split_stats.queries, QUERY_COUNT);
    assert_eq!(alone_stats.queries, QUERY_COUNT);
}

/// While tables (each with its index, view, trigger and policy, in one transaction) are
/// created concurrently, every split read is whole: the half read on the second
/// connection (indexes, views, triggers, policies) sees exactly the tables the first
/// half sees, because both read one exported snapshot.
#[tokio::test]
async fn split_introspection_reads_one_snapshot_under_concurrent_ddl() {
    let db = TestDb::new("introspect_split_snapshot").await;
    db.exec(TOUCH).await;
    let ddl = db.client().await;
    let writer = tokio::spawn(async move {
        for batch in 0..40 {
            ddl.batch_execute(&linked_objects(batch * 5..batch * 5 + 5))
                .await
                .unwrap();
        }
    });
    let mut client = db.client().await;
    let mut helper = db.client().await;
    let mut sizes = Vec::new();
    while !writer.is_finished() {
        let (s, _) =
            introspect::introspect_split(&mut client, Some(&mut helper), &strings(&["public"]))
                .await
                .unwrap();
        assert_eq!(
            s.views.len(),
            s.tables.len(),
            "views and tables of one snapshot"
        );
        for (name, t) in &s.tables {
            assert!(
                t.indexes.len() == 1 && t.triggers.len() == 1 && t.policies.len() == 1,
                "{name} read without its index, trigger or policy: a torn read"
            );
        }
        sizes.push(s.tables.len());
    }
    writer.await.unwrap();
    let (last, _) =
        introspect::introspect_split(&mut client, Some(&mut helper), &strings(&["public"]))
            .await
            .unwrap();
    assert_eq!(last.tables.len(), 200);
    assert!(!sizes.is_empty());
}

/// A second connection that cannot read the first's snapshot (here: it is on another
/// database, where the snapshot cannot be imported) is not used: everything is read on
/// the first, with the same result, and the helper stays usable.
#[tokio::test]
async fn split_introspection_falls_back_to_one_connection() {
    let db = TestDb::new("introspect_split_fallback").await;
    let other = TestDb::new("introspect_split_fallback_other").await;
    db.exec(TOUCH).await;
    db.exec(&linked_objects(0..3)).await;
    let mut client = db.client().await;
    let mut helper = other.client().await;
    let (alone, _) = introspect::introspect_with_stats(&mut client, &strings(&["public"]))
        .await
        .unwrap();
    let (split, stats) =
        introspect::introspect_split(&mut client, Some(&mut helper), &strings(&["public"]))
            .await
            .unwrap();
    assert_eq!(split, alone);
    assert_eq!(split.tables.len(), 3);
    assert_eq!(stats.queries, QUERY_COUNT);
    let still: i32 = helper.query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(still, 1);
}
