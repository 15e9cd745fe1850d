//! Where row-level security and policy changes go in a plan.

use super::order::{Deps, ObjectKind, ObjectRef, Phase, phase};
use crate::diff::Change;
use crate::model::QualifiedName;

/// When a policy change runs and what it creates, drops and needs (see [`super::order`]):
/// a policy is created after its table and whatever its expressions use (a function, a
/// table or view of a subquery, a type), even one created late (a function with a
/// SQL-standard body, a view); it is dropped before them (what the live one depended on,
/// from `pg_depend`, is released by the drop). Recreated, it is dropped before it is
/// created again (the name is freed).
pub(super) fn ordering(change: &Change) -> Option<(Phase, Deps)> {
    let table_ref = |t: &QualifiedName| ObjectRef::new(ObjectKind::Table, t.clone());
    let own = |t: &QualifiedName, name: &str| ObjectRef::member(ObjectKind::Policy, t, name);
    Some(match change {
        Change::SetRowLevelSecurity { table, .. } => (
            phase::CREATE_POLICY,
            Deps::default().needing([table_ref(table)]),
        ),
        Change::CreatePolicy {
            table,
            policy,
            uses,
            ..
        } => (
            phase::CREATE_POLICY,
            Deps::creating(own(table, &policy.name)).needing(uses.iter().cloned()),
        ),
        Change::AlterPolicy {
            table, to, uses, ..
        } => (
            phase::CREATE_POLICY,
            Deps::default()
                .needing([own(table, &to.name)])
                .needing(uses.iter().cloned()),
        ),
        Change::DropPolicy {
            table,
            policy,
            uses,
            ..
        } => (
            phase::DROP_POLICY,
            Deps::dropping(own(table, &policy.name)).releasing(uses.iter().cloned()),
        ),
        _ => return None,
    })
}
