use std::path::Path;

use anyhow::Context;

use super::{Cli, Outcome, exit};
use crate::schema_file;
use crate::types::{self, Lang};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LangArg {
    #[value(alias = "ts")]
    Typescript,
    #[value(alias = "rs")]
    Rust,
}

impl LangArg {
    fn lang(self) -> Lang {
        match self {
            LangArg::Typescript => Lang::TypeScript,
            LangArg::Rust => Lang::Rust,
        }
    }

    fn name(self) -> &'static str {
        match self {
            LangArg::Typescript => "typescript",
            LangArg::Rust => "rust",
        }
    }
}

/// Offline: schema.toml is the only input (no database is resolved or contacted).
pub fn run(cli: &Cli, lang: LangArg, out: Option<&Path>, check: bool) -> Outcome {
    let schema = schema_file::load(&cli.schema)?;
    if !schema.views.is_empty() {
        // A view's column types are known only to a server; this command stays offline.
        let names: Vec<String> = schema.views.keys().map(|v| v.to_string()).collect();
        eprintln!(
            "note: left out, as their column types are known only to a server: {} view(s) ({})",
            names.len(),
            names.join(", ")
        );
    }
    let text = types::generate(&schema, lang.lang());
    let Some(path) = out else {
        if check {
            anyhow::bail!("--check compares a file: give it with --out PATH");
        }
        print!("{text}");
        return Ok(exit::OK);
    };
    let current = match std::fs::read_to_string(path) {
        Ok(s) => Some(s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    if check {
        let schema_arg = if cli.schema == Path::new("schema.toml") {
            String::new()
        } else {
            format!(" --schema {}", cli.schema.display())
        };
        let remedy = format!(
            "run `brain-db{schema_arg} types --lang {} --out {}`",
            lang.name(),
            path.display()
        );
        return Ok(match current {
            // A checkout that turned LF into CRLF (git autocrlf) is not stale.
            Some(c) if c == text || c.replace("\r\n", "\n") == text => {
                eprintln!(
                    "{} is up to date with {}",
                    path.display(),
                    cli.schema.display()
                );
                exit::OK
            }
            Some(_) => {
                eprintln!(
                    "the types are stale: {} differs from what {} generates; {remedy}",
                    path.display(),
                    cli.schema.display()
                );
                exit::STALE
            }
            None => {
                eprintln!(
                    "the types are missing: {} does not exist; {remedy}",
                    path.display()
                );
                exit::STALE
            }
        });
    }
    // An unchanged file is not rewritten, so that build tools watching it do not rebuild.
    if current.as_deref() != Some(text.as_str()) {
        std::fs::write(path, &text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!(
        "wrote {} ({} table(s), {} enum(s))",
        path.display(),
        schema.tables.len(),
        schema.enums.len()
    );
    Ok(exit::OK)
}
