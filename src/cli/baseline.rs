//! `brain-db migrate --baseline [FILE]`: for a database built by `push` (or by hand)
//! before it had migrations. Records every file up to FILE as applied without running
//! it, but only when the live schema equals what those files produce, replayed into a
//! scratch database on the same server, as `check` does.

use std::time::Duration;

use super::{Cli, Outcome, drift, exit};
use crate::db::scratch::ScratchDatabase;
use crate::introspect;
use crate::migrations::{AppliedRow, MigrationFile, Migrations, decide, history, lock, sum};

pub async fn run(cli: &Cli, upto: Option<&str>, lock_timeout: Duration) -> Outcome {
    let migrations = Migrations::from_existing_dir(&cli.migrations)?;
    if let sum::SumCheck::Mismatch(m) = sum::check(&migrations) {
        eprintln!("refused: {m}");
        return Ok(exit::REFUSED);
    }
    let Some(last) = last_index(&migrations, upto)? else {
        println!(
            "nothing to baseline: {} holds no migrations",
            cli.migrations.display()
        );
        return Ok(exit::OK);
    };
    let target = super::migrate_target(cli)?;
    let url = crate::db::pooler::session_url(
        &target.database_url,
        target.direct_url.clone(),
        "migrate --baseline",
    )?;
    let mut client = crate::db::connect(&url).await?;
    super::warn_if_unsupported(&client).await;
    let key = lock::lock_key(history::TABLE);
    lock::lock(&client, key, lock_timeout).await?;
    let outcome = baseline_locked(&mut client, &url, &migrations, last).await;
    let unlocked = lock::unlock(&client, key).await;
    let code = outcome?;
    unlocked?;
    Ok(code)
}

/// The index of the last file to baseline: FILE (a file name, with or without `.sql`, or
/// its path), or the last file; `None` when there are no files.
fn last_index(migrations: &Migrations, upto: Option<&str>) -> anyhow::Result<Option<usize>> {
    let Some(upto) = upto else {
        return Ok(migrations.len().checked_sub(1));
    };
    let wanted = std::path::Path::new(upto)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(upto);
    let wanted = wanted.strip_suffix(".sql").unwrap_or(wanted);
    match migrations.files.iter().position(|f| f.name == wanted) {
        Some(i) => Ok(Some(i)),
        None => anyhow::bail!(
            "--baseline {upto}: no such migration file (give a file of the migrations folder, \
             e.g. {})",
            migrations
                .files
                .last()
                .map_or_else(|| "0001_init.sql".to_string(), MigrationFile::file_name)
        ),
    }
}

async fn baseline_locked(
    client: &mut tokio_postgres::Client,
    url: &str,
    migrations: &Migrations,
    last: usize,
) -> Outcome {
    let rows = history::read(&*client).await?;
    let applied: Vec<AppliedRow> = rows.iter().map(history::HistoryRow::applied).collect();
    let pending = match decide::decide(&applied, &migrations.files) {
        Ok(pending) => pending,
        Err(refusals) => {
            eprintln!("refused: nothing was recorded:");
            for r in &refusals {
                eprintln!("  - {r}");
            }
            return Ok(exit::REFUSED);
        }
    };
    let upto_name = migrations.files[last].file_name();
    let to_record: Vec<&MigrationFile> = pending
        .into_iter()
        .filter(|&i| i <= last)
        .map(|i| &migrations.files[i])
        .collect();
    if to_record.is_empty() {
        println!("nothing to baseline: every migration up to {upto_name} is already applied");
        return Ok(exit::OK);
    }
    let produced = Migrations {
        files: migrations.files[..=last].to_vec(),
        sum: None,
    };
    let scratch = ScratchDatabase::create(url, "baseline").await?;
    let compared = compare(scratch.url(), &produced, client, &upto_name).await;
    let dropped = scratch.drop().await;
    let difference = match compared? {
        Ok(difference) => difference,
        Err(code) => return Ok(code),
    };
    dropped?;
    if let Some(diff) = difference {
        eprintln!(
            "refused: the live schema is not what the migrations up to {upto_name} produce, \
             so they cannot be recorded as applied; nothing was recorded. The difference \
             (- replayed migrations, + live database):"
        );
        eprint!("{diff}");
        eprintln!(
            "bring the live schema to the migrations' (push, or a hand-written fix), or \
             baseline up to an earlier file with --baseline FILE"
        );
        return Ok(exit::REFUSED);
    }
    history::record_baseline(client, &to_record).await?;
    for f in &to_record {
        println!("recorded {} as applied (not run)", f.file_name());
    }
    println!(
        "{} migration(s) recorded as applied without running them: the live schema equals \
         what the migrations up to {upto_name} produce",
        to_record.len()
    );
    Ok(exit::OK)
}

/// Replays `produced` into the scratch database and compares it with the live one:
/// `Ok(None)` when equal, `Ok(Some(diff))` when not, `Err(code)` when the replay failed
/// (printed).
async fn compare(
    scratch_url: &str,
    produced: &Migrations,
    live: &mut tokio_postgres::Client,
    upto_name: &str,
) -> anyhow::Result<Result<Option<String>, u8>> {
    let mut replayed_client = match super::check::replay(scratch_url, produced).await? {
        Ok(client) => client,
        Err(code) => return Ok(Err(code)),
    };
    let mut schemas = introspect::user_schemas(&replayed_client).await?;
    schemas.extend(introspect::user_schemas(&*live).await?);
    schemas.sort();
    schemas.dedup();
    let replayed = introspect::introspect(&mut replayed_client, &schemas).await?;
    drop(replayed_client);
    let live = introspect::introspect(live, &schemas).await?;
    let found = drift::between(
        &replayed,
        &format!("replayed migrations (up to {upto_name})"),
        live,
        "live database",
    )?;
    Ok(Ok((!found.plan.is_empty()).then_some(found.diff)))
}
