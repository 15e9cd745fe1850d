//! The database side of push: asking the server for canonical expressions, counting rows
//! at stake, and running a plan in one transaction.

pub mod canonicalize;
mod canonicalize_domains;
pub mod requires;
pub mod routines;
pub mod views;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio_postgres::Client;

use crate::diff;
use crate::introspect::{self, IntrospectError};
use crate::model::{QualifiedName, Schema};
use crate::plan::{self, Plan};
use crate::sql::quote;

/// A plan stopped before its end: which statement, why, and what it left.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe())]
pub struct ApplyError {
    /// The statement that failed (or did not start), `BEGIN` or `COMMIT`.
    pub statement: String,
    /// Its 1-based position in the plan as printed, and the plan's length.
    pub position: Option<usize>,
    pub total: usize,
    /// The server's or the driver's error; `None` when stopped on request.
    /// Not a `#[source]`: the message already carries the server's text.
    pub error: Option<tokio_postgres::Error>,
    /// Statements committed before the failure (new enum values go first, in a
    /// transaction of their own); they stay.
    pub committed: Vec<String>,
    /// Whether the failing transaction is known to be rolled back.
    pub outcome: Outcome,
}

/// What a stopped plan left of its open transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Rolled back (by us, or by the server when the session ended).
    RolledBack,
    /// The connection was lost during COMMIT: committed or not, only the server knows.
    Unknown,
}

impl ApplyError {
    /// Whether the session was lost (rather than a statement rejected).
    pub fn connection_lost(&self) -> bool {
        self.error
            .as_ref()
            .is_some_and(crate::db::error::is_connection_lost)
    }

    fn describe(&self) -> String {
        let mut out = match &self.error {
            Some(e) if self.connection_lost() => format!(
                "the connection to the server was lost ({})",
                describe_db_error(e)
            ),
            Some(e) => describe_db_error(e),
            None => "stopped on request (interrupted)".to_string(),
        };
        match self.position {
            Some(n) => out.push_str(&format!(
                "\n  statement {n} of {}: {}",
                self.total, self.statement
            )),
            None => out.push_str(&format!("\n  statement: {}", self.statement)),
        }
        let rest = match self.outcome {
            Outcome::Unknown => {
                "it is unknown whether the last transaction was committed; run `brain-db push \
                 --dry-run` to see what is left"
            }
            Outcome::RolledBack if self.connection_lost() => {
                "the open transaction is rolled back by the server (a transaction whose \
                 connection ends is never committed)"
            }
            Outcome::RolledBack => "the transaction was rolled back",
        };
        if self.committed.is_empty() {
            let nothing = match self.outcome {
                Outcome::RolledBack => "nothing was applied",
                Outcome::Unknown => "nothing else was applied",
            };
            out.push_str(&format!("\n  {nothing}: {rest}"));
        } else {
            out.push_str(&format!(
                "\n  already committed before it ({} statement(s) that must be committed before use; they stay):",
                self.committed.len()
            ));
            for sql in &self.committed {
                out.push_str(&format!("\n    {sql};"));
            }
            out.push_str(&format!("\n  everything else: {rest}"));
        }
        out
    }
}

/// Re-exported from [`crate::db::error`], the one description of a server error.
pub use crate::db::error::describe as describe_db_error;

/// Introspects the schemas `desired` manages, canonicalises the declared expressions
/// through the server, and plans the changes. Takes the model by value: on a large schema
/// a copy would be most of the memory a push needs.
pub async fn plan_against(client: &mut Client, desired: Schema) -> Result<Plan, PlanError> {
    plan_against_split(client, None, desired).await
}

