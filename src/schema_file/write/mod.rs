//! [`Schema`] -> schema.toml text, for `pull`.
//!
//! Deterministic and compact: sorted tables, column-level sugar wherever a constraint has
//! PostgreSQL's default name, `type = "serial"` where a column and its owned sequence are
//! exactly what `serial` creates, `default = <literal>` only where the literal renders back
//! to the identical expression. Invariant (tested): `parse(&write(&s)) == s` for every
//! model without rename hints whose constraint and index lists are sorted by name.
//!
//! One file per object kind (`table`, `column`, `constraint`, `index`, `enum_`,
//! `sequence`); the TOML spelling helpers are here.

mod column;
mod constraint;
mod domain;
mod enum_;
mod extension;
mod function;
mod index;
mod partition;
mod policy;
mod sequence;
mod table;
mod trigger;
mod view;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::model::{Deferrable, FkAction, QualifiedName, Schema};
use crate::schema_file::path;
use crate::sql::literal;

/// Renders a model as schema-file text (the inverse of [`super::parse`]).
pub fn write(schema: &Schema) -> String {
    let enums: BTreeSet<QualifiedName> = schema.enums.keys().cloned().collect();
    let mut out = String::new();

    let derived = schema.schemas_in_use();
    if schema.schemas != derived.iter().cloned().collect::<Vec<_>>() {
        let list: Vec<String> = schema.schemas.iter().map(|s| toml_string(s)).collect();
        let _ = writeln!(out, "schemas = [{}]\n", list.join(", "));
    }
    if schema.drop_other_schemas {
        out.push_str("drop_other_schemas = true\n\n");
    }

    // Before any table header: the list form is a top-level key.
    extension::write_extensions(&mut out, schema);
    enum_::write_enums(&mut out, schema);
    for d in schema.domains.values() {
        domain::write_domain(&mut out, &enums, d);
    }
    sequence::write_sequences(&mut out, schema);
    function::write_functions(&mut out, schema);

    for t in schema.tables.values() {
        table::write_table(&mut out, schema, &enums, t);
        let header = format!("tables.{}", key(&path::qualified(&t.name)));
        trigger::write_triggers(&mut out, &header, &t.triggers);
    }
    view::write_views(&mut out, schema);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

pub(super) fn action_fields(f: &mut Vec<(&str, String)>, on_delete: FkAction, on_update: FkAction) {
    if on_delete != FkAction::NoAction {
        f.push(("on_delete", toml_string(on_delete.file_name())));
    }
    if on_update != FkAction::NoAction {
        f.push(("on_update", toml_string(on_update.file_name())));
    }
}

pub(super) fn deferrable(d: Deferrable) -> String {
    toml_string(match d {
        Deferrable::NotDeferrable => "not deferrable",
        Deferrable::InitiallyImmediate => "initially immediate",
        Deferrable::InitiallyDeferred => "initially deferred",
    })
}

pub(super) fn inline<K: AsRef<str>>(fields: &[(K, String)]) -> String {
    if fields.is_empty() {
        return "{}".into();
    }
    let parts: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{} = {v}", key(k.as_ref())))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

pub(super) fn string_array(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| toml_string(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// A TOML key: bare when possible, else a basic string.
pub(super) fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml_string(k)
    }
}

pub(super) fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(super) fn toml_float(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        literal::float_text(f)
    }
}
