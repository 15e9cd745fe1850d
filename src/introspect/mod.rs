//! Reads the live catalog into the model.
//!
//! Architecture invariant: a fixed number of set-based catalog queries, whatever the
//! number of tables (drizzle-kit sends six per table). There is one query per object
//! kind ([`QUERY_COUNT`] in all), each taking the schema list as a `text[]` parameter;
//! they are sent together (pipelined) and the rows are assembled into the model here.
//!
//! [`introspect`] reads in a read-only transaction of its own whose settings are pinned
//! ([`pin_settings`], `SET LOCAL`, so that it also holds through a transaction pooler):
//! `search_path = public` makes `format_type`, `pg_get_expr` and `pg_get_indexdef` print
//! public objects unqualified and others qualified, which is the canonical form of the
//! model (see [`crate::model`]), and DateStyle, TimeZone, IntervalStyle, ... make the
//! constants they print (`'2024-03-02'::date`, `'2024-03-02 10:00:00+00'`) the same
//! whatever the database's, role's or connection's settings, and mean the same when read
//! back under any settings.
//!
//! Not read (yet): partitioned tables, partitions and inheritance children (skipped
//! whole), exclusion constraints (skipped; their indexes too), index storage parameters
//! and tablespaces, `ON DELETE SET NULL (columns)` column lists.

mod indexdef;
mod queries;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, GenericClient, IsolationLevel, Row};

use crate::model::{
    CheckConstraint, Column, Deferrable, Enum, ExclusionConstraint, FkAction, ForeignKey, Identity,
    IdentityKind, Index, PrimaryKey, QualifiedName, Schema, Sequence, SequenceOptions, Table,
    UniqueConstraint,
};
use crate::sql::quote;

/// The number of statements [`introspect`] sends, whatever the size of the database.
pub const QUERY_COUNT: usize = 7;

#[derive(Debug, thiserror::Error)]
pub enum IntrospectError {
    /// A catalog query failed (connection lost, permission denied, ...). `message` is the
    /// server's own message when there is one (`tokio_postgres::Error` alone prints only
    /// "db error").
    #[error("cannot read the database catalog ({what}): {message}")]
    Query {
        what: &'static str,
        message: String,
        /// Not marked `#[source]`: `message` already carries its text.
        error: tokio_postgres::Error,
    },
    /// The server printed something brain-db cannot parse.
    #[error("cannot understand the catalog: {0}; please report this with the object's definition")]
    Unexpected(String),
}

impl IntrospectError {
    pub fn query(what: &'static str, source: tokio_postgres::Error) -> Self {
        let message = crate::db::error::describe(&source);
        IntrospectError::Query {
            what,
            message,
            error: source,
        }
    }
}

/// What one introspection cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Statements sent to the server.
    pub queries: usize,
}

/// Session settings that change how the server prints constants (and reads them), with
/// the values brain-db's own transactions pin: ISO dates (never ambiguous, whatever
/// DateStyle reads them), UTC offsets written out, intervals with every sign written
/// (read back the same under any IntervalStyle), floats printed exactly, hex bytea,
/// standard strings, identifiers quoted only when needed.
pub const PINNED_SETTINGS: &[(&str, &str)] = &[
    ("DateStyle", "ISO, MDY"),
    ("TimeZone", "UTC"),
    ("IntervalStyle", "postgres"),
    ("extra_float_digits", "1"),
    ("bytea_output", "hex"),
    ("standard_conforming_strings", "on"),
    ("quote_all_identifiers", "off"),
    ("lc_monetary", "C"),
    ("xmloption", "content"),
];

/// Pins [`PINNED_SETTINGS`] and the given `search_path` (already SQL: `public`,
/// `"x", public`) for the rest of the current transaction (`set_config(.., true)`, i.e.
/// `SET LOCAL`), in one statement. Outside a transaction it would last one statement
/// only: call it first thing in a transaction.
pub async fn pin_settings(
    client: &impl GenericClient,
    search_path: &str,
) -> Result<(), tokio_postgres::Error> {
    let mut names: Vec<&str> = PINNED_SETTINGS.iter().map(|(n, _)| *n).collect();
    let mut values: Vec<&str> = PINNED_SETTINGS.iter().map(|(_, v)| *v).collect();
    names.push("search_path");
    values.push(search_path);
    client
        .query(
            "SELECT pg_catalog.set_config(s.name, s.value, true) \
             FROM unnest($1::text[], $2::text[]) AS s(name, value)",
            &[&names, &values],
        )
        .await
        .map(drop)
}

