//! A table's `columns`: type, nullability, defaults, identity, generated, serial.

use std::collections::BTreeSet;

use super::Scope;
use super::ctx::{Ctx, closest, find};
use super::sequence::{SEQUENCE_OPTION_KEYS, sequence_options};
use crate::model::{
    Column, FkAction, Identity, IdentityKind, QualifiedName, Sequence, SequenceOptions, names,
};
use crate::schema_file::path;
use crate::schema_file::tree::{Entry, Node, Span, Val};
use crate::sql::literal::{self, Lit};
use crate::sql::quote;
use crate::sql::spelling::nextval;
use crate::sql::types::{self, Canon};

pub(super) const COLUMN_KEYS: &[&str] = &[
    "type",
    "not_null",
    "primary_key",
    "unique",
    "default",
    "default_sql",
    "references",
    "on_delete",
    "on_update",
    "check",
    "generated",
    "virtual",
    "identity",
    "collation",
    "renamed_from",
    "comment",
];

/// Column-level sugar, lifted into table-level constraints once the table is known.
pub(super) struct Sugar {
    pub(super) key_span: Span,
    pub(super) primary_key: bool,
    pub(super) unique: bool,
    pub(super) references: Option<(String, Span)>,
    pub(super) on_delete: FkAction,
    pub(super) on_update: FkAction,
    pub(super) check: Option<String>,
}

