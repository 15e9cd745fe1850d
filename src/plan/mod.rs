//! Turns typed changes into an ordered list of SQL statements, each with the hazard it
//! carries (data it may destroy).
//!
//! Architecture invariant: pure. Statements are rendered only here, with identifiers and
//! literals quoted by `sql::quote`; the only unquoted text is SQL the schema file holds
//! as SQL (defaults, checks, generated expressions, index keys and predicates).

mod domain;
mod extension;
mod hazard;
mod names;
pub mod order;
mod policies;
mod render;
pub mod routines;
mod views;

use std::collections::BTreeMap;

use crate::diff::{Change, Constraint};
use crate::model::QualifiedName;
use hazard::{Replacements, hazard_of};
use names::set_aside_names_taken_before_they_are_freed;

pub use hazard::Hazard;

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
        // Ordered by `ordering`: after everything.
        Change::DropSchema(_) => 25,
        // Table, enum and column renames take names that are free (the diff refuses a
        // rename onto a live name) and everything after names the objects by their new
        // names.
        Change::RenameEnum { .. } | Change::RenameTable { .. } => 1,
        Change::RenameColumn { .. } => 2,
        // A sequence leaves a column that is dropped: released first, or it would be
        // dropped with it.
        Change::SetSequenceOwner { owner: None, .. } => 3,
        // A partition leaves its parent before the parent's columns change (it keeps the
        // columns it has) and before anything is dropped.
        Change::DetachPartition { .. } => 3,
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
        Change::DropTable { .. } => 9,
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
        // Ordered by `ordering` (205).
        Change::AttachPartition { .. } => 20,
        Change::AddConstraint {
            constraint: Constraint::ForeignKey(_),
            ..
        } => 22,
        Change::AddConstraint { .. } => 20,
        Change::CreateIndex { .. } => 21,
        Change::SetSequenceOwner { .. } => 23,
        Change::SetComment { .. } => 24,
        // Ordered by `ordering`, through their own modules.
        Change::CreatePolicy { .. }
        | Change::AlterPolicy { .. }
        | Change::DropPolicy { .. }
        | Change::SetRowLevelSecurity { .. }
        | Change::RenameView { .. }
        | Change::DropView { .. }
        | Change::CreateView { .. }
        | Change::SetViewOptions { .. }
        | Change::RefreshMaterializedView { .. } => 24,
        Change::CreateExtension(_)
        | Change::AlterExtension { .. }
        | Change::DropExtension(_)
        | Change::CreateDomain(_)
        | Change::RenameDomain { .. }
        | Change::AlterDomain { .. }
        | Change::DropDomain(_)
        | Change::Routine(_) => 24,
    }
}

/// When a change runs, all else equal, and what it creates, drops and needs (see
/// [`order`]).
fn ordering(change: &Change) -> (order::Phase, order::Deps) {
    if let Some(o) = views::ordering(change).or_else(|| policies::ordering(change)) {
        return o;
    }
    if let Some(o) = extension::ordering(change).or_else(|| domain::ordering(change)) {
        return o;
    }
    if let Change::Routine(r) = change {
        return routines::ordering(r);
    }
    if let Change::AttachPartition { .. } = change {
        // After the table's columns and checks are made its parent's (phases 190, 200),
        // before the parent's new indexes (210), which then reach it as clones.
        return (205, deps(change));
    }
    if let Change::DropSchema(s) = change {
        // What the schema held (tables, views, functions, extensions) goes first;
        // none of those drops names its schema, so the phase alone orders it.
        return (
            order::phase::DROP_SCHEMA,
            order::Deps::dropping(order::ObjectRef::schema(s)),
        );
    }
    (u16::from(phase(change)) * 10, deps(change))
}

