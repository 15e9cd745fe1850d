//! A small, span-carrying view of a parsed TOML document.
//!
//! The `toml` crate's `DeTable` keeps byte spans for keys and values; this module copies what the loader needs into one uniform
//! tree (standard tables and inline tables look the same), so that every diagnostic can
//! point at the offending key or value.

use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

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

/// Files larger than this are parsed section by section (see [`parse`]).
const CHUNK_BYTES: usize = 256 * 1024;

/// Parses a whole document. A TOML parser holds every token of its input at once (about
/// 40 bytes per source byte), so a large file — 10,000 tables are 5 MB — is cut at
/// top-level `[header]` lines into pieces of about [`CHUNK_BYTES`], each parsed on its
/// own and merged into one tree, which keeps peak memory flat.
pub(crate) fn parse(source: &str) -> Result<Node, SyntaxError> {
    let mut root: Option<Node> = None;
    let mut seen_headers: HashMap<String, Span> = HashMap::new();
    for (offset, chunk) in chunks(source, CHUNK_BYTES) {
        for (header, span) in headers(chunk, offset) {
            if let Some(first) = seen_headers.get(&header) {
                let (line, _) = line_col(source, first.start);
                return Err(SyntaxError {
                    span,
                    message: format!("duplicate table [{header}] (first defined on line {line})"),
                });
            }
            seen_headers.insert(header, span);
        }
        let node = parse_piece(chunk, offset)?;
        root = Some(match root {
            None => node,
            Some(mut r) => {
                merge(&mut r, node)?;
                r
            }
        });
    }
    Ok(root.unwrap_or(Node {
        span: 0..0,
        val: Val::Table(Vec::new()),
    }))
}

fn parse_piece(text: &str, offset: usize) -> Result<Node, SyntaxError> {
    let doc = DeTable::parse(text).map_err(|e| SyntaxError {
        span: shift(e.span().unwrap_or(0..0), offset),
        message: e.message().trim().to_string(),
    })?;
    let span = doc.span();
    let mut node = table(doc.into_inner(), span);
    if offset > 0 {
        shift_node(&mut node, offset);
    }
    Ok(node)
}

fn shift(span: Span, offset: usize) -> Span {
    span.start + offset..span.end + offset
}

fn shift_node(node: &mut Node, offset: usize) {
    node.span = shift(node.span.clone(), offset);
    match &mut node.val {
        Val::Array(items) => items.iter_mut().for_each(|n| shift_node(n, offset)),
        Val::Table(entries) => {
            for e in entries {
                e.key_span = shift(e.key_span.clone(), offset);
                shift_node(&mut e.node, offset);
            }
        }
        _ => {}
    }
}

/// Merges a later piece of the document into the tree so far: tables opened in both
/// (`[tables.a.columns]` then `[tables.a.indexes]`) are merged, arrays of tables
/// (`[[...]]`) are appended, and anything else defined twice is an error, as in one parse.
fn merge(into: &mut Node, from: Node) -> Result<(), SyntaxError> {
    let (Val::Table(left), Val::Table(right)) = (&mut into.val, from.val) else {
        return Err(SyntaxError {
            span: from.span,
            message: "duplicate key".to_string(),
        });
    };
    // An index of the keys so far: a file of 10,000 tables merges thousands of keys into
    // `tables`, piece after piece, and a linear search per key made that quadratic.
    let mut index: std::collections::HashMap<String, usize> = left
        .iter()
        .enumerate()
        .map(|(i, e)| (e.key.clone(), i))
        .collect();
    for entry in right {
        match index.get(&entry.key) {
            None => {
                index.insert(entry.key.clone(), left.len());
                left.push(entry);
            }
            Some(&i) => match (&mut left[i].node.val, entry.node.val) {
                (Val::Table(_), val @ Val::Table(_)) => merge(
                    &mut left[i].node,
                    Node {
                        span: entry.node.span,
                        val,
                    },
                )?,
                (Val::Array(a), Val::Array(b))
                    if a.iter().chain(&b).all(|n| matches!(n.val, Val::Table(_))) =>
                {
                    a.extend(b)
                }
                _ => {
                    return Err(SyntaxError {
                        span: entry.key_span,
                        message: format!("duplicate key `{}`", entry.key),
                    });
                }
            },
        }
    }
    Ok(())
}

