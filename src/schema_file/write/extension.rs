//! `extensions` for pull.

use std::fmt::Write as _;

use super::{inline, key, string_array, toml_string};
use crate::model::Schema;

/// The extensions of the managed schemas (PostgreSQL's own left out): those of other
/// schemas stay unmanaged, as they were. The key is written even when none is listed
/// (`extensions = []`), so that pushing the file drops the extensions the pulled database
/// does not have. A list when every one is in `public` at the server's default version,
/// else a table giving each one's schema and, when it is not the default, its version.
pub(super) fn write_extensions(out: &mut String, schema: &Schema) {
    let Some(extensions) = &schema.extensions else {
        return;
    };
    let listed: Vec<&crate::model::Extension> = extensions
        .values()
        .filter(|e| !crate::model::BUILT_IN_EXTENSIONS.contains(&e.name.as_str()))
        .filter(|e| e.schema.as_ref().is_none_or(|s| schema.schemas.contains(s)))
        .collect();
    let plain = listed
        .iter()
        .all(|e| e.schema.as_deref().is_none_or(|s| s == "public") && pinned_version(e).is_none());
    if plain {
        let names: Vec<String> = listed.iter().map(|e| e.name.clone()).collect();
        let _ = writeln!(out, "extensions = {}\n", string_array(&names));
        return;
    }
    out.push_str("[extensions]\n");
    for e in listed {
        let mut f: Vec<(&str, String)> = Vec::new();
        if let Some(s) = &e.schema {
            f.push(("schema", toml_string(s)));
        }
        if let Some(v) = pinned_version(e) {
            f.push(("version", toml_string(v)));
        }
        let _ = writeln!(out, "{} = {}", key(&e.name), inline(&f));
    }
    out.push('\n');
}

/// The installed version when it is not the one `CREATE EXTENSION` would install: left
/// out otherwise, so that the file follows the server's default across upgrades.
fn pinned_version(e: &crate::model::Extension) -> Option<&str> {
    let version = e.version.as_deref()?;
    (e.default_version.as_deref() != Some(version)).then_some(version)
}
