//! `examples/app` (the seed's API) over HTTP against a real PostgreSQL: every route, its
//! refusals (400 naming the field, 404, 409, 415) and the route guard's 503 while the
//! database is unavailable, with health still answering.

use serde_json::{Value, json};

use crate::harness::{self, TestDb};
use crate::migrate_app::{get, get_health, send, start_app};

const JSON: &[(&str, &str)] = &[("content-type", "application/json")];

async fn post(port: u16, path: &str, body: &Value) -> (u16, Value) {
    send(port, "POST", path, JSON, &body.to_string()).await
}

async fn patch(port: u16, path: &str, body: &Value) -> (u16, Value) {
    send(port, "PATCH", path, JSON, &body.to_string()).await
}

/// An app on a fresh database, migrated at start-up.
async fn app(label: &str) -> (TestDb, crate::migrate_app::App, u16) {
    let db = TestDb::new(label).await;
    let (app, port) = start_app(&[("DATABASE_URL", &db.url)]);
    let (code, body) = get_health(port).await;
    assert_eq!((code, body["status"].as_str()), (200, Some("ok")), "{body}");
    (db, app, port)
}

fn titles(list: &Value) -> Vec<&str> {
    let mut titles: Vec<&str> = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    titles.sort_unstable();
    titles
}

