//! A table's `row_level_security` and `policies`.

use super::ctx::{Ctx, find};
use crate::model::{Policy, PolicyCommand, RowLevelSecurity, Table};
use crate::schema_file::tree::{Entry, Node, Val};

const POLICY_KEYS: &[&str] = &[
    "command",
    "roles",
    "using",
    "with_check",
    "restrictive",
    "comment",
];

/// `row_level_security` and `policies` of a table.
pub(super) fn load_policies(ctx: &mut Ctx<'_>, entries: &[Entry], table: &mut Table) {
    if let Some(e) = find(entries, "row_level_security") {
        table.row_level_security = row_level_security(ctx, &e.node);
    }
    if let Some(e) = find(entries, "policies")
        && let Some(policies) = ctx.table(&e.node, "policies")
    {
        for p in policies {
            if !ctx.name_ok(&p.key, &p.key_span, "policy") {
                continue;
            }
            if let Some(policy) = load_policy(ctx, p) {
                table.policies.push(policy);
            }
        }
    }
}

fn row_level_security(ctx: &mut Ctx<'_>, node: &Node) -> RowLevelSecurity {
    match &node.val {
        Val::Bool(true) => RowLevelSecurity::Enabled,
        Val::Bool(false) => RowLevelSecurity::Disabled,
        Val::Str(s) if s.trim().eq_ignore_ascii_case("force") => RowLevelSecurity::Forced,
        other => {
            ctx.error(
                &node.span,
                format!(
                    "row_level_security must be true, false or \"force\", found {}",
                    match other {
                        Val::Str(s) => format!("{s:?}"),
                        other => other.kind().to_string(),
                    }
                ),
                Some(
                    "\"force\" also applies the policies to the table's owner (FORCE ROW LEVEL SECURITY)"
                        .into(),
                ),
            );
            RowLevelSecurity::Disabled
        }
    }
}

fn load_policy(ctx: &mut Ctx<'_>, e: &Entry) -> Option<Policy> {
    let what = format!("policy {:?}", e.key);
    let entries = ctx.table(&e.node, &what)?;
    ctx.check_keys(entries, POLICY_KEYS, &what);
    let mut ok = true;
    let command = match find(entries, "command") {
        None => PolicyCommand::All,
        Some(c) => {
            let text = ctx.string(&c.node, "command")?;
            match PolicyCommand::from_keyword(&text.trim().to_ascii_lowercase()) {
                Some(command) => command,
                None => {
                    ctx.error(
                        &c.node.span,
                        format!("unknown policy command {text:?}"),
                        Some(
                            "use one of: \"all\", \"select\", \"insert\", \"update\", \"delete\""
                                .into(),
                        ),
                    );
                    return None;
                }
            }
        }
    };
    let mut roles = Vec::new();
    match find(entries, "roles") {
        None => roles = Policy::default_roles(),
        Some(r) => {
            let list = ctx.strings(&r.node, "roles")?;
            if list.is_empty() {
                ctx.error(
                    &r.node.span,
                    "roles is empty",
                    Some("leave `roles` out (or write [\"public\"]) for every role".into()),
                );
                ok = false;
            }
            for (role, span) in list {
                if !ctx.name_ok(&role, &span, "role") {
                    ok = false;
                    continue;
                }
                // PUBLIC is a keyword, not a role: any spelling means every role.
                let role = if role.eq_ignore_ascii_case("public") {
                    "public".to_string()
                } else {
                    role
                };
                if roles.contains(&role) {
                    ctx.error(&span, format!("role {role:?} is listed twice"), None);
                    ok = false;
                }
                roles.push(role);
            }
            roles.sort();
            if roles.len() > 1 && roles.iter().any(|r| r == "public") {
                ctx.error(
                    &r.node.span,
                    "roles lists public together with other roles",
                    Some(
                        "public already means every role (PostgreSQL would keep only it); \
                         write roles = [\"public\"]"
                            .into(),
                    ),
                );
                ok = false;
            }
        }
    }
    let mut expression = |key: &str, allowed: bool| -> Option<String> {
        let x = find(entries, key)?;
        let sql = ctx.sql(&x.node, key);
        if sql.is_none() {
            ok = false;
        }
        if !allowed {
            let only = if key == "using" {
                "with_check"
            } else {
                "using"
            };
            ctx.error(
                &x.key_span,
                format!(
                    "a policy for {} has no `{key}`",
                    command.keyword().to_ascii_uppercase()
                ),
                Some(format!(
                    "PostgreSQL checks {} rows with `{only}` only",
                    if key == "using" { "new" } else { "existing" }
                )),
            );
            ok = false;
        }
        sql
    };
    let using = expression("using", command.has_using());
    let with_check = expression("with_check", command.has_with_check());
    let restrictive = find(entries, "restrictive")
        .and_then(|x| ctx.boolean(&x.node, "restrictive"))
        .unwrap_or(false);
    let comment = find(entries, "comment").and_then(|x| ctx.string(&x.node, "comment"));
    ok.then(|| Policy {
        name: e.key.clone(),
        command,
        roles,
        using,
        with_check,
        restrictive,
        comment,
    })
}
