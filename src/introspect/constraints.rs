//! Table constraints.

use std::collections::{BTreeMap, HashMap};
use tokio_postgres::Row;

use super::tables::table_for;
use super::{IntrospectError, one_char};
use crate::model::{
    CheckConstraint, Deferrable, ExclusionConstraint, FkAction, ForeignKey, PrimaryKey,
    QualifiedName, Table, UniqueConstraint,
};

/// Primary key, unique, foreign key, check and exclusion constraints: table oid, name,
/// type, deferrable, initially deferred, validated, no inherit, columns (key order),
/// referenced schema / table / columns, on delete, on update, match type, check
/// expression, nulls not distinct, exclusion definition (`pg_get_constraintdef`),
/// whether PostgreSQL cloned it from a parent's, and its comment.
pub(super) const QUERY: &str = concat!(
    managed_tables_cte!(),
    "SELECT con.conrelid, con.conname::text, con.contype::text,
            con.condeferrable, con.condeferred, con.convalidated, con.connoinherit,
            ARRAY(SELECT a.attname::text
                  FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_catalog.pg_attribute a
                    ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                  ORDER BY k.ord),
            rn.nspname::text, rc.relname::text,
            ARRAY(SELECT a.attname::text
                  FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_catalog.pg_attribute a
                    ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                  ORDER BY k.ord),
            con.confdeltype::text, con.confupdtype::text, con.confmatchtype::text,
            CASE WHEN con.contype = 'c'
                 THEN pg_catalog.pg_get_expr(con.conbin, con.conrelid) END,
            -- indnullsnotdistinct is new in 15: read by name, NULL (false) before.
            COALESCE((to_jsonb(i) ->> 'indnullsnotdistinct')::bool, false),
            CASE WHEN con.contype = 'x'
                 THEN pg_catalog.pg_get_constraintdef(con.oid) END,
            -- Cloned from a parent's constraint, or a check inherited from the parent
            -- (also one the table had when it was attached: still local, but inherited).
            con.conparentid <> 0 OR (con.contype = 'c' AND (NOT con.conislocal OR con.coninhcount > 0)),
            d.description
     FROM tbl
     JOIN pg_catalog.pg_constraint con ON con.conrelid = tbl.oid
     LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid AND con.contype = 'f'
     LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
     LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = con.conindid AND con.contype = 'u'
     LEFT JOIN pg_catalog.pg_description d
       ON d.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
      AND d.objoid = con.oid AND d.objsubid = 0
     WHERE con.contype IN ('p', 'u', 'f', 'c', 'x')"
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
        if row.get::<_, bool>(17) {
            // Not the table's own (see `Table::cloned`); a non-partition has such rows
            // only for the partitions of a table its foreign keys reference.
            if table.partition_of.is_some() {
                add_constraint(table.cloned_mut(), &row)?;
            }
            continue;
        }
        add_constraint(table, &row)?;
        if let Some(comment) = row.get::<_, Option<String>>(18) {
            table
                .constraint_comments
                .insert(row.get::<_, String>(1), comment);
        }
    }
    Ok(())
}

pub(super) fn deferrable(row: &Row, deferrable_idx: usize, deferred_idx: usize) -> Deferrable {
    match (
        row.get::<_, bool>(deferrable_idx),
        row.get::<_, bool>(deferred_idx),
    ) {
        (false, _) => Deferrable::NotDeferrable,
        (true, false) => Deferrable::InitiallyImmediate,
        (true, true) => Deferrable::InitiallyDeferred,
    }
}

pub(super) fn fk_action(code: char, constraint: &str) -> Result<FkAction, IntrospectError> {
    Ok(match code {
        'a' => FkAction::NoAction,
        'r' => FkAction::Restrict,
        'c' => FkAction::Cascade,
        'n' => FkAction::SetNull,
        'd' => FkAction::SetDefault,
        other => {
            return Err(IntrospectError::Unexpected(format!(
                "foreign key {constraint} has action {other:?}"
            )));
        }
    })
}

pub(super) fn add_constraint(table: &mut Table, row: &Row) -> Result<(), IntrospectError> {
    let name: String = row.get(1);
    let columns: Vec<String> = row.get(7);
    match one_char(row, 2) {
        'p' => {
            table.primary_key = Some(PrimaryKey {
                name,
                columns,
                deferrable: deferrable(row, 3, 4),
            })
        }
        'u' => table.uniques.push(UniqueConstraint {
            name,
            columns,
            nulls_not_distinct: row.get(15),
            deferrable: deferrable(row, 3, 4),
        }),
        'f' => {
            let (Some(schema), Some(referenced)) = (
                row.get::<_, Option<String>>(8),
                row.get::<_, Option<String>>(9),
            ) else {
                return Err(IntrospectError::Unexpected(format!(
                    "foreign key {name} references no table"
                )));
            };
            table.foreign_keys.push(ForeignKey {
                on_delete: fk_action(one_char(row, 11), &name)?,
                on_update: fk_action(one_char(row, 12), &name)?,
                columns,
                referenced_table: QualifiedName::new(schema, referenced),
                referenced_columns: row.get(10),
                deferrable: deferrable(row, 3, 4),
                match_full: one_char(row, 13) == 'f',
                not_valid: !row.get::<_, bool>(5),
                name,
            });
        }
        'c' => {
            let Some(expression) = row.get::<_, Option<String>>(14) else {
                return Err(IntrospectError::Unexpected(format!(
                    "check constraint {name} has no expression"
                )));
            };
            table.checks.push(CheckConstraint {
                name,
                expression,
                no_inherit: row.get(6),
                not_valid: !row.get::<_, bool>(5),
            });
        }
        'x' => {
            let definition = row.get::<_, Option<String>>(16).unwrap_or_default();
            let Some(definition) = definition.strip_prefix("EXCLUDE ") else {
                return Err(IntrospectError::Unexpected(format!(
                    "exclusion constraint {name} has an unexpected definition: {definition}"
                )));
            };
            table.exclusions.push(ExclusionConstraint {
                name,
                definition: definition.to_string(),
            });
        }
        _ => {}
    }
    Ok(())
}
