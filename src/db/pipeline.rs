//! Running many statements quickly without ever sending a multi-statement string.
//!
//! The simple query protocol (`batch_execute`) runs `a; b` as two statements, so a value
//! pasted into a statement could smuggle in a second one. The extended protocol parses
//! exactly one statement per Parse message and refuses more ("cannot insert multiple
//! commands into a prepared statement"). Sending every statement's messages before the
//! first answer arrives (pipelining) keeps N statements at about one round trip.

use futures_util::future::join_all;
use tokio_postgres::Client;

/// Runs `statements` in order, each as its own extended-protocol message sequence
/// (Parse, Bind, Describe, Execute, Sync), all sent at once. The server runs them one
/// after another, so a statement may use what an earlier one created. Run inside a
/// transaction: once one fails, the ones after it fail too ("current transaction is
/// aborted"). Returns the first failure and its index.
pub async fn execute_each(
    client: &Client,
    statements: &[&str],
) -> Result<(), (usize, tokio_postgres::Error)> {
    // join_all polls every future once in order before awaiting any answer, and each
    // query_typed queues its messages on that first poll: one pipelined batch, in order.
    let runs = statements.iter().map(|sql| client.query_typed(sql, &[]));
    match join_all(runs)
        .await
        .into_iter()
        .enumerate()
        .find_map(|(i, r)| r.err().map(|e| (i, e)))
    {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}