#[tokio::test]
async fn example_app_tasks_crud_filters_and_completed_at() {
    let (db, _app, port) = app("example_app_tasks").await;

    let (code, a) = post(
        port,
        "/api/tasks",
        &json!({"title": "Write README", "project": "brain-db", "tags": ["docs", "x"],
                "priority": 2, "due_date": "2026-12-02T09:00:00+01:00",
                "description": "with curl"}),
    )
    .await;
    assert_eq!(code, 201, "{a}");
    assert_eq!(a["status"], "todo", "the column's default applies: {a}");
    assert_eq!(a["due_date"], "2026-12-02T08:00:00Z", "{a}");
    assert_eq!(a["tags"], json!(["docs", "x"]));
    assert!(a["completed_at"].is_null(), "{a}");
    let (code, b) = post(
        port,
        "/api/tasks",
        &json!({"title": "Fix bug", "project": "app", "status": "in_progress", "tags": ["x"]}),
    )
    .await;
    assert_eq!(code, 201, "{b}");
    assert_eq!(b["priority"], 0, "{b}");
    let (code, head, c) = crate::migrate_app::exchange(
        port,
        "POST",
        "/api/tasks",
        JSON,
        &json!({"title": "Shipped", "status": "done"}).to_string(),
    )
    .await;
    assert_eq!(code, 201, "{c}");
    let location = format!("location: /api/tasks/{}", c["id"].as_str().unwrap());
    assert!(head.contains(&location), "{head:?}");
    assert!(c["completed_at"].is_string(), "created done: {c}");
    assert_eq!(c["completed_at"], c["created_at"], "{c}");
    // What the API answered is what the table holds.
    let a_id = a["id"].as_str().unwrap().to_string();
    assert_eq!(
        db.value(&format!(
            "select concat_ws('|', title, description, status, priority, project, due_date = '2026-12-02 08:00Z', array_to_string(tags, ',')) from tasks where id = '{a_id}'"
        ))
        .await,
        "Write README|with curl|todo|2|brain-db|t|docs,x"
    );
    assert_eq!(
        db.value(
            "select count(*)::text from tasks where status = 'done' and completed_at is not null"
        )
        .await,
        "1"
    );

    // Listing and filters.
    let (code, all) = get(port, "/api/tasks").await;
    assert_eq!(code, 200, "{all}");
    assert_eq!(titles(&all), ["Fix bug", "Shipped", "Write README"]);
    for (query, expected) in [
        ("status=in_progress", vec!["Fix bug"]),
        ("status=done", vec!["Shipped"]),
        ("project=brain-db", vec!["Write README"]),
        ("tag=x", vec!["Fix bug", "Write README"]),
        ("tag=docs", vec!["Write README"]),
        ("tag=x&project=app", vec!["Fix bug"]),
        ("tag=x&status=todo", vec!["Write README"]),
        ("tag=nothing", vec![]),
        ("project=brain%2Ddb&status=todo", vec!["Write README"]),
    ] {
        let (code, list) = get(port, &format!("/api/tasks?{query}")).await;
        assert_eq!(code, 200, "{query}: {list}");
        assert_eq!(titles(&list), expected, "{query}");
    }
    let (_, page) = get(port, "/api/tasks?limit=2").await;
    let (_, rest) = get(port, "/api/tasks?limit=2&offset=2").await;
    let mut paged = titles(&page);
    paged.extend(titles(&rest));
    paged.sort_unstable();
    assert_eq!((titles(&page).len(), paged), (2, titles(&all)));

    // One task.
    let (code, got) = get(port, &format!("/api/tasks/{a_id}")).await;
    assert_eq!((code, &got), (200, &a));

    // PATCH: done sets completed_at, staying done keeps it, leaving done clears it.
    let path = format!("/api/tasks/{a_id}");
    let (code, done) = patch(port, &path, &json!({"status": "done"})).await;
    assert_eq!(code, 200, "{done}");
    assert_eq!(done["status"], "done");
    assert!(done["completed_at"].is_string(), "{done}");
    assert_eq!(done["completed_at"], done["updated_at"], "{done}");
    assert_ne!(done["updated_at"], a["updated_at"], "{done}");
    assert_eq!((&done["title"], &done["tags"]), (&a["title"], &a["tags"]));
    let (code, again) = patch(
        port,
        &path,
        &json!({"status": "done", "title": "Write the README"}),
    )
    .await;
    assert_eq!(code, 200, "{again}");
    assert_eq!(again["title"], "Write the README");
    assert_eq!(again["completed_at"], done["completed_at"], "{again}");
    let (code, renamed) = patch(port, &path, &json!({"priority": 5})).await;
    assert_eq!(
        (code, &renamed["completed_at"]),
        (200, &done["completed_at"])
    );
    let (code, reopened) = patch(port, &path, &json!({"status": "blocked"})).await;
    assert_eq!(code, 200, "{reopened}");
    assert!(reopened["completed_at"].is_null(), "{reopened}");
    assert_eq!(
        db.value(&format!(
            "select concat_ws('|', status, priority, completed_at is null) from tasks where id = '{a_id}'"
        ))
        .await,
        "blocked|5|t"
    );
    // null clears a nullable column; absent keys are left alone.
    let (code, cleared) = patch(
        port,
        &path,
        &json!({"description": null, "tags": null, "due_date": null, "project": null}),
    )
    .await;
    assert_eq!(code, 200, "{cleared}");
    assert_eq!(
        db.value(&format!(
            "select concat_ws('|', title, coalesce(description, 'NULL'), coalesce(project, 'NULL'), tags is null, due_date is null, priority) from tasks where id = '{a_id}'"
        ))
        .await,
        "Write the README|NULL|NULL|t|t|5"
    );

    // DELETE takes its reminders along.
    let (code, _) = post(
        port,
        &format!("{path}/reminders"),
        &json!({"message": "review", "remind_at": "2026-12-03T10:00:00Z"}),
    )
    .await;
    assert_eq!(code, 201);
    let (code, body) = send(port, "DELETE", &path, &[], "").await;
    assert_eq!((code, body), (204, Value::Null));
    assert_eq!(db.value("select count(*)::text from reminders").await, "0");
    let (code, body) = get(port, &path).await;
    assert_eq!(code, 404, "{body}");
    assert!(body["error"].as_str().unwrap().contains(&a_id), "{body}");
    let (code, _) = send(port, "DELETE", &path, &[], "").await;
    assert_eq!(code, 404);
    let (code, body) = patch(port, &path, &json!({"title": "gone"})).await;
    assert_eq!(code, 404, "{body}");
    assert_eq!(
        titles(&get(port, "/api/tasks").await.1),
        ["Fix bug", "Shipped"]
    );
}

