//! `extensions` for pull.

use std::fmt::Write as _;

use super::{inline, key, string_array, toml_string};
use crate::model::Schema;

/// The extensions of the managed schemas (PostgreSQL's own left out): those of other
/// schemas stay unmanaged, as they were. A list when every one is in `public`, else a
/// table giving each one's schema.
pub(super) fn write_extensions(out: &mut String, schema: &Schema) {
    let Some(extensions) = &schema.extensions else {
        return;
    };
    let listed: Vec<&crate::model::Extension> = extensions
        .values()
        .filter(|e| !crate::model::BUILT_IN_EXTENSIONS.contains(&e.name.as_str()))
        .filter(|e| e.schema.as_ref().is_none_or(|s| schema.schemas.contains(s)))
        .collect();
    if listed.is_empty() {
        return;
    }
    let plain = listed
        .iter()
        .all(|e| e.schema.as_deref().is_none_or(|s| s == "public"));
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
        let _ = writeln!(out, "{} = {}", key(&e.name), inline(&f));
    }
    out.push('\n');
}
