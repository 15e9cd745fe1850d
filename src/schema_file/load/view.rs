//! `[views.NAME]` and `[materialized_views.NAME]`.

use super::ctx::{Ctx, find};
use super::index::load_index;
use super::renames::{check_renames, rename_hints};
use super::trigger::{PendingTriggerFunction, load_triggers};
use super::{Seen, qualified_key};
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
    "triggers",
];
pub(super) const MATERIALIZED_VIEW_KEYS: &[&str] =
    &["query", "with_data", "indexes", "comment", "renamed_from"];

/// Loads both tables of the top level into `schema.views` (their triggers' functions
/// into `trigger_functions`, checked once every function is known).
pub(super) fn load_views(
    ctx: &mut Ctx<'_>,
    top: &[Entry],
    schema: &mut Schema,
    seen: &mut Seen,
    trigger_functions: &mut Vec<PendingTriggerFunction>,
) {
    for (key, kind) in [
        ("views", ViewKind::View),
        ("materialized_views", ViewKind::Materialized),
    ] {
        let Some(e) = find(top, key) else { continue };
        let Some(entries) = ctx.table(&e.node, &format!("[{key}]")) else {
            continue;
        };
        for e in entries {
            let Some(v) = load_view(ctx, e, kind, trigger_functions) else {
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

fn load_view(
    ctx: &mut Ctx<'_>,
    e: &Entry,
    kind: ViewKind,
    trigger_functions: &mut Vec<PendingTriggerFunction>,
) -> Option<View> {
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
    if let Some(t) = find(entries, "triggers") {
        v.triggers = load_triggers(ctx, &name, None, &t.node, trigger_functions);
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

#[cfg(test)]
mod tests {
    use crate::model::trigger::Timing;
    use crate::model::{CheckOption, QualifiedName, ViewKind};
    use crate::schema_file::{parse, write};

    const FILE: &str = r#"
schemas = ["Odd \"Schema\""]

[tables.t.columns]
id = "integer"

[views.v]
query = "select id from t;"
security_invoker = true
security_barrier = true
check_option = "cascaded"
comment = "it's"

[views.v.triggers.v_insert]
timing = "instead of"
events = ["insert", "update"]
function = "v_write"
args = ["a"]

[views.v.triggers.v_audit]
timing = "after"
events = ["delete"]
for_each = "statement"
function = "v_write"

[functions.v_write]
returns = "trigger"
language = "plpgsql"
body = "begin return new; end"

[views.'"Odd ""Schema""".w x']
query = """
SELECT v.id
   FROM v -- why
"""

[materialized_views.m]
query = "select id, id * 2 as twice from t"
with_data = false
comment = "m"

[materialized_views.m.indexes]
m_id = { columns = ["id"], unique = true }
m_expr = { columns = ["(twice + 1)"], where = "id > 0" }
"#;

    #[test]
    fn views_load_and_round_trip_through_write() {
        let s = parse(FILE, "schema.toml").expect("valid");
        let v = &s.views[&QualifiedName::public("v")];
        assert_eq!(v.kind, ViewKind::View);
        assert_eq!(v.query, "select id from t");
        assert!(v.security_invoker && v.security_barrier);
        assert_eq!(v.check_option, Some(CheckOption::Cascaded));
        let triggers: Vec<(&str, Timing, bool)> = (v.triggers.iter())
            .map(|t| (t.name.as_str(), t.timing, t.for_each_row))
            .collect();
        assert_eq!(
            triggers,
            [
                ("v_audit", Timing::After, false),
                ("v_insert", Timing::InsteadOf, true)
            ]
        );
        let w = &s.views[&QualifiedName::new("Odd \"Schema\"", "w x")];
        assert_eq!(w.query, "SELECT v.id\n   FROM v -- why");
        let m = &s.views[&QualifiedName::public("m")];
        assert_eq!(m.kind, ViewKind::Materialized);
        assert!(!m.with_data);
        assert_eq!(m.indexes.len(), 2);
        let again = parse(&write(&s), "pulled.toml").expect("pulled file loads");
        assert_eq!(again, s, "{}", write(&s));
    }

    #[test]
    fn bad_views_are_reported_where_they_are_written() {
        let cases = [
            (
                "[views.v]\nquery = \"select 1; drop table t\"\n",
                "2:18",
                "`;` in query: a view's query is exactly one statement",
            ),
            (
                "[views.v]\nquery = \"update t set x = 1\"\n",
                "2:10",
                "must be a query",
            ),
            ("[views.v]\ncomment = \"x\"\n", "1:8", "has no `query`"),
            (
                "[views.v]\nquery = \"select 1\"\ncheck_option = \"both\"\n",
                "3:16",
                "unknown check_option",
            ),
            (
                "[views.v]\nquery = \"select 1\"\nwith_data = false\n",
                "3:1",
                "unknown key `with_data`",
            ),
            (
                "[tables.v.columns]\nid = \"integer\"\n[views.v]\nquery = \"select 1\"\n",
                "3:8",
                "same name as table",
            ),
            (
                "[materialized_views.m]\nquery = \"select 1\"\nsecurity_barrier = true\n",
                "3:1",
                "unknown key",
            ),
        ];
        for (text, at, needle) in cases {
            let e = parse(text, "schema.toml").expect_err(text).to_string();
            assert!(e.contains(&format!("schema.toml:{at}:")), "{text}: {e}");
            assert!(e.contains(needle), "{text}: {e}");
        }
    }
}
