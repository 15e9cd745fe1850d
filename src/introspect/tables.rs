//! Tables: the managed set every per-table query starts from.

use std::collections::{BTreeMap, HashMap};
use tokio_postgres::Row;

use crate::model::{QualifiedName, RowLevelSecurity, Schema, Table};

/// One row per table: oid, schema, name, unlogged, comment, row-level security enabled,
/// forced.
pub(super) const QUERY: &str = concat!(
    managed_tables_cte!(),
    "SELECT tbl.oid, tbl.nspname, tbl.relname, tbl.relpersistence = 'u', d.description,
            c.relrowsecurity, c.relforcerowsecurity
     FROM tbl
     JOIN pg_catalog.pg_class c ON c.oid = tbl.oid
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
