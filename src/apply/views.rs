//! Declared view queries in the server's spelling (`pg_get_viewdef`).
//!
//! Push ([`ViewWork`]): each declared query that differs from its live view's text is
//! created as a view in a scratch schema of the target database, under the pinned
//! settings (`search_path = public`, as the plan runs), and read back with its columns;
//! the transaction is rolled back. It resolves against the live tables, which is what it
//! is compared with: when a change under it (a column type, a rename) matters, the diff
//! creates the view again anyway, from its own dependencies.
//!
//! Generate ([`canonicalize_all`], a scratch database of brain-db's own): the whole
//! declared schema is built as push would build it from nothing, views included, read
//! back, and rolled back.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio_postgres::Client;

use crate::introspect::{self, IntrospectError, views::normalize_viewdef};
use crate::model::{QualifiedName, Schema, View};
use crate::sql::quote::ident;

pub(super) const SCRATCH_SCHEMA: &str = "__brain_db_view_scratch";
pub(super) const SECOND_SCRATCH_SCHEMA: &str = "__brain_db_view_scratch_2";

fn scratch_err(e: tokio_postgres::Error) -> IntrospectError {
    IntrospectError::query("canonicalizing view queries in a scratch schema", e)
}

fn live_counterpart<'a>(live: &'a Schema, v: &View) -> Option<&'a View> {
    live.views.get(&v.name).or_else(|| {
        v.renamed_from
            .as_ref()
            .and_then(|old| live.views.get(&QualifiedName::new(&v.name.schema, old)))
    })
}

/// Runs each statement in its own savepoint after a fast all-at-once attempt; returns
/// which ones succeeded.
async fn run_tolerant(
    tx: &tokio_postgres::Transaction<'_>,
    statements: &[String],
) -> Result<Vec<bool>, IntrospectError> {
    let all: Vec<&str> = statements.iter().map(String::as_str).collect();
    tx.batch_execute("SAVEPOINT brain_db_views_all")
        .await
        .map_err(scratch_err)?;
    if crate::db::pipeline::execute_each(tx.client(), &all)
        .await
        .is_ok()
    {
        return Ok(vec![true; statements.len()]);
    }
    tx.batch_execute("ROLLBACK TO SAVEPOINT brain_db_views_all")
        .await
        .map_err(scratch_err)?;
    let mut ok = Vec::with_capacity(statements.len());
    for sql in statements {
        tx.batch_execute("SAVEPOINT brain_db_view")
            .await
            .map_err(scratch_err)?;
        if tx.query_typed(sql, &[]).await.is_ok() {
            tx.batch_execute("RELEASE SAVEPOINT brain_db_view")
                .await
                .map_err(scratch_err)?;
            ok.push(true);
        } else {
            tx.batch_execute("ROLLBACK TO SAVEPOINT brain_db_view")
                .await
                .map_err(scratch_err)?;
            ok.push(false);
        }
    }
    Ok(ok)
}

/// Below this many views, a second connection costs more than it saves.
const SPLIT_FROM: usize = 64;
/// Views created per turn when two sessions share the work.
const BATCH: usize = 50;

/// A declared query as the server printed it in a scratch schema.
pub(super) struct Printed {
    /// Index into [`ViewWork::names`].
    index: usize,
    definition: Option<String>,
    columns: Vec<(String, String)>,
}

/// The declared views whose queries differ from their live views' text, to be printed by
/// the server.
pub(super) struct ViewWork {
    names: Vec<QualifiedName>,
    queries: Vec<String>,
    /// The renames the plan runs first, so that a query naming a renamed table or view
    /// resolves.
    renames: Vec<String>,
}

impl ViewWork {
    pub(super) fn new(desired: &Schema, live: &Schema) -> ViewWork {
        let (names, queries) = desired
            .views
            .values()
            .filter(|v| live_counterpart(live, v).is_some_and(|l| l.query != v.query))
            .map(|v| (v.name.clone(), v.query.clone()))
            .unzip();
        ViewWork {
            names,
            queries,
            renames: renames(desired, live),
        }
    }

    /// Whether a second session may share the work, at the same time: enough views, and
    /// no renames (both sessions would rename the same tables, one waiting for the other's
    /// locks).
    pub(super) fn splits(&self) -> bool {
        self.renames.is_empty() && self.names.len() >= SPLIT_FROM
    }

    fn indexed(&self) -> Vec<(usize, &str)> {
        self.queries
            .iter()
            .map(String::as_str)
            .enumerate()
            .collect()
    }

    /// Prints every query on `client`.
    pub(super) async fn print_all(
        &self,
        client: &mut Client,
    ) -> Result<(Vec<Printed>, Vec<Option<String>>), IntrospectError> {
        if self.names.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let queries = self.indexed();
        print_views(client, &queries, &self.renames, &self.names, SCRATCH_SCHEMA).await
    }

