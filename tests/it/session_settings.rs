//! Hostile session settings (a database's, a role's, a connection's `options`): pull,
//! push and generate read and write values the same way whatever DateStyle, TimeZone,
//! IntervalStyle, extra_float_digits, bytea_output or search_path say, and what they
//! write means the same when read back under any settings.

use brain_db::introspect;

use crate::harness::{Project, TestDb, assert_same_schema, connect};

/// Constants whose printed form depends on the session: dates, times with and without a
/// zone, intervals with mixed signs, floats, bytea, arrays and ranges of them, in
/// defaults, checks and index predicates.
const SETUP: &str = r"
SET DateStyle = 'ISO, MDY'; SET TimeZone = 'UTC'; SET IntervalStyle = 'postgres';
SET extra_float_digits = 1; SET bytea_output = 'hex';
CREATE SCHEMA other;
CREATE TYPE mood AS ENUM ('calm', 'busy');
CREATE TABLE events (
  id integer PRIMARY KEY,
  day date NOT NULL DEFAULT '2024-03-02',
  at timestamptz DEFAULT '2024-03-02 10:00:00+00',
  local_at timestamp DEFAULT '2024-03-02 10:00:00',
  clock timetz DEFAULT '10:00:00+05:45',
  span interval DEFAULT '-1 day 2 hours',
  mixed interval DEFAULT '1 year -2 mons 3 days -04:05:06.5',
  ratio double precision DEFAULT 0.1,
  small real DEFAULT 1.1,
  blob bytea DEFAULT '\x0102ff',
  days date[] DEFAULT '{2024-03-02,2024-12-31}',
  period tstzrange DEFAULT '[2024-03-02 10:00+00,2024-03-03 10:00+00)',
  feeling mood DEFAULT 'calm',
  CONSTRAINT events_recent CHECK (day > '2024-01-13' AND at < '2100-01-02 03:04:05+00'),
  CONSTRAINT events_span CHECK (span < '10 days 01:00:00')
);
CREATE INDEX events_march_idx ON events (day) WHERE day >= '2024-03-01';
CREATE TABLE other.readings (id integer PRIMARY KEY, at timestamptz DEFAULT '2024-07-01 00:00:00+00');
";

/// The settings a hostile database or role carries.
const HOSTILE: &[(&str, &str)] = &[
    ("DateStyle", "SQL, DMY"),
    ("TimeZone", "Asia/Kathmandu"),
    ("IntervalStyle", "sql_standard"),
    ("extra_float_digits", "-15"),
    ("bytea_output", "escape"),
    ("search_path", "other"),
];

fn alter_settings(target: &str) -> String {
    HOSTILE
        .iter()
        .map(|(name, value)| format!("ALTER {target} SET {name} = '{value}';"))
        .collect()
}

/// A row of defaults, printed under fixed settings.
async fn default_row(db: &TestDb) -> String {
    db.exec("DELETE FROM public.events; INSERT INTO public.events (id) VALUES (1)")
        .await;
    db.value(
        "SET DateStyle = 'ISO, MDY'; SET TimeZone = 'UTC'; SET IntervalStyle = 'postgres'; \
         SET extra_float_digits = 1; SET bytea_output = 'hex'; \
         SELECT row_to_json(e)::text FROM public.events e",
    )
    .await
}

fn pull(project: &Project, url: &str) -> String {
    let run = project.run_with_url(url, &["pull"]);
    run.assert_code(0);
    run.stdout
}

