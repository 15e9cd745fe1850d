//! `schemas`: the schemas the file manages.

use std::collections::BTreeSet;

use super::ctx::{Ctx, find};
use crate::model::Schema;
use crate::schema_file::tree::Entry;

/// The managed schemas: those the file uses, and those `schemas` lists (which must name
/// every schema in use but `public`).
pub(super) fn managed_schemas(ctx: &mut Ctx<'_>, top: &[Entry], schema: &mut Schema) {
    let used: BTreeSet<String> = schema.schemas_in_use();
    let mut managed = used.clone();
    if let Some(e) = find(top, "schemas")
        && let Some(list) = ctx.strings(&e.node, "schemas")
    {
        let listed: BTreeSet<String> = list.iter().map(|(s, _)| s.clone()).collect();
        for (s, span) in &list {
            ctx.name_ok(s, span, "schema");
        }
        for s in &used {
            if s != "public" && !listed.contains(s) {
                ctx.error(
                    &e.node.span,
                    format!("schema {s:?} is used but not listed in `schemas`"),
                    Some(format!("add \"{s}\" to `schemas`")),
                );
            }
        }
        managed.extend(listed);
    }
    schema.schemas = managed.into_iter().collect();
    if let Some(e) = find(top, "drop_other_schemas") {
        schema.drop_other_schemas = ctx.boolean(&e.node, "drop_other_schemas") == Some(true);
    }
}
