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
