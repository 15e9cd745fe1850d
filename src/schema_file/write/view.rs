//! `[views.NAME]` and `[materialized_views.NAME]`.

use std::fmt::Write as _;

use super::{index, key, toml_string};
use crate::model::{Column, Schema, Table, ViewKind};
use crate::schema_file::path;

/// `[views.NAME]` and `[materialized_views.NAME]`, each with only the keys that differ
/// from their defaults.
pub(super) fn write_views(out: &mut String, schema: &Schema) {
    for v in schema.views.values() {
        let section = match v.kind {
            ViewKind::View => "views",
            ViewKind::Materialized => "materialized_views",
        };
        let header = format!("{section}.{}", key(&path::qualified(&v.name)));
        let _ = writeln!(out, "[{header}]");
        let _ = writeln!(out, "query = {}", query_string(&v.query));
        if v.kind == ViewKind::View {
            if v.security_invoker {
                out.push_str("security_invoker = true\n");
            }
            if v.security_barrier {
                out.push_str("security_barrier = true\n");
            }
            if let Some(c) = v.check_option {
                let _ = writeln!(out, "check_option = {}", toml_string(c.name()));
            }
        } else if !v.with_data {
            out.push_str("with_data = false\n");
        }
        if let Some(c) = &v.comment {
            let _ = writeln!(out, "comment = {}", toml_string(c));
        }
        if let Some(r) = &v.renamed_from {
            let _ = writeln!(out, "renamed_from = {}", toml_string(r));
        }
        out.push('\n');
        if !v.indexes.is_empty() {
            let mut t = Table::new(v.name.clone());
            t.columns = v.columns.iter().map(|(n, ty)| Column::new(n, ty)).collect();
            t.indexes = v.indexes.clone();
            index::write_indexes(out, &header, &t);
        }
        super::trigger::write_triggers(out, &header, &v.triggers);
    }
}

/// A query as a multi-line literal string, readable as `pg_get_viewdef` lays it out,
/// where TOML can hold it verbatim; else as a basic string.
fn query_string(q: &str) -> String {
    let literal_ok = !q.contains("'''")
        && !q.ends_with('\'')
        && !q.starts_with('\n')
        && q.chars().all(|c| c == '\n' || c == '\t' || !c.is_control());
    if literal_ok && q.contains('\n') {
        format!("'''\n{q}'''")
    } else {
        toml_string(q)
    }
}
