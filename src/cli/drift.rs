//! The difference between two schemas as a user reads it: both rendered through the
//! schema.toml writer and compared as text (a unified diff), beside the statements that
//! would reconcile them.

use tokio_postgres::Client;

use crate::apply::canonicalize;
use crate::model::Schema;
use crate::plan::{self, Plan};
use crate::{diff, introspect, schema_file};

/// How a live schema differs from a wanted one.
pub struct Drift {
    /// Statements that would make the live schema the wanted one (empty: no drift).
    pub plan: Plan,
    /// A unified diff of the wanted schema against the live one, both as schema.toml text;
    /// empty when there is no drift.
    pub diff: String,
}

/// Compares `desired` (schema.toml, canonicalised through the server so that spellings
/// of the same expression agree) with the live schema behind `client`; `live_label`
/// names the live side in the diff's header.
pub async fn against(
    client: &mut Client,
    mut desired: Schema,
    live_label: &str,
) -> anyhow::Result<Drift> {
    let schemas = introspect::schemas_to_read(&*client, &desired).await?;
    let live = introspect::introspect(client, &schemas).await?;
    canonicalize::canonicalize(client, &mut desired, &live).await?;
    between(&desired, "schema.toml", live, live_label)
}

/// Compares two schemas that need no canonicalisation (both read from a server).
pub fn between(
    wanted: &Schema,
    wanted_label: &str,
    live: Schema,
    live_label: &str,
) -> anyhow::Result<Drift> {
    let live_text = schema_file::write(&live);
    let plan = plan::plan(diff::diff(wanted, live)?)?;
    let diff = if plan.is_empty() {
        String::new()
    } else {
        unified(
            &schema_file::write(wanted),
            wanted_label,
            &live_text,
            live_label,
        )
    };
    Ok(Drift { plan, diff })
}

/// `old` against `new`, line by line, with three lines of context.
pub fn unified(old: &str, old_label: &str, new: &str, new_label: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_label, new_label)
        .to_string()
}
