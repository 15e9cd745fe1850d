//! Columns.

use std::collections::{BTreeMap, HashMap};
use tokio_postgres::Row;

use super::tables::table_for;
use super::{IntrospectError, one_char};
use crate::model::{Column, Identity, IdentityKind, QualifiedName, Table};
use crate::sql::quote;

/// One row per live column, in (table, attnum) order: table oid, name, type, not null,
/// identity kind, generated kind, default / generation expression, non-default
/// collation (schema, name), comment, the schema of the type (of its element type for
/// an array), whether that type is an enum, and the name of the NOT NULL constraint
/// (PostgreSQL 18 stores them in pg_constraint, contype 'n'; NULL before).
pub(super) const QUERY: &str = concat!(
    managed_tables_cte!(),
    "SELECT a.attrelid, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod),
            a.attnotnull, a.attidentity::text, a.attgenerated::text,
            pg_catalog.pg_get_expr(ad.adbin, ad.adrelid),
            cn.nspname::text, co.collname::text, d.description,
            etn.nspname::text, et.typtype = 'e', nn.conname::text
     FROM tbl
     JOIN pg_catalog.pg_attribute a
       ON a.attrelid = tbl.oid AND a.attnum > 0 AND NOT a.attisdropped
     JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
     JOIN pg_catalog.pg_type et
       ON et.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem
                        ELSE t.oid END
     JOIN pg_catalog.pg_namespace etn ON etn.oid = et.typnamespace
     LEFT JOIN pg_catalog.pg_attrdef ad
       ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
     LEFT JOIN pg_catalog.pg_collation co
       ON co.oid = a.attcollation AND a.attcollation <> t.typcollation
     LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
     LEFT JOIN pg_catalog.pg_description d
       ON d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = a.attrelid
      AND d.objsubid = a.attnum
     LEFT JOIN pg_catalog.pg_constraint nn
       ON nn.conrelid = a.attrelid AND nn.contype = 'n' AND nn.conkey[1] = a.attnum
     ORDER BY a.attrelid, a.attnum"
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
        table.columns.push(column(&row)?);
    }
    Ok(())
}

pub(super) fn column(row: &Row) -> Result<Column, IntrospectError> {
    let mut column = Column::new(row.get::<_, String>(1), column_type(row));
    column.not_null = row.get(3);
    let expression: Option<String> = row.get(6);
    match one_char(row, 5) {
        '\0' => column.default = expression,
        's' => column.generated = expression,
        'v' => {
            column.generated = expression;
            column.virtual_generated = true;
        }
        other => {
            return Err(IntrospectError::Unexpected(format!(
                "column {} has generation kind {other:?}",
                column.name
            )));
        }
    }
    column.identity = match one_char(row, 4) {
        '\0' => None,
        'a' => Some(Identity {
            kind: IdentityKind::Always,
            options: None,
            sequence: None,
            never_used: false,
        }),
        'd' => Some(Identity {
            kind: IdentityKind::ByDefault,
            options: None,
            sequence: None,
            never_used: false,
        }),
        other => {
            return Err(IntrospectError::Unexpected(format!(
                "column {} has identity kind {other:?}",
                column.name
            )));
        }
    };
    column.collation = collation(row.get(7), row.get(8));
    column.comment = row.get(9);
    column.not_null_name = row.get(12);
    Ok(column)
}

/// `format_type`'s spelling, except that a type of `public` other than an enum (an
/// extension's type such as `citext`, a domain) is schema-qualified, as the file writes
/// it: the SQL rendered from the model then does not depend on search_path.
pub(super) fn column_type(row: &Row) -> String {
    user_type(row.get(2), row.get(10), row.get(11))
}

/// A collation as the model spells it (see [`crate::model::Column::collation`]).
pub(super) fn collation(schema: Option<String>, name: Option<String>) -> Option<String> {
    match (schema, name) {
        (Some(schema), Some(name)) if schema == "pg_catalog" => Some(quote::ident(&name)),
        (Some(schema), Some(name)) => Some(quote::qualified(&schema, &name)),
        _ => None,
    }
}

/// See [`column_type`]: `printed` by `format_type`, the schema of the (element) type and
/// whether it is an enum.
pub(super) fn user_type(printed: String, type_schema: String, is_enum: bool) -> String {
    if type_schema == "public" && !is_enum && !printed.starts_with("public.") {
        format!("public.{printed}")
    } else {
        printed
    }
}
