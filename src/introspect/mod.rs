//! Reads the live catalog into the model.
//!
//! Architecture invariant: a fixed number of set-based catalog queries, whatever the
//! number of tables (drizzle-kit sends six per table).

use tokio_postgres::GenericClient;

use crate::model::Schema;

#[derive(Debug, thiserror::Error)]
#[error("cannot read the database catalog: {0}")]
pub struct IntrospectError(#[from] pub tokio_postgres::Error);

/// Reads every object brain-db manages in the given schemas.
pub async fn introspect(
    client: &impl GenericClient,
    schemas: &[String],
) -> Result<Schema, IntrospectError> {
    let _ = (client, schemas);
    todo!("introspect")
}

/// The user schemas of the database (everything but `pg_*`, `information_schema` and
/// schemas created by extensions), sorted.
pub async fn user_schemas(client: &impl GenericClient) -> Result<Vec<String>, IntrospectError> {
    let _ = client;
    todo!("user_schemas")
}
