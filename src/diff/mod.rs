//! Compares a desired schema with the live one and lists the typed changes between them.
//!
//! Architecture invariant: pure. No SQL text is produced here (see `plan`), and nothing
//! touches a database. Renames (`renamed_from`) are resolved first, by rewriting a copy of
//! the live schema the way the rename statements will, so that everything after compares
//! like with like.

mod dependents;
pub mod expr;
mod not_null;
pub use not_null::assume_default_names as assume_not_null_names;
pub mod types;

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{
    CheckConstraint, Column, Enum, ExclusionConstraint, ForeignKey, Identity, Index, PrimaryKey,
    QualifiedName, Schema, Sequence, SequenceOptions, Table, UniqueConstraint, names,
};
use expr::same_expression;

/// What a comment is attached to.
#[derive(Debug, Clone, PartialEq)]
pub enum CommentTarget {
    Table(QualifiedName),
    Column(QualifiedName, String),
    Index(QualifiedName),
    Enum(QualifiedName),
    Sequence(QualifiedName),
}

/// A table constraint that can be added on its own.
#[derive(Debug, Clone, PartialEq)]
pub enum Constraint {
    PrimaryKey(PrimaryKey),
    Unique(UniqueConstraint),
    Check(CheckConstraint),
    ForeignKey(ForeignKey),
    Exclusion(ExclusionConstraint),
}

impl Constraint {
    pub fn set_name(&mut self, name: String) {
        match self {
            Constraint::PrimaryKey(c) => c.name = name,
            Constraint::Unique(c) => c.name = name,
            Constraint::Check(c) => c.name = name,
            Constraint::ForeignKey(c) => c.name = name,
            Constraint::Exclusion(c) => c.name = name,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Constraint::PrimaryKey(c) => &c.name,
            Constraint::Unique(c) => &c.name,
            Constraint::Check(c) => &c.name,
            Constraint::ForeignKey(c) => &c.name,
            Constraint::Exclusion(c) => &c.name,
        }
    }
}

/// Where a new enum value goes.
#[derive(Debug, Clone, PartialEq)]
pub enum EnumPosition {
    Last,
    Before(String),
    After(String),
}

/// One typed change. `plan` turns each into SQL statements and hazards.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    CreateSchema(String),
    RenameTable {
        from: QualifiedName,
        to: String,
    },
    RenameEnum {
        from: QualifiedName,
        to: String,
    },
    RenameSequence {
        from: QualifiedName,
        to: String,
    },
    RenameColumn {
        table: QualifiedName,
        from: String,
        to: String,
    },
    RenameConstraint {
        table: QualifiedName,
        from: String,
        to: String,
    },
    RenameIndex {
        index: QualifiedName,
        to: String,
    },
    /// A column's NOT NULL constraint to the name PostgreSQL 18 gives it, when a table or
    /// column rename left the old one. Rendered to run on every major: servers before 18
    /// have no such constraint, and a generated migration does not know its server.
    RenameNotNull {
        table: QualifiedName,
        from: String,
        to: String,
    },
    CreateEnum(Enum),
    AddEnumValue {
        name: QualifiedName,
        value: String,
        position: EnumPosition,
    },
    /// Values removed or reordered: the type is rebuilt and the columns converted.
    RecreateEnum {
        old: Enum,
        new: Enum,
        columns: Vec<EnumColumn>,
        removed: Vec<String>,
    },
    DropEnum(QualifiedName),
    CreateSequence(Sequence),
    AlterSequence {
        name: QualifiedName,
        from: SequenceOptions,
        to: SequenceOptions,
    },
    SetSequenceOwner {
        name: QualifiedName,
        owner: Option<(QualifiedName, String)>,
    },
    DropSequence(QualifiedName),
    /// A new table with its columns, primary key, unique and check constraints (foreign
    /// keys and indexes come as their own changes).
    CreateTable(Table),
    DropTable(QualifiedName),
    SetLogged {
        table: QualifiedName,
        unlogged: bool,
    },
    AddColumn {
        table: QualifiedName,
        column: Column,
    },
    DropColumn {
        table: QualifiedName,
        column: String,
    },
    /// A column whose generation expression changed: dropped here, and added again by an
    /// [`Change::AddColumn`] that follows (after every drop, so that the plan can free
    /// names and dependencies in between).
    RecreateColumn {
        table: QualifiedName,
        column: Column,
    },
    AlterColumnType {
        table: QualifiedName,
        column: String,
        from: String,
        to: String,
        collation: Option<String>,
        /// Convert through `text`: there is no direct cast between an enum and another
        /// type (PostgreSQL casts enums only to and from text).
        via_text: bool,
    },
    SetDefault {
        table: QualifiedName,
        column: String,
        expression: String,
    },
    DropDefault {
        table: QualifiedName,
        column: String,
    },
    SetNotNull {
        table: QualifiedName,
        column: String,
    },
    DropNotNull {
        table: QualifiedName,
        column: String,
    },
    DropExpression {
        table: QualifiedName,
        column: String,
    },
    AddIdentity {
        table: QualifiedName,
        column: String,
        identity: Identity,
    },
    AlterIdentity {
        table: QualifiedName,
        column: String,
        data_type: String,
        from: Identity,
        to: Identity,
    },
    DropIdentity {
        table: QualifiedName,
        column: String,
    },
    AddConstraint {
        table: QualifiedName,
        constraint: Constraint,
    },
    DropConstraint {
        table: QualifiedName,
        constraint: Constraint,
    },
    CreateIndex {
        table: QualifiedName,
        index: Index,
    },
    DropIndex {
        table: QualifiedName,
        index: Index,
    },
    SetComment {
        target: CommentTarget,
        comment: Option<String>,
    },
}