/// [`plan_against`] that introspects on two connections at once
/// ([`introspect::introspect_split`]): `helper` is a second session on the same database,
/// used for the read only; without it, or when it cannot share the snapshot, it is
/// [`plan_against`].
pub async fn plan_against_split(
    client: &mut Client,
    helper: Option<&mut Client>,
    mut desired: Schema,
) -> Result<Plan, PlanError> {
    match requires::check(client, &desired).await {
        Ok(()) => {}
        Err(requires::RequiresError::Introspect(e)) => return Err(e.into()),
        Err(requires::RequiresError::NeedsNewerServer(e)) => return Err(e.into()),
    }
    let schemas = introspect::schemas_to_read(&*client, &desired).await?;
    let mut helper = helper;
    let (live, stats) =
        introspect::introspect_split(client, helper.as_deref_mut(), &schemas).await?;
    // Only a helper that joined the snapshot is known to be on the same database.
    let helper = helper.filter(|_| stats.split);
    canonicalize::canonicalize_split(client, helper, &mut desired, &live).await?;
    Ok(plan::plan(diff::diff(&desired, live)?)?)
}

/// Why no plan could be made against a database.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Introspect(#[from] IntrospectError),
    #[error(transparent)]
    Rename(#[from] diff::RenameConflict),
    #[error(transparent)]
    Cycle(#[from] plan::order::CycleError),
    #[error(transparent)]
    NeedsNewerServer(#[from] requires::NeedsNewerServer),
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
/// in a transaction of their own, then everything else in one transaction. Each
/// statement goes as its own protocol message (never a multi-statement string), all of a
/// transaction's pipelined ([`crate::db::pipeline`]). On error the open transaction is
/// rolled back and the failing statement is named.
pub async fn apply(client: &mut Client, plan: &Plan) -> Result<(), ApplyError> {
    apply_until(client, plan, &AtomicBool::new(false)).await
}

/// [`apply`] that starts no transaction and commits none once `stop` is set (SIGINT /
/// SIGTERM; the caller also cancels the running statement).
pub async fn apply_until(
    client: &mut Client,
    plan: &Plan,
    stop: &AtomicBool,
) -> Result<(), ApplyError> {
    let total = plan.steps.len();
    let (early, rest): (Vec<_>, Vec<_>) = plan
        .steps
        .iter()
        .enumerate()
        .partition(|(_, s)| s.commit_first);
    let mut committed: Vec<String> = Vec::new();
    for group in [early, rest] {
        let Some(&(first, _)) = group.first() else {
            continue;
        };
        let stopped = |statement: &str, position: Option<usize>, committed: &[String]| ApplyError {
            statement: statement.to_string(),
            position,
            total,
            error: None,
            committed: committed.to_vec(),
            outcome: Outcome::RolledBack,
        };
        if stop.load(Ordering::SeqCst) {
            return Err(stopped(&plan.steps[first].sql, Some(first + 1), &committed));
        }
        let tx = client.transaction().await.map_err(|e| ApplyError {
            statement: "BEGIN".to_string(),
            position: None,
            total,
            error: Some(e),
            committed: committed.clone(),
            outcome: Outcome::RolledBack,
        })?;
        // The plan's text (declared dates, times, intervals) is read under the same pinned
        // settings as it was canonicalised ([`introspect::pin_settings`]).
        if let Err(e) = introspect::pin_settings(&tx, "public").await {
            return Err(ApplyError {
                statement: "pinning the session settings".to_string(),
                position: None,
                total,
                error: Some(e),
                committed,
                outcome: Outcome::RolledBack,
            });
        }
        let statements: Vec<&str> = group.iter().map(|(_, s)| s.sql.as_str()).collect();
        if let Err((i, e)) = crate::db::pipeline::execute_each(tx.client(), &statements).await {
            // Dropping `tx` rolls back (the server does, if the session is gone).
            return Err(ApplyError {
                statement: statements[i].to_string(),
                position: Some(group[i].0 + 1),
                total,
                error: Some(e),
                committed,
                outcome: Outcome::RolledBack,
            });
        }
        if stop.load(Ordering::SeqCst) {
            return Err(stopped("COMMIT", None, &committed));
        }
        if let Err(e) = tx.commit().await {
            let outcome = if crate::db::error::is_connection_lost(&e) {
                Outcome::Unknown
            } else {
                Outcome::RolledBack
            };
            return Err(ApplyError {
                statement: "COMMIT".to_string(),
                position: None,
                total,
                error: Some(e),
                committed,
                outcome,
            });
        }
        committed.extend(statements.iter().map(|s| s.to_string()));
    }
    Ok(())
}
