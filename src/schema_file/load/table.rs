//! `[tables]`: a table's own keys, its columns, constraints and indexes (each loaded in
//! its own file).

use std::collections::BTreeSet;

use super::column::load_column;
use super::constraint::PendingFk;
use super::ctx::{Ctx, find};
use super::renames::{check_renames, rename_hint, rename_hints};
use super::{Scope, Seen, table_name};
use super::{constraint, index, partition, policy};
use crate::model::{QualifiedName, Schema, Table};
use crate::schema_file::tree::{Entry, Span, Val};

pub(super) const TABLE_KEYS: &[&str] = &[
    "columns",
    "primary_key",
    "unique",
    "checks",
    "exclude",
    "foreign_keys",
    "indexes",
    "renamed_from",
    "comment",
    "unlogged",
    "row_level_security",
    "policies",
    "triggers",
    "partition_by",
    "partition_of",
    "bounds",
];

/// Loads `[tables]` into `schema`; the foreign keys come back to be resolved once every
/// table is known.
pub(super) fn load_tables(
    ctx: &mut Ctx<'_>,
    top: &[Entry],
    enums: &BTreeSet<QualifiedName>,
    schema: &mut Schema,
    seen: &mut Seen,
    trigger_functions: &mut Vec<super::trigger::PendingTriggerFunction>,
) -> Vec<PendingFk> {
    let mut pending_fks = Vec::new();
    if let Some(e) = find(top, "tables")
        && let Some(entries) = ctx.table(&e.node, "[tables]")
    {
        let names: Vec<Option<QualifiedName>> =
            entries.iter().map(|e| table_name(ctx, e)).collect();
        let parents: Vec<Option<QualifiedName>> = entries
            .iter()
            .map(|e| match &e.node.val {
                Val::Table(fields) => partition::parent_name(fields),
                _ => None,
            })
            .collect();
        for i in partition::load_order(&names, &parents) {
            let e = &entries[i];
            let Some(name) = names[i].clone() else {
                continue;
            };
            if schema.tables.contains_key(&name) {
                ctx.error(&e.key_span, format!("table {name} is declared twice"), None);
                continue;
            }
            seen.relation(
                ctx,
                &name.schema,
                &name.name,
                format!("table {name}"),
                &e.key_span,
            );
            if schema.enums.contains_key(&name) {
                ctx.error(
                    &e.key_span,
                    format!("table {name} has the same name as enum {name}"),
                    Some(
                        "a table's row type and an enum share one type namespace; rename one"
                            .into(),
                    ),
                );
            }
            let Some(entries) = ctx.table(&e.node, &format!("table {name}")) else {
                continue;
            };
            let parent = parents[i].as_ref().and_then(|p| schema.tables.get(p));
            let mut scope = Scope {
                enums,
                sequences: &mut schema.sequences,
                seen,
                pending_fks: &mut pending_fks,
                trigger_functions,
            };
            let mut table = load_table(ctx, &mut scope, &name, &e.key_span, entries, parent);
            if let Some(t) = find(entries, "triggers") {
                table.triggers = super::trigger::load_triggers(
                    ctx,
                    &name,
                    Some(&table.columns),
                    &t.node,
                    scope.trigger_functions,
                );
            }
            schema.tables.insert(name, table);
        }
    }

    if let Some(e) = find(top, "tables")
        && let Val::Table(entries) = &e.node.val
    {
        let declared = schema.tables.keys().cloned().collect();
        check_renames(ctx, "table", &declared, rename_hints(entries));
    }
    pending_fks
}

pub(super) fn load_table(
    ctx: &mut Ctx<'_>,
    scope: &mut Scope<'_>,
    name: &QualifiedName,
    key_span: &Span,
    entries: &[Entry],
    parent: Option<&Table>,
) -> Table {
    let mut table = Table::new(name.clone());
    ctx.check_keys(entries, TABLE_KEYS, &format!("table {name}"));
    partition::load_partition_by(ctx, entries, &mut table);
    partition::load_partition_of(ctx, name, entries, parent, &mut table);
    if let Some(e) = find(entries, "comment") {
        table.comment = ctx.string(&e.node, "comment");
    }
    if let Some(e) = find(entries, "renamed_from") {
        table.renamed_from = ctx.string(&e.node, "renamed_from");
    }
    if let Some(e) = find(entries, "unlogged") {
        table.unlogged = ctx.boolean(&e.node, "unlogged").unwrap_or(false);
    }

    let mut sugar = Vec::new();
    if let Some(e) = find(entries, "columns").filter(|_| find(entries, "partition_of").is_none())
        && let Some(cols) = ctx.table(&e.node, &format!("columns of {name}"))
    {
        for c in cols {
            if let Some((col, s)) = load_column(ctx, scope, name, c) {
                sugar.push(s);
                table.columns.push(col);
            }
        }
        // Column names are scoped to their table: checked per table, in no schema.
        let declared = table
            .columns
            .iter()
            .map(|c| QualifiedName::new("", &c.name))
            .collect();
        let hints = cols
            .iter()
            .filter_map(|c| {
                let Val::Table(fields) = &c.node.val else {
                    return None;
                };
                let (old, span) = rename_hint(fields)?;
                Some((
                    QualifiedName::new("", &c.key),
                    QualifiedName::new("", old),
                    span,
                ))
            })
            .collect();
        check_renames(ctx, "column", &declared, hints);
    }

    constraint::primary_key(ctx, name, entries, &mut table, &sugar);
    constraint::lift_sugar(ctx, name, &mut table, &sugar, scope.pending_fks);
    constraint::uniques(ctx, name, entries, &mut table);
    constraint::checks(ctx, entries, &mut table);
    constraint::exclusions(ctx, entries, &mut table);
    constraint::foreign_keys(ctx, name, entries, &table, scope.pending_fks);
    index::load_indexes(ctx, name, entries, &mut table, scope.seen);
    constraint::check_names(ctx, name, key_span, &table, scope.pending_fks, scope.seen);
    policy::load_policies(ctx, entries, &mut table);
    table
}
