//! Domains (`CREATE DOMAIN`): a base type with constraints, compared like a column.

use super::QualifiedName;

#[derive(Debug, Clone, PartialEq)]
pub struct Domain {
    pub name: QualifiedName,
    /// Canonical `format_type` spelling of the base type.
    pub data_type: String,
    pub not_null: bool,
    /// Default expression (SQL text, `pg_get_expr` form once canonicalised).
    pub default: Option<String>,
    /// Non-default collation, spelled as [`super::Column::collation`].
    pub collation: Option<String>,
    /// Sorted by name when introspected.
    pub checks: Vec<DomainCheck>,
    pub comment: Option<String>,
    /// Rename hint from the schema file (old unqualified name, same schema).
    pub renamed_from: Option<String>,
}

impl Domain {
    pub fn new(name: QualifiedName, data_type: impl Into<String>) -> Self {
        Self {
            name,
            data_type: data_type.into(),
            not_null: false,
            default: None,
            collation: None,
            checks: Vec::new(),
            comment: None,
            renamed_from: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainCheck {
    pub name: String,
    /// Boolean SQL expression over `VALUE`.
    pub expression: String,
    pub not_valid: bool,
}
