//! Indexes (those behind constraints are read with the constraints).

use std::collections::{BTreeMap, HashMap};
use tokio_postgres::Row;

use super::tables::table_for;
use super::{IntrospectError, indexdef};
use crate::model::{Index, QualifiedName, Table};

/// Indexes that do not back a primary key, unique or exclusion constraint: table oid,
/// name, unique, method, full definition, include columns, predicate, nulls not
/// distinct, comment, storage parameters, invalid.
pub(super) const QUERY: &str = concat!(
    managed_tables_cte!(),
    index_columns!(),
    "FROM tbl
     JOIN pg_catalog.pg_index i ON i.indrelid = tbl.oid
     JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
     JOIN pg_catalog.pg_am am ON am.oid = ic.relam
     LEFT JOIN pg_catalog.pg_description d
       ON d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = i.indexrelid
      AND d.objsubid = 0
     WHERE i.indislive
       AND NOT EXISTS (
           SELECT 1 FROM pg_catalog.pg_constraint c
           WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid
             AND c.contype IN ('p', 'u', 'x'))"
);

pub(super) fn read(
    rows: Vec<Row>,
    by_oid: &HashMap<u32, QualifiedName>,
    tables: &mut BTreeMap<QualifiedName, Table>,
) -> Result<(), IntrospectError> {
    for row in rows {
        let Some(table) = table_for(by_oid, tables, row.get(0)) else {
            continue;
        };
        let index = index(&row)?;
        if row.get::<_, bool>(11) {
            // Not the partition's own (see `Table::cloned`).
            if table.partition_of.is_some() {
                table.cloned_mut().indexes.push(index);
            }
        } else {
            table.indexes.push(index);
        }
    }
    Ok(())
}

pub(super) fn index(row: &Row) -> Result<Index, IntrospectError> {
    let name: String = row.get(1);
    let definition: String = row.get(4);
    let keys = indexdef::key_entries(&definition).ok_or_else(|| {
        IntrospectError::Unexpected(format!(
            "cannot split the key list of index {name}: {definition}"
        ))
    })?;
    Ok(Index {
        name,
        unique: row.get(2),
        method: row.get(3),
        keys,
        include: row.get(5),
        predicate: row.get(6),
        nulls_not_distinct: row.get(7),
        storage: row.get(9),
        comment: row.get(8),
        invalid: row.get(10),
    })
}
