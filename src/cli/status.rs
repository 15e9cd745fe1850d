use super::{Cli, Outcome, drift, exit};
use crate::migrations::report::format_timestamp;
use crate::migrations::{MigrationStatus, Migrations, State, sum};
use crate::schema_file;

#[derive(serde::Serialize)]
struct Report {
    up_to_date: bool,
    /// `migrations` (name, state, applied_at), the counts and `problems`.
    #[serde(flatten)]
    status: MigrationStatus,
    /// "ok", "absent" or "mismatch".
    sum: &'static str,
    /// Whether schema.toml was found and compared with the live schema.
    drift_checked: bool,
    /// Statements that would make the live schema match schema.toml (empty: no drift).
    drift: Vec<String>,
    /// A unified diff of schema.toml against the live schema, both rendered as schema.toml
    /// (empty: no drift).
    diff: String,
}

pub async fn run(cli: &Cli, json: bool) -> Outcome {
    let migrations = Migrations::from_existing_dir(&cli.migrations)?;
    // Without a schema file, status still reports the migrations (drift is not checked).
    let desired = if cli.schema.exists() {
        Some(schema_file::load(&cli.schema)?)
    } else {
        None
    };
    let mut problems = Vec::new();
    let sum_state = match sum::check_dir(&cli.migrations, &migrations)? {
        sum::SumCheck::Matches => "ok",
        sum::SumCheck::Absent => "absent",
        sum::SumCheck::Mismatch(m) => {
            problems.push(m.to_string());
            "mismatch"
        }
    };
    let mut client = super::connect(cli).await?;
    // Read-only: the history table is never created here.
    let mut status = MigrationStatus::read(&client, &migrations).await?;
    problems.append(&mut status.problems);
    status.problems = problems;
    let drift_checked = desired.is_some();
    let (drift, diff): (Vec<String>, String) = match desired {
        Some(desired) => {
            let found = drift::against(&mut client, desired, "live database").await?;
            let statements = found.plan.steps.iter().map(|s| format!("{};", s.sql));
            (statements.collect(), found.diff)
        }
        None => (Vec::new(), String::new()),
    };
    let up_to_date = status.is_up_to_date() && drift.is_empty();
    let report = Report {
        up_to_date,
        status,
        sum: sum_state,
        drift_checked,
        drift,
        diff,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report);
    }
    Ok(if up_to_date { exit::OK } else { exit::REFUSED })
}

fn print_text(r: &Report) {
    let width = r
        .status
        .migrations
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0)
        + 6;
    for e in &r.status.migrations {
        let state = match e.state {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Modified => "MODIFIED",
            State::Missing => "MISSING",
        };
        let file = format!("{}.sql", e.name);
        match &e.applied_at {
            Some(at) => println!("{file:width$} {state:8} {}", format_timestamp(at)),
            None => println!("{file:width$} {state}"),
        }
    }
    if r.status.migrations.is_empty() {
        println!("no migrations");
    }
    if r.sum == "absent" && !r.status.migrations.is_empty() {
        println!("warning: no brain-db.sum (run `brain-db hash` to write one)");
    }
    for p in &r.status.problems {
        println!("problem: {p}");
    }
    let pending = r.status.counts.pending;
    if pending > 0 {
        println!("{pending} pending migration(s): run `brain-db migrate`");
    }
    if !r.drift_checked {
        println!("drift not checked: no schema file");
    } else if r.drift.is_empty() {
        println!("live schema matches schema.toml");
    } else {
        println!("live schema differs from schema.toml:");
        print!("{}", r.diff);
        println!("these statements would reconcile it:");
        for s in &r.drift {
            println!("  {}", s.replace('\n', "\n  "));
        }
    }
    println!(
        "{}",
        if r.up_to_date {
            "up to date"
        } else {
            "needs attention"
        }
    );
}
