//! SQL text for sequences and their options (shared with identity columns).

use super::name;
use crate::diff::Change;
use crate::model::SequenceOptions;
use crate::sql::quote::ident;

/// The statements of a sequence change (as dispatched by [`super::statements`]).
pub(super) fn statements(change: &Change) -> Vec<String> {
    match change {
        Change::RenameSequence { from, to } => {
            vec![format!(
                "ALTER SEQUENCE {} RENAME TO {}",
                name(from),
                ident(to)
            )]
        }
        Change::CreateSequence(s) => {
            vec![format!(
                "CREATE SEQUENCE {} AS {} {}",
                name(&s.name),
                s.options.data_type,
                sequence_options(&s.options, "")
            )]
        }
        Change::AlterSequence { name: n, to, .. } => vec![format!(
            "ALTER SEQUENCE {} AS {} {}",
            name(n),
            to.data_type,
            sequence_options(to, "")
        )],
        Change::SetSequenceOwner { name: n, owner } => {
            let owner = match owner {
                Some((table, column)) => format!("{}.{}", name(table), ident(column)),
                None => "NONE".to_string(),
            };
            vec![format!("ALTER SEQUENCE {} OWNED BY {owner}", name(n))]
        }
        Change::DropSequence(n) => vec![format!("DROP SEQUENCE {}", name(n))],
        other => unreachable!("not a sequence change: {other:?}"),
    }
}

pub(super) fn sequence_options(o: &SequenceOptions, prefix: &str) -> String {
    format!(
        "{prefix}INCREMENT BY {} {prefix}MINVALUE {} {prefix}MAXVALUE {} {prefix}START WITH {} {prefix}CACHE {} {prefix}{}",
        o.increment,
        o.min_value,
        o.max_value,
        o.start,
        o.cache,
        if o.cycle { "CYCLE" } else { "NO CYCLE" }
    )
}
