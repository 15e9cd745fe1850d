//! The JSON API under `/api/` (documented in docs/studio.md). Every schema, table and
//! column name the page sends is looked up in the introspected structure before it can
//! reach SQL; an unknown one is a 404 / 400, never a query.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::queries::{self, Cursor, FilterOp, Page, QueryError, RowKey, SHOWN_CHARS, Sql};
use super::server::{AppState, StudioError};
use crate::model::{Column, IdentityKind, QualifiedName, Schema, Table};

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/tables", get(tables))
        .route("/api/tables/{schema}/{table}", get(structure))
        .route(
            "/api/tables/{schema}/{table}/rows",
            get(rows).post(insert).patch(update).delete(delete),
        )
        .route("/api/tables/{schema}/{table}/row", get(one_row))
        .route("/api/tables/{schema}/{table}/export.csv", get(export))
}

/// An error as the page shows it: `{"error": ..., "sqlstate": ...}`, redacted.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
    sqlstate: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            sqlstate: None,
        }
    }

    /// A server error, classified by SQLSTATE (never by its text): a read-only refusal
    /// is 403, bad input (classes 22 and 23) is 400, a conflict 409.
    fn database(state: &AppState, what: &str, error: tokio_postgres::Error) -> Self {
        let code = error.code().map(|c| c.code().to_string());
        let status = match code.as_deref() {
            Some("25006") => StatusCode::FORBIDDEN,
            Some(c) if c.starts_with("22") || c.starts_with("23") || c.starts_with("42") => {
                StatusCode::BAD_REQUEST
            }
            Some("40001") | Some("40P01") | Some("55P03") => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut message = match error.as_db_error() {
            Some(db) => {
                let mut text = db.message().to_string();
                if let Some(detail) = db.detail() {
                    text.push_str(&format!(" ({detail})"));
                }
                if let Some(hint) = db.hint() {
                    text.push_str(&format!(" (hint: {hint})"));
                }
                text
            }
            None => error.to_string(),
        };
        if code.as_deref() == Some("25006") {
            message = format!("the studio is read-only (--read-only): {message}");
        }
        ApiError {
            status,
            message: crate::db::redact_text(&format!("{what}: {message}"), &state.secrets),
            sqlstate: code,
        }
    }

    fn studio(state: &AppState, error: StudioError) -> Self {
        let mut text = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            text.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            crate::db::redact_text(&text, &state.secrets),
        )
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        let status = match e {
            QueryError::NoPrimaryKey(_) => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.message, "sqlstate": self.sqlstate });
        (self.status, Json(body)).into_response()
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// The introspected table named by the path, or 404.
async fn find_table(
    state: &AppState,
    schema: &str,
    table: &str,
) -> ApiResult<(Arc<Schema>, QualifiedName)> {
    let structure = state.schema.read().await.clone();
    let name = QualifiedName::new(schema, table);
    if !structure.tables.contains_key(&name) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no table {name} in the database (reload the page if it was just created)"),
        ));
    }
    Ok((structure, name))
}

fn column<'a>(table: &'a Table, name: &str) -> ApiResult<&'a Column> {
    table.column(name).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("table {} has no column {name:?}", table.name),
        )
    })
}

async fn run_query(state: &AppState, what: &str, sql: &Sql) -> ApiResult<Vec<tokio_postgres::Row>> {
    let client = state
        .session()
        .await
        .map_err(|e| ApiError::studio(state, e))?;
    client
        .query_typed(&sql.text, &sql.typed_params())
        .await
        .map_err(|e| ApiError::database(state, what, e))
}

fn text_at(row: &tokio_postgres::Row, index: usize) -> Option<String> {
    row.get::<_, Option<String>>(index)
}

// ---------------------------------------------------------------------------------------
// GET /api/tables

