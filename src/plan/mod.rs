//! Turns typed changes into an ordered list of SQL statements, each with the hazard it
//! carries (data it may destroy).
//!
//! Architecture invariant: pure. Statements are rendered only here, with identifiers and
//! literals quoted by `sql::quote`; the only unquoted text is SQL the schema file holds
//! as SQL (defaults, checks, generated expressions, index keys and predicates).

mod render;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::diff::{Change, Constraint};
use crate::model::QualifiedName;

/// Something a statement may destroy; push refuses these without `--force`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Hazard {
    DropsTable {
        table: QualifiedName,
    },
    DropsColumn {
        table: QualifiedName,
        column: String,
    },
    RecreatesColumn {
        table: QualifiedName,
        column: String,
    },
    NarrowsType {
        table: QualifiedName,
        column: String,
        from: String,
        to: String,
    },
    DropsEnumValues {
        name: QualifiedName,
        values: Vec<String>,
        tables: Vec<QualifiedName>,
    },
    DropsKey {
        table: QualifiedName,
        constraint: String,
    },
    DropsEnum {
        name: QualifiedName,
    },
    DropsSequence {
        name: QualifiedName,
    },
}

impl Hazard {
    /// The tables whose rows are at stake (their row counts are shown with the hazard).
    pub fn tables(&self) -> Vec<&QualifiedName> {
        match self {
            Hazard::DropsTable { table }
            | Hazard::DropsColumn { table, .. }
            | Hazard::RecreatesColumn { table, .. }
            | Hazard::NarrowsType { table, .. }
            | Hazard::DropsKey { table, .. } => vec![table],
            Hazard::DropsEnumValues { tables, .. } => tables.iter().collect(),
            Hazard::DropsEnum { .. } | Hazard::DropsSequence { .. } => Vec::new(),
        }
    }
}

impl fmt::Display for Hazard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hazard::DropsTable { table } => write!(f, "drops table {table}"),
            Hazard::DropsColumn { table, column } => write!(f, "drops column {table}.{column}"),
            Hazard::RecreatesColumn { table, column } => {
                write!(
                    f,
                    "drops and re-adds column {table}.{column} (its values are recomputed)"
                )
            }
            Hazard::NarrowsType {
                table,
                column,
                from,
                to,
            } => {
                write!(
                    f,
                    "changes {table}.{column} from {from} to {to}, which may fail or lose data"
                )
            }
            Hazard::DropsEnumValues { name, values, .. } => {
                write!(f, "removes value(s) {} from enum {name}", values.join(", "))
            }
            Hazard::DropsKey { table, constraint } => {
                write!(
                    f,
                    "drops key constraint {constraint} on {table}, which the data may rely on"
                )
            }
            Hazard::DropsEnum { name } => {
                write!(f, "drops enum {name}, which schema.toml does not declare")
            }
            Hazard::DropsSequence { name } => {
                write!(
                    f,
                    "drops sequence {name}, which schema.toml does not declare"
                )
            }
        }
    }
}

/// One SQL statement of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub sql: String,
    pub hazard: Option<Hazard>,
    /// Must be committed before later statements may use its effect
    /// (`ALTER TYPE .. ADD VALUE`: a new enum value is unusable in the transaction that
    /// added it).
    pub commit_first: bool,
}

/// An ordered list of statements.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Tables the plan renames: declared name -> live name. Hazards name tables as the
    /// plan leaves them; their rows are counted before it runs, under the live names.
    pub renamed_tables: BTreeMap<QualifiedName, QualifiedName>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// A plan of these statements, with no renames to account for.
    pub fn of_steps(steps: Vec<Step>) -> Self {
        Plan {
            steps,
            renamed_tables: BTreeMap::new(),
        }
    }

    /// The name `table` (as the plan leaves it) has in the database before the plan runs.
    pub fn live_name<'a>(&'a self, table: &'a QualifiedName) -> &'a QualifiedName {
        self.renamed_tables.get(table).unwrap_or(table)
    }

    pub fn hazards(&self) -> Vec<&Hazard> {
        self.steps
            .iter()
            .filter_map(|s| s.hazard.as_ref())
            .collect()
    }

    /// The whole plan as an SQL script, one statement per line block, each ended by `;`.
    pub fn to_sql(&self) -> String {
        let mut out = String::new();
        for step in &self.steps {
            out.push_str(&step.sql);
            out.push_str(";\n");
        }
        out
    }
}

