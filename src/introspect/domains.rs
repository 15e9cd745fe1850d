//! Domains of the managed schemas, with their check constraints, in one query.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use tokio_postgres::Row;

use super::IntrospectError;
use crate::model::{Domain, DomainCheck, QualifiedName};

/// schema, name, base type (format_type), not null, default, collation (schema, name)
/// when not the base type's, comment, check names / expressions / validated (sorted by
/// name), the base type's schema and whether it is an enum.
pub(super) static DOMAINS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT n.nspname::text, t.typname::text,
                pg_catalog.format_type(t.typbasetype, t.typtypmod),
                t.typnotnull,
                pg_catalog.pg_get_expr(t.typdefaultbin, 0),
                cn.nspname::text, co.collname::text,
                d.description,
                ARRAY(SELECT k.conname::text FROM pg_catalog.pg_constraint k
                      WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname),
                ARRAY(SELECT pg_catalog.pg_get_expr(k.conbin, 0) FROM pg_catalog.pg_constraint k
                      WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname),
                ARRAY(SELECT k.convalidated FROM pg_catalog.pg_constraint k
                      WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname),
                etn.nspname::text, et.typtype = 'e'
         FROM pg_catalog.pg_type t
         JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
         JOIN pg_catalog.pg_type b ON b.oid = t.typbasetype
         JOIN pg_catalog.pg_type et
           ON et.oid = CASE WHEN b.typcategory = 'A' AND b.typelem <> 0 THEN b.typelem
                            ELSE b.oid END
         JOIN pg_catalog.pg_namespace etn ON etn.oid = et.typnamespace
         LEFT JOIN pg_catalog.pg_collation co
           ON co.oid = t.typcollation AND t.typcollation <> b.typcollation
         LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
         LEFT JOIN pg_catalog.pg_description d
           ON d.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objoid = t.oid
          AND d.objsubid = 0
         WHERE t.typtype = 'd' AND n.nspname = ANY($1::text[]) AND {}",
        super::depend::not_extension_member("pg_type", "t.oid")
    )
});

pub(super) fn domains(rows: &[Row]) -> Result<BTreeMap<QualifiedName, Domain>, IntrospectError> {
    let mut out = BTreeMap::new();
    for row in rows {
        let name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        let mut domain = Domain::new(
            name.clone(),
            super::columns::user_type(row.get(2), row.get(11), row.get(12)),
        );
        domain.not_null = row.get(3);
        domain.default = row.get(4);
        domain.collation = super::columns::collation(row.get(5), row.get(6));
        domain.comment = row.get(7);
        let names: Vec<String> = row.get(8);
        let expressions: Vec<Option<String>> = row.get(9);
        let validated: Vec<bool> = row.get(10);
        for ((name, expression), validated) in names.into_iter().zip(expressions).zip(validated) {
            let Some(expression) = expression else {
                return Err(IntrospectError::Unexpected(format!(
                    "check {name} of domain {} has no expression",
                    domain.name
                )));
            };
            domain.checks.push(DomainCheck {
                name,
                expression,
                not_valid: !validated,
            });
        }
        out.insert(name, domain);
    }
    Ok(out)
}