async fn tables(State(state): State<Arc<AppState>>) -> ApiResult<Json<Value>> {
    let fresh = {
        let mut client = state
            .session()
            .await
            .map_err(|e| ApiError::studio(&state, e))?;
        crate::introspect::introspect(&mut client, &state.schemas)
            .await
            .map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    crate::db::redact_text(
                        &format!(
                            "{e}: {}",
                            std::error::Error::source(&e)
                                .map(|s| s.to_string())
                                .unwrap_or_default()
                        ),
                        &state.secrets,
                    ),
                )
            })?
    };
    let fresh = Arc::new(fresh);
    *state.schema.write().await = fresh.clone();
    let estimates = estimates(&state, &fresh).await?;
    let list: Vec<Value> = fresh
        .tables
        .values()
        .map(|t| {
            json!({
                "schema": t.name.schema,
                "name": t.name.name,
                "estimate": estimates.get(&t.name).cloned(),
                "has_primary_key": t.primary_key.is_some(),
            })
        })
        .collect();
    Ok(Json(
        json!({ "read_only": state.read_only, "tables": list }),
    ))
}

/// Row counts: exact for small tables (`reltuples` unknown or under [`EXACT_BELOW`]: a
/// bounded count), else PostgreSQL's estimate (`reltuples`), which costs nothing.
const EXACT_BELOW: i64 = 10_000;

async fn estimates(state: &AppState, schema: &Schema) -> ApiResult<BTreeMap<QualifiedName, Value>> {
    let client = state
        .session()
        .await
        .map_err(|e| ApiError::studio(state, e))?;
    let rows = client
        .query(queries::ESTIMATES, &[&state.schemas])
        .await
        .map_err(|e| ApiError::database(state, "cannot read row estimates", e))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        let Some(table) = schema.tables.get(&name) else {
            continue;
        };
        let reltuples: f64 = row.get(2);
        let value = if reltuples >= EXACT_BELOW as f64 {
            json!({ "rows": reltuples.round() as i64, "exact": false })
        } else {
            let count = client
                .query_one(
                    &format!(
                        "SELECT count(*) FROM (SELECT 1 FROM {} LIMIT {}) AS sample",
                        crate::sql::quote::qualified(&table.name.schema, &table.name.name),
                        EXACT_BELOW + 1
                    ),
                    &[],
                )
                .await
                .map_err(|e| ApiError::database(state, "cannot count rows", e))?;
            let n: i64 = count.get(0);
            json!({ "rows": n, "exact": n <= EXACT_BELOW })
        };
        out.insert(name, value);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// GET /api/tables/{schema}/{table}

fn input_kind(column: &Column, choices: &Option<Vec<String>>) -> &'static str {
    let t = column.data_type.as_str();
    if choices.is_some() {
        return "choice";
    }
    if t.ends_with("[]") {
        return "array";
    }
    match t {
        "boolean" => "boolean",
        "json" | "jsonb" => "json",
        "smallint" | "integer" | "bigint" => "integer",
        "real" | "double precision" => "number",
        t if t.starts_with("numeric") => "number",
        "date" => "date",
        t if t.starts_with("timestamptz") || t.starts_with("timestamp with time zone") => {
            "timestamptz"
        }
        t if t.starts_with("timestamp") => "timestamp",
        t if t.starts_with("timetz") || t.starts_with("time with time zone") => "text",
        t if t.starts_with("time") => "time",
        "uuid" => "uuid",
        _ => "text",
    }
}

/// Enum labels, or the values of a `col IN (...)` check.
fn choices(schema: &Schema, table: &Table, column: &Column) -> Option<Vec<String>> {
    let enum_values = schema.enums.values().find(|e| {
        let spelled = if e.name.schema == "public" {
            crate::sql::quote::ident(&e.name.name)
        } else {
            crate::sql::quote::qualified(&e.name.schema, &e.name.name)
        };
        spelled == column.data_type
    });
    if let Some(e) = enum_values {
        return Some(e.values.clone());
    }
    table
        .checks
        .iter()
        .find_map(|c| queries::check_choices(&c.expression, &column.name))
}

/// The table in schema.toml's notation, as `pull` would write it (with the enums and
/// sequences it uses).
fn as_toml(schema: &Schema, table: &Table) -> String {
    let mut one = Schema {
        schemas: vec![table.name.schema.clone()],
        ..Schema::default()
    };
    for column in &table.columns {
        for (name, e) in &schema.enums {
            let spelled = if name.schema == "public" {
                crate::sql::quote::ident(&name.name)
            } else {
                crate::sql::quote::qualified(&name.schema, &name.name)
            };
            if column.data_type.trim_end_matches("[]") == spelled {
                one.enums.insert(name.clone(), e.clone());
            }
        }
    }
    for (name, sequence) in &schema.sequences {
        if sequence
            .owned_by
            .as_ref()
            .is_some_and(|(t, _)| *t == table.name)
        {
            one.sequences.insert(name.clone(), sequence.clone());
        }
    }
    one.tables.insert(table.name.clone(), table.clone());
    crate::schema_file::write(&one)
}

