//! Sequences, and the options of identity columns' sequences.

use tokio_postgres::Row;

use super::{IntrospectError, one_char};
use crate::model::{QualifiedName, Schema, Sequence, SequenceOptions};

/// Every sequence in the schemas (identity ones included, told apart by the owner's
/// dependency type): schema, name, type, start, increment, min, max, cache, cycle,
/// owner dependency type ('a' owned by / 'i' identity), owner schema / table / column,
/// comment, whether an identity sequence has never given a value.
pub(super) const QUERY: &str = "
SELECT n.nspname::text, c.relname::text, pg_catalog.format_type(s.seqtypid, NULL),
       s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
       dep.deptype::text, dn.nspname::text, dc.relname::text, da.attname::text,
       d.description,
       -- Read for identity sequences only (it opens the sequence); pg_sequences' guard.
       CASE WHEN dep.deptype = 'i'
                 AND pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE')
            THEN pg_catalog.pg_sequence_last_value(c.oid) IS NULL
            ELSE false END
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
LEFT JOIN pg_catalog.pg_depend dep
  ON dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
 AND dep.objsubid = 0 AND dep.refclassid = 'pg_catalog.pg_class'::regclass
 AND dep.deptype IN ('a', 'i')
LEFT JOIN pg_catalog.pg_class dc ON dc.oid = dep.refobjid
LEFT JOIN pg_catalog.pg_namespace dn ON dn.oid = dc.relnamespace
LEFT JOIN pg_catalog.pg_attribute da
  ON da.attrelid = dep.refobjid AND da.attnum = dep.refobjsubid
LEFT JOIN pg_catalog.pg_description d
  ON d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = c.oid AND d.objsubid = 0
WHERE n.nspname = ANY($1::text[])
  AND c.relkind = 'S'
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend e
      WHERE e.classid = 'pg_catalog.pg_class'::regclass
        AND e.objid = c.oid AND e.deptype = 'e')";

/// After the columns: an identity sequence's options go to its column.
pub(super) fn read(rows: Vec<Row>, out: &mut Schema) -> Result<(), IntrospectError> {
    for row in rows {
        add_sequence(out, &row)?;
    }
    Ok(())
}

pub(super) fn add_sequence(out: &mut Schema, row: &Row) -> Result<(), IntrospectError> {
    let name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
    let options = SequenceOptions {
        data_type: row.get(2),
        start: row.get(3),
        increment: row.get(4),
        min_value: row.get(5),
        max_value: row.get(6),
        cache: row.get(7),
        cycle: row.get(8),
    };
    let owner = match (
        row.get::<_, Option<String>>(10),
        row.get::<_, Option<String>>(11),
        row.get::<_, Option<String>>(12),
    ) {
        (Some(schema), Some(table), Some(column)) => {
            Some((QualifiedName::new(schema, table), column))
        }
        _ => None,
    };
    match (one_char(row, 9), owner) {
        ('i', Some((table, column))) => {
            // An identity column's sequence: its options belong to the column.
            let Some(column) = out
                .tables
                .get_mut(&table)
                .and_then(|t| t.columns.iter_mut().find(|c| c.name == column))
            else {
                return Ok(());
            };
            if let Some(identity) = column.identity.as_mut() {
                let defaults = SequenceOptions::defaults_for(&column.data_type, options.increment);
                identity.options = (options != defaults).then_some(options);
                identity.sequence = Some(name.name.clone());
                identity.never_used = row.get(14);
            }
        }
        ('i', None) => {
            return Err(IntrospectError::Unexpected(format!(
                "identity sequence {name} has no column"
            )));
        }
        (kind, owner) => {
            // Owned by a table brain-db does not manage (the bookkeeping table, a
            // partition): the sequence goes with it.
            if kind == 'a'
                && let Some((table, _)) = &owner
                && !out.tables.contains_key(table)
            {
                return Ok(());
            }
            let owned_by = if kind == 'a' { owner } else { None };
            out.sequences.insert(
                name.clone(),
                Sequence {
                    name,
                    options,
                    owned_by,
                    comment: row.get(13),
                },
            );
        }
    }
    Ok(())
}
