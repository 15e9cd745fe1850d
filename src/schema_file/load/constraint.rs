//! Table constraints: the primary key, unique, check, exclusion and foreign-key
//! constraints, from the table's keys and from column sugar (`primary_key = true`, ...).

use std::collections::BTreeSet;

use super::Seen;
use super::column::{Sugar, column_list};
use super::ctx::{Ctx, closest, find};
use crate::model::{
    CheckConstraint, Column, Deferrable, ExclusionConstraint, FkAction, ForeignKey, PrimaryKey,
    QualifiedName, Schema, Table, UniqueConstraint, names,
};
use crate::schema_file::path;
use crate::schema_file::tree::{Entry, Node, Span, Val};
use crate::sql::fragment;

pub(super) const UNIQUE_KEYS: &[&str] = &[
    "name",
    "columns",
    "nulls_not_distinct",
    "deferrable",
    "comment",
];
pub(super) const FK_KEYS: &[&str] = &[
    "name",
    "columns",
    "references",
    "referenced_columns",
    "on_delete",
    "on_update",
    "deferrable",
    "match_full",
    "not_valid",
    "comment",
];
pub(super) const CHECK_KEYS: &[&str] = &["expression", "no_inherit", "not_valid", "comment"];
const PRIMARY_KEY_KEYS: &[&str] = &["name", "columns", "deferrable", "comment"];
pub(super) const ACTIONS: &str =
    "use one of: \"no action\", \"restrict\", \"cascade\", \"set null\", \"set default\"";

/// A column-level foreign key or a table-level one, resolved once all tables are known.
pub(super) struct PendingFk {
    pub(super) table: QualifiedName,
    pub(super) fk: ForeignKey,
    /// Span of `references`.
    pub(super) span: Span,
    /// Columns given explicitly (else: the referenced table's primary key).
    pub(super) columns_given: bool,
    pub(super) comment: Option<String>,
}

/// A constraint's `comment` key (`COMMENT ON CONSTRAINT`), in its table form.
fn comment(ctx: &mut Ctx<'_>, fields: &[Entry]) -> Option<String> {
    find(fields, "comment").and_then(|c| ctx.string(&c.node, "comment"))
}

