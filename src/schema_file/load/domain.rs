//! `[domains.NAME]`: a base type with not null, a default, checks over `VALUE`, a
//! collation and a comment, written like a column.

use std::collections::{BTreeMap, BTreeSet};

use crate::sql::types::Canon;

use super::column::render_default;
use super::ctx::{Ctx, find};
use super::qualified_key;
use super::renames::{check_renames, rename_hints};
use crate::model::{Domain, DomainCheck, QualifiedName};
use crate::schema_file::path;
use crate::schema_file::tree::{Entry, Val};
use crate::sql::quote;
use crate::sql::types;

pub(crate) const DOMAIN_KEYS: &[&str] = &[
    "type",
    "not_null",
    "default",
    "default_sql",
    "checks",
    "collation",
    "comment",
    "renamed_from",
];

const DOMAIN_CHECK_KEYS: &[&str] = &["expression", "not_valid"];

/// A type written unqualified that names a domain the file declares in `public`, written
/// qualified (`email[]` -> `public.email[]`): the canonical spelling of a domain type (as
/// of every type but an enum, see `introspect`).
pub(super) fn qualify_domain(
    text: &str,
    domains: &BTreeMap<QualifiedName, String>,
) -> Option<String> {
    let t = text.trim_start();
    let (name, rest) = if let Some(quoted) = t.strip_prefix('"') {
        let end = quoted.find('"')?;
        (quoted[..end].to_string(), &quoted[end + 1..])
    } else {
        let end = t
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(t.len());
        (t[..end].to_lowercase(), &t[end..])
    };
    if name.is_empty()
        || rest.trim_start().starts_with('.')
        || !domains.contains_key(&QualifiedName::public(&*name))
    {
        return None;
    }
    Some(format!("public.{}{rest}", quote::ident(&name)))
}

/// The declared base type (as written) of the domain `canon` names, if it is one and
/// not an array of one.
pub(super) fn base_of<'d>(
    canon: &Canon,
    domains: &'d BTreeMap<QualifiedName, String>,
) -> Option<&'d str> {
    if canon.array {
        return None;
    }
    let name = crate::model::depend::type_ref(&canon.name)?.name;
    domains.get(&name).map(String::as_str)
}

/// Whether `sql` mentions `VALUE` as a word (outside string literals, roughly: a check
/// that never does is almost certainly meant for a table).
fn mentions_value(sql: &str) -> bool {
    let mut in_string = false;
    let mut word = String::new();
    for c in sql.chars().chain(std::iter::once(' ')) {
        if c == '\'' {
            in_string = !in_string;
            word.clear();
            continue;
        }
        if in_string {
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            if word.eq_ignore_ascii_case("value") {
                return true;
            }
            word.clear();
        }
    }
    false
}

/// `[domains]`: every domain, after the names (a domain may be over another one, and
/// columns name them).
pub(super) fn load_domains(
    ctx: &mut Ctx<'_>,
    top: &[Entry],
    enums: &BTreeSet<QualifiedName>,
    schema: &mut crate::model::Schema,
) {
    let Some(e) = find(top, "domains") else {
        return;
    };
    let Some(entries) = ctx.table(&e.node, "[domains]") else {
        return;
    };
    ctx.domains = entries
        .iter()
        .filter_map(|e| {
            let name = path::parse_qualified(&e.key)?;
            let Val::Table(fields) = &e.node.val else {
                return None;
            };
            match &find(fields, "type")?.node.val {
                Val::Str(t) => Some((name, t.clone())),
                _ => None,
            }
        })
        .collect();
    for e in entries {
        let Some(d) = load_domain(ctx, e, enums) else {
            continue;
        };
        if schema.domains.contains_key(&d.name) {
            ctx.error(
                &e.key_span,
                format!("domain {} is declared twice", d.name),
                None,
            );
        } else if enums.contains(&d.name) {
            ctx.error(
                &e.key_span,
                format!("domain {} has the same name as an enum", d.name),
                Some("enums and domains share one type namespace; rename one".into()),
            );
        } else {
            schema.domains.insert(d.name.clone(), d);
        }
    }
    let declared = schema.domains.keys().cloned().collect();
    check_renames(ctx, "domain", &declared, rename_hints(entries));
}

