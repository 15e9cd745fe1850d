//! A small, span-carrying view of a parsed TOML document.
//!
//! `toml_edit` keeps byte spans for keys and values when a document is parsed with
//! [`toml_edit::ImDocument`]; this module copies what the loader needs into one uniform
//! tree (standard tables and inline tables look the same), so that every diagnostic can
//! point at the offending key or value.

use std::ops::Range;

use toml_edit::{Item, TableLike, Value};

pub(crate) type Span = Range<usize>;

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub span: Span,
    pub val: Val,
}

#[derive(Debug, Clone)]
pub(crate) enum Val {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Datetime(String),
    Array(Vec<Node>),
    Table(Vec<Entry>),
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: String,
    pub key_span: Span,
    pub node: Node,
}

impl Val {
    /// What the value is, for "expected X, found Y" messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Val::Str(_) => "a string",
            Val::Int(_) => "an integer",
            Val::Float(_) => "a float",
            Val::Bool(_) => "a boolean",
            Val::Datetime(_) => "a date-time",
            Val::Array(_) => "an array",
            Val::Table(_) => "a table",
        }
    }
}

/// A TOML syntax error: where, and what the parser said.
pub(crate) struct SyntaxError {
    pub span: Span,
    pub message: String,
}

pub(crate) fn parse(source: &str) -> Result<Node, SyntaxError> {
    let doc = toml_edit::ImDocument::parse(source).map_err(|e| SyntaxError {
        span: e.span().unwrap_or(0..0),
        message: e.message().trim().to_string(),
    })?;
    Ok(table(doc.as_table(), 0..0))
}

fn table(t: &dyn TableLike, span: Span) -> Node {
    let mut entries = Vec::new();
    for (name, _) in t.iter() {
        let Some((key, item)) = t.get_key_value(name) else {
            continue;
        };
        let key_span = key.span().unwrap_or_else(|| span.clone());
        let node = item_node(item, key_span.clone());
        entries.push(Entry {
            key: name.to_string(),
            key_span,
            node,
        });
    }
    Node {
        span,
        val: Val::Table(entries),
    }
}

fn item_node(item: &Item, fallback: Span) -> Node {
    match item {
        Item::None => Node {
            span: fallback,
            val: Val::Table(Vec::new()),
        },
        Item::Value(v) => value_node(v, fallback),
        Item::Table(t) => {
            let span = t.span().unwrap_or(fallback);
            table(t, span)
        }
        Item::ArrayOfTables(a) => {
            let span = a.span().unwrap_or(fallback);
            let items = a
                .iter()
                .map(|t| table(t, t.span().unwrap_or_else(|| span.clone())))
                .collect();
            Node {
                span,
                val: Val::Array(items),
            }
        }
    }
}

fn value_node(v: &Value, fallback: Span) -> Node {
    let span = v.span().unwrap_or(fallback);
    let val = match v {
        Value::String(s) => Val::Str(s.value().clone()),
        Value::Integer(i) => Val::Int(*i.value()),
        Value::Float(f) => Val::Float(*f.value()),
        Value::Boolean(b) => Val::Bool(*b.value()),
        Value::Datetime(d) => Val::Datetime(d.value().to_string()),
        Value::Array(a) => Val::Array(a.iter().map(|v| value_node(v, span.clone())).collect()),
        Value::InlineTable(t) => return table(t, span),
    };
    Node { span, val }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}
