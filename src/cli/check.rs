use super::drift;
use super::{Cli, Outcome, exit};
use crate::db::scratch::ScratchDatabase;
use crate::migrations::{self, MigrateError, MigrateOptions, Migrations};
use crate::schema_file;

pub async fn run(cli: &Cli) -> Outcome {
    let desired = schema_file::load(&cli.schema)?;
    let migrations = match super::hash::read_checked(cli)? {
        Ok(m) => m,
        Err(code) => return Ok(code),
    };
    let cwd = std::env::current_dir()?;
    let Some(resolved) = crate::db::resolve_database_url(cli.database_url.as_deref(), &cwd)? else {
        anyhow::bail!(
            "check replays the migrations into a scratch database on a server: pass --database-url URL \
             or set DATABASE_URL (the target database itself is not touched)"
        );
    };
    let scratch = ScratchDatabase::create(&resolved.url, "check").await?;
    let outcome = replay_and_compare(scratch.url(), &migrations, desired).await;
    let dropped = scratch.drop().await;
    let code = outcome?;
    dropped?;
    Ok(code)
}

/// Replays `migrations` into the empty database at `url` through the applier `migrate`
/// uses; `Err(code)` when a file fails (the failure is printed).
pub async fn replay(
    url: &str,
    migrations: &Migrations,
) -> anyhow::Result<Result<tokio_postgres::Client, u8>> {
    let mut client = crate::db::connect(url).await?;
    super::warn_if_unsupported(&client).await;
    match migrations::migrate(&mut client, migrations, MigrateOptions::default()).await {
        Ok(_) => Ok(Ok(client)),
        Err(MigrateError::Failed { failure, .. }) => {
            println!("replaying the migrations into a scratch database failed:\n{failure}");
            Ok(Err(exit::REFUSED))
        }
        Err(MigrateError::Refused(refusals)) => {
            println!("the migrations cannot be replayed:");
            for r in &refusals {
                println!("  - {r}");
            }
            Ok(Err(exit::REFUSED))
        }
        Err(e) => Err(e.into()),
    }
}

async fn replay_and_compare(
    url: &str,
    migrations: &Migrations,
    desired: crate::model::Schema,
) -> Outcome {
    let mut client = match replay(url, migrations).await? {
        Ok(client) => client,
        Err(code) => return Ok(code),
    };
    let drift = drift::against(&mut client, desired, "replayed migrations").await?;
    drop(client);
    if drift.plan.is_empty() {
        println!(
            "ok: {} migration(s) replay to exactly schema.toml",
            migrations.len()
        );
        return Ok(exit::OK);
    }
    println!("the migrations do not produce schema.toml:");
    print!("{}", drift.diff);
    println!("after replaying them, these statements remain:");
    for step in &drift.plan.steps {
        if let Some(h) = &step.hazard {
            println!("-- {}: {h}", h.label());
        }
        println!("{};", step.sql);
    }
    println!("run `brain-db generate` to add a migration for the difference");
    Ok(exit::REFUSED)
}
