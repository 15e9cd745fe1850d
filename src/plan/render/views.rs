//! SQL text for view and materialized-view changes.

use crate::diff::Change;
use crate::model::{View, ViewKind};
use crate::sql::quote::{ident, qualified};

/// The statements of a view change.
pub(super) fn statements(change: &Change) -> Vec<String> {
    let name = |q: &crate::model::QualifiedName| qualified(&q.schema, &q.name);
    match change {
        Change::RenameView { from, to, kind } => vec![format!(
            "ALTER {} {} RENAME TO {}",
            kind.sql(),
            name(from),
            ident(to)
        )],
        Change::CreateView { view, replace } => vec![create(view, *replace)],
        Change::DropView { name: n, kind, .. } => vec![format!("DROP {} {}", kind.sql(), name(n))],
        Change::SetViewOptions {
            name: n,
            set,
            reset,
        } => {
            let mut out = Vec::new();
            if !set.is_empty() {
                let items: Vec<String> = set.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                out.push(format!("ALTER VIEW {} SET ({})", name(n), items.join(", ")));
            }
            if !reset.is_empty() {
                out.push(format!(
                    "ALTER VIEW {} RESET ({})",
                    name(n),
                    reset.join(", ")
                ));
            }
            out
        }
        Change::RefreshMaterializedView { name: n, with_data } => vec![format!(
            "REFRESH MATERIALIZED VIEW {}{}",
            name(n),
            if *with_data { "" } else { " WITH NO DATA" }
        )],
        _ => unreachable!("not a view change: {change:?}"),
    }
}

/// The options a plain view is created with (`WITH (...)`); `CREATE OR REPLACE VIEW`
/// replaces the live ones with exactly these.
fn options(v: &View) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(c) = v.check_option {
        out.push(format!("check_option = {}", c.name()));
    }
    if v.security_barrier {
        out.push("security_barrier = true".to_string());
    }
    if v.security_invoker {
        out.push("security_invoker = true".to_string());
    }
    out
}

/// The query's text, with a line break after a final `--` comment (which would
/// otherwise swallow what follows it).
fn source(v: &View) -> String {
    let text = v.source();
    let last_line = text.rsplit('\n').next().unwrap_or(text);
    if last_line.contains("--") {
        format!("{text}\n")
    } else {
        text.to_string()
    }
}

/// The query goes on lines of its own: it is the schema file's SQL (checked to be one
/// query, never ending in a `--` comment) or `pg_get_viewdef`'s.
pub(crate) fn create(v: &View, replace: bool) -> String {
    let target = qualified(&v.name.schema, &v.name.name);
    match v.kind {
        ViewKind::View => {
            let opts = options(v);
            let with = if opts.is_empty() {
                String::new()
            } else {
                format!(" WITH ({})", opts.join(", "))
            };
            let or_replace = if replace { "OR REPLACE " } else { "" };
            format!("CREATE {or_replace}VIEW {target}{with} AS\n{}", source(v))
        }
        ViewKind::Materialized => format!(
            "CREATE MATERIALIZED VIEW {target} AS\n{}\nWITH {}DATA",
            source(v).trim_end(),
            if v.with_data { "" } else { "NO " }
        ),
    }
}
