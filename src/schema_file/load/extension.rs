//! The `extensions` key: a list of names, or a table of name = { schema, version }.

use std::collections::BTreeMap;

use super::ctx::{Ctx, find};
use crate::model::Extension;
use crate::schema_file::tree::{Node, Val};

const EXTENSION_KEYS: &[&str] = &["schema", "version"];

pub(super) fn load_extensions(ctx: &mut Ctx<'_>, node: &Node) -> BTreeMap<String, Extension> {
    let mut out = BTreeMap::new();
    match &node.val {
        Val::Array(_) => {
            let Some(list) = ctx.strings(node, "extensions") else {
                return out;
            };
            for (name, span) in list {
                if !ctx.name_ok(&name, &span, "extension") {
                    continue;
                }
                if out.contains_key(&name) {
                    ctx.error(&span, format!("extension {name} is listed twice"), None);
                    continue;
                }
                out.insert(name.clone(), Extension::new(name));
            }
        }
        Val::Table(entries) => {
            for e in entries {
                if !ctx.name_ok(&e.key, &e.key_span, "extension") {
                    continue;
                }
                let mut ext = Extension::new(e.key.clone());
                let what = format!("extension {}", e.key);
                let Some(fields) = ctx.table(&e.node, &what) else {
                    continue;
                };
                ctx.check_keys(fields, EXTENSION_KEYS, &what);
                if let Some(s) = find(fields, "schema")
                    && let Some(schema) = ctx.string(&s.node, "schema")
                    && ctx.name_ok(&schema, &s.node.span, "schema")
                {
                    ext.schema = Some(schema);
                }
                if let Some(v) = find(fields, "version") {
                    ext.version = ctx.string(&v.node, "version");
                }
                out.insert(e.key.clone(), ext);
            }
        }
        other => ctx.error(
            &node.span,
            format!(
                "extensions must be a list of names or a table, found {}",
                other.kind()
            ),
            Some(
                "write extensions = [\"pgcrypto\"] or [extensions] citext = { schema = \"public\" }"
                    .into(),
            ),
        ),
    }
    out
}
