//! The SQL the studio sends. Identifiers come from the introspected [`Table`] (the page's
//! names were matched against it) and become text only through [`sql::quote`]; every
//! value is a bound parameter, sent as text and cast by the server (`$1::text::<type>`),
//! so the page needs no knowledge of PostgreSQL's binary formats. Values come back as
//! `::text` under the session's pinned DateStyle, the same spelling the page sends back.

use serde::Deserialize;
use tokio_postgres::types::Type;

use crate::model::{Column, Table};
use crate::sql::quote;

/// Characters of a value shown in the grid; the rest is fetched on demand.
pub(crate) const SHOWN_CHARS: usize = 300;

/// One statement and its parameters (`None` binds SQL NULL).
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub text: String,
    pub params: Vec<Option<String>>,
}

impl Sql {
    fn bind(&mut self, value: Option<String>) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }

    /// A value cast to the column's type: `$n::text::<type>`.
    fn typed(&mut self, column: &Column, value: Option<String>) -> String {
        format!("{}::text::{}", self.bind(value), column.data_type)
    }

    /// The parameters, each declared `text`: with the types given, the statement goes
    /// in one round trip (no separate prepare).
    pub fn typed_params(&self) -> Vec<(&(dyn tokio_postgres::types::ToSql + Sync), Type)> {
        self.params
            .iter()
            .map(|p| (p as &(dyn tokio_postgres::types::ToSql + Sync), Type::TEXT))
            .collect()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum QueryError {
    #[error(
        "column {column} ({data_type}) has no ordering: it cannot be sorted or compared with < and >"
    )]
    NotOrdered { column: String, data_type: String },
    #[error("a filter `{op}` needs a value")]
    MissingValue { op: &'static str },
    #[error("the page cursor does not fit this table and sort")]
    BadCursor,
    #[error("table {0} has no primary key: it is read-only in the studio")]
    NoPrimaryKey(String),
    #[error("the key must give every primary-key column ({0})")]
    BadKey(String),
    #[error("nothing to change")]
    NothingToSet,
}

/// How rows are identified for paging: the primary key, or the physical row id for a
/// table without one (read-only there).
pub(crate) enum RowKey<'a> {
    Primary(Vec<&'a Column>),
    Ctid,
}

impl<'a> RowKey<'a> {
    pub fn of(table: &'a Table) -> RowKey<'a> {
        match &table.primary_key {
            Some(pk) => RowKey::Primary(
                pk.columns
                    .iter()
                    .filter_map(|name| table.column(name))
                    .collect(),
            ),
            None => RowKey::Ctid,
        }
    }

    fn len(&self) -> usize {
        match self {
            RowKey::Primary(columns) => columns.len(),
            RowKey::Ctid => 1,
        }
    }

    fn exprs(&self) -> Vec<String> {
        match self {
            RowKey::Primary(columns) => columns.iter().map(|c| quote::ident(&c.name)).collect(),
            RowKey::Ctid => vec!["ctid".to_string()],
        }
    }

    /// `(k1, k2) > ($1::text::t1, $2::text::t2)`.
    fn compare(&self, sql: &mut Sql, op: &str, values: &[String]) -> String {
        let bound: Vec<String> = match self {
            RowKey::Primary(columns) => columns
                .iter()
                .zip(values)
                .map(|(c, v)| sql.typed(c, Some(v.clone())))
                .collect(),
            RowKey::Ctid => vec![format!("{}::text::tid", sql.bind(values.first().cloned()))],
        };
        format!("({}) {op} ({})", self.exprs().join(", "), bound.join(", "))
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FilterOp {
    Eq,
    Contains,
    IsNull,
    NotNull,
    Lt,
    Gt,
}

impl FilterOp {
    fn name(self) -> &'static str {
        match self {
            FilterOp::Eq => "equals",
            FilterOp::Contains => "contains",
            FilterOp::IsNull => "is null",
            FilterOp::NotNull => "is not null",
            FilterOp::Lt => "<",
            FilterOp::Gt => ">",
        }
    }
}

/// Where a page starts: after the row whose sort value and key the previous page ended on.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
pub(crate) struct Cursor {
    /// The sort column's value (`Some(None)`: SQL NULL, sent as `null`); absent when
    /// sorting by the key.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub sort: Option<Option<String>>,
    pub key: Vec<String>,
}

/// A field that is present, even as `null`, is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

pub(crate) struct Page<'a> {
    pub table: &'a Table,
    pub sort: Option<&'a Column>,
    pub descending: bool,
    pub filters: Vec<(&'a Column, FilterOp, Option<String>)>,
    pub after: Option<Cursor>,
    pub limit: usize,
    /// Full values (CSV export) rather than the first [`SHOWN_CHARS`].
    pub full_values: bool,
}

/// Base types without a btree ordering (and, for most, without `=`): compared through
/// `::text`, never sorted.
const UNORDERED_TYPES: &[&str] = &[
    "json", "xml", "point", "line", "lseg", "box", "path", "polygon", "circle",
];

pub(crate) fn is_ordered(column: &Column) -> bool {
    let base = column.data_type.trim_end_matches("[]");
    !UNORDERED_TYPES.contains(&base)
}

/// The select list of a page: every column (shortened unless `full`), then the key
/// columns and the sort column in full (the next cursor).
fn select_list(table: &Table, key: &RowKey, sort: Option<&Column>, full: bool) -> String {
    let mut items: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            let name = quote::ident(&c.name);
            if full {
                format!("{name}::text")
            } else {
                format!("substr({name}::text, 1, {})", SHOWN_CHARS + 1)
            }
        })
        .collect();
    items.extend(key.exprs().into_iter().map(|k| format!("{k}::text")));
    if let Some(sort) = sort {
        items.push(format!("{}::text", quote::ident(&sort.name)));
    }
    items.join(", ")
}

