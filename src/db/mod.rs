//! Where the database is and how to reach it: URL resolution and redaction.
//! (Temporary minimal version; replaced by the infra branch.)

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to {url}: {message}")]
    Connect { url: String, message: String },
}

pub struct ResolvedUrl {
    pub url: String,
}

pub fn resolve_database_url(flag: Option<&str>, _cwd: &Path) -> Result<Option<ResolvedUrl>, DbError> {
    Ok(flag.map(|u| ResolvedUrl { url: u.to_string() }).or_else(|| std::env::var("DATABASE_URL").ok().map(|url| ResolvedUrl { url })))
}

pub fn redact(url: &str) -> String {
    url.to_string()
}

pub async fn connect(url: &str) -> Result<tokio_postgres::Client, DbError> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|e| DbError::Connect { url: redact(url), message: e.to_string() })?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
        .batch_execute("SET search_path = public")
        .await
        .map_err(|e| DbError::Connect { url: redact(url), message: e.to_string() })?;
    Ok(client)
}
