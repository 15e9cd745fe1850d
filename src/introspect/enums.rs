//! Enum types.

use tokio_postgres::Row;

use crate::model::{Enum, QualifiedName, Schema};

/// Enum types: schema, name, labels in sort order, comment.
pub(super) const QUERY: &str = "
SELECT n.nspname::text, t.typname::text,
       ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
             WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder),
       d.description
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_description d
  ON d.classoid = 'pg_catalog.pg_type'::regclass AND d.objoid = t.oid AND d.objsubid = 0
WHERE t.typtype = 'e'
  AND n.nspname = ANY($1::text[])
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend e
      WHERE e.classid = 'pg_catalog.pg_type'::regclass
        AND e.objid = t.oid AND e.deptype = 'e')";

pub(super) fn read(rows: Vec<Row>, out: &mut Schema) {
    for row in rows {
        let name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        out.enums.insert(
            name.clone(),
            Enum {
                name,
                values: row.get(2),
                comment: row.get(3),
                renamed_from: None,
            },
        );
    }
}
