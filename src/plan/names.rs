//! Names freed and taken within one plan: a drop whose name a rename takes earlier is set
//! aside under another name first.

use std::collections::{BTreeMap, BTreeSet};

use super::Hazard;
use crate::diff::{Change, Constraint};
use crate::model::QualifiedName;

/// The namespaces PostgreSQL keeps names in, per schema: relations (tables, views,
/// sequences, indexes, and so the indexes behind key and exclusion constraints) and types
/// (enums, domains, and every table's row type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Namespace {
    Relation,
    Type,
}

type Name = (Namespace, String, String);

fn name_in(namespace: Namespace, schema: &str, name: &str) -> Name {
    (namespace, schema.to_string(), name.to_string())
}

/// Names a change gives to an object that had another name (renames); the phases put
/// them before most drops, because everything after names the objects by their new names.
/// Creations are not listed: they run after every drop.
fn names_taken(change: &Change) -> Vec<Name> {
    match change {
        Change::RenameTable { from, to } => vec![
            name_in(Namespace::Relation, &from.schema, to),
            name_in(Namespace::Type, &from.schema, to),
        ],
        Change::RenameEnum { from, to } => vec![name_in(Namespace::Type, &from.schema, to)],
        Change::RenameSequence { from, to } => {
            vec![name_in(Namespace::Relation, &from.schema, to)]
        }
        Change::RenameIndex { index, to } => {
            vec![name_in(Namespace::Relation, &index.schema, to)]
        }
        Change::RenameConstraint { table, to, .. } => {
            vec![name_in(Namespace::Relation, &table.schema, to)]
        }
        _ => Vec::new(),
    }
}

/// For a drop whose name may be taken, the name it frees, the rename that frees it at
/// once, and the drop under the name it is set aside as.
fn set_aside(change: &Change) -> Option<(Vec<Name>, Change, Change)> {
    let aside = |name: &str| format!("{name}__brain_db_dropped");
    match change {
        Change::DropEnum(n) => Some((
            vec![name_in(Namespace::Type, &n.schema, &n.name)],
            Change::RenameEnum {
                from: n.clone(),
                to: aside(&n.name),
            },
            Change::DropEnum(QualifiedName::new(&n.schema, aside(&n.name))),
        )),
        Change::DropSequence(n) => Some((
            vec![name_in(Namespace::Relation, &n.schema, &n.name)],
            Change::RenameSequence {
                from: n.clone(),
                to: aside(&n.name),
            },
            Change::DropSequence(QualifiedName::new(&n.schema, aside(&n.name))),
        )),
        Change::DropTable {
            name: n,
            parent,
            reason,
        } => Some((
            vec![
                name_in(Namespace::Relation, &n.schema, &n.name),
                name_in(Namespace::Type, &n.schema, &n.name),
            ],
            Change::RenameTable {
                from: n.clone(),
                to: aside(&n.name),
            },
            Change::DropTable {
                name: QualifiedName::new(&n.schema, aside(&n.name)),
                parent: parent.clone(),
                reason: reason.clone(),
            },
        )),
        Change::DropIndex { table, index } => {
            let mut moved = index.clone();
            moved.name = aside(&index.name);
            Some((
                vec![name_in(Namespace::Relation, &table.schema, &index.name)],
                Change::RenameIndex {
                    index: QualifiedName::new(&table.schema, &index.name),
                    to: moved.name.clone(),
                },
                Change::DropIndex {
                    table: table.clone(),
                    index: moved,
                },
            ))
        }
        Change::DropConstraint {
            table,
            constraint:
                c @ (Constraint::PrimaryKey(_) | Constraint::Unique(_) | Constraint::Exclusion(_)),
        } => {
            let mut moved = c.clone();
            moved.set_name(aside(c.name()));
            Some((
                vec![name_in(Namespace::Relation, &table.schema, c.name())],
                Change::RenameConstraint {
                    table: table.clone(),
                    from: c.name().to_string(),
                    to: moved.name().to_string(),
                },
                Change::DropConstraint {
                    table: table.clone(),
                    constraint: moved,
                },
            ))
        }
        _ => None,
    }
}

/// A drop that must wait for what depends on the object (columns leaving an enum,
/// foreign keys, defaults) may come after a rename that takes the object's name. Such an
/// object is renamed out of the way first (its dependents follow it by OID) and dropped
/// under that name in its own phase: every name is freed before it is taken.
pub(super) fn set_aside_names_taken_before_they_are_freed(
    changes: Vec<(Change, Option<Hazard>)>,
) -> Vec<(Change, Option<Hazard>)> {
    let mut taken_so_far: BTreeSet<Name> = BTreeSet::new();
    let mut moved: BTreeMap<QualifiedName, QualifiedName> = BTreeMap::new();
    let mut renames_first = Vec::new();
    let mut rest = Vec::new();
    for (change, hazard) in changes {
        let set_aside = set_aside(&change)
            .filter(|(frees, _, _)| frees.iter().any(|n| taken_so_far.contains(n)));
        taken_so_far.extend(names_taken(&change));
        match set_aside {
            Some((_, rename, drop)) => {
                if let (Change::DropTable { name: from, .. }, Change::DropTable { name: to, .. })
                | (Change::DropSequence(from), Change::DropSequence(to)) = (&change, &drop)
                {
                    moved.insert(from.clone(), to.clone());
                }
                renames_first.push((rename, None));
                rest.push((drop, hazard));
            }
            None => rest.push((change, hazard)),
        }
    }
    // A table or sequence set aside is named by its new name in the changes that take
    // it apart or release it.
    for (change, _) in &mut rest {
        if let Change::DropConstraint { table: n, .. }
        | Change::DropIndex { table: n, .. }
        | Change::SetSequenceOwner { name: n, .. } = change
            && let Some(to) = moved.get(n)
        {
            *n = to.clone();
        }
    }
    let schemas = rest
        .iter()
        .take_while(|(c, _)| matches!(c, Change::CreateSchema(_)))
        .count();
    let tail = rest.split_off(schemas);
    rest.extend(renames_first);
    rest.extend(tail);
    rest
}
