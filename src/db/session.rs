//! The session of a schema change (push, migrate), set up in one place, and the way to
//! cancel what it runs.

use std::time::Duration;

use tokio_postgres::{CancelToken, Client};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::lock_timeout;

/// How often a backend running a statement of ours checks that we are still there
/// (PostgreSQL 14+): a killed brain-db's transaction is rolled back and its locks go
/// within about this long, instead of at the end of the statement.
pub const CLIENT_CHECK_INTERVAL: &str = "500ms";

/// Prepares a session that runs DDL: `lock_timeout` (`--ddl-lock-timeout`),
/// `standard_conforming_strings = on` (raw-SQL values are checked under that rule, see
/// [`crate::sql::fragment`]), and `client_connection_check_interval` where the server
/// has it (older servers, and platforms without the kernel support, go without).
pub async fn prepare_ddl_session(
    client: &Client,
    ddl_lock_timeout: Duration,
) -> Result<(), tokio_postgres::Error> {
    lock_timeout::set_ddl_lock_timeout(client, ddl_lock_timeout).await?;
    client
        .batch_execute("SET standard_conforming_strings = on")
        .await?;
    let interval = client
        .query(
            "SELECT set_config(name, $1, false) FROM pg_settings \
             WHERE name = 'client_connection_check_interval'",
            &[&CLIENT_CHECK_INTERVAL],
        )
        .await;
    match interval {
        // Refused where the platform cannot watch the socket: the check is a bonus.
        Err(e) if e.code().is_some() => Ok(()),
        other => other.map(drop),
    }
}

/// Cancels the statement a session is running: its cancel key and the TLS connector
/// [`super::connect`] chose for its URL (a cancel request opens a connection of its own).
#[derive(Clone)]
pub struct Canceller {
    token: CancelToken,
    tls: MakeRustlsConnect,
}

impl Canceller {
    /// The canceller of `client`, opened on `url` by [`super::connect`].
    pub fn new(url: &str, client: &Client) -> Result<Canceller, super::DbError> {
        Ok(Canceller {
            token: client.cancel_token(),
            tls: super::ConnectPlan::new(url, super::DEFAULT_CONNECT_TIMEOUT)?.tls,
        })
    }

    /// Asks the server to cancel the running statement (a no-op when none runs).
    pub async fn cancel(&self) -> Result<(), tokio_postgres::Error> {
        self.token.cancel_query(self.tls.clone()).await
    }
}
