//! Tables: created with their parts, dropped, or compared part by part.

use std::collections::BTreeSet;

use super::change::{Change, CommentTarget, Constraint, TableDropReason};
use super::columns::{diff_column, enum_type_names};
use super::constraints::{constraints_of, diff_constraints};
use super::indexes::diff_indexes;
use super::{partitions, policies};
use crate::model::{QualifiedName, Schema, Table};

pub(super) fn diff_tables(desired: &Schema, live: &Schema, out: &mut Vec<Change>) {
    let enum_types = enum_type_names(desired, live);
    // Unique / primary keys that are dropped or rebuilt, so that foreign keys leaning on
    // them can be rebuilt too.
    let mut rebuilt_keys: BTreeSet<(QualifiedName, Vec<String>)> = BTreeSet::new();

    let rebuilt = partitions::rebuilt_tables(desired, live);
    let is_rebuilt = |name: &QualifiedName| rebuilt.iter().any(|(n, _)| n == name);
    for (name, want) in &desired.tables {
        match live.tables.get(name) {
            None => create_table(want, out),
            Some(_) if is_rebuilt(name) => create_table(want, out),
            Some(have) if want.partition_of.is_some() && have.partition_of.is_none() => {
                partitions::diff_partition_of(want, have, out);
                let (want, have) = partitions::prepare_attach(want, have, desired);
                diff_table(&want, &have, &enum_types, out, &mut rebuilt_keys);
            }
            Some(have) => {
                partitions::diff_partition_of(want, have, out);
                diff_table(want, have, &enum_types, out, &mut rebuilt_keys);
            }
        }
    }
    for (name, have) in &live.tables {
        let reason = match rebuilt.iter().find(|(n, _)| n == name) {
            Some((_, reason)) => reason.clone(),
            None if desired.tables.contains_key(name) => continue,
            None => TableDropReason::Undeclared,
        };
        for fk in &have.foreign_keys {
            out.push(Change::DropConstraint {
                table: name.clone(),
                constraint: Constraint::ForeignKey(fk.clone()),
            });
        }
        // An index (or a key's index) that goes with the table but whose name a declared
        // table takes is dropped on its own, so that the plan can free the name before a
        // table rename takes it.
        let declares = |index: &str| {
            desired
                .tables
                .contains_key(&QualifiedName::new(&name.schema, index))
        };
        for index in &have.indexes {
            if declares(&index.name) {
                out.push(Change::DropIndex {
                    table: name.clone(),
                    index: index.clone(),
                });
            }
        }
        for key in constraints_of(have).into_values() {
            if matches!(
                key,
                Constraint::PrimaryKey(_) | Constraint::Unique(_) | Constraint::Exclusion(_)
            ) && declares(key.name())
            {
                out.push(Change::DropConstraint {
                    table: name.clone(),
                    constraint: key,
                });
            }
        }
        out.push(Change::DropTable {
            name: name.clone(),
            parent: have.parent().cloned(),
            reason,
        });
    }

    // Foreign keys that stay the same but reference a key being rebuilt must be dropped
    // before and added after it.
    if !rebuilt_keys.is_empty() {
        let mut extra = Vec::new();
        for (name, want) in &desired.tables {
            let Some(have) = live.tables.get(name) else {
                continue;
            };
            for fk in &want.foreign_keys {
                let unchanged = have.foreign_keys.iter().any(|h| h == fk);
                if unchanged
                    && rebuilt_keys
                        .contains(&(fk.referenced_table.clone(), fk.referenced_columns.clone()))
                {
                    extra.push(Change::DropConstraint {
                        table: name.clone(),
                        constraint: Constraint::ForeignKey(fk.clone()),
                    });
                    extra.push(Change::AddConstraint {
                        table: name.clone(),
                        constraint: Constraint::ForeignKey(fk.clone()),
                    });
                }
            }
        }
        out.extend(extra);
    }
}

pub(super) fn create_table(want: &Table, out: &mut Vec<Change>) {
    let mut table = want.clone();
    let fks = std::mem::take(&mut table.foreign_keys);
    let indexes = std::mem::take(&mut table.indexes);
    // Row-level security and policies come as their own changes.
    table.policies.clear();
    table.row_level_security = Default::default();
    out.push(Change::CreateTable(table));
    for fk in fks {
        out.push(Change::AddConstraint {
            table: want.name.clone(),
            constraint: Constraint::ForeignKey(fk),
        });
    }
    for index in indexes {
        if index.comment.is_some() {
            out.push(Change::SetComment {
                target: CommentTarget::Index(QualifiedName::new(&want.name.schema, &index.name)),
                comment: index.comment.clone(),
            });
        }
        out.push(Change::CreateIndex {
            table: want.name.clone(),
            index,
        });
    }
    if want.comment.is_some() {
        out.push(Change::SetComment {
            target: CommentTarget::Table(want.name.clone()),
            comment: want.comment.clone(),
        });
    }
    for (constraint, comment) in &want.constraint_comments {
        out.push(super::constraints::set_constraint_comment(
            &want.name,
            constraint,
            Some(comment),
        ));
    }
    // A partition's columns are its parent's, comments and all.
    for c in want.columns.iter().filter(|_| want.partition_of.is_none()) {
        if c.comment.is_some() {
            out.push(Change::SetComment {
                target: CommentTarget::Column(want.name.clone(), c.name.clone()),
                comment: c.comment.clone(),
            });
        }
    }
    policies::create_policies(want, out);
}

pub(super) fn diff_table(
    want: &Table,
    have: &Table,
    enum_types: &BTreeSet<String>,
    out: &mut Vec<Change>,
    rebuilt_keys: &mut BTreeSet<(QualifiedName, Vec<String>)>,
) {
    let table = &want.name;
    // A partition that becomes a table of its own keeps what was cloned onto it.
    let detached;
    let have = if want.partition_of.is_none() && have.partition_of.is_some() {
        detached = have.detached();
        &detached
    } else {
        have
    };
    if want.unlogged != have.unlogged {
        out.push(Change::SetLogged {
            table: table.clone(),
            unlogged: want.unlogged,
        });
    }
    let own_columns = !partitions::columns_follow_parent(want, have);
    for column in want.columns.iter().filter(|_| own_columns) {
        match have.column(&column.name) {
            None => {
                out.push(Change::AddColumn {
                    table: table.clone(),
                    column: column.clone(),
                });
                if column.comment.is_some() {
                    out.push(Change::SetComment {
                        target: CommentTarget::Column(table.clone(), column.name.clone()),
                        comment: column.comment.clone(),
                    });
                }
            }
            Some(existing) => diff_column(table, column, existing, enum_types, out),
        }
    }
    for column in have.columns.iter().filter(|_| own_columns) {
        if want.column(&column.name).is_none() {
            out.push(Change::DropColumn {
                table: table.clone(),
                column: column.name.clone(),
            });
        }
    }
    diff_constraints(want, have, out, rebuilt_keys);
    diff_indexes(want, have, out);
    policies::diff_policies(want, have, out);
    if want.comment != have.comment {
        out.push(Change::SetComment {
            target: CommentTarget::Table(table.clone()),
            comment: want.comment.clone(),
        });
    }
}
