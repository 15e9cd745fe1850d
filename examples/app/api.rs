//! The second-brain API: tasks, their reminders, conversations, and health.
//!
//! Every data route passes the route guard first (`state.require()`: 503 while the
//! database is unavailable); rows are read and written through the generated module
//! (`schema.rs`), whose statements bind every value as a parameter.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use brain_db::startup::DatabaseState;
use deadpool_postgres::Object;

use crate::error::ApiError;
use crate::input::{self, Body, Params};
use crate::schema::{
    Conversation, NewConversation, NewReminder, NewTask, Reminder, Task, TaskStatus, TaskUpdate,
};

type Reply = Result<Response, ApiError>;
type AppState = State<Arc<DatabaseState>>;

/// The page size when `limit` is not given, and the largest one allowed.
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

pub fn routes(state: Arc<DatabaseState>) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/tasks", get(list_tasks).post(create_task))
        .route(
            "/api/tasks/{id}",
            get(get_task).patch(update_task).delete(delete_task),
        )
        .route(
            "/api/tasks/{id}/reminders",
            get(list_reminders).post(create_reminder),
        )
        .route(
            "/api/conversations",
            get(list_conversations).post(create_conversation),
        )
        .fallback(|| async { ApiError::NotFound("no such route".to_string()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(state)
}

/// 200 when ok or disabled, 503 otherwise; never behind the guard, so it answers during
/// an outage.
async fn health(State(state): AppState) -> Response {
    let health = state.health().await;
    let code = if health.is_healthy() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, axum::Json(health)).into_response()
}

/// The route guard, then a pooled session.
async fn session(state: &DatabaseState) -> Result<Object, ApiError> {
    let pool = state.require()?;
    pool.get().await.map_err(ApiError::pool)
}

/// Serialised from the row structs themselves, so keys come in column order.
fn json(code: StatusCode, value: &impl serde::Serialize) -> Reply {
    Ok((code, axum::Json(value)).into_response())
}

fn rows<T>(rows: &[tokio_postgres::Row]) -> Result<Vec<T>, ApiError>
where
    T: for<'r> TryFrom<&'r tokio_postgres::Row, Error = tokio_postgres::Error>,
{
    rows.iter()
        .map(|r| T::try_from(r).map_err(ApiError::query))
        .collect()
}

/// A path's `{id}`, else 400 naming it.
fn path_id(path: Result<Path<String>, PathRejection>) -> Result<uuid::Uuid, ApiError> {
    let Path(text) = path.map_err(|e| ApiError::field("id", e.body_text()))?;
    input::uuid("id", &text)
}

fn query(
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Vec<(String, String)>, ApiError> {
    q.map(|Query(pairs)| pairs)
        .map_err(|e| ApiError::body(format!("malformed query string: {}", e.body_text())))
}

fn bytes(b: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    b.map_err(|e| ApiError::Rejected(e.status(), e.body_text()))
}

fn no_task(id: uuid::Uuid) -> ApiError {
    ApiError::NotFound(format!("no task with id {id}"))
}

/// The labels of tasks.status, from the generated enum (so from schema.toml's check).
fn statuses() -> Vec<&'static str> {
    TaskStatus::ALL.iter().map(TaskStatus::as_str).collect()
}
const TASK_WRITABLE: &[&str] = &[
    "title",
    "description",
    "status",
    "priority",
    "project",
    "due_date",
    "tags",
];
const TASK_READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "completed_at"];

fn status(field: input::Field<String>) -> Result<Option<TaskStatus>, ApiError> {
    // The label was checked against statuses(), so it parses.
    field
        .non_null()?
        .map(|s| s.parse::<TaskStatus>())
        .transpose()
        .map_err(|e| ApiError::field("status", e))
}

