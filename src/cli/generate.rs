use super::{Cli, Outcome, exit};
use crate::migrations::generate::{self, Generated};
use crate::schema_file;

pub fn run(cli: &Cli, name: Option<&str>, empty: bool) -> Outcome {
    if empty {
        let name = name.unwrap_or("custom");
        let path = generate::generate_empty(&cli.migrations, name)?;
        println!("wrote {} (empty, for hand-written SQL)", path.display());
        return Ok(exit::OK);
    }
    let desired = schema_file::load(&cli.schema)?;
    match generate::generate(&cli.migrations, &desired, name)? {
        Generated::NoChanges => println!("no changes"),
        Generated::Files { files, hazards } => {
            for f in &files {
                println!("wrote {} ({} statement(s))", f.path.display(), f.statements);
            }
            if !hazards.is_empty() {
                println!(
                    "note: {} destructive statement(s), each marked `-- destructive:` in the file; review before applying:",
                    hazards.len()
                );
                for h in &hazards {
                    println!("  - {h}");
                }
            }
        }
    }
    Ok(exit::OK)
}
