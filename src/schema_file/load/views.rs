//! `[views.NAME]` and `[materialized_views.NAME]`.

use super::{Ctx, Seen, check_renames, find, load_index, qualified_key, rename_hints};
use crate::model::{CheckOption, Column, Schema, View, ViewKind};
use crate::schema_file::tree::{Entry, Node, Val};
use crate::sql::fragment;

pub(super) const VIEW_KEYS: &[&str] = &[
    "query",
    "security_invoker",
    "security_barrier",
    "check_option",
    "comment",
    "renamed_from",
];
pub(super) const MATERIALIZED_VIEW_KEYS: &[&str] =
    &["query", "with_data", "indexes", "comment", "renamed_from"];

/// Loads both tables of the top level into `schema.views`.
pub(super) fn load_views(ctx: &mut Ctx<'_>, top: &[Entry], schema: &mut Schema, seen: &mut Seen) {
    for (key, kind) in [
        ("views", ViewKind::View),
        ("materialized_views", ViewKind::Materialized),
    ] {
        let Some(e) = find(top, key) else { continue };
        let Some(entries) = ctx.table(&e.node, &format!("[{key}]")) else {
            continue;
        };
        for e in entries {
            let Some(v) = load_view(ctx, e, kind) else {
                continue;
            };
            if schema.views.contains_key(&v.name) || schema.tables.contains_key(&v.name) {
                let first = if schema.tables.contains_key(&v.name) {
                    "table"
                } else {
                    schema.views[&v.name].kind.noun()
                };
                ctx.error(
                    &e.key_span,
                    format!("{} {} has the same name as {first} {}", kind.noun(), v.name, v.name),
                    Some("tables, views and materialized views share one namespace per schema; rename one".into()),
                );
                continue;
            }
            seen.relation(
                ctx,
                &v.name.schema,
                &v.name.name,
                format!("{} {}", kind.noun(), v.name),
                &e.key_span,
            );
            schema.views.insert(v.name.clone(), v);
        }
        if let Val::Table(entries) = &e.node.val {
            let declared = schema
                .views
                .values()
                .filter(|v| v.kind == kind)
                .map(|v| v.name.clone())
                .collect();
            check_renames(ctx, kind.noun(), &declared, rename_hints(entries));
        }
    }
}

fn load_view(ctx: &mut Ctx<'_>, e: &Entry, kind: ViewKind) -> Option<View> {
    let name = qualified_key(ctx, e, kind.noun())?;
    let what = format!("{} {name}", kind.noun());
    let entries = ctx.table(&e.node, &what)?;
    let keys = match kind {
        ViewKind::View => VIEW_KEYS,
        ViewKind::Materialized => MATERIALIZED_VIEW_KEYS,
    };
    ctx.check_keys(entries, keys, &what);
    let Some(q) = find(entries, "query") else {
        ctx.error(
            &e.key_span,
            format!("{what} has no `query`"),
            Some("write query = \"select ...\"".into()),
        );
        return None;
    };
    let query = query(ctx, &q.node)?;
    let mut v = View::new(name.clone(), kind, query);
    let flag =
        |ctx: &mut Ctx<'_>, key: &str| find(entries, key).and_then(|x| ctx.boolean(&x.node, key));
    v.security_invoker = flag(ctx, "security_invoker").unwrap_or(false);
    v.security_barrier = flag(ctx, "security_barrier").unwrap_or(false);
    v.with_data = flag(ctx, "with_data").unwrap_or(true);
    if let Some(c) = find(entries, "check_option")
        && let Some(s) = ctx.string(&c.node, "check_option")
    {
        match CheckOption::from_name(&s) {
            Some(option) => v.check_option = Some(option),
            None => ctx.error(
                &c.node.span,
                format!("unknown check_option {s:?}"),
                Some("use \"local\" or \"cascaded\"".into()),
            ),
        }
    }
    if let Some(c) = find(entries, "comment") {
        v.comment = ctx.string(&c.node, "comment");
    }
    if let Some(r) = find(entries, "renamed_from") {
        v.renamed_from = ctx.string(&r.node, "renamed_from");
    }
    if let Some(ix) = find(entries, "indexes")
        && let Some(list) = ctx.table(&ix.node, &format!("indexes of {what}"))
    {
        for ie in list {
            let columns = index_columns(ie);
            if let Some(index) = load_index(ctx, ie, &columns) {
                if v.indexes.iter().any(|i| i.name == index.name) {
                    ctx.error(
                        &ie.key_span,
                        format!("index {} is declared twice", index.name),
                        None,
                    );
                } else {
                    v.indexes.push(index);
                }
            }
        }
        v.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Some(v)
}

/// A materialized view's columns are known only to the server: every plain name an
/// index lists counts as a column, so that `columns = ["status"]` reads as the column.
fn index_columns(e: &Entry) -> Vec<Column> {
    let mut out = Vec::new();
    if let Val::Table(fields) = &e.node.val {
        for key in ["columns", "include"] {
            if let Some(x) = find(fields, key)
                && let Val::Array(items) = &x.node.val
            {
                for item in items {
                    if let Val::Str(s) = &item.val
                        && crate::sql::quote::parse_ident(s.trim()).is_some()
                    {
                        out.push(Column::new(s.trim(), "text"));
                    }
                }
            }
        }
    }
    out
}

/// The query: one SELECT / WITH / VALUES / TABLE statement, a final `;` allowed.
fn query(ctx: &mut Ctx<'_>, node: &Node) -> Option<String> {
    let raw = ctx.string(node, "query")?;
    let mut s = raw.trim();
    if let Some(stripped) = s.strip_suffix(';') {
        s = stripped.trim_end();
    }
    if s.is_empty() {
        ctx.error(&node.span, "query is empty", None);
        return None;
    }
    if s.contains('\0') {
        return None;
    }
    let checked = fragment::check_query(s, "query");
    ctx.fragment_result(node, &raw, s, checked)
        .then(|| s.to_string())
}