fn filter_sql(
    sql: &mut Sql,
    column: &Column,
    op: FilterOp,
    value: Option<String>,
) -> Result<String, QueryError> {
    let name = quote::ident(&column.name);
    let needs_value =
        |value: Option<String>| value.ok_or(QueryError::MissingValue { op: op.name() });
    Ok(match op {
        FilterOp::IsNull => format!("{name} IS NULL"),
        FilterOp::NotNull => format!("{name} IS NOT NULL"),
        FilterOp::Contains => {
            let v = sql.bind(Some(needs_value(value)?));
            format!("strpos(lower({name}::text), lower({v})) > 0")
        }
        FilterOp::Eq if !is_ordered(column) => {
            let v = sql.bind(Some(needs_value(value)?));
            format!("{name}::text = {v}")
        }
        FilterOp::Eq | FilterOp::Lt | FilterOp::Gt => {
            if !is_ordered(column) {
                return Err(QueryError::NotOrdered {
                    column: column.name.clone(),
                    data_type: column.data_type.clone(),
                });
            }
            let v = sql.typed(column, Some(needs_value(value)?));
            let symbol = match op {
                FilterOp::Eq => "=",
                FilterOp::Lt => "<",
                _ => ">",
            };
            format!("{name} {symbol} {v}")
        }
    })
}

/// The sort column that adds to the key order: none when sorting by the single key
/// column (that is the key order). Pages then end with this column's value.
pub(crate) fn effective_sort<'a>(table: &Table, sort: Option<&'a Column>) -> Option<&'a Column> {
    sort.filter(|s| match RowKey::of(table) {
        RowKey::Primary(columns) => !(columns.len() == 1 && columns[0].name == s.name),
        RowKey::Ctid => true,
    })
}

/// The alias of the table in a page query. ORDER BY names it: a bare `id` there would
/// mean the output column `id::text` (named `id`), sorting by text.
const SOURCE: &str = "source";

