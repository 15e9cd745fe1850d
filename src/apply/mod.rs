//! The database side of push: asking the server for canonical expressions, counting rows
//! at stake, and running a plan in one transaction.

pub mod canonicalize;

use std::collections::BTreeMap;

use tokio_postgres::Client;

use crate::diff;
use crate::introspect::{self, IntrospectError};
use crate::model::{QualifiedName, Schema};
use crate::plan::{self, Plan};
use crate::sql::quote;

/// A statement of a plan failed; everything was rolled back.
#[derive(Debug, thiserror::Error)]
#[error(
    "{}\n  statement: {statement}\n  nothing was applied (the transaction was rolled back)",
    describe_db_error(error)
)]
pub struct ApplyError {
    pub statement: String,
    /// Not a `#[source]`: the message above already carries the server's text.
    pub error: tokio_postgres::Error,
}

/// Re-exported from [`crate::db::error`], the one description of a server error.
pub use crate::db::error::describe as describe_db_error;

/// Introspects the schemas `desired` manages, canonicalises the declared expressions
/// through the server, and plans the changes. Takes the model by value: on a large schema
/// a copy would be most of the memory a push needs.
pub async fn plan_against(client: &mut Client, mut desired: Schema) -> Result<Plan, PlanError> {
    let live = introspect::introspect(client, &desired.schemas).await?;
    canonicalize::canonicalize(client, &mut desired, &live).await?;
    Ok(plan::plan(diff::diff(&desired, live)?))
}

/// Why no plan could be made against a database.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Introspect(#[from] IntrospectError),
    #[error(transparent)]
    Rename(#[from] diff::RenameConflict),
}

/// Row counts of the given tables, in one query.
pub async fn row_counts(
    client: &Client,
    tables: &[&QualifiedName],
) -> Result<BTreeMap<QualifiedName, i64>, tokio_postgres::Error> {
    let mut out = BTreeMap::new();
    if tables.is_empty() {
        return Ok(out);
    }
    let unique: Vec<&QualifiedName> = {
        let mut v = tables.to_vec();
        v.sort();
        v.dedup();
        v
    };
    let sql = unique
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                "SELECT {i}::int AS i, count(*) AS n FROM {}",
                quote::qualified(&t.schema, &t.name)
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    for row in client.query(&sql, &[]).await? {
        let i: i32 = row.get(0);
        let n: i64 = row.get(1);
        out.insert(unique[i as usize].clone(), n);
    }
    Ok(out)
}

/// Runs a plan: first the statements that must be committed before use (new enum values)
/// in a transaction of their own, then everything else in one transaction. On error the
/// open transaction is rolled back and the failing statement is returned.
pub async fn apply(client: &mut Client, plan: &Plan) -> Result<(), ApplyError> {
    let (early, rest): (Vec<_>, Vec<_>) = plan.steps.iter().partition(|s| s.commit_first);
    for group in [early, rest] {
        if group.is_empty() {
            continue;
        }
        let statements: Vec<&str> = group.iter().map(|s| s.sql.as_str()).collect();
        // One round trip for the whole group; only when it fails are the statements sent
        // one by one (in a fresh transaction, rolled back) to name the one that failed.
        if let Err(source) = run_in_transaction(client, &[statements.join(";\n")]).await {
            // A lock timeout would only recur (and wait again) statement by statement.
            if source.statement == "COMMIT"
                || source.statement == "BEGIN"
                || crate::db::lock_timeout::is_lock_timeout(&source.error)
            {
                return Err(source);
            }
            return Err(match find_failing_statement(client, &statements).await {
                Some(e) => e,
                None => source,
            });
        }
    }
    Ok(())
}

async fn run_in_transaction(client: &mut Client, statements: &[String]) -> Result<(), ApplyError> {
    let tx = client.transaction().await.map_err(|source| ApplyError {
        statement: "BEGIN".to_string(),
        error: source,
    })?;
    pin_settings(&tx).await?;
    for sql in statements {
        if let Err(source) = tx.batch_execute(sql).await {
            // Dropping `tx` rolls back.
            return Err(ApplyError {
                statement: sql.clone(),
                error: source,
            });
        }
    }
    tx.commit().await.map_err(|source| ApplyError {
        statement: "COMMIT".to_string(),
        error: source,
    })
}

async fn find_failing_statement(client: &mut Client, statements: &[&str]) -> Option<ApplyError> {
    let tx = client.transaction().await.ok()?;
    pin_settings(&tx).await.ok()?;
    for sql in statements {
        if let Err(source) = tx.batch_execute(sql).await {
            return Some(ApplyError {
                statement: sql.to_string(),
                error: source,
            });
        }
    }
    let _ = tx.rollback().await;
    None
}

/// The plan's text (declared dates, times, intervals) is read under the same pinned
/// settings as it was canonicalised ([`introspect::pin_settings`]), whatever the session's.
async fn pin_settings(tx: &tokio_postgres::Transaction<'_>) -> Result<(), ApplyError> {
    introspect::pin_settings(tx, "public")
        .await
        .map_err(|source| ApplyError {
            statement: "pinning the session settings".to_string(),
            error: source,
        })
}
