//! Declarative partitioning: a table's `partition_by`, a partition's `partition_of` and
//! `bounds`. Partitions are loaded after their parents (see [`load_order`]) so that they
//! take the parent's columns before their own indexes and checks name them.

use std::collections::BTreeMap;

use super::ctx::{Ctx, find};
use crate::model::{Column, PartitionOf, QualifiedName, Table};
use crate::schema_file::path;
use crate::schema_file::tree::{Entry, Val};
use crate::sql::partition::{check_bounds, check_partition_by, normalize_bounds};

/// The partition key of a table, as written (checked to be one clause).
pub(super) fn load_partition_by(ctx: &mut Ctx<'_>, entries: &[Entry], table: &mut Table) {
    let Some(e) = find(entries, "partition_by") else {
        return;
    };
    let Some(raw) = ctx.string(&e.node, "partition_by") else {
        return;
    };
    let text = raw.trim();
    if text.contains('\0') {
        return;
    }
    let checked = check_partition_by(text, "partition_by");
    if ctx.fragment_result(&e.node, &raw, text, checked) {
        table.partition_by = Some(text.to_string());
    }
}

/// The parent a table's `partition_of` names, if it names one well-formed.
pub(super) fn parent_name(entries: &[Entry]) -> Option<QualifiedName> {
    match &find(entries, "partition_of")?.node.val {
        Val::Str(s) => path::parse_qualified(s),
        _ => None,
    }
}

/// `partition_of` and `bounds` of a table; with them, the parent's columns (`parent`,
/// already loaded) become the partition's.
pub(super) fn load_partition_of(
    ctx: &mut Ctx<'_>,
    name: &QualifiedName,
    entries: &[Entry],
    parent: Option<&Table>,
    table: &mut Table,
) {
    let of = find(entries, "partition_of");
    let bounds = find(entries, "bounds");
    let Some(of) = of else {
        if let Some(b) = bounds {
            ctx.error(
                &b.key_span,
                format!("table {name} has `bounds` but no `partition_of`"),
                Some(
                    "name the partitioned table it is a partition of: partition_of = \"events\""
                        .into(),
                ),
            );
        }
        return;
    };
    let Some(text) = ctx.string(&of.node, "partition_of") else {
        return;
    };
    let Some(parent_name) = path::parse_qualified(&text) else {
        ctx.error(
            &of.node.span,
            format!("malformed partition_of {text:?}"),
            Some("write \"table\" or \"schema.table\"".into()),
        );
        return;
    };
    if let Some(c) = find(entries, "columns") {
        ctx.error(
            &c.key_span,
            format!("partition {name} declares columns; a partition's columns are its parent's"),
            Some(format!(
                "declare the columns on {parent_name} and remove `columns` here"
            )),
        );
    }
    let Some(b) = bounds else {
        ctx.error(
            &of.key_span,
            format!("partition {name} has no `bounds`"),
            Some(
                "write bounds = \"from ('2026-01-01') to ('2027-01-01')\", \"in ('a', 'b')\", \
                 \"with (modulus 4, remainder 0)\" or \"default\""
                    .into(),
            ),
        );
        return;
    };
    let Some(raw) = ctx.string(&b.node, "bounds") else {
        return;
    };
    let trimmed = raw.trim();
    if trimmed.contains('\0') {
        return;
    }
    let checked = check_bounds(trimmed, "bounds");
    if !ctx.fragment_result(&b.node, &raw, trimmed, checked) {
        return;
    }
    match parent {
        None => {
            let hint = if parent_name == *name {
                "a table cannot be a partition of itself".to_string()
            } else {
                format!(
                    "declare [tables.{}] with partition_by",
                    path::qualified(&parent_name)
                )
            };
            ctx.error(
                &of.node.span,
                format!("partition {name}: partition_of names {parent_name}, which the file does not declare (or which is itself one of {name}'s partitions)"),
                Some(hint),
            );
            return;
        }
        Some(p) if p.partition_by.is_none() => {
            ctx.error(
                &of.node.span,
                format!("partition {name}: {parent_name} is not partitioned"),
                Some(format!(
                    "give {parent_name} a partition key: partition_by = \"range (column)\""
                )),
            );
            return;
        }
        Some(p) => {
            table.columns = p.columns.iter().map(inherited).collect();
        }
    }
    table.partition_of = Some(PartitionOf {
        parent: parent_name,
        bounds: normalize_bounds(trimmed),
    });
}

/// A parent's column as its partitions have it: the name, type, collation and
/// constraints are the parent's; comments and rename hints stay with the parent.
fn inherited(c: &Column) -> Column {
    Column {
        comment: None,
        renamed_from: None,
        ..c.clone()
    }
}

/// The order to load the `[tables]` entries in: every partition after its parent (file
/// order otherwise). A cycle of `partition_of` leaves its tables in file order; loading
/// them then reports the missing parent.
pub(super) fn load_order(
    keys: &[Option<QualifiedName>],
    parents: &[Option<QualifiedName>],
) -> Vec<usize> {
    let index: BTreeMap<&QualifiedName, usize> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| Some((k.as_ref()?, i)))
        .collect();
    let mut order = Vec::with_capacity(keys.len());
    let mut state = vec![0u8; keys.len()]; // 0 new, 1 visiting, 2 done
    fn visit(
        i: usize,
        parents: &[Option<QualifiedName>],
        index: &BTreeMap<&QualifiedName, usize>,
        state: &mut [u8],
        order: &mut Vec<usize>,
    ) {
        if state[i] != 0 {
            return;
        }
        state[i] = 1;
        if let Some(p) = parents[i].as_ref().and_then(|p| index.get(p)) {
            visit(*p, parents, index, state, order);
        }
        state[i] = 2;
        order.push(i);
    }
    for i in 0..keys.len() {
        visit(i, parents, &index, &mut state, &mut order);
    }
    order
}