/// One page of rows in keyset order: `ORDER BY [sort,] key LIMIT limit + 1` (the extra
/// row says whether there is a next page), starting after the cursor. Never `OFFSET`.
pub(crate) fn page(request: &Page) -> Result<Sql, QueryError> {
    let table = request.table;
    let key = RowKey::of(table);
    let sort = effective_sort(table, request.sort);
    if let Some(sort) = sort
        && !is_ordered(sort)
    {
        return Err(QueryError::NotOrdered {
            column: sort.name.clone(),
            data_type: sort.data_type.clone(),
        });
    }
    let mut sql = Sql::default();
    let mut conditions = Vec::new();
    for (column, op, value) in &request.filters {
        conditions.push(filter_sql(&mut sql, column, *op, value.clone())?);
    }
    let (direction, key_op, nulls) = if request.descending {
        ("DESC", "<", "NULLS FIRST")
    } else {
        ("ASC", ">", "NULLS LAST")
    };
    if let Some(cursor) = &request.after {
        if cursor.key.len() != key.len() {
            return Err(QueryError::BadCursor);
        }
        let condition = match (sort, &cursor.sort) {
            (None, _) => key.compare(&mut sql, key_op, &cursor.key),
            (Some(_), None) => return Err(QueryError::BadCursor),
            (Some(sort), Some(last)) => {
                let name = quote::ident(&sort.name);
                let key_after = key.compare(&mut sql, key_op, &cursor.key);
                match (last, request.descending) {
                    // NULLs come last going up: after a NULL, only NULLs with a later key.
                    (None, false) => format!("({name} IS NULL AND {key_after})"),
                    (None, true) => {
                        format!("(({name} IS NULL AND {key_after}) OR {name} IS NOT NULL)")
                    }
                    (Some(value), descending) => {
                        let v = sql.typed(sort, Some(value.clone()));
                        let op = if descending { "<" } else { ">" };
                        let tail = if descending {
                            String::new()
                        } else {
                            format!(" OR {name} IS NULL")
                        };
                        format!("({name} {op} {v} OR ({name} = {v} AND {key_after}){tail})")
                    }
                }
            }
        };
        conditions.push(condition);
    }
    let mut order: Vec<String> = Vec::new();
    if let Some(sort) = sort {
        order.push(format!(
            "{SOURCE}.{} {direction} {nulls}",
            quote::ident(&sort.name)
        ));
    }
    order.extend(
        key.exprs()
            .into_iter()
            .map(|k| format!("{SOURCE}.{k} {direction}")),
    );
    sql.text = format!(
        "SELECT {} FROM {} AS {SOURCE}{} ORDER BY {} LIMIT {}",
        select_list(table, &key, sort, request.full_values),
        quote::qualified(&table.name.schema, &table.name.name),
        if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        },
        order.join(", "),
        request.limit + 1
    );
    Ok(sql)
}

/// The primary-key columns, or a refusal for a table without one (read-only).
pub(crate) fn primary_key(table: &Table) -> Result<Vec<&Column>, QueryError> {
    match RowKey::of(table) {
        RowKey::Primary(columns) => Ok(columns),
        RowKey::Ctid => Err(QueryError::NoPrimaryKey(table.name.to_string())),
    }
}

/// `k1 = $1::text::t1 AND k2 = ...` for the row with this key.
fn key_condition(
    sql: &mut Sql,
    table: &Table,
    key: &[(String, String)],
) -> Result<String, QueryError> {
    let columns = primary_key(table)?;
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let mut parts = Vec::new();
    for column in &columns {
        let value = key
            .iter()
            .find(|(name, _)| *name == column.name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| QueryError::BadKey(names.join(", ")))?;
        parts.push(format!(
            "{} = {}",
            quote::ident(&column.name),
            sql.typed(column, Some(value))
        ));
    }
    if key.len() != columns.len() {
        return Err(QueryError::BadKey(names.join(", ")));
    }
    Ok(parts.join(" AND "))
}

