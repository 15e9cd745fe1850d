//! Schemas.

use tokio_postgres::Row;

/// Requested schemas that exist.
pub(super) const QUERY: &str = "
SELECT n.nspname::text
FROM pg_catalog.pg_namespace n
WHERE n.nspname = ANY($1::text[])";

pub(super) fn existing_schemas(requested: &[String], rows: &[Row]) -> Vec<String> {
    let existing: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    let mut out: Vec<String> = Vec::new();
    for name in requested {
        if existing.contains(name) && !out.contains(name) {
            out.push(name.clone());
        }
    }
    out
}