/// `GET /api/tasks?status=&project=&tag=&limit=&offset=`: newest first.
async fn list_tasks(
    State(state): AppState,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Reply {
    let params = Params::parse(query(q)?, &["status", "project", "tag", "limit", "offset"])?;
    let status = params.label("status", &statuses())?;
    let project = params.text("project")?;
    let tag = params.text("tag")?;
    let limit = params.int("limit", 1, MAX_LIMIT, DEFAULT_LIMIT)?;
    let offset = params.int("offset", 0, i64::MAX, 0)?;
    let client = session(&state).await?;
    let sql = format!(
        "{} WHERE ($1::text IS NULL OR \"status\" = $1) \
           AND ($2::text IS NULL OR \"project\" = $2) \
           AND ($3::text IS NULL OR $3 = ANY (\"tags\")) \
         ORDER BY \"created_at\" DESC NULLS LAST, \"id\" LIMIT $4 OFFSET $5",
        Task::SELECT
    );
    let found = client
        .query(&sql, &[&status, &project, &tag, &limit, &offset])
        .await
        .map_err(ApiError::query)?;
    json(StatusCode::OK, &rows::<Task>(&found)?)
}

/// `POST /api/tasks`: 201 with the task; `completed_at` is set when it starts done.
async fn create_task(
    State(state): AppState,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    let body = Body::parse(&headers, &bytes(body)?, TASK_WRITABLE, TASK_READ_ONLY)?;
    let new = NewTask {
        id: None,
        title: body.text("title", true)?.required()?,
        description: body.text("description", false)?.nullable().flatten(),
        status: status(body.label("status", &statuses())?)?,
        priority: body.int("priority", i32::MIN)?.non_null()?,
        project: body.text("project", true)?.nullable().flatten(),
        due_date: body.timestamp("due_date")?.nullable().flatten(),
        tags: body.text_array("tags")?.nullable().flatten(),
        created_at: None,
        updated_at: None,
        completed_at: None,
    };
    let mut client = session(&state).await?;
    let tx = client.transaction().await.map_err(ApiError::query)?;
    let (sql, params) = new.insert_statement();
    let row = tx.query_one(&sql, &params).await.map_err(ApiError::query)?;
    let mut task = Task::try_from(&row).map_err(ApiError::query)?;
    if task.status == Some(TaskStatus::Done) {
        // In the same transaction, so completed_at equals created_at (now() is the
        // transaction's start).
        let sql = format!(
            "UPDATE {} SET \"completed_at\" = now() WHERE \"id\" = $1 RETURNING {}",
            Task::TABLE,
            Task::COLUMNS
        );
        let row = tx
            .query_one(&sql, &[&task.id])
            .await
            .map_err(ApiError::query)?;
        task = Task::try_from(&row).map_err(ApiError::query)?;
    }
    tx.commit().await.map_err(ApiError::query)?;
    let location = format!("/api/tasks/{}", task.id);
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::LOCATION, location)],
        axum::Json(task),
    )
        .into_response())
}

async fn get_task(State(state): AppState, id: Result<Path<String>, PathRejection>) -> Reply {
    let id = path_id(id)?;
    let client = session(&state).await?;
    let sql = format!("{} WHERE \"id\" = $1", Task::SELECT);
    let row = client
        .query_opt(&sql, &[&id])
        .await
        .map_err(ApiError::query)?
        .ok_or_else(|| no_task(id))?;
    json(
        StatusCode::OK,
        &Task::try_from(&row).map_err(ApiError::query)?,
    )
}

/// `PATCH /api/tasks/{id}`: the keys given change (null clears a nullable one);
/// `updated_at` moves; `completed_at` is set when the status becomes done (kept while it
/// stays done) and cleared when it leaves done.
async fn update_task(
    State(state): AppState,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    let id = path_id(id)?;
    let body = Body::parse(&headers, &bytes(body)?, TASK_WRITABLE, TASK_READ_ONLY)?;
    if body.is_empty() {
        return Err(ApiError::body(format!(
            "the body changes nothing (give one or more of: {})",
            TASK_WRITABLE.join(", ")
        )));
    }
    let new_status = status(body.label("status", &statuses())?)?;
    let patch = TaskUpdate {
        title: body.text("title", true)?.non_null()?,
        description: body.text("description", false)?.nullable(),
        status: new_status.map(Some),
        priority: body.int("priority", i32::MIN)?.non_null()?.map(Some),
        project: body.text("project", true)?.nullable(),
        due_date: body.timestamp("due_date")?.nullable(),
        tags: body.text_array("tags")?.nullable(),
        ..TaskUpdate::default()
    };
    let (set, mut params) = patch.set_clause(1);
    let done = new_status.map(|s| s == TaskStatus::Done);
    // On the right of SET, "status" and "completed_at" are the row's values before the
    // update.
    let mut sql = format!("UPDATE {} SET {set}, \"updated_at\" = now()", Task::TABLE);
    if let Some(done) = &done {
        sql.push_str(&format!(
            ", \"completed_at\" = CASE WHEN ${} THEN CASE WHEN \"status\" = 'done' \
             THEN coalesce(\"completed_at\", now()) ELSE now() END END",
            params.len() + 1
        ));
        params.push(done);
    }
    sql.push_str(&format!(
        " WHERE \"id\" = ${} RETURNING {}",
        params.len() + 1,
        Task::COLUMNS
    ));
    params.push(&id);
    let client = session(&state).await?;
    let row = client
        .query_opt(&sql, &params)
        .await
        .map_err(ApiError::query)?
        .ok_or_else(|| no_task(id))?;
    json(
        StatusCode::OK,
        &Task::try_from(&row).map_err(ApiError::query)?,
    )
}

