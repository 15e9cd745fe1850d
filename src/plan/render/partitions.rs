//! SQL text for partitions: attach and detach (creating one is `CREATE TABLE .. PARTITION
//! OF`, in `tables`).

use super::{alter_table, name};
use crate::diff::Change;
pub(super) use crate::sql::partition::bound_clause;

/// The statements of a partition change (as dispatched by [`super::statements`]).
pub(super) fn statements(change: &Change) -> Vec<String> {
    match change {
        Change::AttachPartition {
            table,
            parent,
            bounds,
        } => vec![format!(
            "{} ATTACH PARTITION {} {}",
            alter_table(parent),
            name(table),
            bound_clause(bounds)
        )],
        Change::DetachPartition { table, parent } => vec![format!(
            "{} DETACH PARTITION {}",
            alter_table(parent),
            name(table)
        )],
        other => unreachable!("not a partition change: {other:?}"),
    }
}
