//! A table's `columns`: type, sugar, defaults as TOML literals where they render back.

use std::collections::BTreeSet;

use super::sequence::option_fields;
use super::{action_fields, inline, toml_float, toml_string};
use crate::model::{
    Column, ForeignKey, IdentityKind, QualifiedName, Schema, SequenceOptions, Table, names,
};
use crate::schema_file::path;
use crate::sql::literal::{self, Lit};
use crate::sql::quote;
use crate::sql::spelling::nextval;
use crate::sql::types::{self, Canon};

pub(super) struct ColumnSugar<'a> {
    pub(super) primary_key: bool,
    pub(super) in_pk: bool,
    pub(super) unique: bool,
    pub(super) fk: Option<&'a ForeignKey>,
    pub(super) check: Option<&'a str>,
}

pub(super) fn column(
    schema: &Schema,
    enums: &BTreeSet<QualifiedName>,
    t: &Table,
    c: &Column,
    sugar: &ColumnSugar<'_>,
) -> String {
    let serial = serial_of(schema, t, c).map(|(s, _)| s);
    let type_text = match serial {
        Some(s) => s.to_string(),
        None => type_text(&c.data_type, enums),
    };
    let mut f: Vec<(&str, String)> = vec![("type", toml_string(&type_text))];
    if c.not_null && !sugar.in_pk && serial.is_none() {
        f.push(("not_null", "true".into()));
    }
    if sugar.primary_key {
        f.push(("primary_key", "true".into()));
    }
    if sugar.unique {
        f.push(("unique", "true".into()));
    }
    if let (Some(d), None) = (&c.default, serial) {
        let canon = types::canonical(&type_text, enums).ok();
        match canon.and_then(|canon| default_literal(d, &canon)) {
            Some(lit) => f.push(("default", lit)),
            None => f.push(("default_sql", toml_string(d))),
        }
    }
    if let Some(id) = &c.identity {
        let kind = match id.kind {
            IdentityKind::Always => "always",
            IdentityKind::ByDefault => "by default",
        };
        let value = match &id.options {
            None => toml_string(kind),
            Some(o) => {
                let mut fields = vec![("kind", toml_string(kind))];
                fields.extend(option_fields(o, &c.data_type));
                inline(&fields)
            }
        };
        f.push(("identity", value));
    }
    if let Some(g) = &c.generated {
        f.push(("generated", toml_string(g)));
        if c.virtual_generated {
            f.push(("virtual", "true".to_string()));
        }
    }
    if let Some(fk) = sugar.fk {
        let target = format!(
            "{}.{}",
            path::qualified(&fk.referenced_table),
            path::part(&fk.referenced_columns[0])
        );
        f.push(("references", toml_string(&target)));
        action_fields(&mut f, fk.on_delete, fk.on_update);
    }
    if let Some(check) = sugar.check {
        f.push(("check", toml_string(check)));
    }
    if let Some(coll) = &c.collation {
        f.push(("collation", toml_string(&collation_text(coll))));
    }
    if let Some(x) = &c.comment {
        f.push(("comment", toml_string(x)));
    }
    if let Some(x) = &c.renamed_from {
        f.push(("renamed_from", toml_string(x)));
    }
    if f.len() == 1 {
        f.remove(0).1
    } else {
        inline(&f)
    }
}

/// `("serial", sequence)` when column + owned sequence are exactly what `serial` makes.
pub(super) fn serial_of(
    schema: &Schema,
    t: &Table,
    c: &Column,
) -> Option<(&'static str, QualifiedName)> {
    let kind = match c.data_type.as_str() {
        "integer" => "serial",
        "bigint" => "bigserial",
        "smallint" => "smallserial",
        _ => return None,
    };
    if !c.not_null || c.identity.is_some() || c.generated.is_some() {
        return None;
    }
    let seq_name = QualifiedName::new(
        t.name.schema.clone(),
        names::owned_sequence(&t.name.name, &c.name),
    );
    if c.default.as_deref() != Some(nextval(&seq_name).as_str()) {
        return None;
    }
    let seq = schema.sequences.get(&seq_name)?;
    let matches = seq.options == SequenceOptions::defaults_for(&c.data_type, 1)
        && seq.owned_by == Some((t.name.clone(), c.name.clone()))
        && seq.comment.is_none();
    matches.then_some((kind, seq_name))
}

/// The type as the file spells it: the canonical form, or schema-qualified with `public.`
/// when the bare name would not be accepted (an extension's type such as `citext`).
pub(super) fn type_text(data_type: &str, enums: &BTreeSet<QualifiedName>) -> String {
    let reads_back = |text: &str| {
        types::canonical(text, enums).is_ok_and(|c| c.serial.is_none() && c.name == data_type)
    };
    if reads_back(data_type) {
        return data_type.to_string();
    }
    let qualified = format!("public.{data_type}");
    if reads_back(&qualified) {
        qualified
    } else {
        data_type.to_string()
    }
}

