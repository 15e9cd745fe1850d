//! `--ddl-lock-timeout`: PostgreSQL's `lock_timeout` for the sessions of push and
//! migrate, so a DDL statement queued behind a busy table gives up quickly instead of
//! blocking every later query on that table for minutes. (Not migrate's
//! `--lock-timeout`, the wait for the advisory lock.)

use std::fmt;
use std::time::Duration;

use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

/// The default `--ddl-lock-timeout`.
pub const DEFAULT_DDL_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest duration [`parse_duration`] accepts: PostgreSQL's `lock_timeout` is an
/// `int` of milliseconds (INT_MAX ms, about 24.8 days).
pub const MAX_DURATION: Duration = Duration::from_millis(i32::MAX as u64);

/// Why a duration does not parse. The messages say what is wrong and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("`{text}` is not a duration; {FORMS}")]
    NotADuration { text: String },
    #[error("unknown unit `{unit}` in `{text}`; use ms, s, m or h ({FORMS})")]
    UnknownUnit { unit: String, text: String },
    #[error(
        "`{text}` is too long: the most is {} ms (about 24 days; PostgreSQL keeps \
         lock_timeout as a whole number of milliseconds); 0 waits forever",
        MAX_DURATION.as_millis()
    )]
    TooLong { text: String },
}

const FORMS: &str = "write it like 500ms, 10s, 2m or 1h (a bare number is seconds)";

/// The one parser of the command line's durations (`--ddl-lock-timeout`, migrate's
/// `--lock-timeout`): `500ms`, `10s`, `1.5s`, `2m`, `1h` or a bare number of seconds,
/// from 0 (PostgreSQL's "no limit") to [`MAX_DURATION`]. The message says what is
/// wrong and what is accepted; nothing here can panic or overflow.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let well_formed = !number.is_empty()
        && number.matches('.').count() <= 1
        && number.chars().any(|c| c.is_ascii_digit());
    let value: f64 = match number.parse() {
        Ok(value) if well_formed => value,
        _ => {
            return Err(DurationError::NotADuration {
                text: text.to_string(),
            });
        }
    };
    let ms_per_unit = match unit.trim() {
        "" | "s" => 1000.0,
        "ms" => 1.0,
        "m" | "min" => 60_000.0,
        "h" => 3_600_000.0,
        other => {
            return Err(DurationError::UnknownUnit {
                unit: other.to_string(),
                text: text.to_string(),
            });
        }
    };
    let ms = value * ms_per_unit;
    if !ms.is_finite() || ms > MAX_DURATION.as_millis() as f64 {
        return Err(DurationError::TooLong {
            text: text.to_string(),
        });
    }
    // Bounded above, so the conversion is exact enough and cannot panic.
    Ok(Duration::from_micros((ms * 1000.0).round() as u64))
}

/// Sets `lock_timeout` for the rest of the session (whole milliseconds, at least 1
/// unless `timeout` is zero, which means no limit).
pub async fn set_ddl_lock_timeout(
    client: &Client,
    timeout: Duration,
) -> Result<(), tokio_postgres::Error> {
    let ms = match timeout.as_millis() {
        0 => 0,
        ms => ms.max(1),
    };
    client
        .batch_execute(&format!("SET lock_timeout = '{ms}ms'"))
        .await
}

/// Whether the server cancelled a statement because `lock_timeout` ran out.
pub fn is_lock_timeout(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE)
}

/// A session holding a lock on a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// `schema.table`.
    pub table: String,
    pub pid: i32,
    pub mode: String,
    pub state: String,
    pub application_name: String,
}

/// The other sessions holding locks on user tables, keeping those whose table the
/// statement names when any does. Best effort: empty on error (the holder may be gone).
pub async fn lock_holders(client: &Client, statement: &str) -> Vec<LockHolder> {
    let sql = "SELECT n.nspname || '.' || c.relname, l.pid, l.mode, \
                      coalesce(a.state, ''), coalesce(a.application_name, '') \
               FROM pg_locks l \
               JOIN pg_class c ON c.oid = l.relation \
               JOIN pg_namespace n ON n.oid = c.relnamespace \
               LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
               WHERE l.granted AND l.pid <> pg_backend_pid() \
                 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                 AND c.relkind IN ('r', 'p', 'm', 'f') \
                 AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
               ORDER BY 1, 2";
    let Ok(rows) = client.query(sql, &[]).await else {
        return Vec::new();
    };
    let all: Vec<LockHolder> = rows
        .iter()
        .map(|r| LockHolder {
            table: r.get(0),
            pid: r.get(1),
            mode: r.get(2),
            state: r.get(3),
            application_name: r.get(4),
        })
        .collect();
    let lower = statement.to_lowercase();
    let named: Vec<LockHolder> = all
        .iter()
        .filter(|h| {
            let bare = h.table.rsplit('.').next().unwrap_or(&h.table);
            lower.contains(&h.table.to_lowercase()) || lower.contains(&bare.to_lowercase())
        })
        .cloned()
        .collect();
    if named.is_empty() { all } else { named }
}