/// Order in which kinds of change run; within a phase, the diff's order is kept.
///
/// Names of tables, views, indexes, sequences and key constraints share one namespace per
/// schema (and a table's row type shares the type namespace with enums), so everything
/// that frees a name runs before anything that may take it: drops (explicit, and those
/// implied by a dropped table) come first, then renames of indexes, constraints and
/// sequences, then creations. A drop waits only for what it depends on: foreign keys
/// before the keys and tables they reference, defaults before the sequences they call,
/// column conversions before the enum they leave.
fn phase(change: &Change) -> u8 {
    match change {
        Change::CreateSchema(_) => 0,
        // Table, enum and column renames take names that are free (the diff refuses a
        // rename onto a live name) and everything after names the objects by their new
        // names.
        Change::RenameEnum { .. } | Change::RenameTable { .. } => 1,
        Change::RenameColumn { .. } => 2,
        // A sequence leaves a column that is dropped: released first, or it would be
        // dropped with it.
        Change::SetSequenceOwner { owner: None, .. } => 3,
        Change::DropConstraint {
            constraint: Constraint::ForeignKey(_),
            ..
        } => 4,
        Change::DropIndex { .. } | Change::DropConstraint { .. } => 5,
        Change::SetLogged { .. }
        | Change::DropExpression { .. }
        | Change::DropDefault { .. }
        | Change::DropIdentity { .. } => 6,
        // The drop half of a recreated column runs before plain column drops: a
        // generated column may depend on a column that goes away.
        Change::RecreateColumn { .. } => 7,
        Change::DropColumn { .. } => 8,
        Change::DropTable(_) => 9,
        Change::DropSequence(_) => 10,
        Change::RenameConstraint { .. } | Change::RenameIndex { .. } => 11,
        Change::RenameSequence { .. } | Change::RenameNotNull { .. } => 11,
        Change::AddEnumValue { .. } => 12,
        Change::CreateEnum(_) => 13,
        Change::RecreateEnum { .. } => 14,
        Change::AlterColumnType { .. } | Change::AlterIdentity { .. } => 15,
        Change::DropEnum(_) => 16,
        Change::CreateSequence(_) | Change::AlterSequence { .. } => 17,
        Change::CreateTable(_) => 18,
        Change::AddColumn { .. }
        | Change::SetDefault { .. }
        | Change::DropNotNull { .. }
        | Change::SetNotNull { .. }
        | Change::AddIdentity { .. } => 19,
        Change::AddConstraint {
            constraint: Constraint::ForeignKey(_),
            ..
        } => 22,
        Change::AddConstraint { .. } => 20,
        Change::CreateIndex { .. } => 21,
        Change::SetSequenceOwner { .. } => 23,
        Change::SetComment { .. } => 24,
    }
}

/// Orders the changes and renders each into statements.
pub fn plan(mut changes: Vec<Change>) -> Plan {
    changes.sort_by_key(phase);
    let replacements = Replacements::of(&changes);
    let renamed_tables = changes
        .iter()
        .filter_map(|c| match c {
            Change::RenameTable { from, to } => {
                Some((QualifiedName::new(&from.schema, to), from.clone()))
            }
            _ => None,
        })
        .collect();
    // Hazards name what the user declared and sees, not the names objects are set aside
    // under.
    let changes: Vec<(Change, Option<Hazard>)> = changes
        .into_iter()
        .map(|c| {
            let hazard = hazard_of(&c, &replacements);
            (c, hazard)
        })
        .collect();
    let changes = set_aside_names_taken_before_they_are_freed(changes);
    let mut steps = Vec::new();
    for (change, hazard) in &changes {
        let commit_first = matches!(change, Change::AddEnumValue { .. });
        let statements = render::statements(change);
        let count = statements.len();
        for (i, sql) in statements.into_iter().enumerate() {
            // The hazard belongs to the statement that does the damage: the last one.
            let hazard = if i + 1 == count { hazard.clone() } else { None };
            steps.push(Step {
                sql,
                hazard,
                commit_first,
            });
        }
    }
    Plan {
        steps,
        renamed_tables,
    }
}

/// The namespaces PostgreSQL keeps names in, per schema: relations (tables, views,
/// sequences, indexes, and so the indexes behind key and exclusion constraints) and types
/// (enums, domains, and every table's row type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Namespace {
    Relation,
    Type,
}

type Name = (Namespace, String, String);

