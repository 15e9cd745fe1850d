//! `brain-db types`: TypeScript and Rust types generated from the schema model.
//!
//! Offline by design: the model that push and generate use is the only input, so the types
//! cannot disagree with what push creates. This module is the shared analysis (how each
//! column type maps to a kind of value, which columns an insert needs, the narrowing of a
//! `col in ('a', 'b')` check, the naming rule); `typescript` and `rust` only print.
//!
//! Views (issue 8) are not in the model yet; when they are, their Row types need the
//! server (`--database-url`), since only it knows a view's column types.

mod names;
pub mod rust;
pub mod typescript;

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Column, Enum, IdentityKind, QualifiedName, Schema, Table};
use crate::sql::quote;

pub use names::{pascal_case, singular};

/// The language to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    TypeScript,
    Rust,
}

/// The whole generated file for `schema`.
pub fn generate(schema: &Schema, lang: Lang) -> String {
    let analysis = Analysis::new(schema);
    match lang {
        Lang::TypeScript => typescript::render(&analysis),
        Lang::Rust => rust::render(&analysis),
    }
}

/// The value a column holds, independent of the target language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scalar {
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    Bool,
    /// text, varchar, char, name, citext: what a client reads as a string directly.
    Text,
    Uuid,
    Json,
    Timestamptz,
    Timestamp,
    Date,
    Time,
    Bytea,
    Oid,
    /// A declared enum (index into [`Analysis::enums`]).
    Enum(usize),
    /// Every other type (money, interval, inet, ranges, an extension's type...): read and
    /// written as its text form, so nothing is lost.
    ViaText,
}

/// How a column appears in an insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertMode {
    /// Not null, no default: the insert must give it.
    Required,
    /// Nullable, defaulted, identity `by default` or serial.
    Optional,
    /// Identity `always` or generated: never written.
    Never,
}

/// One column, analysed.
#[derive(Debug, Clone)]
pub struct ColumnInfo<'a> {
    pub column: &'a Column,
    pub scalar: Scalar,
    /// Array dimensions the type declares (`text[]` is 1); values are nested lists.
    pub array: bool,
    pub nullable: bool,
    pub insert: InsertMode,
    /// Labels of a `col in ('a', 'b')` check on a text column.
    pub narrowed: Option<Narrowing>,
}

#[derive(Debug, Clone)]
pub struct Narrowing {
    pub constraint: String,
    pub labels: Vec<String>,
    /// The Rust enum's name (`TaskStatus`), unique in the file.
    pub type_name: String,
}

/// One table, analysed.
#[derive(Debug, Clone)]
pub struct TableInfo<'a> {
    pub table: &'a Table,
    /// `Task` for `tasks`: the row type; `NewTask` and `TaskUpdate` are derived from it.
    pub type_name: String,
    pub columns: Vec<ColumnInfo<'a>>,
}

#[derive(Debug, Clone)]
pub struct EnumInfo<'a> {
    pub en: &'a Enum,
    /// `Mood` for `mood`, unique in the file.
    pub type_name: String,
}

/// The schema as both printers see it: tables and enums in (schema, name) order, with
/// unique type names.
#[derive(Debug, Clone)]
pub struct Analysis<'a> {
    pub schema: &'a Schema,
    pub tables: Vec<TableInfo<'a>>,
    pub enums: Vec<EnumInfo<'a>>,
}

impl<'a> Analysis<'a> {
    pub fn new(schema: &'a Schema) -> Self {
        let mut taken: BTreeSet<String> = names::RESERVED.iter().map(|s| s.to_string()).collect();
        // Enums first: a table's alias yields to a type name PostgreSQL itself defines.
        let enum_names = unique_names(schema.enums.keys(), |q| pascal_case(&q.name), &mut taken);
        let enums: Vec<EnumInfo> = schema
            .enums
            .values()
            .zip(enum_names)
            .map(|(en, type_name)| EnumInfo { en, type_name })
            .collect();
        let enum_index: BTreeMap<String, usize> = schema
            .enums
            .keys()
            .enumerate()
            .map(|(i, q)| (type_spelling(q), i))
            .collect();
        // A partition's rows are its parent's (and are read and written through it): the
        // parent's types serve both, so a partition gets none of its own.
        let row_tables: Vec<&Table> = (schema.tables.values())
            .filter(|t| t.partition_of.is_none())
            .collect();
        let table_names = unique_names(
            row_tables.iter().map(|t| &t.name),
            |q| pascal_case(&singular(&q.name)),
            &mut taken,
        );
        // The `New` / `Update` forms must not clash with anything either.
        for n in &table_names {
            taken.insert(format!("New{n}"));
            taken.insert(format!("{n}Update"));
        }
        let mut tables = Vec::new();
        for (table, type_name) in row_tables.into_iter().zip(table_names) {
            let columns = table
                .columns
                .iter()
                .map(|c| analyse_column(table, c, &enum_index, &type_name, &mut taken))
                .collect();
            tables.push(TableInfo {
                table,
                type_name,
                columns,
            });
        }
        Analysis {
            schema,
            tables,
            enums,
        }
    }