#[tokio::test]
async fn example_app_reminders_and_conversations() {
    let (db, _app, port) = app("example_app_reminders").await;
    let (_, task) = post(port, "/api/tasks", &json!({"title": "Call the bank"})).await;
    let id = task["id"].as_str().unwrap();
    let path = format!("/api/tasks/{id}/reminders");

    let (code, list) = get(port, &path).await;
    assert_eq!((code, list), (200, json!([])));
    let (code, later) = post(
        port,
        &path,
        &json!({"message": "second", "remind_at": "2026-12-03T10:00:00Z"}),
    )
    .await;
    assert_eq!(code, 201, "{later}");
    assert_eq!(
        (&later["task_id"], &later["notified"]),
        (&json!(id), &json!(false))
    );
    let (code, sooner) = post(
        port,
        &path,
        &json!({"message": "first", "remind_at": "2026-12-03T09:00:00+02:00", "notified": true}),
    )
    .await;
    assert_eq!(code, 201, "{sooner}");
    assert_eq!(sooner["remind_at"], "2026-12-03T07:00:00Z");
    let (code, list) = get(port, &path).await;
    assert_eq!(code, 200);
    assert_eq!(list, json!([sooner, later]), "soonest first");
    assert_eq!(
        db.value(&format!(
            "select string_agg(message || ':' || notified, ',' order by remind_at) from reminders where task_id = '{id}'"
        ))
        .await,
        "first:true,second:false"
    );

    // An unknown task: 404 for both, nothing written.
    let unknown = "/api/tasks/6d1f3c1e-0000-4000-8000-000000000000/reminders";
    let (code, body) = get(port, unknown).await;
    assert_eq!(code, 404, "{body}");
    let (code, body) = post(
        port,
        unknown,
        &json!({"message": "x", "remind_at": "2026-12-03T10:00:00Z"}),
    )
    .await;
    assert_eq!(code, 404, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("no task"),
        "{body}"
    );
    let (code, body) = post(port, &path, &json!({"message": "x"})).await;
    assert_eq!((code, &body["field"]), (400, &json!("remind_at")), "{body}");
    assert_eq!(db.value("select count(*)::text from reminders").await, "2");

    // Conversations.
    let (code, list) = get(port, "/api/conversations").await;
    assert_eq!((code, list), (200, json!([])));
    let (code, first) = post(
        port,
        "/api/conversations",
        &json!({"session_id": "s-1", "summary": "planning", "message_count": 4,
                "started_at": "2026-12-01T08:00:00Z", "ended_at": "2026-12-01T09:00:00Z"}),
    )
    .await;
    assert_eq!(code, 201, "{first}");
    assert_eq!(first["message_count"], 4);
    let (code, second) = post(port, "/api/conversations", &json!({"session_id": "s-2"})).await;
    assert_eq!(code, 201, "{second}");
    assert_eq!(
        (&second["message_count"], &second["summary"]),
        (&json!(0), &Value::Null)
    );
    assert!(
        second["started_at"].is_string(),
        "the default applies: {second}"
    );
    let (code, list) = get(port, "/api/conversations").await;
    assert_eq!(code, 200);
    assert_eq!(list, json!([second, first]), "the latest started first");
    let (code, list) = get(port, "/api/conversations?limit=1&offset=1").await;
    assert_eq!((code, list), (200, json!([first])));
    let (code, body) = post(port, "/api/conversations", &json!({"session_id": "s-1"})).await;
    assert_eq!(
        (code, &body["field"]),
        (409, &json!("session_id")),
        "{body}"
    );
    let (code, body) = post(
        port,
        "/api/conversations",
        &json!({"session_id": "s-3", "started_at": "2026-12-01T09:00:00Z", "ended_at": "2026-12-01T08:00:00Z"}),
    )
    .await;
    assert_eq!((code, &body["field"]), (400, &json!("ended_at")), "{body}");
    assert_eq!(
        db.value("select string_agg(session_id, ',' order by session_id) from conversations")
            .await,
        "s-1,s-2"
    );
}

/// (method, path, headers, body, expected status, expected field)
type Case<'a> = (
    &'a str,
    &'a str,
    &'a [(&'a str, &'a str)],
    String,
    u16,
    Value,
);

