//! The one description of a server (or driver) error, used by every message that shows
//! one: the server's message with its detail and hint, or the driver's error with its
//! causes (the driver's own `Display` stops at "db error" or "error connecting to
//! server"). Code that must react to an error branches on its SQLSTATE, never
//! on this text (`e.code()`, `tokio_postgres::error::SqlState`).

/// The server's message with its detail and hint (each on its own indented line), or
/// the driver's error followed by its causes.
pub fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut out = db.message().to_string();
        if let Some(detail) = db.detail() {
            out.push_str(&format!("\n  detail: {detail}"));
        }
        if let Some(hint) = db.hint() {
            out.push_str(&format!("\n  hint: {hint}"));
        }
        return out;
    }
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(&format!(": {text}"));
        }
        source = cause.source();
    }
    out
}

/// Whether the error means the session is gone (the server closed it, or the socket
/// broke), as opposed to a statement the server rejected.
pub fn is_connection_lost(e: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::SqlState;
    if e.is_closed() {
        return true;
    }
    match e.code() {
        // Class 08 (connection exception) and the server ending the session.
        Some(code) => {
            code.code().starts_with("08")
                || matches!(
                    *code,
                    SqlState::ADMIN_SHUTDOWN
                        | SqlState::CRASH_SHUTDOWN
                        | SqlState::CANNOT_CONNECT_NOW
                        | SqlState::IDLE_SESSION_TIMEOUT
                )
        }
        None => e.as_db_error().is_none(),
    }
}
