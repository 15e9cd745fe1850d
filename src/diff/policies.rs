//! Row-level security and policies. Each policy change says whether the table enforces
//! row-level security before and after the plan (`enforced`): only then does it change
//! who sees which rows at once, which the plan's access guard judges.

use super::change::{Change, CommentTarget};
use crate::model::depend::{ObjectKind, ObjectRef};
use crate::model::{Policy, QualifiedName, RowLevelSecurity, Schema, Table};
use crate::sql::expr::{mentions_identifier, same_expression};

/// Same policy, ignoring its comment.
pub(super) fn same_policy(a: &Policy, b: &Policy) -> bool {
    let same = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => same_expression(x, y),
        (None, None) => true,
        _ => false,
    };
    a.command == b.command
        && a.restrictive == b.restrictive
        && a.roles == b.roles
        && same(&a.using, &b.using)
        && same(&a.with_check, &b.with_check)
}

/// Row-level security and policies of a new table.
pub(super) fn create_policies(want: &Table, out: &mut Vec<Change>) {
    if want.row_level_security.is_enabled() {
        out.push(Change::SetRowLevelSecurity {
            table: want.name.clone(),
            from: RowLevelSecurity::Disabled,
            to: want.row_level_security,
        });
    }
    for policy in &want.policies {
        out.push(Change::CreatePolicy {
            table: want.name.clone(),
            policy: policy.clone(),
            enforced: false,
            uses: Vec::new(),
        });
        comment(want, policy, out);
    }
}

pub(super) fn diff_policies(want: &Table, have: &Table, out: &mut Vec<Change>) {
    let table = &want.name;
    let enforced = want.row_level_security.is_enabled() && have.row_level_security.is_enabled();
    if want.row_level_security != have.row_level_security {
        out.push(Change::SetRowLevelSecurity {
            table: table.clone(),
            from: have.row_level_security,
            to: want.row_level_security,
        });
    }
    for old in &have.policies {
        if !want.policies.iter().any(|p| p.name == old.name) {
            out.push(Change::DropPolicy {
                table: table.clone(),
                policy: old.clone(),
                enforced,
                uses: Vec::new(),
            });
        }
    }
    for policy in &want.policies {
        match have.policies.iter().find(|p| p.name == policy.name) {
            None => {
                out.push(Change::CreatePolicy {
                    table: table.clone(),
                    policy: policy.clone(),
                    enforced,
                    uses: Vec::new(),
                });
                comment(want, policy, out);
            }
            Some(old) => {
                let changed = !same_policy(policy, old);
                if changed {
                    out.push(Change::AlterPolicy {
                        table: table.clone(),
                        from: old.clone(),
                        to: policy.clone(),
                        enforced,
                        uses: Vec::new(),
                    });
                }
                // A policy created again has lost its comment.
                let recreated = changed && !old.alterable_to(policy);
                if policy.comment != old.comment || recreated {
                    comment(want, policy, out);
                }
            }
        }
    }
}

fn comment(table: &Table, policy: &Policy, out: &mut Vec<Change>) {
    if policy.comment.is_some() {
        out.push(Change::SetComment {
            target: CommentTarget::Policy(table.name.clone(), policy.name.clone()),
            comment: policy.comment.clone(),
        });
    }
}

/// PostgreSQL refuses to change the type of a column a policy uses, and to drop it: such a
/// policy is dropped first (before the column drops and type changes) and created again
/// as it is after them, so the table diff then alters it only if the file changes it. A
/// policy that uses a dropped column cannot come back as it is: it leaves the live model,
/// and the table diff creates the declared one.
pub(super) fn detach_policies(desired: &Schema, live: &mut Schema, out: &mut Vec<Change>) {
    for (name, want) in &desired.tables {
        let Some(have) = live.tables.get_mut(name) else {
            continue;
        };
        let dropped: Vec<&str> = (have.columns.iter())
            .filter(|c| want.column(&c.name).is_none())
            .map(|c| c.name.as_str())
            .collect();
        let retyped: Vec<&str> = (have.columns.iter())
            .filter(|c| {
                want.column(&c.name)
                    .is_some_and(|w| w.data_type != c.data_type || w.collation != c.collation)
            })
            .map(|c| c.name.as_str())
            .collect();
        let uses = |p: &Policy, columns: &[&str]| {
            [&p.using, &p.with_check]
                .into_iter()
                .flatten()
                .any(|e| columns.iter().any(|c| mentions_identifier(e, c)))
        };
        let mut kept = Vec::new();
        for policy in &have.policies {
            let gone = uses(policy, &dropped);
            // Already dropped (and created again) for a function recreated under it.
            let is_policy =
                |table: &QualifiedName, p: &Policy| table == name && p.name == policy.name;
            if out.iter().any(
                |c| matches!(c, Change::DropPolicy { table, policy: p, .. } if is_policy(table, p)),
            ) {
                if gone {
                    out.retain(|c| match c {
                        Change::CreatePolicy {
                            table, policy: p, ..
                        } => !is_policy(table, p),
                        Change::SetComment {
                            target: CommentTarget::Policy(table, p),
                            ..
                        } => !(table == name && *p == policy.name),
                        _ => true,
                    });
                } else {
                    kept.push(policy.clone());
                }
                continue;
            }
            if gone || uses(policy, &retyped) {
                out.push(Change::DropPolicy {
                    table: name.clone(),
                    policy: policy.clone(),
                    enforced: false,
                    uses: Vec::new(),
                });
            }
            if gone {
                continue;
            }
            if uses(policy, &retyped) {
                out.push(Change::CreatePolicy {
                    table: name.clone(),
                    policy: policy.clone(),
                    enforced: false,
                    uses: Vec::new(),
                });
                if policy.comment.is_some() {
                    out.push(Change::SetComment {
                        target: CommentTarget::Policy(name.clone(), policy.name.clone()),
                        comment: policy.comment.clone(),
                    });
                }
            }
            kept.push(policy.clone());
        }
        have.policies = kept;
    }
}

