use std::time::Duration;

use super::{Cli, Outcome, exit};
use crate::migrations::{self, MigrateError, MigrateOptions};

pub async fn run(cli: &Cli, lock_timeout: f64, skip_if_locked: bool) -> Outcome {
    let migrations = match super::hash::read_checked(cli)? {
        Ok(m) => m,
        Err(code) => return Ok(code),
    };
    if !(lock_timeout.is_finite() && lock_timeout >= 0.0) {
        anyhow::bail!("--lock-timeout must be a number of seconds, 0 or more");
    }
    // The advisory lock is a session lock: never through a transaction-mode pooler.
    let url = super::session_url(cli, "migrate")?;
    let (mut client, canceller) = super::ddl_session(cli, &url).await?;
    let options = MigrateOptions {
        lock_timeout: Duration::from_secs_f64(lock_timeout),
        skip_if_locked,
    };
    let stop = std::sync::atomic::AtomicBool::new(false);
    let work = migrations::migrate(&mut client, &migrations, options);
    let result = match super::interrupt::cancel_on_signal(&canceller, &stop, work).await {
        super::interrupt::Finished::Done(result)
        | super::interrupt::Finished::Interrupted(_, Some(result)) => result,
        super::interrupt::Finished::Interrupted(signal, None) => anyhow::bail!(
            "interrupted by {signal}: exiting; the server rolls back the migration it was \
             applying (migrations reported as applied stay)"
        ),
    };
    match result {
        Ok(report) if report.skipped_locked => {
            println!("another instance holds the migration lock; skipped (--skip-if-locked)");
            Ok(exit::OK)
        }
        Ok(report) => {
            for (name, ms) in &report.applied {
                println!("applied {name} ({ms} ms)");
            }
            if report.applied.is_empty() {
                println!(
                    "nothing to do: {} migration(s) already applied",
                    report.already_applied
                );
            } else {
                println!(
                    "{} migration(s) applied, {} already applied",
                    report.applied.len(),
                    report.already_applied
                );
            }
            Ok(exit::OK)
        }
        Err(MigrateError::Refused(refusals)) => {
            eprintln!("refused: nothing was applied:");
            for r in &refusals {
                eprintln!("  - {r}");
            }
            Ok(exit::REFUSED)
        }
        Err(e) => {
            if let MigrateError::Failed { applied, failure } = &e {
                for (name, ms) in applied {
                    println!("applied {name} ({ms} ms)");
                }
                // A busy table: say which one and who holds it, as push does.
                if failure.message.contains("lock timeout") {
                    let holders =
                        crate::db::lock_timeout::lock_holders(&client, &failure.statement).await;
                    anyhow::bail!(
                        "migration {} stopped at line {}: {}",
                        failure.file,
                        failure.line,
                        crate::db::lock_timeout::lock_timeout_message(
                            "migrate",
                            cli.ddl_lock_timeout,
                            &holders
                        )
                    );
                }
            }
            Err(e.into())
        }
    }
}