    /// Managed schemas that hold a table or an enum, and `public`, sorted.
    pub fn schemas(&self) -> Vec<String> {
        let mut set: BTreeSet<String> = self.schema.schemas.iter().cloned().collect();
        set.extend(self.schema.schemas_in_use());
        set.into_iter().collect()
    }
}

/// Names for `keys` in order: the `public` ones first get the plain name, the others the
/// plain name when free, else the schema prefixed, else a number appended.
fn unique_names<'k>(
    keys: impl Iterator<Item = &'k QualifiedName>,
    base: impl Fn(&QualifiedName) -> String,
    taken: &mut BTreeSet<String>,
) -> Vec<String> {
    let keys: Vec<&QualifiedName> = keys.collect();
    let mut out = vec![String::new(); keys.len()];
    let order = keys
        .iter()
        .enumerate()
        .filter(|(_, q)| q.schema == "public")
        .chain(
            keys.iter()
                .enumerate()
                .filter(|(_, q)| q.schema != "public"),
        );
    for (i, q) in order {
        let plain = base(q);
        let name = if q.schema == "public" || !taken.contains(&plain) {
            plain
        } else {
            format!("{}{plain}", pascal_case(&q.schema))
        };
        let name = names::free(name, taken);
        taken.insert(name.clone());
        out[i] = name;
    }
    out
}

/// How `format_type` prints a declared enum with search_path = public.
fn type_spelling(q: &QualifiedName) -> String {
    if q.schema == "public" {
        quote::ident(&q.name)
    } else {
        quote::qualified(&q.schema, &q.name)
    }
}

fn analyse_column<'a>(
    table: &Table,
    column: &'a Column,
    enums: &BTreeMap<String, usize>,
    table_type: &str,
    taken: &mut BTreeSet<String>,
) -> ColumnInfo<'a> {
    let (scalar, array) = scalar_of(&column.data_type, enums);
    let insert = if column.generated.is_some()
        || column.identity.as_ref().map(|i| i.kind) == Some(IdentityKind::Always)
    {
        InsertMode::Never
    } else if !column.not_null || column.default.is_some() || column.identity.is_some() {
        InsertMode::Optional
    } else {
        InsertMode::Required
    };
    let narrowed = if scalar == Scalar::Text && !array {
        table.checks.iter().find_map(|c| {
            let labels = check_labels(&c.expression, &column.name)?;
            let name = names::free(format!("{table_type}{}", pascal_case(&column.name)), taken);
            taken.insert(name.clone());
            Some(Narrowing {
                constraint: c.name.clone(),
                labels,
                type_name: name,
            })
        })
    } else {
        None
    };
    ColumnInfo {
        column,
        scalar,
        array,
        nullable: !column.not_null,
        insert,
        narrowed,
    }
}

/// The kind of value of a canonical type, and whether it is an array.
pub fn scalar_of(data_type: &str, enums: &BTreeMap<String, usize>) -> (Scalar, bool) {
    let mut base = data_type.trim();
    let mut array = false;
    while let Some(b) = base.strip_suffix("[]") {
        base = b.trim_end();
        array = true;
    }
    if let Some(&i) = enums.get(base) {
        return (Scalar::Enum(i), array);
    }
    // Type modifiers (`(64)`, `(12,2)`, `timestamp(3) with time zone`) do not change the
    // kind of value. Quoted names are never built-in types, so no quote can hold a paren.
    let mut plain = String::with_capacity(base.len());
    let mut depth = 0;
    for c in base.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let plain = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    let scalar = match plain.as_str() {
        "smallint" => Scalar::Int2,
        "integer" => Scalar::Int4,
        "bigint" => Scalar::Int8,
        "real" => Scalar::Float4,
        "double precision" => Scalar::Float8,
        "numeric" => Scalar::Numeric,
        "boolean" => Scalar::Bool,
        "text" | "character varying" | "character" | "name" | "citext" | "public.citext" => {
            Scalar::Text
        }
        "uuid" => Scalar::Uuid,
        "json" | "jsonb" => Scalar::Json,
        "timestamp with time zone" => Scalar::Timestamptz,
        "timestamp without time zone" => Scalar::Timestamp,
        "date" => Scalar::Date,
        "time without time zone" => Scalar::Time,
        "bytea" => Scalar::Bytea,
        "oid" => Scalar::Oid,
        _ => Scalar::ViaText,
    };
    (scalar, array)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Str(String),
    Punct(char),
}