/// Pieces of `source` (with their byte offsets) of at least `min_bytes`, each starting at
/// a top-level table header, so that each is a valid TOML document on its own.
fn chunks(source: &str, min_bytes: usize) -> Vec<(usize, &str)> {
    let mut cuts = vec![0];
    let mut last = 0;
    for start in header_line_starts(source) {
        if start - last >= min_bytes {
            cuts.push(start);
            last = start;
        }
    }
    cuts.push(source.len());
    cuts.windows(2)
        .filter(|w| w[1] > w[0] || w[0] == 0)
        .map(|w| (w[0], &source[w[0]..w[1]]))
        .collect()
}

/// Byte offsets of the lines that start a top-level `[table]` or `[[array]]` header:
/// outside strings and outside any open array or inline table.
fn header_line_starts(source: &str) -> Vec<usize> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let mut line_start = true;
    while i < bytes.len() {
        let b = bytes[i];
        if line_start && depth == 0 {
            let mut j = i;
            while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\t') {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'[' {
                out.push(i);
                // Skip the header line itself: its brackets are not an open array.
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
        }
        line_start = false;
        match b {
            b'\n' => line_start = true,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' => {
                let triple = bytes.get(i..i + 3) == Some(&[b, b, b][..]);
                i = if triple {
                    skip_multiline(bytes, i + 3, b)
                } else {
                    skip_string(bytes, i + 1, b)
                };
                continue;
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    out
}

fn skip_string(bytes: &[u8], mut i: usize, quote: u8) -> usize {
    while i < bytes.len() && bytes[i] != b'\n' {
        if quote == b'"' && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i] == quote {
            return i + 1;
        }
        i += 1;
    }
    i
}

fn skip_multiline(bytes: &[u8], mut i: usize, quote: u8) -> usize {
    while i < bytes.len() {
        if quote == b'"' && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes.get(i..i + 3) == Some(&[quote, quote, quote][..]) {
            // A closing run may be up to five quotes long.
            let mut end = i + 3;
            while end < bytes.len() && bytes[end] == quote && end < i + 5 {
                end += 1;
            }
            return end;
        }
        i += 1;
    }
    i
}

/// `[header]` (not `[[array]]`) lines of a piece, normalised, with their spans.
fn headers(chunk: &str, offset: usize) -> Vec<(String, Span)> {
    header_line_starts(chunk)
        .into_iter()
        .filter_map(|start| {
            let line = chunk[start..].lines().next().unwrap_or("");
            let trimmed = line.trim_start();
            if trimmed.starts_with("[[") {
                return None;
            }
            let inner = trimmed.strip_prefix('[')?;
            let end = inner.find(']')?;
            let header: String = inner[..end]
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            Some((header, start + offset..start + offset + line.len()))
        })
        .collect()
}

fn table(t: DeTable<'_>, span: Span) -> Node {
    let mut entries: Vec<Entry> = t
        .into_iter()
        .map(|(key, value)| {
            let key_span = key.span();
            Entry {
                key: key.into_inner().into_owned(),
                key_span,
                node: value_node(value),
            }
        })
        .collect();
    // File order: the columns of a table are declared in the order they are written.
    entries.sort_by_key(|e| e.key_span.start);
    Node {
        span,
        val: Val::Table(entries),
    }
}

fn value_node(v: Spanned<DeValue<'_>>) -> Node {
    let span = v.span();
    let val = match v.into_inner() {
        DeValue::String(s) => Val::Str(s.into_owned()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Val::Int(n),
            // Out of i64 range: kept as text so that the loader reports it in place.
            Err(_) => Val::Str(i.as_str().to_string()),
        },
        DeValue::Float(f) => Val::Float(float(f.as_str())),
        DeValue::Boolean(b) => Val::Bool(b),
        DeValue::Datetime(d) => Val::Datetime(d.to_string()),
        DeValue::Array(a) => Val::Array(a.into_iter().map(value_node).collect()),
        DeValue::Table(t) => return table(t, span),
    };
    Node { span, val }
}

/// A TOML float's text as a number (`inf`, `nan` and `_` separators included).
fn float(text: &str) -> f64 {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    match clean.as_str() {
        "inf" | "+inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        "nan" | "+nan" | "-nan" => f64::NAN,
        other => other.parse().unwrap_or(f64::NAN),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(node: &Node) -> String {
        match &node.val {
            Val::Table(entries) => entries
                .iter()
                .map(|e| format!("{}@{}={}", e.key, e.key_span.start, flat(&e.node)))
                .collect::<Vec<_>>()
                .join(","),
            Val::Array(items) => {
                format!("[{}]", items.iter().map(flat).collect::<Vec<_>>().join(";"))
            }
            Val::Str(s) => format!("{s:?}"),
            Val::Int(i) => i.to_string(),
            other => other.kind().to_string(),
        }
    }

    const DOC: &str = "schemas = [\n  \"public\",\n]\n[tables.a.columns]\nid = { type = \"integer\" }\nx = \"\"\"\n[not.a.header]\n\"\"\"\n[tables.b]\nunique = [\n  [\"id\"],\n]\n[tables.b.columns]\nid = 'its'\n[tables.a.indexes]\ni = { columns = [\"id\"] }\n[[tables.b.foreign_keys]]\ncolumns = [\"id\"]\n[[tables.b.foreign_keys]]\ncolumns = [\"x\"]\n";

    #[test]
    fn parsing_in_pieces_gives_the_same_tree_as_one_parse() {
        let whole = parse_piece(DOC, 0).ok().expect("valid");
        for size in [1, 10, 40, 100, 10_000] {
            let mut root: Option<Node> = None;
            for (offset, chunk) in chunks(DOC, size) {
                let node = parse_piece(chunk, offset).ok().expect("valid piece");
                root = Some(match root {
                    None => node,
                    Some(mut r) => {
                        merge(&mut r, node).ok().expect("merge");
                        r
                    }
                });
            }
            let mut root = root.expect("a tree");
            sort(&mut root);
            let mut whole = whole.clone();
            sort(&mut whole);
            assert_eq!(flat(&root), flat(&whole), "piece size {size}");
        }
    }

    fn sort(node: &mut Node) {
        if let Val::Table(entries) = &mut node.val {
            entries.sort_by_key(|e| e.key_span.start);
            entries.iter_mut().for_each(|e| sort(&mut e.node));
        }
    }

    #[test]
    fn only_top_level_headers_cut() {
        let starts = header_line_starts(DOC);
        let lines: Vec<&str> = starts
            .iter()
            .map(|s| DOC[*s..].lines().next().unwrap())
            .collect();
        assert_eq!(
            lines,
            vec![
                "[tables.a.columns]",
                "[tables.b]",
                "[tables.b.columns]",
                "[tables.a.indexes]",
                "[[tables.b.foreign_keys]]",
                "[[tables.b.foreign_keys]]"
            ]
        );
    }

    #[test]
    fn a_table_defined_twice_in_different_pieces_is_an_error() {
        let text = "[tables.a.columns]\nid = \"integer\"\n[tables.b.columns]\nid = \"integer\"\n[tables.a.columns]\nx = \"text\"\n";
        let Err(e) = parse_with(text, 1) else {
            panic!("accepted")
        };
        assert!(
            e.message.contains("duplicate table [tables.a.columns]"),
            "{}",
            e.message
        );
        assert_eq!(line_col(text, e.span.start).0, 5);
    }

    fn parse_with(text: &str, size: usize) -> Result<Node, SyntaxError> {
        let mut root: Option<Node> = None;
        let mut seen: HashMap<String, Span> = HashMap::new();
        for (offset, chunk) in chunks(text, size) {
            for (h, span) in headers(chunk, offset) {
                if seen.contains_key(&h) {
                    return Err(SyntaxError {
                        span,
                        message: format!("duplicate table [{h}]"),
                    });
                }
                seen.insert(h, span);
            }
            let node = parse_piece(chunk, offset)?;
            root = Some(match root {
                None => node,
                Some(mut r) => {
                    merge(&mut r, node)?;
                    r
                }
            });
        }
        Ok(root.expect("a tree"))
    }
}