    /// Prints queries on `client` in a scratch schema `scratch` of this session's own, a
    /// batch of [`BATCH`] at a time, taking the next batch from `next` until none is left:
    /// two sessions sharing `next` share the work however fast each one is.
    pub(super) async fn print_shared(
        &self,
        client: &mut Client,
        scratch: &str,
        next: &AtomicUsize,
    ) -> Result<Vec<Printed>, IntrospectError> {
        let queries = self.indexed();
        let tx = open_scratch(client, scratch).await?;
        loop {
            let start = next.fetch_add(1, Ordering::Relaxed) * BATCH;
            if start >= queries.len() {
                break;
            }
            let batch = &queries[start..(start + BATCH).min(queries.len())];
            run_tolerant(&tx, &create_statements(scratch, batch)).await?;
        }
        let printed = read_back(&tx, scratch).await?;
        tx.rollback().await.map_err(scratch_err)?;
        Ok(printed)
    }

    /// Prints on `client` the queries whose index is not in `printed` (after the other
    /// session failed).
    pub(super) async fn print_rest(
        &self,
        client: &mut Client,
        printed: &[Printed],
    ) -> Result<Vec<Printed>, IntrospectError> {
        let done: std::collections::HashSet<usize> = printed.iter().map(|p| p.index).collect();
        let rest: Vec<(usize, &str)> = (self.indexed().into_iter())
            .filter(|(i, _)| !done.contains(i))
            .collect();
        Ok(print_views(client, &rest, &[], &[], SCRATCH_SCHEMA)
            .await?
            .0)
    }

    /// Replaces each printed query in `desired` by the server's spelling (unless it prints
    /// like its live view after the renames, `live_defs`) and records its columns. Queries
    /// the server rejected stay as written (the plan shows them, and applying it reports
    /// the server's error in context).
    pub(super) fn apply(
        &self,
        desired: &mut Schema,
        live: &Schema,
        printed: Vec<Printed>,
        live_defs: &[Option<String>],
    ) {
        for p in printed {
            let Some(view) = (self.names.get(p.index)).and_then(|n| desired.views.get_mut(n))
            else {
                continue;
            };
            if let Some(def) = p.definition {
                let mut canonical = normalize_viewdef(&def);
                if live_defs.get(p.index).and_then(Option::as_ref) == Some(&canonical)
                    && let Some(l) = live_counterpart(live, view)
                {
                    canonical = l.query.clone();
                }
                if canonical != view.query {
                    let written = std::mem::replace(&mut view.query, canonical);
                    view.written.get_or_insert(written);
                }
            }
            view.columns = p.columns;
        }
    }
}

/// Creates each query as a view in scratch schema `scratch` (after running `renames`),
/// reads them back, and rolls back. With renames, also the live views' definitions of
/// `work` after them (indexed as `work`).
async fn print_views(
    client: &mut Client,
    queries: &[(usize, &str)],
    renames: &[String],
    work: &[QualifiedName],
    scratch: &str,
) -> Result<(Vec<Printed>, Vec<Option<String>>), IntrospectError> {
    let tx = open_scratch(client, scratch).await?;
    let statements = create_statements(scratch, queries);
    if !renames.is_empty() {
        run_tolerant(&tx, renames).await?;
    }
    run_tolerant(&tx, &statements).await?;
    let mut live_defs = Vec::new();
    if !renames.is_empty() {
        live_defs.reserve(work.len());
        for name in work {
            let row = tx
                .query_opt(
                    "SELECT pg_catalog.pg_get_viewdef(c.oid) FROM pg_catalog.pg_class c \
                     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('v', 'm')",
                    &[&name.schema, &name.name],
                )
                .await
                .map_err(scratch_err)?;
            live_defs.push(
                row.and_then(|r| r.get::<_, Option<String>>(0))
                    .map(|d| normalize_viewdef(&d)),
            );
        }
    }
    let printed = read_back(&tx, scratch).await?;
    tx.rollback().await.map_err(scratch_err)?;
    Ok((printed, live_defs))
}

/// A transaction under the pinned settings (`search_path = public`, as the plan runs),
/// holding the new schema `scratch`; rolled back by the caller.
async fn open_scratch<'c>(
    client: &'c mut Client,
    scratch: &str,
) -> Result<tokio_postgres::Transaction<'c>, IntrospectError> {
    let tx = client.transaction().await.map_err(scratch_err)?;
    introspect::pin_settings(&tx, "public")
        .await
        .map_err(introspect::pin_error)?;
    tx.batch_execute(&format!("CREATE SCHEMA {}", ident(scratch)))
        .await
        .map_err(scratch_err)?;
    Ok(tx)
}

/// `CREATE VIEW scratch.vI AS <query>` for each (I, query).
fn create_statements(scratch: &str, queries: &[(usize, &str)]) -> Vec<String> {
    (queries.iter())
        .map(|(i, query)| {
            format!(
                "CREATE VIEW {}.{} AS\n{query}",
                ident(scratch),
                ident(&format!("v{i}")),
            )
        })
        .collect()
}