/// The labels of a check that limits `column` to a list of strings: `col in ('a', 'b')`
/// as written in schema.toml, or `(col = ANY (ARRAY['a'::text, 'b'::text]))` as the server
/// prints it. Anything else (another column, `or`, a function) narrows nothing.
pub fn check_labels(expression: &str, column: &str) -> Option<Vec<String>> {
    let toks: Vec<Tok> = tokenize(expression)?
        .into_iter()
        .filter(|t| !matches!(t, Tok::Punct('(' | ')')))
        .collect();
    let mut it = toks.into_iter().peekable();
    match it.next()? {
        Tok::Word(w) if w == column => {}
        Tok::Quoted(q) if q == column => {}
        _ => return None,
    }
    let word = |t: Option<Tok>, want: &str| matches!(t, Some(Tok::Word(w)) if w == want);
    let close = match it.next()? {
        Tok::Word(w) if w == "in" => None,
        Tok::Punct('=') => {
            if !word(it.next(), "any") || !word(it.next(), "array") {
                return None;
            }
            if it.next() != Some(Tok::Punct('[')) {
                return None;
            }
            Some(Tok::Punct(']'))
        }
        _ => return None,
    };
    let mut labels = Vec::new();
    loop {
        match it.next()? {
            Tok::Str(s) => labels.push(s),
            _ => return None,
        }
        match it.next() {
            Some(Tok::Punct(',')) => continue,
            t if t == close => break,
            _ => return None,
        }
    }
    if it.next().is_some() || labels.is_empty() {
        return None;
    }
    let mut seen = BTreeSet::new();
    labels.retain(|l| seen.insert(l.clone()));
    Some(labels)
}

/// Words (lower-cased), quoted names, string literals and punctuation; `::type` casts to
/// text types are dropped, since they do not change the labels. `None` on anything odd.
fn tokenize(text: &str) -> Option<Vec<Tok>> {
    const CAST_WORDS: &[&str] = &[
        "text",
        "character",
        "varying",
        "varchar",
        "bpchar",
        "name",
        "citext",
    ];
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            i += 2;
            // Skip the type: cast words, `[]`, and a modifier such as `(64)`.
            loop {
                while chars.get(i).is_some_and(|c| c.is_whitespace()) {
                    i += 1;
                }
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    i += 1;
                }
                if i > start {
                    let w: String = chars[start..i].iter().collect::<String>().to_lowercase();
                    if !CAST_WORDS.contains(&w.as_str()) {
                        return None;
                    }
                    continue;
                }
                if chars.get(i) == Some(&'[') && chars.get(i + 1) == Some(&']') {
                    i += 2;
                    continue;
                }
                break;
            }
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i)? {
                    '\'' if chars.get(i + 1) == Some(&'\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    '\'' => {
                        i += 1;
                        break;
                    }
                    c => {
                        s.push(*c);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Str(s));
        } else if c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i)? {
                    '"' if chars.get(i + 1) == Some(&'"') => {
                        s.push('"');
                        i += 2;
                    }
                    '"' => {
                        i += 1;
                        break;
                    }
                    c => {
                        s.push(*c);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Quoted(s));
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
            {
                i += 1;
            }
            out.push(Tok::Word(
                chars[start..i].iter().collect::<String>().to_lowercase(),
            ));
        } else if "()[],=".contains(c) {
            out.push(Tok::Punct(c));
            i += 1;
        } else {
            return None;
        }
    }
    Some(out)
}

/// The lines of a comment, for doc comments.
pub fn comment_lines(comment: &str) -> impl Iterator<Item = &str> {
    comment.lines().map(str::trim_end)
}

#[cfg(test)]
mod tests;
