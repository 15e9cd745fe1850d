//! `[enums]`: enum types and their labels.

use std::collections::BTreeSet;

use super::ctx::{Ctx, find};
use super::qualified_key;
use super::renames::{check_renames, rename_hints};
use crate::model::{Enum, QualifiedName, Schema, names};
use crate::schema_file::tree::{Entry, Val};

pub(super) const ENUM_KEYS: &[&str] = &["values", "comment", "renamed_from"];

/// Loads `[enums]` into `schema` (first: enums are valid column types).
pub(super) fn load_enums(ctx: &mut Ctx<'_>, top: &[Entry], schema: &mut Schema) {
    if let Some(e) = find(top, "enums")
        && let Some(entries) = ctx.table(&e.node, "[enums]")
    {
        for e in entries {
            if let Some(en) = load_enum(ctx, e) {
                if schema.enums.contains_key(&en.name) {
                    ctx.error(
                        &e.key_span,
                        format!("enum {} is declared twice", en.name),
                        None,
                    );
                } else {
                    schema.enums.insert(en.name.clone(), en);
                }
            }
        }
    }
    let enum_names: BTreeSet<QualifiedName> = schema.enums.keys().cloned().collect();
    if let Some(e) = find(top, "enums")
        && let Val::Table(entries) = &e.node.val
    {
        check_renames(ctx, "enum", &enum_names, rename_hints(entries));
    }
}

pub(super) fn load_enum(ctx: &mut Ctx<'_>, e: &Entry) -> Option<Enum> {
    let name = qualified_key(ctx, e, "enum")?;
    let mut en = Enum {
        name,
        values: Vec::new(),
        comment: None,
        renamed_from: None,
    };
    let values_node = match &e.node.val {
        Val::Array(_) => &e.node,
        Val::Table(entries) => {
            ctx.check_keys(entries, ENUM_KEYS, &format!("enum {}", en.name));
            if let Some(c) = find(entries, "comment") {
                en.comment = ctx.string(&c.node, "comment");
            }
            if let Some(r) = find(entries, "renamed_from") {
                en.renamed_from = ctx.string(&r.node, "renamed_from");
            }
            match find(entries, "values") {
                Some(v) => &v.node,
                None => {
                    ctx.error(
                        &e.key_span,
                        format!("enum {} has no `values`", en.name),
                        None,
                    );
                    return None;
                }
            }
        }
        other => {
            ctx.error(
                &e.node.span,
                format!(
                    "enum {} must be an array of labels, found {}",
                    en.name,
                    other.kind()
                ),
                Some("write mood = [\"calm\", \"busy\"]".into()),
            );
            return None;
        }
    };
    let values = ctx.strings(values_node, &format!("enum {}", en.name))?;
    if values.is_empty() {
        ctx.error(
            &values_node.span,
            format!("enum {} has no values", en.name),
            Some("PostgreSQL enums need at least one label here".into()),
        );
    }
    let mut seen = BTreeSet::new();
    for (v, span) in values {
        if v.is_empty() || v.len() > names::MAX_IDENTIFIER_BYTES {
            ctx.error(
                &span,
                format!("enum label {v:?} must be 1 to 63 bytes long"),
                None,
            );
        }
        if !seen.insert(v.clone()) {
            ctx.error(&span, format!("enum label {v:?} is listed twice"), None);
        }
        en.values.push(v);
    }
    Some(en)
}
