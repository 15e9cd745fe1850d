//! `renamed_from`: renames are followed first, by rewriting the live model the way the
//! rename statements will leave it; and objects found again under another name by their
//! definition (constraints, indexes).

use std::collections::{BTreeMap, BTreeSet};

use super::change::Change;
use crate::model::{Column, QualifiedName, Schema, Table, names};
use crate::sql::expr::{self};
use crate::sql::spelling::type_text;

/// A rename hint that cannot be followed: the live schema holds both names (a rename
/// onto an existing object, or half of a swap). Following either way would guess.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "{kind} {to} is renamed from {from} (`renamed_from`), but the database has both {from} and {to}\n  \
     hint: remove `renamed_from` (then {from} is dropped as undeclared), or drop or rename one \
     of the two in the database first"
)]
pub struct RenameConflict {
    /// `table`, `column` or `enum`.
    pub kind: &'static str,
    /// The old name (a column's with its table: `tasks.due_date`).
    pub from: String,
    /// The declared name.
    pub to: String,
}

/// Fails when both names of a rename exist live.
pub(super) fn conflict(
    kind: &'static str,
    from: String,
    to: String,
    both: bool,
) -> Result<(), RenameConflict> {
    if both {
        Err(RenameConflict { kind, from, to })
    } else {
        Ok(())
    }
}

pub(super) fn resolve_renames(
    desired: &Schema,
    live: &mut Schema,
    out: &mut Vec<Change>,
) -> Result<(), RenameConflict> {
    for e in desired.enums.values() {
        let Some(old) = &e.renamed_from else { continue };
        let from = QualifiedName::new(&e.name.schema, old);
        let has_old = live.enums.contains_key(&from);
        let has_new = live.enums.contains_key(&e.name);
        conflict(
            "enum",
            from.to_string(),
            e.name.to_string(),
            has_old && has_new,
        )?;
        if has_old && !has_new {
            out.push(Change::RenameEnum {
                from: from.clone(),
                to: e.name.name.clone(),
            });
            let old_type = type_text(&from);
            let new_type = type_text(&e.name);
            let mut moved = live.enums.remove(&from).expect("checked above");
            moved.name = e.name.clone();
            live.enums.insert(e.name.clone(), moved);
            for table in live.tables.values_mut() {
                for column in &mut table.columns {
                    if column.data_type == old_type {
                        column.data_type = new_type.clone();
                    } else if column.data_type == format!("{old_type}[]") {
                        column.data_type = format!("{new_type}[]");
                    }
                }
            }
        }
    }

    for t in desired.tables.values() {
        let Some(old) = &t.renamed_from else { continue };
        let from = QualifiedName::new(&t.name.schema, old);
        let has_old = live.tables.contains_key(&from);
        let has_new = live.tables.contains_key(&t.name);
        conflict(
            "table",
            from.to_string(),
            t.name.to_string(),
            has_old && has_new,
        )?;
        if has_old && !has_new {
            out.push(Change::RenameTable {
                from: from.clone(),
                to: t.name.name.clone(),
            });
            let mut moved = live.tables.remove(&from).expect("checked above");
            moved.name = t.name.clone();
            for column in &mut moved.columns {
                // Column renames come later and follow it again from this name.
                let keeps = declared_identity(t, &column.name);
                if keeps {
                    follow_identity_sequence(
                        column,
                        &from.name,
                        &column.name.clone(),
                        &t.name,
                        out,
                    );
                }
            }
            live.tables.insert(t.name.clone(), moved);
            for table in live.tables.values_mut() {
                for fk in &mut table.foreign_keys {
                    if fk.referenced_table == from {
                        fk.referenced_table = t.name.clone();
                    }
                }
                if let Some(p) = &mut table.partition_of
                    && p.parent == from
                {
                    p.parent = t.name.clone();
                }
            }
            for seq in live.sequences.values_mut() {
                if let Some((owner, _)) = &mut seq.owned_by
                    && *owner == from
                {
                    *owner = t.name.clone();
                }
            }
            follow_row_type_in_signatures(live, &type_text(&from), &type_text(&t.name));
        }
    }

    for t in desired.tables.values() {
        for c in &t.columns {
            let Some(old) = &c.renamed_from else { continue };
            let Some(table) = live.tables.get_mut(&t.name) else {
                continue;
            };
            let has_old = table.column(old).is_some();
            let has_new = table.column(&c.name).is_some();
            conflict(
                "column",
                format!("{}.{old}", t.name),
                format!("{}.{}", t.name, c.name),
                has_old && has_new,
            )?;
            if has_old && !has_new {
                out.push(Change::RenameColumn {
                    table: t.name.clone(),
                    from: old.clone(),
                    to: c.name.clone(),
                });
                rename_live_column(live, &t.name, old, &c.name, c.identity.is_some(), out);
            }
        }
    }
    Ok(())
}

