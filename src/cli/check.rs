use anyhow::Context;

use super::{Cli, Outcome, exit};
use crate::apply;
use crate::migrations::{applier, history};
use crate::schema_file;
use crate::sql::quote;

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
    let admin = crate::db::connect(&resolved.url).await?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let scratch = format!("brain_db_check_{}_{nanos}", std::process::id());
    let scratch_url = with_database(&resolved.url, &scratch)?;
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'",
            quote::ident(&scratch)
        ))
        .await
        .context("cannot create a scratch database for check (the user needs CREATEDB)")?;
    let outcome = replay_and_compare(&scratch_url, &migrations, &desired).await;
    let dropped = admin
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote::ident(&scratch)
        ))
        .await;
    let code = outcome?;
    dropped.with_context(|| format!("cannot drop the scratch database {scratch}"))?;
    Ok(code)
}

async fn replay_and_compare(
    url: &str,
    migrations: &crate::migrations::Migrations,
    desired: &crate::model::Schema,
) -> Outcome {
    let mut client = crate::db::connect(url).await?;
    history::ensure(&client).await?;
    for file in &migrations.files {
        if let Err(failure) = applier::apply_file(&mut client, file).await {
            println!("replaying the migrations into a scratch database failed:\n{failure}");
            return Ok(exit::REFUSED);
        }
    }
    let plan = apply::plan_against(&mut client, desired.clone()).await?;
    drop(client);
    if plan.is_empty() {
        println!(
            "ok: {} migration(s) replay to exactly schema.toml",
            migrations.len()
        );
        return Ok(exit::OK);
    }
    println!(
        "the migrations do not produce schema.toml; after replaying them, these statements remain:"
    );
    for step in &plan.steps {
        if let Some(h) = &step.hazard {
            println!("-- destructive: {h}");
        }
        println!("{};", step.sql);
    }
    println!("run `brain-db generate` to add a migration for the difference");
    Ok(exit::REFUSED)
}

/// The URL with its database name replaced (postgres:// URLs only).
fn with_database(url: &str, database: &str) -> anyhow::Result<String> {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        anyhow::bail!(
            "check needs a postgres:// URL to name a scratch database on the same server"
        );
    };
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| i + scheme_end);
    let mut out = format!("{}/{database}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Ok(out)
}
