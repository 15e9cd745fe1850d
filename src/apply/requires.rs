//! Declarations that need a newer server than the one connected: refused before the
//! plan, with the server's major, rather than left to a syntax error half-way.

use tokio_postgres::GenericClient;

use crate::db::server_version;
use crate::introspect::IntrospectError;
use crate::model::Schema;

/// A declaration the server's major cannot hold.
#[derive(Debug, thiserror::Error)]
#[error(
    "virtual generated columns (`virtual = true`) need PostgreSQL 18 or later, and the server \
     is PostgreSQL {server_major}: {}\n  hint: remove `virtual = true` (the column is then \
     STORED) or use a PostgreSQL 18 server",
    columns.join(", ")
)]
pub struct NeedsNewerServer {
    pub server_major: u32,
    /// `table.column` of each virtual column (schema-qualified outside `public`).
    pub columns: Vec<String>,
}

/// The declared virtual generated columns, as `table.column`.
pub fn virtual_columns(desired: &Schema) -> Vec<String> {
    desired
        .tables
        .values()
        .flat_map(|t| {
            t.columns
                .iter()
                .filter(|c| c.generated.is_some() && c.virtual_generated)
                .map(move |c| format!("{}.{}", t.name, c.name))
        })
        .collect()
}

/// Fails when `desired` declares virtual generated columns and the server is older
/// than 18. Asks the server only when there are some.
pub async fn check(client: &impl GenericClient, desired: &Schema) -> Result<(), RequiresError> {
    let columns = virtual_columns(desired);
    if columns.is_empty() {
        return Ok(());
    }
    let num = server_version::version_num(client)
        .await
        .map_err(|e| IntrospectError::query("the server version", e))?;
    let server_major = server_version::major(num);
    if server_major < 18 {
        return Err(NeedsNewerServer {
            server_major,
            columns,
        }
        .into());
    }
    Ok(())
}

/// Why [`check`] failed.
#[derive(Debug, thiserror::Error)]
pub enum RequiresError {
    #[error(transparent)]
    Introspect(#[from] IntrospectError),
    #[error(transparent)]
    NeedsNewerServer(#[from] NeedsNewerServer),
}
