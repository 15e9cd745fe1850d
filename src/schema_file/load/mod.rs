//! schema.toml text -> [`Schema`], with every problem reported at once: one file per
//! object kind (`table`, `column`, `constraint`, `index`, `enum_`, `sequence`, `schema`),
//! on the shared readers of `ctx`.

mod column;
mod constraint;
mod ctx;
mod domain;
mod enum_;
mod extension;
mod function;
mod index;
mod partition;
mod policy;
mod renames;
mod schema;
mod sequence;
mod table;
mod trigger;
mod view;

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{QualifiedName, Schema, Sequence};
use crate::schema_file::Diagnostic;
use crate::schema_file::path;
use crate::schema_file::tree::{self, Entry, Node, Span, Val};
use constraint::PendingFk;
use ctx::{Ctx, find, reject_nul};

pub(crate) const TOP_KEYS: &[&str] = &[
    "schemas",
    "drop_other_schemas",
    "extensions",
    "enums",
    "domains",
    "sequences",
    "tables",
    "views",
    "materialized_views",
    "functions",
];

/// What loading one table reads from the rest of the file and adds to it.
struct Scope<'a> {
    enums: &'a BTreeSet<QualifiedName>,
    /// Serial columns add their sequences here.
    sequences: &'a mut BTreeMap<QualifiedName, Sequence>,
    seen: &'a mut Seen,
    pending_fks: &'a mut Vec<PendingFk>,
    /// Trigger functions, checked once the managed schemas are known.
    trigger_functions: &'a mut Vec<trigger::PendingTriggerFunction>,
}

/// Where each named object was declared, for duplicate checks.
#[derive(Default)]
struct Seen {
    /// (schema, name) -> what, for relations (tables, sequences, indexes incl. pk/unique).
    relations: BTreeMap<(String, String), String>,
}

impl Seen {
    fn relation(&mut self, ctx: &mut Ctx<'_>, schema: &str, name: &str, what: String, span: &Span) {
        let key = (schema.to_string(), name.to_string());
        if let Some(first) = self.relations.get(&key) {
            ctx.error(
                span,
                format!("{what} has the same name as {first}"),
                Some("tables, sequences, indexes and primary key / unique constraints share one namespace per schema; rename one of them".into()),
            );
        } else {
            self.relations.insert(key, what);
        }
    }
}

pub(crate) fn load(source: &str) -> Result<Schema, Vec<Diagnostic>> {
    let mut ctx = Ctx {
        src: source,
        diags: Vec::new(),
        domains: BTreeMap::new(),
    };
    let root = match tree::parse(source) {
        Ok(root) => root,
        Err(e) => {
            ctx.error(
                &e.span,
                format!("invalid TOML: {}", e.message),
                Some("fix the TOML syntax first".into()),
            );
            return Err(ctx.diags);
        }
    };
    reject_nul(&mut ctx, &root);
    let schema = load_root(&mut ctx, &root);
    if ctx.diags.is_empty() {
        Ok(schema)
    } else {
        let mut diags = ctx.diags;
        diags.sort_by_key(|d| (d.line, d.column));
        Err(diags)
    }
}

fn load_root(ctx: &mut Ctx<'_>, root: &Node) -> Schema {
    let mut schema = Schema::default();
    let Val::Table(top) = &root.val else {
        return schema;
    };
    ctx.check_keys(top, TOP_KEYS, "the top level");
    let mut seen = Seen::default();

    enum_::load_enums(ctx, top, &mut schema);
    let enum_names: BTreeSet<QualifiedName> = schema.enums.keys().cloned().collect();
    if let Some(e) = ctx::find(top, "extensions") {
        schema.extensions = Some(extension::load_extensions(ctx, &e.node));
    }
    domain::load_domains(ctx, top, &enum_names, &mut schema);

    if let Some(e) = find(top, "functions")
        && let Some(entries) = ctx.table(&e.node, "[functions]")
    {
        function::load_functions(ctx, entries, &mut schema, &enum_names);
    }
    let owners = sequence::load_sequences(ctx, top, &enum_names, &mut schema, &mut seen);
    let mut trigger_functions = Vec::new();
    let pending_fks = table::load_tables(
        ctx,
        top,
        &enum_names,
        &mut schema,
        &mut seen,
        &mut trigger_functions,
    );
    constraint::resolve_fks(ctx, &mut schema, pending_fks);
    sequence::resolve_owners(ctx, &mut schema, owners);
    view::load_views(ctx, top, &mut schema, &mut seen, &mut trigger_functions);

    for t in schema.tables.values_mut() {
        t.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        t.checks.sort_by(|a, b| a.name.cmp(&b.name));
        t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        t.policies.sort_by(|a, b| a.name.cmp(&b.name));
    }

    schema::managed_schemas(ctx, top, &mut schema);
    trigger::check_trigger_functions(ctx, &schema, trigger_functions);
    schema
}

fn qualified_key(ctx: &mut Ctx<'_>, e: &Entry, what: &str) -> Option<QualifiedName> {
    let Some(name) = path::parse_qualified(&e.key) else {
        ctx.error(
            &e.key_span,
            format!("malformed {what} name {:?}", e.key),
            Some("write \"name\" or \"schema.name\"; put a part containing a dot in double quotes: '\"my.name\"'".into()),
        );
        return None;
    };
    let ok = ctx.name_ok(&name.schema, &e.key_span, "schema")
        & ctx.name_ok(&name.name, &e.key_span, what);
    ok.then_some(name)
}

fn table_name(ctx: &mut Ctx<'_>, e: &Entry) -> Option<QualifiedName> {
    qualified_key(ctx, e, "table")
}