/// A column whose type is (an array of) an enum being rebuilt.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumColumn {
    pub table: QualifiedName,
    pub column: String,
    pub data_type: String,
    pub default: Option<String>,
}

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

/// The changes that take `actual` to `desired`, in no particular order (`plan` orders
/// them). `actual` should be introspected from the schemas `desired` manages.
pub fn diff(desired: &Schema, actual: Schema) -> Result<Vec<Change>, RenameConflict> {
    let mut out = Vec::new();
    // Renames are resolved by rewriting the live model in place.
    let mut live = actual;

    for schema in &desired.schemas {
        if !live.schemas.contains(schema) && schema != "public" {
            out.push(Change::CreateSchema(schema.clone()));
        }
    }

    resolve_renames(desired, &mut live, &mut out)?;
    diff_enums(desired, &mut live, &mut out);
    diff_sequences(desired, &mut live, &mut out);
    detach_from_changed_columns(desired, &mut live, &mut out);
    diff_tables(desired, &live, &mut out);
    not_null::follow_names(desired, &live, &mut out);
    Ok(out)
}

/// Columns dropped and added again, or converted through `text`, lose (or cannot keep)
/// their indexes and constraints: drop those explicitly so that the table diff adds the
/// declared ones back.
fn detach_from_changed_columns(desired: &Schema, live: &mut Schema, out: &mut Vec<Change>) {
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
fn enum_type_names(desired: &Schema, live: &Schema) -> BTreeSet<String> {
    desired
        .enums
        .keys()
        .chain(live.enums.keys())
        .map(type_text)
        .collect()
}

/// A stored generated column whose expression (or type) changes cannot be altered in
/// place: it is dropped and added again, as is one that turns VIRTUAL or STORED.
fn recreates(want: &Column, have: &Column) -> bool {
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
fn converts_via_text(want: &Column, have: &Column, enum_types: &BTreeSet<String>) -> bool {
    want.data_type != have.data_type
        && [&want.data_type, &have.data_type]
            .iter()
            .any(|t| enum_types.contains(t.trim_end_matches("[]")))
}

// ---------------------------------------------------------------------------- renames

/// Fails when both names of a rename exist live.
fn conflict(
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

fn resolve_renames(
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
            }
            for seq in live.sequences.values_mut() {
                if let Some((owner, _)) = &mut seq.owned_by
                    && *owner == from
                {
                    *owner = t.name.clone();
                }
            }
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

/// Whether the declared table keeps an identity on the live column `live_column` (under
/// its own name, or under the name a column rename gives it).
fn declared_identity(table: &Table, live_column: &str) -> bool {
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
fn follow_identity_sequence(
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
fn rename_live_column(
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

/// A type's spelling in the model (public unqualified).
fn type_text(name: &QualifiedName) -> String {
    use crate::sql::quote;
    if name.schema == "public" {
        quote::ident(&name.name)
    } else {
        quote::qualified(&name.schema, &name.name)
    }
}

// ---------------------------------------------------------------------------- enums

fn diff_enums(desired: &Schema, live: &mut Schema, out: &mut Vec<Change>) {
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

fn diff_enum_values(
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

// ---------------------------------------------------------------------------- sequences

fn diff_sequences(desired: &Schema, live: &mut Schema, out: &mut Vec<Change>) {
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
fn owner_goes_away(desired: &Schema, owner: &Option<(QualifiedName, String)>) -> bool {
    owner.as_ref().is_some_and(|(table, column)| {
        desired
            .tables
            .get(table)
            .is_none_or(|t| t.column(column).is_none())
    })
}

/// `'name'::regclass` as `pg_get_expr` prints it inside `nextval(...)`.
pub fn regclass_literal(name: &QualifiedName) -> String {
    use crate::sql::quote;
    let text = if name.schema == "public" {
        quote::ident(&name.name)
    } else {
        quote::qualified(&name.schema, &name.name)
    };
    format!("{}::regclass", quote::literal(&text))
}

// ---------------------------------------------------------------------------- tables

fn diff_tables(desired: &Schema, live: &Schema, out: &mut Vec<Change>) {
    let enum_types = enum_type_names(desired, live);
    // Unique / primary keys that are dropped or rebuilt, so that foreign keys leaning on
    // them can be rebuilt too.
    let mut rebuilt_keys: BTreeSet<(QualifiedName, Vec<String>)> = BTreeSet::new();

    for (name, want) in &desired.tables {
        match live.tables.get(name) {
            None => create_table(want, out),
            Some(have) => diff_table(want, have, &enum_types, out, &mut rebuilt_keys),
        }
    }
    for (name, have) in &live.tables {
        if desired.tables.contains_key(name) {
            continue;
        }
        for fk in &have.foreign_keys {
            out.push(Change::DropConstraint {
                table: name.clone(),
                constraint: Constraint::ForeignKey(fk.clone()),
            });
        }
        // An index (or a key's index) that goes with the table but whose name a declared
        // table takes is dropped on its own, so that the plan can free the name before a
        // table rename takes it.
        let declares = |index: &str| {
            desired
                .tables
                .contains_key(&QualifiedName::new(&name.schema, index))
        };
        for index in &have.indexes {
            if declares(&index.name) {
                out.push(Change::DropIndex {
                    table: name.clone(),
                    index: index.clone(),
                });
            }
        }
        for key in constraints_of(have).into_values() {
            if matches!(
                key,
                Constraint::PrimaryKey(_) | Constraint::Unique(_) | Constraint::Exclusion(_)
            ) && declares(key.name())
            {
                out.push(Change::DropConstraint {
                    table: name.clone(),
                    constraint: key,
                });
            }
        }
        out.push(Change::DropTable(name.clone()));
    }

    // Foreign keys that stay the same but reference a key being rebuilt must be dropped
    // before and added after it.
    if !rebuilt_keys.is_empty() {
        let mut extra = Vec::new();
        for (name, want) in &desired.tables {
            let Some(have) = live.tables.get(name) else {
                continue;
            };
            for fk in &want.foreign_keys {
                let unchanged = have.foreign_keys.iter().any(|h| h == fk);
                if unchanged
                    && rebuilt_keys
                        .contains(&(fk.referenced_table.clone(), fk.referenced_columns.clone()))
                {
                    extra.push(Change::DropConstraint {
                        table: name.clone(),
                        constraint: Constraint::ForeignKey(fk.clone()),
                    });
                    extra.push(Change::AddConstraint {
                        table: name.clone(),
                        constraint: Constraint::ForeignKey(fk.clone()),
                    });
                }
            }
        }
        out.extend(extra);
    }
}

fn create_table(want: &Table, out: &mut Vec<Change>) {
    let mut table = want.clone();
    let fks = std::mem::take(&mut table.foreign_keys);
    let indexes = std::mem::take(&mut table.indexes);
    out.push(Change::CreateTable(table));
    for fk in fks {
        out.push(Change::AddConstraint {
            table: want.name.clone(),
            constraint: Constraint::ForeignKey(fk),
        });
    }
    for index in indexes {
        if index.comment.is_some() {
            out.push(Change::SetComment {
                target: CommentTarget::Index(QualifiedName::new(&want.name.schema, &index.name)),
                comment: index.comment.clone(),
            });
        }
        out.push(Change::CreateIndex {
            table: want.name.clone(),
            index,
        });
    }
    if want.comment.is_some() {
        out.push(Change::SetComment {
            target: CommentTarget::Table(want.name.clone()),
            comment: want.comment.clone(),
        });
    }
    for c in &want.columns {
        if c.comment.is_some() {
            out.push(Change::SetComment {
                target: CommentTarget::Column(want.name.clone(), c.name.clone()),
                comment: c.comment.clone(),
            });
        }
    }
}

fn diff_table(
    want: &Table,
    have: &Table,
    enum_types: &BTreeSet<String>,
    out: &mut Vec<Change>,
    rebuilt_keys: &mut BTreeSet<(QualifiedName, Vec<String>)>,
) {
    let table = &want.name;
    if want.unlogged != have.unlogged {
        out.push(Change::SetLogged {
            table: table.clone(),
            unlogged: want.unlogged,
        });
    }
    for column in &want.columns {
        match have.column(&column.name) {
            None => {
                out.push(Change::AddColumn {
                    table: table.clone(),
                    column: column.clone(),
                });
                if column.comment.is_some() {
                    out.push(Change::SetComment {
                        target: CommentTarget::Column(table.clone(), column.name.clone()),
                        comment: column.comment.clone(),
                    });
                }
            }
            Some(existing) => diff_column(table, column, existing, enum_types, out),
        }
    }
    for column in &have.columns {
        if want.column(&column.name).is_none() {
            out.push(Change::DropColumn {
                table: table.clone(),
                column: column.name.clone(),
            });
        }
    }
    diff_constraints(want, have, out, rebuilt_keys);
    diff_indexes(want, have, out);
    if want.comment != have.comment {
        out.push(Change::SetComment {
            target: CommentTarget::Table(table.clone()),
            comment: want.comment.clone(),
        });
    }
}

fn diff_column(
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
fn same_identity(a: &Identity, b: &Identity, data_type: &str) -> bool {
    let effective = |i: &Identity| {
        i.options
            .clone()
            .unwrap_or_else(|| SequenceOptions::defaults_for(data_type, 1))
    };
    a.kind == b.kind && effective(a) == effective(b)
}

fn same_check(a: &CheckConstraint, b: &CheckConstraint) -> bool {
    same_expression(&a.expression, &b.expression)
        && a.no_inherit == b.no_inherit
        && a.not_valid == b.not_valid
}

/// Same definition, ignoring the name.
fn same_constraint_definition(a: &Constraint, b: &Constraint) -> bool {
    match (a, b) {
        (Constraint::PrimaryKey(a), Constraint::PrimaryKey(b)) => {
            a.columns == b.columns && a.deferrable == b.deferrable
        }
        (Constraint::Unique(a), Constraint::Unique(b)) => {
            a.columns == b.columns
                && a.nulls_not_distinct == b.nulls_not_distinct
                && a.deferrable == b.deferrable
        }
        (Constraint::Check(a), Constraint::Check(b)) => same_check(a, b),
        (Constraint::ForeignKey(a), Constraint::ForeignKey(b)) => {
            let mut b = b.clone();
            b.name = a.name.clone();
            *a == b
        }
        (Constraint::Exclusion(a), Constraint::Exclusion(b)) => {
            same_expression(&a.definition, &b.definition)
        }
        _ => false,
    }
}

fn constraints_of(t: &Table) -> BTreeMap<String, Constraint> {
    let mut all = BTreeMap::new();
    if let Some(pk) = &t.primary_key {
        all.insert(pk.name.clone(), Constraint::PrimaryKey(pk.clone()));
    }
    for u in &t.uniques {
        all.insert(u.name.clone(), Constraint::Unique(u.clone()));
    }
    for c in &t.checks {
        all.insert(c.name.clone(), Constraint::Check(c.clone()));
    }
    for f in &t.foreign_keys {
        all.insert(f.name.clone(), Constraint::ForeignKey(f.clone()));
    }
    for x in &t.exclusions {
        all.insert(x.name.clone(), Constraint::Exclusion(x.clone()));
    }
    all
}

fn diff_constraints(
    want: &Table,
    have: &Table,
    out: &mut Vec<Change>,
    rebuilt_keys: &mut BTreeSet<(QualifiedName, Vec<String>)>,
) {
    let table = &want.name;
    let wanted = constraints_of(want);
    let mut existing = constraints_of(have);

    for (old_name, new_name) in
        renamed_by_definition(&existing, &wanted, same_constraint_definition)
    {
        out.push(Change::RenameConstraint {
            table: table.clone(),
            from: old_name.clone(),
            to: new_name.clone(),
        });
        let mut renamed = existing.remove(&old_name).expect("a live constraint");
        renamed.set_name(new_name.clone());
        existing.insert(new_name, renamed);
    }

    for (name, have_c) in &existing {
        let keep = wanted
            .get(name)
            .is_some_and(|w| same_constraint_definition(w, have_c));
        if !keep {
            if let Constraint::PrimaryKey(PrimaryKey { columns, .. })
            | Constraint::Unique(UniqueConstraint { columns, .. }) = have_c
            {
                rebuilt_keys.insert((table.clone(), columns.clone()));
            }
            out.push(Change::DropConstraint {
                table: table.clone(),
                constraint: have_c.clone(),
            });
        }
    }
    for (name, want_c) in &wanted {
        let present = existing
            .get(name)
            .is_some_and(|h| same_constraint_definition(want_c, h));
        if !present {
            out.push(Change::AddConstraint {
                table: table.clone(),
                constraint: want_c.clone(),
            });
        }
    }
}

/// Live objects that match a declared one of another name (often a name derived from a
/// renamed table or column): `(live name, declared name)` pairs, each name used once.
/// Renaming keeps the object, which is cheaper and safer than rebuilding it.
fn renamed_by_definition<L, D>(
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

fn same_index_definition(a: &Index, b: &Index) -> bool {
    a.unique == b.unique
        && a.method == b.method
        && a.keys.len() == b.keys.len()
        && a.keys
            .iter()
            .zip(&b.keys)
            .all(|(x, y)| same_expression(x, y))
        && a.include == b.include
        && match (&a.predicate, &b.predicate) {
            (Some(x), Some(y)) => same_expression(x, y),
            (None, None) => true,
            _ => false,
        }
        && a.nulls_not_distinct == b.nulls_not_distinct
        && same_set(&a.storage, &b.storage)
}

fn same_set(a: &[String], b: &[String]) -> bool {
    let mut a: Vec<&String> = a.iter().collect();
    let mut b: Vec<&String> = b.iter().collect();
    a.sort();
    b.sort();
    a == b
}

fn diff_indexes(want: &Table, have: &Table, out: &mut Vec<Change>) {
    let table = &want.name;
    let mut existing: BTreeMap<String, Index> = have
        .indexes
        .iter()
        .map(|i| (i.name.clone(), i.clone()))
        .collect();
    let wanted: BTreeMap<String, &Index> =
        want.indexes.iter().map(|i| (i.name.clone(), i)).collect();

    for (old_name, new_name) in renamed_by_definition(&existing, &wanted, |d: &&Index, l| {
        same_index_definition(d, l)
    }) {
        out.push(Change::RenameIndex {
            index: QualifiedName::new(&table.schema, &old_name),
            to: new_name.clone(),
        });
        let mut renamed = existing.remove(&old_name).expect("a live index");
        renamed.name = new_name.clone();
        existing.insert(new_name, renamed);
    }

    for (name, have_i) in &existing {
        if !wanted
            .get(name)
            .is_some_and(|w| same_index_definition(w, have_i))
        {
            out.push(Change::DropIndex {
                table: table.clone(),
                index: have_i.clone(),
            });
        }
    }
    for (name, want_i) in &wanted {
        match existing.get(name) {
            Some(have_i) if same_index_definition(want_i, have_i) => {
                if want_i.comment != have_i.comment {
                    out.push(Change::SetComment {
                        target: CommentTarget::Index(QualifiedName::new(&table.schema, name)),
                        comment: want_i.comment.clone(),
                    });
                }
            }
            _ => {
                out.push(Change::CreateIndex {
                    table: table.clone(),
                    index: (*want_i).clone(),
                });
                if want_i.comment.is_some() {
                    out.push(Change::SetComment {
                        target: CommentTarget::Index(QualifiedName::new(&table.schema, name)),
                        comment: want_i.comment.clone(),
                    });
                }
            }
        }
    }
}
