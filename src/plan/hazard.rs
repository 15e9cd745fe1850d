//! Hazards: what a statement may destroy, which push refuses without `--force`.

use std::collections::BTreeSet;
use std::fmt;

use crate::diff::{Change, Constraint, TableDropReason, ViewDropReason};
use crate::model::{QualifiedName, RowLevelSecurity, ViewKind};

/// Something a statement may destroy; push refuses these without `--force`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Hazard {
    DropsTable {
        table: QualifiedName,
    },
    /// Dropped and created again, empty: its partition key changes, or its parent's.
    RebuildsTable {
        table: QualifiedName,
        /// Why, as a clause: "its partition key changes from RANGE (a) to LIST (b)".
        why: String,
    },
    /// A partition attached (again) under new bounds or a new parent: printed, never
    /// refused (its rows stay; the server refuses the attach if one does not fit).
    AttachesPartition {
        table: QualifiedName,
        parent: QualifiedName,
        bounds: String,
    },
    DropsColumn {
        table: QualifiedName,
        column: String,
    },
    RecreatesColumn {
        table: QualifiedName,
        column: String,
    },
    NarrowsType {
        table: QualifiedName,
        column: String,
        from: String,
        to: String,
    },
    DropsEnumValues {
        name: QualifiedName,
        values: Vec<String>,
        tables: Vec<QualifiedName>,
    },
    DropsKey {
        table: QualifiedName,
        constraint: String,
    },
    DropsEnum {
        name: QualifiedName,
    },
    DropsSequence {
        name: QualifiedName,
    },
    DropsExtension {
        name: String,
    },
    DropsDomain {
        name: QualifiedName,
    },
    /// Lets more rows through row-level security: refused without `--force` like a
    /// destructive step.
    WidensAccess {
        table: QualifiedName,
        /// The policy changed, if the change is to one.
        policy: Option<String>,
        /// Why, as a clause: "disables row-level security".
        why: String,
    },
    /// A view dropped or created again: printed, never refused (no data is lost; a
    /// populated materialized view's rows are counted, they are recomputed).
    DropsView {
        name: QualifiedName,
        kind: ViewKind,
        reason: ViewDropReason,
        populated: bool,
    },
}

impl Hazard {
    /// The tables whose rows are at stake (their row counts are shown with the hazard).
    pub fn tables(&self) -> Vec<&QualifiedName> {
        match self {
            Hazard::DropsTable { table }
            | Hazard::RebuildsTable { table, .. }
            | Hazard::DropsColumn { table, .. }
            | Hazard::RecreatesColumn { table, .. }
            | Hazard::NarrowsType { table, .. }
            | Hazard::DropsKey { table, .. } => vec![table],
            Hazard::DropsEnumValues { tables, .. } => tables.iter().collect(),
            Hazard::DropsEnum { .. }
            | Hazard::AttachesPartition { .. }
            | Hazard::DropsSequence { .. }
            | Hazard::WidensAccess { .. }
            | Hazard::DropsExtension { .. }
            | Hazard::DropsDomain { .. } => Vec::new(),
            Hazard::DropsView {
                name, populated, ..
            } => {
                if *populated {
                    vec![name]
                } else {
                    Vec::new()
                }
            }
        }
    }

    /// How a plan prints it before its statement: `destructive`, `widens access` or `note`.
    pub fn label(&self) -> &'static str {
        match self {
            Hazard::WidensAccess { .. } => "widens access",
            _ if self.refuses() => "destructive",
            _ => "note",
        }
    }

    /// Whether push refuses the step without `--force` (else it is only printed).
    pub fn refuses(&self) -> bool {
        !matches!(
            self,
            Hazard::DropsView { .. } | Hazard::AttachesPartition { .. }
        )
    }
}

