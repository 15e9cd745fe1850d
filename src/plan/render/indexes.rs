//! SQL text for indexes.

use super::{column_list, name};
use crate::diff::Change;
use crate::model::{Index, QualifiedName};
use crate::sql::quote::{ident, literal, qualified};

/// The statements of a indexe change (as dispatched by [`super::statements`]).
pub(super) fn statements(change: &Change) -> Vec<String> {
    match change {
        Change::RenameIndex { index, to } => vec![format!(
            "ALTER INDEX {} RENAME TO {}",
            name(index),
            ident(to)
        )],
        Change::CreateIndex { table, index } => vec![create_index(table, index)],
        Change::DropIndex { table, index } => {
            vec![format!(
                "DROP INDEX {}",
                qualified(&table.schema, &index.name)
            )]
        }
        other => unreachable!("not a indexe change: {other:?}"),
    }
}

pub(super) fn create_index(table: &QualifiedName, i: &Index) -> String {
    let mut out = format!(
        "CREATE {}INDEX {} ON {} USING {} ({})",
        if i.unique { "UNIQUE " } else { "" },
        ident(&i.name),
        name(table),
        ident(&i.method),
        i.keys.join(", ")
    );
    if !i.include.is_empty() {
        out.push_str(&format!(" INCLUDE ({})", column_list(&i.include)));
    }
    if i.nulls_not_distinct {
        out.push_str(" NULLS NOT DISTINCT");
    }
    if !i.storage.is_empty() {
        let params: Vec<String> = i
            .storage
            .iter()
            .map(|p| {
                let (name, value) = p.split_once('=').unwrap_or((p, ""));
                format!("{}={}", ident(name), literal(value))
            })
            .collect();
        out.push_str(&format!(" WITH ({})", params.join(", ")));
    }
    if let Some(p) = &i.predicate {
        out.push_str(&format!(" WHERE {p}"));
    }
    out
}
