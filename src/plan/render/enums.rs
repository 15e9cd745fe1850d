//! SQL text for enum types.

use super::{alter_table, name};
use crate::diff::{Change, EnumPosition};
use crate::model::names;
use crate::sql::quote::{ident, literal, qualified};

/// The statements of a enum change (as dispatched by [`super::statements`]).
pub(super) fn statements(change: &Change) -> Vec<String> {
    match change {
        Change::RenameEnum { from, to } => {
            vec![format!("ALTER TYPE {} RENAME TO {}", name(from), ident(to))]
        }
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
        other => unreachable!("not a enum change: {other:?}"),
    }
}
