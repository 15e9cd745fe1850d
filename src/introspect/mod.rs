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
//! Partitioned tables and their partitions are read (`tables`), without what PostgreSQL
//! clones onto a partition from its parent (attached indexes, constraints with a
//! `conparentid`, inherited checks, triggers with a `tgparentid`).
//!
//! Not read (yet): inheritance children (`INHERITS`, skipped
//! whole), exclusion constraints (skipped; their indexes too), index storage parameters
//! and tablespaces, `ON DELETE SET NULL (columns)` column lists.

#[macro_use]
mod queries;
pub mod views;

mod columns;
mod constraints;
pub mod depend;
mod domains;
mod enums;
mod extensions;
pub(crate) mod functions;
mod indexdef;
mod indexes;
mod policies;
mod schemas;
mod sequences;
mod tables;

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, GenericClient, IsolationLevel, Row, Transaction};

use crate::model::Schema;

/// The number of statements [`introspect`] sends, whatever the size of the database.
pub const QUERY_COUNT: usize = 15;

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
    /// Whether a second session read part of it ([`introspect_split`]): it joined the
    /// first one's snapshot, so it is on the same database.
    pub split: bool,
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
    // Catalog queries are small; compiling one (above `jit_above_cost`, which the
    // dependency query's estimate can reach) costs seconds.
    ("jit", "off"),
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
    introspect_split(client, None, schemas).await
}

/// [`introspect_with_stats`] that also reads on `helper`, a second connection to the same
/// database, so that the server runs the heavy queries on two backends at once. Both
/// transactions read one snapshot (exported by the first, `SET TRANSACTION SNAPSHOT` in
/// the second), so the result is the same as reading on one connection. When the helper
/// cannot join the snapshot (a pooler that routes it elsewhere, a standby that refuses,
/// ...) everything is read on `client`, and the reason is logged at debug level.
pub async fn introspect_split(
    client: &mut Client,
    helper: Option<&mut Client>,
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
    let helper_tx = match helper {
        Some(helper) => join_snapshot(&tx, helper).await,
        None => None,
    };
    let (schema, mut stats) = read_catalog_on(&tx, helper_tx.as_ref(), schemas).await?;
    stats.split = helper_tx.is_some();
    if let Some(helper_tx) = helper_tx {
        // Read-only: ending it cannot lose anything, and a failure here is not the push's.
        if let Err(e) = helper_tx.commit().await {
            log::debug!("ending the helper's read-only transaction: {e}");
        }
    }
    tx.commit()
        .await
        .map_err(|source| IntrospectError::query("ending the read-only transaction", source))?;
    Ok((schema, stats))
}

/// Starts on `helper` a read-only transaction that reads the snapshot of `tx`, with the
/// same pinned settings; `None` (logged) when that fails: the caller reads alone.
async fn join_snapshot<'h>(
    tx: &Transaction<'_>,
    helper: &'h mut Client,
) -> Option<Transaction<'h>> {
    let snapshot: String = match tx
        .query_one("SELECT pg_catalog.pg_export_snapshot()", &[])
        .await
    {
        Ok(row) => row.get(0),
        Err(e) => {
            log::debug!(
                "introspection on one connection: cannot export the snapshot: {}",
                crate::db::error::describe(&e)
            );
            return None;
        }
    };
    let joined = async {
        let helper_tx = helper
            .build_transaction()
            .read_only(true)
            .isolation_level(IsolationLevel::RepeatableRead)
            .start()
            .await?;
        // SET TRANSACTION takes no parameter; the identifier is the server's own text,
        // quoted as a literal all the same.
        helper_tx
            .batch_execute(&format!(
                "SET TRANSACTION SNAPSHOT {}",
                crate::sql::quote::literal(&snapshot)
            ))
            .await?;
        pin_settings(&helper_tx, "public").await?;
        Ok::<_, tokio_postgres::Error>(helper_tx)
    };
    match joined.await {
        Ok(helper_tx) => Some(helper_tx),
        Err(e) => {
            log::debug!(
                "introspection on one connection: the second connection cannot read the \
                 same snapshot: {}",
                crate::db::error::describe(&e)
            );
            None
        }
    }
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
    read_catalog_on(client, None, schemas).await
}

