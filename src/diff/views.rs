//! Views and materialized views.
//!
//! A view is kept, replaced in place (`CREATE OR REPLACE VIEW`, when the new query keeps
//! the old columns in front), or dropped and created again. Besides its own changes, a
//! live view is recreated when something it depends on (from `pg_depend`, see
//! [`crate::model::ViewDependencies`]) is taken away under it: a column whose type
//! changes or that is dropped or recreated, a table that is renamed or dropped, an enum
//! rebuilt, or a view it reads that is itself dropped. Drops run before the table changes
//! (dependents first), creations after them (what a view reads first).

use std::collections::{BTreeMap, BTreeSet};

use super::functions::{RoutineChange, diff_relation_triggers};
use super::renames::conflict;
use super::{Change, CommentTarget, RenameConflict};
use crate::model::function::Dependent;
use crate::model::{QualifiedName, Schema, Table, View, ViewKind};
use crate::sql::expr::mentions_identifier;

/// Why a live view is dropped.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ViewDropReason {
    /// schema.toml does not declare it; the live views that read it.
    Undeclared { dependents: Vec<QualifiedName> },
    /// Its query cannot be replaced in place (or it changes kind): created again.
    Redefined,
    /// Created again because of a change under it (the text says which).
    Dependency(String),
}

/// What the plan does to a live view.
enum Fate {
    Keep,
    Replace,
    Recreate(ViewDropReason),
    Drop,
}