async fn structure(
    State(state): State<Arc<AppState>>,
    Path((schema_name, table_name)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let (schema, name) = find_table(&state, &schema_name, &table_name).await?;
    let table = &schema.tables[&name];
    let pk: Vec<&str> = table
        .primary_key
        .iter()
        .flat_map(|pk| pk.columns.iter().map(String::as_str))
        .collect();
    let columns: Vec<Value> = table
        .columns
        .iter()
        .map(|c| {
            let choices = choices(&schema, table, c);
            let references = table
                .foreign_keys
                .iter()
                .find(|fk| fk.columns.len() == 1 && fk.columns[0] == c.name)
                .map(|fk| {
                    json!({
                        "schema": fk.referenced_table.schema,
                        "table": fk.referenced_table.name,
                        "column": fk.referenced_columns[0],
                    })
                });
            json!({
                "name": c.name,
                "type": c.data_type,
                "not_null": c.not_null,
                "default": c.default,
                "primary_key": pk.contains(&c.name.as_str()),
                "identity": c.identity.as_ref().map(|i| match i.kind {
                    IdentityKind::Always => "always",
                    IdentityKind::ByDefault => "by_default",
                }),
                "generated": c.generated,
                "choices": choices,
                "input": input_kind(c, &choices),
                "ordered": queries::is_ordered(c),
                "references": references,
            })
        })
        .collect();
    let referenced_by: Vec<Value> = referencing(&schema, &name)
        .map(|(from, fk)| {
            json!({
                "schema": from.name.schema,
                "table": from.name.name,
                "columns": fk.columns,
                "referenced_columns": fk.referenced_columns,
            })
        })
        .collect();
    let drift = drift(&state, &schema, table).await;
    Ok(Json(json!({
        "schema": name.schema,
        "name": name.name,
        "drift": drift,
        "columns": columns,
        "primary_key": pk,
        "writable": !state.read_only && table.primary_key.is_some(),
        "read_only_reason": if state.read_only {
            Some("the studio runs with --read-only")
        } else if table.primary_key.is_none() {
            Some("the table has no primary key")
        } else {
            None
        },
        "referenced_by": referenced_by,
        "toml": as_toml(&schema, table),
    })))
}

/// How the live table differs from its declaration in schema.toml: `{"checked": false,
/// "reason"}`, `{"checked": true, "in_schema_file": bool, "statements": [...]}` (the
/// statements `push` would run for this table; empty: no drift).
async fn drift(state: &AppState, live: &Schema, table: &Table) -> Value {
    let Some(path) = &state.schema_file else {
        return json!({ "checked": false, "reason": "no schema.toml in the working directory" });
    };
    let file = match crate::schema_file::load(path) {
        Ok(file) => file,
        Err(e) => return json!({ "checked": false, "reason": format!("{}: {e}", path.display()) }),
    };
    let Some(declared) = file.tables.get(&table.name) else {
        return json!({ "checked": true, "in_schema_file": false, "statements": [] });
    };
    // Only this table: the same enums and sequences on both sides, so that the changes
    // are the table's own.
    let one = |t: &Table| Schema {
        schemas: file.schemas.clone(),
        enums: live.enums.clone(),
        sequences: live.sequences.clone(),
        tables: BTreeMap::from([(t.name.clone(), t.clone())]),
        functions: live.functions.clone(),
        domains: live.domains.clone(),
        ..Schema::default()
    };
    let mut desired = one(declared);
    let actual = one(table);
    // Declared expressions are compared in the server's spelling, exactly as push
    // compares them; that builds scratch tables in a transaction that is rolled back, on
    // a session of its own (the studio's may be read-only).
    let note = match canonical(state, &mut desired, &actual).await {
        Canonical::Done => None,
        Canonical::ReadOnlyServer => {
            return json!({ "checked": false, "unknown": true, "reason": "drift unknown (read-only server)" });
        }
        Canonical::Failed => Some("expressions compared as written"),
    };
    let plan = match crate::diff::diff(&desired, actual) {
        Ok(changes) => match crate::plan::plan(changes) {
            Ok(plan) => plan,
            Err(e) => return json!({ "checked": false, "reason": e.to_string() }),
        },
        Err(e) => return json!({ "checked": false, "reason": e.to_string() }),
    };
    let statements: Vec<String> = plan.steps.iter().map(|s| format!("{};", s.sql)).collect();
    json!({ "checked": true, "in_schema_file": true, "statements": statements, "note": note })
}

enum Canonical {
    Done,
    /// The server takes no writes at all (a hot standby): the server's spelling of the
    /// declared expressions cannot be had, so no drift can be claimed either way.
    ReadOnlyServer,
    Failed,
}

async fn canonical(state: &AppState, desired: &mut Schema, actual: &Schema) -> Canonical {
    let mut client = match state.scratch_session().await {
        Ok(client) => client,
        Err(e) => {
            log::warn!("studio: no scratch session for drift: {e}");
            return Canonical::Failed;
        }
    };
    match crate::apply::canonicalize::canonicalize(&mut client, desired, actual).await {
        Ok(()) => Canonical::Done,
        Err(crate::introspect::IntrospectError::Query { error, .. })
            if error.code()
                == Some(&tokio_postgres::error::SqlState::READ_ONLY_SQL_TRANSACTION) =>
        {
            Canonical::ReadOnlyServer
        }
        Err(e) => {
            log::warn!("studio: canonicalising for drift: {e}");
            Canonical::Failed
        }
    }
}

/// Foreign keys of any table that point at `target`.
fn referencing<'a>(
    schema: &'a Schema,
    target: &'a QualifiedName,
) -> impl Iterator<Item = (&'a Table, &'a crate::model::ForeignKey)> + 'a {
    schema.tables.values().flat_map(move |t| {
        t.foreign_keys
            .iter()
            .filter(move |fk| fk.referenced_table == *target)
            .map(move |fk| (t, fk))
    })
}

