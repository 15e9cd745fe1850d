//! SQL text for each change.

use crate::diff::{Change, CommentTarget, Constraint, EnumPosition};
use crate::model::{
    CheckConstraint, Column, Deferrable, ForeignKey, Identity, IdentityKind, Index, QualifiedName,
    SequenceOptions, Table, names,
};
use crate::sql::quote::{ident, literal, qualified};

fn name(q: &QualifiedName) -> String {
    qualified(&q.schema, &q.name)
}

fn column_list(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| ident(c))
        .collect::<Vec<_>>()
        .join(", ")
}

fn alter_table(table: &QualifiedName) -> String {
    format!("ALTER TABLE {}", name(table))
}

pub fn statements(change: &Change) -> Vec<String> {
    match change {
        Change::CreateSchema(schema) => vec![format!("CREATE SCHEMA {}", ident(schema))],
        Change::RenameTable { from, to } => {
            vec![format!("{} RENAME TO {}", alter_table(from), ident(to))]
        }
        Change::RenameEnum { from, to } => {
            vec![format!("ALTER TYPE {} RENAME TO {}", name(from), ident(to))]
        }
        Change::RenameSequence { from, to } => {
            vec![format!(
                "ALTER SEQUENCE {} RENAME TO {}",
                name(from),
                ident(to)
            )]
        }
        Change::RenameColumn { table, from, to } => {
            vec![format!(
                "{} RENAME COLUMN {} TO {}",
                alter_table(table),
                ident(from),
                ident(to)
            )]
        }
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
        Change::RenameIndex { index, to } => vec![format!(
            "ALTER INDEX {} RENAME TO {}",
            name(index),
            ident(to)
        )],
        Change::CreateEnum(e) => vec![format!(
            "CREATE TYPE {} AS ENUM ({})",
            name(&e.name),
            e.values
                .iter()
                .map(|v| literal(v))
                .collect::<Vec<_>>()
                .join(", ")
        )],
        Change::AddEnumValue {
            name: n,
            value,
            position,
        } => {
            let position = match position {
                EnumPosition::Last => String::new(),
                EnumPosition::Before(v) => format!(" BEFORE {}", literal(v)),
                EnumPosition::After(v) => format!(" AFTER {}", literal(v)),
            };
            vec![format!(
                "ALTER TYPE {} ADD VALUE {}{}",
                name(n),
                literal(value),
                position
            )]
        }
        Change::RecreateEnum {
            old, new, columns, ..
        } => {
            let old_name =
                names::truncate_identifier(&format!("{}__brain_db_old", old.name.name)).to_string();
            let mut out = vec![
                format!(
                    "ALTER TYPE {} RENAME TO {}",
                    name(&old.name),
                    ident(&old_name)
                ),
                format!(
                    "CREATE TYPE {} AS ENUM ({})",
                    name(&new.name),
                    new.values
                        .iter()
                        .map(|v| literal(v))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ];
            for c in columns {
                let is_array = c.data_type.ends_with("[]");
                let target = if is_array {
                    format!("{}[]", name(&new.name))
                } else {
                    name(&new.name)
                };
                let via = if is_array { "text[]" } else { "text" };
                if c.default.is_some() {
                    out.push(format!(
                        "{} ALTER COLUMN {} DROP DEFAULT",
                        alter_table(&c.table),
                        ident(&c.column)
                    ));
                }
                out.push(format!(
                    "{} ALTER COLUMN {} TYPE {target} USING {}::{via}::{target}",
                    alter_table(&c.table),
                    ident(&c.column),
                    ident(&c.column)
                ));
            }
            out.push(format!(
                "DROP TYPE {}",
                qualified(&old.name.schema, &old_name)
            ));
            out
        }
        Change::DropEnum(n) => vec![format!("DROP TYPE {}", name(n))],
        Change::CreateSequence(s) => {
            vec![format!(
                "CREATE SEQUENCE {} AS {} {}",
                name(&s.name),
                s.options.data_type,
                sequence_options(&s.options, "")
            )]
        }
        Change::AlterSequence { name: n, to, .. } => vec![format!(
            "ALTER SEQUENCE {} AS {} {}",
            name(n),
            to.data_type,
            sequence_options(to, "")
        )],
        Change::SetSequenceOwner { name: n, owner } => {
            let owner = match owner {
                Some((table, column)) => format!("{}.{}", name(table), ident(column)),
                None => "NONE".to_string(),
            };
            vec![format!("ALTER SEQUENCE {} OWNED BY {owner}", name(n))]
        }
        Change::DropSequence(n) => vec![format!("DROP SEQUENCE {}", name(n))],
        Change::CreateTable(t) => create_table(t),
        Change::DropTable(t) => vec![format!("DROP TABLE {}", name(t))],
        Change::SetLogged { table, unlogged } => {
            vec![format!(
                "{} SET {}",
                alter_table(table),
                if *unlogged { "UNLOGGED" } else { "LOGGED" }
            )]
        }
        Change::AddColumn { table, column } => {
            vec![format!(
                "{} ADD COLUMN {}",
                alter_table(table),
                column_definition(column)
            )]
        }
        Change::DropColumn { table, column } => {
            vec![format!(
                "{} DROP COLUMN {}",
                alter_table(table),
                ident(column)
            )]
        }
        Change::RecreateColumn { table, column } => vec![format!(
            "{} DROP COLUMN {}",
            alter_table(table),
            ident(&column.name)
        )],
        Change::AlterColumnType {
            table,
            column,
            to,
            collation,
            via_text,
            ..
        } => {
            let collate = collation
                .as_ref()
                .map(|c| format!(" COLLATE {c}"))
                .unwrap_or_default();
            let via = match (via_text, to.ends_with("[]")) {
                (false, _) => "",
                (true, false) => "::text",
                (true, true) => "::text[]",
            };
            vec![format!(
                "{} ALTER COLUMN {} TYPE {to}{collate} USING {}{via}::{to}",
                alter_table(table),
                ident(column),
                ident(column)
            )]
        }
        Change::SetDefault {
            table,
            column,
            expression,
        } => {
            vec![format!(
                "{} ALTER COLUMN {} SET DEFAULT {expression}",
                alter_table(table),
                ident(column)
            )]
        }
        Change::DropDefault { table, column } => {
            vec![format!(
                "{} ALTER COLUMN {} DROP DEFAULT",
                alter_table(table),
                ident(column)
            )]
        }
        Change::SetNotNull { table, column } => {
            vec![format!(
                "{} ALTER COLUMN {} SET NOT NULL",
                alter_table(table),
                ident(column)
            )]
        }
        Change::DropNotNull { table, column } => {
            vec![format!(
                "{} ALTER COLUMN {} DROP NOT NULL",
                alter_table(table),
                ident(column)
            )]
        }
        Change::DropExpression { table, column } => {
            vec![format!(
                "{} ALTER COLUMN {} DROP EXPRESSION",
                alter_table(table),
                ident(column)
            )]
        }
        Change::AddIdentity {
            table,
            column,
            identity,
        } => vec![format!(
            "{} ALTER COLUMN {} ADD {}",
            alter_table(table),
            ident(column),
            identity_clause(identity)
        )],
        Change::AlterIdentity {
            table,
            column,
            data_type,
            from,
            to,
        } => {
            let mut parts = Vec::new();
            if from.kind != to.kind {
                parts.push(match to.kind {
                    IdentityKind::Always => "SET GENERATED ALWAYS".to_string(),
                    IdentityKind::ByDefault => "SET GENERATED BY DEFAULT".to_string(),
                });
            }
            if from.options != to.options {
                let o = to
                    .options
                    .clone()
                    .unwrap_or_else(|| SequenceOptions::defaults_for(data_type, 1));
                parts.push(sequence_options(&o, "SET "));
            }
            vec![format!(
                "{} ALTER COLUMN {} {}",
                alter_table(table),
                ident(column),
                parts.join(" ")
            )]
        }
        Change::DropIdentity { table, column } => {
            vec![format!(
                "{} ALTER COLUMN {} DROP IDENTITY",
                alter_table(table),
                ident(column)
            )]
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
        Change::CreateIndex { table, index } => vec![create_index(table, index)],
        Change::DropIndex { table, index } => {
            vec![format!(
                "DROP INDEX {}",
                qualified(&table.schema, &index.name)
            )]
        }
        Change::SetComment { target, comment } => {
            let target = match target {
                CommentTarget::Table(t) => format!("TABLE {}", name(t)),
                CommentTarget::Column(t, c) => format!("COLUMN {}.{}", name(t), ident(c)),
                CommentTarget::Index(i) => format!("INDEX {}", name(i)),
                CommentTarget::Enum(e) => format!("TYPE {}", name(e)),
                CommentTarget::Sequence(s) => format!("SEQUENCE {}", name(s)),
            };
            let text = comment.as_deref().map_or("NULL".to_string(), literal);
            vec![format!("COMMENT ON {target} IS {text}")]
        }
    }
}

fn sequence_options(o: &SequenceOptions, prefix: &str) -> String {
    format!(
        "{prefix}INCREMENT BY {} {prefix}MINVALUE {} {prefix}MAXVALUE {} {prefix}START WITH {} {prefix}CACHE {} {prefix}{}",
        o.increment,
        o.min_value,
        o.max_value,
        o.start,
        o.cache,
        if o.cycle { "CYCLE" } else { "NO CYCLE" }
    )
}

fn identity_clause(identity: &Identity) -> String {
    let kind = match identity.kind {
        IdentityKind::Always => "ALWAYS",
        IdentityKind::ByDefault => "BY DEFAULT",
    };
    match &identity.options {
        None => format!("GENERATED {kind} AS IDENTITY"),
        Some(o) => format!("GENERATED {kind} AS IDENTITY ({})", sequence_options(o, "")),
    }
}

fn column_definition(c: &Column) -> String {
    let mut out = format!("{} {}", ident(&c.name), c.data_type);
    if let Some(collation) = &c.collation {
        out.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(expr) = &c.generated {
        let kind = if c.virtual_generated {
            "VIRTUAL"
        } else {
            "STORED"
        };
        out.push_str(&format!(" GENERATED ALWAYS AS ({expr}) {kind}"));
    }
    if let Some(identity) = &c.identity {
        out.push(' ');
        out.push_str(&identity_clause(identity));
    }
    if let Some(d) = &c.default {
        out.push_str(&format!(" DEFAULT {d}"));
    }
    if c.not_null {
        out.push_str(" NOT NULL");
    }
    out
}

fn deferrable(d: Deferrable) -> &'static str {
    match d {
        Deferrable::NotDeferrable => "",
        Deferrable::InitiallyImmediate => " DEFERRABLE",
        Deferrable::InitiallyDeferred => " DEFERRABLE INITIALLY DEFERRED",
    }
}

fn check_definition(c: &CheckConstraint, allow_not_valid: bool) -> String {
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

fn foreign_key_definition(fk: &ForeignKey) -> String {
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

fn constraint_definition(c: &Constraint, in_alter: bool) -> String {
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

fn create_table(t: &Table) -> Vec<String> {
    let mut items: Vec<String> = t.columns.iter().map(column_definition).collect();
    if let Some(pk) = &t.primary_key {
        items.push(constraint_definition(
            &Constraint::PrimaryKey(pk.clone()),
            false,
        ));
    }
    for u in &t.uniques {
        items.push(constraint_definition(&Constraint::Unique(u.clone()), false));
    }
    for x in &t.exclusions {
        items.push(constraint_definition(
            &Constraint::Exclusion(x.clone()),
            false,
        ));
    }
    let mut after = Vec::new();
    for c in &t.checks {
        if c.not_valid {
            after.push(format!(
                "{} ADD {}",
                alter_table(&t.name),
                check_definition(c, true)
            ));
        } else {
            items.push(check_definition(c, false));
        }
    }
    let body = if items.is_empty() {
        String::new()
    } else {
        format!("\n  {}\n", items.join(",\n  "))
    };
    let mut out = vec![format!(
        "CREATE {}TABLE {} ({body})",
        if t.unlogged { "UNLOGGED " } else { "" },
        name(&t.name)
    )];
    out.extend(after);
    out
}

fn create_index(table: &QualifiedName, i: &Index) -> String {
    let mut out = format!(
        "CREATE {}INDEX {} ON {} USING {} ({})",
        if i.unique { "UNIQUE " } else { "" },
        ident(&i.name),
        name(table),
        ident(&i.method),
        i.keys.join(", ")
    );
    if !i.include.is_empty() {
        out.push_str(&format!(" INCLUDE ({})", column_list(&i.include)));
    }
    if i.nulls_not_distinct {
        out.push_str(" NULLS NOT DISTINCT");
    }
    if !i.storage.is_empty() {
        let params: Vec<String> = i
            .storage
            .iter()
            .map(|p| {
                let (name, value) = p.split_once('=').unwrap_or((p, ""));
                format!("{}={}", ident(name), literal(value))
            })
            .collect();
        out.push_str(&format!(" WITH ({})", params.join(", ")));
    }
    if let Some(p) = &i.predicate {
        out.push_str(&format!(" WHERE {p}"));
    }
    out
}