/// Every column as text, in table order.
fn all_as_text(table: &Table) -> String {
    table
        .columns
        .iter()
        .map(|c| format!("{}::text", quote::ident(&c.name)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One row by primary key, every value in full.
pub(crate) fn row(table: &Table, key: &[(String, String)]) -> Result<Sql, QueryError> {
    let mut sql = Sql::default();
    let condition = key_condition(&mut sql, table, key)?;
    sql.text = format!(
        "SELECT {} FROM {} WHERE {condition}",
        all_as_text(table),
        quote::qualified(&table.name.schema, &table.name.name)
    );
    Ok(sql)
}

/// How many rows (up to `cap`) have these values in these columns: the rows of a
/// referencing table that point at one row.
pub(crate) fn count_matching(table: &Table, matches: &[(&Column, String)], cap: usize) -> Sql {
    let mut sql = Sql::default();
    let condition: Vec<String> = matches
        .iter()
        .map(|(c, v)| {
            format!(
                "{} = {}",
                quote::ident(&c.name),
                sql.typed(c, Some(v.clone()))
            )
        })
        .collect();
    sql.text = format!(
        "SELECT count(*) FROM (SELECT 1 FROM {} WHERE {} LIMIT {cap}) AS matching",
        quote::qualified(&table.name.schema, &table.name.name),
        condition.join(" AND ")
    );
    sql
}

/// The guard of a write: each column the user saw still holds what they saw, compared
/// through `::text` (which every type has, unlike `=`: json, point).
/// The key columns are already matched by the key.
fn unchanged(sql: &mut Sql, table: &Table, seen: &[(&Column, Option<String>)]) -> Vec<String> {
    let key: Vec<&str> = table
        .primary_key
        .iter()
        .flat_map(|pk| pk.columns.iter().map(String::as_str))
        .collect();
    seen.iter()
        .filter(|(c, _)| !key.contains(&c.name.as_str()))
        .map(|(c, v)| {
            format!(
                "{}::text IS NOT DISTINCT FROM {}",
                quote::ident(&c.name),
                sql.bind(v.clone())
            )
        })
        .collect()
}

pub(crate) fn insert(table: &Table, values: &[(&Column, Option<String>)]) -> Sql {
    let mut sql = Sql::default();
    let target = quote::qualified(&table.name.schema, &table.name.name);
    let body = if values.is_empty() {
        "DEFAULT VALUES".to_string()
    } else {
        let names: Vec<String> = values.iter().map(|(c, _)| quote::ident(&c.name)).collect();
        let bound: Vec<String> = values
            .iter()
            .map(|(c, v)| sql.typed(c, v.clone()))
            .collect();
        format!("({}) VALUES ({})", names.join(", "), bound.join(", "))
    };
    sql.text = format!(
        "INSERT INTO {target} {body} RETURNING {}",
        all_as_text(table)
    );
    sql
}

pub(crate) fn update(
    table: &Table,
    key: &[(String, String)],
    seen: &[(&Column, Option<String>)],
    set: &[(&Column, Option<String>)],
) -> Result<Sql, QueryError> {
    if set.is_empty() {
        return Err(QueryError::NothingToSet);
    }
    let mut sql = Sql::default();
    let assignments: Vec<String> = set
        .iter()
        .map(|(c, v)| format!("{} = {}", quote::ident(&c.name), sql.typed(c, v.clone())))
        .collect();
    let mut conditions = vec![key_condition(&mut sql, table, key)?];
    conditions.extend(unchanged(&mut sql, table, seen));
    sql.text = format!(
        "UPDATE {} SET {} WHERE {} RETURNING {}",
        quote::qualified(&table.name.schema, &table.name.name),
        assignments.join(", "),
        conditions.join(" AND "),
        all_as_text(table)
    );
    Ok(sql)
}

pub(crate) fn delete(
    table: &Table,
    key: &[(String, String)],
    seen: &[(&Column, Option<String>)],
) -> Result<Sql, QueryError> {
    let mut sql = Sql::default();
    let mut conditions = vec![key_condition(&mut sql, table, key)?];
    conditions.extend(unchanged(&mut sql, table, seen));
    sql.text = format!(
        "DELETE FROM {} WHERE {} RETURNING {}",
        quote::qualified(&table.name.schema, &table.name.name),
        conditions.join(" AND "),
        all_as_text(table)
    );
    Ok(sql)
}

/// Row-count estimates of the given schemas' tables (`reltuples`; -1 when never
/// analysed or vacuumed).
pub(crate) const ESTIMATES: &str = "\
SELECT n.nspname, c.relname, c.reltuples::float8
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1)";

/// The values of a check constraint of the form `col IN ('a', 'b')` (PostgreSQL prints
/// it `(col = ANY (ARRAY['a'::text, 'b'::text]))`), offered as a choice in the page.
pub(crate) fn check_choices(expression: &str, column: &str) -> Option<Vec<String>> {
    let text = expression.trim();
    let text = text.strip_prefix('(')?.strip_suffix(')')?;
    let rest = text.strip_prefix(&quote::ident(column))?;
    let rest = rest.strip_prefix(" = ANY (")?;
    let rest = rest
        .strip_prefix("(ARRAY[")
        .or_else(|| rest.strip_prefix("ARRAY["))?;
    let end = rest.rfind(']')?;
    let tail = &rest[end + 1..];
    if !matches!(
        tail.trim_start_matches(|c: char| c != ')'),
        ")" | "))" | ")))"
    ) {
        return None;
    }
    let mut values = Vec::new();
    let mut chars = rest[..end].chars().peekable();
    loop {
        match chars.next() {
            None => break,
            Some('\'') => {
                let mut value = String::new();
                loop {
                    match chars.next()? {
                        '\'' if chars.peek() == Some(&'\'') => {
                            chars.next();
                            value.push('\'');
                        }
                        '\'' => break,
                        c => value.push(c),
                    }
                }
                values.push(value);
                // Skip the cast (`::text`, `::character varying`) up to the comma.
                for c in chars.by_ref() {
                    if c == ',' {
                        break;
                    }
                }
            }
            Some(c) if c.is_whitespace() || c == '(' => {}
            Some(_) => return None,
        }
    }
    (!values.is_empty()).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Deferrable, PrimaryKey, QualifiedName};

    fn tasks() -> Table {
        let mut t = Table::new(QualifiedName::public("tasks"));
        t.columns.push(Column::new("id", "uuid"));
        t.columns.push(Column::new("title", "text"));
        t.columns.push(Column::new("meta", "json"));
        t.primary_key = Some(PrimaryKey {
            name: "tasks_pkey".into(),
            columns: vec!["id".into()],
            deferrable: Deferrable::NotDeferrable,
        });
        t
    }

    #[test]
    fn keyset_on_sort_then_key_never_offset() {
        let t = tasks();
        let sql = page(&Page {
            table: &t,
            sort: t.column("title"),
            descending: false,
            filters: vec![],
            after: Some(Cursor {
                sort: Some(Some("b".into())),
                key: vec!["k".into()],
            }),
            limit: 50,
            full_values: false,
        })
        .unwrap();
        assert!(!sql.text.contains("OFFSET"));
        assert!(sql.text.contains(
            "WHERE (title > $2::text::text OR (title = $2::text::text AND (id) > ($1::text::uuid)) OR title IS NULL)"
        ), "{}", sql.text);
        assert!(
            sql.text
                .ends_with("ORDER BY source.title ASC NULLS LAST, source.id ASC LIMIT 51")
        );
        assert_eq!(sql.params, vec![Some("k".into()), Some("b".into())]);
    }

    #[test]
    fn json_is_compared_as_text_and_never_sorted() {
        let t = tasks();
        let json = t.column("meta").unwrap();
        let err = page(&Page {
            table: &t,
            sort: Some(json),
            descending: false,
            filters: vec![],
            after: None,
            limit: 10,
            full_values: false,
        })
        .unwrap_err();
        assert!(matches!(err, QueryError::NotOrdered { .. }));
        let guarded = update(
            &t,
            &[("id".into(), "k".into())],
            &[(json, Some("{}".into()))],
            &[(t.column("title").unwrap(), None)],
        )
        .unwrap();
        assert!(guarded.text.contains("meta::text IS NOT DISTINCT FROM $3"));
    }

    #[test]
    fn check_lists_become_choices() {
        assert_eq!(
            check_choices(
                "(status = ANY (ARRAY['todo'::text, 'in_progress'::text, 'it''s'::text]))",
                "status"
            ),
            Some(vec!["todo".into(), "in_progress".into(), "it's".into()])
        );
        assert_eq!(
            check_choices(
                "((kind)::text = ANY ((ARRAY['a'::character varying])::text[]))",
                "kind"
            ),
            None
        );
        assert_eq!(check_choices("(priority > 0)", "priority"), None);
    }
}