fn load_domain(ctx: &mut Ctx<'_>, e: &Entry, enums: &BTreeSet<QualifiedName>) -> Option<Domain> {
    let name = qualified_key(ctx, e, "domain")?;
    let what = format!("domain {name}");
    let fields = match &e.node.val {
        Val::Table(fields) => fields,
        Val::Str(_) => {
            ctx.error(
                &e.node.span,
                format!("{what} must be a table"),
                Some(format!("write [domains.{}] type = \"text\"", e.key)),
            );
            return None;
        }
        _ => ctx.table(&e.node, &what)?,
    };
    ctx.check_keys(fields, DOMAIN_KEYS, &what);
    let Some(type_entry) = find(fields, "type") else {
        ctx.error(&e.key_span, format!("{what} has no `type`"), None);
        return None;
    };
    let type_text = ctx.string(&type_entry.node, "type")?;
    let canon = match types::canonical(&ctx.domain_type(&type_text), enums) {
        Ok(c) if c.serial.is_some() => {
            ctx.error(
                &type_entry.node.span,
                format!("{what} cannot be of a serial type"),
                Some("use integer with a default_sql".into()),
            );
            return None;
        }
        Ok(c) => c,
        Err(err) => {
            ctx.error(&type_entry.node.span, err.message, err.hint);
            return None;
        }
    };
    let mut d = Domain::new(name, canon.name.clone());
    if let Some(x) = find(fields, "not_null") {
        d.not_null = ctx.boolean(&x.node, "not_null").unwrap_or(false);
    }
    if let Some(x) = find(fields, "comment") {
        d.comment = ctx.string(&x.node, "comment");
    }
    if let Some(x) = find(fields, "renamed_from") {
        d.renamed_from = ctx.string(&x.node, "renamed_from");
    }
    if let Some(x) = find(fields, "collation")
        && let Some(text) = ctx.string(&x.node, "collation")
    {
        match path::split(&text).as_deref() {
            Some([n]) => d.collation = Some(quote::ident(n)),
            Some([s, n]) if s == "pg_catalog" => d.collation = Some(quote::ident(n)),
            Some([s, n]) => d.collation = Some(quote::qualified(s, n)),
            _ => ctx.error(
                &x.node.span,
                format!("malformed collation {text:?}"),
                Some("write \"C\", \"en_US\" or \"schema.name\"".into()),
            ),
        }
    }
    match (find(fields, "default"), find(fields, "default_sql")) {
        (Some(_), Some(x)) => ctx.error(
            &x.key_span,
            format!("{what} has both `default` and `default_sql`"),
            Some(
                "keep one: `default` takes a TOML literal, `default_sql` an SQL expression".into(),
            ),
        ),
        (Some(x), None) => d.default = render_default(ctx, &x.node, &canon),
        (None, Some(x)) => d.default = ctx.sql(&x.node, "default_sql"),
        (None, None) => {}
    }
    if let Some(x) = find(fields, "checks")
        && let Some(checks) = ctx.table(&x.node, "checks")
    {
        for c in checks {
            if !ctx.name_ok(&c.key, &c.key_span, "constraint") {
                continue;
            }
            let (node, not_valid) = match &c.node.val {
                Val::Table(t) => {
                    ctx.check_keys(t, DOMAIN_CHECK_KEYS, &format!("check {}", c.key));
                    let Some(x) = find(t, "expression") else {
                        ctx.error(
                            &c.node.span,
                            format!("check {} needs `expression`", c.key),
                            None,
                        );
                        continue;
                    };
                    let not_valid = find(t, "not_valid")
                        .and_then(|x| ctx.boolean(&x.node, "not_valid"))
                        .unwrap_or(false);
                    (&x.node, not_valid)
                }
                _ => (&c.node, false),
            };
            let Some(expression) = ctx.sql(node, "a check expression") else {
                continue;
            };
            if !mentions_value(&expression) {
                ctx.error(
                    &node.span,
                    format!("check {} of {what} does not mention VALUE", c.key),
                    Some("a domain check tests the value as VALUE, e.g. \"VALUE ~ '@'\"".into()),
                );
                continue;
            }
            d.checks.push(DomainCheck {
                name: c.key.clone(),
                expression,
                not_valid,
            });
        }
        d.checks.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Some(d)
}