/// The message when `command` gave up waiting for a lock: which table, who holds it,
/// that nothing was applied, and how to retry.
pub fn lock_timeout_message(command: &str, timeout: Duration, holders: &[LockHolder]) -> String {
    let waited = Shown(timeout);
    let mut tables: Vec<&str> = holders.iter().map(|h| h.table.as_str()).collect();
    tables.dedup();
    let what = match tables.as_slice() {
        [] => "a table it changes".to_string(),
        [one] => format!("table {one}"),
        many => format!("tables {}", many.join(", ")),
    };
    let who: Vec<String> = holders
        .iter()
        .map(|h| {
            let mut s = format!("pid {} ({}", h.pid, h.mode);
            if !h.application_name.is_empty() {
                s.push_str(&format!(", application `{}`", h.application_name));
            }
            if !h.state.is_empty() {
                s.push_str(&format!(", {}", h.state));
            }
            s.push(')');
            s
        })
        .collect();
    let held = if who.is_empty() {
        String::new()
    } else {
        format!(", held by {}", who.join(", "))
    };
    format!(
        "{command} gave up after waiting {waited} for a lock on {what}{held}; nothing was \
         applied (the transaction was rolled back). Retry when that work has finished, \
         or wait longer with --ddl-lock-timeout 60s (0 waits forever)"
    )
}

/// A duration as written on the command line: `10 s`, `500 ms`.
struct Shown(Duration);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms.is_multiple_of(1000) {
            write!(f, "{} s", ms / 1000)
        } else {
            write!(f, "{ms} ms")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (text, ms) in [
            ("10s", 10_000),
            ("10", 10_000),
            ("500ms", 500),
            ("1.5s", 1500),
            ("2m", 120_000),
            ("1h", 3_600_000),
            ("0", 0),
        ] {
            assert_eq!(parse_duration(text).unwrap().as_millis(), ms, "{text}");
        }
        assert!(
            parse_duration("ten")
                .unwrap_err()
                .to_string()
                .contains("not a duration")
        );
        assert_eq!(
            parse_duration("10d").unwrap_err(),
            DurationError::UnknownUnit {
                unit: "d".into(),
                text: "10d".into()
            }
        );
        assert!(
            parse_duration("10d")
                .unwrap_err()
                .to_string()
                .contains("unknown unit `d`")
        );
        assert_eq!(parse_duration("2147483647ms").unwrap(), MAX_DURATION);
        for huge in [
            "2147483648ms",
            "99999999999h",
            "99999999999999999999999s",
            "1e30",
            "inf",
            "NaN",
        ] {
            let err = parse_duration(huge).unwrap_err().to_string();
            assert!(
                err.contains("too long") || err.contains("not a duration") || err.contains("unit"),
                "{huge}: {err}"
            );
        }
        for bad in ["", "-1s", ".", "1.2.3s", "s", "１s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn message_names_table_holder_and_retry() {
        let holder = LockHolder {
            table: "public.tasks".into(),
            pid: 42,
            mode: "AccessShareLock".into(),
            state: "idle in transaction".into(),
            application_name: "psql".into(),
        };
        let text = lock_timeout_message("push", Duration::from_secs(10), &[holder]);
        assert!(text.starts_with("push gave up after waiting 10 s for a lock on table public.tasks, held by pid 42 (AccessShareLock, application `psql`, idle in transaction)"), "{text}");
        assert!(text.contains("--ddl-lock-timeout 60s"), "{text}");
        let text = lock_timeout_message("migrate", Duration::from_millis(500), &[]);
        assert!(
            text.contains("500 ms for a lock on a table it changes;"),
            "{text}"
        );
    }
}
