//! A table's `indexes`.

use super::Seen;
use super::column::{column_list, unknown_column};
use super::ctx::{Ctx, find};
use crate::model::{Column, Index, QualifiedName, Table};
use crate::schema_file::tree::{Entry, Node, Val};
use crate::sql::index_key::{self, KeyParts, Nulls, Target};
use crate::sql::{fragment, quote};

pub(super) const INDEX_KEYS: &[&str] = &[
    "columns",
    "unique",
    "using",
    "where",
    "include",
    "nulls_not_distinct",
    "with",
    "comment",
];

pub(super) fn load_indexes(
    ctx: &mut Ctx<'_>,
    name: &QualifiedName,
    entries: &[Entry],
    table: &mut Table,
    seen: &mut Seen,
) {
    if let Some(e) = find(entries, "indexes")
        && let Some(indexes) = ctx.table(&e.node, "indexes")
    {
        for i in indexes {
            if !ctx.name_ok(&i.key, &i.key_span, "index") {
                continue;
            }
            if let Some(idx) = load_index(ctx, i, &table.columns) {
                seen.relation(
                    ctx,
                    &name.schema,
                    &idx.name,
                    format!("index {:?}", idx.name),
                    &i.key_span,
                );
                table.indexes.push(idx);
            }
        }
    }
}

pub(super) fn load_index(ctx: &mut Ctx<'_>, e: &Entry, columns: &[Column]) -> Option<Index> {
    let entries = match &e.node.val {
        Val::Table(entries) => entries,
        other => {
            ctx.error(
                &e.node.span,
                format!("index {:?} must be a table, found {}", e.key, other.kind()),
                Some("write name = { columns = [\"col\"] }".into()),
            );
            return None;
        }
    };
    ctx.check_keys(entries, INDEX_KEYS, &format!("index {:?}", e.key));
    let Some(cols) = find(entries, "columns") else {
        ctx.error(
            &e.key_span,
            format!("index {:?} has no `columns`", e.key),
            None,
        );
        return None;
    };
    let Val::Array(items) = &cols.node.val else {
        ctx.error(&cols.node.span, "index columns must be an array", None);
        return None;
    };
    if items.is_empty() {
        ctx.error(&cols.node.span, "index columns are empty", None);
    }
    let mut keys = Vec::new();
    for item in items {
        match &item.val {
            Val::Str(s) if columns.iter().any(|c| &c.name == s) => keys.push(quote::ident(s)),
            Val::Str(s) => {
                let s = s.trim();
                if let Some(folded) = quote::parse_ident(s)
                    && columns.iter().all(|c| c.name != folded)
                {
                    unknown_column(ctx, &item.span, s, columns);
                    continue;
                }
                if s.is_empty() {
                    ctx.error(&item.span, "empty index key", None);
                }
                let raw = match &item.val {
                    Val::Str(raw) => raw.as_str(),
                    _ => s,
                };
                let checked = fragment::check(s, "an index key");
                if !s.contains('\0') && !ctx.fragment_result(item, raw, s, checked) {
                    continue;
                }
                keys.push(s.to_string());
            }
            Val::Table(t) => keys.extend(table_key(ctx, item, t, columns)),
            other => ctx.error(
                &item.span,
                format!(
                    "an index key must be a column name or SQL text, found {}",
                    other.kind()
                ),
                None,
            ),
        }
    }
    let include = match find(entries, "include") {
        Some(x) => column_list(ctx, &x.node, columns, "include")?,
        None => Vec::new(),
    };
    let boolean = |ctx: &mut Ctx<'_>, k: &str| {
        find(entries, k)
            .and_then(|x| ctx.boolean(&x.node, k))
            .unwrap_or(false)
    };
    let unique = boolean(ctx, "unique");
    let nulls_not_distinct = boolean(ctx, "nulls_not_distinct");
    let method = match find(entries, "using") {
        Some(x) => ctx
            .string(&x.node, "using")
            .map(|s| s.trim().to_ascii_lowercase())
            .unwrap_or_default(),
        None => "btree".to_string(),
    };
    let predicate = find(entries, "where").and_then(|x| ctx.sql(&x.node, "where"));
    let comment = find(entries, "comment").and_then(|x| ctx.string(&x.node, "comment"));
    let mut storage = Vec::new();
    if let Some(w) = find(entries, "with") {
        match &w.node.val {
            Val::Table(params) => {
                for param in params {
                    let value = match &param.node.val {
                        Val::Str(v) => v.clone(),
                        Val::Int(v) => v.to_string(),
                        Val::Float(v) => v.to_string(),
                        Val::Bool(v) => v.to_string(),
                        other => {
                            ctx.error(
                                &param.node.span,
                                format!(
                                    "storage parameter {} must be a string, number or boolean, found {}",
                                    param.key,
                                    other.kind()
                                ),
                                None,
                            );
                            continue;
                        }
                    };
                    storage.push(format!("{}={value}", param.key.to_ascii_lowercase()));
                }
            }
            other => ctx.error(
                &w.node.span,
                format!(
                    "index storage parameters must be a table, found {}",
                    other.kind()
                ),
                Some("write with = { fillfactor = 70 }".into()),
            ),
        }
    }
    Some(Index {
        name: e.key.clone(),
        unique,
        method,
        keys,
        include,
        predicate,
        nulls_not_distinct,
        storage,
        comment,
        invalid: false,
    })
}