impl fmt::Display for Hazard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hazard::DropsTable { table } => write!(f, "drops table {table}"),
            Hazard::RebuildsTable { table, why } => {
                write!(f, "drops table {table} and creates it again, empty: {why}")
            }
            Hazard::AttachesPartition {
                table,
                parent,
                bounds,
            } => write!(
                f,
                "attaches {table} to {parent} as the partition for {bounds}: its rows stay, \
                 and the server refuses the attach if one does not fit"
            ),
            Hazard::DropsColumn { table, column } => write!(f, "drops column {table}.{column}"),
            Hazard::RecreatesColumn { table, column } => {
                write!(
                    f,
                    "drops and re-adds column {table}.{column} (its values are recomputed)"
                )
            }
            Hazard::NarrowsType {
                table,
                column,
                from,
                to,
            } => {
                write!(
                    f,
                    "changes {table}.{column} from {from} to {to}, which may fail or lose data"
                )
            }
            Hazard::DropsEnumValues { name, values, .. } => {
                write!(f, "removes value(s) {} from enum {name}", values.join(", "))
            }
            Hazard::DropsKey { table, constraint } => {
                write!(
                    f,
                    "drops key constraint {constraint} on {table}, which the data may rely on"
                )
            }
            Hazard::DropsEnum { name } => {
                write!(f, "drops enum {name}, which schema.toml does not declare")
            }
            Hazard::WidensAccess { table, policy, why } => match policy {
                Some(p) => write!(f, "policy {p} on {table}: {why}"),
                None => write!(f, "table {table}: {why}"),
            },
            Hazard::DropsSequence { name } => {
                write!(
                    f,
                    "drops sequence {name}, which schema.toml does not declare"
                )
            }
            Hazard::DropsView {
                name,
                kind,
                reason,
                populated,
            } => {
                let kind = kind.noun();
                match reason {
                    ViewDropReason::Undeclared { dependents } => {
                        write!(f, "drops {kind} {name}, which schema.toml does not declare")?;
                        if !dependents.is_empty() {
                            let list: Vec<String> =
                                dependents.iter().map(|d| d.to_string()).collect();
                            write!(f, " ({} read it: dropped first)", list.join(", "))?;
                        }
                    }
                    ViewDropReason::Redefined => write!(
                        f,
                        "drops {kind} {name} and creates it again: its new query cannot replace the old one in place"
                    )?,
                    ViewDropReason::Dependency(why) => {
                        write!(f, "drops {kind} {name} and creates it again: {why}")?
                    }
                }
                if *populated && !matches!(reason, ViewDropReason::Undeclared { .. }) {
                    write!(f, "; its rows are recomputed")?;
                }
                Ok(())
            }
            Hazard::DropsExtension { name } => {
                write!(
                    f,
                    "drops extension {name} (and whatever data its types hold), which `extensions` does not list"
                )
            }
            Hazard::DropsDomain { name } => {
                write!(
                    f,
                    "drops domain {name}, which schema.toml does not declare as it is"
                )
            }
        }
    }
}

/// What the plan adds back, so that dropping a key it replaces is not called destructive.
pub(super) struct Replacements {
    dropped_tables: BTreeSet<QualifiedName>,
    tables_with_new_primary_key: BTreeSet<QualifiedName>,
    added_uniques: BTreeSet<(QualifiedName, Vec<String>)>,
}

impl Replacements {
    pub(super) fn of(changes: &[Change]) -> Self {
        let mut r = Replacements {
            dropped_tables: BTreeSet::new(),
            tables_with_new_primary_key: BTreeSet::new(),
            added_uniques: BTreeSet::new(),
        };
        for c in changes {
            match c {
                Change::DropTable { name: t, .. } => {
                    r.dropped_tables.insert(t.clone());
                }
                Change::AddConstraint {
                    table,
                    constraint: Constraint::PrimaryKey(_),
                } => {
                    r.tables_with_new_primary_key.insert(table.clone());
                }
                Change::AddConstraint {
                    table,
                    constraint: Constraint::Unique(u),
                } => {
                    r.added_uniques.insert((table.clone(), u.columns.clone()));
                }
                _ => {}
            }
        }
        r
    }

    /// True when the key's guarantee survives the plan.
    fn keeps(&self, table: &QualifiedName, constraint: &Constraint) -> bool {
        if self.dropped_tables.contains(table) {
            return true;
        }
        match constraint {
            Constraint::PrimaryKey(_) => self.tables_with_new_primary_key.contains(table),
            Constraint::Unique(u) => self
                .added_uniques
                .contains(&(table.clone(), u.columns.clone())),
            _ => true,
        }
    }
}

