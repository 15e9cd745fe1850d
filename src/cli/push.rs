use anyhow::Context;

use super::{Cli, Outcome, exit};
use crate::apply;
use crate::db::lock_timeout;
use crate::plan::Plan;
use crate::schema_file;

pub async fn run(cli: &Cli, force: bool, dry_run: bool) -> Outcome {
    // The file is checked before any database is touched.
    let desired = schema_file::load(&cli.schema)?;
    let mut client = super::connect_for_changes(cli).await?;
    lock_timeout::set_ddl_lock_timeout(&client, cli.ddl_lock_timeout)
        .await
        .context("setting lock_timeout")?;
    let plan = apply::plan_against(&mut client, desired).await?;
    if plan.is_empty() {
        println!("no changes");
        return Ok(exit::OK);
    }
    print_plan(&plan);
    let hazards = plan.hazards();
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
        let counts = apply::row_counts(&client, &tables)
            .await
            .context("counting rows")?;
        eprintln!(
            "refused: the plan has {} destructive step(s):",
            hazards.len()
        );
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
    if let Err(e) = apply::apply(&mut client, &plan).await {
        if lock_timeout::is_lock_timeout(&e.error) {
            let holders = lock_timeout::lock_holders(&client, &e.statement).await;
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

fn print_plan(plan: &Plan) {
    for step in &plan.steps {
        if let Some(h) = &step.hazard {
            println!("-- destructive: {h}");
        }
        println!("{};", step.sql);
    }
}
