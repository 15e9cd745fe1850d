//! The advisory lock that serialises migrators: a session-level `pg_try_advisory_lock`
//! on a dedicated connection, polled with backoff (never a blocking `pg_advisory_lock`,
//! never inside an open transaction), released on every path with the result checked.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio_postgres::Client;

/// The lock key for a history table: the first 8 bytes of sha256("brain-db:" + table).
pub fn lock_key(table: &str) -> i64 {
    let digest = Sha256::digest(format!("brain-db:{table}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another brain-db migrate has held the migration lock for more than {} s; \
         wait for it to finish, raise --lock-timeout, or find the session in pg_locks \
         (locktype = 'advisory', objid = {})",
        timeout.as_secs_f64(), (*key as u64) & 0xffff_ffff
    )]
    Timeout { timeout: Duration, key: i64 },
    #[error("cannot take the migration lock: {0}")]
    Query(#[source] tokio_postgres::Error),
    #[error(
        "the migration lock was not held when releasing it (pg_advisory_unlock returned false); \
         another session may have interfered"
    )]
    NotHeld,
    #[error("cannot release the migration lock: {0}")]
    Release(#[source] tokio_postgres::Error),
}

/// Tries once to take the lock; `true` when taken.
pub async fn try_lock(client: &Client, key: i64) -> Result<bool, LockError> {
    let row = client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
        .await
        .map_err(LockError::Query)?;
    Ok(row.get(0))
}

/// Takes the lock, polling with backoff (50 ms doubling to 1 s) until `timeout`.
pub async fn lock(client: &Client, key: i64, timeout: Duration) -> Result<(), LockError> {
    let started = Instant::now();
    let mut wait = Duration::from_millis(50);
    loop {
        if try_lock(client, key).await? {
            return Ok(());
        }
        let elapsed = started.elapsed();
        if elapsed >= timeout {
            return Err(LockError::Timeout { timeout, key });
        }
        tokio::time::sleep(wait.min(timeout - elapsed)).await;
        wait = (wait * 2).min(Duration::from_secs(1));
    }
}

/// Releases the lock; an error when it was not held.
pub async fn unlock(client: &Client, key: i64) -> Result<(), LockError> {
    let row = client
        .query_one("SELECT pg_advisory_unlock($1)", &[&key])
        .await
        .map_err(LockError::Release)?;
    if row.get::<_, bool>(0) {
        Ok(())
    } else {
        Err(LockError::NotHeld)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn key_is_fixed_per_table() {
        assert_eq!(
            super::lock_key("__migrations"),
            super::lock_key("__migrations")
        );
        assert_ne!(super::lock_key("__migrations"), super::lock_key("other"));
    }
}
