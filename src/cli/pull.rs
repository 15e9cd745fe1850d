use std::path::Path;

use anyhow::Context;

use super::{Cli, Outcome, exit};
use crate::introspect;
use crate::schema_file;

pub async fn run(cli: &Cli, out: Option<&Path>) -> Outcome {
    let mut client = super::connect(cli).await?;
    let schemas = introspect::user_schemas(&client).await?;
    let mut schema = introspect::introspect(&mut client, &schemas).await?;
    // Pull read every user schema: the file is the whole database, and pushing it makes
    // another database the same, schemas included.
    schema.drop_other_schemas = true;
    let text = schema_file::write(&schema);
    match out {
        Some(path) => {
            // `--out migrations/meta/snapshot.toml` (generate's remedy) before meta/ exists.
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(path, &text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "wrote {} ({} table(s), {} enum(s))",
                path.display(),
                schema.tables.len(),
                schema.enums.len()
            );
        }
        None => print!("{text}"),
    }
    let invalid: Vec<String> = (schema.tables.values())
        .flat_map(|t| t.indexes.iter().filter(|i| i.invalid).map(move |i| (t, i)))
        .map(|(t, i)| format!("{} (on {})", i.name, t.name))
        .collect();
    if !invalid.is_empty() {
        eprintln!(
            "note: invalid index(es), as a failed CREATE INDEX CONCURRENTLY leaves them, written \
             as declared; push rebuilds them: {}",
            invalid.join(", ")
        );
    }
    let unmanaged = introspect::unmanaged_objects(&client, &schemas).await?;
    if !unmanaged.is_empty() {
        let list: Vec<String> = unmanaged
            .iter()
            .map(|(kind, n)| format!("{n} {kind}(s)"))
            .collect();
        eprintln!(
            "note: left out, as brain-db does not manage them: {}",
            list.join(", ")
        );
    }
    Ok(exit::OK)
}