fn name_in(namespace: Namespace, schema: &str, name: &str) -> Name {
    (namespace, schema.to_string(), name.to_string())
}

/// Names a change gives to an object that had another name (renames); the phases put
/// them before most drops, because everything after names the objects by their new names.
/// Creations are not listed: they run after every drop.
fn names_taken(change: &Change) -> Vec<Name> {
    match change {
        Change::RenameTable { from, to } => vec![
            name_in(Namespace::Relation, &from.schema, to),
            name_in(Namespace::Type, &from.schema, to),
        ],
        Change::RenameEnum { from, to } => vec![name_in(Namespace::Type, &from.schema, to)],
        Change::RenameSequence { from, to } => {
            vec![name_in(Namespace::Relation, &from.schema, to)]
        }
        Change::RenameIndex { index, to } => {
            vec![name_in(Namespace::Relation, &index.schema, to)]
        }
        Change::RenameConstraint { table, to, .. } => {
            vec![name_in(Namespace::Relation, &table.schema, to)]
        }
        _ => Vec::new(),
    }
}

/// For a drop whose name may be taken, the name it frees, the rename that frees it at
/// once, and the drop under the name it is set aside as.
fn set_aside(change: &Change) -> Option<(Vec<Name>, Change, Change)> {
    let aside = |name: &str| format!("{name}__brain_db_dropped");
    match change {
        Change::DropEnum(n) => Some((
            vec![name_in(Namespace::Type, &n.schema, &n.name)],
            Change::RenameEnum {
                from: n.clone(),
                to: aside(&n.name),
            },
            Change::DropEnum(QualifiedName::new(&n.schema, aside(&n.name))),
        )),
        Change::DropSequence(n) => Some((
            vec![name_in(Namespace::Relation, &n.schema, &n.name)],
            Change::RenameSequence {
                from: n.clone(),
                to: aside(&n.name),
            },
            Change::DropSequence(QualifiedName::new(&n.schema, aside(&n.name))),
        )),
        Change::DropTable(n) => Some((
            vec![
                name_in(Namespace::Relation, &n.schema, &n.name),
                name_in(Namespace::Type, &n.schema, &n.name),
            ],
            Change::RenameTable {
                from: n.clone(),
                to: aside(&n.name),
            },
            Change::DropTable(QualifiedName::new(&n.schema, aside(&n.name))),
        )),
        Change::DropIndex { table, index } => {
            let mut moved = index.clone();
            moved.name = aside(&index.name);
            Some((
                vec![name_in(Namespace::Relation, &table.schema, &index.name)],
                Change::RenameIndex {
                    index: QualifiedName::new(&table.schema, &index.name),
                    to: moved.name.clone(),
                },
                Change::DropIndex {
                    table: table.clone(),
                    index: moved,
                },
            ))
        }
        Change::DropConstraint {
            table,
            constraint:
                c @ (Constraint::PrimaryKey(_) | Constraint::Unique(_) | Constraint::Exclusion(_)),
        } => {
            let mut moved = c.clone();
            moved.set_name(aside(c.name()));
            Some((
                vec![name_in(Namespace::Relation, &table.schema, c.name())],
                Change::RenameConstraint {
                    table: table.clone(),
                    from: c.name().to_string(),
                    to: moved.name().to_string(),
                },
                Change::DropConstraint {
                    table: table.clone(),
                    constraint: moved,
                },
            ))
        }
        _ => None,
    }
}

/// A drop that must wait for what depends on the object (columns leaving an enum,
/// foreign keys, defaults) may come after a rename that takes the object's name. Such an
/// object is renamed out of the way first (its dependents follow it by OID) and dropped
/// under that name in its own phase: every name is freed before it is taken.
fn set_aside_names_taken_before_they_are_freed(
    changes: Vec<(Change, Option<Hazard>)>,
) -> Vec<(Change, Option<Hazard>)> {
    let mut taken_so_far: BTreeSet<Name> = BTreeSet::new();
    let mut moved: BTreeMap<QualifiedName, QualifiedName> = BTreeMap::new();
    let mut renames_first = Vec::new();
    let mut rest = Vec::new();
    for (change, hazard) in changes {
        let set_aside = set_aside(&change)
            .filter(|(frees, _, _)| frees.iter().any(|n| taken_so_far.contains(n)));
        taken_so_far.extend(names_taken(&change));
        match set_aside {
            Some((_, rename, drop)) => {
                if let (Change::DropTable(from), Change::DropTable(to))
                | (Change::DropSequence(from), Change::DropSequence(to)) = (&change, &drop)
                {
                    moved.insert(from.clone(), to.clone());
                }
                renames_first.push((rename, None));
                rest.push((drop, hazard));
            }
            None => rest.push((change, hazard)),
        }
    }
    // A table or sequence set aside is named by its new name in the changes that take
    // it apart or release it.
    for (change, _) in &mut rest {
        if let Change::DropConstraint { table: n, .. }
        | Change::DropIndex { table: n, .. }
        | Change::SetSequenceOwner { name: n, .. } = change
            && let Some(to) = moved.get(n)
        {
            *n = to.clone();
        }
    }
    let schemas = rest
        .iter()
        .take_while(|(c, _)| matches!(c, Change::CreateSchema(_)))
        .count();
    let tail = rest.split_off(schemas);
    rest.extend(renames_first);
    rest.extend(tail);
    rest
}

