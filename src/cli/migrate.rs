use std::time::Duration;

use super::{Cli, Outcome, exit};
use crate::migrations::{self, MigrateError, MigrateOptions};

pub async fn run(cli: &Cli, lock_timeout: Duration, skip_if_locked: bool) -> Outcome {
    let migrations = match super::hash::read_checked(cli)? {
        Ok(m) => m,
        Err(code) => return Ok(code),
    };
    // The advisory lock is a session lock: never through a transaction-mode pooler.
    let url = super::session_url(cli, "migrate")?;
    let mut client = crate::db::connect(&url).await?;
    crate::db::lock_timeout::set_ddl_lock_timeout(&client, cli.ddl_lock_timeout).await?;
    let options = MigrateOptions {
        lock_timeout,
        skip_if_locked,
    };
    match migrations::migrate(&mut client, &migrations, options).await {
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
