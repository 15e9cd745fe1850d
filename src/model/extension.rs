//! Extensions (`CREATE EXTENSION`).

/// An extension the schema file lists. Introspected extensions fill every field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub name: String,
    /// The schema its objects live in; `None` in a file: wherever PostgreSQL puts it (the
    /// first schema of the search path, `public` for brain-db) and not compared.
    pub schema: Option<String>,
    /// `None` in a file: the default version when created, and not compared.
    pub version: Option<String>,
    /// The version `CREATE EXTENSION` installs on this server (introspected only; `None`
    /// in a file): pull writes `version` only for an extension installed at another one.
    pub default_version: Option<String>,
}

impl Extension {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            schema: None,
            version: None,
            default_version: None,
        }
    }
}

/// Extensions that are never dropped, whatever the file lists: PostgreSQL's own
/// procedural language.
pub const BUILT_IN_EXTENSIONS: &[&str] = &["plpgsql"];
