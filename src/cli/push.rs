use anyhow::Context;

use std::sync::atomic::AtomicBool;

use tokio_postgres::Client;

use super::interrupt::{self, Finished};
use super::{Cli, Outcome, exit};
use crate::apply;
use crate::db::lock_timeout;
use crate::plan::{Hazard, Plan};
use crate::schema_file;

pub async fn run(cli: &Cli, force: bool, dry_run: bool) -> Outcome {
    // The file is checked before any database is touched.
    let desired = schema_file::load(&cli.schema)?;
    let (mut client, session_canceller, url) = super::connect_for_changes(cli).await?;
    let mut helper = super::introspection_helper(&url).await;
    let canceller = std::sync::OnceLock::from(session_canceller);
    let stop = AtomicBool::new(false);
    let work = run_connected(
        cli,
        &mut client,
        helper.as_mut(),
        desired,
        force,
        dry_run,
        &stop,
    );
    match interrupt::cancel_on_signal(&canceller, &stop, work).await {
        Finished::Done(outcome) => outcome,
        // How the plan stopped (rolled back, what stays committed) is in its error.
        Finished::Interrupted(_, Some(outcome)) => outcome,
        Finished::Interrupted(signal, None) => anyhow::bail!(
            "interrupted by {signal}: exiting without committing; the server rolls back the \
             open transaction (statements committed before it stay)"
        ),
    }
}

async fn run_connected(
    cli: &Cli,
    client: &mut Client,
    helper: Option<&mut Client>,
    desired: crate::model::Schema,
    force: bool,
    dry_run: bool,
    stop: &AtomicBool,
) -> Outcome {
    let plan = apply::plan_against_split(client, helper, desired).await?;
    if plan.is_empty() {
        println!("no changes");
        return Ok(exit::OK);
    }
    // Notes (views dropped or created again) show the rows a materialized view recomputes.
    let note_tables: Vec<_> = (plan.hazards().into_iter())
        .filter(|h| !h.refuses())
        .flat_map(|h| h.tables())
        .map(|t| plan.live_name(t))
        .collect();
    let note_counts = apply::row_counts(client, &note_tables)
        .await
        .context("counting rows")?;
    print_plan(&plan, &note_counts);
    let hazards: Vec<_> = (plan.hazards().into_iter())
        .filter(|h| h.refuses())
        .collect();
    if dry_run {
        println!(
            "-- dry run: nothing applied ({} statement(s) planned)",
            plan.steps.len()
        );
        return Ok(exit::OK);
    }
    if !hazards.is_empty() && !force {
        // Counted before the plan runs: under the names the tables have now.
        let tables: Vec<_> = hazards
            .iter()
            .flat_map(|h| h.tables())
            .map(|t| plan.live_name(t))
            .collect();
        let counts = apply::row_counts(client, &tables)
            .await
            .context("counting rows")?;
        let widening = hazards
            .iter()
            .filter(|h| matches!(h, Hazard::WidensAccess { .. }))
            .count();
        let destructive = hazards.len() - widening;
        let what = match (destructive, widening) {
            (d, 0) => format!("{d} destructive step(s)"),
            (0, w) => format!("{w} step(s) that widen access"),
            (d, w) => format!("{d} destructive step(s) and {w} step(s) that widen access"),
        };
        eprintln!("refused: the plan has {what}:");
        for h in &hazards {
            let rows: Vec<String> = h
                .tables()
                .iter()
                .filter_map(|t| {
                    counts
                        .get(plan.live_name(t))
                        .map(|n| format!("{t} has {n} row(s)"))
                })
                .collect();
            if rows.is_empty() {
                eprintln!("  - {h}");
            } else {
                eprintln!("  - {h} ({})", rows.join(", "));
            }
        }
        eprintln!("nothing was applied; run `brain-db push --force` to apply them anyway");
        return Ok(exit::REFUSED);
    }
    if let Err(e) = apply::apply_until(client, &plan, stop).await {
        if e.error.as_ref().is_some_and(lock_timeout::is_lock_timeout) {
            let holders = lock_timeout::lock_holders(client, &e.statement).await;
            anyhow::bail!(lock_timeout::lock_timeout_message(
                "push",
                cli.ddl_lock_timeout,
                &holders
            ));
        }
        return Err(e.into());
    }
    println!("applied {} statement(s)", plan.steps.len());
    Ok(exit::OK)
}

fn print_plan(plan: &Plan, counts: &std::collections::BTreeMap<crate::model::QualifiedName, i64>) {
    for step in &plan.steps {
        if let Some(h) = &step.hazard {
            let rows: Vec<String> = (h.tables().iter())
                .filter_map(|t| counts.get(plan.live_name(t)).map(|n| format!("{n} row(s)")))
                .collect();
            if h.refuses() || rows.is_empty() {
                println!("-- {}: {h}", h.label());
            } else {
                println!("-- {}: {h} ({})", h.label(), rows.join(", "));
            }
        }
        println!("{};", step.sql);
    }
}
