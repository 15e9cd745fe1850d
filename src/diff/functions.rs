//! Functions, procedures and triggers.
//!
//! A function is replaced in place (`CREATE OR REPLACE`) when PostgreSQL allows it: same
//! kind, same result type, same argument list. Otherwise it is dropped and created again,
//! and so is one that goes away: whatever depends on it in the catalog (`pg_depend`:
//! triggers, check constraints, defaults, indexes) is dropped first, explicitly, and taken
//! out of the live model, so that the table and trigger diffs that follow add back the
//! declared ones.

use super::{Change, Constraint};
use crate::model::function::Dependent;
use crate::model::{Function, FunctionId, QualifiedName, Schema, Table, Trigger};
use crate::sql::expr::same_expression;

/// One change to a function or a trigger.
#[derive(Debug, Clone, PartialEq)]
pub enum RoutineChange {
    /// `CREATE` (or, with `replace`, `CREATE OR REPLACE`) the function.
    CreateFunction {
        function: Function,
        replace: bool,
    },
    /// Dropped; `dependents` are what the catalog says depended on it (the plan says so).
    DropFunction {
        function: Function,
        recreated: bool,
    },
    RenameFunction {
        from: FunctionId,
        kind: crate::model::function::RoutineKind,
        to: String,
    },
    SetFunctionComment {
        function: FunctionId,
        kind: crate::model::function::RoutineKind,
        comment: Option<String>,
    },
    CreateTrigger {
        table: QualifiedName,
        trigger: Trigger,
    },
    DropTrigger {
        table: QualifiedName,
        name: String,
    },
    SetTriggerComment {
        table: QualifiedName,
        name: String,
        comment: Option<String>,
    },
}

fn push(out: &mut Vec<Change>, c: RoutineChange) {
    out.push(Change::Routine(c));
}

/// Renames, replacements, drops (with their dependents detached from `live`) and
/// creations of functions. Runs before the table diff.
pub(super) fn diff_functions(desired: &Schema, live: &mut Schema, out: &mut Vec<Change>) {
    // Renames: the old name with the same arguments, not itself declared.
    for want in desired.functions.values() {
        let Some(old) = &want.renamed_from else {
            continue;
        };
        let from = FunctionId {
            name: QualifiedName::new(&want.name.schema, old),
            identity: want.identity.clone(),
        };
        let to = want.id();
        if desired.functions.contains_key(&from)
            || !live.functions.contains_key(&from)
            || live.functions.contains_key(&to)
        {
            continue;
        }
        let mut moved = live.functions.remove(&from).expect("checked above");
        push(
            out,
            RoutineChange::RenameFunction {
                from: from.clone(),
                kind: moved.kind,
                to: want.name.name.clone(),
            },
        );
        moved.name = want.name.clone();
        let triggers = (live.tables.values_mut().flat_map(|t| &mut t.triggers))
            .chain(live.views.values_mut().flat_map(|v| &mut v.triggers));
        for t in triggers {
            if t.function == from.name {
                t.function = want.name.clone();
            }
        }
        live.functions.insert(to, moved);
    }

    let mut dropped: Vec<Function> = Vec::new();
    for (id, have) in &live.functions {
        match desired.functions.get(id) {
            None => dropped.push(have.clone()),
            Some(want) if !replaceable(want, have) => dropped.push(have.clone()),
            Some(_) => {}
        }
    }
    for have in &dropped {
        let recreated = desired.functions.contains_key(&have.id());
        detach_dependents(desired, live, have, out);
        push(
            out,
            RoutineChange::DropFunction {
                function: have.clone(),
                recreated,
            },
        );
        live.functions.remove(&have.id());
    }

    for (id, want) in &desired.functions {
        match live.functions.get(id) {
            None => {
                push(
                    out,
                    RoutineChange::CreateFunction {
                        function: want.clone(),
                        replace: false,
                    },
                );
                if want.comment.is_some() {
                    push(
                        out,
                        RoutineChange::SetFunctionComment {
                            function: id.clone(),
                            kind: want.kind,
                            comment: want.comment.clone(),
                        },
                    );
                }
            }
            Some(have) => {
                if !same_definition(want, have) {
                    push(
                        out,
                        RoutineChange::CreateFunction {
                            function: want.clone(),
                            replace: true,
                        },
                    );
                }
                if want.comment != have.comment {
                    push(
                        out,
                        RoutineChange::SetFunctionComment {
                            function: id.clone(),
                            kind: want.kind,
                            comment: want.comment.clone(),
                        },
                    );
                }
            }
        }
    }
}

/// `CREATE OR REPLACE` keeps the kind, the result type and the argument list (names,
/// modes and defaults: PostgreSQL refuses to rename an argument or drop a default).
fn replaceable(want: &Function, have: &Function) -> bool {
    want.kind == have.kind && want.returns == have.returns && want.args == have.args
}