// ---------------------------------------------------------------------------------------
// GET /api/tables/{schema}/{table}/rows  and  .../export.csv

#[derive(Debug, Deserialize)]
struct ViewQuery {
    sort: Option<String>,
    #[serde(default)]
    desc: bool,
    /// JSON: the `next` cursor of the previous page.
    after: Option<String>,
    /// JSON: `[{"column": "title", "op": "contains", "value": "x"}]`.
    filters: Option<String>,
    limit: Option<usize>,
}

#[derive(Debug, Deserialize)]
struct FilterIn {
    column: String,
    op: FilterOp,
    #[serde(default)]
    value: Option<String>,
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message)
}

fn page_request<'a>(
    table: &'a Table,
    query: &ViewQuery,
    limit: usize,
    full: bool,
) -> ApiResult<Page<'a>> {
    let sort = match query.sort.as_deref().filter(|s| !s.is_empty()) {
        Some(name) => Some(column(table, name)?),
        None => None,
    };
    let filters_in: Vec<FilterIn> = match query.filters.as_deref().filter(|f| !f.is_empty()) {
        Some(text) => {
            serde_json::from_str(text).map_err(|e| bad_request(format!("bad filters: {e}")))?
        }
        None => Vec::new(),
    };
    let mut filters = Vec::new();
    for f in filters_in {
        filters.push((column(table, &f.column)?, f.op, f.value));
    }
    let after: Option<Cursor> = match query.after.as_deref().filter(|a| !a.is_empty()) {
        Some(text) => {
            Some(serde_json::from_str(text).map_err(|e| bad_request(format!("bad cursor: {e}")))?)
        }
        None => None,
    };
    Ok(Page {
        table,
        sort,
        descending: query.desc,
        filters,
        after,
        limit,
        full_values: full,
    })
}

/// The cursor after a row: its sort value and key, the last columns of the select list.
fn cursor_of(row: &tokio_postgres::Row, table: &Table, key_len: usize, sorted: bool) -> Cursor {
    let base = table.columns.len();
    Cursor {
        key: (0..key_len)
            .map(|i| text_at(row, base + i).unwrap_or_default())
            .collect(),
        sort: sorted.then(|| text_at(row, base + key_len)),
    }
}

