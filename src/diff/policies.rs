//! Row-level security and policies. Each policy change says whether the table enforces
//! row-level security before and after the plan (`enforced`): only then does it change
//! who sees which rows at once, which the plan's access guard judges.

use super::change::{Change, CommentTarget};
use crate::model::{Policy, RowLevelSecurity, Schema, Table};
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
            if gone || uses(policy, &retyped) {
                out.push(Change::DropPolicy {
                    table: name.clone(),
                    policy: policy.clone(),
                    enforced: false,
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