pub(super) fn load_column(
    ctx: &mut Ctx<'_>,
    scope: &mut Scope<'_>,
    table: &QualifiedName,
    e: &Entry,
) -> Option<(Column, Sugar)> {
    let (enums, sequences, seen) = (scope.enums, &mut *scope.sequences, &mut *scope.seen);
    let name_ok = ctx.name_ok(&e.key, &e.key_span, "column");
    let mut sugar = Sugar {
        key_span: e.key_span.clone(),
        primary_key: false,
        unique: false,
        references: None,
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
        check: None,
    };
    let (type_node, entries): (&Node, &[Entry]) = match &e.node.val {
        Val::Str(_) => (&e.node, &[]),
        Val::Table(entries) => {
            ctx.check_keys(entries, COLUMN_KEYS, &format!("column {:?}", e.key));
            match find(entries, "type") {
                Some(t) => (&t.node, entries),
                None => {
                    ctx.error(
                        &e.key_span,
                        format!("column {:?} has no `type`", e.key),
                        Some("add type = \"text\" (or any PostgreSQL type)".into()),
                    );
                    return None;
                }
            }
        }
        other => {
            ctx.error(
                &e.node.span,
                format!(
                    "column {:?} must be a type string or an inline table, found {}",
                    e.key,
                    other.kind()
                ),
                Some("write name = \"text\" or name = { type = \"text\", not_null = true }".into()),
            );
            return None;
        }
    };
    let type_text = ctx.string(type_node, "type")?;
    let canon: Canon = match types::canonical(&ctx.domain_type(&type_text), enums) {
        Ok(c) => c,
        Err(err) => {
            ctx.error(&type_node.span, err.message, err.hint);
            return None;
        }
    };
    let mut col = Column::new(e.key.clone(), canon.name.clone());
    let get = |k: &str| find(entries, k);

    if let Some(x) = get("not_null") {
        col.not_null = ctx.boolean(&x.node, "not_null").unwrap_or(false);
    }
    if let Some(x) = get("primary_key") {
        sugar.primary_key = ctx.boolean(&x.node, "primary_key").unwrap_or(false);
    }
    if let Some(x) = get("unique") {
        sugar.unique = ctx.boolean(&x.node, "unique").unwrap_or(false);
    }
    if let Some(x) = get("comment") {
        col.comment = ctx.string(&x.node, "comment");
    }
    if let Some(x) = get("renamed_from") {
        col.renamed_from = ctx.string(&x.node, "renamed_from");
    }
    if let Some(x) = get("collation")
        && let Some(text) = ctx.string(&x.node, "collation")
    {
        match path::split(&text).as_deref() {
            Some([n]) => col.collation = Some(quote::ident(n)),
            Some([s, n]) if s == "pg_catalog" => col.collation = Some(quote::ident(n)),
            Some([s, n]) => col.collation = Some(quote::qualified(s, n)),
            _ => ctx.error(
                &x.node.span,
                format!("malformed collation {text:?}"),
                Some("write a collation name such as \"C\" or \"und-x-icu\"".into()),
            ),
        }
    }
    if let Some(x) = get("check") {
        sugar.check = ctx.sql(&x.node, "check");
    }
    if let Some(x) = get("generated") {
        col.generated = ctx.sql(&x.node, "generated");
    }
    if let Some(x) = get("virtual") {
        col.virtual_generated = ctx.boolean(&x.node, "virtual").unwrap_or(false);
        if get("generated").is_none() {
            ctx.error(
                &x.key_span,
                format!("`virtual` in column {:?} needs `generated`", e.key),
                Some("`virtual = true` makes a generated column VIRTUAL (PostgreSQL 18+)".into()),
            );
        }
    }
    if let Some(x) = get("references")
        && let Some(s) = ctx.string(&x.node, "references")
    {
        sugar.references = Some((s, x.node.span.clone()));
    }
    for (key, slot) in [
        ("on_delete", &mut sugar.on_delete),
        ("on_update", &mut sugar.on_update),
    ] {
        if let Some(x) = get(key) {
            *slot = ctx.action(&x.node, key);
            if sugar.references.is_none() {
                ctx.error(
                    &x.key_span,
                    format!("{key} without `references`"),
                    Some("add references = \"table.column\"".into()),
                );
            }
        }
    }

    // Default.
    let default = get("default");
    let default_sql = get("default_sql");
    if let (Some(_), Some(d)) = (default, default_sql) {
        ctx.error(
            &d.key_span,
            format!("column {:?} has both `default` and `default_sql`", e.key),
            Some(
                "keep one: `default` takes a TOML literal, `default_sql` an SQL expression".into(),
            ),
        );
    }
    if let Some(d) = default {
        let literal_type = ctx.literal_type(&canon, enums);
        col.default = render_default(ctx, &d.node, &literal_type);
    } else if let Some(d) = default_sql {
        col.default = ctx.sql(&d.node, "default_sql");
    }
    let default_key = default.or(default_sql);

    if let Some(x) = get("identity") {
        col.identity = identity(ctx, &x.node, &canon, enums);
        // PostgreSQL makes an identity column NOT NULL; the file says so without writing
        // it, or every push would try to drop a NOT NULL that cannot be dropped.
        if col.identity.is_some() {
            col.not_null = true;
        }
        if let Some(d) = default_key {
            ctx.error(
                &d.key_span,
                format!(
                    "column {:?} is an identity column and cannot have a default",
                    e.key
                ),
                Some("remove the default or `identity`".into()),
            );
        }
        if !["smallint", "integer", "bigint"].contains(&canon.name.as_str())
            || canon.serial.is_some()
        {
            ctx.error(
                &x.key_span,
                format!(
                    "identity column {:?} must be smallint, integer or bigint",
                    e.key
                ),
                None,
            );
        }
    }
    if let Some(x) = get("generated") {
        if let Some(d) = default_key {
            ctx.error(
                &d.key_span,
                format!("generated column {:?} cannot have a default", e.key),
                Some("remove the default".into()),
            );
        }
        if get("identity").is_some() {
            ctx.error(
                &x.key_span,
                format!("column {:?} cannot be both generated and identity", e.key),
                None,
            );
        }
    }

    if let Some(int_type) = canon.serial {
        if let Some(d) = default_key {
            ctx.error(
                &d.key_span,
                format!("serial column {:?} cannot have a default", e.key),
                Some("serial already defaults to nextval() of its sequence".into()),
            );
        }
        if get("generated").is_some() {
            ctx.error(
                &type_node.span,
                format!("serial column {:?} cannot be generated", e.key),
                None,
            );
        }
        col.not_null = true;
        let seq_name = QualifiedName::new(
            table.schema.clone(),
            names::owned_sequence(&table.name, &e.key),
        );
        col.default = Some(nextval(&seq_name));
        seen.relation(
            ctx,
            &seq_name.schema,
            &seq_name.name,
            format!("the sequence {seq_name} of serial column {table}.{}", e.key),
            &type_node.span,
        );
        sequences.insert(
            seq_name.clone(),
            Sequence {
                name: seq_name,
                options: SequenceOptions::defaults_for(int_type, 1),
                owned_by: Some((table.clone(), e.key.clone())),
                comment: None,
            },
        );
    }
    name_ok.then_some((col, sugar))
}

