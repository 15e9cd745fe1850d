//! Columns: type, default, nullability, identity, generation.

use std::collections::BTreeSet;

use super::change::{Change, CommentTarget};
use super::dependents;
use crate::model::{Column, Identity, QualifiedName, Schema, SequenceOptions};
use crate::sql::expr::same_expression;
use crate::sql::spelling::type_text;

/// Columns dropped and added again, or converted through `text`, lose (or cannot keep)
/// their indexes and constraints: drop those explicitly so that the table diff adds the
/// declared ones back.
pub(super) fn detach_from_changed_columns(
    desired: &Schema,
    live: &mut Schema,
    out: &mut Vec<Change>,
) {
    let enum_types = enum_type_names(desired, live);
    let mut detach = dependents::Detach::default();
    for (name, want) in &desired.tables {
        let Some(have) = live.tables.get(name) else {
            continue;
        };
        for column in &want.columns {
            if let Some(existing) = have.column(&column.name)
                && (recreates(column, existing) || converts_via_text(column, existing, &enum_types))
            {
                detach.columns.insert((name.clone(), column.name.clone()));
            }
        }
    }
    dependents::detach(live, desired, detach, out);
}

/// Every enum's type spelling, declared or live.
pub(super) fn enum_type_names(desired: &Schema, live: &Schema) -> BTreeSet<String> {
    desired
        .enums
        .keys()
        .chain(live.enums.keys())
        .map(type_text)
        .collect()
}

/// A stored generated column whose expression (or type) changes cannot be altered in
/// place: it is dropped and added again, as is one that turns VIRTUAL or STORED.
pub(super) fn recreates(want: &Column, have: &Column) -> bool {
    let generated_changed = match (&want.generated, &have.generated) {
        (Some(w), Some(h)) => {
            !same_expression(w, h) || want.virtual_generated != have.virtual_generated
        }
        (Some(_), None) => true,
        // PostgreSQL cannot drop the expression of a virtual column (it stores nothing).
        (None, Some(_)) => have.virtual_generated,
        _ => false,
    };
    generated_changed || (want.generated.is_some() && want.data_type != have.data_type)
}

/// A type change to or from an enum, which PostgreSQL casts only through `text`.
pub(super) fn converts_via_text(
    want: &Column,
    have: &Column,
    enum_types: &BTreeSet<String>,
) -> bool {
    want.data_type != have.data_type
        && [&want.data_type, &have.data_type]
            .iter()
            .any(|t| enum_types.contains(t.trim_end_matches("[]")))
}

pub(super) fn diff_column(
    table: &QualifiedName,
    want: &Column,
    have: &Column,
    enum_types: &BTreeSet<String>,
    out: &mut Vec<Change>,
) {
    let column = || want.name.clone();
    if recreates(want, have) {
        out.push(Change::RecreateColumn {
            table: table.clone(),
            column: want.clone(),
        });
        out.push(Change::AddColumn {
            table: table.clone(),
            column: want.clone(),
        });
        if want.comment.is_some() {
            out.push(Change::SetComment {
                target: CommentTarget::Column(table.clone(), want.name.clone()),
                comment: want.comment.clone(),
            });
        }
        return;
    }
    if want.generated.is_none() && have.generated.is_some() {
        out.push(Change::DropExpression {
            table: table.clone(),
            column: column(),
        });
    }

    let type_changed = want.data_type != have.data_type || want.collation != have.collation;
    let default_changed = match (&want.default, &have.default) {
        (Some(w), Some(h)) => !same_expression(w, h),
        (None, None) => false,
        _ => true,
    };
    // Defaults are dropped around a type change: the old default may not cast.
    if have.default.is_some() && (default_changed || type_changed) {
        out.push(Change::DropDefault {
            table: table.clone(),
            column: column(),
        });
    }
    match (&want.identity, &have.identity) {
        (None, Some(_)) => out.push(Change::DropIdentity {
            table: table.clone(),
            column: column(),
        }),
        (Some(w), Some(h)) if !same_identity(w, h, &want.data_type) => {
            out.push(Change::AlterIdentity {
                table: table.clone(),
                column: column(),
                data_type: want.data_type.clone(),
                from: h.clone(),
                to: w.clone(),
            })
        }
        _ => {}
    }
    if type_changed {
        out.push(Change::AlterColumnType {
            table: table.clone(),
            column: column(),
            from: have.data_type.clone(),
            to: want.data_type.clone(),
            collation: want.collation.clone(),
            via_text: converts_via_text(want, have, enum_types),
        });
    }
    if let Some(expression) = &want.default
        && (default_changed || type_changed)
    {
        out.push(Change::SetDefault {
            table: table.clone(),
            column: column(),
            expression: expression.clone(),
        });
    }
    if want.not_null != have.not_null {
        if want.not_null {
            out.push(Change::SetNotNull {
                table: table.clone(),
                column: column(),
            });
        } else {
            out.push(Change::DropNotNull {
                table: table.clone(),
                column: column(),
            });
        }
    }
    if let (Some(w), None) = (&want.identity, &have.identity) {
        out.push(Change::AddIdentity {
            table: table.clone(),
            column: column(),
            identity: w.clone(),
        });
    }
    if want.comment != have.comment {
        out.push(Change::SetComment {
            target: CommentTarget::Column(table.clone(), column()),
            comment: want.comment.clone(),
        });
    }
}

/// Identity options left out mean PostgreSQL's defaults for the column type.
pub(super) fn same_identity(a: &Identity, b: &Identity, data_type: &str) -> bool {
    let effective = |i: &Identity| {
        i.options
            .clone()
            .unwrap_or_else(|| SequenceOptions::defaults_for(data_type, 1))
    };
    a.kind == b.kind && effective(a) == effective(b)
}