#[tokio::test]
async fn example_app_refuses_bad_input_naming_the_field() {
    let (db, _app, port) = app("example_app_bad_input").await;
    let (_, task) = post(port, "/api/tasks", &json!({"title": "keep me"})).await;
    let task_path = format!("/api/tasks/{}", task["id"].as_str().unwrap());
    let reminders = format!("{task_path}/reminders");
    let json = JSON;
    let none: &[(&str, &str)] = &[];
    let cases: Vec<Case> = vec![
        ("POST", "/api/tasks", json, "{}".into(), 400, json!("title")),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": ""}"#.into(),
            400,
            json!("title"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": "   "}"#.into(),
            400,
            json!("title"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": null}"#.into(),
            400,
            json!("title"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": 7}"#.into(),
            400,
            json!("title"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": "a\u0000b"}"#.into(),
            400,
            json!("title"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": "t", "status": "later"}"#.into(),
            400,
            json!("status"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": "t", "status": null}"#.into(),
            400,
            json!("status"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": "t", "priority": "high"}"#.into(),
            400,
            json!("priority"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": "t", "priority": 1.5}"#.into(),
            400,
            json!("priority"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": "t", "priority": 3000000000}"#.into(),
            400,
            json!("priority"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": "t", "due_date": "tomorrow"}"#.into(),
            400,
            json!("due_date"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": "t", "due_date": "2026-12-01T10:00:00"}"#.into(),
            400,
            json!("due_date"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": "t", "tags": "x"}"#.into(),
            400,
            json!("tags"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": "t", "tags": ["x", 1]}"#.into(),
            400,
            json!("tags"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": "t", "tags": ["x", null]}"#.into(),
            400,
            json!("tags"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": "t", "colour": "red"}"#.into(),
            400,
            json!("colour"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": "t", "id": "6d1f3c1e-0000-4000-8000-000000000000"}"#.into(),
            400,
            json!("id"),
        ),
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": "t", "completed_at": null}"#.into(),
            400,
            json!("completed_at"),
        ),
        // Malformed JSON, or not an object: 400 for the body as a whole.
        (
            "POST",
            "/api/tasks",
            json,
            r#"{"title": "t""#.into(),
            400,
            Value::Null,
        ),
        ("POST", "/api/tasks", json, "".into(), 400, Value::Null),
        (
            "POST",
            "/api/tasks",
            json,
            r#"["title"]"#.into(),
            400,
            Value::Null,
        ),
        (
            "POST",
            "/api/tasks",
            none,
            r#"{"title": "t"}"#.into(),
            415,
            Value::Null,
        ),
        ("PATCH", &task_path, json, "{}".into(), 400, Value::Null),
        (
            "PATCH",
            &task_path,
            json,
            r#"{"title": null}"#.into(),
            400,
            json!("title"),
        ),
        (
            "PATCH",
            &task_path,
            json,
            r#"{"status": "finished"}"#.into(),
            400,
            json!("status"),
        ),
        (
            "PATCH",
            &task_path,
            json,
            r#"{"updated_at": "2026-12-01T10:00:00Z"}"#.into(),
            400,
            json!("updated_at"),
        ),
        ("PATCH", &task_path, json, "{".into(), 400, Value::Null),
        (
            "PATCH",
            "/api/tasks/not-a-uuid",
            json,
            r#"{"title": "t"}"#.into(),
            400,
            json!("id"),
        ),
        (
            "GET",
            "/api/tasks/not-a-uuid",
            none,
            "".into(),
            400,
            json!("id"),
        ),
        (
            "DELETE",
            "/api/tasks/123",
            none,
            "".into(),
            400,
            json!("id"),
        ),
        (
            "GET",
            "/api/tasks/123/reminders",
            none,
            "".into(),
            400,
            json!("id"),
        ),
        (
            "GET",
            "/api/tasks?status=someday",
            none,
            "".into(),
            400,
            json!("status"),
        ),
        (
            "GET",
            "/api/tasks?stauts=done",
            none,
            "".into(),
            400,
            json!("stauts"),
        ),
        (
            "GET",
            "/api/tasks?tag=a&tag=b",
            none,
            "".into(),
            400,
            json!("tag"),
        ),
        (
            "GET",
            "/api/tasks?project=",
            none,
            "".into(),
            400,
            json!("project"),
        ),
        (
            "GET",
            "/api/tasks?limit=0",
            none,
            "".into(),
            400,
            json!("limit"),
        ),
        (
            "GET",
            "/api/tasks?limit=many",
            none,
            "".into(),
            400,
            json!("limit"),
        ),
        (
            "GET",
            "/api/tasks?offset=-1",
            none,
            "".into(),
            400,
            json!("offset"),
        ),
        (
            "GET",
            "/api/conversations?limit=100000",
            none,
            "".into(),
            400,
            json!("limit"),
        ),
        (
            "POST",
            &reminders,
            json,
            r#"{"remind_at": "2026-12-03T10:00:00Z"}"#.into(),
            400,
            json!("message"),
        ),
        (
            "POST",
            &reminders,
            json,
            r#"{"message": "m", "remind_at": null}"#.into(),
            400,
            json!("remind_at"),
        ),
        (
            "POST",
            &reminders,
            json,
            r#"{"message": "m", "remind_at": "2026-12-03T10:00:00Z", "notified": "yes"}"#.into(),
            400,
            json!("notified"),
        ),
        (
            "POST",
            &reminders,
            json,
            r#"{"message": "m", "remind_at": "2026-12-03T10:00:00Z", "task_id": null}"#.into(),
            400,
            json!("task_id"),
        ),
        (
            "POST",
            "/api/conversations",
            json,
            "{}".into(),
            400,
            json!("session_id"),
        ),
        (
            "POST",
            "/api/conversations",
            json,
            r#"{"session_id": "s", "message_count": -1}"#.into(),
            400,
            json!("message_count"),
        ),
        (
            "POST",
            "/api/conversations",
            json,
            r#"{"session_id": "s", "started_at": null}"#.into(),
            400,
            json!("started_at"),
        ),
        // Unknown routes and methods answer JSON too.
        ("GET", "/api/nothing", none, "".into(), 404, Value::Null),
        ("PUT", "/api/tasks", json, "{}".into(), 405, Value::Null),
    ];
    for (method, path, headers, body, code, field) in cases {
        let (got, reply) = send(port, method, path, headers, &body).await;
        assert_eq!(
            (got, &reply["field"]),
            (code, &field),
            "{method} {path} {body}: {reply}"
        );
        let error = reply["error"].as_str().unwrap_or_default();
        assert!(!error.is_empty(), "{method} {path} {body}: {reply}");
        if let Some(field) = field.as_str() {
            assert!(error.contains(field), "the message names {field}: {error}");
        }
    }
    // Nothing was written by a refused request.
    assert_eq!(
        db.value("select string_agg(title || ':' || status, ',') from tasks")
            .await,
        "keep me:todo"
    );
    assert_eq!(db.value("select count(*)::text from reminders").await, "0");
    assert_eq!(
        db.value("select count(*)::text from conversations").await,
        "0"
    );
}

/// Every data route, each called once.
async fn every_data_route(port: u16, task: &str) -> Vec<(String, u16, Value)> {
    let mut replies = Vec::new();
    let one = format!("/api/tasks/{task}");
    let reminders = format!("{one}/reminders");
    let title = json!({"title": "t"}).to_string();
    let reminder = json!({"message": "m", "remind_at": "2026-12-03T10:00:00Z"}).to_string();
    let conversation = json!({"session_id": "s"}).to_string();
    for (method, path, body) in [
        ("GET", "/api/tasks?status=todo", ""),
        ("POST", "/api/tasks", title.as_str()),
        ("GET", one.as_str(), ""),
        ("PATCH", one.as_str(), title.as_str()),
        ("DELETE", one.as_str(), ""),
        ("GET", reminders.as_str(), ""),
        ("POST", reminders.as_str(), reminder.as_str()),
        ("GET", "/api/conversations", ""),
        ("POST", "/api/conversations", conversation.as_str()),
    ] {
        let (code, reply) = send(port, method, path, JSON, body).await;
        replies.push((format!("{method} {path}"), code, reply));
    }
    replies
}

fn assert_all_unavailable(replies: &[(String, u16, Value)], status: &str, reason: &str) {
    for (route, code, reply) in replies {
        assert_eq!(*code, 503, "{route}: {reply}");
        assert_eq!(reply["status"], status, "{route}: {reply}");
        let error = reply["error"].as_str().unwrap();
        assert!(
            error.starts_with(&format!("database unavailable ({status})"))
                && error.contains(reason),
            "{route}: {error}"
        );
    }
}

#[tokio::test]
async fn example_app_answers_503_while_the_database_is_unavailable() {
    // No DATABASE_URL: healthy (disabled), and every data route says why it cannot serve.
    let (_app, app_port) = start_app(&[]);
    let (code, health) = get_health(app_port).await;
    assert_eq!(
        (code, health["status"].as_str()),
        (200, Some("disabled")),
        "{health}"
    );
    let replies = every_data_route(app_port, "6d1f3c1e-0000-4000-8000-000000000000").await;
    assert_all_unavailable(&replies, "disabled", "DATABASE_URL is not set");

    // A server that never answers: the guard refuses every data route; health answers.
    let port = crate::migrate_app::free_port();
    let url = format!("postgres://postgres:hunter2@127.0.0.1:{port}/postgres?connect_timeout=2");
    let (_app, app_port) = start_app(&[("DATABASE_URL", &url)]);
    let (code, health) = get_health(app_port).await;
    assert_eq!(
        (code, health["status"].as_str()),
        (503, Some("unreachable")),
        "{health}"
    );
    let replies = every_data_route(app_port, "6d1f3c1e-0000-4000-8000-000000000000").await;
    assert_all_unavailable(&replies, "unreachable", &format!("127.0.0.1:{port}"));
    for (route, _, reply) in &replies {
        assert!(!reply.to_string().contains("hunter2"), "{route}: {reply}");
    }
    // Input is still checked first where it can be: 400 needs no database.
    let (code, reply) = get(app_port, "/api/tasks?status=someday").await;
    assert_eq!((code, &reply["field"]), (400, &json!("status")), "{reply}");
    let (code, health) = get_health(app_port).await;
    assert_eq!(
        (code, health["status"].as_str()),
        (503, Some("unreachable")),
        "{health}"
    );

    // A database that goes away under a running app: its data routes turn 503 (no 500,
    // no hang), and health keeps answering with the reason.
    let (db, _app, app_port) = app("example_app_outage").await;
    let (code, task) = post(app_port, "/api/tasks", &json!({"title": "before"})).await;
    assert_eq!(code, 201, "{task}");
    let admin = harness::connect(&harness::admin_url()).await;
    admin
        .batch_execute(&format!("DROP DATABASE \"{}\" WITH (FORCE)", db.name))
        .await
        .unwrap();
    let replies = every_data_route(app_port, task["id"].as_str().unwrap()).await;
    assert_all_unavailable(&replies, "unreachable", &db.name);
    let (code, health) = get_health(app_port).await;
    assert_eq!(
        (code, health["status"].as_str()),
        (503, Some("unreachable")),
        "{health}"
    );
    assert!(
        health["error"].as_str().unwrap().contains(&db.name),
        "{health}"
    );
}

/// The app's row types are the generated module, kept in step with schema.toml: CI fails
/// here when schema.toml changes without `brain-db types --lang rust --out
/// examples/app/schema.rs`.
#[cfg(feature = "types")]
#[test]
fn example_app_schema_module_is_what_brain_db_types_generates() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let check = |out: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_brain-db"))
            .current_dir(repo)
            .env_remove("DATABASE_URL")
            .args(["types", "--lang", "rust", "--check", "--out"])
            .arg(out)
            .output()
            .expect("run brain-db types")
    };
    let fresh = check(&repo.join("examples/app/schema.rs"));
    assert_eq!(
        fresh.status.code(),
        Some(0),
        "examples/app/schema.rs is stale: run `cargo run -- types --lang rust --out examples/app/schema.rs`\n{}",
        String::from_utf8_lossy(&fresh.stderr)
    );
    // And the check is real: the same file with a field changed is stale (exit 2).
    let dir = tempfile::tempdir().unwrap();
    let stale = dir.path().join("schema.rs");
    let text = std::fs::read_to_string(repo.join("examples/app/schema.rs")).unwrap();
    assert!(text.contains("pub priority: Option<i32>,"), "{text}");
    std::fs::write(
        &stale,
        text.replace("pub priority: Option<i32>,", "pub priority: Option<i64>,"),
    )
    .unwrap();
    let run = check(&stale);
    assert_eq!(run.status.code(), Some(2), "{run:?}");
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("brain-db types --lang rust"),
        "{run:?}"
    );
}
