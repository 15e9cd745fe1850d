//! Every failure a route can answer with, as one JSON shape:
//! `{"error": "<what went wrong>", "field": "<the input at fault>" | null}` (plus
//! `"status"` for 503, the database's state).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use brain_db::startup::{DatabaseUnavailable, Status};

#[derive(Debug)]
pub enum ApiError {
    /// 400: the request is wrong; `field` names the input at fault (a JSON key, a query
    /// parameter or a path segment), `None` when it is the body as a whole.
    Invalid {
        field: Option<String>,
        message: String,
    },
    /// 404: no such row (or no such route).
    NotFound(String),
    /// 405 on a known path.
    MethodNotAllowed,
    /// 409: the value is taken (a unique key).
    Conflict { field: String, message: String },
    /// 415: a body that is not declared as JSON.
    UnsupportedMediaType,
    /// The framework refused the request before the route (a body over the size limit).
    Rejected(StatusCode, String),
    /// 503: the route guard refused, or the database went away during the request.
    Unavailable(DatabaseUnavailable),
    /// 500: anything else. The details go to the log, not to the client.
    Internal,
}

impl ApiError {
    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::Invalid {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    pub fn body(message: impl Into<String>) -> ApiError {
        ApiError::Invalid {
            field: None,
            message: message.into(),
        }
    }

    /// The pool could not hand out a session: the database is unavailable now, whatever
    /// the start-up state said.
    pub fn pool(error: deadpool_postgres::PoolError) -> ApiError {
        let reason = match &error {
            deadpool_postgres::PoolError::Backend(e) => brain_db::db::error::describe(e),
            other => other.to_string(),
        };
        ApiError::Unavailable(DatabaseUnavailable {
            status: Status::Unreachable,
            reason: Some(reason),
        })
    }

    /// A failed statement: the session's loss (no SQLSTATE, class 08, a server shutting
    /// down or full) is 503; anything else is a bug of this app, logged and answered 500.
    pub fn query(error: tokio_postgres::Error) -> ApiError {
        let unavailable = match error.code() {
            None => {
                error.is_closed()
                    || std::error::Error::source(&error)
                        .is_some_and(|s| s.downcast_ref::<std::io::Error>().is_some())
            }
            Some(code) => {
                let code = code.code();
                code.starts_with("08")
                    || code.starts_with("57P")
                    || code == "53300"
                    || code == "3D000"
            }
        };
        let reason = brain_db::db::error::describe(&error);
        if unavailable {
            ApiError::Unavailable(DatabaseUnavailable {
                status: Status::Unreachable,
                reason: Some(reason),
            })
        } else {
            log::error!("a statement failed: {reason}");
            ApiError::Internal
        }
    }
}

impl From<DatabaseUnavailable> for ApiError {
    fn from(e: DatabaseUnavailable) -> ApiError {
        ApiError::Unavailable(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, body) = match self {
            ApiError::Invalid { field, message } => (
                StatusCode::BAD_REQUEST,
                serde_json::json!({ "error": message, "field": field }),
            ),
            ApiError::NotFound(message) => (
                StatusCode::NOT_FOUND,
                serde_json::json!({ "error": message, "field": null }),
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                serde_json::json!({ "error": "method not allowed on this path", "field": null }),
            ),
            ApiError::Conflict { field, message } => (
                StatusCode::CONFLICT,
                serde_json::json!({ "error": message, "field": field }),
            ),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                serde_json::json!({
                    "error": "the body must be JSON (content-type: application/json)",
                    "field": null,
                }),
            ),
            ApiError::Rejected(code, message) => {
                (code, serde_json::json!({ "error": message, "field": null }))
            }
            ApiError::Unavailable(e) => (
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({ "error": e.to_string(), "field": null, "status": e.status }),
            ),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                serde_json::json!({ "error": "internal error (see the app's log)", "field": null }),
            ),
        };
        (code, Json(body)).into_response()
    }
}
