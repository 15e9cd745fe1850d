//! What the objects of the managed schemas depend on (`pg_depend`), in one query, and the
//! predicate every kind's query uses to leave out objects that belong to an extension.
//!
//! A dependency row names catalog rows; each side is mapped to the object brain-db
//! manages: a view's rewrite rule to the view, a default (`pg_attrdef`) to its table, a
//! table constraint to the constraint, a domain constraint to the domain, an array type to
//! its element type, a row type to its relation.

use tokio_postgres::Row;

use crate::model::QualifiedName;
use crate::model::depend::{Dependencies, ObjectKind, ObjectRef};

/// SQL predicate: the row `oid` of catalog `catalog` (`pg_class`, `pg_proc`, `pg_type`,
/// ...) is not a member of an extension (`pg_depend.deptype = 'e'`). Objects an
/// extension created are never read as the user's.
pub fn not_extension_member(catalog: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e \
         WHERE e.classid = 'pg_catalog.{catalog}'::pg_catalog.regclass \
         AND e.objid = {oid} AND e.deptype = 'e')"
    )
}

/// Every object of the managed schemas (`$1`), plus schemas and extensions, as the
/// catalog row it is (class, oid) and the object brain-db names it by (kind, schema, name,
/// member), for the (class, oid) pairs in `keys`.
const OBJECTS: &str = "
SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::oid AS classid, c.oid AS objid,
       CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
         WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index'
         ELSE 'table' END AS kind,
       n.nspname::text AS schema, c.relname::text AS name, NULL::text AS member
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY($1::text[]) AND c.oid IN (SELECT k.objid FROM keys k WHERE k.classid = 'pg_catalog.pg_class'::pg_catalog.regclass)
UNION ALL
SELECT 'pg_catalog.pg_type'::pg_catalog.regclass::oid, t.oid,
       CASE WHEN c.oid IS NOT NULL THEN 'table'
            WHEN b.typtype = 'd' THEN 'domain' WHEN b.typtype = 'e' THEN 'enum'
            ELSE 'type' END,
       n.nspname::text, COALESCE(c.relname, b.typname)::text, NULL
  FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_type b
    ON b.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END
  JOIN pg_catalog.pg_namespace n ON n.oid = b.typnamespace
  LEFT JOIN pg_catalog.pg_class c ON c.oid = b.typrelid AND b.typrelid <> 0
 WHERE n.nspname = ANY($1::text[]) AND t.oid IN (SELECT k.objid FROM keys k WHERE k.classid = 'pg_catalog.pg_type'::pg_catalog.regclass)
UNION ALL
SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass::oid, p.oid, 'function', n.nspname::text,
       p.proname::text || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')', NULL
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = ANY($1::text[]) AND p.oid IN (SELECT k.objid FROM keys k WHERE k.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass)
UNION ALL
SELECT 'pg_catalog.pg_rewrite'::pg_catalog.regclass::oid, r.oid,
       CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END,
       n.nspname::text, c.relname::text, NULL
  FROM pg_catalog.pg_rewrite r
  JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY($1::text[]) AND r.oid IN (SELECT k.objid FROM keys k WHERE k.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass)
UNION ALL
SELECT 'pg_catalog.pg_attrdef'::pg_catalog.regclass::oid, a.oid, 'table', n.nspname::text,
       c.relname::text, NULL
  FROM pg_catalog.pg_attrdef a
  JOIN pg_catalog.pg_class c ON c.oid = a.adrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY($1::text[]) AND a.oid IN (SELECT k.objid FROM keys k WHERE k.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass)
UNION ALL
SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass::oid, k.oid,
       CASE WHEN k.contypid <> 0 THEN 'domain' ELSE 'constraint' END,
       n.nspname::text, COALESCE(c.relname, t.typname)::text,
       CASE WHEN k.contypid <> 0 THEN NULL ELSE k.conname::text END
  FROM pg_catalog.pg_constraint k
  LEFT JOIN pg_catalog.pg_class c ON c.oid = k.conrelid AND k.conrelid <> 0
  LEFT JOIN pg_catalog.pg_type t ON t.oid = k.contypid AND k.contypid <> 0
  JOIN pg_catalog.pg_namespace n ON n.oid = k.connamespace
 WHERE n.nspname = ANY($1::text[]) AND k.oid IN (SELECT k.objid FROM keys k WHERE k.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass)
UNION ALL
SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass::oid, g.oid, 'trigger', n.nspname::text,
       c.relname::text, g.tgname::text
  FROM pg_catalog.pg_trigger g
  JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY($1::text[]) AND NOT g.tgisinternal AND g.oid IN (SELECT k.objid FROM keys k WHERE k.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass)
