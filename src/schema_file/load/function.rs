//! `[functions.*]`: functions and procedures.

use std::collections::{BTreeMap, BTreeSet};

use super::ctx::{Ctx, find};
use crate::model::function::{Body, Parallel, RoutineKind, Volatility};
use crate::model::{Function, FunctionId, QualifiedName, Schema};
use crate::schema_file::path;
use crate::schema_file::tree::{Entry, Span, Val};
use crate::sql::routine;
use crate::sql::types;

pub(super) const FUNCTION_KEYS: &[&str] = &[
    "returns",
    "language",
    "body",
    "args",
    "volatility",
    "strict",
    "security_definer",
    "leakproof",
    "set",
    "parallel",
    "cost",
    "rows",
    "kind",
    "comment",
    "renamed_from",
];

/// Splits a function key into its name and, for `name(types)`, the argument types.
fn split_key(key: &str) -> (&str, Option<&str>) {
    let mut in_quotes = false;
    for (i, c) in key.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            '(' if !in_quotes => {
                if let Some(inner) = key[i + 1..].strip_suffix(')') {
                    return (key[..i].trim_end(), Some(inner));
                }
                return (key, None);
            }
            _ => {}
        }
    }
    (key, None)
}

/// One argument of a declared list: its mode, and type (name and default left out).
struct Arg {
    out_only: bool,
    data_type: String,
}

/// Best-effort reading of `[mode] [name] type [DEFAULT expr]`, for the identity that tells
/// overloads apart before the server's own reading replaces it (`apply::canonicalize`).
fn parse_arg(item: &str, enums: &BTreeSet<QualifiedName>) -> Arg {
    let mut rest = item.trim();
    // The default: everything from a top-level `DEFAULT` or `=`.
    let lower = rest.to_ascii_lowercase();
    if let Some(i) = find_word(&lower, "default") {
        rest = rest[..i].trim_end();
    } else if let Some(i) = rest.find('=') {
        rest = rest[..i].trim_end();
    }
    let mut out_only = false;
    for mode in ["inout", "in", "out", "variadic"] {
        let Some(head) = rest.get(..mode.len()) else {
            continue;
        };
        if head.eq_ignore_ascii_case(mode)
            && rest[mode.len()..].starts_with(|c: char| c.is_whitespace())
        {
            out_only = mode == "out";
            rest = rest[mode.len()..].trim_start();
            break;
        }
    }
    let canonical = |t: &str| types::canonical(t, enums).ok().map(|c| c.name);
    let data_type = match canonical(rest) {
        Some(t) => t,
        None => {
            // `name type`: the name is the first word (or quoted name).
            let after_name = if let Some(stripped) = rest.strip_prefix('"') {
                stripped.find('"').map(|i| &stripped[i + 1..])
            } else {
                rest.find(char::is_whitespace).map(|i| &rest[i..])
            };
            let t = after_name.unwrap_or(rest).trim();
            canonical(t).unwrap_or_else(|| t.to_string())
        }
    };
    // format_type prints a public type unqualified under search_path = public.
    let data_type = data_type
        .strip_prefix("public.")
        .map(str::to_string)
        .unwrap_or(data_type);
    Arg {
        out_only,
        data_type,
    }
}

fn find_word(lower: &str, word: &str) -> Option<usize> {
    lower.match_indices(word).map(|(i, _)| i).find(|&i| {
        let before = lower[..i].chars().next_back();
        let after = lower[i + word.len()..].chars().next();
        before.is_some_and(char::is_whitespace) && after.is_none_or(|c| !c.is_alphanumeric())
    })
}

pub(super) fn load_functions(
    ctx: &mut Ctx<'_>,
    entries: &[Entry],
    schema: &mut Schema,
    enums: &BTreeSet<QualifiedName>,
) {
    let mut by_name: BTreeMap<QualifiedName, Vec<(FunctionId, Span)>> = BTreeMap::new();
    for e in entries {
        let Some(f) = load_function(ctx, e, enums) else {
            continue;
        };
        let id = f.id();
        if schema.functions.contains_key(&id) {
            ctx.error(
                &e.key_span,
                format!("function {id} is declared twice"),
                None,
            );
            continue;
        }
        by_name
            .entry(f.name.clone())
            .or_default()
            .push((id.clone(), e.key_span.clone()));
        schema.functions.insert(id, f);
    }
    // Overloads must say which is which.
    for (name, ids) in &by_name {
        if ids.len() < 2 {
            continue;
        }
        for (id, span) in ids {
            if !schema.functions[id].overload_key {
                ctx.error(
                    span,
                    format!(
                        "function {name} has overloads: each needs its argument types in the key"
                    ),
                    Some(format!(
                        "write [functions.\"{}({})\"]",
                        path::qualified(name),
                        id.identity
                    )),
                );
            }
        }
    }
    // Renames of functions: the old name must not be declared too.
    for f in schema.functions.values() {
        if let Some(old) = &f.renamed_from
            && *old == f.name.name
        {
            let span = entries
                .iter()
                .find(|e| split_key(&e.key).0 == path::qualified(&f.name) || e.key == f.name.name)
                .map(|e| e.key_span.clone())
                .unwrap_or(0..0);
            ctx.error(
                &span,
                format!("function {} is renamed from itself", f.name),
                Some("remove `renamed_from`".into()),
            );
        }
    }
}

