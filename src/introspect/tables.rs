//! Tables: the managed set every per-table query starts from.

use std::collections::{BTreeMap, HashMap};
use tokio_postgres::Row;

use crate::model::{PartitionOf, QualifiedName, RowLevelSecurity, Schema, Table};

/// One row per table: oid, schema, name, unlogged, comment, row-level security enabled,
/// forced, partition key (`pg_get_partkeydef`), and for a partition its parent's schema
/// and name and its bound (`pg_get_expr(relpartbound)`).
pub(super) const QUERY: &str = concat!(
    managed_tables_cte!(),
    "SELECT tbl.oid, tbl.nspname, tbl.relname, tbl.relpersistence = 'u', d.description,
            c.relrowsecurity, c.relforcerowsecurity,
            CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,
            pn.nspname::text, pc.relname::text,
            CASE WHEN c.relispartition
                 THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END
     FROM tbl
     JOIN pg_catalog.pg_class c ON c.oid = tbl.oid
     LEFT JOIN pg_catalog.pg_inherits inh ON inh.inhrelid = c.oid AND c.relispartition
     LEFT JOIN pg_catalog.pg_class pc ON pc.oid = inh.inhparent
     LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
     LEFT JOIN pg_catalog.pg_description d
       ON d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = tbl.oid
      AND d.objsubid = 0"
);

/// The tables, and their names by OID for the per-table rows that follow.
pub(super) fn read(rows: Vec<Row>, out: &mut Schema) -> HashMap<u32, QualifiedName> {
    let mut by_oid: HashMap<u32, QualifiedName> = HashMap::with_capacity(rows.len());
    for row in rows {
        let name = QualifiedName::new(row.get::<_, String>(1), row.get::<_, String>(2));
        let mut table = Table::new(name.clone());
        table.unlogged = row.get(3);
        table.comment = row.get(4);
        table.row_level_security = match (row.get::<_, bool>(5), row.get::<_, bool>(6)) {
            (false, _) => RowLevelSecurity::Disabled,
            (true, false) => RowLevelSecurity::Enabled,
            (true, true) => RowLevelSecurity::Forced,
        };
        table.partition_by = row.get(7);
        if let (Some(schema), Some(parent), Some(bound)) = (
            row.get::<_, Option<String>>(8),
            row.get::<_, Option<String>>(9),
            row.get::<_, Option<String>>(10),
        ) {
            table.partition_of = Some(PartitionOf {
                parent: QualifiedName::new(schema, parent),
                bounds: crate::sql::partition::normalize_bounds(&bound),
            });
        }
        by_oid.insert(row.get(0), name.clone());
        out.tables.insert(name, table);
    }
    by_oid
}

pub(super) fn table_for<'t>(
    by_oid: &HashMap<u32, QualifiedName>,
    tables: &'t mut BTreeMap<QualifiedName, Table>,
    oid: u32,
) -> Option<&'t mut Table> {
    // Rows and tables come from the same set of tables; a miss means a table created
    // between the queries, which the next introspection will see whole.
    tables.get_mut(by_oid.get(&oid)?)
}