/// [`read_catalog`], sending the heaviest queries (indexes, views, policies, triggers:
/// about half of the server's time on a large schema) on `helper` when there is one, a
/// transaction that reads the same snapshot with the same settings.
async fn read_catalog_on<C: GenericClient>(
    client: &C,
    helper: Option<&C>,
    schemas: &[String],
) -> Result<(Schema, Stats), IntrospectError> {
    let counter = AtomicUsize::new(0);
    let q = Querier {
        client,
        counter: &counter,
        schemas,
    };
    let h = Querier {
        client: helper.unwrap_or(client),
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
        policy_rows,
        view_rows,
        matview_index_rows,
        function_rows,
        trigger_rows,
        extension_rows,
        domain_rows,
        dependency_rows,
    ) = tokio::try_join!(
        q.fetch("schemas", schemas::QUERY),
        q.fetch("tables", tables::QUERY),
        q.fetch("columns", columns::QUERY),
        q.fetch("constraints", constraints::QUERY),
        h.fetch("indexes", indexes::QUERY),
        q.fetch("sequences", sequences::QUERY),
        q.fetch("enums", enums::QUERY),
        h.fetch("policies", policies::QUERY),
        h.fetch("views", views::VIEWS),
        q.fetch("materialized view indexes", views::MATVIEW_INDEXES),
        q.fetch("functions", functions::FUNCTIONS),
        h.fetch("triggers", functions::TRIGGERS),
        q.fetch("extensions", extensions::EXTENSIONS),
        q.fetch("domains", &domains::DOMAINS),
        q.fetch("dependencies", &DEPENDENCIES),
    )?;

    let mut out = Schema {
        schemas: schemas::existing_schemas(schemas, &schema_rows),
        extensions: Some(extensions::extensions(&extension_rows)),
        domains: domains::domains(&domain_rows)?,
        dependencies: depend::dependencies(&dependency_rows),
        ..Schema::default()
    };
    let by_oid = tables::read(table_rows, &mut out);
    columns::read(column_rows, &by_oid, &mut out.tables)?;
    constraints::read(constraint_rows, &by_oid, &mut out.tables)?;
    indexes::read(index_rows, &by_oid, &mut out.tables)?;
    sequences::read(sequence_rows, &mut out)?;
    enums::read(enum_rows, &mut out);
    policies::read(policy_rows, &by_oid, &mut out.tables)?;

    views::assemble(&mut out, view_rows, matview_index_rows)?;
    for row in &function_rows {
        let f = functions::function(row)?;
        out.functions.insert(f.id(), f);
    }
    for (relation, triggers) in functions::triggers(&trigger_rows)? {
        if let Some(table) = out.tables.get_mut(&relation) {
            table.triggers = triggers;
        } else if let Some(view) = out.views.get_mut(&relation) {
            view.triggers = triggers;
        }
    }

    for table in out.tables.values_mut() {
        table.columns.shrink_to_fit();
        table.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        table.checks.sort_by(|a, b| a.name.cmp(&b.name));
        table.exclusions.sort_by(|a, b| a.name.cmp(&b.name));
        table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        table.policies.sort_by(|a, b| a.name.cmp(&b.name));
    }

    let stats = Stats {
        queries: counter.load(Ordering::Relaxed),
        split: false,
    };
    Ok((out, stats))
}

/// Only the tables of `schemas` with their columns, constraints, indexes and policies (5
/// of the catalog queries): what reading back a scratch schema of declared tables needs,
/// without the database-wide dependency read.
pub(crate) async fn read_tables<C: GenericClient>(
    client: &C,
    schemas: &[String],
) -> Result<Schema, IntrospectError> {
    let counter = AtomicUsize::new(0);
    let q = Querier {
        client,
        counter: &counter,
        schemas,
    };
    let (table_rows, column_rows, constraint_rows, index_rows, policy_rows) = tokio::try_join!(
        q.fetch("tables", tables::QUERY),
        q.fetch("columns", columns::QUERY),
        q.fetch("constraints", constraints::QUERY),
        q.fetch("indexes", indexes::QUERY),
        q.fetch("policies", policies::QUERY),
    )?;
    let mut out = Schema::default();
    let by_oid = tables::read(table_rows, &mut out);
    columns::read(column_rows, &by_oid, &mut out.tables)?;
    constraints::read(constraint_rows, &by_oid, &mut out.tables)?;
    indexes::read(index_rows, &by_oid, &mut out.tables)?;
    policies::read(policy_rows, &by_oid, &mut out.tables)?;
    Ok(out)
}

/// The pg_depend query (built once: it is assembled from parts).
static DEPENDENCIES: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(depend::dependencies_query);

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

/// The schemas to read to compare the database with `desired`: those it manages and,
/// with `drop_other_schemas`, every other user schema (which push then drops).
pub async fn schemas_to_read(
    client: &impl GenericClient,
    desired: &Schema,
) -> Result<Vec<String>, IntrospectError> {
    let mut schemas = desired.schemas.clone();
    if desired.drop_other_schemas {
        for s in user_schemas(client).await? {
            if !schemas.contains(&s) {
                schemas.push(s);
            }
        }
    }
    Ok(schemas)
}

/// Objects in the given schemas that brain-db does not manage, as (kind, count) sorted by
/// kind: foreign tables, inheritance children, aggregates, range types, ...
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

pub(super) fn one_char(row: &Row, idx: usize) -> char {
    row.get::<_, Option<String>>(idx)
        .and_then(|s| s.chars().next())
        .unwrap_or('\0')
}
