//! `[tables.*.triggers.*]`: triggers (the loader of a view's `triggers` can use it too).

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

/// `[tables.T.triggers]`.
pub(super) fn load_triggers(
    ctx: &mut Ctx<'_>,
    table: &QualifiedName,
    columns: &[Column],
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
    columns: &[Column],
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
            if !columns.iter().any(|k| k.name == col) {
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