/// Reads every object brain-db manages in the given schemas, in one read-only
/// transaction with pinned settings (see the module documentation).
pub async fn introspect(
    client: &mut Client,
    schemas: &[String],
) -> Result<Schema, IntrospectError> {
    introspect_with_stats(client, schemas)
        .await
        .map(|(schema, _)| schema)
}

/// [`introspect`], also reporting how many catalog queries were sent.
pub async fn introspect_with_stats(
    client: &mut Client,
    schemas: &[String],
) -> Result<(Schema, Stats), IntrospectError> {
    let tx = client
        .build_transaction()
        .read_only(true)
        .isolation_level(IsolationLevel::RepeatableRead)
        .start()
        .await
        .map_err(|source| IntrospectError::query("starting a read-only transaction", source))?;
    pin_settings(&tx, "public").await.map_err(pin_error)?;
    let read = read_catalog(&tx, schemas).await?;
    tx.commit()
        .await
        .map_err(|source| IntrospectError::query("ending the read-only transaction", source))?;
    Ok(read)
}

pub(crate) fn pin_error(source: tokio_postgres::Error) -> IntrospectError {
    IntrospectError::query("pinning the session settings", source)
}

/// The catalog queries of [`introspect`], in the caller's transaction, whose settings the
/// caller has pinned ([`pin_settings`]).
pub(crate) async fn read_catalog<C: GenericClient>(
    client: &C,
    schemas: &[String],
) -> Result<(Schema, Stats), IntrospectError> {
    let counter = AtomicUsize::new(0);
    let q = Querier {
        client,
        counter: &counter,
        schemas,
    };
    let (
        schema_rows,
        table_rows,
        column_rows,
        constraint_rows,
        index_rows,
        sequence_rows,
        enum_rows,
    ) = tokio::try_join!(
        q.fetch("schemas", queries::SCHEMAS),
        q.fetch("tables", queries::TABLES),
        q.fetch("columns", queries::COLUMNS),
        q.fetch("constraints", queries::CONSTRAINTS),
        q.fetch("indexes", queries::INDEXES),
        q.fetch("sequences", queries::SEQUENCES),
        q.fetch("enums", queries::ENUMS),
    )?;

    let mut out = Schema {
        schemas: existing_schemas(schemas, &schema_rows),
        ..Schema::default()
    };

    let mut by_oid: HashMap<u32, QualifiedName> = HashMap::with_capacity(table_rows.len());
    for row in table_rows {
        let name = QualifiedName::new(row.get::<_, String>(1), row.get::<_, String>(2));
        let mut table = Table::new(name.clone());
        table.unlogged = row.get(3);
        table.comment = row.get(4);
        by_oid.insert(row.get(0), name.clone());
        out.tables.insert(name, table);
    }

    for row in column_rows {
        let Some(table) = table_for(&by_oid, &mut out.tables, row.get(0)) else {
            continue;
        };
        table.columns.push(column(&row)?);
    }
    for row in constraint_rows {
        let Some(table) = table_for(&by_oid, &mut out.tables, row.get(0)) else {
            continue;
        };
        add_constraint(table, &row)?;
    }
    for row in index_rows {
        let Some(table) = table_for(&by_oid, &mut out.tables, row.get(0)) else {
            continue;
        };
        table.indexes.push(index(&row)?);
    }
    for row in sequence_rows {
        add_sequence(&mut out, &row)?;
    }
    for row in enum_rows {
        let name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        out.enums.insert(
            name.clone(),
            Enum {
                name,
                values: row.get(2),
                comment: row.get(3),
                renamed_from: None,
            },
        );
    }

    for table in out.tables.values_mut() {
        table.columns.shrink_to_fit();
        table.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        table.checks.sort_by(|a, b| a.name.cmp(&b.name));
        table.exclusions.sort_by(|a, b| a.name.cmp(&b.name));
        table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }

    let stats = Stats {
        queries: counter.load(Ordering::Relaxed),
    };
    Ok((out, stats))
}

/// The user schemas of the database (everything but `pg_*`, `information_schema` and
/// schemas created by extensions), sorted.
pub async fn user_schemas(client: &impl GenericClient) -> Result<Vec<String>, IntrospectError> {
    let rows = client
        .query(queries::USER_SCHEMAS, &[])
        .await
        .map_err(|source| IntrospectError::query("schemas", source))?;
    let mut names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    names.sort();
    Ok(names)
}

