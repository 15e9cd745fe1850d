use anyhow::Context;

use super::{Cli, Outcome, exit};
use crate::apply;
use crate::plan::Plan;
use crate::schema_file;

pub async fn run(cli: &Cli, force: bool, dry_run: bool) -> Outcome {
    // The file is checked before any database is touched.
    let desired = schema_file::load(&cli.schema)?;
    let mut client = super::connect(cli).await?;
    let (_live, plan) = apply::plan_against(&mut client, &desired).await?;
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
        let tables: Vec<_> = hazards.iter().flat_map(|h| h.tables()).collect();
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
                .filter_map(|t| counts.get(*t).map(|n| format!("{t} has {n} row(s)")))
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
    apply::apply(&mut client, &plan).await?;
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
