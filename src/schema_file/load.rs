//! schema.toml text -> [`Schema`], with every problem reported at once.

use std::collections::{BTreeMap, BTreeSet};

use super::Diagnostic;
use super::path;
use super::tree::{self, Entry, Node, Span, Val};
use super::types::{self, Canon, Lit};
use crate::model::{
    CheckConstraint, Column, Deferrable, Enum, ExclusionConstraint, FkAction, ForeignKey, Identity,
    IdentityKind, Index, PrimaryKey, QualifiedName, Schema, Sequence, SequenceOptions, Table,
    UniqueConstraint, names,
};
use crate::sql::{fragment, quote};

pub(crate) const TOP_KEYS: &[&str] = &["schemas", "enums", "sequences", "tables"];
pub(crate) const TABLE_KEYS: &[&str] = &[
    "columns",
    "primary_key",
    "unique",
    "checks",
    "exclude",
    "foreign_keys",
    "indexes",
    "renamed_from",
    "comment",
    "unlogged",
];
pub(crate) const COLUMN_KEYS: &[&str] = &[
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
const ENUM_KEYS: &[&str] = &["values", "comment", "renamed_from"];
const SEQUENCE_OPTION_KEYS: &[&str] = &[
    "type",
    "start",
    "increment",
    "min_value",
    "max_value",
    "cache",
    "cycle",
];
const INDEX_KEYS: &[&str] = &[
    "columns",
    "unique",
    "using",
    "where",
    "include",
    "nulls_not_distinct",
    "with",
    "comment",
];
const UNIQUE_KEYS: &[&str] = &["name", "columns", "nulls_not_distinct", "deferrable"];
const FK_KEYS: &[&str] = &[
    "name",
    "columns",
    "references",
    "referenced_columns",
    "on_delete",
    "on_update",
    "deferrable",
    "match_full",
    "not_valid",
];
const CHECK_KEYS: &[&str] = &["expression", "no_inherit", "not_valid"];
const ACTIONS: &str =
    "use one of: \"no action\", \"restrict\", \"cascade\", \"set null\", \"set default\"";

struct Ctx<'s> {
    src: &'s str,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn error(&mut self, span: &Span, message: impl Into<String>, hint: Option<String>) {
        let (line, column) = tree::line_col(self.src, span.start);
        self.diags.push(Diagnostic {
            line,
            column,
            message: message.into(),
            hint,
        });
    }

    fn table<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Entry]> {
        match &node.val {
            Val::Table(entries) => Some(entries),
            other => {
                self.error(
                    &node.span,
                    format!("{what} must be a table, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    fn check_keys(&mut self, entries: &[Entry], allowed: &[&str], what: &str) {
        for e in entries {
            if !allowed.contains(&e.key.as_str()) {
                let hint = match closest(&e.key, allowed.iter().copied()) {
                    Some(k) => format!("did you mean `{k}`?"),
                    None => format!("valid keys: {}", allowed.join(", ")),
                };
                self.error(
                    &e.key_span,
                    format!("unknown key `{}` in {what}", e.key),
                    Some(hint),
                );
            }
        }
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.val {
            Val::Str(s) => Some(s.clone()),
            other => {
                self.error(
                    &node.span,
                    format!("{what} must be a string, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    /// A raw-SQL value: one expression, checked by [`fragment::check`].
    fn sql(&mut self, node: &Node, what: &str) -> Option<String> {
        let raw = self.string(node, what)?;
        let s = raw.trim();
        if s.is_empty() {
            self.error(&node.span, format!("{what} is empty"), None);
            return None;
        }
        // A NUL is reported once, by `reject_nul`.
        if s.contains('\0') {
            return None;
        }
        let checked = fragment::check(s, what);
        self.fragment_result(node, &raw, s, checked)
            .then(|| s.to_string())
    }

    /// Reports a rejected fragment `text` (a part of the string value `raw` at `node`) at
    /// its own line and column; whether it passed.
    fn fragment_result(
        &mut self,
        node: &Node,
        raw: &str,
        text: &str,
        checked: Result<(), fragment::FragmentError>,
    ) -> bool {
        let Err(e) = checked else {
            return true;
        };
        let lead = raw.find(text).unwrap_or(0);
        let at = value_offset(self.src, &node.span, raw, lead + e.offset);
        self.error(&(at..at), e.message, e.hint);
        false
    }

    fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        match &node.val {
            Val::Bool(b) => Some(*b),
            other => {
                self.error(
                    &node.span,
                    format!("{what} must be true or false, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    fn integer(&mut self, node: &Node, what: &str) -> Option<i64> {
        match &node.val {
            Val::Int(i) => Some(*i),
            other => {
                self.error(
                    &node.span,
                    format!("{what} must be an integer, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    fn strings(&mut self, node: &Node, what: &str) -> Option<Vec<(String, Span)>> {
        match &node.val {
            Val::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    out.push((
                        self.string(item, &format!("each entry of {what}"))?,
                        item.span.clone(),
                    ));
                }
                Some(out)
            }
            other => {
                self.error(
                    &node.span,
                    format!("{what} must be an array of strings, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    /// An object name: non-empty, at most 63 bytes.
    fn name_ok(&mut self, name: &str, span: &Span, what: &str) -> bool {
        if name.is_empty() {
            self.error(span, format!("{what} name is empty"), None);
            false
        } else if name.len() > names::MAX_IDENTIFIER_BYTES {
            self.error(
                span,
                format!("{what} name {name:?} is {} bytes long", name.len()),
                Some(format!(
                    "PostgreSQL keeps only {} bytes; shorten it to {:?}",
                    names::MAX_IDENTIFIER_BYTES,
                    names::truncate_identifier(name)
                )),
            );
            false
        } else {
            true
        }
    }

    fn action(&mut self, node: &Node, what: &str) -> FkAction {
        let Some(s) = self.string(node, what) else {
            return FkAction::NoAction;
        };
        FkAction::from_file_name(&s).unwrap_or_else(|| {
            self.error(
                &node.span,
                format!("unknown {what} action {s:?}"),
                Some(ACTIONS.into()),
            );
            FkAction::NoAction
        })
    }

    fn deferrable(&mut self, node: &Node) -> Deferrable {
        match &node.val {
            Val::Bool(true) => Deferrable::InitiallyImmediate,
            Val::Bool(false) => Deferrable::NotDeferrable,
            Val::Str(s) => match s.trim().to_ascii_lowercase().replace('_', " ").as_str() {
                "not deferrable" => Deferrable::NotDeferrable,
                "deferrable" | "initially immediate" => Deferrable::InitiallyImmediate,
                "initially deferred" => Deferrable::InitiallyDeferred,
                _ => {
                    self.error(
                        &node.span,
                        format!("unknown deferrable mode {s:?}"),
                        Some("use \"initially immediate\", \"initially deferred\" or \"not deferrable\"".into()),
                    );
                    Deferrable::NotDeferrable
                }
            },
            other => {
                self.error(
                    &node.span,
                    format!("deferrable must be a string, found {}", other.kind()),
                    None,
                );
                Deferrable::NotDeferrable
            }
        }
    }
}

/// The file offset of byte `offset` of the string `value` written at `span`: exact when
/// the value is written without escapes, else the start of the value.
fn value_offset(src: &str, span: &Span, value: &str, offset: usize) -> usize {
    let Some(raw) = src.get(span.clone()) else {
        return span.start;
    };
    let delim = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
        3
    } else {
        1
    };
    let Some(inner) = raw.get(delim..raw.len().saturating_sub(delim)) else {
        return span.start;
    };
    // A line break right after an opening `"""` is not part of the value.
    let skipped = match inner {
        _ if delim == 1 => 0,
        _ if inner.starts_with("\r\n") => 2,
        _ if inner.starts_with('\n') => 1,
        _ => 0,
    };
    if inner.get(skipped..) == Some(value) {
        span.start + delim + skipped + offset
    } else {
        span.start
    }
}

/// Every key and string of the file that holds a NUL: PostgreSQL can store it in no
/// name and no text.
fn reject_nul(ctx: &mut Ctx<'_>, node: &Node) {
    let hint = || {
        Some("PostgreSQL cannot store NUL (\\u0000) in a name or a string; remove it".to_string())
    };
    match &node.val {
        Val::Str(s) if s.contains('\0') => {
            let at = value_offset(ctx.src, &node.span, s, s.find('\0').unwrap_or(0));
            ctx.error(&(at..at), "this string contains a NUL character", hint());
        }
        Val::Array(items) => items.iter().for_each(|item| reject_nul(ctx, item)),
        Val::Table(entries) => {
            for e in entries {
                if e.key.contains('\0') {
                    ctx.error(
                        &e.key_span,
                        format!("the name {:?} contains a NUL character", e.key),
                        hint(),
                    );
                }
                reject_nul(ctx, &e.node);
            }
        }
        _ => {}
    }
}

fn find<'a>(entries: &'a [Entry], key: &str) -> Option<&'a Entry> {
    entries.iter().find(|e| e.key == key)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// A column-level foreign key or a table-level one, resolved once all tables are known.
struct PendingFk {
    table: QualifiedName,
    fk: ForeignKey,
    /// Span of `references`.
    span: Span,
    /// Columns given explicitly (else: the referenced table's primary key).
    columns_given: bool,
}

struct PendingOwner {
    sequence: QualifiedName,
    table: QualifiedName,
    column: String,
    span: Span,
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

    // Enums first: they are valid column types.
    if let Some(e) = find(top, "enums")
        && let Some(entries) = ctx.table(&e.node, "[enums]")
    {
        for e in entries {
            if let Some(en) = load_enum(ctx, e) {
                if schema.enums.contains_key(&en.name) {
                    ctx.error(
                        &e.key_span,
                        format!("enum {} is declared twice", en.name),
                        None,
                    );
                } else {
                    schema.enums.insert(en.name.clone(), en);
                }
            }
        }
    }
    let enum_names: BTreeSet<QualifiedName> = schema.enums.keys().cloned().collect();
    if let Some(e) = find(top, "enums")
        && let Val::Table(entries) = &e.node.val
    {
        check_renames(ctx, "enum", &enum_names, rename_hints(entries));
    }

    let mut pending_fks = Vec::new();
    let mut owners = Vec::new();
    if let Some(e) = find(top, "sequences")
        && let Some(entries) = ctx.table(&e.node, "[sequences]")
    {
        for e in entries {
            if let Some((seq, owner)) = load_sequence(ctx, e, &enum_names) {
                seen.relation(
                    ctx,
                    &seq.name.schema,
                    &seq.name.name,
                    format!("sequence {}", seq.name),
                    &e.key_span,
                );
                if let Some(o) = owner {
                    owners.push(o);
                }
                schema.sequences.insert(seq.name.clone(), seq);
            }
        }
    }

    if let Some(e) = find(top, "tables")
        && let Some(entries) = ctx.table(&e.node, "[tables]")
    {
        for e in entries {
            let Some(name) = table_name(ctx, e) else {
                continue;
            };
            if schema.tables.contains_key(&name) {
                ctx.error(&e.key_span, format!("table {name} is declared twice"), None);
                continue;
            }
            seen.relation(
                ctx,
                &name.schema,
                &name.name,
                format!("table {name}"),
                &e.key_span,
            );
            if schema.enums.contains_key(&name) {
                ctx.error(
                    &e.key_span,
                    format!("table {name} has the same name as enum {name}"),
                    Some(
                        "a table's row type and an enum share one type namespace; rename one"
                            .into(),
                    ),
                );
            }
            let Some(entries) = ctx.table(&e.node, &format!("table {name}")) else {
                continue;
            };
            let table = load_table(
                ctx,
                &name,
                &e.key_span,
                entries,
                &enum_names,
                &mut schema.sequences,
                &mut seen,
                &mut pending_fks,
            );
            schema.tables.insert(name, table);
        }
    }

    if let Some(e) = find(top, "tables")
        && let Val::Table(entries) = &e.node.val
    {
        let declared = schema.tables.keys().cloned().collect();
        check_renames(ctx, "table", &declared, rename_hints(entries));
    }
    resolve_fks(ctx, &mut schema, pending_fks);
    for o in owners {
        let ok = schema
            .tables
            .get(&o.table)
            .is_some_and(|t| t.column(&o.column).is_some());
        if !ok {
            ctx.error(
                &o.span,
                format!("owned_by: no column {}.{} in this file", o.table, o.column),
                None,
            );
        } else if let Some(seq) = schema.sequences.get_mut(&o.sequence) {
            seq.owned_by = Some((o.table, o.column));
        }
    }

    for t in schema.tables.values_mut() {
        t.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        t.checks.sort_by(|a, b| a.name.cmp(&b.name));
        t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }

    // Managed schemas.
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
    schema
}

/// The `renamed_from` string of an entry's fields, with where it is written.
fn rename_hint(fields: &[Entry]) -> Option<(String, Span)> {
    let e = find(fields, "renamed_from")?;
    match &e.node.val {
        Val::Str(old) => Some((old.clone(), e.node.span.clone())),
        _ => None,
    }
}

/// (declared name, old name in the same schema, span) for every entry with a hint.
fn rename_hints(entries: &[Entry]) -> Vec<(QualifiedName, QualifiedName, Span)> {
    entries
        .iter()
        .filter_map(|e| {
            let Val::Table(fields) = &e.node.val else {
                return None;
            };
            let name = path::parse_qualified(&e.key)?;
            let (old, span) = rename_hint(fields)?;
            let old = QualifiedName::new(&name.schema, old);
            Some((name, old, span))
        })
        .collect()
}

/// A rename must name something this file no longer declares, and only once: with both
/// names declared (a swap, or a rename onto a declared name) it would be ignored.
fn check_renames(
    ctx: &mut Ctx<'_>,
    what: &str,
    declared: &BTreeSet<QualifiedName>,
    hints: Vec<(QualifiedName, QualifiedName, Span)>,
) {
    let mut claimed: BTreeMap<QualifiedName, QualifiedName> = BTreeMap::new();
    for (new, old, span) in hints {
        let (new_text, old_text) = (new.name.as_str(), old.name.as_str());
        if old == new {
            ctx.error(
                &span,
                format!("{what} {new_text} is renamed from itself"),
                Some("remove `renamed_from`".into()),
            );
        } else if declared.contains(&old) {
            ctx.error(
                &span,
                format!(
                    "{what} {new_text} is renamed from {old_text}, but this file also declares {what} {old_text}"
                ),
                Some(format!(
                    "a rename moves {old_text} to the new name, so both cannot be declared; remove `renamed_from` to keep {old_text} as it is, or swap names in two steps through a third name"
                )),
            );
        } else if let Some(first) = claimed.get(&old) {
            ctx.error(
                &span,
                format!(
                    "{what}s {} and {new_text} are both renamed from {old_text}",
                    first.name
                ),
                Some("only one of them can take over its rows; remove one `renamed_from`".into()),
            );
        } else {
            claimed.insert(old, new);
        }
    }
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

fn load_enum(ctx: &mut Ctx<'_>, e: &Entry) -> Option<Enum> {
    let name = qualified_key(ctx, e, "enum")?;
    let mut en = Enum {
        name,
        values: Vec::new(),
        comment: None,
        renamed_from: None,
    };
    let values_node = match &e.node.val {
        Val::Array(_) => &e.node,
        Val::Table(entries) => {
            ctx.check_keys(entries, ENUM_KEYS, &format!("enum {}", en.name));
            if let Some(c) = find(entries, "comment") {
                en.comment = ctx.string(&c.node, "comment");
            }
            if let Some(r) = find(entries, "renamed_from") {
                en.renamed_from = ctx.string(&r.node, "renamed_from");
            }
            match find(entries, "values") {
                Some(v) => &v.node,
                None => {
                    ctx.error(
                        &e.key_span,
                        format!("enum {} has no `values`", en.name),
                        None,
                    );
                    return None;
                }
            }
        }
        other => {
            ctx.error(
                &e.node.span,
                format!(
                    "enum {} must be an array of labels, found {}",
                    en.name,
                    other.kind()
                ),
                Some("write mood = [\"calm\", \"busy\"]".into()),
            );
            return None;
        }
    };
    let values = ctx.strings(values_node, &format!("enum {}", en.name))?;
    if values.is_empty() {
        ctx.error(
            &values_node.span,
            format!("enum {} has no values", en.name),
            Some("PostgreSQL enums need at least one label here".into()),
        );
    }
    let mut seen = BTreeSet::new();
    for (v, span) in values {
        if v.is_empty() || v.len() > names::MAX_IDENTIFIER_BYTES {
            ctx.error(
                &span,
                format!("enum label {v:?} must be 1 to 63 bytes long"),
                None,
            );
        }
        if !seen.insert(v.clone()) {
            ctx.error(&span, format!("enum label {v:?} is listed twice"), None);
        }
        en.values.push(v);
    }
    Some(en)
}

fn integer_type(ctx: &mut Ctx<'_>, node: &Node, enums: &BTreeSet<QualifiedName>) -> Option<String> {
    let text = ctx.string(node, "type")?;
    match types::canonical(&text, enums) {
        Ok(c)
            if c.serial.is_none()
                && ["smallint", "integer", "bigint"].contains(&c.name.as_str()) =>
        {
            Some(c.name)
        }
        Ok(c) => {
            ctx.error(
                &node.span,
                format!(
                    "a sequence must be smallint, integer or bigint, not {}",
                    c.name
                ),
                None,
            );
            None
        }
        Err(e) => {
            ctx.error(&node.span, e.message, e.hint);
            None
        }
    }
}

/// Sequence options from `entries` (keys not checked here); `data_type` is the default type.
fn sequence_options(
    ctx: &mut Ctx<'_>,
    entries: &[Entry],
    data_type: &str,
    enums: &BTreeSet<QualifiedName>,
    span: &Span,
) -> SequenceOptions {
    let data_type = match find(entries, "type") {
        Some(t) => integer_type(ctx, &t.node, enums).unwrap_or_else(|| data_type.to_string()),
        None => data_type.to_string(),
    };
    let mut int = |key: &str| find(entries, key).and_then(|e| ctx.integer(&e.node, key));
    let increment = int("increment").unwrap_or(1);
    let min = int("min_value");
    let max = int("max_value");
    let start = int("start");
    let cache = int("cache");
    let increment = if increment == 0 {
        ctx.error(span, "increment must not be zero", None);
        1
    } else {
        increment
    };
    let defaults = SequenceOptions::defaults_for(&data_type, increment);
    let min_value = min.unwrap_or(defaults.min_value);
    let max_value = max.unwrap_or(defaults.max_value);
    let start = start.unwrap_or(if increment > 0 { min_value } else { max_value });
    let cache = cache.unwrap_or(1);
    let cycle = find(entries, "cycle")
        .and_then(|e| ctx.boolean(&e.node, "cycle"))
        .unwrap_or(false);
    if min_value >= max_value {
        ctx.error(
            span,
            format!("min_value ({min_value}) must be less than max_value ({max_value})"),
            None,
        );
    } else if start < min_value || start > max_value {
        ctx.error(span, format!("start ({start}) must lie between min_value ({min_value}) and max_value ({max_value})"), None);
    }
    if cache < 1 {
        ctx.error(span, "cache must be at least 1", None);
    }
    SequenceOptions {
        data_type,
        start,
        increment,
        min_value,
        max_value,
        cache,
        cycle,
    }
}

fn load_sequence(
    ctx: &mut Ctx<'_>,
    e: &Entry,
    enums: &BTreeSet<QualifiedName>,
) -> Option<(Sequence, Option<PendingOwner>)> {
    let name = qualified_key(ctx, e, "sequence")?;
    let entries = ctx.table(&e.node, &format!("sequence {name}"))?;
    let mut allowed = SEQUENCE_OPTION_KEYS.to_vec();
    allowed.extend(["owned_by", "comment"]);
    ctx.check_keys(entries, &allowed, &format!("sequence {name}"));
    let options = sequence_options(ctx, entries, "bigint", enums, &e.key_span);
    let comment = find(entries, "comment").and_then(|c| ctx.string(&c.node, "comment"));
    let mut owner = None;
    if let Some(o) = find(entries, "owned_by")
        && let Some(text) = ctx.string(&o.node, "owned_by")
    {
        match path::split(&text).as_deref() {
            Some([table, column]) => {
                owner = Some(PendingOwner {
                    sequence: name.clone(),
                    table: QualifiedName::new(name.schema.clone(), table.clone()),
                    column: column.clone(),
                    span: o.node.span.clone(),
                });
            }
            _ => ctx.error(
                &o.node.span,
                format!("malformed owned_by {text:?}"),
                Some("write \"table.column\" (a table in the sequence's schema)".into()),
            ),
        }
    }
    Some((
        Sequence {
            name,
            options,
            owned_by: None,
            comment,
        },
        owner,
    ))
}

/// A column list: non-empty, every column declared, none twice.
fn column_list(
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

fn unknown_column(ctx: &mut Ctx<'_>, span: &Span, name: &str, columns: &[Column]) {
    let hint = match closest(name, columns.iter().map(|c| c.name.as_str())) {
        Some(c) => format!("did you mean `{c}`?"),
        None => "declare the column under [tables.<name>.columns]".to_string(),
    };
    ctx.error(span, format!("unknown column {name:?}"), Some(hint));
}

/// Column-level sugar, lifted into table-level constraints once the table is known.
struct Sugar {
    key_span: Span,
    primary_key: bool,
    unique: bool,
    references: Option<(String, Span)>,
    on_delete: FkAction,
    on_update: FkAction,
    check: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn load_table(
    ctx: &mut Ctx<'_>,
    name: &QualifiedName,
    key_span: &Span,
    entries: &[Entry],
    enums: &BTreeSet<QualifiedName>,
    sequences: &mut BTreeMap<QualifiedName, Sequence>,
    seen: &mut Seen,
    pending: &mut Vec<PendingFk>,
) -> Table {
    let mut table = Table::new(name.clone());
    ctx.check_keys(entries, TABLE_KEYS, &format!("table {name}"));
    if let Some(e) = find(entries, "comment") {
        table.comment = ctx.string(&e.node, "comment");
    }
    if let Some(e) = find(entries, "renamed_from") {
        table.renamed_from = ctx.string(&e.node, "renamed_from");
    }
    if let Some(e) = find(entries, "unlogged") {
        table.unlogged = ctx.boolean(&e.node, "unlogged").unwrap_or(false);
    }

    let mut sugar = Vec::new();
    if let Some(e) = find(entries, "columns")
        && let Some(cols) = ctx.table(&e.node, &format!("columns of {name}"))
    {
        for c in cols {
            if let Some((col, s)) = load_column(ctx, name, c, enums, sequences, seen) {
                sugar.push(s);
                table.columns.push(col);
            }
        }
        // Column names are scoped to their table: checked per table, in no schema.
        let declared = table
            .columns
            .iter()
            .map(|c| QualifiedName::new("", &c.name))
            .collect();
        let hints = cols
            .iter()
            .filter_map(|c| {
                let Val::Table(fields) = &c.node.val else {
                    return None;
                };
                let (old, span) = rename_hint(fields)?;
                Some((
                    QualifiedName::new("", &c.key),
                    QualifiedName::new("", old),
                    span,
                ))
            })
            .collect();
        check_renames(ctx, "column", &declared, hints);
    }

    // Primary key.
    let pk_columns: Vec<usize> = sugar
        .iter()
        .enumerate()
        .filter(|(_, s)| s.primary_key)
        .map(|(i, _)| i)
        .collect();
    if pk_columns.len() > 1 {
        for &i in &pk_columns[1..] {
            ctx.error(
                &sugar[i].key_span,
                format!("table {name} has `primary_key = true` on more than one column"),
                Some(format!(
                    "declare a composite key on the table: primary_key = [{}]",
                    pk_columns
                        .iter()
                        .map(|&i| format!("{:?}", table.columns[i].name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
    if let Some(&i) = pk_columns.first() {
        table.primary_key = Some(PrimaryKey {
            name: names::primary_key(&name.name),
            columns: vec![table.columns[i].name.clone()],
            deferrable: Deferrable::NotDeferrable,
        });
    }
    if let Some(e) = find(entries, "primary_key") {
        if let Some(&i) = pk_columns.first() {
            ctx.error(
                &e.key_span,
                format!(
                    "table {name} declares its primary key twice (here and on column {:?})",
                    table.columns[i].name
                ),
                Some("keep one of them".into()),
            );
        } else {
            let mut pk_deferrable = Deferrable::NotDeferrable;
            let (pk_name, cols_node) = match &e.node.val {
                Val::Table(pk) => {
                    ctx.check_keys(pk, &["name", "columns", "deferrable"], "primary_key");
                    let n = find(pk, "name").and_then(|n| {
                        let s = ctx.string(&n.node, "name")?;
                        ctx.name_ok(&s, &n.node.span, "constraint").then_some(s)
                    });
                    if let Some(d) = find(pk, "deferrable") {
                        pk_deferrable = ctx.deferrable(&d.node);
                    }
                    match find(pk, "columns") {
                        Some(c) => (n, Some(&c.node)),
                        None => {
                            ctx.error(&e.node.span, "primary_key needs `columns`", None);
                            (n, None)
                        }
                    }
                }
                Val::Bool(_) => {
                    ctx.error(
                        &e.node.span,
                        "table-level primary_key must list columns",
                        Some(
                            "write primary_key = [\"id\"], or primary_key = true on the column"
                                .into(),
                        ),
                    );
                    (None, None)
                }
                _ => (None, Some(&e.node)),
            };
            if let Some(node) = cols_node
                && let Some(cols) = column_list(ctx, node, &table.columns, "primary_key")
            {
                table.primary_key = Some(PrimaryKey {
                    name: pk_name.unwrap_or_else(|| names::primary_key(&name.name)),
                    columns: cols,
                    deferrable: pk_deferrable,
                });
            }
        }
    }
    if let Some(pk) = &table.primary_key {
        for c in &mut table.columns {
            if pk.columns.contains(&c.name) {
                c.not_null = true;
            }
        }
    }

    // Column sugar -> constraints.
    for (col, s) in table.columns.iter().zip(&sugar) {
        let one = vec![col.name.clone()];
        if s.unique {
            table.uniques.push(UniqueConstraint {
                name: names::unique(&name.name, &one),
                columns: one.clone(),
                nulls_not_distinct: false,
                deferrable: Deferrable::NotDeferrable,
            });
        }
        if let Some(expr) = &s.check {
            table.checks.push(CheckConstraint {
                name: names::column_check(&name.name, &col.name),
                expression: expr.clone(),
                no_inherit: false,
                not_valid: false,
            });
        }
        if let Some((text, span)) = &s.references {
            let target = match path::split(text).as_deref() {
                Some([t, c]) => Some((QualifiedName::public(t.clone()), c.clone())),
                Some([sch, t, c]) => Some((QualifiedName::new(sch.clone(), t.clone()), c.clone())),
                _ => {
                    ctx.error(
                        span,
                        format!("malformed reference {text:?}"),
                        Some("write \"table.column\" or \"schema.table.column\"".into()),
                    );
                    None
                }
            };
            if let Some((rt, rc)) = target {
                pending.push(PendingFk {
                    table: name.clone(),
                    fk: ForeignKey {
                        name: names::foreign_key(&name.name, &one),
                        columns: one.clone(),
                        referenced_table: rt,
                        referenced_columns: vec![rc],
                        on_delete: s.on_delete,
                        on_update: s.on_update,
                        deferrable: Deferrable::NotDeferrable,
                        match_full: false,
                        not_valid: false,
                    },
                    span: span.clone(),
                    columns_given: true,
                });
            }
        }
    }

    if let Some(e) = find(entries, "unique") {
        if let Val::Array(items) = &e.node.val {
            for item in items {
                let u = match &item.val {
                    Val::Table(u) => {
                        ctx.check_keys(u, UNIQUE_KEYS, "a unique constraint");
                        let n = find(u, "name").and_then(|n| {
                            let s = ctx.string(&n.node, "name")?;
                            ctx.name_ok(&s, &n.node.span, "constraint").then_some(s)
                        });
                        let nnd = find(u, "nulls_not_distinct")
                            .and_then(|x| ctx.boolean(&x.node, "nulls_not_distinct"))
                            .unwrap_or(false);
                        let deferrable = find(u, "deferrable")
                            .map_or(Deferrable::NotDeferrable, |d| ctx.deferrable(&d.node));
                        let Some(c) = find(u, "columns") else {
                            ctx.error(&item.span, "a unique constraint needs `columns`", None);
                            continue;
                        };
                        let Some(cols) =
                            column_list(ctx, &c.node, &table.columns, "unique columns")
                        else {
                            continue;
                        };
                        UniqueConstraint {
                            name: n.unwrap_or_else(|| names::unique(&name.name, &cols)),
                            columns: cols,
                            nulls_not_distinct: nnd,
                            deferrable,
                        }
                    }
                    _ => {
                        let Some(cols) = column_list(ctx, item, &table.columns, "unique columns")
                        else {
                            continue;
                        };
                        UniqueConstraint {
                            name: names::unique(&name.name, &cols),
                            columns: cols,
                            nulls_not_distinct: false,
                            deferrable: Deferrable::NotDeferrable,
                        }
                    }
                };
                table.uniques.push(u);
            }
        } else {
            ctx.error(
                &e.node.span,
                format!(
                    "unique must be a list of column lists, found {}",
                    e.node.val.kind()
                ),
                Some("write unique = [[\"project\", \"title\"]]".into()),
            );
        }
    }

    if let Some(e) = find(entries, "checks")
        && let Some(checks) = ctx.table(&e.node, "checks")
    {
        for c in checks {
            if !ctx.name_ok(&c.key, &c.key_span, "constraint") {
                continue;
            }
            let check = match &c.node.val {
                Val::Table(t) => {
                    ctx.check_keys(t, CHECK_KEYS, &format!("check {}", c.key));
                    let Some(x) = find(t, "expression") else {
                        ctx.error(
                            &c.node.span,
                            format!("check {} needs `expression`", c.key),
                            None,
                        );
                        continue;
                    };
                    let Some(expr) = ctx.sql(&x.node, "expression") else {
                        continue;
                    };
                    CheckConstraint {
                        name: c.key.clone(),
                        expression: expr,
                        no_inherit: find(t, "no_inherit")
                            .and_then(|x| ctx.boolean(&x.node, "no_inherit"))
                            .unwrap_or(false),
                        not_valid: find(t, "not_valid")
                            .and_then(|x| ctx.boolean(&x.node, "not_valid"))
                            .unwrap_or(false),
                    }
                }
                _ => {
                    let Some(expr) = ctx.sql(&c.node, "a check expression") else {
                        continue;
                    };
                    CheckConstraint {
                        name: c.key.clone(),
                        expression: expr,
                        no_inherit: false,
                        not_valid: false,
                    }
                }
            };
            table.checks.push(check);
        }
    }

    if let Some(e) = find(entries, "exclude")
        && let Some(exclusions) = ctx.table(&e.node, "exclude")
    {
        for x in exclusions {
            if !ctx.name_ok(&x.key, &x.key_span, "constraint") {
                continue;
            }
            let Some(definition) = ctx.sql(&x.node, "an exclusion constraint definition") else {
                continue;
            };
            // Tolerate the keyword itself, as written in CREATE TABLE.
            let definition = match definition.get(..8) {
                Some(head) if head.eq_ignore_ascii_case("exclude ") => {
                    definition[8..].trim_start().to_string()
                }
                _ => definition,
            };
            let checked = fragment::check_exclusion_body(&definition, "exclude");
            if let Val::Str(raw) = &x.node.val
                && !ctx.fragment_result(&x.node, raw, &definition, checked)
            {
                continue;
            }
            table.exclusions.push(ExclusionConstraint {
                name: x.key.clone(),
                definition,
            });
        }
    }

    if let Some(e) = find(entries, "foreign_keys") {
        if let Val::Array(items) = &e.node.val {
            for item in items {
                if let Some(p) = table_fk(ctx, name, item, &table.columns) {
                    pending.push(p);
                }
            }
        } else {
            ctx.error(
                &e.node.span,
                format!(
                    "foreign_keys must be a list of tables, found {}",
                    e.node.val.kind()
                ),
                Some("write foreign_keys = [{ columns = [\"a\"], references = \"other\" }]".into()),
            );
        }
    }

    if let Some(e) = find(entries, "indexes")
        && let Some(indexes) = ctx.table(&e.node, "indexes")
    {
        for i in indexes {
            if !ctx.name_ok(&i.key, &i.key_span, "index") {
                continue;
            }
            if let Some(idx) = load_index(ctx, i, &table.columns) {
                seen.relation(
                    ctx,
                    &name.schema,
                    &idx.name,
                    format!("index {:?}", idx.name),
                    &i.key_span,
                );
                table.indexes.push(idx);
            }
        }
    }

    // Constraint names: unique per table; pk/unique/exclusion also take a relation name
    // (their index).
    let mut constraint_names = BTreeSet::new();
    let table_span = key_span.clone();
    let mut all: Vec<(String, bool)> = Vec::new();
    if let Some(pk) = &table.primary_key {
        all.push((pk.name.clone(), true));
    }
    all.extend(table.uniques.iter().map(|u| (u.name.clone(), true)));
    all.extend(table.checks.iter().map(|c| (c.name.clone(), false)));
    all.extend(table.exclusions.iter().map(|x| (x.name.clone(), true)));
    all.extend(
        pending
            .iter()
            .filter(|p| &p.table == name)
            .map(|p| (p.fk.name.clone(), false)),
    );
    for (n, relation) in all {
        if !constraint_names.insert(n.clone()) {
            ctx.error(
                &table_span,
                format!("table {name} has two constraints named {n:?}"),
                Some("give one of them another `name`".into()),
            );
        } else if relation {
            seen.relation(
                ctx,
                &name.schema,
                &n,
                format!("constraint {n:?} of table {name}"),
                &table_span,
            );
        }
    }
    table
}

fn load_column(
    ctx: &mut Ctx<'_>,
    table: &QualifiedName,
    e: &Entry,
    enums: &BTreeSet<QualifiedName>,
    sequences: &mut BTreeMap<QualifiedName, Sequence>,
    seen: &mut Seen,
) -> Option<(Column, Sugar)> {
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
    let canon: Canon = match types::canonical(&type_text, enums) {
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
        col.default = render_default(ctx, &d.node, &canon);
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

/// `nextval('seq'::regclass)` as `pg_get_expr` prints it with search_path = public.
pub(crate) fn nextval(seq: &QualifiedName) -> String {
    let regclass = if seq.schema == "public" {
        quote::ident(&seq.name)
    } else {
        quote::qualified(&seq.schema, &seq.name)
    };
    format!("nextval({}::regclass)", quote::literal(&regclass))
}

fn identity(
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
            })
        }
        _ => Some(Identity {
            kind: kind_of(ctx, node)?,
            options: None,
            sequence: None,
        }),
    }
}

fn render_default(ctx: &mut Ctx<'_>, node: &Node, ty: &Canon) -> Option<String> {
    Some(match &node.val {
        Val::Str(s) => types::render_scalar(&Lit::Str(s), ty),
        Val::Int(i) => types::render_scalar(&Lit::Int(*i), ty),
        Val::Float(f) => types::render_scalar(&Lit::Float(*f), ty),
        Val::Bool(b) => types::render_scalar(&Lit::Bool(*b), ty),
        Val::Datetime(d) => types::render_scalar(&Lit::Str(d), ty),
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

fn array_text(ctx: &mut Ctx<'_>, node: &Node) -> Option<String> {
    let Val::Array(items) = &node.val else {
        return None;
    };
    let mut parts = Vec::new();
    for item in items {
        parts.push(match &item.val {
            Val::Str(s) | Val::Datetime(s) => types::array_element(s),
            Val::Int(i) => i.to_string(),
            Val::Float(f) => types::array_element(&types::float_text(*f)),
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

fn load_index(ctx: &mut Ctx<'_>, e: &Entry, columns: &[Column]) -> Option<Index> {
    let entries = match &e.node.val {
        Val::Table(entries) => entries,
        other => {
            ctx.error(
                &e.node.span,
                format!("index {:?} must be a table, found {}", e.key, other.kind()),
                Some("write name = { columns = [\"col\"] }".into()),
            );
            return None;
        }
    };
    ctx.check_keys(entries, INDEX_KEYS, &format!("index {:?}", e.key));
    let Some(cols) = find(entries, "columns") else {
        ctx.error(
            &e.key_span,
            format!("index {:?} has no `columns`", e.key),
            None,
        );
        return None;
    };
    let Val::Array(items) = &cols.node.val else {
        ctx.error(&cols.node.span, "index columns must be an array", None);
        return None;
    };
    if items.is_empty() {
        ctx.error(&cols.node.span, "index columns are empty", None);
    }
    let mut keys = Vec::new();
    for item in items {
        match &item.val {
            Val::Str(s) if columns.iter().any(|c| &c.name == s) => keys.push(quote::ident(s)),
            Val::Str(s) => {
                let s = s.trim();
                if let Some(folded) = quote::parse_ident(s)
                    && columns.iter().all(|c| c.name != folded)
                {
                    unknown_column(ctx, &item.span, s, columns);
                    continue;
                }
                if s.is_empty() {
                    ctx.error(&item.span, "empty index key", None);
                }
                let raw = match &item.val {
                    Val::Str(raw) => raw.as_str(),
                    _ => s,
                };
                let checked = fragment::check(s, "an index key");
                if !s.contains('\0') && !ctx.fragment_result(item, raw, s, checked) {
                    continue;
                }
                keys.push(s.to_string());
            }
            Val::Table(t) => {
                ctx.check_keys(t, &["sql"], "an index key");
                if let Some(x) = find(t, "sql") {
                    keys.extend(ctx.sql(&x.node, "sql"));
                } else {
                    ctx.error(&item.span, "an index key table needs `sql`", None);
                }
            }
            other => ctx.error(
                &item.span,
                format!(
                    "an index key must be a column name or SQL text, found {}",
                    other.kind()
                ),
                None,
            ),
        }
    }
    let include = match find(entries, "include") {
        Some(x) => column_list(ctx, &x.node, columns, "include")?,
        None => Vec::new(),
    };
    let boolean = |ctx: &mut Ctx<'_>, k: &str| {
        find(entries, k)
            .and_then(|x| ctx.boolean(&x.node, k))
            .unwrap_or(false)
    };
    let unique = boolean(ctx, "unique");
    let nulls_not_distinct = boolean(ctx, "nulls_not_distinct");
    let method = match find(entries, "using") {
        Some(x) => ctx
            .string(&x.node, "using")
            .map(|s| s.trim().to_ascii_lowercase())
            .unwrap_or_default(),
        None => "btree".to_string(),
    };
    let predicate = find(entries, "where").and_then(|x| ctx.sql(&x.node, "where"));
    let comment = find(entries, "comment").and_then(|x| ctx.string(&x.node, "comment"));
    let mut storage = Vec::new();
    if let Some(w) = find(entries, "with") {
        match &w.node.val {
            Val::Table(params) => {
                for param in params {
                    let value = match &param.node.val {
                        Val::Str(v) => v.clone(),
                        Val::Int(v) => v.to_string(),
                        Val::Float(v) => v.to_string(),
                        Val::Bool(v) => v.to_string(),
                        other => {
                            ctx.error(
                                &param.node.span,
                                format!(
                                    "storage parameter {} must be a string, number or boolean, found {}",
                                    param.key,
                                    other.kind()
                                ),
                                None,
                            );
                            continue;
                        }
                    };
                    storage.push(format!("{}={value}", param.key.to_ascii_lowercase()));
                }
            }
            other => ctx.error(
                &w.node.span,
                format!(
                    "index storage parameters must be a table, found {}",
                    other.kind()
                ),
                Some("write with = { fillfactor = 70 }".into()),
            ),
        }
    }
    Some(Index {
        name: e.key.clone(),
        unique,
        method,
        keys,
        include,
        predicate,
        nulls_not_distinct,
        storage,
        comment,
    })
}

fn table_fk(
    ctx: &mut Ctx<'_>,
    table: &QualifiedName,
    item: &Node,
    columns: &[Column],
) -> Option<PendingFk> {
    let Val::Table(t) = &item.val else {
        ctx.error(
            &item.span,
            format!(
                "each foreign key must be an inline table, found {}",
                item.val.kind()
            ),
            None,
        );
        return None;
    };
    ctx.check_keys(t, FK_KEYS, "a foreign key");
    let name = find(t, "name").and_then(|n| {
        let s = ctx.string(&n.node, "name")?;
        ctx.name_ok(&s, &n.node.span, "constraint").then_some(s)
    });
    let Some(c) = find(t, "columns") else {
        ctx.error(&item.span, "a foreign key needs `columns`", None);
        return None;
    };
    let cols = column_list(ctx, &c.node, columns, "foreign key columns");
    let Some(r) = find(t, "references") else {
        ctx.error(
            &item.span,
            "a foreign key needs `references` (the referenced table)",
            None,
        );
        return None;
    };
    let rtext = ctx.string(&r.node, "references")?;
    let Some(rt) = path::parse_qualified(&rtext) else {
        ctx.error(
            &r.node.span,
            format!("malformed table name {rtext:?}"),
            Some("write \"table\" or \"schema.table\"".into()),
        );
        return None;
    };
    let referenced =
        find(t, "referenced_columns").and_then(|x| ctx.strings(&x.node, "referenced_columns"));
    let on_delete =
        find(t, "on_delete").map_or(FkAction::NoAction, |x| ctx.action(&x.node, "on_delete"));
    let on_update =
        find(t, "on_update").map_or(FkAction::NoAction, |x| ctx.action(&x.node, "on_update"));
    let deferrable =
        find(t, "deferrable").map_or(Deferrable::NotDeferrable, |d| ctx.deferrable(&d.node));
    let match_full = find(t, "match_full")
        .and_then(|x| ctx.boolean(&x.node, "match_full"))
        .unwrap_or(false);
    let not_valid = find(t, "not_valid")
        .and_then(|x| ctx.boolean(&x.node, "not_valid"))
        .unwrap_or(false);
    let cols = cols?;
    Some(PendingFk {
        table: table.clone(),
        fk: ForeignKey {
            name: name.unwrap_or_else(|| names::foreign_key(&table.name, &cols)),
            columns: cols,
            referenced_table: rt,
            referenced_columns: referenced
                .clone()
                .map(|r| r.into_iter().map(|(s, _)| s).collect())
                .unwrap_or_default(),
            on_delete,
            on_update,
            deferrable,
            match_full,
            not_valid,
        },
        span: r.node.span.clone(),
        columns_given: referenced.is_some(),
    })
}

fn resolve_fks(ctx: &mut Ctx<'_>, schema: &mut Schema, pending: Vec<PendingFk>) {
    for mut p in pending {
        let Some(target) = schema.tables.get(&p.fk.referenced_table) else {
            let rt = &p.fk.referenced_table;
            let same_schema = QualifiedName::new(p.table.schema.clone(), rt.name.clone());
            let hint = if rt.schema == "public" && schema.tables.contains_key(&same_schema) {
                format!("did you mean {same_schema}? an unqualified table name means schema public")
            } else {
                match closest(
                    &rt.to_string(),
                    schema
                        .tables
                        .keys()
                        .map(|k| k.to_string())
                        .collect::<Vec<_>>()
                        .iter()
                        .map(String::as_str),
                ) {
                    Some(c) => format!("did you mean {c}?"),
                    None => "declare the referenced table in this file".to_string(),
                }
            };
            ctx.error(
                &p.span,
                format!("reference to missing table {rt}"),
                Some(hint),
            );
            continue;
        };
        if !p.columns_given {
            match &target.primary_key {
                Some(pk) => p.fk.referenced_columns = pk.columns.clone(),
                None => {
                    ctx.error(
                        &p.span,
                        format!("table {} has no primary key to reference", target.name),
                        Some("list `referenced_columns`".into()),
                    );
                    continue;
                }
            }
        }
        let mut ok = true;
        for c in &p.fk.referenced_columns {
            if target.column(c).is_none() {
                let hint = match closest(c, target.columns.iter().map(|c| c.name.as_str())) {
                    Some(x) => format!("did you mean `{x}`?"),
                    None => format!("table {} has no such column", target.name),
                };
                ctx.error(
                    &p.span,
                    format!("reference to missing column {}.{c}", target.name),
                    Some(hint),
                );
                ok = false;
            }
        }
        if p.fk.referenced_columns.len() != p.fk.columns.len() {
            ctx.error(
                &p.span,
                format!(
                    "foreign key {:?} has {} columns but references {}",
                    p.fk.name,
                    p.fk.columns.len(),
                    p.fk.referenced_columns.len()
                ),
                None,
            );
            ok = false;
        }
        if ok && let Some(t) = schema.tables.get_mut(&p.table) {
            t.foreign_keys.push(p.fk);
        }
    }
}