/// What the plan adds back, so that dropping a key it replaces is not called destructive.
struct Replacements {
    dropped_tables: BTreeSet<QualifiedName>,
    tables_with_new_primary_key: BTreeSet<QualifiedName>,
    added_uniques: BTreeSet<(QualifiedName, Vec<String>)>,
}

impl Replacements {
    fn of(changes: &[Change]) -> Self {
        let mut r = Replacements {
            dropped_tables: BTreeSet::new(),
            tables_with_new_primary_key: BTreeSet::new(),
            added_uniques: BTreeSet::new(),
        };
        for c in changes {
            match c {
                Change::DropTable(t) => {
                    r.dropped_tables.insert(t.clone());
                }
                Change::AddConstraint {
                    table,
                    constraint: Constraint::PrimaryKey(_),
                } => {
                    r.tables_with_new_primary_key.insert(table.clone());
                }
                Change::AddConstraint {
                    table,
                    constraint: Constraint::Unique(u),
                } => {
                    r.added_uniques.insert((table.clone(), u.columns.clone()));
                }
                _ => {}
            }
        }
        r
    }

    /// True when the key's guarantee survives the plan.
    fn keeps(&self, table: &QualifiedName, constraint: &Constraint) -> bool {
        if self.dropped_tables.contains(table) {
            return true;
        }
        match constraint {
            Constraint::PrimaryKey(_) => self.tables_with_new_primary_key.contains(table),
            Constraint::Unique(u) => self
                .added_uniques
                .contains(&(table.clone(), u.columns.clone())),
            _ => true,
        }
    }
}

