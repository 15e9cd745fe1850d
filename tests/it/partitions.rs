//! Declarative partitioning: partitioned tables and their partitions (range, list, hash,
//! default, sub-partitions) created, compared through the server, re-bounded by detach
//! and attach, added and dropped (with --force when rows are at stake), rebuilt when the
//! partition key changes; what PostgreSQL clones onto partitions is not read as theirs;
//! pulled back, and generated migrations equal to push.

use crate::harness::{Project, TestDb, assert_same_schema};

const EVENTS: &str = r#"
[tables.events]
partition_by = "range (created_at)"
[tables.events.columns]
id = { type = "bigint", not_null = true }
created_at = { type = "timestamptz", not_null = true }
kind = { type = "text", not_null = true, default = "info" }

[tables.events_2025]
partition_of = "events"
bounds = "from ('2025-01-01') to ('2026-01-01')"
comment = "last year"

[tables.events_2026]
partition_of = "events"
bounds = "from ('2026-01-01') to ('2027-01-01')"

[tables.events_other]
partition_of = "events"
bounds = "default"

[tables.orders]
partition_by = "list (region)"
[tables.orders.columns]
id = { type = "bigint", not_null = true }
region = { type = "text", not_null = true }

[tables.orders_america]
partition_of = "orders"
bounds = "in ('US', 'CA', 'MX')"

[tables.orders_europe]
partition_of = "orders"
bounds = "IN ('DE', 'FR')"

[tables.sessions]
partition_by = "hash (user_id)"
[tables.sessions.columns]
id = { type = "bigint", not_null = true }
user_id = { type = "bigint", not_null = true }

[tables.sessions_0]
partition_of = "sessions"
bounds = "with (modulus 2, remainder 0)"

[tables.sessions_1]
partition_of = "sessions"
bounds = "for values with (modulus 2, remainder 1)"
"#;

async fn bound(db: &TestDb, table: &str) -> String {
    db.value(&format!(
        "select pg_get_expr(relpartbound, oid) from pg_class where oid = '{table}'::regclass"
    ))
    .await
}

async fn partitions_of(db: &TestDb, table: &str) -> String {
    db.value(&format!(
        "select coalesce(string_agg(c.relname, ',' order by c.relname), '') from pg_inherits i \
         join pg_class c on c.oid = i.inhrelid where i.inhparent = '{table}'::regclass"
    ))
    .await
}

