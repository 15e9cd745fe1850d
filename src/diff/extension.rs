//! Extensions: managed only when the file has the `extensions` key.

use super::Change;
use crate::model::{BUILT_IN_EXTENSIONS, Schema};
use crate::sql::quote::ident;

/// Creates the listed extensions that are missing, moves or updates those whose declared
/// schema or version (default: the server's default version) differs, and drops installed ones the file does not list, except
/// PostgreSQL's own and those in a schema the file does not manage (Supabase keeps its
/// extensions in `extensions`).
pub(super) fn diff_extensions(desired: &Schema, live: &mut Schema, out: &mut Vec<Change>) {
    let Some(wanted) = &desired.extensions else {
        return;
    };
    let installed = live.extensions.clone().unwrap_or_default();
    let live = &mut *live;
    for (name, want) in wanted {
        match installed.get(name) {
            None => out.push(Change::CreateExtension(want.clone())),
            Some(have) => {
                let schema = want
                    .schema
                    .clone()
                    .filter(|s| have.schema.as_ref() != Some(s));
                // No version in the file means the server's default one: an extension
                // left at an older version (pg_upgrade keeps them) is updated to it.
                let version = want
                    .version
                    .clone()
                    .or_else(|| have.default_version.clone())
                    .filter(|v| have.version.as_ref() != Some(v));
                if let (Some(to), Some(from)) = (&schema, &have.schema) {
                    follow_move(desired, live, from, to);
                }
                if schema.is_some() || version.is_some() {
                    out.push(Change::AlterExtension {
                        name: name.clone(),
                        schema,
                        version,
                    });
                }
            }
        }
    }
    for (name, have) in &installed {
        // A schema that goes (`drop_other_schemas`) takes its extensions along.
        let managed_schema = have.schema.as_ref().is_some_and(|s| {
            desired.schemas.contains(s) || (desired.drop_other_schemas && live.schemas.contains(s))
        });
        if !wanted.contains_key(name)
            && managed_schema
            && !BUILT_IN_EXTENSIONS.contains(&name.as_str())
        {
            out.push(Change::DropExtension(have.clone()));
        }
    }
}

/// An extension moved from schema `from` to `to` takes its types along: a live column of
/// type `from.t` that the file declares as `to.t` is the same column once it has moved.
fn follow_move(desired: &Schema, live: &mut Schema, from: &str, to: &str) {
    let (from, to) = (format!("{}.", ident(from)), format!("{}.", ident(to)));
    for (name, table) in &mut live.tables {
        let Some(declared) = desired.tables.get(name) else {
            continue;
        };
        for c in &mut table.columns {
            let Some(rest) = c.data_type.strip_prefix(&from) else {
                continue;
            };
            let moved = format!("{to}{rest}");
            if declared
                .column(&c.name)
                .is_some_and(|d| d.data_type == moved)
            {
                c.data_type = moved;
            }
        }
    }
}
