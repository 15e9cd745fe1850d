//! Compares a desired schema with the live one and lists the typed changes between them.
//!
//! Architecture invariant: pure. No SQL text is produced here (see `plan`; the SQL
//! knowledge it needs, such as how the server spells a type, is in `crate::sql`), and
//! nothing touches a database. Renames (`renamed_from`) are resolved first, by rewriting
//! a copy of the live schema the way the rename statements will, so that everything after
//! compares like with like.
//!
//! One file per object kind (`tables`, `columns`, `constraints`, `indexes`, `enums`,
//! `sequences`, `policies`), on the vocabulary of `change`; `renames` and `dependents` serve them all.

mod change;
mod columns;
mod constraints;
mod dependents;
pub mod domain;
mod enums;
mod extension;
pub mod functions;
mod indexes;
mod not_null;
mod partitions;
mod policies;
mod renames;
mod sequences;
mod tables;
mod views;

use crate::model::Schema;

pub use change::{Change, CommentTarget, Constraint, EnumColumn, EnumPosition, TableDropReason};
pub use not_null::assume_default_names as assume_not_null_names;
pub use renames::RenameConflict;
pub use views::ViewDropReason;

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

    if desired.drop_other_schemas {
        for schema in &live.schemas {
            if !desired.schemas.contains(schema) && schema != "public" {
                out.push(Change::DropSchema(schema.clone()));
            }
        }
    }

    extension::diff_extensions(desired, &mut live, &mut out);
    renames::resolve_renames(desired, &mut live, &mut out)?;
    enums::diff_enums(desired, &mut live, &mut out);
    domain::diff_domains(desired, &mut live, &mut out);
    sequences::diff_sequences(desired, &mut live, &mut out);
    columns::detach_from_changed_columns(desired, &mut live, &mut out);
    functions::diff_functions(desired, &mut live, &mut out);
    policies::detach_policies(desired, &mut live, &mut out);
    tables::diff_tables(desired, &live, &mut out);
    functions::diff_triggers(desired, &live, &mut out);
    views::diff_views(desired, &mut live, &mut out)?;
    not_null::follow_names(desired, &live, &mut out);
    policies::attach_uses(desired, &live, &mut out);
    Ok(out)
}