/// `DELETE /api/tasks/{id}`: 204; its reminders go with it (on delete cascade).
async fn delete_task(State(state): AppState, id: Result<Path<String>, PathRejection>) -> Reply {
    let id = path_id(id)?;
    let client = session(&state).await?;
    let sql = format!("DELETE FROM {} WHERE \"id\" = $1", Task::TABLE);
    match client
        .execute(&sql, &[&id])
        .await
        .map_err(ApiError::query)?
    {
        0 => Err(no_task(id)),
        _ => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// `GET /api/tasks/{id}/reminders`: soonest first; 404 for an unknown task.
async fn list_reminders(State(state): AppState, id: Result<Path<String>, PathRejection>) -> Reply {
    let id = path_id(id)?;
    let client = session(&state).await?;
    let exists: bool = client
        .query_one(
            &format!(
                "SELECT EXISTS (SELECT FROM {} WHERE \"id\" = $1)",
                Task::TABLE
            ),
            &[&id],
        )
        .await
        .map_err(ApiError::query)?
        .get(0);
    if !exists {
        return Err(no_task(id));
    }
    let sql = format!(
        "{} WHERE \"task_id\" = $1 ORDER BY \"remind_at\", \"id\"",
        Reminder::SELECT
    );
    let found = client.query(&sql, &[&id]).await.map_err(ApiError::query)?;
    json(StatusCode::OK, &rows::<Reminder>(&found)?)
}

/// `POST /api/tasks/{id}/reminders`: 201 with the reminder; 404 for an unknown task.
async fn create_reminder(
    State(state): AppState,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    let id = path_id(id)?;
    let body = Body::parse(
        &headers,
        &bytes(body)?,
        &["message", "remind_at", "notified"],
        &["id", "task_id", "created_at"],
    )?;
    let new = NewReminder {
        id: None,
        task_id: Some(id),
        message: body.text("message", true)?.required()?,
        remind_at: body.timestamp("remind_at")?.required()?,
        notified: body.boolean("notified")?.non_null()?,
        created_at: None,
    };
    let client = session(&state).await?;
    let (sql, params) = new.insert_statement();
    match client.query_one(&sql, &params).await {
        Ok(row) => json(
            StatusCode::CREATED,
            &Reminder::try_from(&row).map_err(ApiError::query)?,
        ),
        // The foreign key decides, so a task deleted meanwhile is a 404 too.
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION) => {
            Err(no_task(id))
        }
        Err(e) => Err(ApiError::query(e)),
    }
}

/// `GET /api/conversations?limit=&offset=`: the latest started first.
async fn list_conversations(
    State(state): AppState,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Reply {
    let params = Params::parse(query(q)?, &["limit", "offset"])?;
    let limit = params.int("limit", 1, MAX_LIMIT, DEFAULT_LIMIT)?;
    let offset = params.int("offset", 0, i64::MAX, 0)?;
    let client = session(&state).await?;
    let sql = format!(
        "{} ORDER BY \"started_at\" DESC NULLS LAST, \"id\" LIMIT $1 OFFSET $2",
        Conversation::SELECT
    );
    let found = client
        .query(&sql, &[&limit, &offset])
        .await
        .map_err(ApiError::query)?;
    json(StatusCode::OK, &rows::<Conversation>(&found)?)
}

/// `POST /api/conversations`: 201; 409 when the `session_id` is taken.
async fn create_conversation(
    State(state): AppState,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    let body = Body::parse(
        &headers,
        &bytes(body)?,
        &[
            "session_id",
            "summary",
            "started_at",
            "ended_at",
            "message_count",
        ],
        &["id"],
    )?;
    let new = NewConversation {
        id: None,
        session_id: body.text("session_id", true)?.required()?,
        summary: body.text("summary", false)?.nullable().flatten(),
        started_at: body.timestamp("started_at")?.non_null()?,
        ended_at: body.timestamp("ended_at")?.nullable().flatten(),
        message_count: body.int("message_count", 0)?.non_null()?,
    };
    if let (Some(started), Some(ended)) = (new.started_at, new.ended_at)
        && ended < started
    {
        return Err(ApiError::field(
            "ended_at",
            "ended_at must not be before started_at",
        ));
    }
    let client = session(&state).await?;
    let (sql, params) = new.insert_statement();
    match client.query_one(&sql, &params).await {
        Ok(row) => json(
            StatusCode::CREATED,
            &Conversation::try_from(&row).map_err(ApiError::query)?,
        ),
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => {
            Err(ApiError::Conflict {
                field: "session_id".to_string(),
                message: format!(
                    "a conversation with session_id {:?} exists already",
                    new.session_id
                ),
            })
        }
        Err(e) => Err(ApiError::query(e)),
    }
}
