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

/// One lateral subquery describing (`$class`, `$oid`) as (kind, schema, name, member).
const DESCRIBE: &str = "
SELECT x.kind, x.schema, x.name, x.member FROM (
  SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
           WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index'
           ELSE 'table' END AS kind,
         n.nspname::text AS schema, c.relname::text AS name, NULL::text AS member
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE $class = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = $oid
  UNION ALL
  SELECT CASE WHEN c.oid IS NOT NULL THEN 'table'
              WHEN b.typtype = 'd' THEN 'domain' WHEN b.typtype = 'e' THEN 'enum'
              ELSE 'type' END,
         n.nspname::text, COALESCE(c.relname, b.typname)::text, NULL
    FROM pg_catalog.pg_type t
    JOIN pg_catalog.pg_type b
      ON b.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END
    JOIN pg_catalog.pg_namespace n ON n.oid = b.typnamespace
    LEFT JOIN pg_catalog.pg_class c ON c.oid = b.typrelid AND b.typrelid <> 0
   WHERE $class = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = $oid
  UNION ALL
  SELECT 'function', n.nspname::text,
         p.proname::text || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')', NULL
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
   WHERE $class = 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.oid = $oid
  UNION ALL
  SELECT CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END,
         n.nspname::text, c.relname::text, NULL
    FROM pg_catalog.pg_rewrite r
    JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE $class = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND r.oid = $oid
  UNION ALL
  SELECT 'table', n.nspname::text, c.relname::text, NULL
    FROM pg_catalog.pg_attrdef a
    JOIN pg_catalog.pg_class c ON c.oid = a.adrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE $class = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND a.oid = $oid
  UNION ALL
  SELECT CASE WHEN k.contypid <> 0 THEN 'domain' ELSE 'constraint' END,
         n.nspname::text, COALESCE(c.relname, t.typname)::text,
         CASE WHEN k.contypid <> 0 THEN NULL ELSE k.conname::text END
    FROM pg_catalog.pg_constraint k
    LEFT JOIN pg_catalog.pg_class c ON c.oid = k.conrelid AND k.conrelid <> 0
    LEFT JOIN pg_catalog.pg_type t ON t.oid = k.contypid AND k.contypid <> 0
    JOIN pg_catalog.pg_namespace n ON n.oid = k.connamespace
   WHERE $class = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND k.oid = $oid
  UNION ALL
  SELECT 'trigger', n.nspname::text, c.relname::text, g.tgname::text
    FROM pg_catalog.pg_trigger g
    JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE $class = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND g.oid = $oid
  UNION ALL
  SELECT 'policy', n.nspname::text, c.relname::text, o.polname::text
    FROM pg_catalog.pg_policy o
    JOIN pg_catalog.pg_class c ON c.oid = o.polrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE $class = 'pg_catalog.pg_policy'::pg_catalog.regclass AND o.oid = $oid
  UNION ALL
  SELECT 'schema', '', n.nspname::text, NULL
    FROM pg_catalog.pg_namespace n
   WHERE $class = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND n.oid = $oid
  UNION ALL
  SELECT 'extension', '', x.extname::text, NULL
    FROM pg_catalog.pg_extension x
   WHERE $class = 'pg_catalog.pg_extension'::pg_catalog.regclass AND x.oid = $oid
) x";

/// Rows: dependent (kind, schema, name, member), then referenced (same four). `$1` is the
/// managed schemas; only dependents in them are read, and only normal and automatic
/// dependencies (internal ones tie an object's parts together).
pub(super) fn dependencies_query() -> String {
    let me = DESCRIBE
        .replace("$class", "d.classid")
        .replace("$oid", "d.objid");
    let it = DESCRIBE
        .replace("$class", "d.refclassid")
        .replace("$oid", "d.refobjid");
    format!(
        "SELECT o.kind, o.schema, o.name, o.member, r.kind, r.schema, r.name, r.member
           FROM pg_catalog.pg_depend d
           CROSS JOIN LATERAL ({me}) o
           CROSS JOIN LATERAL ({it}) r
          WHERE d.deptype IN ('n', 'a')
            AND d.classid IN ('pg_catalog.pg_class'::pg_catalog.regclass,
                              'pg_catalog.pg_type'::pg_catalog.regclass,
                              'pg_catalog.pg_proc'::pg_catalog.regclass,
                              'pg_catalog.pg_rewrite'::pg_catalog.regclass,
                              'pg_catalog.pg_attrdef'::pg_catalog.regclass,
                              'pg_catalog.pg_constraint'::pg_catalog.regclass,
                              'pg_catalog.pg_trigger'::pg_catalog.regclass,
                              'pg_catalog.pg_policy'::pg_catalog.regclass)
            AND o.schema = ANY($1)
            AND (r.schema = ANY($1) OR r.kind IN ('schema', 'extension'))"
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
