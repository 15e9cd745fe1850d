//! NOT NULL constraint names (PostgreSQL 18 and later).
//!
//! PostgreSQL 18 stores NOT NULL as a named constraint (`<table>_<column>_not_null`) and
//! keeps that name when the table or the column is renamed, so a renamed table would
//! differ from a fresh push of the same file. The schema file does not name them: after
//! every rename brain-db gives them the name a fresh push gives.
//!
//! A live model from an older server has no names, and nothing to rename. A snapshot of
//! a schema file (`generate`) has none either, but its migrations may run on 18: there
//! [`assume_default_names`] gives each column the default name of the names it has
//! before the renames (what every table brain-db creates or renames carries on 18), and
//! the rename is rendered to do nothing on a server without NOT NULL constraints.

use crate::model::{Schema, names};

use super::Change;

/// Gives every NOT NULL column (key columns too) without a known constraint name the
/// default one of its current names. For a snapshot, before the diff.
pub fn assume_default_names(snapshot: &mut Schema) {
    for table in snapshot.tables.values_mut() {
        let table_name = table.name.name.clone();
        let key: Vec<String> = table
            .primary_key
            .as_ref()
            .map(|pk| pk.columns.clone())
            .unwrap_or_default();
        for column in &mut table.columns {
            let not_null = column.not_null || key.contains(&column.name);
            if not_null && column.not_null_name.is_none() {
                column.not_null_name = Some(names::not_null(&table_name, &column.name));
            }
        }
    }
}

/// Renames the NOT NULL constraints of columns that keep their NOT NULL but whose name
/// is no longer the default for their (renamed) table and column. `live` has its
/// renames applied.
pub(super) fn follow_names(desired: &Schema, live: &Schema, out: &mut Vec<Change>) {
    let recreated: Vec<(&crate::model::QualifiedName, &str)> = out
        .iter()
        .filter_map(|c| match c {
            Change::RecreateColumn { table, column } => Some((table, column.name.as_str())),
            Change::DropColumn { table, column } => Some((table, column.as_str())),
            _ => None,
        })
        .collect();
    let mut renames = Vec::new();
    for (name, want) in &desired.tables {
        let Some(have) = live.tables.get(name) else {
            continue;
        };
        if want.partition_of.is_some() {
            continue;
        }
        let key_columns = want.primary_key.as_ref().map(|pk| &pk.columns);
        for column in &want.columns {
            let Some(existing) = have.column(&column.name) else {
                continue;
            };
            let stays_not_null =
                column.not_null || key_columns.is_some_and(|k| k.contains(&column.name));
            let was_not_null = existing.not_null
                || have
                    .primary_key
                    .as_ref()
                    .is_some_and(|k| k.columns.contains(&column.name));
            if !was_not_null || !stays_not_null || recreated.contains(&(name, &column.name)) {
                continue;
            }
            let Some(current) = &existing.not_null_name else {
                continue;
            };
            if !is_default(current, &name.name, &column.name) {
                renames.push(Change::RenameNotNull {
                    table: name.clone(),
                    from: current.clone(),
                    to: names::not_null(&name.name, &column.name),
                });
            }
        }
    }
    out.extend(renames);
}

/// The default name, or one PostgreSQL chose because another constraint of the schema
/// held it (`..._not_null1`): a fresh push would have the same.
fn is_default(current: &str, table: &str, column: &str) -> bool {
    if current == names::not_null(table, column) {
        return true;
    }
    (1..100).any(|n| {
        current == names::make_object_name(table, Some(column), Some(&format!("not_null{n}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, QualifiedName, Table};

    fn table(name: &str, columns: &[(&str, Option<&str>)]) -> Table {
        let mut t = Table::new(QualifiedName::new("public", name));
        for (c, nn) in columns {
            let mut col = Column::new(*c, "text");
            col.not_null = true;
            col.not_null_name = nn.map(str::to_string);
            t.columns.push(col);
        }
        t
    }

    fn schema(tables: Vec<Table>) -> Schema {
        let mut s = Schema::default();
        for t in tables {
            s.tables.insert(t.name.clone(), t);
        }
        s
    }

    #[test]
    fn a_name_left_by_a_rename_follows_and_defaults_stay() {
        let desired = schema(vec![table("tasks", &[("title", None), ("body", None)])]);
        let live = schema(vec![table(
            "tasks",
            &[
                ("title", Some("todo_title_not_null")),
                ("body", Some("tasks_body_not_null1")),
            ],
        )]);
        let mut out = Vec::new();
        follow_names(&desired, &live, &mut out);
        assert_eq!(
            out,
            [Change::RenameNotNull {
                table: QualifiedName::new("public", "tasks"),
                from: "todo_title_not_null".into(),
                to: "tasks_title_not_null".into(),
            }]
        );
    }

    #[test]
    fn unknown_names_are_the_defaults_of_the_names_before_renames() {
        let mut live = schema(vec![table("todo", &[("title", None)])]);
        assume_default_names(&mut live);
        let t = &live.tables[&QualifiedName::new("public", "todo")];
        assert_eq!(
            t.columns[0].not_null_name.as_deref(),
            Some("todo_title_not_null")
        );
    }
}
