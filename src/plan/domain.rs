//! Statements, order and hazards of domain changes.

use super::hazard::Hazard;
use super::order::{Deps, ObjectKind, ObjectRef, Phase, phase, type_ref};
use crate::diff::Change;
use crate::diff::domain::DomainAlter;
use crate::model::{Domain, QualifiedName};
use crate::sql::quote::{ident, literal, qualified};

fn name(q: &QualifiedName) -> String {
    qualified(&q.schema, &q.name)
}

fn check_sql(c: &crate::model::DomainCheck) -> String {
    let mut sql = format!("CONSTRAINT {} CHECK ({})", ident(&c.name), c.expression);
    if c.not_valid {
        sql.push_str(" NOT VALID");
    }
    sql
}

/// `CREATE DOMAIN`, and its comment. Checks declared `not_valid` are added after
/// creation (`CREATE DOMAIN` has no `NOT VALID`).
pub(crate) fn create(d: &Domain) -> Vec<String> {
    let mut sql = format!("CREATE DOMAIN {} AS {}", name(&d.name), d.data_type);
    if let Some(c) = &d.collation {
        sql.push_str(&format!(" COLLATE {c}"));
    }
    if let Some(default) = &d.default {
        sql.push_str(&format!(" DEFAULT {default}"));
    }
    if d.not_null {
        sql.push_str(" NOT NULL");
    }
    for c in d.checks.iter().filter(|c| !c.not_valid) {
        sql.push(' ');
        sql.push_str(&check_sql(c));
    }
    let mut out = vec![sql];
    for c in d.checks.iter().filter(|c| c.not_valid) {
        out.push(format!(
            "ALTER DOMAIN {} ADD {}",
            name(&d.name),
            check_sql(c)
        ));
    }
    if let Some(comment) = &d.comment {
        out.push(format!(
            "COMMENT ON DOMAIN {} IS {}",
            name(&d.name),
            literal(comment)
        ));
    }
    out
}

pub(super) fn statements(change: &Change) -> Option<Vec<String>> {
    Some(match change {
        Change::CreateDomain(d) => create(d),
        Change::RenameDomain { from, to } => {
            vec![format!(
                "ALTER DOMAIN {} RENAME TO {}",
                name(from),
                ident(to)
            )]
        }
        Change::DropDomain(d) => vec![format!("DROP DOMAIN {}", name(&d.name))],
        Change::AlterDomain { name: n, action } => {
            let alter = format!("ALTER DOMAIN {}", name(n));
            vec![match action {
                DomainAlter::SetDefault(e) => format!("{alter} SET DEFAULT {e}"),
                DomainAlter::DropDefault => format!("{alter} DROP DEFAULT"),
                DomainAlter::SetNotNull => format!("{alter} SET NOT NULL"),
                DomainAlter::DropNotNull => format!("{alter} DROP NOT NULL"),
                DomainAlter::AddCheck(c) => format!("{alter} ADD {}", check_sql(c)),
                DomainAlter::DropCheck(c) => format!("{alter} DROP CONSTRAINT {}", ident(c)),
                DomainAlter::ValidateCheck(c) => {
                    format!("{alter} VALIDATE CONSTRAINT {}", ident(c))
                }
                DomainAlter::Comment(c) => format!(
                    "COMMENT ON DOMAIN {} IS {}",
                    name(n),
                    c.as_deref().map_or("NULL".to_string(), literal)
                ),
            }]
        }
        _ => return None,
    })
}

fn domain_ref(n: &QualifiedName) -> ObjectRef {
    ObjectRef::new(ObjectKind::Domain, n.clone())
}

/// A dropped domain releases its base type (an enum or domain the plan may drop too).
pub(super) fn ordering(change: &Change) -> Option<(Phase, Deps)> {
    Some(match change {
        Change::CreateDomain(d) => (
            phase::CREATE_DOMAIN,
            Deps::creating(domain_ref(&d.name))
                .needing(type_ref(&d.data_type))
                .needing([ObjectRef::schema(&d.name.schema)]),
        ),
        // With the table and enum renames: everything after names the new name.
        Change::RenameDomain { from, to } => (
            10,
            Deps::creating(domain_ref(&QualifiedName::new(&from.schema, to))),
        ),
        Change::AlterDomain { name, .. } => (
            phase::ALTER_DOMAIN,
            Deps::default().needing([domain_ref(name)]),
        ),
        Change::DropDomain(d) => (
            phase::DROP_DOMAIN,
            Deps::dropping(domain_ref(&d.name)).releasing(type_ref(&d.data_type)),
        ),
        _ => return None,
    })
}

pub(super) fn hazard(change: &Change) -> Option<Hazard> {
    match change {
        Change::DropDomain(d) => Some(Hazard::DropsDomain {
            name: d.name.clone(),
        }),
        _ => None,
    }
}
