//! `brain-db pull`: a live database written as schema.toml, losslessly.

use crate::harness::{Project, TestDb, assert_same_schema};

const HAND_WRITTEN: &str = r#"
create type mood as enum ('calm', 'busy');
create schema other;
create table tasks (
  id uuid primary key default gen_random_uuid(),
  title text not null,
  status text default 'todo' check (status in ('todo', 'in_progress', 'done', 'blocked')),
  priority integer default 0,
  tags text[],
  mood mood,
  created_at timestamptz default now()
);
create index tasks_tags_idx on tasks using gin (tags) with (fastupdate = off);
create index tasks_priority_idx on tasks (priority) with (fillfactor = 70, deduplicate_items = off);
create index tasks_open_idx on tasks (created_at desc) where status <> 'done';
create table reminders (
  id serial primary key,
  task_id uuid references tasks(id) on delete cascade,
  message text not null,
  constraint reminders_message_len check (length(message) < 500)
);
create table other.events (
  id bigint generated always as identity (start with 100 increment by 5) primary key,
  kind varchar(20) not null,
  payload jsonb,
  total numeric(12, 2) generated always as (0.5) stored,
  unique nulls not distinct (kind, payload)
);
comment on table other.events is 'what happened';
comment on column other.events.kind is 'the kind';
create unlogged table scratch (k text collate "C", v bytea);
create sequence counter as integer start with 7;
"#;

#[tokio::test]
async fn pull_then_push_is_a_no_op_and_reproduces_the_database() {
    let source = TestDb::new("pull_source").await;
    // 14's parser has no NULLS NOT DISTINCT (15+): the plain unique there.
    let nnd = source.server_major().await >= 15;
    let sql = if nnd {
        HAND_WRITTEN.to_string()
    } else {
        HAND_WRITTEN.replace("unique nulls not distinct", "unique")
    };
    source.exec(&sql).await;
    let project = Project::new();
    let run = project.run(&source, &["pull", "--out", "schema.toml"]);
    run.assert_code(0);
    let pulled = std::fs::read_to_string(project.schema_path()).unwrap();
    assert!(pulled.contains("[tables.tasks"), "{pulled}");
    assert_eq!(
        pulled.contains("nulls_not_distinct = true"),
        nnd,
        "{pulled}"
    );

    let again = project.run(&source, &["push"]);
    again.assert_no_changes();

    let copy = TestDb::new("pull_copy").await;
    project.run(&copy, &["push"]).assert_code(0);
    assert_same_schema(&source, &copy, &pulled);
}

#[tokio::test]
async fn pull_names_what_it_leaves_out() {
    let source = TestDb::new("pull_unmanaged").await;
    source
        .exec(
            "create table notes (id integer primary key, body text);
             create view short_notes as select id from notes where length(body) < 10;
             create function touch() returns trigger language plpgsql as $$ begin return new; end $$;
             create trigger notes_touch before update on notes for each row execute function touch();
             create domain positive as integer check (value > 0);
             create type span as range (subtype = integer);",
        )
        .await;
    let project = Project::new();
    let run = project.run(&source, &["pull", "--out", "schema.toml"]);
    run.assert_code(0);
    // Range types are not managed: named as left out.
    assert!(
        run.stderr
            .contains("note: left out, as brain-db does not manage them: 1 range type(s)"),
        "{}",
        run.stderr
    );
    // Views, functions, triggers and domains are managed: pulled, not left out.
    let pulled = std::fs::read_to_string(project.path().join("schema.toml")).unwrap();
    for expected in [
        "[views.short_notes]",
        "[functions.touch]",
        "[tables.notes.triggers.notes_touch]",
        "[domains.positive]",
    ] {
        assert!(
            pulled.contains(expected),
            "{expected} missing from:\n{pulled}"
        );
    }
}

#[tokio::test]
async fn pull_writes_to_stdout_by_default() {
    let source = TestDb::new("pull_stdout").await;
    source
        .exec("create table notes (id integer primary key, body text)")
        .await;
    let project = Project::new();
    let run = project.run(&source, &["pull"]);
    run.assert_code(0);
    assert!(run.stdout.contains("[tables.notes"), "{}", run.stdout);
    assert!(!project.schema_path().exists());
}