#[tokio::test]
async fn range_list_hash_and_default_partitions_are_created_and_settle_under_any_settings() {
    let db = TestDb::new("partitions_create").await;
    // The bounds are timestamps with time zone: printed by the server under the session's
    // TimeZone and DateStyle, which brain-db pins.
    db.exec(&format!(
        "alter database \"{}\" set timezone = 'Asia/Tokyo'; alter database \"{}\" set datestyle = 'German, DMY'",
        db.name, db.name
    ))
    .await;
    let project = Project::new();
    project.write_schema(EVENTS);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains(
            "CREATE TABLE public.events_2026 PARTITION OF public.events FOR VALUES from ('2026-01-01') to ('2027-01-01')"
        ),
        "{}",
        run.stdout
    );
    project.run(&db, &["push"]).assert_no_changes();

    assert_eq!(
        db.value("select pg_get_partkeydef('events'::regclass)")
            .await,
        "RANGE (created_at)"
    );
    assert_eq!(
        db.value("select pg_get_partkeydef('orders'::regclass)")
            .await,
        "LIST (region)"
    );
    assert_eq!(
        db.value("select pg_get_partkeydef('sessions'::regclass)")
            .await,
        "HASH (user_id)"
    );
    assert_eq!(
        partitions_of(&db, "events").await,
        "events_2025,events_2026,events_other"
    );
    assert_eq!(bound(&db, "events_other").await, "DEFAULT");
    assert_eq!(
        bound(&db, "orders_america").await,
        "FOR VALUES IN ('US', 'CA', 'MX')"
    );
    assert_eq!(
        bound(&db, "sessions_1").await,
        "FOR VALUES WITH (modulus 2, remainder 1)"
    );
    assert_eq!(
        db.value("select obj_description('events_2025'::regclass, 'pg_class')")
            .await,
        "last year"
    );
    // Rows are routed by the server, and the parent's default reaches the partitions.
    db.exec(
        "insert into events (id, created_at) values (1, '2026-03-01 00:00+00'), (2, '1999-01-01 00:00+00'); \
         insert into orders values (1, 'CA'), (2, 'FR'); insert into sessions select g, g from generate_series(1, 10) g",
    )
    .await;
    assert_eq!(
        db.value("select string_agg(tableoid::regclass::text || '/' || kind, ',' order by id) from events").await,
        "events_2026/info,events_other/info"
    );
    assert_eq!(
        db.value("select count(*)::text from sessions_0")
            .await
            .parse::<i32>()
            .unwrap()
            + db.value("select count(*)::text from sessions_1")
                .await
                .parse::<i32>()
                .unwrap(),
        10
    );
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn a_new_partition_is_added_and_a_dropped_one_with_rows_needs_force() {
    let db = TestDb::new("partitions_add_drop").await;
    let project = Project::new();
    project.write_schema(EVENTS);
    project.run(&db, &["push"]).assert_code(0);
    db.exec("insert into events values (1, '2025-06-01 00:00+00', 'a'), (2, '2025-07-01 00:00+00', 'b')")
        .await;

    let added = format!(
        "{EVENTS}\n[tables.events_2027]\npartition_of = \"events\"\nbounds = \"from ('2027-01-01') to ('2028-01-01')\"\n"
    );
    project.write_schema(&added);
    project.run(&db, &["push"]).assert_code(0);
    assert_eq!(
        partitions_of(&db, "events").await,
        "events_2025,events_2026,events_2027,events_other"
    );
    project.run(&db, &["push"]).assert_no_changes();

    let dropped = added.replace(
        "[tables.events_2025]\npartition_of = \"events\"\nbounds = \"from ('2025-01-01') to ('2026-01-01')\"\ncomment = \"last year\"\n",
        "",
    );
    project.write_schema(&dropped);
    let refused = project.run(&db, &["push"]);
    refused.assert_code(2);
    assert!(
        refused
            .stderr
            .contains("drops table events_2025 (events_2025 has 2 row(s))"),
        "{}",
        refused.stderr
    );
    assert_eq!(db.value("select count(*)::text from events").await, "2");
    project.run(&db, &["push", "--force"]).assert_code(0);
    assert_eq!(
        partitions_of(&db, "events").await,
        "events_2026,events_2027,events_other"
    );
    assert_eq!(db.value("select count(*)::text from events").await, "0");
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn changed_bounds_detach_and_attach_keeping_rows_or_fail_named_and_rolled_back() {
    let db = TestDb::new("partitions_bounds").await;
    let project = Project::new();
    project.write_schema(EVENTS);
    project.run(&db, &["push"]).assert_code(0);
    db.exec("insert into events values (1, '2026-06-01 00:00+00', 'a'); insert into orders values (1, 'MX')")
        .await;
    let before = db.value("select 'events_2026'::regclass::oid::text").await;

    // Wider bounds: the rows fit; the partition is the same table, rows and all.
    let wider = EVENTS
        .replace(
            "bounds = \"from ('2026-01-01') to ('2027-01-01')\"",
            "bounds = \"from ('2026-01-01') to ('2028-01-01')\"",
        )
        .replace("in ('US', 'CA', 'MX')", "in ('US', 'CA', 'MX', 'BR')");
    project.write_schema(&wider);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("ALTER TABLE public.events DETACH PARTITION public.events_2026;"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("-- note: attaches events_2026 to events as the partition for FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2028-01-01 00:00:00+00')"),
        "{}",
        run.stdout
    );
    assert_eq!(
        db.value("select 'events_2026'::regclass::oid::text").await,
        before
    );
    assert_eq!(
        bound(&db, "events_2026").await,
        "FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2028-01-01 00:00:00+00')"
    );
    assert_eq!(
        db.value("select count(*)::text from events_2026").await,
        "1"
    );
    assert_eq!(
        db.value("select count(*)::text from orders_america").await,
        "1"
    );
    project.run(&db, &["push"]).assert_no_changes();

    // Bounds the rows do not fit: the server refuses the attach; nothing stays applied.
    let narrower = wider.replace(
        "bounds = \"from ('2026-01-01') to ('2028-01-01')\"",
        "bounds = \"from ('2027-01-01') to ('2028-01-01')\"",
    );
    project.write_schema(&narrower);
    let failed = project.run(&db, &["push"]);
    assert_ne!(failed.code, 0, "{}", failed.stdout);
    assert!(
        failed
            .stderr
            .contains("ATTACH PARTITION public.events_2026"),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.contains("violated by some row"),
        "{}",
        failed.stderr
    );
    assert_eq!(
        partitions_of(&db, "events").await,
        "events_2025,events_2026,events_other"
    );
    assert_eq!(
        bound(&db, "events_2026").await,
        "FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2028-01-01 00:00:00+00')"
    );
    assert_eq!(db.value("select count(*)::text from events").await, "1");
}

#[tokio::test]
async fn a_partition_key_change_is_refused_without_force_and_counts_the_rows() {
    let db = TestDb::new("partitions_key_change").await;
    let project = Project::new();
    project.write_schema(EVENTS);
    project.run(&db, &["push"]).assert_code(0);
    db.exec("insert into orders values (1, 'US'), (2, 'DE'), (3, 'CA')")
        .await;
    let changed = EVENTS
        .replace(
            "partition_by = \"list (region)\"",
            "partition_by = \"hash (id)\"",
        )
        .replace(
            "bounds = \"in ('US', 'CA', 'MX')\"",
            "bounds = \"with (modulus 2, remainder 0)\"",
        )
        .replace(
            "bounds = \"IN ('DE', 'FR')\"",
            "bounds = \"with (modulus 2, remainder 1)\"",
        );
    project.write_schema(&changed);
    let refused = project.run(&db, &["push"]);
    refused.assert_code(2);
    assert!(
        refused.stderr.contains(
            "drops table orders and creates it again, empty: PostgreSQL cannot change a partition key (PARTITION BY LIST (region) -> PARTITION BY HASH (id)) (orders has 3 row(s))"
        ),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains(
            "drops table orders_america and creates it again, empty: it is a partition of orders, which is created again (orders_america has 2 row(s))"
        ),
        "{}",
        refused.stderr
    );
    assert_eq!(
        db.value("select pg_get_partkeydef('orders'::regclass)")
            .await,
        "LIST (region)"
    );
    assert_eq!(db.value("select count(*)::text from orders").await, "3");

    project.run(&db, &["push", "--force"]).assert_code(0);
    assert_eq!(
        db.value("select pg_get_partkeydef('orders'::regclass)")
            .await,
        "HASH (id)"
    );
    assert_eq!(
        partitions_of(&db, "orders").await,
        "orders_america,orders_europe"
    );
    project.run(&db, &["push"]).assert_no_changes();

    // A plain table made partitioned, and back: rebuilt the same way.
    let plain = changed.replace("[tables.sessions]\npartition_by = \"hash (user_id)\"\n", "[tables.sessions]\n")
        .replace("[tables.sessions_0]\npartition_of = \"sessions\"\nbounds = \"with (modulus 2, remainder 0)\"\n", "")
        .replace("[tables.sessions_1]\npartition_of = \"sessions\"\nbounds = \"for values with (modulus 2, remainder 1)\"\n", "");
    project.write_schema(&plain);
    let refused = project.run(&db, &["push"]);
    refused.assert_code(2);
    assert!(
        refused
            .stderr
            .contains("(PARTITION BY HASH (user_id) -> not partitioned)"),
        "{}",
        refused.stderr
    );
    project.run(&db, &["push", "--force"]).assert_code(0);
    assert_eq!(
        db.value("select relkind::text from pg_class where oid = 'sessions'::regclass")
            .await,
        "r"
    );
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn sub_partitions_are_created_parent_first_and_dropped_in_reverse() {
    let db = TestDb::new("partitions_nested").await;
    let project = Project::new();
    // Declared children first: the file's order does not matter.
    let nested = r#"
[tables.m_2026_us]
partition_of = "m_2026"
bounds = "in ('US')"

[tables.m_2026_rest]
partition_of = "m_2026"
bounds = "default"

[tables.m_2026]
partition_of = "measurements"
bounds = "from ('2026-01-01') to ('2027-01-01')"
partition_by = "list (country)"

[tables.measurements]
partition_by = "range (taken_on)"
[tables.measurements.columns]
taken_on = { type = "date", not_null = true }
country = { type = "text", not_null = true }
value = "numeric"
"#;
    project.write_schema(nested);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    let pos = |needle: &str| {
        run.stdout
            .find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in\n{}", run.stdout))
    };
    assert!(pos("CREATE TABLE public.measurements (") < pos("CREATE TABLE public.m_2026 "));
    assert!(pos("CREATE TABLE public.m_2026 ") < pos("CREATE TABLE public.m_2026_us "));
    assert!(
        run.stdout.contains(
            "FOR VALUES from ('2026-01-01') to ('2027-01-01') PARTITION BY list (country)"
        ),
        "{}",
        run.stdout
    );
    project.run(&db, &["push"]).assert_no_changes();
    db.exec("insert into measurements values ('2026-05-01', 'US', 1), ('2026-05-01', 'FR', 2)")
        .await;
    assert_eq!(
        db.value(
            "select string_agg(tableoid::regclass::text, ',' order by value) from measurements"
        )
        .await,
        "m_2026_us,m_2026_rest"
    );
    assert_eq!(
        db.value("select count(*)::text from pg_partition_tree('measurements')")
            .await,
        "4"
    );

    // Pulled back, it pushes as no change, and builds the same schema from nothing.
    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    let again = Project::new();
    again.write_schema(&pulled.stdout);
    again.run(&db, &["push"]).assert_no_changes();
    let fresh = TestDb::new("partitions_nested_fresh").await;
    again.run(&fresh, &["push"]).assert_code(0);
    assert_same_schema(&db, &fresh, &pulled.stdout);

    // Everything undeclared: the leaves go first, the root last.
    project.write_schema("");
    let refused = project.run(&db, &["push"]);
    refused.assert_code(2);
    let dropped = project.run(&db, &["push", "--force"]);
    dropped.assert_code(0);
    let pos = |needle: &str| {
        dropped
            .stdout
            .find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in\n{}", dropped.stdout))
    };
    assert!(pos("DROP TABLE public.m_2026_us;") < pos("DROP TABLE public.m_2026;"));
    assert!(pos("DROP TABLE public.m_2026_rest;") < pos("DROP TABLE public.m_2026;"));
    assert!(pos("DROP TABLE public.m_2026;") < pos("DROP TABLE public.measurements;"));
    assert_eq!(
        db.value(
            "select count(*)::text from pg_class where relname like 'm%' and relkind in ('r', 'p')"
        )
        .await,
        "0"
    );
}

const CLONED: &str = r#"
[functions.touch]
returns = "trigger"
language = "plpgsql"
body = "begin new.touched = true; return new; end"

[tables.accounts.columns]
id = { type = "bigint", primary_key = true }

[tables.events]
partition_by = "range (created_at)"
primary_key = ["id", "created_at"]
checks = { events_id_positive = "id > 0" }
foreign_keys = [{ columns = ["account_id"], references = "accounts" }]
[tables.events.columns]
id = "bigint"
created_at = "date"
account_id = { type = "bigint", not_null = true }
touched = { type = "boolean", not_null = true, default = false }
[tables.events.indexes]
events_account_idx = { columns = ["account_id"] }
[tables.events.triggers.events_touch]
timing = "before"
events = ["insert"]
function = "touch"

[tables.events_2026]
partition_of = "events"
bounds = "from ('2026-01-01') to ('2027-01-01')"

# A foreign key to a partitioned table: PostgreSQL adds one per partition (cloned too).
[tables.notes]
foreign_keys = [{ columns = ["event_id", "event_on"], references = "events" }]
[tables.notes.columns]
event_id = "bigint"
event_on = "date"
"#;

#[tokio::test]
async fn what_postgresql_clones_onto_partitions_is_not_read_as_their_own() {
    let db = TestDb::new("partitions_cloned").await;
    let project = Project::new();
    project.write_schema(CLONED);
    project.run(&db, &["push"]).assert_code(0);
    // The server cloned the key, the index, the foreign key and the trigger.
    assert_eq!(
        db.value("select count(*)::text from pg_index where indrelid = 'events_2026'::regclass")
            .await,
        "2"
    );
    assert_eq!(
        db.value("select string_agg(contype::text, ',' order by contype) from pg_constraint where conrelid = 'events_2026'::regclass").await,
        "c,f,p"
    );
    assert_eq!(
        db.value("select count(*)::text from pg_trigger where tgrelid = 'events_2026'::regclass and not tgisinternal").await,
        "1"
    );
    project.run(&db, &["push"]).assert_no_changes();
    db.exec("insert into accounts values (7); insert into events (id, created_at, account_id) values (1, '2026-02-02', 7)")
        .await;
    assert_eq!(
        db.value("select touched::text from events_2026").await,
        "true"
    );

    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    let partition = pulled
        .stdout
        .split("[tables.events_2026]")
        .nth(1)
        .expect("the partition is pulled");
    let partition = partition.split("\n[").next().unwrap_or_default();
    assert_eq!(
        partition.trim(),
        "partition_of = \"events\"\nbounds = \"FROM ('2026-01-01') TO ('2027-01-01')\"",
        "{}",
        pulled.stdout
    );
    assert!(!pulled.stdout.contains("events_2026_"), "{}", pulled.stdout);
    let again = Project::new();
    again.write_schema(&pulled.stdout);
    again.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn a_partition_declares_its_own_index_check_and_comment() {
    let db = TestDb::new("partitions_own").await;
    let project = Project::new();
    let own = CLONED.replace(
        "bounds = \"from ('2026-01-01') to ('2027-01-01')\"\n",
        "bounds = \"from ('2026-01-01') to ('2027-01-01')\"\ncomment = \"this year\"\nchecks = { events_2026_recent = \"created_at >= '2026-01-01'\" }\n[tables.events_2026.indexes]\nevents_2026_touched_idx = { columns = [\"touched\"], where = \"not touched\" }\n",
    );
    project.write_schema(&own);
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        db.value("select pg_get_constraintdef(oid) from pg_constraint where conname = 'events_2026_recent'").await,
        "CHECK ((created_at >= '2026-01-01'::date))"
    );
    assert_eq!(
        db.value("select indexdef from pg_indexes where indexname = 'events_2026_touched_idx'")
            .await,
        "CREATE INDEX events_2026_touched_idx ON public.events_2026 USING btree (touched) WHERE (NOT touched)"
    );
    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    assert!(
        pulled
            .stdout
            .contains("[tables.events_2026.indexes]\nevents_2026_touched_idx"),
        "{}",
        pulled.stdout
    );
    assert!(
        pulled.stdout.contains("events_2026_recent"),
        "{}",
        pulled.stdout
    );
    let again = Project::new();
    again.write_schema(&pulled.stdout);
    again.run(&db, &["push"]).assert_no_changes();

    // Dropping the partition's own index and check touches nothing cloned.
    project.write_schema(CLONED);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("DROP INDEX public.events_2026_touched_idx"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("events_account_idx"), "{}", run.stdout);
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn a_unique_key_without_the_partition_key_is_named_and_rolled_back() {
    let db = TestDb::new("partitions_unique").await;
    let project = Project::new();
    project.write_schema(
        r#"
[tables.keep.columns]
id = "integer"

[tables.events]
partition_by = "range (created_at)"
[tables.events.columns]
id = { type = "bigint", primary_key = true }
created_at = "date"
"#,
    );
    let run = project.run(&db, &["push"]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stderr.contains("CREATE TABLE public.events"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("must include all partitioning columns"),
        "{}",
        run.stderr
    );
    assert_eq!(
        db.value("select count(*)::text from pg_class where relname in ('keep', 'events')")
            .await,
        "0"
    );
}

#[tokio::test]
async fn malformed_partition_clauses_are_reported_with_their_position() {
    let db = TestDb::new("partitions_malformed").await;
    let project = Project::new();
    let base = "[tables.events]\npartition_by = \"range (created_at)\"\n[tables.events.columns]\ncreated_at = \"date\"\n";
    for (text, at, needle) in [
        (
            "[tables.e]\npartition_by = \"range (a); drop table x\"\n".to_string(),
            "schema.toml:2:26",
            "`;` in partition_by",
        ),
        (
            "[tables.e]\npartition_by = \"range (a) list (b)\"\n".to_string(),
            "schema.toml:2:27",
            "exactly one clause",
        ),
        (
            format!(
                "{base}[tables.p]\npartition_of = \"events\"\nbounds = \"from ('2026-01-01')\"\n"
            ),
            "schema.toml:7:",
            "followed by TO",
        ),
        (
            format!(
                "{base}[tables.p]\npartition_of = \"events\"\nbounds = \"in (1)) ; drop table events; --\"\n"
            ),
            "schema.toml:7:",
            "closes nothing",
        ),
        (
            format!("{base}[tables.p]\npartition_of = \"nothing\"\nbounds = \"default\"\n"),
            "schema.toml:6:",
            "which the file does not declare",
        ),
        (
            format!(
                "{base}[tables.p]\npartition_of = \"events\"\nbounds = \"default\"\n[tables.p.columns]\nx = \"text\"\n"
            ),
            "schema.toml:8:",
            "a partition's columns are its parent's",
        ),
    ] {
        project.write_schema(&text);
        let run = project.run(&db, &["push"]);
        run.assert_code(1);
        assert!(run.stderr.contains(at), "{at}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{needle}: {}", run.stderr);
    }
    assert_eq!(
        db.value("select count(*)::text from pg_class where relnamespace = 'public'::regnamespace")
            .await,
        "0"
    );
}

#[tokio::test]
async fn an_existing_table_is_attached_with_its_rows_and_a_partition_detached_to_a_table() {
    let db = TestDb::new("partitions_attach").await;
    db.exec(
        "create table measurement (city_id int not null, logdate date not null, primary key (city_id, logdate)) partition by range (logdate);
         create index on measurement (city_id);
         create table m_2006_02 partition of measurement for values from ('2006-02-01') to ('2006-03-01');
         create table m_2006_03 (city_id int not null, logdate date not null, note text, constraint m3_pk primary key (city_id, logdate));
         create index m3_city on m_2006_03 (city_id);
         insert into m_2006_02 values (1, '2006-02-10'); insert into m_2006_03 values (2, '2006-03-10', 'x')",
    )
    .await;
    let project = Project::new();
    project.write_schema(
        r#"
[tables.measurement]
partition_by = "range (logdate)"
primary_key = ["city_id", "logdate"]
checks = { city_known = "city_id > 0" }
[tables.measurement.columns]
city_id = { type = "integer", not_null = true }
logdate = { type = "date", not_null = true }
[tables.measurement.indexes]
measurement_city_id_idx = { columns = ["city_id"] }

[tables.m_2006_02]
primary_key = ["city_id", "logdate"]
[tables.m_2006_02.columns]
city_id = { type = "integer", not_null = true }
logdate = { type = "date", not_null = true }

[tables.m_2006_03]
partition_of = "measurement"
bounds = "from ('2006-03-01') to ('2006-04-01')"
"#,
    );
    // m_2006_03 loses a column to match its parent: destructive.
    let refused = project.run(&db, &["push"]);
    refused.assert_code(2);
    assert!(
        refused.stderr.contains("drops column m_2006_03.note"),
        "{}",
        refused.stderr
    );
    let run = project.run(&db, &["push", "--force"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("ALTER TABLE public.measurement DETACH PARTITION public.m_2006_02;"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("ALTER TABLE public.measurement ATTACH PARTITION public.m_2006_03 FOR VALUES from ('2006-03-01') to ('2006-04-01');"),
        "{}",
        run.stdout
    );
    assert_eq!(partitions_of(&db, "measurement").await, "m_2006_03");
    assert_eq!(
        db.value("select string_agg(city_id::text, ',' order by city_id) from measurement")
            .await,
        "2"
    );
    assert_eq!(db.value("select count(*)::text from m_2006_02").await, "1");
    // The key cloned onto m_2006_02 is its own once detached (the declared one, kept);
    // the cloned index it does not declare is dropped in the same push.
    assert!(
        run.stdout
            .contains("DROP INDEX public.m_2006_02_city_id_idx"),
        "{}",
        run.stdout
    );
    assert_eq!(
        db.value("select string_agg(indexname, ',' order by indexname) from pg_indexes where tablename = 'm_2006_02'").await,
        "m_2006_02_pkey"
    );
    // m_2006_03's own key and index matched the parent's: the attach adopted them, and
    // it was given the parent's check first (PostgreSQL requires it).
    assert!(!run.stdout.contains("m3_pk"), "{}", run.stdout);
    assert!(!run.stdout.contains("m3_city"), "{}", run.stdout);
    let pos = |needle: &str| {
        run.stdout
            .find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in\n{}", run.stdout))
    };
    assert!(
        pos("ALTER TABLE public.m_2006_03 ADD CONSTRAINT city_known CHECK")
            < pos("ATTACH PARTITION public.m_2006_03")
    );
    assert_eq!(
        db.value("select string_agg(indexname, ',' order by indexname) from pg_indexes where tablename = 'm_2006_03'").await,
        "m3_city,m3_pk"
    );
    assert_eq!(
        db.value("select count(*)::text from pg_inherits where inhrelid in ('m3_city'::regclass, 'm3_pk'::regclass)").await,
        "2"
    );
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn generate_and_migrate_build_what_push_builds() {
    let migrated = TestDb::with_own_role("partitions_generate_migrated").await;
    let pushed = TestDb::new("partitions_generate_pushed").await;
    let dev = TestDb::new("partitions_generate_dev").await;
    let project = Project::new();
    for step in [
        EVENTS.to_string(),
        EVENTS.replace(
            "bounds = \"from ('2026-01-01') to ('2027-01-01')\"",
            "bounds = \"from ('2026-01-01') to ('2028-01-01')\"",
        ),
        format!(
            "{}\n[tables.orders_asia]\npartition_of = \"orders\"\nbounds = \"in ('JP')\"\n",
            EVENTS.replace(
                "partition_by = \"hash (user_id)\"",
                "partition_by = \"hash (id)\""
            )
        ),
    ] {
        project.write_schema(&step);
        project.run(&dev, &["generate"]).assert_code(0);
        assert_eq!(project.run(&dev, &["generate"]).stdout.trim(), "no changes");
    }
    project.run(&migrated, &["migrate"]).assert_code(0);
    project.run(&migrated, &["push"]).assert_no_changes();
    project.run(&pushed, &["push", "--force"]).assert_code(0);
    project.run(&dev, &["check"]).assert_code(0);
    migrated.exec("drop table __migrations").await;
    assert_same_schema(&pushed, &migrated, "generate + migrate vs push");
}

#[cfg(feature = "types")]
#[tokio::test]
async fn types_are_the_parents_and_partitions_get_none_of_their_own() {
    // `types` is offline; the database checks that what it describes is what push builds.
    let db = TestDb::new("partitions_types").await;
    let project = Project::new();
    project.write_schema(EVENTS);
    project.run(&db, &["push"]).assert_code(0);
    let ts = project.run_offline(&["types", "--lang", "typescript"]);
    ts.assert_code(0);
    assert!(
        ts.stdout
            .contains("export type Event = Database[\"public\"][\"Tables\"][\"events\"][\"Row\"];"),
        "{}",
        ts.stdout
    );
    assert!(ts.stdout.contains("export type Order = "), "{}", ts.stdout);
    for partition in [
        "events_2026",
        "Events2026",
        "orders_america",
        "OrdersAmerica",
        "sessions_0",
    ] {
        assert!(!ts.stdout.contains(partition), "{partition}: {}", ts.stdout);
    }
    let rust = project.run_offline(&["types", "--lang", "rust"]);
    rust.assert_code(0);
    assert!(
        rust.stdout.contains("pub struct Event {"),
        "{}",
        rust.stdout
    );
    assert!(!rust.stdout.contains("Events2026"), "{}", rust.stdout);
    // The parent's row type reads every partition's rows.
    db.exec("insert into events values (1, '2026-02-01 00:00+00', 'x')")
        .await;
    assert_eq!(
        db.value("select count(*)::text from pg_attribute where attrelid = 'events_2026'::regclass and attnum > 0").await,
        db.value("select count(*)::text from pg_attribute where attrelid = 'events'::regclass and attnum > 0").await
    );
}

/// A partition's own index that a later index of its parent adopts (PostgreSQL attaches a
/// matching index rather than building a second one) is still the file's: the push that
/// adds the parent's index settles, creates no second index, and pull then push agrees.
#[tokio::test]
async fn a_partitions_own_index_adopted_by_a_later_parent_index_settles() {
    let db = TestDb::new("partitions_adopted_index").await;
    let project = Project::new();
    let own = r#"
[tables.events]
partition_by = "range (at)"
[tables.events.columns]
id = "integer"
at = { type = "date", not_null = true }

[tables.events_2026]
partition_of = "events"
bounds = "from ('2026-01-01') to ('2027-01-01')"
[tables.events_2026.indexes.events_2026_id]
columns = ["id"]
"#;
    project.write_schema(own);
    project.run(&db, &["push"]).assert_code(0);
    project.write_schema(&format!(
        "{own}\n[tables.events.indexes.events_id]\ncolumns = [\"id\"]\n"
    ));
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        db.column(
            "select c.relname || ' of ' || coalesce(p.relname, '-') from pg_index i \
             join pg_class c on c.oid = i.indexrelid \
             left join pg_inherits h on h.inhrelid = i.indexrelid \
             left join pg_class p on p.oid = h.inhparent \
             where i.indrelid = 'events_2026'::regclass"
        )
        .await,
        [Some("events_2026_id of events_id".to_string())]
    );
    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    let again = Project::new();
    again.write_schema(&pulled.stdout);
    again.run(&db, &["push"]).assert_no_changes();
}
