//! [`Schema`] -> schema.toml text, for `pull`.
//!
//! Deterministic and compact: sorted tables, column-level sugar wherever a constraint has
//! PostgreSQL's default name, `type = "serial"` where a column and its owned sequence are
//! exactly what `serial` creates, `default = <literal>` only where the literal renders back
//! to the identical expression. Invariant (tested): `parse(&write(&s)) == s` for every
//! model without rename hints whose constraint and index lists are sorted by name.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::load::nextval;
use super::path;
use super::types::{self, Canon, Lit};
use crate::model::{
    Column, Deferrable, FkAction, ForeignKey, IdentityKind, QualifiedName, Schema, SequenceOptions,
    Table, names,
};
use crate::sql::quote;

/// Renders a model as schema-file text (the inverse of [`super::parse`]).
pub fn write(schema: &Schema) -> String {
    let enums: BTreeSet<QualifiedName> = schema.enums.keys().cloned().collect();
    let mut out = String::new();

    let derived = schema.schemas_in_use();
    if schema.schemas != derived.iter().cloned().collect::<Vec<_>>() {
        let list: Vec<String> = schema.schemas.iter().map(|s| toml_string(s)).collect();
        let _ = writeln!(out, "schemas = [{}]\n", list.join(", "));
    }

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

    // Columns that are exactly `serial`, and the sequences they stand for.
    let mut serial_sequences = BTreeSet::new();
    for t in schema.tables.values() {
        for c in &t.columns {
            if let Some((_, seq)) = serial_of(schema, t, c) {
                serial_sequences.insert(seq);
            }
        }
    }
    let sequences: Vec<_> = schema
        .sequences
        .values()
        .filter(|s| !serial_sequences.contains(&s.name))
        .collect();
    if !sequences.is_empty() {
        out.push_str("[sequences]\n");
        for s in sequences {
            let mut fields: Vec<(&str, String)> = option_fields(&s.options, "bigint");
            if let Some((table, column)) = &s.owned_by {
                let owner = format!("{}.{}", path::part(&table.name), path::part(column));
                fields.push(("owned_by", toml_string(&owner)));
            }
            if let Some(c) = &s.comment {
                fields.push(("comment", toml_string(c)));
            }
            let _ = writeln!(
                out,
                "{} = {}",
                key(&path::qualified(&s.name)),
                inline(&fields)
            );
        }
        out.push('\n');
    }

    for t in schema.tables.values() {
        write_table(&mut out, schema, &enums, t);
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn write_table(out: &mut String, schema: &Schema, enums: &BTreeSet<QualifiedName>, t: &Table) {
    let header = format!("tables.{}", key(&path::qualified(&t.name)));
    let tname = &t.name.name;

    // Which constraints become column sugar.
    let pk_sugar = t
        .primary_key
        .as_ref()
        .filter(|pk| {
            pk.columns.len() == 1
                && pk.name == names::primary_key(tname)
                && pk.deferrable == Deferrable::NotDeferrable
        })
        .map(|pk| pk.columns[0].clone());
    let unique_sugar = |u: &crate::model::UniqueConstraint| {
        u.columns.len() == 1
            && u.name == names::unique(tname, &u.columns)
            && !u.nulls_not_distinct
            && u.deferrable == Deferrable::NotDeferrable
    };
    let fk_sugar = |f: &ForeignKey| {
        f.columns.len() == 1
            && f.referenced_columns.len() == 1
            && f.name == names::foreign_key(tname, &f.columns)
            && f.deferrable == Deferrable::NotDeferrable
            && !f.match_full
            && !f.not_valid
    };
    let check_column = |name: &str| {
        t.columns
            .iter()
            .position(|c| names::column_check(tname, &c.name) == name)
    };
    let check_sugar: Vec<Option<usize>> = t
        .checks
        .iter()
        .map(|c| {
            if c.no_inherit || c.not_valid {
                None
            } else {
                check_column(&c.name)
            }
        })
        .collect();

    let mut table_fields: Vec<(String, String)> = Vec::new();
    if let Some(c) = &t.comment {
        table_fields.push(("comment".into(), toml_string(c)));
    }
    if let Some(r) = &t.renamed_from {
        table_fields.push(("renamed_from".into(), toml_string(r)));
    }
    if t.unlogged {
        table_fields.push(("unlogged".into(), "true".into()));
    }
    if let Some(pk) = t.primary_key.as_ref().filter(|_| pk_sugar.is_none()) {
        let cols = string_array(&pk.columns);
        let default_name = pk.name == names::primary_key(tname);
        let value = if default_name && pk.deferrable == Deferrable::NotDeferrable {
            cols
        } else {
            let mut f = Vec::new();
            if !default_name {
                f.push(("name", toml_string(&pk.name)));
            }
            f.push(("columns", cols));
            if pk.deferrable != Deferrable::NotDeferrable {
                f.push(("deferrable", deferrable(pk.deferrable)));
            }
            inline(&f)
        };
        table_fields.push(("primary_key".into(), value));
    }
    let uniques: Vec<String> = t
        .uniques
        .iter()
        .filter(|u| !unique_sugar(u))
        .map(|u| {
            let cols = string_array(&u.columns);
            let default_name = u.name == names::unique(tname, &u.columns);
            if default_name && !u.nulls_not_distinct && u.deferrable == Deferrable::NotDeferrable {
                return cols;
            }
            let mut f = Vec::new();
            if !default_name {
                f.push(("name", toml_string(&u.name)));
            }
            f.push(("columns", cols));
            if u.nulls_not_distinct {
                f.push(("nulls_not_distinct", "true".into()));
            }
            if u.deferrable != Deferrable::NotDeferrable {
                f.push(("deferrable", deferrable(u.deferrable)));
            }
            inline(&f)
        })
        .collect();
    if !uniques.is_empty() {
        table_fields.push(("unique".into(), format!("[{}]", uniques.join(", "))));
    }
    let fks: Vec<String> = t
        .foreign_keys
        .iter()
        .filter(|f| !fk_sugar(f))
        .map(|f| {
            let mut fields = Vec::new();
            if f.name != names::foreign_key(tname, &f.columns) {
                fields.push(("name", toml_string(&f.name)));
            }
            fields.push(("columns", string_array(&f.columns)));
            fields.push((
                "references",
                toml_string(&path::qualified(&f.referenced_table)),
            ));
            let pk = schema
                .tables
                .get(&f.referenced_table)
                .and_then(|rt| rt.primary_key.as_ref())
                .map(|pk| &pk.columns);
            if pk != Some(&f.referenced_columns) {
                fields.push(("referenced_columns", string_array(&f.referenced_columns)));
            }
            action_fields(&mut fields, f.on_delete, f.on_update);
            if f.deferrable != Deferrable::NotDeferrable {
                fields.push(("deferrable", deferrable(f.deferrable)));
            }
            if f.match_full {
                fields.push(("match_full", "true".into()));
            }
            if f.not_valid {
                fields.push(("not_valid", "true".into()));
            }
            format!("  {},\n", inline(&fields))
        })
        .collect();
    if !fks.is_empty() {
        table_fields.push(("foreign_keys".into(), format!("[\n{}]", fks.concat())));
    }

    if !table_fields.is_empty() || t.columns.is_empty() {
        let _ = writeln!(out, "[{header}]");
        for (k, v) in &table_fields {
            let _ = writeln!(out, "{k} = {v}");
        }
        out.push('\n');
    }

    if !t.columns.is_empty() {
        let _ = writeln!(out, "[{header}.columns]");
        for (i, c) in t.columns.iter().enumerate() {
            let checks: Vec<&str> = t
                .checks
                .iter()
                .zip(&check_sugar)
                .filter(|(_, s)| **s == Some(i))
                .map(|(c, _)| c.expression.as_str())
                .collect();
            let sugar = ColumnSugar {
                primary_key: pk_sugar.as_deref() == Some(c.name.as_str()),
                in_pk: t
                    .primary_key
                    .as_ref()
                    .is_some_and(|pk| pk.columns.contains(&c.name)),
                unique: t
                    .uniques
                    .iter()
                    .any(|u| unique_sugar(u) && u.columns[0] == c.name),
                fk: t
                    .foreign_keys
                    .iter()
                    .find(|f| fk_sugar(f) && f.columns[0] == c.name),
                check: checks.first().copied(),
            };
            let _ = writeln!(
                out,
                "{} = {}",
                key(&c.name),
                column(schema, enums, t, c, &sugar)
            );
        }
        out.push('\n');
    }

    let table_checks: Vec<_> = t
        .checks
        .iter()
        .zip(&check_sugar)
        .filter(|(_, s)| s.is_none())
        .map(|(c, _)| c)
        .collect();
    if !table_checks.is_empty() {
        let _ = writeln!(out, "[{header}.checks]");
        for c in table_checks {
            let value = if c.no_inherit || c.not_valid {
                let mut f = vec![("expression", toml_string(&c.expression))];
                if c.no_inherit {
                    f.push(("no_inherit", "true".into()));
                }
                if c.not_valid {
                    f.push(("not_valid", "true".into()));
                }
                inline(&f)
            } else {
                toml_string(&c.expression)
            };
            let _ = writeln!(out, "{} = {value}", key(&c.name));
        }
        out.push('\n');
    }

    if !t.exclusions.is_empty() {
        let _ = writeln!(out, "[{header}.exclude]");
        for x in &t.exclusions {
            let _ = writeln!(out, "{} = {}", key(&x.name), toml_string(&x.definition));
        }
        out.push('\n');
    }

    if !t.indexes.is_empty() {
        let _ = writeln!(out, "[{header}.indexes]");
        for idx in &t.indexes {
            let keys: Vec<String> = idx.keys.iter().map(|k| index_key(t, k)).collect();
            let mut f = vec![("columns", format!("[{}]", keys.join(", ")))];
            if idx.unique {
                f.push(("unique", "true".into()));
            }
            if idx.method != "btree" {
                f.push(("using", toml_string(&idx.method)));
            }
            if let Some(p) = &idx.predicate {
                f.push(("where", toml_string(p)));
            }
            if !idx.include.is_empty() {
                f.push(("include", string_array(&idx.include)));
            }
            if idx.nulls_not_distinct {
                f.push(("nulls_not_distinct", "true".into()));
            }
            if !idx.storage.is_empty() {
                let params: Vec<(String, String)> = idx
                    .storage
                    .iter()
                    .map(|p| {
                        let (name, value) = p.split_once('=').unwrap_or((p, ""));
                        (key(name), toml_string(value))
                    })
                    .collect();
                f.push(("with", inline(&params)));
            }
            if let Some(c) = &idx.comment {
                f.push(("comment", toml_string(c)));
            }
            let _ = writeln!(out, "{} = {}", key(&idx.name), inline(&f));
        }
        out.push('\n');
    }
}

/// An index key as the loader reads it back: a column name where the key is exactly that
/// column (quoted as PostgreSQL would), SQL text otherwise, `{ sql = ... }` where plain
/// text would be mistaken for a column.
fn index_key(t: &Table, k: &str) -> String {
    if let Some(c) = t.columns.iter().find(|c| quote::ident(&c.name) == k) {
        return toml_string(&c.name);
    }
    let is_column_name = t.columns.iter().any(|c| c.name == k);
    let folded_unknown = quote::parse_ident(k.trim()).is_some_and(|f| t.column(&f).is_none());
    if is_column_name || folded_unknown || k.trim() != k || k.is_empty() {
        inline(&[("sql", toml_string(k))])
    } else {
        toml_string(k)
    }
}

struct ColumnSugar<'a> {
    primary_key: bool,
    in_pk: bool,
    unique: bool,
    fk: Option<&'a ForeignKey>,
    check: Option<&'a str>,
}

fn column(
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
fn serial_of(schema: &Schema, t: &Table, c: &Column) -> Option<(&'static str, QualifiedName)> {
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
fn type_text(data_type: &str, enums: &BTreeSet<QualifiedName>) -> String {
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
fn collation_text(coll: &str) -> String {
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
fn split_sql_part(text: &str) -> (&str, Option<&str>) {
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
fn default_literal(expr: &str, canon: &Canon) -> Option<String> {
    let scalar =
        |lit: Lit<'_>, toml: String| (types::render_scalar(&lit, canon) == expr).then_some(toml);
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
                    types::array_element(s)
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
fn split_literal(expr: &str) -> Option<(String, &str)> {
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
fn parse_array_literal(text: &str) -> Option<Vec<(String, bool)>> {
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

fn option_fields(o: &SequenceOptions, default_type: &str) -> Vec<(&'static str, String)> {
    let mut f = Vec::new();
    if o.data_type != default_type {
        f.push(("type", toml_string(&o.data_type)));
    }
    if o.increment != 1 {
        f.push(("increment", o.increment.to_string()));
    }
    let d = SequenceOptions::defaults_for(&o.data_type, o.increment);
    if o.min_value != d.min_value {
        f.push(("min_value", o.min_value.to_string()));
    }
    if o.max_value != d.max_value {
        f.push(("max_value", o.max_value.to_string()));
    }
    let default_start = if o.increment > 0 {
        o.min_value
    } else {
        o.max_value
    };
    if o.start != default_start {
        f.push(("start", o.start.to_string()));
    }
    if o.cache != 1 {
        f.push(("cache", o.cache.to_string()));
    }
    if o.cycle {
        f.push(("cycle", "true".into()));
    }
    f
}

fn action_fields(f: &mut Vec<(&str, String)>, on_delete: FkAction, on_update: FkAction) {
    if on_delete != FkAction::NoAction {
        f.push(("on_delete", toml_string(on_delete.file_name())));
    }
    if on_update != FkAction::NoAction {
        f.push(("on_update", toml_string(on_update.file_name())));
    }
}

fn deferrable(d: Deferrable) -> String {
    toml_string(match d {
        Deferrable::NotDeferrable => "not deferrable",
        Deferrable::InitiallyImmediate => "initially immediate",
        Deferrable::InitiallyDeferred => "initially deferred",
    })
}

fn inline<K: AsRef<str>>(fields: &[(K, String)]) -> String {
    if fields.is_empty() {
        return "{}".into();
    }
    let parts: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{} = {v}", key(k.as_ref())))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

fn string_array(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| toml_string(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// A TOML key: bare when possible, else a basic string.
fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml_string(k)
    }
}

fn toml_string(s: &str) -> String {
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

fn toml_float(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        types::float_text(f)
    }
}