fn load_function(
    ctx: &mut Ctx<'_>,
    e: &Entry,
    enums: &BTreeSet<QualifiedName>,
) -> Option<Function> {
    let (name_part, key_types) = split_key(&e.key);
    let Some(name) = path::parse_qualified(name_part) else {
        ctx.error(
            &e.key_span,
            format!("malformed function name {:?}", e.key),
            Some(
                "write \"name\", \"schema.name\" or \"name(integer, text)\" for an overload".into(),
            ),
        );
        return None;
    };
    if !(ctx.name_ok(&name.schema, &e.key_span, "schema")
        & ctx.name_ok(&name.name, &e.key_span, "function"))
    {
        return None;
    }
    let fields = ctx.table(&e.node, &format!("function {name}"))?;
    ctx.check_keys(fields, FUNCTION_KEYS, &format!("function {name}"));
    let mut ok = true;

    let kind = match find(fields, "kind") {
        None => RoutineKind::Function,
        Some(k) => match ctx.string(&k.node, "kind").as_deref() {
            Some("function") => RoutineKind::Function,
            Some("procedure") => RoutineKind::Procedure,
            Some(other) => {
                ctx.error(
                    &k.node.span,
                    format!("unknown kind {other:?}"),
                    Some("use \"function\" (the default) or \"procedure\"".into()),
                );
                ok = false;
                RoutineKind::Function
            }
            None => {
                ok = false;
                RoutineKind::Function
            }
        },
    };

    let args = match find(fields, "args") {
        None => String::new(),
        Some(a) => match ctx.string(&a.node, "args") {
            Some(text) if text.trim().is_empty() => String::new(),
            Some(text) => match routine::check_list(&text, "args") {
                Ok(items) => items.join(", "),
                Err(err) => {
                    ctx.fragment_result(&a.node, &text, &text, Err(err));
                    ok = false;
                    String::new()
                }
            },
            None => {
                ok = false;
                String::new()
            }
        },
    };
    let parsed: Vec<Arg> = if args.is_empty() {
        Vec::new()
    } else {
        routine::check_list(&args, "args")
            .unwrap_or_default()
            .iter()
            .map(|item| parse_arg(item, enums))
            .collect()
    };
    let identity_of_args = parsed
        .iter()
        .filter(|a| !a.out_only || kind == RoutineKind::Procedure)
        .map(|a| a.data_type.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let identity = match key_types {
        None => identity_of_args,
        Some(types_text) => {
            let listed: Vec<String> = if types_text.trim().is_empty() {
                Vec::new()
            } else {
                match routine::check_list(types_text, "the argument types of the key") {
                    Ok(items) => items
                        .iter()
                        .map(|t| parse_arg(t, enums).data_type)
                        .collect(),
                    Err(err) => {
                        ctx.error(&e.key_span, err.message, err.hint);
                        return None;
                    }
                }
            };
            let listed = listed.join(", ");
            if listed != identity_of_args {
                ctx.error(
                    &e.key_span,
                    format!(
                        "function key {:?} names argument types ({listed}), but args declare ({identity_of_args})",
                        e.key
                    ),
                    Some("make the key's types those of `args` (without names, defaults and OUT arguments)".into()),
                );
                ok = false;
            }
            listed
        }
    };

    let returns = match (find(fields, "returns"), kind) {
        (Some(r), RoutineKind::Procedure) => {
            ctx.error(
                &r.key_span,
                format!("procedure {name} cannot have `returns`"),
                Some(
                    "a procedure returns nothing; use OUT arguments, or kind = \"function\"".into(),
                ),
            );
            ok = false;
            None
        }
        (Some(r), RoutineKind::Function) => {
            let text = ctx.sql(&r.node, "returns");
            ok &= text.is_some();
            text
        }
        (None, RoutineKind::Function) => {
            ctx.error(
                &e.key_span,
                format!("function {name} has no `returns`"),
                Some("add returns = \"void\" (or the type it returns; \"trigger\" for a trigger function)".into()),
            );
            ok = false;
            None
        }
        (None, RoutineKind::Procedure) => None,
    };

    let language = match find(fields, "language") {
        None => "sql".to_string(),
        Some(l) => match ctx.string(&l.node, "language") {
            Some(s) if !s.trim().is_empty() => s.trim().to_ascii_lowercase(),
            Some(_) => {
                ctx.error(&l.node.span, "language is empty", None);
                ok = false;
                String::new()
            }
            None => {
                ok = false;
                String::new()
            }
        },
    };

    let body = match find(fields, "body") {
        None => {
            ctx.error(
                &e.key_span,
                format!("function {name} has no `body`"),
                Some("add body = \"...\" (a multi-line string: '''...''')".into()),
            );
            ok = false;
            Body::Source(String::new())
        }
        Some(b) => match ctx.string(&b.node, "body") {
            Some(text) if language == "sql" && routine::is_atomic_body(&text) => {
                let trimmed = text.trim();
                match routine::check_atomic_body(trimmed, "body") {
                    Ok(()) => Body::Atomic(trimmed.to_string()),
                    Err(err) => {
                        ctx.fragment_result(&b.node, &text, trimmed, Err(err));
                        ok = false;
                        Body::Source(String::new())
                    }
                }
            }
            Some(text) => Body::Source(text),
            None => {
                ok = false;
                Body::Source(String::new())
            }
        },
    };

    let mut f = Function {
        name: name.clone(),
        kind,
        args,
        identity,
        returns,
        language,
        body,
        volatility: Volatility::Volatile,
        strict: false,
        security_definer: false,
        leakproof: false,
        parallel: Parallel::Unsafe,
        cost: None,
        rows: None,
        config: Vec::new(),
        comment: None,
        renamed_from: None,
        overload_key: key_types.is_some(),
        dependents: Vec::new(),
    };
    if let Some(v) = find(fields, "volatility") {
        match ctx
            .string(&v.node, "volatility")
            .map(|s| s.to_ascii_lowercase())
            .as_deref()
        {
            Some("immutable") => f.volatility = Volatility::Immutable,
            Some("stable") => f.volatility = Volatility::Stable,
            Some("volatile") => f.volatility = Volatility::Volatile,
            Some(other) => {
                ctx.error(
                    &v.node.span,
                    format!("unknown volatility {other:?}"),
                    Some("use \"immutable\", \"stable\" or \"volatile\" (the default)".into()),
                );
                ok = false;
            }
            None => ok = false,
        }
    }
    if let Some(p) = find(fields, "parallel") {
        match ctx
            .string(&p.node, "parallel")
            .map(|s| s.to_ascii_lowercase())
            .as_deref()
        {
            Some("safe") => f.parallel = Parallel::Safe,
            Some("restricted") => f.parallel = Parallel::Restricted,
            Some("unsafe") => f.parallel = Parallel::Unsafe,
            Some(other) => {
                ctx.error(
                    &p.node.span,
                    format!("unknown parallel mode {other:?}"),
                    Some("use \"safe\", \"restricted\" or \"unsafe\" (the default)".into()),
                );
                ok = false;
            }
            None => ok = false,
        }
    }
    for (key, slot) in [
        ("strict", &mut f.strict),
        ("security_definer", &mut f.security_definer),
        ("leakproof", &mut f.leakproof),
    ] {
        if let Some(b) = find(fields, key) {
            match ctx.boolean(&b.node, key) {
                Some(v) => *slot = v,
                None => ok = false,
            }
        }
    }
    if let Some(s) = find(fields, "set") {
        match ctx.table(&s.node, "set") {
            Some(settings) => {
                for setting in settings {
                    let Some(value) = (match &setting.node.val {
                        Val::Str(v) => Some(v.clone()),
                        Val::Int(i) => Some(i.to_string()),
                        Val::Bool(b) => Some(if *b { "on" } else { "off" }.to_string()),
                        other => {
                            ctx.error(
                                &setting.node.span,
                                format!(
                                    "setting {} must be a string, found {}",
                                    setting.key,
                                    other.kind()
                                ),
                                None,
                            );
                            None
                        }
                    }) else {
                        ok = false;
                        continue;
                    };
                    let valid_name = !setting.key.is_empty()
                        && setting
                            .key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
                    if !valid_name {
                        ctx.error(
                            &setting.key_span,
                            format!("{:?} is not a setting name", setting.key),
                            None,
                        );
                        ok = false;
                        continue;
                    }
                    f.config.push((setting.key.to_ascii_lowercase(), value));
                }
            }
            None => ok = false,
        }
    }
    for (key, slot) in [("cost", &mut f.cost), ("rows", &mut f.rows)] {
        if let Some(n) = find(fields, key) {
            match &n.node.val {
                Val::Int(i) if *i > 0 => *slot = Some(*i as f64),
                Val::Float(x) if *x > 0.0 && x.is_finite() => *slot = Some(*x),
                other => {
                    ctx.error(
                        &n.node.span,
                        format!("{key} must be a positive number, found {}", other.kind()),
                        None,
                    );
                    ok = false;
                }
            }
        }
    }
    // PostgreSQL's defaults read as "not set", as introspection reports them.
    let default_cost = if matches!(f.language.as_str(), "c" | "internal") {
        1.0
    } else {
        100.0
    };
    if f.cost == Some(default_cost) {
        f.cost = None;
    }
    if f.rows == Some(1000.0) {
        f.rows = None;
    }
    if let Some(c) = find(fields, "comment") {
        f.comment = ctx.string(&c.node, "comment");
    }
    if let Some(r) = find(fields, "renamed_from") {
        f.renamed_from = ctx.string(&r.node, "renamed_from");
        if let Some(old) = &f.renamed_from {
            ok &= ctx.name_ok(old, &r.node.span, "function");
        }
    }
    ok.then_some(f)
}