/// Takes policy `name` of the live table `have` out of the way of a function that is
/// dropped and created again: dropped, and created again as it is when the file keeps
/// it (the table diff then alters it only if the file changes it), else left out of the
/// live model, so that the table diff does not drop it a second time.
pub(super) fn detach_policy(
    want: Option<&Table>,
    have: &mut Table,
    name: &str,
    out: &mut Vec<Change>,
) {
    let Some(i) = have.policies.iter().position(|p| p.name == name) else {
        return;
    };
    let kept = want.is_some_and(|w| w.policies.iter().any(|p| p.name == name));
    let policy = if kept {
        have.policies[i].clone()
    } else {
        have.policies.remove(i)
    };
    // Dropped for good it changes access as any dropped policy does; dropped and created
    // again in one transaction, nobody's.
    let enforced = !kept
        && have.row_level_security.is_enabled()
        && want.is_some_and(|w| w.row_level_security.is_enabled());
    out.push(Change::DropPolicy {
        table: have.name.clone(),
        policy: policy.clone(),
        enforced,
        uses: Vec::new(),
    });
    if kept {
        out.push(Change::CreatePolicy {
            table: have.name.clone(),
            policy: policy.clone(),
            enforced: false,
            uses: Vec::new(),
        });
        comment(have, &policy, out);
    }
}

/// Fills in `uses` of every policy change (see [`Change::CreatePolicy`]), once `live`
/// reads as the plan leaves it. A policy the database already has as declared uses what
/// `pg_depend` says it does; a new or changed one, the declared functions, tables, views
/// and types its expressions name (over-approximated: a column of the same name counts
/// too, which only orders the policy later). A dropped one releases what it depended on.
pub(super) fn attach_uses(desired: &Schema, live: &Schema, out: &mut [Change]) {
    for change in out.iter_mut() {
        match change {
            Change::CreatePolicy {
                table,
                policy,
                uses,
                ..
            }
            | Change::AlterPolicy {
                table,
                to: policy,
                uses,
                ..
            } => *uses = needed(desired, live, table, policy),
            Change::DropPolicy {
                table,
                policy,
                uses,
                ..
            } => {
                let own = ObjectRef::member(ObjectKind::Policy, table, &policy.name);
                *uses = live.dependencies.of(&own).cloned().collect();
            }
            _ => {}
        }
    }
}

fn needed(
    desired: &Schema,
    live: &Schema,
    table: &QualifiedName,
    policy: &Policy,
) -> Vec<ObjectRef> {
    let own = ObjectRef::member(ObjectKind::Policy, table, &policy.name);
    let mut uses = vec![ObjectRef::new(ObjectKind::Table, table.clone())];
    let unchanged = live
        .tables
        .get(table)
        .and_then(|t| t.policies.iter().find(|p| p.name == policy.name))
        .is_some_and(|p| same_policy(p, policy));
    let recorded: Vec<&ObjectRef> = live.dependencies.of(&own).collect();
    if unchanged && !recorded.is_empty() {
        for r in recorded {
            if r.kind == ObjectKind::Function {
                // The function may come back with other argument types: whichever the
                // file declares under that name.
                let name = r.name.name.split('(').next().unwrap_or_default();
                uses.extend(
                    desired
                        .functions
                        .values()
                        .filter(|f| f.name.schema == r.name.schema && f.name.name == name)
                        .map(|f| ObjectRef::function(&f.name, &f.identity)),
                );
            }
            uses.push(r.clone());
        }
        return uses;
    }
    let expressions: Vec<&str> = [&policy.using, &policy.with_check]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let named = |name: &str| expressions.iter().any(|e| mentions_identifier(e, name));
    uses.extend(
        (desired.functions.values())
            .filter(|f| named(&f.name.name))
            .map(|f| ObjectRef::function(&f.name, &f.identity)),
    );
    let relations = (desired.tables.keys().map(|n| (ObjectKind::Table, n)))
        .chain(desired.views.keys().map(|n| (ObjectKind::View, n)));
    uses.extend(
        relations
            .filter(|(_, n)| *n != table && named(&n.name))
            .map(|(kind, n)| ObjectRef::new(kind, n.clone())),
    );
    let types = (desired.enums.keys().map(|n| (ObjectKind::Enum, n)))
        .chain(desired.domains.keys().map(|n| (ObjectKind::Domain, n)));
    uses.extend(
        types
            .filter(|(_, n)| named(&n.name))
            .map(|(kind, n)| ObjectRef::new(kind, n.clone())),
    );
    uses
}
