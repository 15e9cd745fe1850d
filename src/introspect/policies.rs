//! Row-level security policies.

use std::collections::{BTreeMap, HashMap};

use tokio_postgres::Row;

use super::tables::table_for;
use super::{IntrospectError, one_char};
use crate::model::{Policy, PolicyCommand, QualifiedName, Table};

/// One row per policy: table oid, name, command, restrictive, role names (`public` for
/// PUBLIC), `USING` and `WITH CHECK` as `pg_get_expr` prints them, comment.
pub(super) const QUERY: &str = concat!(
    managed_tables_cte!(),
    "SELECT pol.polrelid, pol.polname::text, pol.polcmd::text, NOT pol.polpermissive,
            ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'public'
                              ELSE pg_catalog.pg_get_userbyid(r.oid)::text END
                  FROM unnest(pol.polroles) AS r(oid)),
            pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),
            pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid),
            d.description
     FROM tbl
     JOIN pg_catalog.pg_policy pol ON pol.polrelid = tbl.oid
     LEFT JOIN pg_catalog.pg_description d
       ON d.classoid = 'pg_catalog.pg_policy'::regclass AND d.objoid = pol.oid
      AND d.objsubid = 0"
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
        table.policies.push(policy(&row)?);
    }
    Ok(())
}

fn policy(row: &Row) -> Result<Policy, IntrospectError> {
    let name: String = row.get(1);
    let command = match one_char(row, 2) {
        '*' => PolicyCommand::All,
        'r' => PolicyCommand::Select,
        'a' => PolicyCommand::Insert,
        'w' => PolicyCommand::Update,
        'd' => PolicyCommand::Delete,
        other => {
            return Err(IntrospectError::Unexpected(format!(
                "policy {name} has command {other:?}"
            )));
        }
    };
    let mut roles: Vec<String> = row.get(4);
    roles.sort();
    Ok(Policy {
        name,
        command,
        roles,
        using: row.get(5),
        with_check: row.get(6),
        restrictive: row.get(3),
        comment: row.get(7),
    })
}
