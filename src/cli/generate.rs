use super::{Cli, Outcome, exit};
use crate::db::scratch::ScratchDatabase;
use crate::migrations::generate::{self, Generated};
use crate::schema_file;

pub async fn run(cli: &Cli, name: Option<&str>, empty: bool) -> Outcome {
    if empty {
        let name = name.unwrap_or("custom");
        let path = generate::generate_empty(&cli.migrations, name)?;
        println!("wrote {} (empty, for hand-written SQL)", path.display());
        return Ok(exit::OK);
    }
    // Everything local is checked before a server is contacted.
    let desired = schema_file::load(&cli.schema)?;
    let start = generate::start(&cli.migrations, name)?;
    // The server only canonicalises expressions, in a scratch database of its own: the
    // target database's schema is neither read nor changed.
    let server = super::database_url(cli)?;
    let scratch = ScratchDatabase::create(&server, "generate").await?;
    let outcome = async {
        let mut client = crate::db::connect(scratch.url()).await?;
        let generated =
            generate::generate(&mut client, &cli.migrations, start, &desired, name).await?;
        anyhow::Ok(generated)
    }
    .await;
    let dropped = scratch.drop().await;
    let generated = outcome?;
    dropped?;
    match generated {
        Generated::NoChanges => println!("no changes"),
        Generated::Files { files, hazards } => {
            for f in &files {
                println!("wrote {} ({} statement(s))", f.path.display(), f.statements);
            }
            if !hazards.is_empty() {
                println!(
                    "note: {} statement(s) marked `-- destructive:` or `-- widens access:` in the file; review before applying:",
                    hazards.len()
                );
                for h in &hazards {
                    println!("  - {}: {h}", h.label());
                }
            }
        }
    }
    Ok(exit::OK)
}