/// Renames, then the changes of every declared and live view. Runs after the table
/// diff: `out` holds the table changes the views must make way for.
pub(super) fn diff_views(
    desired: &Schema,
    live: &mut Schema,
    out: &mut Vec<Change>,
) -> Result<(), RenameConflict> {
    let mut disturbed = Disturbed::from_changes(out);
    let mut renamed: BTreeMap<QualifiedName, QualifiedName> = BTreeMap::new();
    for v in desired.views.values() {
        let Some(old) = &v.renamed_from else { continue };
        let from = QualifiedName::new(&v.name.schema, old);
        let has_old = live.views.contains_key(&from);
        let has_new = live.views.contains_key(&v.name);
        conflict(
            v.kind.noun(),
            from.to_string(),
            v.name.to_string(),
            has_old && has_new,
        )?;
        if has_old && !has_new {
            let mut moved = live.views.remove(&from).expect("checked above");
            moved.name = v.name.clone();
            live.views.insert(v.name.clone(), moved);
            renamed.insert(v.name.clone(), from);
        }
    }
    // Dependencies name objects as the plan leaves them.
    for (to, from) in &renamed {
        if let Some(why) = disturbed.views.remove(from) {
            disturbed.views.insert(to.clone(), why);
        }
    }
    for view in live.views.values_mut() {
        let deps = &mut view.depends_on;
        deps.relations = deps
            .relations
            .iter()
            .map(|r| disturbed.translate(r, &renamed))
            .collect();
        deps.columns = deps
            .columns
            .iter()
            .map(|(r, c)| {
                let r = disturbed.translate(r, &renamed);
                let c = disturbed
                    .column_renames
                    .get(&(r.clone(), c.clone()))
                    .cloned()
                    .unwrap_or_else(|| c.clone());
                (r, c)
            })
            .collect();
    }

    let mut fates: BTreeMap<QualifiedName, Fate> = BTreeMap::new();
    for (name, have) in &live.views {
        let fate = match desired.views.get(name) {
            None => Fate::Drop,
            Some(want) if want.kind != have.kind => Fate::Recreate(ViewDropReason::Redefined),
            Some(want) if want.query != have.query => {
                if want.kind == ViewKind::View && replaceable(want, have) {
                    Fate::Replace
                } else if let Some(why) = disturbed.reason(have) {
                    // Said first: it is also why the new query could not be compared.
                    Fate::Recreate(ViewDropReason::Dependency(why))
                } else {
                    Fate::Recreate(ViewDropReason::Redefined)
                }
            }
            Some(_) => Fate::Keep,
        };
        fates.insert(name.clone(), fate);
    }
    // Whatever reads a dropped view, or something taken away under it, is recreated.
    loop {
        let mut changed = false;
        let dropped: BTreeSet<QualifiedName> = fates
            .iter()
            .filter(|(_, f)| matches!(f, Fate::Recreate(_) | Fate::Drop))
            .map(|(n, _)| n.clone())
            .collect();
        for (name, have) in &live.views {
            let fate = fates.get_mut(name).expect("every live view");
            if !matches!(fate, Fate::Keep | Fate::Replace) {
                continue;
            }
            let reason = have
                .depends_on
                .relations
                .iter()
                .find(|r| dropped.contains(r))
                .map(|r| {
                    let kind = live.views[r].kind.noun();
                    format!("it reads {kind} {r}, which is dropped and created again")
                })
                .or_else(|| disturbed.reason(have));
            if let Some(reason) = reason {
                *fate = Fate::Recreate(ViewDropReason::Dependency(reason));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    // Renames first (phase order puts them early); a view that is dropped anyway is
    // dropped under its old name instead.
    for (to, from) in &renamed {
        if matches!(fates.get(to), Some(Fate::Keep | Fate::Replace)) {
            out.push(Change::RenameView {
                from: from.clone(),
                to: to.name.clone(),
                kind: live.views[to].kind,
            });
        }
    }

    // Drops, readers before what they read.
    let to_drop: Vec<&QualifiedName> = fates
        .iter()
        .filter(|(_, f)| matches!(f, Fate::Recreate(_) | Fate::Drop))
        .map(|(n, _)| n)
        .collect();
    for name in drop_order(&to_drop, live) {
        let have = &live.views[name];
        let reason = match &fates[name] {
            Fate::Recreate(r) => r.clone(),
            _ => ViewDropReason::Undeclared {
                dependents: live
                    .views
                    .values()
                    .filter(|v| v.depends_on.relations.contains(name))
                    .map(|v| v.name.clone())
                    .collect(),
            },
        };
        let live_name = renamed.get(name).unwrap_or(name).clone();
        out.push(Change::DropView {
            name: live_name,
            kind: have.kind,
            reason,
            populated: have.kind == ViewKind::Materialized && have.with_data,
        });
    }

    // Creations, what a view reads first.
    let to_create: Vec<&View> = desired
        .views
        .values()
        .filter(|v| !matches!(fates.get(&v.name), Some(Fate::Keep)))
        .collect();
    let creating: BTreeSet<&QualifiedName> = to_create.iter().map(|v| &v.name).collect();
    for want in create_order(&to_create, live) {
        let replace = matches!(fates.get(&want.name), Some(Fate::Replace));
        // The plan orders by these: the views created in the same plan that it reads.
        let mut view = want.clone();
        view.depends_on.relations = reads(want, &creating, live).into_iter().collect();
        out.push(Change::CreateView { view, replace });
        let have = live.views.get(&want.name);
        if replace {
            // CREATE OR REPLACE keeps the view's triggers.
            if let Some(have) = have {
                comment(want, have.comment.as_ref(), out);
                diff_relation_triggers(&want.name, &want.triggers, Some(&have.triggers), out);
            }
            continue;
        }
        comment(want, None, out);
        if want.kind == ViewKind::Materialized {
            indexes(want, None, out);
        }
        diff_relation_triggers(&want.name, &want.triggers, None, out);
    }

    // Views that stay: options, population, comments, indexes.
    for (name, have) in &live.views {
        if !matches!(fates.get(name), Some(Fate::Keep)) {
            continue;
        }
        let want = &desired.views[name];
        match want.kind {
            ViewKind::View => {
                let (set, reset) = option_changes(want, have);
                if !set.is_empty() || !reset.is_empty() {
                    out.push(Change::SetViewOptions {
                        name: name.clone(),
                        set,
                        reset,
                    });
                }
            }
            ViewKind::Materialized => {
                if want.with_data != have.with_data {
                    out.push(Change::RefreshMaterializedView {
                        name: name.clone(),
                        with_data: want.with_data,
                    });
                }
                indexes(want, Some(have), out);
            }
        }
        comment(want, have.comment.as_ref(), out);
        diff_relation_triggers(name, &want.triggers, Some(&have.triggers), out);
    }
    Ok(())
}

/// `CREATE OR REPLACE VIEW` keeps the existing columns (names and types, in order) and
/// may add new ones at the end.
fn replaceable(want: &View, have: &View) -> bool {
    !want.columns.is_empty()
        && !have.columns.is_empty()
        && want.columns.len() >= have.columns.len()
        && want.columns[..have.columns.len()] == have.columns[..]
}

fn comment(want: &View, have: Option<&String>, out: &mut Vec<Change>) {
    if want.comment.as_ref() != have {
        let target = match want.kind {
            ViewKind::View => CommentTarget::View(want.name.clone()),
            ViewKind::Materialized => CommentTarget::MaterializedView(want.name.clone()),
        };
        out.push(Change::SetComment {
            target,
            comment: want.comment.clone(),
        });
    }
}

fn indexes(want: &View, have: Option<&View>, out: &mut Vec<Change>) {
    let as_table = |v: &View| {
        let mut t = Table::new(want.name.clone());
        t.indexes = v.indexes.clone();
        t
    };
    let empty = Table::new(want.name.clone());
    let have = have.map(as_table).unwrap_or(empty);
    super::indexes::diff_indexes(&as_table(want), &have, out);
}

/// `ALTER VIEW .. SET (..)` and `RESET (..)` that take the options from `have` to `want`.
fn option_changes(want: &View, have: &View) -> (Vec<(String, String)>, Vec<String>) {
    let mut set = Vec::new();
    let mut reset = Vec::new();
    for (key, w, h) in [
        (
            "security_barrier",
            want.security_barrier,
            have.security_barrier,
        ),
        (
            "security_invoker",
            want.security_invoker,
            have.security_invoker,
        ),
    ] {
        if w != h {
            if w {
                set.push((key.to_string(), "true".to_string()));
            } else {
                reset.push(key.to_string());
            }
        }
    }
    if want.check_option != have.check_option {
        match want.check_option {
            Some(c) => set.push(("check_option".to_string(), c.name().to_string())),
            None => reset.push("check_option".to_string()),
        }
    }
    (set, reset)
}

/// Readers before what they read (live dependencies).
fn drop_order<'a>(names: &[&'a QualifiedName], live: &Schema) -> Vec<&'a QualifiedName> {
    let mut done: BTreeSet<&QualifiedName> = BTreeSet::new();
    let mut out = Vec::new();
    // Repeatedly take a view no remaining one reads.
    let mut left: Vec<&QualifiedName> = names.to_vec();
    while !left.is_empty() {
        let before = left.len();
        let mut next = Vec::new();
        for &n in &left {
            let read_by_remaining = left.iter().any(|&o| {
                o != n && !done.contains(o) && live.views[o].depends_on.relations.contains(n)
            });
            if read_by_remaining {
                next.push(n);
            } else {
                done.insert(n);
                out.push(n);
            }
        }
        left = next.into_iter().filter(|n| !done.contains(n)).collect();
        if left.len() == before {
            // A cycle cannot happen in the catalog; keep going rather than loop.
            out.append(&mut left);
        }
    }
    out
}