/// The views of scratch schema `scratch` as the server prints them, with their columns.
async fn read_back(
    tx: &tokio_postgres::Transaction<'_>,
    scratch: &str,
) -> Result<Vec<Printed>, IntrospectError> {
    let rows = tx
        .query(
            "SELECT c.relname::text, pg_catalog.pg_get_viewdef(c.oid),
                    ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                          WHERE a.attrelid = c.oid AND a.attnum > 0 ORDER BY a.attnum),
                    ARRAY(SELECT pg_catalog.format_type(a.atttypid, a.atttypmod)
                          FROM pg_catalog.pg_attribute a
                          WHERE a.attrelid = c.oid AND a.attnum > 0 ORDER BY a.attnum)
             FROM pg_catalog.pg_class c
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1",
            &[&scratch],
        )
        .await
        .map_err(scratch_err)?;
    let printed = rows
        .into_iter()
        .filter_map(|row| {
            let scratch_name: String = row.get(0);
            let index = scratch_name.strip_prefix('v')?.parse::<usize>().ok()?;
            let names: Vec<String> = row.get(2);
            let types: Vec<String> = row.get(3);
            Some(Printed {
                index,
                definition: row.get(1),
                columns: names.into_iter().zip(types).collect(),
            })
        })
        .collect();
    Ok(printed)
}

/// The renames of tables, columns and views the plan will run (as `renamed_from` asks
/// and the live schema allows).
fn renames(desired: &Schema, live: &Schema) -> Vec<String> {
    use crate::sql::quote::qualified;
    let mut out = Vec::new();
    for t in desired.tables.values() {
        let old_name = t
            .renamed_from
            .as_ref()
            .map(|old| QualifiedName::new(&t.name.schema, old));
        let have = match live.tables.get(&t.name) {
            Some(have) => have,
            None => {
                let Some((from, have)) = old_name
                    .as_ref()
                    .and_then(|from| live.tables.get(from).map(|h| (from, h)))
                else {
                    continue;
                };
                out.push(format!(
                    "ALTER TABLE {} RENAME TO {}",
                    qualified(&from.schema, &from.name),
                    ident(&t.name.name)
                ));
                have
            }
        };
        for c in &t.columns {
            if let Some(old) = &c.renamed_from
                && have.column(old).is_some()
                && have.column(&c.name).is_none()
            {
                out.push(format!(
                    "ALTER TABLE {} RENAME COLUMN {} TO {}",
                    qualified(&t.name.schema, &t.name.name),
                    ident(old),
                    ident(&c.name)
                ));
            }
        }
    }
    for v in desired.views.values() {
        if let Some(old) = &v.renamed_from {
            let from = QualifiedName::new(&v.name.schema, old);
            if let Some(have) = live.views.get(&from)
                && !live.views.contains_key(&v.name)
            {
                out.push(format!(
                    "ALTER {} {} RENAME TO {}",
                    have.kind.sql(),
                    qualified(&from.schema, &from.name),
                    ident(&v.name.name)
                ));
            }
        }
    }
    out
}

/// Every declared query in the server's spelling, in a scratch database of brain-db's
/// own: the schema is built from nothing as push would build it (each statement that
/// fails is skipped, so that one bad query does not hide the others), read back, and
/// rolled back.
pub async fn canonicalize_all(
    client: &mut Client,
    schema: &mut Schema,
) -> Result<(), IntrospectError> {
    if schema.views.is_empty() {
        return Ok(());
    }
    let changes = match crate::diff::diff(schema, Schema::default()) {
        Ok(changes) => changes,
        Err(_) => return Ok(()),
    };
    let Ok(plan) = crate::plan::plan(changes) else {
        return Ok(());
    };
    let tx = client.transaction().await.map_err(scratch_err)?;
    introspect::pin_settings(&tx, "public")
        .await
        .map_err(introspect::pin_error)?;
    // Schemas may exist already (the scratch database holds the extensions' schemas).
    let statements: Vec<String> = plan
        .steps
        .iter()
        .map(|s| match s.sql.strip_prefix("CREATE SCHEMA ") {
            Some(rest) => format!("CREATE SCHEMA IF NOT EXISTS {rest}"),
            None => s.sql.clone(),
        })
        .collect();
    run_tolerant(&tx, &statements).await?;
    let (built, _) = introspect::read_catalog(&tx, &schema.schemas).await?;
    tx.rollback().await.map_err(scratch_err)?;
    for (name, view) in schema.views.iter_mut() {
        if let Some(b) = built.views.get(name) {
            if b.query != view.query {
                let written = std::mem::replace(&mut view.query, b.query.clone());
                view.written.get_or_insert(written);
            }
            view.columns = b.columns.clone();
            // A snapshot's views are compared with their dependencies, as live ones are.
            view.depends_on = b.depends_on.clone();
        }
    }
    Ok(())
}
