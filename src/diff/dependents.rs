//! Indexes and constraints that hang on a column.
//!
//! PostgreSQL drops them silently with the column (`DROP COLUMN`, which a changed
//! generation expression needs), and re-parses them when the column's type is swapped
//! (an enum rebuilt, or a conversion through `text`), where a label compared with the
//! column no longer has an operator (`mood = mood__brain_db_old`). Either way the plan
//! drops them first, explicitly, and the table diff that follows adds back the declared
//! ones, because they are gone from the live model too.

use std::collections::BTreeSet;

use super::{Change, Constraint};
use crate::model::{Index, QualifiedName, Schema, Table};
use crate::sql::expr::mentions_identifier;

/// What the dependents are found by: columns of a table, and type names (a cast to the
/// type in an expression also needs the type, whatever column it applies to).
#[derive(Default)]
pub(super) struct Detach {
    pub columns: BTreeSet<(QualifiedName, String)>,
    pub type_names: BTreeSet<String>,
}

impl Detach {
    fn mentioned(&self, table: &QualifiedName, sql: &str) -> bool {
        self.columns
            .iter()
            .any(|(t, c)| t == table && mentions_identifier(sql, c))
            || self.type_names.iter().any(|t| mentions_identifier(sql, t))
    }

    fn has_column(&self, table: &QualifiedName, columns: &[String]) -> bool {
        columns
            .iter()
            .any(|c| self.columns.contains(&(table.clone(), c.clone())))
    }

    fn index_depends(&self, table: &QualifiedName, i: &Index) -> bool {
        i.keys.iter().any(|k| self.mentioned(table, k))
            || self.has_column(table, &i.include)
            || i.predicate
                .as_deref()
                .is_some_and(|p| self.mentioned(table, p))
    }

    fn constraint_depends(&self, table: &QualifiedName, c: &Constraint) -> bool {
        match c {
            Constraint::PrimaryKey(pk) => self.has_column(table, &pk.columns),
            Constraint::Unique(u) => self.has_column(table, &u.columns),
            Constraint::Check(ck) => self.mentioned(table, &ck.expression),
            Constraint::Exclusion(x) => self.mentioned(table, &x.definition),
            Constraint::ForeignKey(fk) => {
                self.has_column(table, &fk.columns)
                    || self.has_column(&fk.referenced_table, &fk.referenced_columns)
            }
        }
    }
}

/// Removes every index and constraint of `live` that depends on what `detach` names,
/// pushing an explicit drop for each (the plan runs drops before column drops and type
/// swaps, and adds after them). A generated column computed from such a column blocks
/// its type change: it is dropped too, and added again by the table diff when `desired`
/// still declares it.
pub(super) fn detach(
    live: &mut Schema,
    desired: &Schema,
    mut detach: Detach,
    out: &mut Vec<Change>,
) {
    if detach.columns.is_empty() && detach.type_names.is_empty() {
        return;
    }
    let generated = dependent_generated_columns(live, desired, &mut detach);
    for (name, table) in live.tables.iter_mut() {
        detach_from_table(name, table, &detach, out);
    }
    for (table_name, column_name) in generated {
        let Some(table) = live.tables.get_mut(&table_name) else {
            continue;
        };
        if let Some(i) = table.columns.iter().position(|c| c.name == column_name) {
            let column = table.columns.remove(i);
            out.push(Change::RecreateColumn {
                table: table_name,
                column,
            });
        }
    }
}

/// Generated columns (kept by `desired`) computed from a detached column or type, added
/// to `detach.columns` (their own indexes go with them), until no more are found.
fn dependent_generated_columns(
    live: &Schema,
    desired: &Schema,
    detach: &mut Detach,
) -> Vec<(QualifiedName, String)> {
    let mut found = Vec::new();
    loop {
        let mut more = Vec::new();
        for (name, table) in &live.tables {
            let Some(kept) = desired.tables.get(name) else {
                continue;
            };
            for c in &table.columns {
                let key = (name.clone(), c.name.clone());
                if kept.column(&c.name).is_none() || detach.columns.contains(&key) {
                    continue;
                }
                if c.generated
                    .as_deref()
                    .is_some_and(|g| detach.mentioned(name, g))
                {
                    more.push(key);
                }
            }
        }
        if more.is_empty() {
            return found;
        }
        for key in more {
            detach.columns.insert(key.clone());
            found.push(key);
        }
    }
}

fn detach_from_table(
    name: &QualifiedName,
    table: &mut Table,
    detach: &Detach,
    out: &mut Vec<Change>,
) {
    // A default that casts to a rebuilt type keeps the old type alive (DROP TYPE fails).
    for column in &mut table.columns {
        if column
            .default
            .as_deref()
            .is_some_and(|d| detach.type_names.iter().any(|t| mentions_identifier(d, t)))
        {
            column.default = None;
            out.push(Change::DropDefault {
                table: name.clone(),
                column: column.name.clone(),
            });
        }
    }
    let mut drop = |constraint: Constraint| {
        out.push(Change::DropConstraint {
            table: name.clone(),
            constraint,
        })
    };
    if let Some(pk) = table.primary_key.take() {
        let c = Constraint::PrimaryKey(pk.clone());
        if detach.constraint_depends(name, &c) {
            drop(c);
        } else {
            table.primary_key = Some(pk);
        }
    }
    let keep = |c: Constraint, drop: &mut dyn FnMut(Constraint)| {
        if detach.constraint_depends(name, &c) {
            drop(c);
            false
        } else {
            true
        }
    };
    table
        .uniques
        .retain(|u| keep(Constraint::Unique(u.clone()), &mut drop));
    table
        .checks
        .retain(|c| keep(Constraint::Check(c.clone()), &mut drop));
    table
        .exclusions
        .retain(|x| keep(Constraint::Exclusion(x.clone()), &mut drop));
    table
        .foreign_keys
        .retain(|f| keep(Constraint::ForeignKey(f.clone()), &mut drop));
    table.indexes.retain(|i| {
        if detach.index_depends(name, i) {
            out.push(Change::DropIndex {
                table: name.clone(),
                index: i.clone(),
            });
            false
        } else {
            true
        }
    });
}
