use std::io::Write as _;
use std::time::Duration;

use super::{Cli, Outcome, exit};
use crate::migrations::{
    self, MigrateError, MigrateOptions, MigrateRunError, MigrateSettings, Migrations, Progress, sum,
};

pub async fn run(cli: &Cli, lock_timeout: Duration, skip_if_locked: bool) -> Outcome {
    let migrations = Migrations::from_existing_dir(&cli.migrations)?;
    if sum::check(&migrations) == sum::SumCheck::Absent && !migrations.is_empty() {
        eprintln!(
            "warning: {} has no {}; hand-written migrations are accepted, \
             but edits are only caught by the history (run `brain-db hash` to write one)",
            cli.migrations.display(),
            sum::SUM_FILE
        );
    }
    let target = super::migrate_target(cli)?;
    let settings = MigrateSettings {
        lock: MigrateOptions {
            lock_timeout,
            skip_if_locked,
        },
        ddl_lock_timeout: cli.ddl_lock_timeout,
        command: "migrate",
    };
    // Each line is printed and flushed as its file is recorded: a run killed later (or a
    // pipe read as it goes) still shows what was applied.
    let mut print_progress = |step: Progress<'_>| {
        let Progress::Applied { file, ms } = step;
        println!("applied {file} ({ms} ms)");
        let _ = std::io::stdout().flush();
    };
    let canceller = std::sync::OnceLock::new();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let work = migrations::migrate_database_with_progress(
        &target,
        &migrations,
        settings,
        &canceller,
        &mut print_progress,
    );
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
        Err(MigrateRunError::Migrate(MigrateError::Refused(refusals))) => {
            eprintln!("refused: nothing was applied:");
            for r in &refusals {
                eprintln!("  - {r}");
            }
            Ok(exit::REFUSED)
        }
        Err(e) if e.is_refusal() => {
            eprintln!("refused: {e}");
            Ok(exit::REFUSED)
        }
        Err(e) => Err(e.into()),
    }
}
