//! A table's `indexes`.

use std::fmt::Write as _;

use super::{inline, key, string_array, toml_string};
use crate::model::Table;
use crate::sql::quote;

pub(super) fn write_indexes(out: &mut String, header: &str, t: &Table) {
    if !t.indexes.is_empty() {
        let _ = writeln!(out, "[{header}.indexes]");
        for idx in &t.indexes {
            let keys: Vec<String> = idx.keys.iter().map(|k| index_key(t, k)).collect();
            let mut f = vec![("columns", format!("[{}]", keys.join(", ")))];
            if idx.unique {
                f.push(("unique", "true".into()));
            }
            if idx.method != "btree" {
                f.push(("using", toml_string(&idx.method)));
            }
            if let Some(p) = &idx.predicate {
                f.push(("where", toml_string(p)));
            }
            if !idx.include.is_empty() {
                f.push(("include", string_array(&idx.include)));
            }
            if idx.nulls_not_distinct {
                f.push(("nulls_not_distinct", "true".into()));
            }
            if !idx.storage.is_empty() {
                let params: Vec<(String, String)> = idx
                    .storage
                    .iter()
                    .map(|p| {
                        let (name, value) = p.split_once('=').unwrap_or((p, ""));
                        (key(name), storage_value(value))
                    })
                    .collect();
                f.push(("with", inline(&params)));
            }
            if let Some(c) = &idx.comment {
                f.push(("comment", toml_string(c)));
            }
            let _ = writeln!(out, "{} = {}", key(&idx.name), inline(&f));
        }
        out.push('\n');
    }
}

/// An index key as the loader reads it back: a column name where the key is exactly that
/// column (quoted as PostgreSQL would), SQL text otherwise, `{ sql = ... }` where plain
/// text would be mistaken for a column.
pub(super) fn index_key(t: &Table, k: &str) -> String {
    if let Some(c) = t.columns.iter().find(|c| quote::ident(&c.name) == k) {
        return toml_string(&c.name);
    }
    let is_column_name = t.columns.iter().any(|c| c.name == k);
    let folded_unknown = quote::parse_ident(k.trim()).is_some_and(|f| t.column(&f).is_none());
    if is_column_name || folded_unknown || k.trim() != k || k.is_empty() {
        inline(&[("sql", toml_string(k))])
    } else {
        toml_string(k)
    }
}

/// A storage parameter's value as the file is likely to have it: `m = 16`, `fastupdate =
/// false`, a string otherwise. Bare only where the loader reads it back to the very same
/// text (`016` stays a string).
fn storage_value(value: &str) -> String {
    let same_int = value.parse::<i64>().is_ok_and(|n| n.to_string() == value);
    let same_float = value.contains('.')
        && value
            .parse::<f64>()
            .is_ok_and(|n| n.is_finite() && n.to_string() == value);
    if same_int || same_float || value == "true" || value == "false" {
        value.to_string()
    } else {
        toml_string(value)
    }
}