fn hazard_of(change: &Change, replacements: &Replacements) -> Option<Hazard> {
    match change {
        Change::DropTable(table) => Some(Hazard::DropsTable {
            table: table.clone(),
        }),
        Change::DropColumn { table, column } => Some(Hazard::DropsColumn {
            table: table.clone(),
            column: column.clone(),
        }),
        Change::RecreateColumn { table, column } => Some(Hazard::RecreatesColumn {
            table: table.clone(),
            column: column.name.clone(),
        }),
        Change::AlterColumnType {
            table,
            column,
            from,
            to,
            ..
        } if !crate::diff::types::is_widening(from, to) => Some(Hazard::NarrowsType {
            table: table.clone(),
            column: column.clone(),
            from: from.clone(),
            to: to.clone(),
        }),
        Change::RecreateEnum {
            new,
            columns,
            removed,
            ..
        } if !removed.is_empty() => {
            let tables: BTreeSet<QualifiedName> = columns.iter().map(|c| c.table.clone()).collect();
            Some(Hazard::DropsEnumValues {
                name: new.name.clone(),
                values: removed.clone(),
                tables: tables.into_iter().collect(),
            })
        }
        Change::DropConstraint {
            table,
            constraint: c @ (Constraint::PrimaryKey(_) | Constraint::Unique(_)),
        } if !replacements.keeps(table, c) => Some(Hazard::DropsKey {
            table: table.clone(),
            constraint: c.name().to_string(),
        }),
        Change::DropEnum(name) => Some(Hazard::DropsEnum { name: name.clone() }),
        Change::DropSequence(name) => Some(Hazard::DropsSequence { name: name.clone() }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff;
    use crate::schema_file::parse;

    fn plan_between(from: &str, to: &str) -> Plan {
        let from = parse(from, "from.toml").expect("valid from");
        let to = parse(to, "to.toml").expect("valid to");
        plan(diff(&to, from).expect("no rename conflict"))
    }

    #[test]
    fn identical_schemas_plan_nothing() {
        let s = "[tables.t.columns]\nid = { type = \"integer\", primary_key = true }\n";
        assert!(plan_between(s, s).is_empty());
    }

    #[test]
    fn new_enums_and_tables_come_before_foreign_keys_and_indexes() {
        let p = plan_between(
            "",
            r#"
[enums]
mood = ["a"]
[tables.b.columns]
a_id = { type = "integer", references = "a.id" }
m = "mood"
[tables.b.indexes]
b_m_idx = { columns = ["m"] }
[tables.a.columns]
id = { type = "integer", primary_key = true }
"#,
        );
        let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
        let pos = |prefix: &str| sql.iter().position(|s| s.starts_with(prefix)).unwrap();
        assert!(pos("CREATE TYPE") < pos("CREATE TABLE public.a"));
        assert!(
            pos("CREATE TABLE public.b") < pos("ALTER TABLE public.b ADD CONSTRAINT b_a_id_fkey")
        );
        assert!(
            pos("CREATE TABLE public.a") < pos("ALTER TABLE public.b ADD CONSTRAINT b_a_id_fkey")
        );
        assert!(pos("CREATE TABLE public.b") < pos("CREATE INDEX b_m_idx"));
        assert!(p.hazards().is_empty());
    }

    #[test]
    fn drops_and_narrowing_are_hazards_widening_is_not() {
        let p = plan_between(
            "[tables.t.columns]\na = \"integer\"\nb = \"varchar(10)\"\nc = \"text\"\n[tables.gone.columns]\nx = \"text\"\n",
            "[tables.t.columns]\na = \"bigint\"\nb = \"varchar(5)\"\n",
        );
        let hazards: Vec<String> = p.hazards().iter().map(|h| h.to_string()).collect();
        assert_eq!(
            hazards,
            vec![
                "drops column t.c",
                "drops table gone",
                "changes t.b from character varying(10) to character varying(5), which may fail or lose data",
            ]
        );
    }

    #[test]
    fn a_replaced_primary_key_is_not_a_hazard_but_a_dropped_one_is() {
        let from = "[tables.t]\nprimary_key = [\"a\"]\n[tables.t.columns]\na = \"integer\"\nb = { type = \"integer\", not_null = true }\n";
        let replaced = plan_between(
            from,
            "[tables.t]\nprimary_key = [\"a\", \"b\"]\n[tables.t.columns]\na = \"integer\"\nb = { type = \"integer\", not_null = true }\n",
        );
        assert!(replaced.hazards().is_empty(), "{:?}", replaced.hazards());
        let dropped = plan_between(
            from,
            "[tables.t.columns]\na = \"integer\"\nb = { type = \"integer\", not_null = true }\n",
        );
        assert_eq!(dropped.hazards().len(), 1);
    }

    #[test]
    fn exclusions_and_deferrable_keys_render_and_drop_without_hazard() {
        let with = r#"
[tables.t]
primary_key = { columns = ["id"], deferrable = "initially deferred" }
exclude = { t_c_excl = "USING gist (c WITH &&)" }
[tables.t.columns]
id = "integer"
c = "circle"
"#;
        let created = plan_between("", with).to_sql();
        assert_eq!(
            created,
            "CREATE TABLE public.t (\n  id integer NOT NULL,\n  c circle,\n  \
             CONSTRAINT t_pkey PRIMARY KEY (id) DEFERRABLE INITIALLY DEFERRED,\n  \
             CONSTRAINT t_c_excl EXCLUDE USING gist (c WITH &&)\n);\n"
        );

        let without =
            "[tables.t.columns]\nid = { type = \"integer\", primary_key = true }\nc = \"circle\"\n";
        let dropped = plan_between(with, without);
        let sql: Vec<&str> = dropped.steps.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            [
                "ALTER TABLE public.t DROP CONSTRAINT t_c_excl",
                "ALTER TABLE public.t DROP CONSTRAINT t_pkey",
                "ALTER TABLE public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id)",
            ]
        );
        assert!(dropped.hazards().is_empty(), "{:?}", dropped.hazards());

        let added = plan_between(without, with);
        let sql: Vec<&str> = added.steps.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            [
                "ALTER TABLE public.t DROP CONSTRAINT t_pkey",
                "ALTER TABLE public.t ADD CONSTRAINT t_c_excl EXCLUDE USING gist (c WITH &&)",
                "ALTER TABLE public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id) DEFERRABLE INITIALLY DEFERRED",
            ]
        );
        assert!(added.hazards().is_empty(), "{:?}", added.hazards());

        let changed = plan_between(
            with,
            &with.replace("USING gist (c WITH &&)", "USING gist (c WITH ~=)"),
        );
        let sql: Vec<&str> = changed.steps.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            [
                "ALTER TABLE public.t DROP CONSTRAINT t_c_excl",
                "ALTER TABLE public.t ADD CONSTRAINT t_c_excl EXCLUDE USING gist (c WITH ~=)",
            ]
        );
        assert!(plan_between(with, with).is_empty());
    }

    #[test]
    fn enum_additions_commit_first_and_removals_rebuild_the_type() {
        let add = plan_between(
            "[enums]\nm = [\"a\", \"c\"]\n",
            "[enums]\nm = [\"a\", \"b\", \"c\", \"d\"]\n",
        );
        let sql: Vec<&str> = add.steps.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            vec![
                "ALTER TYPE public.m ADD VALUE 'b' BEFORE 'c'",
                "ALTER TYPE public.m ADD VALUE 'd'"
            ]
        );
        assert!(add.steps.iter().all(|s| s.commit_first));
        let remove = plan_between("[enums]\nm = [\"a\", \"b\"]\n", "[enums]\nm = [\"b\"]\n");
        assert!(
            remove
                .steps
                .iter()
                .any(|s| s.sql.starts_with("ALTER TYPE public.m RENAME TO"))
        );
        assert_eq!(remove.hazards().len(), 1);
    }

    fn position(p: &Plan, prefix: &str) -> usize {
        p.steps
            .iter()
            .position(|s| s.sql.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} in\n{}", p.to_sql()))
    }

    #[test]
    fn drops_that_free_names_run_before_creations_that_take_them() {
        let p = plan_between(
            r#"
[enums]
priority = ["low", "high"]
[tables.todo.columns]
id = { type = "integer", primary_key = true }
p = "priority"
[tables.todo.indexes]
todo_open_idx = { columns = ["id"] }
[tables.tags.columns]
id = "integer"
"#,
            r#"
[enums]
tags = ["work"]
[tables.tasks.columns]
id = { type = "integer", primary_key = true }
[tables.tasks.indexes]
todo_open_idx = { columns = ["id"] }
[tables.priority.columns]
id = "integer"
"#,
        );
        // An index name of a dropped table; a table's row type and an enum, both ways.
        assert!(
            position(&p, "DROP TABLE public.todo") < position(&p, "CREATE INDEX todo_open_idx")
        );
        assert!(
            position(&p, "DROP TYPE public.priority")
                < position(&p, "CREATE TABLE public.priority")
        );
        assert!(position(&p, "DROP TABLE public.tags") < position(&p, "CREATE TYPE public.tags"));
    }

    #[test]
    fn identity_to_serial_frees_the_sequence_name_first() {
        let p = plan_between(
            "[tables.t.columns]\nid = { type = \"integer\", identity = \"always\" }\n",
            "[tables.t.columns]\nid = \"serial\"\n",
        );
        assert!(
            position(&p, "ALTER TABLE public.t ALTER COLUMN id DROP IDENTITY")
                < position(&p, "CREATE SEQUENCE public.t_id_seq")
        );
    }

    #[test]
    fn hazards_count_rows_under_the_live_name_of_a_renamed_table() {
        let p = plan_between(
            "[tables.a.columns]\nid = \"integer\"\nx = \"text\"\n",
            "[tables.a2]\nrenamed_from = \"a\"\n[tables.a2.columns]\nid = \"integer\"\n",
        );
        let tables: Vec<&QualifiedName> = p.hazards().iter().flat_map(|h| h.tables()).collect();
        assert_eq!(tables, [&QualifiedName::public("a2")]);
        assert_eq!(p.live_name(tables[0]), &QualifiedName::public("a"));
    }

    #[test]
    fn hostile_names_are_quoted_everywhere() {
        let p = plan_between(
            "",
            "[tables.'x\"; drop table y; --'.columns]\n\"a b\" = { type = \"text\", unique = true }\n",
        );
        let sql = p.to_sql();
        assert!(
            sql.contains("CREATE TABLE public.\"x\"\"; drop table y; --\""),
            "{sql}"
        );
        assert!(sql.contains("\"a b\" text"), "{sql}");
    }
}
