//! Enum types: created, values added in place, or rebuilt with their columns.

use std::collections::BTreeSet;

use super::change::{Change, CommentTarget, EnumColumn, EnumPosition};
use super::dependents;
use crate::model::{Enum, Schema};
use crate::sql::spelling::type_text;

pub(super) fn diff_enums(desired: &Schema, live: &mut Schema, out: &mut Vec<Change>) {
    for (name, want) in &desired.enums {
        let Some(have) = live.enums.get(name).cloned() else {
            out.push(Change::CreateEnum(want.clone()));
            if want.comment.is_some() {
                out.push(Change::SetComment {
                    target: CommentTarget::Enum(name.clone()),
                    comment: want.comment.clone(),
                });
            }
            continue;
        };
        if have.values != want.values {
            diff_enum_values(desired, live, &have, want, out);
        }
        if have.comment != want.comment {
            out.push(Change::SetComment {
                target: CommentTarget::Enum(name.clone()),
                comment: want.comment.clone(),
            });
        }
    }
    for name in live.enums.keys() {
        if !desired.enums.contains_key(name) {
            out.push(Change::DropEnum(name.clone()));
        }
    }
}

pub(super) fn diff_enum_values(
    desired: &Schema,
    live: &mut Schema,
    have: &Enum,
    want: &Enum,
    out: &mut Vec<Change>,
) {
    // Only additions, with the old values in the same order: ALTER TYPE .. ADD VALUE.
    let kept: Vec<&String> = want
        .values
        .iter()
        .filter(|v| have.values.contains(v))
        .collect();
    let only_additions =
        kept.len() == have.values.len() && kept.iter().zip(&have.values).all(|(a, b)| *a == b);
    if only_additions {
        // New values are committed before the rest of the plan runs, a rename included:
        // they name the type as the database calls it now.
        let live_name = out
            .iter()
            .find_map(|c| match c {
                Change::RenameEnum { from, to }
                    if *to == want.name.name && from.schema == want.name.schema =>
                {
                    Some(from.clone())
                }
                _ => None,
            })
            .unwrap_or_else(|| want.name.clone());
        for (i, value) in want.values.iter().enumerate() {
            if have.values.contains(value) {
                continue;
            }
            // Anchor on the next existing value so that several additions land in order.
            let next_existing = want.values[i + 1..]
                .iter()
                .find(|v| have.values.contains(v));
            let position = match next_existing {
                Some(next) => EnumPosition::Before(next.clone()),
                None => EnumPosition::Last,
            };
            out.push(Change::AddEnumValue {
                name: live_name.clone(),
                value: value.clone(),
                position,
            });
        }
        return;
    }
    // Values removed or reordered: the type is rebuilt. Its columns lose their defaults
    // on the way (an old default may name a removed value); the column diff then sets the
    // declared ones again.
    let type_name = type_text(&want.name);
    let array_name = format!("{type_name}[]");
    let mut columns = Vec::new();
    for table in live.tables.values_mut() {
        // Columns and tables that go away are dropped before the type is rebuilt.
        let Some(kept) = desired.tables.get(&table.name) else {
            continue;
        };
        // A partition's columns are converted with its parent's.
        if table.partition_of.is_some() && kept.partition_of.is_some() {
            continue;
        }
        for c in &mut table.columns {
            if kept.column(&c.name).is_none() {
                continue;
            }
            if c.data_type == type_name || c.data_type == array_name {
                columns.push(EnumColumn {
                    table: table.name.clone(),
                    column: c.name.clone(),
                    data_type: c.data_type.clone(),
                    default: c.default.take(),
                });
            }
        }
    }
    let removed = have
        .values
        .iter()
        .filter(|v| !want.values.contains(v))
        .cloned()
        .collect();
    let detach = dependents::Detach {
        columns: columns
            .iter()
            .map(|c| (c.table.clone(), c.column.clone()))
            .collect(),
        type_names: BTreeSet::from([want.name.name.clone()]),
    };
    dependents::detach(live, desired, detach, out);
    out.push(Change::RecreateEnum {
        old: have.clone(),
        new: want.clone(),
        columns,
        removed,
    });
}
