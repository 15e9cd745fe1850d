//! Declarative partitioning: where a partition hangs, and what a partition is once
//! detached from its parent.

use super::{QualifiedName, Table};

/// Where a partition hangs: its parent and the rows it takes. A partition's columns are
/// its parent's (the loader copies them, introspection reads them); only its own
/// constraints, indexes, triggers, policies and comment are compared, never what
/// PostgreSQL clones onto it from the parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionOf {
    pub parent: QualifiedName,
    /// The bound as `pg_get_expr(relpartbound)` prints it without its leading
    /// `FOR VALUES ` once canonical: `FROM ('2026-01-01') TO ('2027-01-01')`,
    /// `IN ('US', 'CA')`, `WITH (modulus 4, remainder 0)`, or `DEFAULT`.
    pub bounds: String,
}

impl Table {
    /// The cloned objects' table (see [`Table::cloned`]), made when first needed.
    pub fn cloned_mut(&mut self) -> &mut Table {
        let name = self.name.clone();
        self.cloned
            .get_or_insert_with(|| Box::new(Table::new(name)))
    }

    /// The table as it is once detached from its parent: what PostgreSQL had cloned onto
    /// it is its own (named as it was).
    pub fn detached(&self) -> Table {
        let mut t = self.clone();
        t.partition_of = None;
        if let Some(cloned) = t.cloned.take() {
            let cloned = *cloned;
            if t.primary_key.is_none() {
                t.primary_key = cloned.primary_key;
            }
            t.uniques.extend(cloned.uniques);
            t.foreign_keys.extend(cloned.foreign_keys);
            t.checks.extend(cloned.checks);
            t.indexes.extend(cloned.indexes);
            t.uniques.sort_by(|a, b| a.name.cmp(&b.name));
            t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
            t.checks.sort_by(|a, b| a.name.cmp(&b.name));
            t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        }
        t
    }
}
