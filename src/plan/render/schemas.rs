//! SQL text for schemas.

use crate::diff::Change;
use crate::sql::quote::ident;

/// The statements of a schema change (as dispatched by [`super::statements`]).
pub(super) fn statements(change: &Change) -> Vec<String> {
    match change {
        Change::CreateSchema(schema) => vec![format!("CREATE SCHEMA {}", ident(schema))],
        Change::DropSchema(schema) => vec![format!("DROP SCHEMA {}", ident(schema))],
        other => unreachable!("not a schema change: {other:?}"),
    }
}
