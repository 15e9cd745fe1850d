//! SQL text for `COMMENT ON` every kind of object.

use super::name;
use crate::diff::{Change, CommentTarget};
use crate::sql::quote::{ident, literal};

/// The statements of a comment change (as dispatched by [`super::statements`]).
pub(super) fn statements(change: &Change) -> Vec<String> {
    match change {
        Change::SetComment { target, comment } => {
            let target = match target {
                CommentTarget::Table(t) => format!("TABLE {}", name(t)),
                CommentTarget::Column(t, c) => format!("COLUMN {}.{}", name(t), ident(c)),
                CommentTarget::Index(i) => format!("INDEX {}", name(i)),
                CommentTarget::Constraint(t, c) => {
                    format!("CONSTRAINT {} ON {}", ident(c), name(t))
                }
                CommentTarget::Enum(e) => format!("TYPE {}", name(e)),
                CommentTarget::Sequence(s) => format!("SEQUENCE {}", name(s)),
                CommentTarget::Policy(t, p) => format!("POLICY {} ON {}", ident(p), name(t)),
                CommentTarget::View(v) => format!("VIEW {}", name(v)),
                CommentTarget::MaterializedView(v) => format!("MATERIALIZED VIEW {}", name(v)),
            };
            let text = comment.as_deref().map_or("NULL".to_string(), literal);
            vec![format!("COMMENT ON {target} IS {text}")]
        }
        other => unreachable!("not a comment change: {other:?}"),
    }
}
