//! Indexes: renamed when found under another name, rebuilt when their definition changes.

use std::collections::BTreeMap;

use super::change::{Change, CommentTarget};
use super::renames::renamed_by_definition;
use crate::model::{Index, QualifiedName, Table};
use crate::sql::expr::same_expression;

pub(super) fn same_index_definition(a: &Index, b: &Index) -> bool {
    a.unique == b.unique
        && a.method == b.method
        && a.keys.len() == b.keys.len()
        && a.keys
            .iter()
            .zip(&b.keys)
            .all(|(x, y)| same_expression(x, y))
        && a.include == b.include
        && match (&a.predicate, &b.predicate) {
            (Some(x), Some(y)) => same_expression(x, y),
            (None, None) => true,
            _ => false,
        }
        && a.nulls_not_distinct == b.nulls_not_distinct
        && same_set(&a.storage, &b.storage)
        && a.invalid == b.invalid
}

pub(super) fn same_set(a: &[String], b: &[String]) -> bool {
    let mut a: Vec<&String> = a.iter().collect();
    let mut b: Vec<&String> = b.iter().collect();
    a.sort();
    b.sort();
    a == b
}

pub(super) fn diff_indexes(want: &Table, have: &Table, out: &mut Vec<Change>) {
    let table = &want.name;
    let mut existing: BTreeMap<String, Index> = have
        .indexes
        .iter()
        .map(|i| (i.name.clone(), i.clone()))
        .collect();
    let mut wanted: BTreeMap<String, &Index> =
        want.indexes.iter().map(|i| (i.name.clone(), i)).collect();
    // A partition's own index that a later index of its parent adopted (PostgreSQL
    // attaches a matching index instead of building another) is there, under its name,
    // now as the parent's clone: nothing to create, and it can no longer be dropped alone.
    if let Some(cloned) = &have.cloned {
        wanted.retain(|name, index| {
            !(cloned.indexes.iter()).any(|c| c.name == *name && same_index_definition(index, c))
        });
    }

    for (old_name, new_name) in renamed_by_definition(&existing, &wanted, |d: &&Index, l| {
        same_index_definition(d, l)
    }) {
        out.push(Change::RenameIndex {
            index: QualifiedName::new(&table.schema, &old_name),
            to: new_name.clone(),
        });
        let mut renamed = existing.remove(&old_name).expect("a live index");
        renamed.name = new_name.clone();
        existing.insert(new_name, renamed);
    }

    for (name, have_i) in &existing {
        if !wanted
            .get(name)
            .is_some_and(|w| same_index_definition(w, have_i))
        {
            out.push(Change::DropIndex {
                table: table.clone(),
                index: have_i.clone(),
            });
        }
    }
    for (name, want_i) in &wanted {
        match existing.get(name) {
            Some(have_i) if same_index_definition(want_i, have_i) => {
                if want_i.comment != have_i.comment {
                    out.push(Change::SetComment {
                        target: CommentTarget::Index(QualifiedName::new(&table.schema, name)),
                        comment: want_i.comment.clone(),
                    });
                }
            }
            _ => {
                out.push(Change::CreateIndex {
                    table: table.clone(),
                    index: (*want_i).clone(),
                });
                if want_i.comment.is_some() {
                    out.push(Change::SetComment {
                        target: CommentTarget::Index(QualifiedName::new(&table.schema, name)),
                        comment: want_i.comment.clone(),
                    });
                }
            }
        }
    }
}