#[tokio::test]
async fn pull_and_push_do_not_depend_on_the_database_settings() {
    let source = TestDb::new("settings_source").await;
    source.exec(SETUP).await;
    let expected_row = default_row(&source).await;
    let project = Project::new();
    let plain = pull(&project, &source.url);
    assert!(
        plain.contains(r#"day = { type = "date", not_null = true, default = "2024-03-02" }"#),
        "{plain}"
    );

    source
        .exec(&alter_settings(&format!("DATABASE \"{}\"", source.name)))
        .await;
    let hostile = pull(&project, &source.url);
    assert_eq!(hostile, plain, "pull under hostile database settings");

    // The pulled file, pushed back under those settings, is a no-op; so is a push of it
    // into an empty database with the same settings, after its first push.
    project.write_schema(&hostile);
    project.run(&source, &["push"]).assert_no_changes();
    let copy = TestDb::new("settings_copy_hostile").await;
    copy.exec(&alter_settings(&format!("DATABASE \"{}\"", copy.name)))
        .await;
    project.run(&copy, &["push"]).assert_code(0);
    project.run(&copy, &["push"]).assert_no_changes();
    assert_eq!(default_row(&copy).await, expected_row);

    // And into a database with the default settings: the same values.
    let plain_copy = TestDb::new("settings_copy_plain").await;
    project.run(&plain_copy, &["push"]).assert_code(0);
    project.run(&plain_copy, &["push"]).assert_no_changes();
    assert_eq!(default_row(&plain_copy).await, expected_row);

    // The catalogs hold the same values (pg_dump prints under the database's TimeZone
    // and bytea_output: compare with the settings reset).
    for db in [&source, &copy] {
        db.exec(&format!("ALTER DATABASE \"{}\" RESET ALL", db.name))
            .await;
    }
    assert_same_schema(&source, &copy, &hostile);
    assert_same_schema(&source, &plain_copy, &hostile);
}

#[tokio::test]
async fn pull_does_not_depend_on_role_or_connection_settings() {
    let source = TestDb::new("settings_role").await;
    source.exec(SETUP).await;
    let project = Project::new();
    let plain = pull(&project, &source.url);

    let role = "bdt_settings_hostile_role";
    source
        .exec(&format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN SUPERUSER; {}",
            alter_settings(&format!("ROLE {role}"))
        ))
        .await;
    let role_url = source.url.replacen("postgres@", &format!("{role}@"), 1);
    assert!(role_url.contains(role), "{role_url}");
    let as_role = pull(&project, &role_url);

    // Connection options, with the other IntervalStyle and a search_path naming the user.
    let options = "-c DateStyle=SQL,DMY -c TimeZone=Pacific/Chatham -c IntervalStyle=postgres_verbose \
                   -c extra_float_digits=-15 -c search_path=\"$user\" -c bytea_output=escape";
    let options_url = format!(
        "{}?options={}",
        source.url,
        options
            .replace(' ', "%20")
            .replace('$', "%24")
            .replace('"', "%22")
            .replace('=', "%3D")
            .replace(',', "%2C")
    );
    let with_options = pull(&project, &options_url);
    source.exec(&format!("DROP ROLE {role}")).await;
    assert_eq!(as_role, plain, "pull as a role with hostile settings");
    assert_eq!(with_options, plain, "pull with hostile connection options");

    project.write_schema(&with_options);
    let push = project.run_with_url(&options_url, &["push"]);
    push.assert_no_changes();
}

/// The library pins its settings inside its own transaction (`SET LOCAL`), so they hold
/// even when the session's were never set (as through a transaction pooler).
#[tokio::test]
async fn introspection_pins_its_settings_in_its_own_transaction() {
    let db = TestDb::new("settings_library").await;
    db.exec(SETUP).await;
    let mut plain = db.client().await;
    let expected = introspect::introspect(&mut plain, &["public".to_string(), "other".to_string()])
        .await
        .unwrap();

    let mut hostile = connect(&db.url).await;
    let sets: String = HOSTILE
        .iter()
        .map(|(name, value)| format!("SET {name} = '{value}';"))
        .collect();
    hostile.batch_execute(&sets).await.unwrap();
    let got = introspect::introspect(&mut hostile, &["public".to_string(), "other".to_string()])
        .await
        .unwrap();
    assert_eq!(got, expected);
    let day = got.tables[&brain_db::model::QualifiedName::public("events")]
        .column("day")
        .unwrap();
    assert_eq!(day.default.as_deref(), Some("'2024-03-02'::date"));
    // Only for its own transaction: the session keeps its settings.
    let rows = hostile.query("SHOW DateStyle", &[]).await.unwrap();
    assert_eq!(rows[0].get::<_, String>(0), "SQL, DMY");
}

/// A date or time schema.toml writes without an offset or in a locale's order means one
/// thing: push canonicalises and applies it under the pinned settings (month first, UTC),
/// whatever the session says.
#[tokio::test]
async fn push_reads_declared_literals_the_same_under_any_settings() {
    let schema = r#"
[tables.events.columns]
id = { type = "integer", primary_key = true }
day = { type = "date", default = "03/02/2024" }
at = { type = "timestamptz", default = "2024-03-02 10:00:00" }
span = { type = "interval", default = "-1 day 2 hours" }
"#;
    let project = Project::new();
    project.write_schema(schema);
    let plain = TestDb::new("settings_declared_plain").await;
    project.run(&plain, &["push"]).assert_code(0);
    project.run(&plain, &["push"]).assert_no_changes();
    let hostile = TestDb::new("settings_declared_hostile").await;
    hostile
        .exec(&alter_settings(&format!("DATABASE \"{}\"", hostile.name)))
        .await;
    project.run(&hostile, &["push"]).assert_code(0);
    project.run(&hostile, &["push"]).assert_no_changes();
    assert_eq!(declared_row(&plain).await, "0 0.000000 t");
    assert_eq!(declared_row(&hostile).await, "0 0.000000 t");
}

/// How far the defaults of a new row are from 2 March 2024, 10:00 UTC, and -1 day +2 h.
async fn declared_row(db: &TestDb) -> String {
    db.exec("INSERT INTO public.events (id) VALUES (1)").await;
    db.value(
        "SELECT concat_ws(' ', day - date '2024-03-02', \
         extract(epoch FROM at - timestamptz '2024-03-02 10:00:00+00'), \
         span = make_interval(days => -1, hours => 2)) FROM public.events",
    )
    .await
}
