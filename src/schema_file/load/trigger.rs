//! `[tables.*.triggers.*]` and `[views.*.triggers.*]`: triggers.

use super::ctx::{Ctx, closest, find};
use crate::model::trigger::{Event, Timing};
use crate::model::{Column, QualifiedName, Schema, Trigger};
use crate::schema_file::path;
use crate::schema_file::tree::{Entry, Node, Span, Val};

pub(super) const TRIGGER_KEYS: &[&str] = &[
    "timing", "events", "function", "for_each", "columns", "when", "args", "comment",
];

/// A trigger's function, checked once every function and schema is known.
pub(super) struct PendingTriggerFunction {
    pub function: QualifiedName,
    pub span: Span,
    pub trigger: String,
    pub table: QualifiedName,
}

/// `[tables.T.triggers]` (`columns`: the table's) or `[views.V.triggers]` (`columns`:
/// `None`, a view's columns are known only to the server).
pub(super) fn load_triggers(
    ctx: &mut Ctx<'_>,
    table: &QualifiedName,
    columns: Option<&[Column]>,
    node: &Node,
    pending: &mut Vec<PendingTriggerFunction>,
) -> Vec<Trigger> {
    let mut out: Vec<Trigger> = Vec::new();
    let Some(entries) = ctx.table(node, &format!("triggers of {table}")) else {
        return out;
    };
    for e in entries {
        if !ctx.name_ok(&e.key, &e.key_span, "trigger") {
            continue;
        }
        let Some(fields) = ctx.table(&e.node, &format!("trigger {}", e.key)) else {
            continue;
        };
        let what = format!("trigger {} on {table}", e.key);
        ctx.check_keys(fields, TRIGGER_KEYS, &what);
        if let Some(t) = load_trigger(ctx, table, columns, e, fields, &what, pending) {
            out.push(t);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn load_trigger(
    ctx: &mut Ctx<'_>,
    table: &QualifiedName,
    columns: Option<&[Column]>,
    e: &Entry,
    fields: &[Entry],
    what: &str,
    pending: &mut Vec<PendingTriggerFunction>,
) -> Option<Trigger> {
    let mut ok = true;
    let timing = match find(fields, "timing") {
        None => {
            ctx.error(
                &e.key_span,
                format!("{what} has no `timing`"),
                Some("add timing = \"before\", \"after\" or \"instead of\"".into()),
            );
            return None;
        }
        Some(t) => {
            let text = ctx.string(&t.node, "timing")?;
            match text.trim().to_ascii_lowercase().replace('_', " ").as_str() {
                "before" => Timing::Before,
                "after" => Timing::After,
                "instead of" => Timing::InsteadOf,
                other => {
                    ctx.error(
                        &t.node.span,
                        format!("unknown timing {other:?}"),
                        Some("use \"before\", \"after\" or \"instead of\" (views)".into()),
                    );
                    return None;
                }
            }
        }
    };
    let mut events = Vec::new();
    match find(fields, "events") {
        None => {
            ctx.error(
                &e.key_span,
                format!("{what} has no `events`"),
                Some("add events = [\"insert\", \"update\", \"delete\" or \"truncate\"]".into()),
            );
            ok = false;
        }
        Some(ev) => {
            let list = match &ev.node.val {
                Val::Str(s) => Some(vec![(s.clone(), ev.node.span.clone())]),
                _ => ctx.strings(&ev.node, "events"),
            };
            for (s, span) in list.unwrap_or_default() {
                let event = match s.trim().to_ascii_lowercase().as_str() {
                    "insert" => Event::Insert,
                    "update" => Event::Update,
                    "delete" => Event::Delete,
                    "truncate" => Event::Truncate,
                    other => {
                        ctx.error(
                            &span,
                            format!("unknown event {other:?}"),
                            Some("use \"insert\", \"update\", \"delete\" or \"truncate\"".into()),
                        );
                        ok = false;
                        continue;
                    }
                };
                if !events.contains(&event) {
                    events.push(event);
                }
            }
            if events.is_empty() && ok {
                ctx.error(&ev.node.span, format!("{what} has no events"), None);
                ok = false;
            }
        }
    }
    events.sort();
    let for_each_row = match find(fields, "for_each") {
        None => true,
        Some(f) => match ctx
            .string(&f.node, "for_each")?
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "row" => true,
            "statement" => false,
            other => {
                ctx.error(
                    &f.node.span,
                    format!("unknown for_each {other:?}"),
                    Some("use \"row\" (the default) or \"statement\"".into()),
                );
                return None;
            }
        },
    };
    let mut trigger_columns = Vec::new();
    if let Some(c) = find(fields, "columns") {
        for (col, span) in ctx.strings(&c.node, "columns").unwrap_or_default() {
            if columns.is_some_and(|cs| !cs.iter().any(|k| k.name == col)) {
                ctx.error(&span, format!("{what}: no column {col:?} in {table}"), None);
                ok = false;
            }
            trigger_columns.push(col);
        }
        if !events.contains(&Event::Update) {
            ctx.error(
                &c.key_span,
                format!("{what}: `columns` (UPDATE OF) needs the update event"),
                None,
            );
            ok = false;
        }
    }
    let when = match find(fields, "when") {
        None => None,
        Some(w) => {
            let text = ctx.sql(&w.node, "when");
            ok &= text.is_some();
            text
        }
    };
    let function = match find(fields, "function") {
        None => {
            ctx.error(
                &e.key_span,
                format!("{what} has no `function`"),
                Some("add function = \"name\" (a function returning trigger)".into()),
            );
            return None;
        }
        Some(f) => {
            let text = ctx.string(&f.node, "function")?;
            let text = text.trim().trim_end_matches("()").to_string();
            let Some(name) = path::parse_qualified(&text) else {
                ctx.error(
                    &f.node.span,
                    format!("malformed function name {text:?}"),
                    Some("write \"name\" or \"schema.name\"".into()),
                );
                return None;
            };
            pending.push(PendingTriggerFunction {
                function: name.clone(),
                span: f.node.span.clone(),
                trigger: e.key.clone(),
                table: table.clone(),
            });
            name
        }
    };
    let args = match find(fields, "args") {
        None => Vec::new(),
        Some(a) => ctx
            .strings(&a.node, "args")
            .unwrap_or_default()
            .into_iter()
            .map(|(s, _)| s)
            .collect(),
    };
    let comment = find(fields, "comment").and_then(|c| ctx.string(&c.node, "comment"));
    ok &= relation_rules(
        ctx,
        e,
        fields,
        what,
        columns.is_none(),
        timing,
        for_each_row,
    );
    ok.then(|| Trigger {
        name: e.key.clone(),
        timing,
        events,
        for_each_row,
        columns: trigger_columns,
        when,
        function,
        args,
        comment,
    })
}

/// What PostgreSQL allows on a table or a view (`CREATE TRIGGER` refuses the rest):
/// `INSTEAD OF` only on views, for each row, without `UPDATE OF`; `BEFORE` and `AFTER` on
/// a view only for each statement; no `WHEN` on a view.
fn relation_rules(
    ctx: &mut Ctx<'_>,
    e: &Entry,
    fields: &[Entry],
    what: &str,
    on_view: bool,
    timing: Timing,
    for_each_row: bool,
) -> bool {
    let timing_span = find(fields, "timing").map_or(&e.key_span, |t| &t.node.span);
    if !on_view {
        if timing == Timing::InsteadOf {
            ctx.error(
                timing_span,
                format!("{what}: `instead of` triggers are for views"),
                Some("use \"before\" or \"after\" on a table".into()),
            );
            return false;
        }
        return true;
    }
    let mut ok = true;
    if timing == Timing::InsteadOf {
        if !for_each_row {
            let at = find(fields, "for_each").map_or(&e.key_span, |f| &f.node.span);
            ctx.error(
                at,
                format!("{what}: an `instead of` trigger runs for each row"),
                Some("remove for_each (the default is \"row\")".into()),
            );
            ok = false;
        }
        if let Some(x) = find(fields, "columns") {
            ctx.error(
                &x.key_span,
                format!("{what}: an `instead of` trigger cannot have `columns`"),
                None,
            );
            ok = false;
        }
    } else if for_each_row {
        ctx.error(
            timing_span,
            format!(
                "{what}: a `{}` trigger on a view runs for each statement",
                timing.file_name()
            ),
            Some("add for_each = \"statement\", or use timing = \"instead of\"".into()),
        );
        ok = false;
    }
    // Row-level ones cannot have one; brain-db does not read a statement-level one back
    // on a view.
    if let Some(x) = find(fields, "when") {
        ctx.error(
            &x.key_span,
            format!("{what}: a trigger on a view cannot have `when`"),
            Some("test the condition in the trigger function".into()),
        );
        ok = false;
    }
    ok
}

/// A trigger's function is declared in the file, or lives in a schema it does not manage.
pub(super) fn check_trigger_functions(
    ctx: &mut Ctx<'_>,
    schema: &Schema,
    pending: Vec<PendingTriggerFunction>,
) {
    for p in pending {
        let declared = schema.functions.values().any(|f| f.name == p.function);
        if !declared && schema.schemas.contains(&p.function.schema) {
            let hint = closest(
                &p.function.name,
                schema.functions.keys().map(|k| k.name.name.as_str()),
            )
            .map(|c| format!("did you mean `{c}`?"))
            .unwrap_or_else(|| {
                format!(
                    "declare it under [functions.{}] (returns = \"trigger\")",
                    path::qualified(&p.function)
                )
            });
            ctx.error(
                &p.span,
                format!(
                    "trigger {} on {}: function {} is not declared in this file",
                    p.trigger, p.table, p.function
                ),
                Some(hint),
            );
        }
    }
}
