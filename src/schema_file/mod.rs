//! `schema.toml`: loading it into the model (with diagnostics that point at file, line
//! and column) and writing a model back out (for `pull`).
//!
//! The file format is documented in `the README (section "schema.toml reference")`. Code map:
//! - `tree`: TOML text -> a span-carrying tree (via the `toml` crate's `DeTable`);
//! - `path`: dotted names inside the file (`other.tasks`, `"my.table".id`);
//! - `load`: tree -> [`Schema`], collecting every problem;
//! - `write`: [`Schema`] -> text, such that `parse(&write(&s)) == s`.

mod load;
mod path;
mod tree;
mod write;

use std::fmt;
use std::path::Path;

use crate::model::Schema;

pub use write::write;

/// One problem found in a schema file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line and column of the offending key or value.
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub hint: Option<String>,
}

/// Everything wrong with a schema file, reported at once.
#[derive(Debug, thiserror::Error)]
pub enum SchemaFileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", render_diagnostics(file, diagnostics))]
    Invalid {
        file: String,
        diagnostics: Vec<Diagnostic>,
    },
}

fn render_diagnostics(file: &str, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, d) in diagnostics.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("{file}:{}:{}: {}", d.line, d.column, d.message));
        if let Some(hint) = &d.hint {
            out.push_str(&format!("\n  hint: {hint}"));
        }
    }
    out
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Reads and validates a schema file.
pub fn load(path: &Path) -> Result<Schema, SchemaFileError> {
    let source = std::fs::read_to_string(path).map_err(|source| SchemaFileError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse(&source, &path.display().to_string())
}

/// Parses and validates schema-file text; `file_name` is used in diagnostics only.
pub fn parse(source: &str, file_name: &str) -> Result<Schema, SchemaFileError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    load::load(source).map_err(|diagnostics| SchemaFileError::Invalid {
        file: file_name.to_string(),
        diagnostics,
    })
}

#[cfg(test)]
mod tests;