pub(super) fn hazard_of(change: &Change, replacements: &Replacements) -> Option<Hazard> {
    if let Some(h) = super::extension::hazard(change).or_else(|| super::domain::hazard(change)) {
        return Some(h);
    }
    match change {
        Change::DropTable {
            name: table,
            reason,
            ..
        } => Some(match reason {
            TableDropReason::Undeclared => Hazard::DropsTable {
                table: table.clone(),
            },
            TableDropReason::Repartitioned { from, to } => {
                let key = |k: &Option<String>| match k {
                    Some(k) => format!("PARTITION BY {k}"),
                    None => "not partitioned".to_string(),
                };
                Hazard::RebuildsTable {
                    table: table.clone(),
                    why: format!(
                        "PostgreSQL cannot change a partition key ({} -> {})",
                        key(from),
                        key(to)
                    ),
                }
            }
            TableDropReason::ParentRebuilt(parent) => Hazard::RebuildsTable {
                table: table.clone(),
                why: format!("it is a partition of {parent}, which is created again"),
            },
        }),
        Change::AttachPartition {
            table,
            parent,
            bounds,
        } => Some(Hazard::AttachesPartition {
            table: table.clone(),
            parent: parent.clone(),
            bounds: crate::sql::partition::bound_clause(bounds),
        }),
        Change::DropColumn { table, column } => Some(Hazard::DropsColumn {
            table: table.clone(),
            column: column.clone(),
        }),
        Change::RecreateColumn { table, column } => Some(Hazard::RecreatesColumn {
            table: table.clone(),
            column: column.name.clone(),
        }),
        Change::AlterColumnType {
            table,
            column,
            from,
            to,
            ..
        } if !crate::sql::widening::is_widening(from, to) => Some(Hazard::NarrowsType {
            table: table.clone(),
            column: column.clone(),
            from: from.clone(),
            to: to.clone(),
        }),
        Change::RecreateEnum {
            new,
            columns,
            removed,
            ..
        } if !removed.is_empty() => {
            let tables: BTreeSet<QualifiedName> = columns.iter().map(|c| c.table.clone()).collect();
            Some(Hazard::DropsEnumValues {
                name: new.name.clone(),
                values: removed.clone(),
                tables: tables.into_iter().collect(),
            })
        }
        Change::DropConstraint {
            table,
            constraint: c @ (Constraint::PrimaryKey(_) | Constraint::Unique(_)),
        } if !replacements.keeps(table, c) => Some(Hazard::DropsKey {
            table: table.clone(),
            constraint: c.name().to_string(),
        }),
        Change::DropEnum(name) => Some(Hazard::DropsEnum { name: name.clone() }),
        Change::SetRowLevelSecurity { table, from, to } => {
            let why = if from.is_enabled() && !to.is_enabled() {
                "disables row-level security: its policies stop applying and every role with \
                 privileges on the table reaches every row"
            } else if *from == RowLevelSecurity::Forced && *to == RowLevelSecurity::Enabled {
                "removes FORCE ROW LEVEL SECURITY: the table's owner bypasses its policies again"
            } else {
                return None;
            };
            Some(widens(table, None, why))
        }
        Change::CreatePolicy {
            table,
            policy,
            enforced: true,
            ..
        } if !policy.restrictive => Some(widens(
            table,
            Some(&policy.name),
            "adds a permissive policy while row-level security is on; permissive policies \
             are ORed, so it lets more rows through",
        )),
        Change::AlterPolicy {
            table,
            from,
            to,
            enforced: true,
            ..
        } => {
            let why = if from.restrictive && !to.restrictive {
                "turns a restrictive policy permissive; restrictive policies are ANDed, \
                 permissive ones ORed"
            } else if from.restrictive {
                "alters a restrictive policy; restrictive policies are ANDed, so a looser one \
                 lets more rows through"
            } else if !to.restrictive {
                "alters a permissive policy while row-level security is on; permissive policies \
                 are ORed, so a wider one lets more rows through"
            } else {
                return None;
            };
            Some(widens(table, Some(&to.name), why))
        }
        Change::DropPolicy {
            table,
            policy,
            enforced: true,
            ..
        } if policy.restrictive => Some(widens(
            table,
            Some(&policy.name),
            "drops a restrictive policy; restrictive policies are ANDed, so every row it \
             kept out gets through",
        )),
        Change::DropSequence(name) => Some(Hazard::DropsSequence { name: name.clone() }),
        Change::DropView {
            name,
            kind,
            reason,
            populated,
        } => Some(Hazard::DropsView {
            name: name.clone(),
            kind: *kind,
            reason: reason.clone(),
            populated: *populated,
        }),
        _ => None,
    }
}

fn widens(table: &QualifiedName, policy: Option<&str>, why: &str) -> Hazard {
    Hazard::WidensAccess {
        table: table.clone(),
        policy: policy.map(str::to_string),
        why: why.to_string(),
    }
}
