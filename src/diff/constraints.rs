//! Table constraints: primary key, unique, check, foreign key, exclusion.

use std::collections::{BTreeMap, BTreeSet};

use super::change::{Change, CommentTarget, Constraint};
use super::renames::renamed_by_definition;
use crate::model::{CheckConstraint, PrimaryKey, QualifiedName, Table, UniqueConstraint};
use crate::sql::expr::same_expression;

pub(super) fn same_check(a: &CheckConstraint, b: &CheckConstraint) -> bool {
    same_expression(&a.expression, &b.expression)
        && a.no_inherit == b.no_inherit
        && a.not_valid == b.not_valid
}

/// Same definition, ignoring the name.
pub(super) fn same_constraint_definition(a: &Constraint, b: &Constraint) -> bool {
    match (a, b) {
        (Constraint::PrimaryKey(a), Constraint::PrimaryKey(b)) => {
            a.columns == b.columns && a.deferrable == b.deferrable
        }
        (Constraint::Unique(a), Constraint::Unique(b)) => {
            a.columns == b.columns
                && a.nulls_not_distinct == b.nulls_not_distinct
                && a.deferrable == b.deferrable
        }
        (Constraint::Check(a), Constraint::Check(b)) => same_check(a, b),
        (Constraint::ForeignKey(a), Constraint::ForeignKey(b)) => {
            let mut b = b.clone();
            b.name = a.name.clone();
            *a == b
        }
        (Constraint::Exclusion(a), Constraint::Exclusion(b)) => {
            same_expression(&a.definition, &b.definition)
        }
        _ => false,
    }
}

pub(super) fn constraints_of(t: &Table) -> BTreeMap<String, Constraint> {
    let mut all = BTreeMap::new();
    if let Some(pk) = &t.primary_key {
        all.insert(pk.name.clone(), Constraint::PrimaryKey(pk.clone()));
    }
    for u in &t.uniques {
        all.insert(u.name.clone(), Constraint::Unique(u.clone()));
    }
    for c in &t.checks {
        all.insert(c.name.clone(), Constraint::Check(c.clone()));
    }
    for f in &t.foreign_keys {
        all.insert(f.name.clone(), Constraint::ForeignKey(f.clone()));
    }
    for x in &t.exclusions {
        all.insert(x.name.clone(), Constraint::Exclusion(x.clone()));
    }
    all
}

pub(super) fn diff_constraints(
    want: &Table,
    have: &Table,
    out: &mut Vec<Change>,
    rebuilt_keys: &mut BTreeSet<(QualifiedName, Vec<String>)>,
) {
    let table = &want.name;
    let wanted = constraints_of(want);
    let mut existing = constraints_of(have);
    let mut live_comments = have.constraint_comments.clone();

    for (old_name, new_name) in
        renamed_by_definition(&existing, &wanted, same_constraint_definition)
    {
        out.push(Change::RenameConstraint {
            table: table.clone(),
            from: old_name.clone(),
            to: new_name.clone(),
        });
        let mut renamed = existing.remove(&old_name).expect("a live constraint");
        renamed.set_name(new_name.clone());
        // RENAME CONSTRAINT keeps the comment.
        if let Some(c) = live_comments.remove(&old_name) {
            live_comments.insert(new_name.clone(), c);
        }
        existing.insert(new_name, renamed);
    }

    for (name, have_c) in &existing {
        let keep = wanted
            .get(name)
            .is_some_and(|w| same_constraint_definition(w, have_c));
        if !keep {
            if let Constraint::PrimaryKey(PrimaryKey { columns, .. })
            | Constraint::Unique(UniqueConstraint { columns, .. }) = have_c
            {
                rebuilt_keys.insert((table.clone(), columns.clone()));
            }
            out.push(Change::DropConstraint {
                table: table.clone(),
                constraint: have_c.clone(),
            });
        }
    }
    for (name, want_c) in &wanted {
        let present = existing
            .get(name)
            .is_some_and(|h| same_constraint_definition(want_c, h));
        if !present {
            out.push(Change::AddConstraint {
                table: table.clone(),
                constraint: want_c.clone(),
            });
            // Added (again): it has no comment yet.
            live_comments.remove(name);
        }
        let comment = want.constraint_comments.get(name);
        if comment != live_comments.get(name) {
            out.push(set_constraint_comment(table, name, comment));
        }
    }
}

pub(super) fn set_constraint_comment(
    table: &QualifiedName,
    constraint: &str,
    comment: Option<&String>,
) -> Change {
    Change::SetComment {
        target: CommentTarget::Constraint(table.clone(), constraint.to_string()),
        comment: comment.cloned(),
    }
}