/// Objects in the given schemas that brain-db does not manage, as (kind, count) sorted by
/// kind: views, functions, triggers, domains, partitioned tables, policies, ...
pub async fn unmanaged_objects(
    client: &impl GenericClient,
    schemas: &[String],
) -> Result<Vec<(String, i64)>, IntrospectError> {
    let rows = client
        .query(queries::UNMANAGED, &[&schemas])
        .await
        .map_err(|source| IntrospectError::query("unmanaged objects", source))?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Sends the catalog queries, counting them.
struct Querier<'a, C> {
    client: &'a C,
    counter: &'a AtomicUsize,
    schemas: &'a [String],
}

impl<C: GenericClient> Querier<'_, C> {
    async fn fetch(&self, what: &'static str, sql: &str) -> Result<Vec<Row>, IntrospectError> {
        self.counter.fetch_add(1, Ordering::Relaxed);
        let params: [&(dyn ToSql + Sync); 1] = [&self.schemas];
        self.client
            .query(sql, &params)
            .await
            .map_err(|source| IntrospectError::query(what, source))
    }
}

fn existing_schemas(requested: &[String], rows: &[Row]) -> Vec<String> {
    let existing: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    let mut out: Vec<String> = Vec::new();
    for name in requested {
        if existing.contains(name) && !out.contains(name) {
            out.push(name.clone());
        }
    }
    out
}

fn table_for<'t>(
    by_oid: &HashMap<u32, QualifiedName>,
    tables: &'t mut BTreeMap<QualifiedName, Table>,
    oid: u32,
) -> Option<&'t mut Table> {
    // Rows and tables come from the same set of tables; a miss means a table created
    // between the queries, which the next introspection will see whole.
    tables.get_mut(by_oid.get(&oid)?)
}

fn one_char(row: &Row, idx: usize) -> char {
    row.get::<_, Option<String>>(idx)
        .and_then(|s| s.chars().next())
        .unwrap_or('\0')
}

fn column(row: &Row) -> Result<Column, IntrospectError> {
    let mut column = Column::new(row.get::<_, String>(1), column_type(row));
    column.not_null = row.get(3);
    let expression: Option<String> = row.get(6);
    match one_char(row, 5) {
        '\0' => column.default = expression,
        's' => column.generated = expression,
        'v' => {
            column.generated = expression;
            column.virtual_generated = true;
        }
        other => {
            return Err(IntrospectError::Unexpected(format!(
                "column {} has generation kind {other:?}",
                column.name
            )));
        }
    }
    column.identity = match one_char(row, 4) {
        '\0' => None,
        'a' => Some(Identity {
            kind: IdentityKind::Always,
            options: None,
            sequence: None,
        }),
        'd' => Some(Identity {
            kind: IdentityKind::ByDefault,
            options: None,
            sequence: None,
        }),
        other => {
            return Err(IntrospectError::Unexpected(format!(
                "column {} has identity kind {other:?}",
                column.name
            )));
        }
    };
    let collation_schema: Option<String> = row.get(7);
    let collation_name: Option<String> = row.get(8);
    column.collation = match (collation_schema, collation_name) {
        (Some(schema), Some(name)) if schema == "pg_catalog" => Some(quote::ident(&name)),
        (Some(schema), Some(name)) => Some(quote::qualified(&schema, &name)),
        _ => None,
    };
    column.comment = row.get(9);
    column.not_null_name = row.get(12);
    Ok(column)
}

/// `format_type`'s spelling, except that a type of `public` other than an enum (an
/// extension's type such as `citext`, a domain) is schema-qualified, as the file writes
/// it: the SQL rendered from the model then does not depend on search_path.
fn column_type(row: &Row) -> String {
    let printed: String = row.get(2);
    let type_schema: String = row.get(10);
    let is_enum: bool = row.get(11);
    if type_schema == "public" && !is_enum && !printed.starts_with("public.") {
        format!("public.{printed}")
    } else {
        printed
    }
}

fn deferrable(row: &Row, deferrable_idx: usize, deferred_idx: usize) -> Deferrable {
    match (
        row.get::<_, bool>(deferrable_idx),
        row.get::<_, bool>(deferred_idx),
    ) {
        (false, _) => Deferrable::NotDeferrable,
        (true, false) => Deferrable::InitiallyImmediate,
        (true, true) => Deferrable::InitiallyDeferred,
    }
}

fn fk_action(code: char, constraint: &str) -> Result<FkAction, IntrospectError> {
    Ok(match code {
        'a' => FkAction::NoAction,
        'r' => FkAction::Restrict,
        'c' => FkAction::Cascade,
        'n' => FkAction::SetNull,
        'd' => FkAction::SetDefault,
        other => {
            return Err(IntrospectError::Unexpected(format!(
                "foreign key {constraint} has action {other:?}"
            )));
        }
    })
}

