//! SQL text for table constraints.

use super::{alter_table, column_list, name};
use crate::diff::{Change, Constraint};
use crate::model::{CheckConstraint, Deferrable, ForeignKey};
use crate::sql::quote::{ident, literal};

/// The statements of a constraint change (as dispatched by [`super::statements`]).
pub(super) fn statements(change: &Change) -> Vec<String> {
    match change {
        Change::RenameConstraint { table, from, to } => {
            vec![format!(
                "{} RENAME CONSTRAINT {} TO {}",
                alter_table(table),
                ident(from),
                ident(to)
            )]
        }
        Change::RenameNotNull { table, from, to } => {
            // DO runs its body as one statement; the body is a string literal, so no
            // identifier can end it early.
            let body = format!(
                "BEGIN IF EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE conrelid = {}::regclass \
                 AND contype = 'n' AND conname = {}) THEN {} RENAME CONSTRAINT {} TO {}; \
                 END IF; END",
                literal(&name(table)),
                literal(from),
                alter_table(table),
                ident(from),
                ident(to)
            );
            vec![format!("DO {}", literal(&body))]
        }
        Change::AddConstraint { table, constraint } => {
            vec![format!(
                "{} ADD {}",
                alter_table(table),
                constraint_definition(constraint, true)
            )]
        }
        Change::DropConstraint { table, constraint } => {
            vec![format!(
                "{} DROP CONSTRAINT {}",
                alter_table(table),
                ident(constraint.name())
            )]
        }
        other => unreachable!("not a constraint change: {other:?}"),
    }
}

pub(super) fn deferrable(d: Deferrable) -> &'static str {
    match d {
        Deferrable::NotDeferrable => "",
        Deferrable::InitiallyImmediate => " DEFERRABLE",
        Deferrable::InitiallyDeferred => " DEFERRABLE INITIALLY DEFERRED",
    }
}

pub(super) fn check_definition(c: &CheckConstraint, allow_not_valid: bool) -> String {
    format!(
        "CONSTRAINT {} CHECK ({}){}{}",
        ident(&c.name),
        c.expression,
        if c.no_inherit { " NO INHERIT" } else { "" },
        if c.not_valid && allow_not_valid {
            " NOT VALID"
        } else {
            ""
        }
    )
}

pub(super) fn foreign_key_definition(fk: &ForeignKey) -> String {
    let mut out = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}({})",
        ident(&fk.name),
        column_list(&fk.columns),
        name(&fk.referenced_table),
        column_list(&fk.referenced_columns)
    );
    if fk.match_full {
        out.push_str(" MATCH FULL");
    }
    if fk.on_update != Default::default() {
        out.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    if fk.on_delete != Default::default() {
        out.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    out.push_str(deferrable(fk.deferrable));
    if fk.not_valid {
        out.push_str(" NOT VALID");
    }
    out
}

pub(super) fn constraint_definition(c: &Constraint, in_alter: bool) -> String {
    match c {
        Constraint::PrimaryKey(pk) => {
            format!(
                "CONSTRAINT {} PRIMARY KEY ({}){}",
                ident(&pk.name),
                column_list(&pk.columns),
                deferrable(pk.deferrable)
            )
        }
        Constraint::Unique(u) => format!(
            "CONSTRAINT {} UNIQUE{} ({}){}",
            ident(&u.name),
            if u.nulls_not_distinct {
                " NULLS NOT DISTINCT"
            } else {
                ""
            },
            column_list(&u.columns),
            deferrable(u.deferrable)
        ),
        Constraint::Check(check) => check_definition(check, in_alter),
        Constraint::ForeignKey(fk) => foreign_key_definition(fk),
        Constraint::Exclusion(x) => {
            format!("CONSTRAINT {} EXCLUDE {}", ident(&x.name), x.definition)
        }
    }
}
