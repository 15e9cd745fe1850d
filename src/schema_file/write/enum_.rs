//! `[enums]`.

use std::fmt::Write as _;

use super::{inline, key, string_array, toml_string};
use crate::model::Schema;
use crate::schema_file::path;

pub(super) fn write_enums(out: &mut String, schema: &Schema) {
    if !schema.enums.is_empty() {
        out.push_str("[enums]\n");
        for e in schema.enums.values() {
            let values = string_array(&e.values);
            let mut fields = Vec::new();
            if e.comment.is_some() || e.renamed_from.is_some() {
                fields.push(("values", values.clone()));
                if let Some(c) = &e.comment {
                    fields.push(("comment", toml_string(c)));
                }
                if let Some(r) = &e.renamed_from {
                    fields.push(("renamed_from", toml_string(r)));
                }
                let _ = writeln!(
                    out,
                    "{} = {}",
                    key(&path::qualified(&e.name)),
                    inline(&fields)
                );
            } else {
                let _ = writeln!(out, "{} = {values}", key(&path::qualified(&e.name)));
            }
        }
        out.push('\n');
    }
}