fn add_constraint(table: &mut Table, row: &Row) -> Result<(), IntrospectError> {
    let name: String = row.get(1);
    let columns: Vec<String> = row.get(7);
    match one_char(row, 2) {
        'p' => {
            table.primary_key = Some(PrimaryKey {
                name,
                columns,
                deferrable: deferrable(row, 3, 4),
            })
        }
        'u' => table.uniques.push(UniqueConstraint {
            name,
            columns,
            nulls_not_distinct: row.get(15),
            deferrable: deferrable(row, 3, 4),
        }),
        'f' => {
            let (Some(schema), Some(referenced)) = (
                row.get::<_, Option<String>>(8),
                row.get::<_, Option<String>>(9),
            ) else {
                return Err(IntrospectError::Unexpected(format!(
                    "foreign key {name} references no table"
                )));
            };
            table.foreign_keys.push(ForeignKey {
                on_delete: fk_action(one_char(row, 11), &name)?,
                on_update: fk_action(one_char(row, 12), &name)?,
                columns,
                referenced_table: QualifiedName::new(schema, referenced),
                referenced_columns: row.get(10),
                deferrable: deferrable(row, 3, 4),
                match_full: one_char(row, 13) == 'f',
                not_valid: !row.get::<_, bool>(5),
                name,
            });
        }
        'c' => {
            let Some(expression) = row.get::<_, Option<String>>(14) else {
                return Err(IntrospectError::Unexpected(format!(
                    "check constraint {name} has no expression"
                )));
            };
            table.checks.push(CheckConstraint {
                name,
                expression,
                no_inherit: row.get(6),
                not_valid: !row.get::<_, bool>(5),
            });
        }
        'x' => {
            let definition = row.get::<_, Option<String>>(16).unwrap_or_default();
            let Some(definition) = definition.strip_prefix("EXCLUDE ") else {
                return Err(IntrospectError::Unexpected(format!(
                    "exclusion constraint {name} has an unexpected definition: {definition}"
                )));
            };
            table.exclusions.push(ExclusionConstraint {
                name,
                definition: definition.to_string(),
            });
        }
        _ => {}
    }
    Ok(())
}

fn index(row: &Row) -> Result<Index, IntrospectError> {
    let name: String = row.get(1);
    let definition: String = row.get(4);
    let keys = indexdef::key_entries(&definition).ok_or_else(|| {
        IntrospectError::Unexpected(format!(
            "cannot split the key list of index {name}: {definition}"
        ))
    })?;
    Ok(Index {
        name,
        unique: row.get(2),
        method: row.get(3),
        keys,
        include: row.get(5),
        predicate: row.get(6),
        nulls_not_distinct: row.get(7),
        storage: row.get(9),
        comment: row.get(8),
    })
}

fn add_sequence(out: &mut Schema, row: &Row) -> Result<(), IntrospectError> {
    let name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
    let options = SequenceOptions {
        data_type: row.get(2),
        start: row.get(3),
        increment: row.get(4),
        min_value: row.get(5),
        max_value: row.get(6),
        cache: row.get(7),
        cycle: row.get(8),
    };
    let owner = match (
        row.get::<_, Option<String>>(10),
        row.get::<_, Option<String>>(11),
        row.get::<_, Option<String>>(12),
    ) {
        (Some(schema), Some(table), Some(column)) => {
            Some((QualifiedName::new(schema, table), column))
        }
        _ => None,
    };
    match (one_char(row, 9), owner) {
        ('i', Some((table, column))) => {
            // An identity column's sequence: its options belong to the column.
            let Some(column) = out
                .tables
                .get_mut(&table)
                .and_then(|t| t.columns.iter_mut().find(|c| c.name == column))
            else {
                return Ok(());
            };
            if let Some(identity) = column.identity.as_mut() {
                let defaults = SequenceOptions::defaults_for(&column.data_type, options.increment);
                identity.options = (options != defaults).then_some(options);
                identity.sequence = Some(name.name.clone());
            }
        }
        ('i', None) => {
            return Err(IntrospectError::Unexpected(format!(
                "identity sequence {name} has no column"
            )));
        }
        (kind, owner) => {
            // Owned by a table brain-db does not manage (the bookkeeping table, a
            // partition): the sequence goes with it.
            if kind == 'a'
                && let Some((table, _)) = &owner
                && !out.tables.contains_key(table)
            {
                return Ok(());
            }
            let owned_by = if kind == 'a' { owner } else { None };
            out.sequences.insert(
                name.clone(),
                Sequence {
                    name,
                    options,
                    owned_by,
                    comment: row.get(13),
                },
            );
        }
    }
    Ok(())
}
