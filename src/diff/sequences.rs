//! Sequences: renamed with their owning column, altered, owned, dropped.

use super::change::{Change, CommentTarget};
use crate::model::{QualifiedName, Schema};
use crate::sql::spelling::regclass_literal;

pub(super) fn diff_sequences(desired: &Schema, live: &mut Schema, out: &mut Vec<Change>) {
    // A sequence owned by the same column under another name: follow a table or column
    // rename (`old_id_seq` -> `new_id_seq`) instead of dropping it with its position.
    let renames: Vec<(QualifiedName, QualifiedName)> = desired
        .sequences
        .values()
        .filter(|s| !live.sequences.contains_key(&s.name) && s.owned_by.is_some())
        .filter_map(|want| {
            live.sequences
                .values()
                .find(|have| {
                    have.owned_by == want.owned_by
                        && have.name.schema == want.name.schema
                        && !desired.sequences.contains_key(&have.name)
                })
                .map(|have| (have.name.clone(), want.name.clone()))
        })
        .collect();
    for (from, to) in renames {
        out.push(Change::RenameSequence {
            from: from.clone(),
            to: to.name.clone(),
        });
        let mut seq = live.sequences.remove(&from).expect("found above");
        seq.name = to.clone();
        live.sequences.insert(to.clone(), seq);
        let old_ref = regclass_literal(&from);
        let new_ref = regclass_literal(&to);
        for table in live.tables.values_mut() {
            for column in &mut table.columns {
                if let Some(d) = &mut column.default
                    && d.contains(&old_ref)
                {
                    *d = d.replace(&old_ref, &new_ref);
                }
            }
        }
    }

    for (name, want) in &desired.sequences {
        match live.sequences.get(name) {
            None => {
                out.push(Change::CreateSequence(want.clone()));
                if want.owned_by.is_some() {
                    out.push(Change::SetSequenceOwner {
                        name: name.clone(),
                        owner: want.owned_by.clone(),
                    });
                }
                if want.comment.is_some() {
                    out.push(Change::SetComment {
                        target: CommentTarget::Sequence(name.clone()),
                        comment: want.comment.clone(),
                    });
                }
            }
            Some(have) => {
                if have.options != want.options {
                    out.push(Change::AlterSequence {
                        name: name.clone(),
                        from: have.options.clone(),
                        to: want.options.clone(),
                    });
                }
                if have.owned_by != want.owned_by {
                    if want.owned_by.is_some() && owner_goes_away(desired, &have.owned_by) {
                        // Released before its old column or table is dropped, which would
                        // take the sequence with it.
                        out.push(Change::SetSequenceOwner {
                            name: name.clone(),
                            owner: None,
                        });
                    }
                    out.push(Change::SetSequenceOwner {
                        name: name.clone(),
                        owner: want.owned_by.clone(),
                    });
                }
                if have.comment != want.comment {
                    out.push(Change::SetComment {
                        target: CommentTarget::Sequence(name.clone()),
                        comment: want.comment.clone(),
                    });
                }
            }
        }
    }
    for (name, have) in &live.sequences {
        if desired.sequences.contains_key(name) {
            continue;
        }
        // A sequence owned by a column that goes away goes with it, unless a declared
        // table takes its name: then it is released and dropped on its own, so that the
        // plan can free the name before a table rename takes it.
        if !owner_goes_away(desired, &have.owned_by) {
            out.push(Change::DropSequence(name.clone()));
        } else if desired.tables.contains_key(name) {
            out.push(Change::SetSequenceOwner {
                name: name.clone(),
                owner: None,
            });
            out.push(Change::DropSequence(name.clone()));
        }
    }
}

/// True when a sequence's owning column is dropped by the plan (with its table or alone).
pub(super) fn owner_goes_away(desired: &Schema, owner: &Option<(QualifiedName, String)>) -> bool {
    owner.as_ref().is_some_and(|(table, column)| {
        desired
            .tables
            .get(table)
            .is_none_or(|t| t.column(column).is_none())
    })
}
