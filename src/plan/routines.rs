//! SQL for functions, procedures and triggers, and where their changes run in a plan.

use std::collections::HashSet;

use super::order::{Deps, ObjectKind, ObjectRef, Phase, phase, type_ref};
use crate::diff::Change;
use crate::diff::functions::RoutineChange;
use crate::model::function::{Body, Parallel, RoutineKind, Volatility};
use crate::model::trigger::Event;
use crate::model::{Function, FunctionId, QualifiedName, Trigger};
use crate::sql::expr::identifiers;
use crate::sql::quote::{ident, literal, qualified};
use crate::sql::routine::dollar_quote;

/// The statement that lets function bodies name objects created later in the same plan
/// (pg_dump sets it too); `SET LOCAL` ends with the transaction.
pub const NO_BODY_CHECKS: &str = "SET LOCAL check_function_bodies = off";

/// Functions with a body checked only when called: after enums (130), before domains
/// (135: a domain's check may call one) and tables; a signature naming a domain or a row
/// type still waits for it (its `needs`). Earlier than `phase::CREATE_FUNCTION` (172) for
/// the domains' sake.
const FUNCTION: Phase = 133;

/// Functions with a SQL-standard body: after tables, keys and indexes (220 and below),
/// before views (232), which may call them.
const ATOMIC_FUNCTION: Phase = 231;

/// When a change runs and what it creates, drops and needs (see [`super::order`]).
/// Drops of triggers come before table changes; a function is dropped once what used it
/// is gone (its signature's types wait for it), created before tables (checks and
/// defaults may call it) but after the types of its signature (`SETOF tasks` waits for
/// the table); triggers once their tables and functions exist.
pub(super) fn ordering(change: &RoutineChange) -> (Phase, Deps) {
    match change {
        // Before its table or view is dropped (a view's trigger may be dropped for a
        // function recreated under it while the view is recreated too).
        RoutineChange::DropTrigger { table, name: t } => (
            phase::DROP_DEPENDENTS,
            Deps::dropping(ObjectRef::member(ObjectKind::Trigger, table, t))
                .releasing([ObjectRef::new(ObjectKind::Table, table.clone())]),
        ),
        RoutineChange::DropFunction { function, .. } => (
            phase::DROP_FUNCTION,
            Deps::dropping(ObjectRef::function(&function.name, &function.identity))
                .releasing(signature_types(function)),
        ),
        // Renames take free names (see `set_aside_names_taken_before_they_are_freed`).
        RoutineChange::RenameFunction { .. } => (110, Deps::default()),
        RoutineChange::CreateFunction { function, .. } => (
            // A SQL-standard body is parsed when created (check_function_bodies does not
            // apply): it waits for every table change, just before views.
            if matches!(function.body, Body::Atomic(_)) {
                ATOMIC_FUNCTION
            } else {
                FUNCTION
            },
            Deps::creating(ObjectRef::function(&function.name, &function.identity))
                .needing(signature_types(function))
                .needing([ObjectRef::schema(&function.name.schema)]),
        ),
        RoutineChange::CreateTrigger { table, trigger } => (
            phase::CREATE_TRIGGER,
            Deps::creating(ObjectRef::member(ObjectKind::Trigger, table, &trigger.name)).needing([
                ObjectRef::function(&trigger.function, ""),
                ObjectRef::new(ObjectKind::Table, table.clone()),
            ]),
        ),
        RoutineChange::SetFunctionComment { .. } | RoutineChange::SetTriggerComment { .. } => {
            (240, Deps::default())
        }
    }
}

/// The types a function's signature names: its identity argument types and its result
/// (the element of `SETOF`).
fn signature_types(f: &Function) -> Vec<ObjectRef> {
    // As written in the file (`setof tasks`) or as the server prints it (`SETOF tasks`).
    let starts_with = |text: &str, word: &str| {
        text.get(..word.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(word))
    };
    let result = (f.returns.as_deref())
        .filter(|r| !starts_with(r, "TABLE(") && !starts_with(r, "TABLE ("))
        .map(|r| {
            if starts_with(r, "SETOF ") {
                r["SETOF ".len()..].trim_start()
            } else {
                r
            }
        });
    f.identity
        .split(", ")
        .filter(|t| !t.is_empty())
        .chain(result)
        .filter_map(|t| type_ref(t.trim()))
        .collect()
}

fn name(q: &QualifiedName) -> String {
    qualified(&q.schema, &q.name)
}