/// What a view reads first. A view created again with its live query reads what its
/// live dependencies say; a new or changed query reads the declared views it names.
fn create_order<'a>(views: &[&'a View], live: &Schema) -> Vec<&'a View> {
    let names: BTreeSet<&QualifiedName> = views.iter().map(|v| &v.name).collect();
    let reads = |v: &View| reads(v, &names, live);
    let by_name: BTreeMap<&QualifiedName, &'a View> = views.iter().map(|v| (&v.name, *v)).collect();
    let mut out = Vec::new();
    let mut state: BTreeMap<QualifiedName, bool> = BTreeMap::new(); // false = visiting
    fn visit<'a>(
        v: &'a View,
        by_name: &BTreeMap<&QualifiedName, &'a View>,
        reads: &dyn Fn(&View) -> Vec<QualifiedName>,
        state: &mut BTreeMap<QualifiedName, bool>,
        out: &mut Vec<&'a View>,
    ) {
        if state.contains_key(&v.name) {
            return;
        }
        state.insert(v.name.clone(), false);
        for r in reads(v) {
            if let Some(dep) = by_name.get(&r) {
                visit(dep, by_name, reads, state, out);
            }
        }
        state.insert(v.name.clone(), true);
        out.push(v);
    }
    for v in views {
        visit(v, &by_name, &reads, &mut state, &mut out);
    }
    out
}

