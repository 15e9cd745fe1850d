//! `renamed_from` hints: where they are written, and the checks that make one followable.

use std::collections::{BTreeMap, BTreeSet};

use super::ctx::{Ctx, find};
use crate::model::QualifiedName;
use crate::schema_file::path;
use crate::schema_file::tree::{Entry, Span, Val};

/// The `renamed_from` string of an entry's fields, with where it is written.
pub(super) fn rename_hint(fields: &[Entry]) -> Option<(String, Span)> {
    let e = find(fields, "renamed_from")?;
    match &e.node.val {
        Val::Str(old) => Some((old.clone(), e.node.span.clone())),
        _ => None,
    }
}

/// (declared name, old name in the same schema, span) for every entry with a hint.
pub(super) fn rename_hints(entries: &[Entry]) -> Vec<(QualifiedName, QualifiedName, Span)> {
    entries
        .iter()
        .filter_map(|e| {
            let Val::Table(fields) = &e.node.val else {
                return None;
            };
            let name = path::parse_qualified(&e.key)?;
            let (old, span) = rename_hint(fields)?;
            let old = QualifiedName::new(&name.schema, old);
            Some((name, old, span))
        })
        .collect()
}

/// A rename must name something this file no longer declares, and only once: with both
/// names declared (a swap, or a rename onto a declared name) it would be ignored.
pub(super) fn check_renames(
    ctx: &mut Ctx<'_>,
    what: &str,
    declared: &BTreeSet<QualifiedName>,
    hints: Vec<(QualifiedName, QualifiedName, Span)>,
) {
    let mut claimed: BTreeMap<QualifiedName, QualifiedName> = BTreeMap::new();
    for (new, old, span) in hints {
        let (new_text, old_text) = (new.name.as_str(), old.name.as_str());
        if old == new {
            ctx.error(
                &span,
                format!("{what} {new_text} is renamed from itself"),
                Some("remove `renamed_from`".into()),
            );
        } else if declared.contains(&old) {
            ctx.error(
                &span,
                format!(
                    "{what} {new_text} is renamed from {old_text}, but this file also declares {what} {old_text}"
                ),
                Some(format!(
                    "a rename moves {old_text} to the new name, so both cannot be declared; remove `renamed_from` to keep {old_text} as it is, or swap names in two steps through a third name"
                )),
            );
        } else if let Some(first) = claimed.get(&old) {
            ctx.error(
                &span,
                format!(
                    "{what}s {} and {new_text} are both renamed from {old_text}",
                    first.name
                ),
                Some("only one of them can take over its rows; remove one `renamed_from`".into()),
            );
        } else {
            claimed.insert(old, new);
        }
    }
}
