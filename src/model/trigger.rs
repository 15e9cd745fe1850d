//! Triggers on tables (and views, for `INSTEAD OF`).
//!
//! Read from `pg_trigger` and compared field by field; the `WHEN` condition as
//! `pg_get_triggerdef` prints it (a declared one is replaced by the server's spelling in
//! `apply::canonicalize`). Internal triggers (foreign keys) and constraint triggers are
//! not managed.

use super::QualifiedName;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timing {
    Before,
    After,
    InsteadOf,
}

impl Timing {
    pub fn sql(self) -> &'static str {
        match self {
            Timing::Before => "BEFORE",
            Timing::After => "AFTER",
            Timing::InsteadOf => "INSTEAD OF",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            Timing::Before => "before",
            Timing::After => "after",
            Timing::InsteadOf => "instead of",
        }
    }
}

/// Events in PostgreSQL's order (`INSERT OR DELETE OR UPDATE OR TRUNCATE`, as
/// `pg_get_triggerdef` prints them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Event {
    Insert,
    Delete,
    Update,
    Truncate,
}

impl Event {
    pub fn sql(self) -> &'static str {
        match self {
            Event::Insert => "INSERT",
            Event::Delete => "DELETE",
            Event::Update => "UPDATE",
            Event::Truncate => "TRUNCATE",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            Event::Insert => "insert",
            Event::Delete => "delete",
            Event::Update => "update",
            Event::Truncate => "truncate",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub name: String,
    pub timing: Timing,
    /// Sorted, without duplicates.
    pub events: Vec<Event>,
    /// `FOR EACH ROW` (else statement).
    pub for_each_row: bool,
    /// `UPDATE OF` columns, in declaration order.
    pub columns: Vec<String>,
    /// `WHEN (...)` condition, without the outer parentheses the server adds.
    pub when: Option<String>,
    /// The trigger function (it takes no arguments).
    pub function: QualifiedName,
    pub args: Vec<String>,
    pub comment: Option<String>,
}