UNION ALL
SELECT 'pg_catalog.pg_policy'::pg_catalog.regclass::oid, o.oid, 'policy', n.nspname::text,
       c.relname::text, o.polname::text
  FROM pg_catalog.pg_policy o
  JOIN pg_catalog.pg_class c ON c.oid = o.polrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY($1::text[]) AND o.oid IN (SELECT k.objid FROM keys k WHERE k.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass)
UNION ALL
SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass::oid, n.oid, 'schema', '',
       n.nspname::text, NULL
  FROM pg_catalog.pg_namespace n
 WHERE n.nspname = ANY($1::text[])
UNION ALL
SELECT 'pg_catalog.pg_extension'::pg_catalog.regclass::oid, x.oid, 'extension', '',
       x.extname::text, NULL
  FROM pg_catalog.pg_extension x";

/// Rows: dependent (kind, schema, name, member), then referenced (same four), for the
/// normal and automatic dependencies between objects of the managed schemas (internal
/// ones tie an object's parts together) and on schemas and extensions, where one side is
/// a view, materialized view, function, trigger, policy, domain or extension. Those among
/// tables, columns, keys, indexes and sequences alone are left out: the plan orders them
/// by phase, and they are most of the rows of a large schema. An extension's members
/// depend on nothing here: they are not the user's. Only the objects those rows name are
/// described.
pub(super) fn dependencies_query() -> String {
    let class = |c: &str| format!("'pg_catalog.{c}'::pg_catalog.regclass");
    let (rewrite, proc, trigger, policy, extension, pg_type, constraint, pg_class) = (
        class("pg_rewrite"),
        class("pg_proc"),
        class("pg_trigger"),
        class("pg_policy"),
        class("pg_extension"),
        class("pg_type"),
        class("pg_constraint"),
        class("pg_class"),
    );
    format!(
        "WITH dep AS MATERIALIZED (
           SELECT d.classid, d.objid, d.refclassid, d.refobjid
             FROM pg_catalog.pg_depend d
            WHERE d.deptype IN ('n', 'a')
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                              WHERE e.classid = d.classid AND e.objid = d.objid
                                AND e.deptype = 'e')
              AND (d.classid IN ({rewrite}, {proc}, {trigger}, {policy})
                   OR d.refclassid IN ({proc}, {extension})
                   OR (d.classid = {pg_type} AND EXISTS (SELECT 1 FROM pg_catalog.pg_type t
                         WHERE t.oid = d.objid AND t.typtype = 'd'))
                   OR (d.classid = {constraint} AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                         WHERE k.oid = d.objid AND k.contypid <> 0))
                   OR (d.refclassid = {pg_type} AND EXISTS (SELECT 1 FROM pg_catalog.pg_type t
                         WHERE t.oid = d.refobjid AND t.typtype = 'd'))
                   OR (d.refclassid = {pg_class} AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                         WHERE c.oid = d.refobjid AND c.relkind IN ('v', 'm'))))),
         keys AS MATERIALIZED (
           SELECT classid, objid FROM dep UNION SELECT refclassid, refobjid FROM dep),
         obj AS MATERIALIZED ({OBJECTS})
         SELECT o.kind, o.schema, o.name, o.member, r.kind, r.schema, r.name, r.member
           FROM dep d
           JOIN obj o ON o.classid = d.classid AND o.objid = d.objid
           JOIN obj r ON r.classid = d.refclassid AND r.objid = d.refobjid
          WHERE o.kind NOT IN ('schema', 'extension')"
    )
}

fn kind(word: &str) -> Option<ObjectKind> {
    Some(match word {
        "table" => ObjectKind::Table,
        "view" => ObjectKind::View,
        "materialized view" => ObjectKind::MaterializedView,
        "sequence" => ObjectKind::Sequence,
        "index" => ObjectKind::Index,
        "domain" => ObjectKind::Domain,
        "enum" => ObjectKind::Enum,
        "type" => ObjectKind::Type,
        "function" => ObjectKind::Function,
        "constraint" => ObjectKind::Constraint,
        "trigger" => ObjectKind::Trigger,
        "policy" => ObjectKind::Policy,
        "schema" => ObjectKind::Schema,
        "extension" => ObjectKind::Extension,
        _ => return None,
    })
}

fn object(row: &Row, at: usize) -> Option<ObjectRef> {
    let kind = kind(&row.get::<_, String>(at))?;
    Some(ObjectRef {
        kind,
        name: QualifiedName::new(row.get::<_, String>(at + 1), row.get::<_, String>(at + 2)),
        member: row.get(at + 3),
    })
}

pub(super) fn dependencies(rows: &[Row]) -> Dependencies {
    let mut out = Dependencies::default();
    for row in rows {
        if let (Some(dependent), Some(on)) = (object(row, 0), object(row, 4)) {
            out.add(dependent, on);
        }
    }
    out
}
