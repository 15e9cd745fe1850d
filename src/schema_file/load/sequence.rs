//! `[sequences]`, and the sequence options an identity column shares with them.

use std::collections::BTreeSet;

use super::ctx::{Ctx, find};
use super::{Seen, qualified_key};
use crate::model::{QualifiedName, Schema, Sequence, SequenceOptions};
use crate::schema_file::path;
use crate::schema_file::tree::{Entry, Node, Span};
use crate::sql::types::{self};

pub(super) const SEQUENCE_OPTION_KEYS: &[&str] = &[
    "type",
    "start",
    "increment",
    "min_value",
    "max_value",
    "cache",
    "cycle",
];

pub(super) struct PendingOwner {
    pub(super) sequence: QualifiedName,
    pub(super) table: QualifiedName,
    pub(super) column: String,
    pub(super) span: Span,
}

/// Loads `[sequences]` into `schema`; their `owned_by` columns are checked once the tables
/// are loaded ([`resolve_owners`]).
pub(super) fn load_sequences(
    ctx: &mut Ctx<'_>,
    top: &[Entry],
    enums: &BTreeSet<QualifiedName>,
    schema: &mut Schema,
    seen: &mut Seen,
) -> Vec<PendingOwner> {
    let mut owners = Vec::new();
    if let Some(e) = find(top, "sequences")
        && let Some(entries) = ctx.table(&e.node, "[sequences]")
    {
        for e in entries {
            if let Some((seq, owner)) = load_sequence(ctx, e, enums) {
                seen.relation(
                    ctx,
                    &seq.name.schema,
                    &seq.name.name,
                    format!("sequence {}", seq.name),
                    &e.key_span,
                );
                if let Some(o) = owner {
                    owners.push(o);
                }
                schema.sequences.insert(seq.name.clone(), seq);
            }
        }
    }
    owners
}

/// Points each declared sequence at its `owned_by` column, which must be declared.
pub(super) fn resolve_owners(ctx: &mut Ctx<'_>, schema: &mut Schema, owners: Vec<PendingOwner>) {
    for o in owners {
        let ok = schema
            .tables
            .get(&o.table)
            .is_some_and(|t| t.column(&o.column).is_some());
        if !ok {
            ctx.error(
                &o.span,
                format!("owned_by: no column {}.{} in this file", o.table, o.column),
                None,
            );
        } else if let Some(seq) = schema.sequences.get_mut(&o.sequence) {
            seq.owned_by = Some((o.table, o.column));
        }
    }
}

pub(super) fn integer_type(
    ctx: &mut Ctx<'_>,
    node: &Node,
    enums: &BTreeSet<QualifiedName>,
) -> Option<String> {
    let text = ctx.string(node, "type")?;
    match types::canonical(&text, enums) {
        Ok(c)
            if c.serial.is_none()
                && ["smallint", "integer", "bigint"].contains(&c.name.as_str()) =>
        {
            Some(c.name)
        }
        Ok(c) => {
            ctx.error(
                &node.span,
                format!(
                    "a sequence must be smallint, integer or bigint, not {}",
                    c.name
                ),
                None,
            );
            None
        }
        Err(e) => {
            ctx.error(&node.span, e.message, e.hint);
            None
        }
    }
}

/// Sequence options from `entries` (keys not checked here); `data_type` is the default type.
pub(super) fn sequence_options(
    ctx: &mut Ctx<'_>,
    entries: &[Entry],
    data_type: &str,
    enums: &BTreeSet<QualifiedName>,
    span: &Span,
) -> SequenceOptions {
    let data_type = match find(entries, "type") {
        Some(t) => integer_type(ctx, &t.node, enums).unwrap_or_else(|| data_type.to_string()),
        None => data_type.to_string(),
    };
    let mut int = |key: &str| find(entries, key).and_then(|e| ctx.integer(&e.node, key));
    let increment = int("increment").unwrap_or(1);
    let min = int("min_value");
    let max = int("max_value");
    let start = int("start");
    let cache = int("cache");
    let increment = if increment == 0 {
        ctx.error(span, "increment must not be zero", None);
        1
    } else {
        increment
    };
    let defaults = SequenceOptions::defaults_for(&data_type, increment);
    let min_value = min.unwrap_or(defaults.min_value);
    let max_value = max.unwrap_or(defaults.max_value);
    let start = start.unwrap_or(if increment > 0 { min_value } else { max_value });
    let cache = cache.unwrap_or(1);
    let cycle = find(entries, "cycle")
        .and_then(|e| ctx.boolean(&e.node, "cycle"))
        .unwrap_or(false);
    if min_value >= max_value {
        ctx.error(
            span,
            format!("min_value ({min_value}) must be less than max_value ({max_value})"),
            None,
        );
    } else if start < min_value || start > max_value {
        ctx.error(span, format!("start ({start}) must lie between min_value ({min_value}) and max_value ({max_value})"), None);
    }
    if cache < 1 {
        ctx.error(span, "cache must be at least 1", None);
    }
    SequenceOptions {
        data_type,
        start,
        increment,
        min_value,
        max_value,
        cache,
        cycle,
    }
}

pub(super) fn load_sequence(
    ctx: &mut Ctx<'_>,
    e: &Entry,
    enums: &BTreeSet<QualifiedName>,
) -> Option<(Sequence, Option<PendingOwner>)> {
    let name = qualified_key(ctx, e, "sequence")?;
    let entries = ctx.table(&e.node, &format!("sequence {name}"))?;
    let mut allowed = SEQUENCE_OPTION_KEYS.to_vec();
    allowed.extend(["owned_by", "comment"]);
    ctx.check_keys(entries, &allowed, &format!("sequence {name}"));
    let options = sequence_options(ctx, entries, "bigint", enums, &e.key_span);
    let comment = find(entries, "comment").and_then(|c| ctx.string(&c.node, "comment"));
    let mut owner = None;
    if let Some(o) = find(entries, "owned_by")
        && let Some(text) = ctx.string(&o.node, "owned_by")
    {
        match path::split(&text).as_deref() {
            Some([table, column]) => {
                owner = Some(PendingOwner {
                    sequence: name.clone(),
                    table: QualifiedName::new(name.schema.clone(), table.clone()),
                    column: column.clone(),
                    span: o.node.span.clone(),
                });
            }
            _ => ctx.error(
                &o.node.span,
                format!("malformed owned_by {text:?}"),
                Some("write \"table.column\" (a table in the sequence's schema)".into()),
            ),
        }
    }
    Some((
        Sequence {
            name,
            options,
            owned_by: None,
            comment,
        },
        owner,
    ))
}
