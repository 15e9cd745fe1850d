//! SQL text for tables: create, rename, drop, (un)logged.

use super::columns::column_definition;
use super::constraints::{check_definition, constraint_definition};
use super::{alter_table, name, partitions};
use crate::diff::{Change, Constraint};
use crate::model::Table;
use crate::sql::quote::ident;

/// The statements of a table change (as dispatched by [`super::statements`]).
pub(super) fn statements(change: &Change) -> Vec<String> {
    match change {
        Change::RenameTable { from, to } => {
            vec![format!("{} RENAME TO {}", alter_table(from), ident(to))]
        }
        Change::CreateTable(t) => create_table(t),
        Change::DropTable { name: t, .. } => vec![format!("DROP TABLE {}", name(t))],
        Change::SetLogged { table, unlogged } => {
            vec![format!(
                "{} SET {}",
                alter_table(table),
                if *unlogged { "UNLOGGED" } else { "LOGGED" }
            )]
        }
        other => unreachable!("not a table change: {other:?}"),
    }
}

pub(super) fn create_table(t: &Table) -> Vec<String> {
    // A partition takes its columns from its parent.
    let mut items: Vec<String> = match t.partition_of {
        Some(_) => Vec::new(),
        None => t.columns.iter().map(column_definition).collect(),
    };
    if let Some(pk) = &t.primary_key {
        items.push(constraint_definition(
            &Constraint::PrimaryKey(pk.clone()),
            false,
        ));
    }
    for u in &t.uniques {
        items.push(constraint_definition(&Constraint::Unique(u.clone()), false));
    }
    for x in &t.exclusions {
        items.push(constraint_definition(
            &Constraint::Exclusion(x.clone()),
            false,
        ));
    }
    let mut after = Vec::new();
    for c in &t.checks {
        if c.not_valid {
            after.push(format!(
                "{} ADD {}",
                alter_table(&t.name),
                check_definition(c, true)
            ));
        } else {
            items.push(check_definition(c, false));
        }
    }
    let body = if items.is_empty() {
        String::new()
    } else {
        format!("\n  {}\n", items.join(",\n  "))
    };
    let unlogged = if t.unlogged { "UNLOGGED " } else { "" };
    let mut create = match &t.partition_of {
        Some(p) => {
            let body = if items.is_empty() {
                String::new()
            } else {
                format!(" ({body})")
            };
            format!(
                "CREATE {unlogged}TABLE {} PARTITION OF {}{body} {}",
                name(&t.name),
                name(&p.parent),
                partitions::bound_clause(&p.bounds)
            )
        }
        None => format!("CREATE {unlogged}TABLE {} ({body})", name(&t.name)),
    };
    if let Some(by) = &t.partition_by {
        create.push_str(&format!(" PARTITION BY {by}"));
    }
    let mut out = vec![create];
    out.extend(after);
    out
}
