use anyhow::Context;

use super::{Cli, Outcome, exit};
use crate::migrations::{Migrations, sum};

pub fn run(cli: &Cli) -> Outcome {
    let migrations = Migrations::from_existing_dir(&cli.migrations)?;
    let path = sum::sum_path(&cli.migrations);
    sum::write_dir(&cli.migrations, &migrations)
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "wrote {} ({} file(s))",
        sum::sum_path(&cli.migrations).display(),
        migrations.len()
    );
    Ok(exit::OK)
}

/// Reads the folder and checks it against its sum file: `Ok(Err(code))` when the command
/// must stop with that exit code (the message is printed), a warning when there is none.
pub fn read_checked(cli: &Cli) -> anyhow::Result<Result<Migrations, u8>> {
    let migrations = Migrations::from_existing_dir(&cli.migrations)?;
    match sum::check_dir(&cli.migrations, &migrations)? {
        sum::SumCheck::Matches => {}
        sum::SumCheck::Absent => {
            if !migrations.is_empty() {
                eprintln!(
                    "warning: {} has no {}; hand-written migrations are accepted, \
                     but edits are only caught by the history (run `brain-db hash` to write one)",
                    cli.migrations.display(),
                    sum::SUM_FILE
                );
            }
        }
        sum::SumCheck::Mismatch(m) => {
            eprintln!("refused: {m}");
            return Ok(Err(exit::REFUSED));
        }
    }
    Ok(Ok(migrations))
}