/// What the table, enum and sequence changes create, drop and need. Their phases
/// already agree with these; they are declared for the kinds ordered around them (a
/// domain a column uses, a function a table's drop waits for). Renames declare nothing:
/// the names they take are freed by setting drops aside (see
/// [`set_aside_names_taken_before_they_are_freed`]).
fn deps(change: &Change) -> order::Deps {
    use order::{Deps, ObjectKind, ObjectRef, type_ref};
    let rel = |kind, n: &QualifiedName| ObjectRef::new(kind, n.clone());
    match change {
        Change::CreateSchema(s) => Deps::creating(ObjectRef::schema(s)),
        Change::CreateEnum(e) => Deps::creating(rel(ObjectKind::Enum, &e.name)),
        Change::DropEnum(n) => Deps::dropping(rel(ObjectKind::Enum, n)),
        Change::CreateSequence(s) => Deps::creating(rel(ObjectKind::Sequence, &s.name)),
        Change::DropSequence(n) => Deps::dropping(rel(ObjectKind::Sequence, n)),
        Change::CreateTable(t) => Deps {
            creates: vec![
                rel(ObjectKind::Table, &t.name),
                rel(ObjectKind::Type, &t.name),
            ],
            needs: t
                .columns
                .iter()
                .filter_map(|c| type_ref(&c.data_type))
                .chain(std::iter::once(ObjectRef::schema(&t.name.schema)))
                .chain(t.parent().map(|p| rel(ObjectKind::Table, p)))
                .collect(),
            ..Deps::default()
        },
        // A partition goes before its parent (whose drop would take it along).
        Change::DropTable {
            name: n, parent, ..
        } => Deps {
            drops: vec![rel(ObjectKind::Table, n), rel(ObjectKind::Type, n)],
            releases: parent.iter().map(|p| rel(ObjectKind::Table, p)).collect(),
            ..Deps::default()
        },
        Change::AttachPartition { table, parent, .. } => Deps::default().needing([
            rel(ObjectKind::Table, table),
            rel(ObjectKind::Table, parent),
        ]),
        Change::DetachPartition { table, parent } => Deps::default().releasing([
            rel(ObjectKind::Table, parent),
            rel(ObjectKind::Table, table),
        ]),
        Change::AddColumn { table, column } => Deps::default()
            .needing(type_ref(&column.data_type))
            .needing([rel(ObjectKind::Table, table)]),
        Change::AlterColumnType { from, to, .. } => Deps::default()
            .needing(type_ref(to))
            .releasing(type_ref(from)),
        Change::CreateIndex { table, index } => Deps::creating(rel(
            ObjectKind::Index,
            &QualifiedName::new(&table.schema, &index.name),
        ))
        .needing([rel(ObjectKind::Table, table)]),
        Change::DropIndex { table, index } => Deps::dropping(rel(
            ObjectKind::Index,
            &QualifiedName::new(&table.schema, &index.name),
        )),
        Change::AddConstraint {
            table,
            constraint: Constraint::ForeignKey(fk),
        } => Deps::default().needing([
            rel(ObjectKind::Table, table),
            rel(ObjectKind::Table, &fk.referenced_table),
        ]),
        _ => Deps::default(),
    }
}

/// Orders the changes and renders each into statements.
pub fn plan(changes: Vec<Change>) -> Result<Plan, order::CycleError> {
    let mut nodes: Vec<order::Node<Change>> = changes
        .into_iter()
        .map(|item| {
            let (phase, deps) = ordering(&item);
            order::Node { item, phase, deps }
        })
        .collect();
    routines::order_functions_and_views(&mut nodes);
    let changes = order::sort(nodes)?;
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
    if changes.iter().any(|(c, _)| {
        matches!(
            c,
            Change::Routine(crate::diff::functions::RoutineChange::CreateFunction { .. })
        )
    }) {
        // Bodies may name what the plan creates later (or what a later function creates).
        steps.insert(
            0,
            Step {
                sql: routines::NO_BODY_CHECKS.to_string(),
                hazard: None,
                commit_first: false,
            },
        );
    }
    Ok(Plan {
        steps,
        renamed_tables,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff;
    use crate::schema_file::parse;

    fn plan_between(from: &str, to: &str) -> Plan {
        let from = parse(from, "from.toml").expect("valid from");
        let to = parse(to, "to.toml").expect("valid to");
        plan(diff(&to, from).expect("no rename conflict")).expect("no cycle")
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
    fn policies_wait_for_what_their_expressions_name() {
        let p = plan_between(
            "",
            r#"
[tables.t]
row_level_security = true
[tables.t.columns]
owner = "text"
[tables.t.policies.by_function]
using = "allowed(owner)"
[tables.t.policies.by_view]
using = "owner IN (SELECT name FROM names)"
[functions.allowed]
args = "who text"
returns = "boolean"
body = "RETURN who <> ''"
[views.names]
query = "select owner as name from t"
"#,
        );
        // A SQL-standard body and a view are created after the tables' phase.
        assert!(
            position(&p, "CREATE FUNCTION public.allowed")
                < position(&p, "CREATE POLICY by_function")
        );
        assert!(position(&p, "CREATE VIEW public.names") < position(&p, "CREATE POLICY by_view"));
        assert!(position(&p, "CREATE TABLE public.t") < position(&p, "CREATE POLICY by_view"));
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
    fn partitions_are_created_after_and_dropped_before_their_parent_whatever_their_names() {
        let schema = r#"
[tables.z_2026]
partition_of = "a_events"
bounds = "from ('2026-01-01') to ('2027-01-01')"
partition_by = "list (kind)"
[tables.b_2026_x]
partition_of = "z_2026"
bounds = "in ('x')"
[tables.a_events]
partition_by = "range (at)"
[tables.a_events.columns]
at = "date"
kind = "text"
"#;
        let created = plan_between("", schema);
        assert!(
            position(&created, "CREATE TABLE public.a_events (")
                < position(
                    &created,
                    "CREATE TABLE public.z_2026 PARTITION OF public.a_events"
                )
        );
        assert!(
            position(&created, "CREATE TABLE public.z_2026 ")
                < position(
                    &created,
                    "CREATE TABLE public.b_2026_x PARTITION OF public.z_2026"
                )
        );
        let dropped = plan_between(schema, "");
        assert!(
            position(&dropped, "DROP TABLE public.b_2026_x")
                < position(&dropped, "DROP TABLE public.z_2026")
        );
        assert!(
            position(&dropped, "DROP TABLE public.z_2026")
                < position(&dropped, "DROP TABLE public.a_events")
        );
        assert_eq!(dropped.hazards().len(), 3);
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