fn routine_word(kind: RoutineKind) -> &'static str {
    match kind {
        RoutineKind::Function => "FUNCTION",
        RoutineKind::Procedure => "PROCEDURE",
    }
}

fn signature(id: &FunctionId) -> String {
    format!("{}({})", name(&id.name), id.identity)
}

/// Text for a block comment: it can neither end the comment nor open a nested one.
fn comment_text(text: &str) -> String {
    text.replace("*/", "* /").replace("/*", "/ *")
}

pub(super) fn statements(change: &RoutineChange) -> Vec<String> {
    match change {
        RoutineChange::CreateFunction {
            function, replace, ..
        } => vec![create_function(function, *replace)],
        RoutineChange::DropFunction {
            function,
            recreated,
        } => {
            let mut sql = format!(
                "DROP {} {}",
                routine_word(function.kind),
                signature(&function.id())
            );
            if !function.dependents.is_empty() {
                let list: Vec<String> = function
                    .dependents
                    .iter()
                    .map(|d| comment_text(&d.to_string()))
                    .collect();
                let what = if *recreated {
                    "dropped first and recreated with it"
                } else {
                    "dropped first"
                };
                sql.push_str(&format!(" /* used by {}: {what} */", list.join(", ")));
            }
            vec![sql]
        }
        RoutineChange::RenameFunction { from, kind, to } => vec![format!(
            "ALTER {} {} RENAME TO {}",
            routine_word(*kind),
            signature(from),
            ident(to)
        )],
        RoutineChange::SetFunctionComment {
            function,
            kind,
            comment,
        } => vec![format!(
            "COMMENT ON {} {} IS {}",
            routine_word(*kind),
            signature(function),
            comment.as_deref().map_or("NULL".to_string(), literal)
        )],
        RoutineChange::CreateTrigger { table, trigger } => vec![create_trigger(table, trigger)],
        RoutineChange::DropTrigger { table, name: t } => {
            vec![format!("DROP TRIGGER {} ON {}", ident(t), name(table))]
        }
        RoutineChange::SetTriggerComment {
            table,
            name: t,
            comment,
        } => vec![format!(
            "COMMENT ON TRIGGER {} ON {} IS {}",
            ident(t),
            name(table),
            comment.as_deref().map_or("NULL".to_string(), literal)
        )],
    }
}

/// Settings whose value is a list, each element its own literal (pg_dump's
/// `variable_is_guc_list_quote`): `proconfig` holds `search_path=a, "b c"`.
const LIST_SETTINGS: &[&str] = &[
    "local_preload_libraries",
    "search_path",
    "session_preload_libraries",
    "shared_preload_libraries",
    "temp_tablespaces",
    "unix_socket_directories",
];

/// Splits a list setting as PostgreSQL flattens it: comma-separated, elements that need
/// it in double quotes (`""` for an empty one).
fn list_elements(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut item = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        item.push('"');
                    } else {
                        break;
                    }
                } else {
                    item.push(c);
                }
            }
            while chars.peek().is_some_and(|c| *c != ',') {
                chars.next();
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                item.push(c);
                chars.next();
            }
            item = item.trim_end().to_string();
        }
        out.push(item);
        if chars.next().is_none() {
            return out;
        }
    }
}

fn setting(name_: &str, value: &str) -> String {
    let values = if LIST_SETTINGS.contains(&name_) {
        list_elements(value)
            .iter()
            .map(|v| literal(v))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        literal(value)
    };
    format!("SET {} TO {values}", ident(name_))
}

pub fn create_function(f: &Function, replace: bool) -> String {
    let mut sql = format!(
        "CREATE {}{} {}({})",
        if replace { "OR REPLACE " } else { "" },
        routine_word(f.kind),
        name(&f.name),
        f.args
    );
    if let Some(r) = &f.returns {
        sql.push_str(&format!("\n RETURNS {r}"));
    }
    sql.push_str(&format!("\n LANGUAGE {}", ident(&f.language)));
    let mut attributes = Vec::new();
    // Defaults (VOLATILE, PARALLEL UNSAFE) are left out, as pg_get_functiondef does;
    // OR REPLACE resets what is left out to them.
    if f.kind == RoutineKind::Function {
        if f.volatility != Volatility::Volatile {
            attributes.push(f.volatility.sql().to_string());
        }
        if f.strict {
            attributes.push("STRICT".into());
        }
        if f.leakproof {
            attributes.push("LEAKPROOF".into());
        }
    }
    if f.security_definer {
        attributes.push("SECURITY DEFINER".into());
    }
    if f.kind == RoutineKind::Function && f.parallel != Parallel::Unsafe {
        attributes.push(format!("PARALLEL {}", f.parallel.sql()));
    }
    if let Some(c) = f.cost {
        attributes.push(format!("COST {c}"));
    }
    if let Some(r) = f.rows {
        attributes.push(format!("ROWS {r}"));
    }
    if !attributes.is_empty() {
        sql.push_str(&format!("\n {}", attributes.join(" ")));
    }
    for (k, v) in &f.config {
        sql.push_str(&format!("\n {}", setting(k, v)));
    }
    match &f.body {
        Body::Source(body) => sql.push_str(&format!("\nAS {}", dollar_quote(body))),
        // Checked when loaded (or printed by the server): it ends with its own END.
        Body::Atomic(body) => sql.push_str(&format!("\n{body}")),
    }
    sql
}