const KEY_TABLE_KEYS: &[&str] = &["sql", "column", "opclass", "collate", "order", "nulls"];

/// An index key in table form: `{ sql = "..." }` (the entry's SQL, verbatim), or a column
/// (`column = "embedding"`) or expression (`sql`) with its parts: `opclass`, `collate`,
/// `order` (`asc` / `desc`) and `nulls` (`first` / `last`).
fn table_key(ctx: &mut Ctx<'_>, item: &Node, t: &[Entry], columns: &[Column]) -> Option<String> {
    ctx.check_keys(t, KEY_TABLE_KEYS, "an index key");
    let text = |ctx: &mut Ctx<'_>, k: &str| {
        let x = find(t, k)?;
        let s = ctx.string(&x.node, k)?;
        if s.trim().is_empty() || s.contains('\0') {
            ctx.error(&x.node.span, format!("an index key's `{k}` is empty"), None);
            return None;
        }
        Some((s, x.node.span.clone()))
    };
    let opclass = text(ctx, "opclass");
    let collate = text(ctx, "collate");
    let descending = match text(ctx, "order") {
        Some((o, span)) => match o.trim().to_ascii_lowercase().as_str() {
            "asc" => false,
            "desc" => true,
            _ => {
                ctx.error(
                    &span,
                    format!("unknown order {o:?}"),
                    Some("write \"asc\" or \"desc\"".into()),
                );
                false
            }
        },
        None => false,
    };
    let nulls = match text(ctx, "nulls") {
        Some((n, span)) => match n.trim().to_ascii_lowercase().as_str() {
            "first" => Some(Nulls::First),
            "last" => Some(Nulls::Last),
            _ => {
                ctx.error(
                    &span,
                    format!("unknown nulls {n:?}"),
                    Some("write \"first\" or \"last\"".into()),
                );
                None
            }
        },
        None => None,
    };
    let has_parts = ["opclass", "collate", "order", "nulls"]
        .iter()
        .any(|k| find(t, k).is_some());
    let column = text(ctx, "column");
    let sql = find(t, "sql");
    let target = match (&column, sql) {
        (Some(_), Some(x)) => {
            ctx.error(
                &x.node.span,
                "an index key has `column` or `sql`, not both",
                None,
            );
            return None;
        }
        (Some((name, span)), None) => {
            if !columns.iter().any(|c| &c.name == name) {
                unknown_column(ctx, span, name, columns);
                return None;
            }
            Target::Column(name)
        }
        (None, Some(x)) => {
            let sql = ctx.sql(&x.node, "sql")?;
            if !has_parts {
                return Some(sql);
            }
            return Some(index_key::render(&KeyParts {
                target: Target::Expression(&sql),
                collate: collate.as_ref().map(|(c, _)| c.as_str()),
                opclass: opclass.as_ref().map(|(o, _)| o.trim()),
                descending,
                nulls,
            }));
        }
        (None, None) => {
            ctx.error(
                &item.span,
                "an index key table needs `column` or `sql`",
                Some("write { column = \"embedding\", opclass = \"vector_cosine_ops\" }".into()),
            );
            return None;
        }
    };
    Some(index_key::render(&KeyParts {
        target,
        collate: collate.as_ref().map(|(c, _)| c.as_str()),
        opclass: opclass.as_ref().map(|(o, _)| o.trim()),
        descending,
        nulls,
    }))
}