fn key_len(table: &Table) -> usize {
    match RowKey::of(table) {
        RowKey::Primary(columns) => columns.len(),
        RowKey::Ctid => 1,
    }
}

async fn rows(
    State(state): State<Arc<AppState>>,
    Path((schema_name, table_name)): Path<(String, String)>,
    Query(query): Query<ViewQuery>,
) -> ApiResult<Json<Value>> {
    let (schema, name) = find_table(&state, &schema_name, &table_name).await?;
    let table = &schema.tables[&name];
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let request = page_request(table, &query, limit, false)?;
    let sql = queries::page(&request)?;
    let sorted = queries::effective_sort(table, request.sort).is_some();
    let result = run_query(&state, "cannot read the rows", &sql).await?;
    let key_len = key_len(table);
    let has_more = result.len() > limit;
    let mut out = Vec::with_capacity(limit);
    for row in result.iter().take(limit) {
        let mut values = Vec::with_capacity(table.columns.len());
        let mut truncated = Vec::new();
        for i in 0..table.columns.len() {
            match text_at(row, i) {
                None => values.push(Value::Null),
                Some(text) => {
                    if text.chars().count() > SHOWN_CHARS {
                        truncated.push(i);
                        values.push(Value::String(text.chars().take(SHOWN_CHARS).collect()));
                    } else {
                        values.push(Value::String(text));
                    }
                }
            }
        }
        let key: Value = match RowKey::of(table) {
            RowKey::Primary(columns) => {
                let mut map = Map::new();
                for (i, c) in columns.iter().enumerate() {
                    map.insert(c.name.clone(), text_at(row, table.columns.len() + i).into());
                }
                Value::Object(map)
            }
            RowKey::Ctid => Value::Null,
        };
        out.push(json!({ "values": values, "truncated": truncated, "key": key }));
    }
    let next = if has_more {
        result
            .get(limit - 1)
            .map(|row| cursor_of(row, table, key_len, sorted))
    } else {
        None
    };
    Ok(Json(json!({
        "columns": table.columns.iter().map(|c| &c.name).collect::<Vec<_>>(),
        "rows": out,
        "next": next,
    })))
}