fn same_definition(want: &Function, have: &Function) -> bool {
    want.language == have.language
        && want.body == have.body
        && want.volatility == have.volatility
        && want.strict == have.strict
        && want.security_definer == have.security_definer
        && want.leakproof == have.leakproof
        && want.parallel == have.parallel
        && want.cost == have.cost
        && want.rows == have.rows
        && want.config == have.config
}

/// Drops what depends on `f` and takes it out of the live model (the table and trigger
/// diffs then add back what is declared). Views are left to the view diff, which
/// recreates those that call a dropped function (see `views::Disturbed`); a policy the
/// file keeps is created again as it is, like one over a column whose type changes
/// (`policies::detach_policies`).
fn detach_dependents(desired: &Schema, live: &mut Schema, f: &Function, out: &mut Vec<Change>) {
    for d in &f.dependents {
        match d {
            Dependent::Trigger { table, name } => {
                let triggers = match live.tables.get_mut(table) {
                    Some(t) => Some(&mut t.triggers),
                    None => live.views.get_mut(table).map(|v| &mut v.triggers),
                };
                if let Some(triggers) = triggers
                    && let Some(i) = triggers.iter().position(|x| &x.name == name)
                {
                    triggers.remove(i);
                    push(
                        out,
                        RoutineChange::DropTrigger {
                            table: table.clone(),
                            name: name.clone(),
                        },
                    );
                }
            }
            Dependent::Constraint { table, name } => {
                if let Some(t) = live.tables.get_mut(table) {
                    detach_constraint(table, t, name, out);
                }
            }
            Dependent::Default { table, column } => {
                if let Some(t) = live.tables.get_mut(table)
                    && let Some(c) = t.columns.iter_mut().find(|c| &c.name == column)
                    && c.default.take().is_some()
                {
                    out.push(Change::DropDefault {
                        table: table.clone(),
                        column: column.clone(),
                    });
                }
            }
            Dependent::Index { table, name } => {
                if let Some(t) = live.tables.get_mut(table)
                    && let Some(i) = t.indexes.iter().position(|x| &x.name == name)
                {
                    let index = t.indexes.remove(i);
                    out.push(Change::DropIndex {
                        table: table.clone(),
                        index,
                    });
                }
            }
            Dependent::Policy { table, name } => {
                if let Some(t) = live.tables.get_mut(table) {
                    super::policies::detach_policy(desired.tables.get(table), t, name, out);
                }
            }
            Dependent::View { .. } | Dependent::Other(_) => {}
        }
    }
}

fn detach_constraint(table: &QualifiedName, t: &mut Table, name: &str, out: &mut Vec<Change>) {
    let constraint = if let Some(i) = t.checks.iter().position(|c| c.name == name) {
        Constraint::Check(t.checks.remove(i))
    } else if let Some(i) = t.exclusions.iter().position(|c| c.name == name) {
        Constraint::Exclusion(t.exclusions.remove(i))
    } else {
        return;
    };
    out.push(Change::DropConstraint {
        table: table.clone(),
        constraint,
    });
}

fn same_trigger(a: &Trigger, b: &Trigger) -> bool {
    a.timing == b.timing
        && a.events == b.events
        && a.for_each_row == b.for_each_row
        && a.columns == b.columns
        && a.function == b.function
        && a.args == b.args
        && match (&a.when, &b.when) {
            (Some(x), Some(y)) => same_expression(x, y),
            (None, None) => true,
            _ => false,
        }
}

/// The triggers of one relation (a table, or a view): `have` is `None` for a relation the
/// plan creates.
pub fn diff_relation_triggers(
    relation: &QualifiedName,
    want: &[Trigger],
    have: Option<&[Trigger]>,
    out: &mut Vec<Change>,
) {
    let have = have.unwrap_or(&[]);
    for h in have {
        if !want.iter().any(|w| w.name == h.name && same_trigger(w, h)) {
            push(
                out,
                RoutineChange::DropTrigger {
                    table: relation.clone(),
                    name: h.name.clone(),
                },
            );
        }
    }
    for w in want {
        match have.iter().find(|h| h.name == w.name) {
            Some(h) if same_trigger(w, h) => {
                if w.comment != h.comment {
                    push(
                        out,
                        RoutineChange::SetTriggerComment {
                            table: relation.clone(),
                            name: w.name.clone(),
                            comment: w.comment.clone(),
                        },
                    );
                }
            }
            _ => {
                push(
                    out,
                    RoutineChange::CreateTrigger {
                        table: relation.clone(),
                        trigger: w.clone(),
                    },
                );
                if w.comment.is_some() {
                    push(
                        out,
                        RoutineChange::SetTriggerComment {
                            table: relation.clone(),
                            name: w.name.clone(),
                            comment: w.comment.clone(),
                        },
                    );
                }
            }
        }
    }
}

/// Triggers of every declared table (those of dropped tables go with them).
pub(super) fn diff_triggers(desired: &Schema, live: &Schema, out: &mut Vec<Change>) {
    for (name, want) in &desired.tables {
        let have = live.tables.get(name).map(|t| t.triggers.as_slice());
        diff_relation_triggers(name, &want.triggers, have, out);
    }
}