/// A model collation (`"C"`, `other."x"`) as the file spells it (`C`, `other.x`).
pub(super) fn collation_text(coll: &str) -> String {
    let mut parts = Vec::new();
    let mut rest = coll;
    loop {
        let (part, tail) = split_sql_part(rest);
        match quote::parse_ident(part) {
            Some(p) => parts.push(path::part(&p)),
            None => return coll.to_string(),
        }
        match tail {
            Some(t) => rest = t,
            None => break,
        }
    }
    parts.join(".")
}

/// Splits off the first dotted part of an SQL name (respecting double quotes).
pub(super) fn split_sql_part(text: &str) -> (&str, Option<&str>) {
    let mut in_quotes = false;
    for (i, ch) in text.char_indices() {
        match ch {
            '"' => in_quotes = !in_quotes,
            '.' if !in_quotes => return (&text[..i], Some(&text[i + 1..])),
            _ => {}
        }
    }
    (text, None)
}

/// The default as a TOML literal, if rendering it back gives exactly `expr`.
pub(super) fn default_literal(expr: &str, canon: &Canon) -> Option<String> {
    let scalar =
        |lit: Lit<'_>, toml: String| (literal::render_scalar(&lit, canon) == expr).then_some(toml);
    if let Ok(b) = expr.parse::<bool>() {
        return scalar(Lit::Bool(b), b.to_string());
    }
    if let Ok(i) = expr.parse::<i64>() {
        return scalar(Lit::Int(i), i.to_string());
    }
    if expr.contains('.')
        && let Ok(f) = expr.parse::<f64>()
    {
        return scalar(Lit::Float(f), toml_float(f));
    }
    let (text, cast) = split_literal(expr)?;
    for suffix in ["integer", "bigint"] {
        if cast == suffix
            && let Ok(i) = text.parse::<i64>()
            && let Some(v) = scalar(Lit::Int(i), i.to_string())
        {
            return Some(v);
        }
    }
    if cast == "numeric"
        && let Ok(f) = text.parse::<f64>()
        && let Some(v) = scalar(Lit::Float(f), toml_float(f))
    {
        return Some(v);
    }
    if canon.array
        && let Some(items) = parse_array_literal(&text)
    {
        let all_ints = items
            .iter()
            .all(|(s, quoted)| !quoted && s.parse::<i64>().is_ok());
        let rendered: Vec<String> = items
            .iter()
            .map(|(s, _)| {
                if all_ints {
                    s.clone()
                } else {
                    literal::array_element(s)
                }
            })
            .collect();
        let back = format!(
            "{}::{}",
            quote::literal(&format!("{{{}}}", rendered.join(","))),
            canon.cast
        );
        if back == expr {
            let values: Vec<String> = items
                .iter()
                .map(|(s, _)| if all_ints { s.clone() } else { toml_string(s) })
                .collect();
            return Some(format!("[{}]", values.join(", ")));
        }
    }
    scalar(Lit::Str(&text), toml_string(&text))
}

/// `'text'::cast` -> (text, cast), for the plain (non-`E''`) literal form.
pub(super) fn split_literal(expr: &str) -> Option<(String, &str)> {
    let rest = expr.strip_prefix('\'')?;
    let mut text = String::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, ch)) = chars.next() {
        if ch == '\'' {
            if chars.peek().map(|(_, c)| *c) == Some('\'') {
                chars.next();
                text.push('\'');
            } else {
                return Some((text, rest[i + 1..].strip_prefix("::")?));
            }
        } else {
            text.push(ch);
        }
    }
    None
}

/// One-dimensional array literal `{a,"b c"}` -> elements (text, was quoted).
pub(super) fn parse_array_literal(text: &str) -> Option<Vec<(String, bool)>> {
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    let mut items = Vec::new();
    if inner.is_empty() {
        return Some(items);
    }
    let mut chars = inner.chars().peekable();
    loop {
        let mut item = String::new();
        let quoted = chars.peek() == Some(&'"');
        if quoted {
            chars.next();
            loop {
                match chars.next()? {
                    '\\' => item.push(chars.next()?),
                    '"' => break,
                    c => item.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                if "{}\"\\".contains(c) {
                    return None;
                }
                item.push(c);
                chars.next();
            }
            if item.eq_ignore_ascii_case("null") {
                return None;
            }
        }
        items.push((item, quoted));
        match chars.next() {
            None => return Some(items),
            Some(',') => {}
            Some(_) => return None,
        }
    }
}
