//! SQL text for row-level security and policies.

use super::{alter_table, name};
use crate::diff::Change;
use crate::model::{Policy, QualifiedName, RowLevelSecurity};
use crate::sql::quote::ident;

/// The statements of a row-level security change (as dispatched by [`super::statements`]).
pub(super) fn statements(change: &Change) -> Vec<String> {
    match change {
        Change::SetRowLevelSecurity { table, from, to } => {
            let mut out = Vec::new();
            if from.is_enabled() != to.is_enabled() {
                let verb = if to.is_enabled() { "ENABLE" } else { "DISABLE" };
                out.push(format!("{} {verb} ROW LEVEL SECURITY", alter_table(table)));
            }
            let forced = |r: &RowLevelSecurity| *r == RowLevelSecurity::Forced;
            if forced(from) != forced(to) {
                let verb = if forced(to) { "FORCE" } else { "NO FORCE" };
                out.push(format!("{} {verb} ROW LEVEL SECURITY", alter_table(table)));
            }
            out
        }
        Change::CreatePolicy { table, policy, .. } => vec![create_policy(table, policy)],
        Change::AlterPolicy {
            table, from, to, ..
        } if from.alterable_to(to) => {
            let mut sql = format!(
                "ALTER POLICY {} ON {} TO {}",
                ident(&to.name),
                name(table),
                roles(&to.roles)
            );
            if let Some(u) = &to.using {
                sql.push_str(&format!(" USING ({u})"));
            }
            if let Some(c) = &to.with_check {
                sql.push_str(&format!(" WITH CHECK ({c})"));
            }
            vec![sql]
        }
        Change::AlterPolicy {
            table, from, to, ..
        } => {
            vec![drop_policy(table, from), create_policy(table, to)]
        }
        Change::DropPolicy { table, policy, .. } => vec![drop_policy(table, policy)],
        other => unreachable!("not a row-level security change: {other:?}"),
    }
}

fn roles(roles: &[String]) -> String {
    roles
        .iter()
        .map(|r| {
            if r == "public" {
                "PUBLIC".to_string()
            } else {
                ident(r)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn create_policy(table: &QualifiedName, p: &Policy) -> String {
    let mut sql = format!(
        "CREATE POLICY {} ON {} AS {} FOR {} TO {}",
        ident(&p.name),
        name(table),
        if p.restrictive {
            "RESTRICTIVE"
        } else {
            "PERMISSIVE"
        },
        p.command.keyword().to_ascii_uppercase(),
        roles(&p.roles)
    );
    if let Some(u) = &p.using {
        sql.push_str(&format!(" USING ({u})"));
    }
    if let Some(c) = &p.with_check {
        sql.push_str(&format!(" WITH CHECK ({c})"));
    }
    sql
}

fn drop_policy(table: &QualifiedName, p: &Policy) -> String {
    format!("DROP POLICY {} ON {}", ident(&p.name), name(table))
}