/// The current view (filters and sort applied) as CSV, streamed a keyset page at a time,
/// so that a large table is never held in memory.
async fn export(
    State(state): State<Arc<AppState>>,
    Path((schema_name, table_name)): Path<(String, String)>,
    Query(query): Query<ViewQuery>,
) -> ApiResult<Response> {
    const CHUNK: usize = 1000;
    let (schema, name) = find_table(&state, &schema_name, &table_name).await?;
    // Check the request before the response starts, so a bad one gets a JSON error.
    {
        let table = &schema.tables[&name];
        queries::page(&page_request(table, &query, CHUNK, true)?)?;
    }
    let header_line = {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(schema.tables[&name].columns.iter().map(|c| c.name.as_str()));
        w.into_inner().unwrap_or_default()
    };
    struct Progress {
        state: Arc<AppState>,
        schema: Arc<Schema>,
        name: QualifiedName,
        query: ViewQuery,
        after: Option<Option<Cursor>>,
        header: Option<Vec<u8>>,
    }
    let start = Progress {
        state,
        schema,
        name,
        query,
        after: Some(None),
        header: Some(header_line),
    };
    let stream = futures_util::stream::unfold(start, |mut p| async move {
        if let Some(header) = p.header.take() {
            return Some((Ok::<_, std::io::Error>(header), p));
        }
        let after = p.after.take()?;
        let table = &p.schema.tables[&p.name];
        let mut request = match page_request(table, &p.query, CHUNK, true) {
            Ok(r) => r,
            Err(e) => return Some((Err(std::io::Error::other(e.message)), p)),
        };
        request.after = after;
        let sorted = queries::effective_sort(table, request.sort).is_some();
        let sql = match queries::page(&request) {
            Ok(sql) => sql,
            Err(e) => return Some((Err(std::io::Error::other(e.to_string())), p)),
        };
        let result = match run_query(&p.state, "cannot read the rows", &sql).await {
            Ok(rows) => rows,
            Err(e) => return Some((Err(std::io::Error::other(e.message)), p)),
        };
        let mut w = csv::Writer::from_writer(Vec::new());
        for row in result.iter().take(CHUNK) {
            let record: Vec<String> = (0..table.columns.len())
                .map(|i| text_at(row, i).unwrap_or_default())
                .collect();
            if let Err(e) = w.write_record(&record) {
                return Some((Err(std::io::Error::other(e)), p));
            }
        }
        if result.len() > CHUNK {
            p.after = Some(Some(cursor_of(
                &result[CHUNK - 1],
                table,
                key_len(table),
                sorted,
            )));
        }
        match w.into_inner() {
            Ok(bytes) => Some((Ok(bytes), p)),
            Err(e) => Some((Err(std::io::Error::other(e.to_string())), p)),
        }
    });
    let file = format!(
        "attachment; filename=\"{}.csv\"",
        table_name.replace(['"', '\\', '\r', '\n'], "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, file),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------
// GET /api/tables/{schema}/{table}/row?key={"id": "..."}

#[derive(Debug, Deserialize)]
struct RowQuery {
    key: String,
}

fn key_pairs(value: &Map<String, Value>, table: &Table) -> ApiResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (name, v) in value {
        column(table, name)?;
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => {
                return Err(bad_request(format!(
                    "key column {name}: expected a text value"
                )));
            }
        };
        out.push((name.clone(), text));
    }
    Ok(out)
}

fn row_object(table: &Table, row: &tokio_postgres::Row) -> Value {
    let mut map = Map::new();
    for (i, c) in table.columns.iter().enumerate() {
        map.insert(c.name.clone(), text_at(row, i).into());
    }
    Value::Object(map)
}

async fn one_row(
    State(state): State<Arc<AppState>>,
    Path((schema_name, table_name)): Path<(String, String)>,
    Query(query): Query<RowQuery>,
) -> ApiResult<Json<Value>> {
    let (schema, name) = find_table(&state, &schema_name, &table_name).await?;
    let table = &schema.tables[&name];
    let key: Map<String, Value> =
        serde_json::from_str(&query.key).map_err(|e| bad_request(format!("bad key: {e}")))?;
    let sql = queries::row(table, &key_pairs(&key, table)?)?;
    let found = run_query(&state, "cannot read the row", &sql).await?;
    let Some(row) = found.first() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no such row (it may have been deleted)",
        ));
    };
    let values = row_object(table, row);
    let mut referenced_by = Vec::new();
    for (from, fk) in referencing(&schema, &name) {
        let mut matches = Vec::new();
        for (col, referenced) in fk.columns.iter().zip(&fk.referenced_columns) {
            let (Some(c), Some(Value::String(v))) = (from.column(col), values.get(referenced))
            else {
                continue;
            };
            matches.push((c, v.clone()));
        }
        if matches.len() != fk.columns.len() {
            continue;
        }
        let count = run_query(
            &state,
            "cannot count referencing rows",
            &queries::count_matching(from, &matches, 1001),
        )
        .await?;
        let n: i64 = count.first().map(|r| r.get(0)).unwrap_or(0);
        referenced_by.push(json!({
            "schema": from.name.schema,
            "table": from.name.name,
            "columns": fk.columns,
            "values": matches.iter().map(|(_, v)| v).collect::<Vec<_>>(),
            "count": n.min(1000),
            "more": n > 1000,
        }));
    }
    Ok(Json(
        json!({ "row": values, "referenced_by": referenced_by }),
    ))
}

// ---------------------------------------------------------------------------------------
// Writes: POST (insert), PATCH (update), DELETE .../rows

/// `{"col": "text"}` or `{"col": null}` (SQL NULL) for each named column.
fn value_pairs<'a>(
    table: &'a Table,
    values: &Map<String, Value>,
) -> ApiResult<Vec<(&'a Column, Option<String>)>> {
    let mut out = Vec::new();
    for (name, v) in values {
        let c = column(table, name)?;
        let text = match v {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            other => Some(other.to_string()),
        };
        out.push((c, text));
    }
    Ok(out)
}

#[derive(Debug, Deserialize)]
struct InsertBody {
    #[serde(default)]
    values: Map<String, Value>,
}

