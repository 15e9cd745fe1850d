//! Views and materialized views: one query for the views themselves (definition,
//! options, columns and what each depends on, from `pg_depend`), one for the indexes of
//! materialized views.

use std::collections::HashMap;

use tokio_postgres::Row;

use super::IntrospectError;
use crate::model::{CheckOption, QualifiedName, Schema, View, ViewDependencies, ViewKind};

/// The views and materialized views of the schemas, except those of an extension: oid,
/// schema, name, materialized, `pg_get_viewdef`, populated, reloptions, comment, column
/// names and types (attnum order), then what the view's rewrite rule depends on:
/// relations (schema, name, column or '' for the whole relation) and types (schema, name).
pub const VIEWS: &str = "
SELECT c.oid, n.nspname::text, c.relname::text, c.relkind = 'm',
       pg_catalog.pg_get_viewdef(c.oid), c.relispopulated,
       COALESCE(c.reloptions, '{}'::text[]), d.description,
       ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum),
       ARRAY(SELECT pg_catalog.format_type(a.atttypid, a.atttypmod)
             FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum),
       COALESCE(dep.rel_schemas, '{}'), COALESCE(dep.rel_names, '{}'),
       COALESCE(dep.rel_columns, '{}'),
       COALESCE(tdep.type_schemas, '{}'), COALESCE(tdep.type_names, '{}')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description d
  ON d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = c.oid AND d.objsubid = 0
LEFT JOIN LATERAL (
    SELECT array_agg(rn.nspname::text ORDER BY rn.nspname, rc.relname, ra.attname) AS rel_schemas,
           array_agg(rc.relname::text ORDER BY rn.nspname, rc.relname, ra.attname) AS rel_names,
           array_agg(COALESCE(ra.attname::text, '') ORDER BY rn.nspname, rc.relname, ra.attname)
             AS rel_columns
    FROM pg_catalog.pg_rewrite r
    JOIN pg_catalog.pg_depend dp
      ON dp.classid = 'pg_catalog.pg_rewrite'::regclass AND dp.objid = r.oid
     AND dp.refclassid = 'pg_catalog.pg_class'::regclass AND dp.refobjid <> c.oid
    JOIN pg_catalog.pg_class rc ON rc.oid = dp.refobjid
    JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
    LEFT JOIN pg_catalog.pg_attribute ra
      ON ra.attrelid = dp.refobjid AND ra.attnum = dp.refobjsubid AND dp.refobjsubid > 0
    WHERE r.ev_class = c.oid
) dep ON true
LEFT JOIN LATERAL (
    SELECT array_agg(tn.nspname::text ORDER BY tn.nspname, t.typname) AS type_schemas,
           array_agg(t.typname::text ORDER BY tn.nspname, t.typname) AS type_names
    FROM pg_catalog.pg_rewrite r
    JOIN pg_catalog.pg_depend dp
      ON dp.classid = 'pg_catalog.pg_rewrite'::regclass AND dp.objid = r.oid
     AND dp.refclassid = 'pg_catalog.pg_type'::regclass
    JOIN pg_catalog.pg_type t ON t.oid = dp.refobjid
    JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
    WHERE r.ev_class = c.oid AND tn.nspname <> 'pg_catalog'
) tdep ON true
WHERE n.nspname = ANY($1::text[])
  AND c.relkind IN ('v', 'm')
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend e
      WHERE e.classid = 'pg_catalog.pg_class'::regclass
        AND e.objid = c.oid AND e.deptype = 'e')";

/// Indexes of materialized views, in the layout of `queries::INDEXES` (matview oid first).
pub const MATVIEW_INDEXES: &str = concat!(
    index_columns!(),
    "FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_index i ON i.indrelid = c.oid
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
LEFT JOIN pg_catalog.pg_description d
  ON d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = i.indexrelid
 AND d.objsubid = 0
WHERE n.nspname = ANY($1::text[]) AND c.relkind = 'm' AND i.indislive"
);

/// `pg_get_viewdef`'s text as the model holds it: trimmed, without the final `;`.
pub fn normalize_viewdef(def: &str) -> String {
    let t = def.trim();
    t.strip_suffix(';').unwrap_or(t).trim_end().to_string()
}

/// One row of [`VIEWS`]; the view's oid alongside.
pub(crate) fn view(row: &Row) -> Result<(u32, View), IntrospectError> {
    let name = QualifiedName::new(row.get::<_, String>(1), row.get::<_, String>(2));
    let kind = if row.get::<_, bool>(3) {
        ViewKind::Materialized
    } else {
        ViewKind::View
    };
    let def: Option<String> = row.get(4);
    let Some(def) = def else {
        return Err(IntrospectError::Unexpected(format!(
            "{} {name} has no definition",
            kind.noun()
        )));
    };
    let mut v = View::new(name, kind, normalize_viewdef(&def));
    v.with_data = row.get(5);
    for option in row.get::<_, Vec<String>>(6) {
        let (key, value) = option.split_once('=').unwrap_or((option.as_str(), "true"));
        let on = matches!(
            value.to_ascii_lowercase().as_str(),
            "true" | "on" | "1" | "yes"
        );
        match key {
            "security_invoker" => v.security_invoker = on,
            "security_barrier" => v.security_barrier = on,
            "check_option" => v.check_option = CheckOption::from_name(value),
            _ => {}
        }
    }
    v.comment = row.get(7);
    let names: Vec<String> = row.get(8);
    let types: Vec<String> = row.get(9);
    v.columns = names.into_iter().zip(types).collect();
    let schemas: Vec<String> = row.get(10);
    let rels: Vec<String> = row.get(11);
    let cols: Vec<String> = row.get(12);
    let mut deps = ViewDependencies::default();
    for ((schema, rel), col) in schemas.into_iter().zip(rels).zip(cols) {
        let q = QualifiedName::new(schema, rel);
        if col.is_empty() {
            deps.relations.insert(q);
        } else {
            deps.relations.insert(q.clone());
            deps.columns.insert((q, col));
        }
    }
    let type_schemas: Vec<String> = row.get(13);
    let type_names: Vec<String> = row.get(14);
    for (schema, t) in type_schemas.into_iter().zip(type_names) {
        deps.types.insert(QualifiedName::new(schema, t));
    }
    v.depends_on = deps;
    Ok((row.get(0), v))
}

/// Adds the rows of [`VIEWS`] and [`MATVIEW_INDEXES`] to `out`.
pub(crate) fn assemble(
    out: &mut Schema,
    view_rows: Vec<Row>,
    index_rows: Vec<Row>,
) -> Result<(), IntrospectError> {
    let mut by_oid: HashMap<u32, QualifiedName> = HashMap::with_capacity(view_rows.len());
    for row in view_rows {
        let (oid, v) = view(&row)?;
        by_oid.insert(oid, v.name.clone());
        out.views.insert(v.name.clone(), v);
    }
    for row in index_rows {
        let Some(v) = by_oid.get(&row.get(0)).and_then(|n| out.views.get_mut(n)) else {
            continue;
        };
        v.indexes.push(super::indexes::index(&row)?);
    }
    for v in out.views.values_mut() {
        v.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(())
}
