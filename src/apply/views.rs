//! Declared view queries in the server's spelling (`pg_get_viewdef`).
//!
//! Push ([`canonicalize`]): each declared query that differs from its live view's text is
//! created as a view in a scratch schema of the target database, under the pinned
//! settings (`search_path = public`, as the plan runs), and read back with its columns;
//! the transaction is rolled back. It resolves against the live tables, which is what it
//! is compared with: when a change under it (a column type, a rename) matters, the diff
//! creates the view again anyway, from its own dependencies.
//!
//! Generate ([`canonicalize_all`], a scratch database of brain-db's own): the whole
//! declared schema is built as push would build it from nothing, views included, read
//! back, and rolled back.

use tokio_postgres::Client;

use crate::introspect::{self, IntrospectError, views::normalize_viewdef};
use crate::model::{QualifiedName, Schema, View};
use crate::sql::quote::ident;

const SCRATCH_SCHEMA: &str = "__brain_db_view_scratch";

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

/// Replaces each declared query that differs from its live view's text by the server's
/// spelling, and records its columns. Queries the server rejects stay as written (the
/// plan shows them, and applying it reports the server's error in context).
pub async fn canonicalize(
    client: &mut Client,
    desired: &mut Schema,
    live: &Schema,
) -> Result<(), IntrospectError> {
    let work: Vec<QualifiedName> = desired
        .views
        .values()
        .filter(|v| live_counterpart(live, v).is_some_and(|l| l.query != v.query))
        .map(|v| v.name.clone())
        .collect();
    if work.is_empty() {
        return Ok(());
    }
    let tx = client.transaction().await.map_err(scratch_err)?;
    introspect::pin_settings(&tx, "public")
        .await
        .map_err(introspect::pin_error)?;
    tx.batch_execute(&format!("CREATE SCHEMA {}", ident(SCRATCH_SCHEMA)))
        .await
        .map_err(scratch_err)?;
    let statements: Vec<String> = work
        .iter()
        .enumerate()
        .map(|(i, name)| {
            format!(
                "CREATE VIEW {}.{} AS\n{}",
                ident(SCRATCH_SCHEMA),
                ident(&format!("v{i}")),
                desired.views[name].query
            )
        })
        .collect();
    // Renames first, as the plan runs them, so that a query naming a renamed table or
    // view resolves; the live views are then read again, and a declared query printed
    // like its live view's is that view's.
    let renames = renames(desired, live);
    if !renames.is_empty() {
        run_tolerant(&tx, &renames).await?;
    }
    run_tolerant(&tx, &statements).await?;
    let live_defs: Vec<Option<String>> = if renames.is_empty() {
        Vec::new()
    } else {
        let mut defs = Vec::with_capacity(work.len());
        for name in &work {
            let row = tx
                .query_opt(
                    "SELECT pg_catalog.pg_get_viewdef(c.oid) FROM pg_catalog.pg_class c \
                     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('v', 'm')",
                    &[&name.schema, &name.name],
                )
                .await
                .map_err(scratch_err)?;
            defs.push(
                row.and_then(|r| r.get::<_, Option<String>>(0))
                    .map(|d| normalize_viewdef(&d)),
            );
        }
        defs
    };
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
            &[&SCRATCH_SCHEMA],
        )
        .await
        .map_err(scratch_err)?;
    tx.rollback().await.map_err(scratch_err)?;
    for row in rows {
        let scratch_name: String = row.get(0);
        let Some(i) = scratch_name
            .strip_prefix('v')
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let Some(view) = work.get(i).and_then(|n| desired.views.get_mut(n)) else {
            continue;
        };
        let def: Option<String> = row.get(1);
        if let Some(def) = def {
            let mut canonical = normalize_viewdef(&def);
            if live_defs.get(i).and_then(Option::as_ref) == Some(&canonical)
                && let Some(l) = live_counterpart(live, view)
            {
                canonical = l.query.clone();
            }
            if canonical != view.query {
                let written = std::mem::replace(&mut view.query, canonical);
                view.written.get_or_insert(written);
            }
        }
        let names: Vec<String> = row.get(2);
        let types: Vec<String> = row.get(3);
        view.columns = names.into_iter().zip(types).collect();
    }
    Ok(())
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
