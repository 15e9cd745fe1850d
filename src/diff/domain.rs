//! Domains, compared like columns: base type, collation, default, not null, checks.
//!
//! Defaults, not null and checks change in place (`ALTER DOMAIN`, as pg-schema-diff and
//! migra do); only a new base type or collation rebuilds the domain (drop and create),
//! which PostgreSQL refuses while a column uses it.

use super::Change;
use crate::model::{Domain, QualifiedName, Schema};
use crate::sql::expr::same_expression;

/// One `ALTER DOMAIN` action.
#[derive(Debug, Clone, PartialEq)]
pub enum DomainAlter {
    SetDefault(String),
    DropDefault,
    SetNotNull,
    DropNotNull,
    AddCheck(crate::model::DomainCheck),
    DropCheck(String),
    ValidateCheck(String),
    Comment(Option<String>),
}

/// The canonical type spelling of a domain (see `introspect::user_type`): qualified,
/// also in `public`.
pub fn type_text(name: &QualifiedName) -> String {
    crate::sql::quote::qualified(&name.schema, &name.name)
}

/// Renames first (rewriting the live model, columns included, as the rename will), then
/// creations, drops and alterations.
pub(super) fn diff_domains(desired: &Schema, live: &mut Schema, out: &mut Vec<Change>) {
    for (name, want) in &desired.domains {
        let Some(old) = &want.renamed_from else {
            continue;
        };
        let from = QualifiedName::new(&name.schema, old);
        if live.domains.contains_key(name) || !live.domains.contains_key(&from) {
            continue;
        }
        let mut d = live.domains.remove(&from).expect("present");
        d.name = name.clone();
        live.domains.insert(name.clone(), d);
        let (old_type, new_type) = (type_text(&from), type_text(name));
        for t in live.tables.values_mut() {
            for c in &mut t.columns {
                if c.data_type == old_type {
                    c.data_type = new_type.clone();
                } else if c.data_type == format!("{old_type}[]") {
                    c.data_type = format!("{new_type}[]");
                }
            }
        }
        out.push(Change::RenameDomain {
            from,
            to: name.name.clone(),
        });
    }
    for (name, want) in &desired.domains {
        match live.domains.get(name) {
            None => out.push(Change::CreateDomain(want.clone())),
            Some(have) if want.data_type != have.data_type || want.collation != have.collation => {
                out.push(Change::DropDomain(have.clone()));
                out.push(Change::CreateDomain(want.clone()));
            }
            Some(have) => alter(want, have, out),
        }
    }
    for (name, have) in &live.domains {
        let dropped_schema = desired.drop_other_schemas && live.schemas.contains(&name.schema);
        if !desired.domains.contains_key(name)
            && (desired.schemas.contains(&name.schema) || dropped_schema)
        {
            out.push(Change::DropDomain(have.clone()));
        }
    }
}

fn alter(want: &Domain, have: &Domain, out: &mut Vec<Change>) {
    let mut actions = Vec::new();
    match (&want.default, &have.default) {
        (Some(w), Some(h)) if same_expression(w, h) => {}
        (Some(w), _) => actions.push(DomainAlter::SetDefault(w.clone())),
        (None, Some(_)) => actions.push(DomainAlter::DropDefault),
        (None, None) => {}
    }
    if want.not_null != have.not_null {
        actions.push(if want.not_null {
            DomainAlter::SetNotNull
        } else {
            DomainAlter::DropNotNull
        });
    }
    for h in &have.checks {
        let kept = want
            .checks
            .iter()
            .any(|w| w.name == h.name && same_expression(&w.expression, &h.expression));
        if !kept {
            actions.push(DomainAlter::DropCheck(h.name.clone()));
        }
    }
    for w in &want.checks {
        match have.checks.iter().find(|h| h.name == w.name) {
            Some(h) if same_expression(&w.expression, &h.expression) => {
                if h.not_valid && !w.not_valid {
                    actions.push(DomainAlter::ValidateCheck(w.name.clone()));
                }
            }
            _ => actions.push(DomainAlter::AddCheck(w.clone())),
        }
    }
    if want.comment != have.comment {
        actions.push(DomainAlter::Comment(want.comment.clone()));
    }
    for action in actions {
        out.push(Change::AlterDomain {
            name: want.name.clone(),
            action,
        });
    }
}