#[derive(Debug, Deserialize)]
struct UpdateBody {
    key: Map<String, Value>,
    #[serde(default)]
    seen: Map<String, Value>,
    set: Map<String, Value>,
}

#[derive(Debug, Deserialize)]
struct DeleteBody {
    key: Map<String, Value>,
    #[serde(default)]
    seen: Map<String, Value>,
}

/// Runs one write in its own transaction (read-only when the studio is, so that
/// PostgreSQL itself refuses it) and returns the rows it returned.
async fn write(state: &AppState, what: &str, sql: &Sql) -> ApiResult<Vec<tokio_postgres::Row>> {
    let mut client = state
        .session()
        .await
        .map_err(|e| ApiError::studio(state, e))?;
    let tx = client
        .transaction()
        .await
        .map_err(|e| ApiError::database(state, what, e))?;
    if state.read_only {
        tx.batch_execute("SET TRANSACTION READ ONLY")
            .await
            .map_err(|e| ApiError::database(state, what, e))?;
    }
    let rows = tx
        .query_typed(&sql.text, &sql.typed_params())
        .await
        .map_err(|e| ApiError::database(state, what, e))?;
    tx.commit()
        .await
        .map_err(|e| ApiError::database(state, what, e))?;
    Ok(rows)
}

fn shown(sql: &Sql) -> Value {
    json!({ "text": sql.text, "params": sql.params })
}

/// When a guarded write touched nothing: the row changed or went away meanwhile.
async fn stale(state: &AppState, table: &Table, key: &[(String, String)]) -> ApiError {
    let exists = match queries::row(table, key) {
        Ok(lookup) => run_query(state, "cannot read the row", &lookup)
            .await
            .map(|rows| !rows.is_empty())
            .unwrap_or(true),
        Err(_) => true,
    };
    let message = if exists {
        "refused: the row changed since you loaded it; nothing was written (reload it to see the current values)"
    } else {
        "refused: the row no longer exists; nothing was written"
    };
    ApiError::new(StatusCode::CONFLICT, message)
}

async fn insert(
    State(state): State<Arc<AppState>>,
    Path((schema_name, table_name)): Path<(String, String)>,
    Json(body): Json<InsertBody>,
) -> ApiResult<Json<Value>> {
    let (schema, name) = find_table(&state, &schema_name, &table_name).await?;
    let table = &schema.tables[&name];
    queries::primary_key(table)?;
    let sql = queries::insert(table, &value_pairs(table, &body.values)?);
    let rows = write(&state, "insert refused", &sql).await?;
    let row = rows.first().map(|r| row_object(table, r));
    Ok(Json(json!({ "sql": shown(&sql), "row": row })))
}

async fn update(
    State(state): State<Arc<AppState>>,
    Path((schema_name, table_name)): Path<(String, String)>,
    Json(body): Json<UpdateBody>,
) -> ApiResult<Json<Value>> {
    let (schema, name) = find_table(&state, &schema_name, &table_name).await?;
    let table = &schema.tables[&name];
    let key = key_pairs(&body.key, table)?;
    let sql = queries::update(
        table,
        &key,
        &value_pairs(table, &body.seen)?,
        &value_pairs(table, &body.set)?,
    )?;
    let rows = write(&state, "update refused", &sql).await?;
    match rows.first() {
        Some(row) => Ok(Json(
            json!({ "sql": shown(&sql), "row": row_object(table, row) }),
        )),
        None => Err(stale(&state, table, &key).await),
    }
}

async fn delete(
    State(state): State<Arc<AppState>>,
    Path((schema_name, table_name)): Path<(String, String)>,
    Json(body): Json<DeleteBody>,
) -> ApiResult<Json<Value>> {
    let (schema, name) = find_table(&state, &schema_name, &table_name).await?;
    let table = &schema.tables[&name];
    let key = key_pairs(&body.key, table)?;
    let sql = queries::delete(table, &key, &value_pairs(table, &body.seen)?)?;
    let rows = write(&state, "delete refused", &sql).await?;
    match rows.first() {
        Some(row) => Ok(Json(
            json!({ "sql": shown(&sql), "row": row_object(table, row) }),
        )),
        None => Err(stale(&state, table, &key).await),
    }
}
