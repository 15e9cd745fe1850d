//! Statements, order and hazards of extension changes.

use super::hazard::Hazard;
use super::order::{Deps, ObjectRef, Phase, phase};
use crate::diff::Change;
use crate::sql::quote::{ident, literal};

pub(super) fn statements(change: &Change) -> Option<Vec<String>> {
    Some(match change {
        Change::CreateExtension(e) => {
            let mut sql = format!("CREATE EXTENSION {}", ident(&e.name));
            if let Some(s) = &e.schema {
                sql.push_str(&format!(" SCHEMA {}", ident(s)));
            }
            if let Some(v) = &e.version {
                sql.push_str(&format!(" VERSION {}", literal(v)));
            }
            vec![sql]
        }
        Change::AlterExtension {
            name,
            schema,
            version,
        } => {
            let mut out = Vec::new();
            if let Some(v) = version {
                out.push(format!(
                    "ALTER EXTENSION {} UPDATE TO {}",
                    ident(name),
                    literal(v)
                ));
            }
            if let Some(s) = schema {
                out.push(format!(
                    "ALTER EXTENSION {} SET SCHEMA {}",
                    ident(name),
                    ident(s)
                ));
            }
            out
        }
        Change::DropExtension(e) => vec![format!("DROP EXTENSION {}", ident(&e.name))],
        _ => return None,
    })
}

pub(super) fn ordering(change: &Change) -> Option<(Phase, Deps)> {
    Some(match change {
        Change::CreateExtension(e) => (
            phase::CREATE_EXTENSION,
            Deps::creating(ObjectRef::extension(&e.name))
                .needing(e.schema.iter().map(|s| ObjectRef::schema(s))),
        ),
        Change::AlterExtension { name, schema, .. } => (
            phase::ALTER_EXTENSION,
            Deps::default()
                .needing([ObjectRef::extension(name)])
                .needing(schema.iter().map(|s| ObjectRef::schema(s))),
        ),
        Change::DropExtension(e) => (
            phase::DROP_EXTENSION,
            Deps::dropping(ObjectRef::extension(&e.name)),
        ),
        _ => return None,
    })
}

pub(super) fn hazard(change: &Change) -> Option<Hazard> {
    match change {
        Change::DropExtension(e) => Some(Hazard::DropsExtension {
            name: e.name.clone(),
        }),
        _ => None,
    }
}
