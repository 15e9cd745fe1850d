//! Views and materialized views.

use std::collections::BTreeSet;

use super::{Index, QualifiedName, Trigger};

/// Plain or materialized: they share the relation namespace and the dependency rules,
/// and are told apart where SQL differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ViewKind {
    View,
    Materialized,
}

impl ViewKind {
    /// `VIEW` or `MATERIALIZED VIEW`, as DDL names it.
    pub fn sql(self) -> &'static str {
        match self {
            ViewKind::View => "VIEW",
            ViewKind::Materialized => "MATERIALIZED VIEW",
        }
    }

    /// For messages: `view` or `materialized view`.
    pub fn noun(self) -> &'static str {
        match self {
            ViewKind::View => "view",
            ViewKind::Materialized => "materialized view",
        }
    }
}

/// `WITH [LOCAL | CASCADED] CHECK OPTION`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckOption {
    Local,
    Cascaded,
}

impl CheckOption {
    pub fn name(self) -> &'static str {
        match self {
            CheckOption::Local => "local",
            CheckOption::Cascaded => "cascaded",
        }
    }

    pub fn from_name(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "local" => Some(CheckOption::Local),
            "cascaded" => Some(CheckOption::Cascaded),
            _ => None,
        }
    }
}

/// A view or a materialized view.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub name: QualifiedName,
    pub kind: ViewKind,
    /// The query. Introspected, and declared once canonicalised, it is
    /// `pg_get_viewdef`'s text (trimmed, without the final `;`) under the pinned
    /// settings: public objects unqualified, others qualified.
    pub query: String,
    /// The query as the schema file wrote it, once `query` holds the server's spelling
    /// of it: views are created from what the user wrote (`select *` expands against
    /// the columns the table has when the view is created, not when it was compared).
    pub written: Option<String>,
    /// Plain views only (`security_invoker`, `security_barrier`, `check_option`).
    pub security_invoker: bool,
    pub security_barrier: bool,
    pub check_option: Option<CheckOption>,
    /// Materialized views only: populated (`WITH DATA`, the default) or not.
    pub with_data: bool,
    /// Materialized views only, as on tables.
    pub indexes: Vec<Index>,
    /// Plain views only: triggers (`INSTEAD OF`, or statement-level `BEFORE` / `AFTER`),
    /// sorted by name. They go with the view when it is dropped.
    pub triggers: Vec<Trigger>,
    pub comment: Option<String>,
    /// Rename hint from the schema file (old unqualified name, same schema).
    pub renamed_from: Option<String>,
    /// The output columns (name, `format_type`), introspected or learned when the
    /// declared query was canonicalised; empty when unknown. Decides whether
    /// `CREATE OR REPLACE VIEW` can change the query (same leading columns).
    pub columns: Vec<(String, String)>,
    /// What the live view's query depends on, from `pg_depend` (introspection only).
    pub depends_on: ViewDependencies,
}

impl View {
    /// The text a view is created from.
    pub fn source(&self) -> &str {
        self.written.as_deref().unwrap_or(&self.query)
    }

    pub fn new(name: QualifiedName, kind: ViewKind, query: impl Into<String>) -> Self {
        Self {
            name,
            kind,
            query: query.into(),
            written: None,
            security_invoker: false,
            security_barrier: false,
            check_option: None,
            with_data: true,
            indexes: Vec::new(),
            triggers: Vec::new(),
            comment: None,
            renamed_from: None,
            columns: Vec::new(),
            depends_on: ViewDependencies::default(),
        }
    }
}

/// The objects a live view's rewrite rule depends on (`pg_depend`): whole relations
/// (tables, views), columns of relations, and types (an enum cast in the query).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewDependencies {
    pub relations: BTreeSet<QualifiedName>,
    pub columns: BTreeSet<(QualifiedName, String)>,
    pub types: BTreeSet<QualifiedName>,
}
