//! SIGINT / SIGTERM during a schema change: cancel the running statement first, so that
//! the server stops and rolls back at once instead of finishing the statement, then
//! exit without committing.

use std::future::Future;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::db::session::Canceller;

/// How long the work may take to wind down after the cancel (it normally returns the
/// server's "canceling statement" error at once).
const GRACE: Duration = Duration::from_secs(5);

/// How long the cancel request itself may take.
const CANCEL_TIMEOUT: Duration = Duration::from_secs(3);

/// How a command ended when a signal may have come.
pub enum Finished<T> {
    Done(T),
    /// The signal's name, and the work's result if it ended within the grace time.
    Interrupted(&'static str, Option<T>),
}

/// Runs `work`. On SIGINT or SIGTERM: sets `stop` (no new transaction, no COMMIT),
/// sends the server a cancel request over the same TLS setup (once `work` has put the
/// session's canceller in `canceller`), and waits a short grace time for `work` to
/// report how it stopped.
pub async fn cancel_on_signal<T>(
    canceller: &OnceLock<Canceller>,
    stop: &AtomicBool,
    work: impl Future<Output = T>,
) -> Finished<T> {
    let mut work = std::pin::pin!(work);
    let signal = tokio::select! {
        out = &mut work => return Finished::Done(out),
        signal = next_signal() => signal,
    };
    stop.store(true, Ordering::SeqCst);
    if let Some(canceller) = canceller.get() {
        eprintln!("{signal}: asking the server to cancel the running statement");
        match tokio::time::timeout(CANCEL_TIMEOUT, canceller.cancel()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not send the cancel request: {e}"),
            Err(_) => eprintln!("the cancel request timed out"),
        }
    }
    Finished::Interrupted(signal, tokio::time::timeout(GRACE, work).await.ok())
}

#[cfg(unix)]
async fn next_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(mut int), Ok(mut term)) => tokio::select! {
            _ = int.recv() => "SIGINT",
            _ = term.recv() => "SIGTERM",
        },
        // Without handlers the default applies: the process dies, the server rolls back.
        _ => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn next_signal() -> &'static str {
    match tokio::signal::ctrl_c().await {
        Ok(()) => "Ctrl-C",
        Err(_) => std::future::pending().await,
    }
}
