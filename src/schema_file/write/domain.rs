//! `[domains.NAME]` for pull.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::column::{collation_text, default_literal, type_text};
use super::{inline, key, toml_string};
use crate::model::QualifiedName;
use crate::schema_file::path;
use crate::sql::types;

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