pub(super) fn identity(
    ctx: &mut Ctx<'_>,
    node: &Node,
    canon: &Canon,
    enums: &BTreeSet<QualifiedName>,
) -> Option<Identity> {
    let kind_of = |ctx: &mut Ctx<'_>, n: &Node| -> Option<IdentityKind> {
        let s = ctx.string(n, "identity")?;
        match s.trim().to_ascii_lowercase().replace('_', " ").as_str() {
            "always" => Some(IdentityKind::Always),
            "by default" => Some(IdentityKind::ByDefault),
            _ => {
                ctx.error(
                    &n.span,
                    format!("unknown identity kind {s:?}"),
                    Some("use \"always\" or \"by default\"".into()),
                );
                None
            }
        }
    };
    match &node.val {
        Val::Table(entries) => {
            let mut allowed = SEQUENCE_OPTION_KEYS.to_vec();
            allowed.push("kind");
            ctx.check_keys(entries, &allowed, "identity");
            let Some(k) = find(entries, "kind") else {
                ctx.error(
                    &node.span,
                    "identity needs `kind`",
                    Some("kind = \"always\" or \"by default\"".into()),
                );
                return None;
            };
            let kind = kind_of(ctx, &k.node)?;
            let options = sequence_options(ctx, entries, &canon.name, enums, &node.span);
            Some(Identity {
                kind,
                options: Some(options),
                sequence: None,
                never_used: false,
            })
        }
        _ => Some(Identity {
            kind: kind_of(ctx, node)?,
            options: None,
            sequence: None,
            never_used: false,
        }),
    }
}

pub(super) fn render_default(ctx: &mut Ctx<'_>, node: &Node, ty: &Canon) -> Option<String> {
    Some(match &node.val {
        Val::Str(s) => literal::render_scalar(&Lit::Str(s), ty),
        Val::Int(i) => literal::render_scalar(&Lit::Int(*i), ty),
        Val::Float(f) => literal::render_scalar(&Lit::Float(*f), ty),
        Val::Bool(b) => literal::render_scalar(&Lit::Bool(*b), ty),
        Val::Datetime(d) => literal::render_scalar(&Lit::Str(d), ty),
        Val::Array(_) => {
            if !ty.array {
                ctx.error(
                    &node.span,
                    format!("an array default needs an array type, not {}", ty.name),
                    Some("use default_sql for other expressions".into()),
                );
                return None;
            }
            let text = array_text(ctx, node)?;
            format!("{}::{}", quote::literal(&text), ty.cast)
        }
        Val::Table(_) => {
            ctx.error(
                &node.span,
                "default must be a literal (string, number, boolean, date or array)",
                Some("use default_sql for an SQL expression".into()),
            );
            return None;
        }
    })
}

pub(super) fn array_text(ctx: &mut Ctx<'_>, node: &Node) -> Option<String> {
    let Val::Array(items) = &node.val else {
        return None;
    };
    let mut parts = Vec::new();
    for item in items {
        parts.push(match &item.val {
            Val::Str(s) | Val::Datetime(s) => literal::array_element(s),
            Val::Int(i) => i.to_string(),
            Val::Float(f) => literal::array_element(&literal::float_text(*f)),
            Val::Bool(b) => if *b { "t" } else { "f" }.to_string(),
            Val::Array(_) => array_text(ctx, item)?,
            Val::Table(_) => {
                ctx.error(&item.span, "an array default holds literals only", None);
                return None;
            }
        });
    }
    Some(format!("{{{}}}", parts.join(",")))
}

/// A column list: non-empty, every column declared, none twice.
pub(super) fn column_list(
    ctx: &mut Ctx<'_>,
    node: &Node,
    columns: &[Column],
    what: &str,
) -> Option<Vec<String>> {
    let list = ctx.strings(node, what)?;
    if list.is_empty() {
        ctx.error(&node.span, format!("{what} is empty"), None);
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    let mut ok = true;
    for (c, span) in list {
        if columns.iter().all(|col| col.name != c) {
            unknown_column(ctx, &span, &c, columns);
            ok = false;
        } else if out.contains(&c) {
            ctx.error(
                &span,
                format!("column {c:?} is listed twice in {what}"),
                None,
            );
            ok = false;
        }
        out.push(c);
    }
    ok.then_some(out)
}

pub(super) fn unknown_column(ctx: &mut Ctx<'_>, span: &Span, name: &str, columns: &[Column]) {
    let hint = match closest(name, columns.iter().map(|c| c.name.as_str())) {
        Some(c) => format!("did you mean `{c}`?"),
        None => "declare the column under [tables.<name>.columns]".to_string(),
    };
    ctx.error(span, format!("unknown column {name:?}"), Some(hint));
}
