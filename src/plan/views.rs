//! Where view and materialized-view changes go in a plan.

use super::order::{Deps, ObjectKind, ObjectRef, Phase, phase};
use crate::diff::Change;
use crate::model::{QualifiedName, ViewKind};

/// When a view change runs and what it creates, drops and needs (see [`super::order`]):
/// drops before any table change, creations after all of them, each after the views
/// created in the same plan that it reads (a materialized view's indexes need it, as
/// an index needs its table).
pub(super) fn ordering(change: &Change) -> Option<(Phase, Deps)> {
    let rel = |n: &QualifiedName| ObjectRef::new(ObjectKind::View, n.clone());
    let row_type = |n: &QualifiedName| ObjectRef::new(ObjectKind::Type, n.clone());
    Some(match change {
        Change::RenameView { .. } => (10, Deps::default()),
        Change::DropView { name, .. } => (
            phase::DROP_DEPENDENTS,
            Deps {
                drops: vec![rel(name), row_type(name)],
                ..Deps::default()
            },
        ),
        Change::CreateView { view, .. } => {
            let at = match view.kind {
                ViewKind::View => phase::CREATE_VIEW,
                ViewKind::Materialized => phase::CREATE_MATERIALIZED_VIEW,
            };
            let deps = Deps {
                creates: vec![rel(&view.name), row_type(&view.name)],
                ..Deps::default()
            }
            .needing(view.depends_on.relations.iter().map(rel))
            .needing([ObjectRef::schema(&view.name.schema)]);
            (at, deps)
        }
        Change::SetViewOptions { name, .. } => {
            (phase::CREATE_VIEW, Deps::default().needing([rel(name)]))
        }
        Change::RefreshMaterializedView { name, .. } => (
            phase::CREATE_MATERIALIZED_VIEW,
            Deps::default().needing([rel(name)]),
        ),
        _ => return None,
    })
}
