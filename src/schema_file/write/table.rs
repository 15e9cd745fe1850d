//! `[tables]`: a table's own fields, its keys and foreign keys (as table fields or column
//! sugar) and its columns; checks, exclusions and indexes have files of their own.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::column::{ColumnSugar, column};
use super::constraint::{write_checks, write_exclusions};
use super::index::write_indexes;
use super::partition::partition_fields;
use super::policy::write_policies;
use super::{action_fields, deferrable, inline, key, string_array, toml_string};
use crate::model::{Deferrable, ForeignKey, QualifiedName, RowLevelSecurity, Schema, Table, names};
use crate::schema_file::path;

pub(super) fn write_table(
    out: &mut String,
    schema: &Schema,
    enums: &BTreeSet<QualifiedName>,
    t: &Table,
) {
    let header = format!("tables.{}", key(&path::qualified(&t.name)));
    let tname = &t.name.name;
    // A partition's columns are its parent's and are not written: its own constraints
    // are written as table keys.
    let partition = t.partition_of.is_some();

    // Which constraints become column sugar: none with a comment, which only their
    // table form carries.
    let commented = |name: &str| t.constraint_comments.get(name).map(|c| toml_string(c));
    let pk_sugar = t
        .primary_key
        .as_ref()
        .filter(|pk| {
            !partition
                && pk.columns.len() == 1
                && pk.name == names::primary_key(tname)
                && pk.deferrable == Deferrable::NotDeferrable
                && commented(&pk.name).is_none()
        })
        .map(|pk| pk.columns[0].clone());
    let unique_sugar = |u: &crate::model::UniqueConstraint| {
        !partition
            && u.columns.len() == 1
            && u.name == names::unique(tname, &u.columns)
            && !u.nulls_not_distinct
            && u.deferrable == Deferrable::NotDeferrable
            && commented(&u.name).is_none()
    };
    let fk_sugar = |f: &ForeignKey| {
        !partition
            && f.columns.len() == 1
            && f.referenced_columns.len() == 1
            && f.name == names::foreign_key(tname, &f.columns)
            && f.deferrable == Deferrable::NotDeferrable
            && !f.match_full
            && !f.not_valid
            && commented(&f.name).is_none()
    };
    let check_column = |name: &str| {
        t.columns
            .iter()
            .position(|c| names::column_check(tname, &c.name) == name)
    };
    let check_sugar: Vec<Option<usize>> = t
        .checks
        .iter()
        .map(|c| {
            if c.no_inherit || c.not_valid || partition || commented(&c.name).is_some() {
                None
            } else {
                check_column(&c.name)
            }
        })
        .collect();

    let mut table_fields: Vec<(String, String)> = Vec::new();
    if let Some(c) = &t.comment {
        table_fields.push(("comment".into(), toml_string(c)));
    }
    if let Some(r) = &t.renamed_from {
        table_fields.push(("renamed_from".into(), toml_string(r)));
    }
    if t.unlogged {
        table_fields.push(("unlogged".into(), "true".into()));
    }
    table_fields.extend(partition_fields(t));
    match t.row_level_security {
        RowLevelSecurity::Disabled => {}
        RowLevelSecurity::Enabled => {
            table_fields.push(("row_level_security".into(), "true".into()));
        }
        RowLevelSecurity::Forced => {
            table_fields.push(("row_level_security".into(), toml_string("force")));
        }
    }
    if let Some(pk) = t.primary_key.as_ref().filter(|_| pk_sugar.is_none()) {
        let cols = string_array(&pk.columns);
        let default_name = pk.name == names::primary_key(tname);
        let comment = commented(&pk.name);
        let value =
            if default_name && pk.deferrable == Deferrable::NotDeferrable && comment.is_none() {
                cols
            } else {
                let mut f = Vec::new();
                if !default_name {
                    f.push(("name", toml_string(&pk.name)));
                }
                f.push(("columns", cols));
                if pk.deferrable != Deferrable::NotDeferrable {
                    f.push(("deferrable", deferrable(pk.deferrable)));
                }
                f.extend(comment.map(|c| ("comment", c)));
                inline(&f)
            };
        table_fields.push(("primary_key".into(), value));
    }
    let uniques: Vec<String> = t
        .uniques
        .iter()
        .filter(|u| !unique_sugar(u))
        .map(|u| {
            let cols = string_array(&u.columns);
            let default_name = u.name == names::unique(tname, &u.columns);
            let comment = commented(&u.name);
            if default_name
                && !u.nulls_not_distinct
                && u.deferrable == Deferrable::NotDeferrable
                && comment.is_none()
            {
                return cols;
            }
            let mut f = Vec::new();
            if !default_name {
                f.push(("name", toml_string(&u.name)));
            }
            f.push(("columns", cols));
            if u.nulls_not_distinct {
                f.push(("nulls_not_distinct", "true".into()));
            }
            if u.deferrable != Deferrable::NotDeferrable {
                f.push(("deferrable", deferrable(u.deferrable)));
            }
            f.extend(comment.map(|c| ("comment", c)));
            inline(&f)
        })
        .collect();
    if !uniques.is_empty() {
        table_fields.push(("unique".into(), format!("[{}]", uniques.join(", "))));
    }
    let fks: Vec<String> = t
        .foreign_keys
        .iter()
        .filter(|f| !fk_sugar(f))
        .map(|f| {
            let mut fields = Vec::new();
            if f.name != names::foreign_key(tname, &f.columns) {
                fields.push(("name", toml_string(&f.name)));
            }
            fields.push(("columns", string_array(&f.columns)));
            fields.push((
                "references",
                toml_string(&path::qualified(&f.referenced_table)),
            ));
            let pk = schema
                .tables
                .get(&f.referenced_table)
                .and_then(|rt| rt.primary_key.as_ref())
                .map(|pk| &pk.columns);
            if pk != Some(&f.referenced_columns) {
                fields.push(("referenced_columns", string_array(&f.referenced_columns)));
            }
            action_fields(&mut fields, f.on_delete, f.on_update);
            if f.deferrable != Deferrable::NotDeferrable {
                fields.push(("deferrable", deferrable(f.deferrable)));
            }
            if f.match_full {
                fields.push(("match_full", "true".into()));
            }
            if f.not_valid {
                fields.push(("not_valid", "true".into()));
            }
            fields.extend(commented(&f.name).map(|c| ("comment", c)));
            format!("  {},\n", inline(&fields))
        })
        .collect();
    if !fks.is_empty() {
        table_fields.push(("foreign_keys".into(), format!("[\n{}]", fks.concat())));
    }

    if !table_fields.is_empty() || t.columns.is_empty() {
        let _ = writeln!(out, "[{header}]");
        for (k, v) in &table_fields {
            let _ = writeln!(out, "{k} = {v}");
        }
        out.push('\n');
    }

    if !t.columns.is_empty() && !partition {
        let _ = writeln!(out, "[{header}.columns]");
        for (i, c) in t.columns.iter().enumerate() {
            let checks: Vec<&str> = t
                .checks
                .iter()
                .zip(&check_sugar)
                .filter(|(_, s)| **s == Some(i))
                .map(|(c, _)| c.expression.as_str())
                .collect();
            let sugar = ColumnSugar {
                primary_key: pk_sugar.as_deref() == Some(c.name.as_str()),
                in_pk: t
                    .primary_key
                    .as_ref()
                    .is_some_and(|pk| pk.columns.contains(&c.name)),
                unique: t
                    .uniques
                    .iter()
                    .any(|u| unique_sugar(u) && u.columns[0] == c.name),
                fk: t
                    .foreign_keys
                    .iter()
                    .find(|f| fk_sugar(f) && f.columns[0] == c.name),
                check: checks.first().copied(),
            };
            let _ = writeln!(
                out,
                "{} = {}",
                key(&c.name),
                column(schema, enums, t, c, &sugar)
            );
        }
        out.push('\n');
    }

    write_checks(out, &header, t, &check_sugar);
    write_exclusions(out, &header, t);
    write_indexes(out, &header, t);
    write_policies(out, &header, t);
}