/// The views of `names` that `v` reads: a view created again with its live query reads
/// what its live dependencies say; a new or changed query reads the views it names
/// (over-approximated: a column or function of the same name counts too).
fn reads(v: &View, names: &BTreeSet<&QualifiedName>, live: &Schema) -> Vec<QualifiedName> {
    match live.views.get(&v.name) {
        Some(have) if have.query == v.query => have
            .depends_on
            .relations
            .iter()
            .filter(|r| names.contains(r) && **r != v.name)
            .cloned()
            .collect(),
        _ => names
            .iter()
            .filter(|n| ***n != v.name && mentions_identifier(&v.query, &n.name))
            .map(|n| (*n).clone())
            .collect(),
    }
}

/// What the table changes take away under views, with the reason the plan prints.
#[derive(Default)]
struct Disturbed {
    relations: BTreeMap<QualifiedName, String>,
    columns: BTreeMap<(QualifiedName, String), String>,
    types: BTreeMap<QualifiedName, String>,
    table_renames: BTreeMap<QualifiedName, QualifiedName>,
    column_renames: BTreeMap<(QualifiedName, String), String>,
    /// Views (by live name) whose query calls a function that is dropped.
    views: BTreeMap<QualifiedName, String>,
}

impl Disturbed {
    fn from_changes(changes: &[Change]) -> Self {
        let mut d = Disturbed::default();
        for c in changes {
            match c {
                Change::RenameTable { from, to } => {
                    let new = QualifiedName::new(&from.schema, to);
                    d.relations
                        .insert(new.clone(), format!("table {from} is renamed to {new}"));
                    d.table_renames.insert(from.clone(), new);
                }
                Change::RenameColumn { table, from, to } => {
                    d.column_renames
                        .insert((table.clone(), from.clone()), to.clone());
                }
                Change::DropTable { name: t, .. } => {
                    d.relations
                        .insert(t.clone(), format!("table {t} is dropped"));
                }
                Change::DropColumn { table, column } => {
                    d.columns.insert(
                        (table.clone(), column.clone()),
                        format!("column {table}.{column} is dropped"),
                    );
                }
                Change::RecreateColumn { table, column } => {
                    d.columns.insert(
                        (table.clone(), column.name.clone()),
                        format!("column {table}.{} is dropped and added again", column.name),
                    );
                }
                Change::AlterColumnType {
                    table,
                    column,
                    from,
                    to,
                    ..
                } => {
                    d.columns.insert(
                        (table.clone(), column.clone()),
                        format!("the type of {table}.{column} changes from {from} to {to}"),
                    );
                }
                Change::RecreateEnum { new, columns, .. } => {
                    let why = format!("enum {} is rebuilt", new.name);
                    d.types.insert(new.name.clone(), why.clone());
                    for col in columns {
                        d.columns
                            .insert((col.table.clone(), col.column.clone()), why.clone());
                    }
                }
                Change::DropEnum(n) => {
                    d.types.insert(n.clone(), format!("enum {n} is dropped"));
                }
                Change::Routine(RoutineChange::DropFunction {
                    function,
                    recreated,
                }) => {
                    let what = if *recreated {
                        "is dropped and created again"
                    } else {
                        "is dropped"
                    };
                    let why = format!(
                        "it calls function {}({}), which {what}",
                        function.name, function.identity
                    );
                    for dependent in &function.dependents {
                        if let Dependent::View { name, .. } = dependent {
                            d.views.entry(name.clone()).or_insert_with(|| why.clone());
                        }
                    }
                }
                _ => {}
            }
        }
        d
    }

    /// The name `r` has once the plan's renames ran.
    fn translate(
        &self,
        r: &QualifiedName,
        view_renames: &BTreeMap<QualifiedName, QualifiedName>,
    ) -> QualifiedName {
        if let Some(new) = self.table_renames.get(r) {
            return new.clone();
        }
        if let Some((new, _)) = view_renames.iter().find(|(_, old)| *old == r) {
            return new.clone();
        }
        r.clone()
    }

    fn reason(&self, v: &View) -> Option<String> {
        let deps = &v.depends_on;
        self.views
            .get(&v.name)
            .or_else(|| deps.columns.iter().find_map(|c| self.columns.get(c)))
            .or_else(|| deps.relations.iter().find_map(|r| self.relations.get(r)))
            .or_else(|| deps.types.iter().find_map(|t| self.types.get(t)))
            .cloned()
    }
}