/// A renamed table's row type keeps its OID: the functions whose arguments or result name
/// it are the same functions, printed with the new name after the rename. Rewrites the
/// live signatures that way, so that they are compared with the file's as they will be
/// (not dropped and created again under a name the rename already gave them).
fn follow_row_type_in_signatures(live: &mut Schema, old_type: &str, new_type: &str) {
    let follow = |text: &str| -> String {
        let mut out = String::with_capacity(text.len());
        let mut word = String::new();
        let flush = |word: &mut String, out: &mut String| {
            let renamed = match word.strip_suffix("[]") {
                Some(base) if base == old_type => format!("{new_type}[]"),
                _ if word == old_type => new_type.to_string(),
                _ => word.clone(),
            };
            out.push_str(&renamed);
            word.clear();
        };
        for c in text.chars() {
            if c == ' ' || c == ',' || c == '(' || c == ')' {
                flush(&mut word, &mut out);
                out.push(c);
            } else {
                word.push(c);
            }
        }
        flush(&mut word, &mut out);
        out
    };
    let names_it = |f: &crate::model::Function| {
        [
            Some(f.args.as_str()),
            Some(f.identity.as_str()),
            f.returns.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|text| follow(text) != text)
    };
    let renamed: Vec<_> = (live.functions.iter())
        .filter(|(_, f)| names_it(f))
        .map(|(id, _)| id.clone())
        .collect();
    for id in renamed {
        let mut f = live.functions.remove(&id).expect("listed above");
        f.args = follow(&f.args);
        f.identity = follow(&f.identity);
        f.returns = f.returns.as_deref().map(&follow);
        live.functions.insert(f.id(), f);
    }
}

/// Whether the declared table keeps an identity on the live column `live_column` (under
/// its own name, or under the name a column rename gives it).
pub(super) fn declared_identity(table: &Table, live_column: &str) -> bool {
    table
        .columns
        .iter()
        .find(|c| c.renamed_from.as_deref() == Some(live_column))
        .or_else(|| table.column(live_column))
        .is_some_and(|c| c.identity.is_some())
}

/// An identity sequence under the name PostgreSQL gave it (`<table>_<column>_seq`) is
/// renamed with its table or column (PostgreSQL keeps the old name): a fresh push of the
/// new names would call it so, and the old name is free for a table that takes it.
/// `column` already has its new name; `old_table` and `old_column` are the names the
/// sequence was made from.
pub(super) fn follow_identity_sequence(
    column: &mut Column,
    old_table: &str,
    old_column: &str,
    table: &QualifiedName,
    out: &mut Vec<Change>,
) {
    let Some(identity) = &mut column.identity else {
        return;
    };
    // A snapshot (generate) does not name the sequence: it has the name PostgreSQL
    // gives, as every identity column that brain-db creates or renames does.
    let made_from_old = names::owned_sequence(old_table, old_column);
    let current = identity.sequence.as_ref().unwrap_or(&made_from_old);
    let wanted = names::owned_sequence(&table.name, &column.name);
    if *current != made_from_old || *current == wanted {
        return;
    }
    out.push(Change::RenameSequence {
        from: QualifiedName::new(&table.schema, current),
        to: wanted.clone(),
    });
    identity.sequence = Some(wanted);
}

/// Rewrites the live schema as `ALTER TABLE .. RENAME COLUMN` will leave it.
pub(super) fn rename_live_column(
    live: &mut Schema,
    table_name: &QualifiedName,
    from: &str,
    to: &str,
    keeps_identity: bool,
    out: &mut Vec<Change>,
) {
    let rename_list = |cols: &mut Vec<String>| {
        for c in cols.iter_mut() {
            if c == from {
                *c = to.to_string();
            }
        }
    };
    let rename_expr = |e: &mut String| *e = expr::rename_identifier(e, from, to);
    if let Some(table) = live.tables.get_mut(table_name) {
        for column in &mut table.columns {
            if column.name == from {
                column.name = to.to_string();
                if keeps_identity {
                    follow_identity_sequence(column, &table_name.name, from, table_name, out);
                }
            }
            if let Some(d) = &mut column.default {
                rename_expr(d);
            }
            if let Some(g) = &mut column.generated {
                rename_expr(g);
            }
        }
        if let Some(pk) = &mut table.primary_key {
            rename_list(&mut pk.columns);
        }
        for u in &mut table.uniques {
            rename_list(&mut u.columns);
        }
        for fk in &mut table.foreign_keys {
            rename_list(&mut fk.columns);
        }
        for c in &mut table.checks {
            rename_expr(&mut c.expression);
        }
        for x in &mut table.exclusions {
            rename_expr(&mut x.definition);
        }
        for p in &mut table.policies {
            for e in [&mut p.using, &mut p.with_check].into_iter().flatten() {
                rename_expr(e);
            }
        }
        for i in &mut table.indexes {
            for k in &mut i.keys {
                rename_expr(k);
            }
            rename_list(&mut i.include);
            if let Some(p) = &mut i.predicate {
                rename_expr(p);
            }
        }
    }
    for table in live.tables.values_mut() {
        for fk in &mut table.foreign_keys {
            if fk.referenced_table == *table_name {
                rename_list(&mut fk.referenced_columns);
            }
        }
    }
    for seq in live.sequences.values_mut() {
        if let Some((owner, column)) = &mut seq.owned_by
            && owner == table_name
            && column == from
        {
            *column = to.to_string();
        }
    }
}

/// Live objects that match a declared one of another name (often a name derived from a
/// renamed table or column): `(live name, declared name)` pairs, each name used once.
/// Renaming keeps the object, which is cheaper and safer than rebuilding it.
pub(super) fn renamed_by_definition<L, D>(
    live: &BTreeMap<String, L>,
    declared: &BTreeMap<String, D>,
    same: impl Fn(&D, &L) -> bool,
) -> Vec<(String, String)> {
    let mut claimed = BTreeSet::new();
    let mut pairs = Vec::new();
    for (old_name, old) in live {
        if declared.contains_key(old_name) {
            continue;
        }
        let target = declared.iter().find(|(name, d)| {
            !live.contains_key(*name) && !claimed.contains(*name) && same(d, old)
        });
        if let Some((new_name, _)) = target {
            claimed.insert(new_name.clone());
            pairs.push((old_name.clone(), new_name.clone()));
        }
    }
    pairs
}
