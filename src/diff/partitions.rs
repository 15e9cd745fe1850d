//! Declarative partitioning: which tables are rebuilt because their partition key
//! changes, and which are attached to or detached from a parent.
//!
//! PostgreSQL cannot alter a table's partition key (nor turn a table into a partitioned
//! one or back), so such a table is dropped and created again with its partitions: a
//! destructive step the plan refuses without `--force`. A partition's bounds or parent
//! change by `DETACH PARTITION` + `ATTACH PARTITION`, which keeps its rows (the server
//! checks that they fit the new bounds). An existing table that becomes a partition is
//! attached, rows and all, after its columns are made the parent's; a partition that
//! becomes a table of its own is detached.

use std::collections::BTreeSet;

use super::change::{Change, TableDropReason};
use crate::model::{QualifiedName, Schema, Table};
use crate::sql::expr::same_expression;

/// The live tables that are dropped and created again: those whose partition key
/// changes, and the live partitions under them (at any depth), which go with them.
pub(super) fn rebuilt_tables(
    desired: &Schema,
    live: &Schema,
) -> Vec<(QualifiedName, TableDropReason)> {
    let mut out: Vec<(QualifiedName, TableDropReason)> = Vec::new();
    let mut rebuilt: BTreeSet<QualifiedName> = BTreeSet::new();
    for (name, want) in &desired.tables {
        if let Some(have) = live.tables.get(name)
            && !same_key(&want.partition_by, &have.partition_by)
        {
            rebuilt.insert(name.clone());
            out.push((
                name.clone(),
                TableDropReason::Repartitioned {
                    from: have.partition_by.clone(),
                    to: want.partition_by.clone(),
                },
            ));
        }
    }
    // Partitions of rebuilt tables, level by level.
    let mut frontier: Vec<QualifiedName> = rebuilt.iter().cloned().collect();
    while let Some(parent) = frontier.pop() {
        for (name, t) in &live.tables {
            if t.parent() == Some(&parent) && rebuilt.insert(name.clone()) {
                // A partition the file no longer declares is dropped as undeclared.
                if desired.tables.contains_key(name) {
                    out.push((name.clone(), TableDropReason::ParentRebuilt(parent.clone())));
                }
                frontier.push(name.clone());
            }
        }
    }
    out
}

/// Partition keys (and bounds) compare as expressions: keyword case and blanks aside.
fn same_key(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same_expression(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Whether the live `have`'s columns are the partition's parent's, so that the parent's
/// column changes reach it and it has none to compare of its own.
pub(super) fn columns_follow_parent(want: &Table, have: &Table) -> bool {
    want.partition_of.is_some() && have.partition_of.is_some()
}

/// Attach, detach or both (new bounds, new parent) for a table that stays.
pub(super) fn diff_partition_of(want: &Table, have: &Table, out: &mut Vec<Change>) {
    let same = match (&want.partition_of, &have.partition_of) {
        (Some(w), Some(h)) => w.parent == h.parent && same_expression(&w.bounds, &h.bounds),
        (None, None) => true,
        _ => false,
    };
    if same {
        return;
    }
    if let Some(old) = &have.partition_of {
        out.push(Change::DetachPartition {
            table: want.name.clone(),
            parent: old.parent.clone(),
        });
    }
    if let Some(new) = &want.partition_of {
        out.push(Change::AttachPartition {
            table: want.name.clone(),
            parent: new.parent.clone(),
            bounds: new.bounds.clone(),
        });
    }
}

/// A plain table that becomes a partition, as the diff should see it so that `ATTACH
/// PARTITION` takes it: the checks of its parents it lacks are added first (PostgreSQL
/// requires each of them, by name, and makes them inherited), and its own keys, unique
/// constraints, foreign keys and indexes that match the parent's are left alone (the
/// attach adopts them as the parent's clones) rather than dropped.
pub(super) fn prepare_attach(want: &Table, have: &Table, desired: &Schema) -> (Table, Table) {
    let mut want = want.clone();
    let mut have = have.clone();
    let mut at = want.parent().cloned();
    let mut parent = None;
    for _ in 0..=desired.tables.len() {
        let Some(name) = at else {
            break;
        };
        let Some(ancestor) = desired.tables.get(&name) else {
            break;
        };
        parent.get_or_insert(ancestor);
        for c in &ancestor.checks {
            if !want.checks.iter().any(|w| w.name == c.name) {
                want.checks.push(c.clone());
            }
        }
        at = ancestor.parent().cloned();
    }
    want.checks.sort_by(|a, b| a.name.cmp(&b.name));
    let Some(parent) = parent else {
        return (want, have);
    };
    if let (Some(own), Some(theirs)) = (&have.primary_key, &parent.primary_key)
        && own.columns == theirs.columns
        && want.primary_key.is_none()
    {
        have.primary_key = None;
    }
    have.uniques.retain(|u| {
        !parent
            .uniques
            .iter()
            .any(|p| p.columns == u.columns && p.nulls_not_distinct == u.nulls_not_distinct)
    });
    have.foreign_keys.retain(|f| {
        !parent.foreign_keys.iter().any(|p| {
            p.columns == f.columns
                && p.referenced_table == f.referenced_table
                && p.referenced_columns == f.referenced_columns
                && p.on_delete == f.on_delete
                && p.on_update == f.on_update
        })
    });
    have.indexes
        .retain(|i| !parent.indexes.iter().any(|p| same_index(p, i)));
    (want, have)
}

/// Two indexes the server would take for one another when attaching (names aside).
fn same_index(a: &crate::model::Index, b: &crate::model::Index) -> bool {
    a.unique == b.unique
        && a.method == b.method
        && a.nulls_not_distinct == b.nulls_not_distinct
        && a.include == b.include
        && a.keys.len() == b.keys.len()
        && a.keys
            .iter()
            .zip(&b.keys)
            .all(|(x, y)| same_expression(x, y))
        && match (&a.predicate, &b.predicate) {
            (Some(x), Some(y)) => same_expression(x, y),
            (None, None) => true,
            _ => false,
        }
}