/// The primary key: `primary_key = true` on one column, or the table's `primary_key`.
pub(super) fn primary_key(
    ctx: &mut Ctx<'_>,
    name: &QualifiedName,
    entries: &[Entry],
    table: &mut Table,
    sugar: &[Sugar],
) {
    let pk_columns: Vec<usize> = sugar
        .iter()
        .enumerate()
        .filter(|(_, s)| s.primary_key)
        .map(|(i, _)| i)
        .collect();
    if pk_columns.len() > 1 {
        for &i in &pk_columns[1..] {
            ctx.error(
                &sugar[i].key_span,
                format!("table {name} has `primary_key = true` on more than one column"),
                Some(format!(
                    "declare a composite key on the table: primary_key = [{}]",
                    pk_columns
                        .iter()
                        .map(|&i| format!("{:?}", table.columns[i].name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
    if let Some(&i) = pk_columns.first() {
        table.primary_key = Some(PrimaryKey {
            name: names::primary_key(&name.name),
            columns: vec![table.columns[i].name.clone()],
            deferrable: Deferrable::NotDeferrable,
        });
    }
    if let Some(e) = find(entries, "primary_key") {
        if let Some(&i) = pk_columns.first() {
            ctx.error(
                &e.key_span,
                format!(
                    "table {name} declares its primary key twice (here and on column {:?})",
                    table.columns[i].name
                ),
                Some("keep one of them".into()),
            );
        } else {
            let mut pk_deferrable = Deferrable::NotDeferrable;
            let mut pk_comment = None;
            let (pk_name, cols_node) = match &e.node.val {
                Val::Table(pk) => {
                    ctx.check_keys(pk, PRIMARY_KEY_KEYS, "primary_key");
                    pk_comment = comment(ctx, pk);
                    let n = find(pk, "name").and_then(|n| {
                        let s = ctx.string(&n.node, "name")?;
                        ctx.name_ok(&s, &n.node.span, "constraint").then_some(s)
                    });
                    if let Some(d) = find(pk, "deferrable") {
                        pk_deferrable = ctx.deferrable(&d.node);
                    }
                    match find(pk, "columns") {
                        Some(c) => (n, Some(&c.node)),
                        None => {
                            ctx.error(&e.node.span, "primary_key needs `columns`", None);
                            (n, None)
                        }
                    }
                }
                Val::Bool(_) => {
                    ctx.error(
                        &e.node.span,
                        "table-level primary_key must list columns",
                        Some(
                            "write primary_key = [\"id\"], or primary_key = true on the column"
                                .into(),
                        ),
                    );
                    (None, None)
                }
                _ => (None, Some(&e.node)),
            };
            if let Some(node) = cols_node
                && let Some(cols) = column_list(ctx, node, &table.columns, "primary_key")
            {
                let pk_name = pk_name.unwrap_or_else(|| names::primary_key(&name.name));
                if let Some(c) = pk_comment {
                    table.constraint_comments.insert(pk_name.clone(), c);
                }
                table.primary_key = Some(PrimaryKey {
                    name: pk_name,
                    columns: cols,
                    deferrable: pk_deferrable,
                });
            }
        }
    }
    if let Some(pk) = &table.primary_key {
        for c in &mut table.columns {
            if pk.columns.contains(&c.name) {
                c.not_null = true;
            }
        }
    }
}

/// Column sugar (`unique`, `check`, `references`) lifted into table constraints.
pub(super) fn lift_sugar(
    ctx: &mut Ctx<'_>,
    name: &QualifiedName,
    table: &mut Table,
    sugar: &[Sugar],
    pending: &mut Vec<PendingFk>,
) {
    for (col, s) in table.columns.iter().zip(sugar) {
        let one = vec![col.name.clone()];
        if s.unique {
            table.uniques.push(UniqueConstraint {
                name: names::unique(&name.name, &one),
                columns: one.clone(),
                nulls_not_distinct: false,
                deferrable: Deferrable::NotDeferrable,
            });
        }
        if let Some(expr) = &s.check {
            table.checks.push(CheckConstraint {
                name: names::column_check(&name.name, &col.name),
                expression: expr.clone(),
                no_inherit: false,
                not_valid: false,
            });
        }
        if let Some((text, span)) = &s.references {
            let target = match path::split(text).as_deref() {
                Some([t, c]) => Some((QualifiedName::public(t.clone()), c.clone())),
                Some([sch, t, c]) => Some((QualifiedName::new(sch.clone(), t.clone()), c.clone())),
                _ => {
                    ctx.error(
                        span,
                        format!("malformed reference {text:?}"),
                        Some("write \"table.column\" or \"schema.table.column\"".into()),
                    );
                    None
                }
            };
            if let Some((rt, rc)) = target {
                pending.push(PendingFk {
                    table: name.clone(),
                    fk: ForeignKey {
                        name: names::foreign_key(&name.name, &one),
                        columns: one.clone(),
                        referenced_table: rt,
                        referenced_columns: vec![rc],
                        on_delete: s.on_delete,
                        on_update: s.on_update,
                        deferrable: Deferrable::NotDeferrable,
                        match_full: false,
                        not_valid: false,
                    },
                    span: span.clone(),
                    columns_given: true,
                    comment: None,
                });
            }
        }
    }
}

pub(super) fn uniques(
    ctx: &mut Ctx<'_>,
    name: &QualifiedName,
    entries: &[Entry],
    table: &mut Table,
) {
    if let Some(e) = find(entries, "unique") {
        if let Val::Array(items) = &e.node.val {
            for item in items {
                let u = match &item.val {
                    Val::Table(u) => {
                        ctx.check_keys(u, UNIQUE_KEYS, "a unique constraint");
                        let n = find(u, "name").and_then(|n| {
                            let s = ctx.string(&n.node, "name")?;
                            ctx.name_ok(&s, &n.node.span, "constraint").then_some(s)
                        });
                        let nnd = find(u, "nulls_not_distinct")
                            .and_then(|x| ctx.boolean(&x.node, "nulls_not_distinct"))
                            .unwrap_or(false);
                        let deferrable = find(u, "deferrable")
                            .map_or(Deferrable::NotDeferrable, |d| ctx.deferrable(&d.node));
                        let Some(c) = find(u, "columns") else {
                            ctx.error(&item.span, "a unique constraint needs `columns`", None);
                            continue;
                        };
                        let Some(cols) =
                            column_list(ctx, &c.node, &table.columns, "unique columns")
                        else {
                            continue;
                        };
                        let n = n.unwrap_or_else(|| names::unique(&name.name, &cols));
                        if let Some(c) = comment(ctx, u) {
                            table.constraint_comments.insert(n.clone(), c);
                        }
                        UniqueConstraint {
                            name: n,
                            columns: cols,
                            nulls_not_distinct: nnd,
                            deferrable,
                        }
                    }
                    _ => {
                        let Some(cols) = column_list(ctx, item, &table.columns, "unique columns")
                        else {
                            continue;
                        };
                        UniqueConstraint {
                            name: names::unique(&name.name, &cols),
                            columns: cols,
                            nulls_not_distinct: false,
                            deferrable: Deferrable::NotDeferrable,
                        }
                    }
                };
                table.uniques.push(u);
            }
        } else {
            ctx.error(
                &e.node.span,
                format!(
                    "unique must be a list of column lists, found {}",
                    e.node.val.kind()
                ),
                Some("write unique = [[\"project\", \"title\"]]".into()),
            );
        }
    }
}

pub(super) fn checks(ctx: &mut Ctx<'_>, entries: &[Entry], table: &mut Table) {
    if let Some(e) = find(entries, "checks")
        && let Some(checks) = ctx.table(&e.node, "checks")
    {
        for c in checks {
            if !ctx.name_ok(&c.key, &c.key_span, "constraint") {
                continue;
            }
            let check = match &c.node.val {
                Val::Table(t) => {
                    ctx.check_keys(t, CHECK_KEYS, &format!("check {}", c.key));
                    let Some(x) = find(t, "expression") else {
                        ctx.error(
                            &c.node.span,
                            format!("check {} needs `expression`", c.key),
                            None,
                        );
                        continue;
                    };
                    let Some(expr) = ctx.sql(&x.node, "expression") else {
                        continue;
                    };
                    if let Some(comment) = comment(ctx, t) {
                        table.constraint_comments.insert(c.key.clone(), comment);
                    }
                    CheckConstraint {
                        name: c.key.clone(),
                        expression: expr,
                        no_inherit: find(t, "no_inherit")
                            .and_then(|x| ctx.boolean(&x.node, "no_inherit"))
                            .unwrap_or(false),
                        not_valid: find(t, "not_valid")
                            .and_then(|x| ctx.boolean(&x.node, "not_valid"))
                            .unwrap_or(false),
                    }
                }
                _ => {
                    let Some(expr) = ctx.sql(&c.node, "a check expression") else {
                        continue;
                    };
                    CheckConstraint {
                        name: c.key.clone(),
                        expression: expr,
                        no_inherit: false,
                        not_valid: false,
                    }
                }
            };
            table.checks.push(check);
        }
    }
}

pub(super) fn exclusions(ctx: &mut Ctx<'_>, entries: &[Entry], table: &mut Table) {
    if let Some(e) = find(entries, "exclude")
        && let Some(exclusions) = ctx.table(&e.node, "exclude")
    {
        for x in exclusions {
            if !ctx.name_ok(&x.key, &x.key_span, "constraint") {
                continue;
            }
            // A string, or { definition = "...", comment = "..." }.
            let node = match &x.node.val {
                Val::Table(fields) => {
                    ctx.check_keys(
                        fields,
                        &["definition", "comment"],
                        &format!("exclusion {}", x.key),
                    );
                    if let Some(c) = comment(ctx, fields) {
                        table.constraint_comments.insert(x.key.clone(), c);
                    }
                    let Some(d) = find(fields, "definition") else {
                        ctx.error(
                            &x.node.span,
                            format!("exclusion {} needs `definition`", x.key),
                            None,
                        );
                        continue;
                    };
                    &d.node
                }
                _ => &x.node,
            };
            let Some(definition) = ctx.sql(node, "an exclusion constraint definition") else {
                continue;
            };
            // Tolerate the keyword itself, as written in CREATE TABLE.
            let definition = match definition.get(..8) {
                Some(head) if head.eq_ignore_ascii_case("exclude ") => {
                    definition[8..].trim_start().to_string()
                }
                _ => definition,
            };
            let checked = fragment::check_exclusion_body(&definition, "exclude");
            if let Val::Str(raw) = &node.val
                && !ctx.fragment_result(node, raw, &definition, checked)
            {
                continue;
            }
            table.exclusions.push(ExclusionConstraint {
                name: x.key.clone(),
                definition,
            });
        }
    }
}

pub(super) fn foreign_keys(
    ctx: &mut Ctx<'_>,
    name: &QualifiedName,
    entries: &[Entry],
    table: &Table,
    pending: &mut Vec<PendingFk>,
) {
    if let Some(e) = find(entries, "foreign_keys") {
        if let Val::Array(items) = &e.node.val {
            for item in items {
                if let Some(p) = table_fk(ctx, name, item, &table.columns) {
                    pending.push(p);
                }
            }
        } else {
            ctx.error(
                &e.node.span,
                format!(
                    "foreign_keys must be a list of tables, found {}",
                    e.node.val.kind()
                ),
                Some("write foreign_keys = [{ columns = [\"a\"], references = \"other\" }]".into()),
            );
        }
    }
}

pub(super) fn check_names(
    ctx: &mut Ctx<'_>,
    name: &QualifiedName,
    key_span: &Span,
    table: &Table,
    pending: &[PendingFk],
    seen: &mut Seen,
) {
    // Constraint names: unique per table; pk/unique/exclusion also take a relation name
    // (their index).
    let mut constraint_names = BTreeSet::new();
    let table_span = key_span.clone();
    let mut all: Vec<(String, bool)> = Vec::new();
    if let Some(pk) = &table.primary_key {
        all.push((pk.name.clone(), true));
    }
    all.extend(table.uniques.iter().map(|u| (u.name.clone(), true)));
    all.extend(table.checks.iter().map(|c| (c.name.clone(), false)));
    all.extend(table.exclusions.iter().map(|x| (x.name.clone(), true)));
    all.extend(
        pending
            .iter()
            .filter(|p| &p.table == name)
            .map(|p| (p.fk.name.clone(), false)),
    );
    for (n, relation) in all {
        if !constraint_names.insert(n.clone()) {
            ctx.error(
                &table_span,
                format!("table {name} has two constraints named {n:?}"),
                Some("give one of them another `name`".into()),
            );
        } else if relation {
            seen.relation(
                ctx,
                &name.schema,
                &n,
                format!("constraint {n:?} of table {name}"),
                &table_span,
            );
        }
    }
}

pub(super) fn table_fk(
    ctx: &mut Ctx<'_>,
    table: &QualifiedName,
    item: &Node,
    columns: &[Column],
) -> Option<PendingFk> {
    let Val::Table(t) = &item.val else {
        ctx.error(
            &item.span,
            format!(
                "each foreign key must be an inline table, found {}",
                item.val.kind()
            ),
            None,
        );
        return None;
    };
    ctx.check_keys(t, FK_KEYS, "a foreign key");
    let name = find(t, "name").and_then(|n| {
        let s = ctx.string(&n.node, "name")?;
        ctx.name_ok(&s, &n.node.span, "constraint").then_some(s)
    });
    let Some(c) = find(t, "columns") else {
        ctx.error(&item.span, "a foreign key needs `columns`", None);
        return None;
    };
    let cols = column_list(ctx, &c.node, columns, "foreign key columns");
    let Some(r) = find(t, "references") else {
        ctx.error(
            &item.span,
            "a foreign key needs `references` (the referenced table)",
            None,
        );
        return None;
    };
    let rtext = ctx.string(&r.node, "references")?;
    let Some(rt) = path::parse_qualified(&rtext) else {
        ctx.error(
            &r.node.span,
            format!("malformed table name {rtext:?}"),
            Some("write \"table\" or \"schema.table\"".into()),
        );
        return None;
    };
    let referenced =
        find(t, "referenced_columns").and_then(|x| ctx.strings(&x.node, "referenced_columns"));
    let on_delete =
        find(t, "on_delete").map_or(FkAction::NoAction, |x| ctx.action(&x.node, "on_delete"));
    let on_update =
        find(t, "on_update").map_or(FkAction::NoAction, |x| ctx.action(&x.node, "on_update"));
    let deferrable =
        find(t, "deferrable").map_or(Deferrable::NotDeferrable, |d| ctx.deferrable(&d.node));
    let match_full = find(t, "match_full")
        .and_then(|x| ctx.boolean(&x.node, "match_full"))
        .unwrap_or(false);
    let not_valid = find(t, "not_valid")
        .and_then(|x| ctx.boolean(&x.node, "not_valid"))
        .unwrap_or(false);
    let comment = comment(ctx, t);
    let cols = cols?;
    Some(PendingFk {
        table: table.clone(),
        fk: ForeignKey {
            name: name.unwrap_or_else(|| names::foreign_key(&table.name, &cols)),
            columns: cols,
            referenced_table: rt,
            referenced_columns: referenced
                .clone()
                .map(|r| r.into_iter().map(|(s, _)| s).collect())
                .unwrap_or_default(),
            on_delete,
            on_update,
            deferrable,
            match_full,
            not_valid,
        },
        span: r.node.span.clone(),
        columns_given: referenced.is_some(),
        comment,
    })
}

pub(super) fn resolve_fks(ctx: &mut Ctx<'_>, schema: &mut Schema, pending: Vec<PendingFk>) {
    for mut p in pending {
        let Some(target) = schema.tables.get(&p.fk.referenced_table) else {
            let rt = &p.fk.referenced_table;
            let same_schema = QualifiedName::new(p.table.schema.clone(), rt.name.clone());
            let hint = if rt.schema == "public" && schema.tables.contains_key(&same_schema) {
                format!("did you mean {same_schema}? an unqualified table name means schema public")
            } else {
                match closest(
                    &rt.to_string(),
                    schema
                        .tables
                        .keys()
                        .map(|k| k.to_string())
                        .collect::<Vec<_>>()
                        .iter()
                        .map(String::as_str),
                ) {
                    Some(c) => format!("did you mean {c}?"),
                    None => "declare the referenced table in this file".to_string(),
                }
            };
            ctx.error(
                &p.span,
                format!("reference to missing table {rt}"),
                Some(hint),
            );
            continue;
        };
        if !p.columns_given {
            match &target.primary_key {
                Some(pk) => p.fk.referenced_columns = pk.columns.clone(),
                None => {
                    ctx.error(
                        &p.span,
                        format!("table {} has no primary key to reference", target.name),
                        Some("list `referenced_columns`".into()),
                    );
                    continue;
                }
            }
        }
        let mut ok = true;
        for c in &p.fk.referenced_columns {
            if target.column(c).is_none() {
                let hint = match closest(c, target.columns.iter().map(|c| c.name.as_str())) {
                    Some(x) => format!("did you mean `{x}`?"),
                    None => format!("table {} has no such column", target.name),
                };
                ctx.error(
                    &p.span,
                    format!("reference to missing column {}.{c}", target.name),
                    Some(hint),
                );
                ok = false;
            }
        }
        if p.fk.referenced_columns.len() != p.fk.columns.len() {
            ctx.error(
                &p.span,
                format!(
                    "foreign key {:?} has {} columns but references {}",
                    p.fk.name,
                    p.fk.columns.len(),
                    p.fk.referenced_columns.len()
                ),
                None,
            );
            ok = false;
        }
        if ok && let Some(t) = schema.tables.get_mut(&p.table) {
            if let Some(c) = p.comment {
                t.constraint_comments.insert(p.fk.name.clone(), c);
            }
            t.foreign_keys.push(p.fk);
        }
    }
}
