//! `extensions` and `[domains.*]` (engineer extdom's writers, moved here by the split).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::column::{collation_text, default_literal, type_text};
use super::{inline, key, string_array, toml_string};
use crate::model::{QualifiedName, Schema};
use crate::schema_file::path;
use crate::sql::types;

/// The extensions of the managed schemas (PostgreSQL's own left out): those of other
/// schemas stay unmanaged, as they were. A list when every one is in `public` with no
/// comment, else a table giving each one's schema.
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
        .all(|e| e.comment.is_none() && e.schema.as_deref().is_none_or(|s| s == "public"));
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
        if let Some(c) = &e.comment {
            f.push(("comment", toml_string(c)));
        }
        let _ = writeln!(out, "{} = {}", key(&e.name), inline(&f));
    }
    out.push('\n');
}

pub(super) fn write_domain(
    out: &mut String,
    enums: &BTreeSet<QualifiedName>,
    d: &crate::model::Domain,
) {
    let _ = writeln!(out, "[domains.{}]", key(&path::qualified(&d.name)));
    let type_text = type_text(&d.data_type, enums);
    let _ = writeln!(out, "type = {}", toml_string(&type_text));
    if d.not_null {
        out.push_str("not_null = true\n");
    }
    if let Some(def) = &d.default {
        let canon = types::canonical(&type_text, enums).ok();
        match canon.and_then(|canon| default_literal(def, &canon)) {
            Some(lit) => {
                let _ = writeln!(out, "default = {lit}");
            }
            None => {
                let _ = writeln!(out, "default_sql = {}", toml_string(def));
            }
        }
    }
    if let Some(c) = &d.collation {
        let _ = writeln!(out, "collation = {}", toml_string(&collation_text(c)));
    }
    if !d.checks.is_empty() {
        let checks: Vec<(String, String)> = d
            .checks
            .iter()
            .map(|c| {
                let value = if c.not_valid {
                    inline(&[
                        ("expression", toml_string(&c.expression)),
                        ("not_valid", "true".to_string()),
                    ])
                } else {
                    toml_string(&c.expression)
                };
                (key(&c.name), value)
            })
            .collect();
        let _ = writeln!(out, "checks = {}", inline(&checks));
    }
    if let Some(c) = &d.comment {
        let _ = writeln!(out, "comment = {}", toml_string(c));
    }
    if let Some(r) = &d.renamed_from {
        let _ = writeln!(out, "renamed_from = {}", toml_string(r));
    }
    out.push('\n');
}