pub fn create_trigger(table: &QualifiedName, t: &Trigger) -> String {
    let events: Vec<String> = t
        .events
        .iter()
        .map(|e| match e {
            Event::Update if !t.columns.is_empty() => format!(
                "UPDATE OF {}",
                t.columns
                    .iter()
                    .map(|c| ident(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            other => other.sql().to_string(),
        })
        .collect();
    let mut sql = format!(
        "CREATE TRIGGER {} {} {} ON {} FOR EACH {}",
        ident(&t.name),
        t.timing.sql(),
        events.join(" OR "),
        name(table),
        if t.for_each_row { "ROW" } else { "STATEMENT" }
    );
    if let Some(w) = &t.when {
        sql.push_str(&format!(" WHEN ({w})"));
    }
    sql.push_str(&format!(
        " EXECUTE FUNCTION {}({})",
        name(&t.function),
        t.args
            .iter()
            .map(|a| literal(a))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    sql
}

/// Orders the functions and views created in the same plan by what they name. The server
/// parses a view when it is created, so a view that calls a function waits for it (the
/// function may itself wait: for a view's row type in its signature, say); a SQL-standard
/// body is parsed when created too, so one that reads a view waits for the view. The plan
/// has no catalog record of objects it has yet to create, so the names are taken from the
/// text ([`identifiers`], which over-approximates); where a function and a view
/// would each wait for the other, only the function waits (a view cannot call a function
/// that needs the view to exist).
pub(super) fn order_functions_and_views(nodes: &mut [super::order::Node<Change>]) {
    let view_ref = |n: &QualifiedName| ObjectRef::new(ObjectKind::View, n.clone());
    let type_of = |n: &QualifiedName| ObjectRef::new(ObjectKind::Type, n.clone());
    // Each text is lexed once: a large plan pairs every view with every function.
    let views: Vec<(usize, QualifiedName, HashSet<String>)> = (nodes.iter().enumerate())
        .filter_map(|(i, node)| match &node.item {
            Change::CreateView { view, .. } => {
                Some((i, view.name.clone(), identifiers(&view.query)))
            }
            _ => None,
        })
        .collect();
    if views.is_empty() {
        return;
    }
    let functions: Vec<(usize, ObjectRef, QualifiedName, Option<HashSet<String>>)> =
        (nodes.iter().enumerate())
            .filter_map(|(i, node)| match &node.item {
                Change::Routine(RoutineChange::CreateFunction { function, .. }) => Some((
                    i,
                    ObjectRef::function(&function.name, &function.identity),
                    function.name.clone(),
                    match &function.body {
                        Body::Atomic(text) => Some(identifiers(text)),
                        Body::Source(_) => None,
                    },
                )),
                _ => None,
            })
            .collect();
    for (f, function_ref, function_name, atomic_body) in &functions {
        for (v, view_name, query) in &views {
            if atomic_body
                .as_ref()
                .is_some_and(|body| body.contains(&view_name.name))
            {
                nodes[*f].deps.needs.push(view_ref(view_name));
                continue;
            }
            let function_needs_view = (nodes[*f].deps.needs.iter())
                .any(|o| *o == view_ref(view_name) || *o == type_of(view_name));
            if !function_needs_view && query.contains(&function_name.name) {
                nodes[*v].deps.needs.push(function_ref.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_settings_are_split_into_literals() {
        assert_eq!(setting("search_path", "\"\""), "SET search_path TO ''");
        assert_eq!(
            setting("search_path", "public, \"My Schema\""),
            "SET search_path TO 'public', 'My Schema'"
        );
        assert_eq!(setting("work_mem", "64MB"), "SET work_mem TO '64MB'");
    }
}
