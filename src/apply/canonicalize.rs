//! Rewrites the declared expressions into the server's own spelling.
//!
//! PostgreSQL stores expressions parsed and prints them back its own way
//! (`status in ('a','b')` becomes `(status = ANY (ARRAY['a'::text, 'b'::text]))`). Where
//! the cheap comparison in `sql::expr` cannot tell a declared expression from the live
//! one, this builds the declared tables in scratch schemas inside a transaction, reads
//! them back with the same introspection as the live database, and rolls back. Only
//! tables with such an undecided expression are built, so a no-op push on a settled
//! database usually sends nothing here at all.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use tokio_postgres::Client;

use crate::introspect::{self, IntrospectError};
use crate::model::{Column, QualifiedName, Schema, Table};
use crate::sql::expr::{mentions_identifier, same_expression};
use crate::sql::quote::{ident, literal, qualified};

const SCRATCH_PREFIX: &str = "__brain_db_scratch_";
/// Scratch tables shared by the policies of several tables (see [`shared_policy_columns`]).
const SHARED_POLICY_TABLE: &str = "__brain_db_policies_";

/// Declared expressions go into these statements: each is sent as its own
/// extended-protocol message (never a multi-statement string), pipelined.
async fn run_each(
    tx: &tokio_postgres::Transaction<'_>,
    statements: &[&str],
) -> Result<(), tokio_postgres::Error> {
    crate::db::pipeline::execute_each(tx.client(), statements)
        .await
        .map_err(|(_, e)| e)
}

/// What of a declared table needs the server's spelling.
#[derive(Default)]
struct Needs {
    defaults: Vec<String>,
    generated: Vec<String>,
    checks: Vec<String>,
    exclusions: Vec<String>,
    indexes: Vec<String>,
    policies: Vec<String>,
    /// The partition key, and a partition's bound, in the server's spelling. Either
    /// builds the table as partitioned (or as a partition of its parent, which is then
    /// built too).
    partition_by: bool,
    bounds: bool,
}

impl Needs {
    /// Every expression of the table.
    fn everything(t: &Table) -> Needs {
        if t.partition_of.is_some() {
            // Its columns are its parent's.
            return Needs {
                checks: t.checks.iter().map(|c| c.name.clone()).collect(),
                exclusions: t.exclusions.iter().map(|x| x.name.clone()).collect(),
                indexes: t.indexes.iter().map(|i| i.name.clone()).collect(),
                policies: (t.policies.iter())
                    .filter(|p| p.using.is_some() || p.with_check.is_some())
                    .map(|p| p.name.clone())
                    .collect(),
                partition_by: t.partition_by.is_some(),
                bounds: true,
                ..Needs::default()
            };
        }
        Needs {
            partition_by: t.partition_by.is_some(),
            bounds: false,
            defaults: (t.columns.iter().filter(|c| c.default.is_some()))
                .map(|c| c.name.clone())
                .collect(),
            generated: (t.columns.iter().filter(|c| c.generated.is_some()))
                .map(|c| c.name.clone())
                .collect(),
            checks: t.checks.iter().map(|c| c.name.clone()).collect(),
            exclusions: t.exclusions.iter().map(|x| x.name.clone()).collect(),
            indexes: t.indexes.iter().map(|i| i.name.clone()).collect(),
            policies: (t.policies.iter())
                .filter(|p| p.using.is_some() || p.with_check.is_some())
                .map(|p| p.name.clone())
                .collect(),
        }
    }

    fn is_empty(&self) -> bool {
        self.defaults.is_empty()
            && self.generated.is_empty()
            && self.checks.is_empty()
            && self.exclusions.is_empty()
            && self.indexes.is_empty()
            && self.policies.is_empty()
            && !self.partition_by
            && !self.bounds
    }
}

fn live_counterpart<'a>(live: &'a Schema, t: &Table) -> Option<&'a Table> {
    live.tables.get(&t.name).or_else(|| {
        t.renamed_from
            .as_ref()
            .and_then(|old| live.tables.get(&QualifiedName::new(&t.name.schema, old)))
    })
}

fn live_column<'a>(table: &'a Table, c: &Column) -> Option<&'a Column> {
    table
        .column(&c.name)
        .or_else(|| c.renamed_from.as_ref().and_then(|old| table.column(old)))
}

fn differs(a: &Option<String>, b: &Option<String>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if !same_expression(x, y))
}

fn needs_of(t: &Table, live_table: &Table) -> Needs {
    let mut needs = Needs::default();
    if let (Some(by), Some(live_by)) = (&t.partition_by, &live_table.partition_by) {
        needs.partition_by = !same_expression(by, live_by);
    }
    if let (Some(of), Some(live_of)) = (&t.partition_of, &live_table.partition_of) {
        needs.bounds = !same_expression(&of.bounds, &live_of.bounds);
    }
    // A partition's columns are its parent's: compared there.
    for c in t.columns.iter().filter(|_| t.partition_of.is_none()) {
        let Some(lc) = live_column(live_table, c) else {
            continue;
        };
        if differs(&c.default, &lc.default) {
            needs.defaults.push(c.name.clone());
        }
        if differs(&c.generated, &lc.generated) {
            needs.generated.push(c.name.clone());
        }
    }
    for check in &t.checks {
        if let Some(lc) = live_table.checks.iter().find(|l| l.name == check.name) {
            if !same_expression(&check.expression, &lc.expression) {
                needs.checks.push(check.name.clone());
            }
        } else if live_table
            .checks
            .iter()
            .any(|l| !t.checks.iter().any(|c| c.name == l.name))
        {
            // A check under a new name may be an old one renamed; compare in server form.
            needs.checks.push(check.name.clone());
        }
    }
    for x in &t.exclusions {
        if let Some(lx) = live_table.exclusions.iter().find(|l| l.name == x.name) {
            if !same_expression(&x.definition, &lx.definition) {
                needs.exclusions.push(x.name.clone());
            }
        } else if live_table
            .exclusions
            .iter()
            .any(|l| !t.exclusions.iter().any(|x| x.name == l.name))
        {
            // Possibly an old one renamed; compare in server form.
            needs.exclusions.push(x.name.clone());
        }
    }
    for index in &t.indexes {
        let live_index = live_table.indexes.iter().find(|l| l.name == index.name);
        let undecided = match live_index {
            Some(li) => {
                li.keys.len() != index.keys.len()
                    || li
                        .keys
                        .iter()
                        .zip(&index.keys)
                        .any(|(a, b)| !same_expression(a, b))
                    || differs(&index.predicate, &li.predicate)
            }
            // Possibly a renamed index: worth comparing in server form if any live index
            // has no declared counterpart.
            None => live_table
                .indexes
                .iter()
                .any(|l| !t.indexes.iter().any(|i| i.name == l.name)),
        };
        if undecided {
            needs.indexes.push(index.name.clone());
        }
    }
    for policy in &t.policies {
        if let Some(lp) = live_table.policies.iter().find(|l| l.name == policy.name)
            && (differs(&policy.using, &lp.using) || differs(&policy.with_check, &lp.with_check))
        {
            needs.policies.push(policy.name.clone());
        }
    }
    needs
}

/// When only the table's policies are undecided, the columns their expressions name: a
/// scratch table of just those columns (under another name, shared by every table whose
/// policies name the same columns) prints them as the table does, since `pg_get_expr`
/// prints a policy's column references unqualified. Not when an expression names the
/// table itself (a whole-row reference or a qualified column) or holds a subquery (where
/// references to the table print qualified by its name): those get a table of their own.
/// Over-approximates the columns ([`mentions_identifier`]); a column missed would make the
/// server reject the policy, which leaves it as written, never equal by mistake.
fn shared_policy_columns<'a>(t: &'a Table, needs: &Needs) -> Option<Vec<&'a Column>> {
    // A partitioned table or a partition is built whole, under its name: its partitions
    // are built as partitions of it.
    let only_policies = t.partition_by.is_none()
        && t.partition_of.is_none()
        && needs.defaults.is_empty()
        && needs.generated.is_empty()
        && needs.checks.is_empty()
        && needs.exclusions.is_empty()
        && needs.indexes.is_empty()
        && !needs.policies.is_empty();
    if !only_policies {
        return None;
    }
    let expressions: Vec<&str> = (t.policies.iter())
        .filter(|p| needs.policies.contains(&p.name))
        .flat_map(|p| [p.using.as_deref(), p.with_check.as_deref()])
        .flatten()
        .collect();
    let unshareable = [t.name.name.as_str(), "select", "values", "table"];
    if (expressions.iter()).any(|e| unshareable.iter().any(|w| mentions_identifier(e, w))) {
        return None;
    }
    Some(
        (t.columns.iter())
            .filter(|c| expressions.iter().any(|e| mentions_identifier(e, &c.name)))
            .collect(),
    )
}

/// `CREATE POLICY` of a declared policy's expressions under `name` on `table` (both SQL).
fn scratch_policy(name: &str, table: &str, p: &crate::model::Policy) -> String {
    // Roles do not change how an expression is printed; PUBLIC always exists.
    let mut sql = format!(
        "CREATE POLICY {name} ON {table} FOR {} TO PUBLIC",
        p.command.keyword()
    );
    if let Some(u) = &p.using {
        sql.push_str(&format!(" USING ({u})"));
    }
    if let Some(c) = &p.with_check {
        sql.push_str(&format!(" WITH CHECK ({c})"));
    }
    sql
}

/// Replaces undecided declared expressions in `desired` by the server's spelling.
/// Expressions the server rejects are left as written: the plan will then show them and
/// applying it will report the server's error in context.
pub async fn canonicalize(
    client: &mut Client,
    desired: &mut Schema,
    live: &Schema,
) -> Result<(), IntrospectError> {
    canonicalize_split(client, None, desired, live).await
}

/// [`canonicalize`] that also prints declared view queries on `helper`, a second session on
/// the same database, while `client` canonicalises the rest; the two then share the views
/// batch by batch (creating views is most of a no-op push's time when a file's queries
/// are written by hand). When the helper fails, what it took is printed on `client`
/// (logged at debug level).
pub async fn canonicalize_split(
    client: &mut Client,
    helper: Option<&mut Client>,
    desired: &mut Schema,
    live: &Schema,
) -> Result<(), IntrospectError> {
    let views = super::views::ViewWork::new(desired, live);
    let helper = helper.filter(|_| views.splits());
    let Some(helper) = helper else {
        canonicalize_tables_and_routines(client, desired, live).await?;
        let (printed, live_defs) = views.print_all(client).await?;
        views.apply(desired, live, printed, &live_defs);
        return Ok(());
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (first, second) = tokio::join!(
        async {
            canonicalize_tables_and_routines(client, desired, live).await?;
            views
                .print_shared(client, super::views::SCRATCH_SCHEMA, &next)
                .await
        },
        views.print_shared(helper, super::views::SECOND_SCRATCH_SCHEMA, &next),
    );
    let mut printed = first?;
    match second {
        Ok(more) => printed.extend(more),
        Err(e) => {
            log::debug!("printing views on the second session: {e}; printing them on the first");
            let rest = views.print_rest(client, &printed).await?;
            printed.extend(rest);
        }
    }
    views.apply(desired, live, printed, &[]);
    Ok(())
}

/// Domains, tables, functions and trigger conditions: everything but the views.
async fn canonicalize_tables_and_routines(
    client: &mut Client,
    desired: &mut Schema,
    live: &Schema,
) -> Result<(), IntrospectError> {
    super::canonicalize_domains::canonicalize_domains(client, desired, Some(live)).await?;
    let mut work: BTreeMap<QualifiedName, Needs> = BTreeMap::new();
    for t in desired.tables.values() {
        if let Some(lt) = live_counterpart(live, t) {
            // A partition that becomes a table of its own keeps what was cloned onto it.
            let detached;
            let lt = if t.partition_of.is_none() && lt.partition_of.is_some() {
                detached = lt.detached();
                &detached
            } else {
                lt
            };
            let needs = needs_of(t, lt);
            if !needs.is_empty() {
                work.insert(t.name.clone(), needs);
            }
        }
    }
    add_parents(desired, &mut work);
    rewrite(client, desired, &work, Place::ScratchSchemas).await?;
    super::routines::canonicalize(client, desired, Some(live)).await
}

/// Replaces every expression of every table of `schema` (defaults, generated columns,
/// checks, exclusions, index keys and predicates) by the server's spelling, as
/// [`canonicalize`] does for undecided ones: `generate` compares two declared models
/// (the snapshot and schema.toml) this way, exactly as push compares one with the live
/// database.
///
/// Only for a scratch database of brain-db's own: the schema is built under its own names
/// (schemas, enums, sequences, tables), inside a transaction that is rolled back.
pub async fn canonicalize_all(
    client: &mut Client,
    schema: &mut Schema,
) -> Result<(), IntrospectError> {
    super::canonicalize_domains::canonicalize_domains(client, schema, None).await?;
    let mut work: BTreeMap<QualifiedName, Needs> = schema
        .tables
        .values()
        .map(|t| (t.name.clone(), Needs::everything(t)))
        .filter(|(_, needs)| !needs.is_empty())
        .collect();
    add_parents(schema, &mut work);
    rewrite(client, schema, &work, Place::OwnNames).await?;
    super::routines::canonicalize(client, schema, None).await?;
    super::views::canonicalize_all(client, schema).await
}

/// A partition is built as a partition of its parent: the parents (at every level) of
/// the partitions in `work` are built too.
fn add_parents(schema: &Schema, work: &mut BTreeMap<QualifiedName, Needs>) {
    let mut todo: Vec<QualifiedName> = work.keys().cloned().collect();
    while let Some(name) = todo.pop() {
        let Some(parent) = schema.tables.get(&name).and_then(|t| t.parent()) else {
            continue;
        };
        if schema.tables.contains_key(parent) && !work.contains_key(parent) {
            work.insert(parent.clone(), Needs::default());
            todo.push(parent.clone());
        }
    }
}

/// How many parents a table has above it (0 for a table that is no partition).
fn depth(schema: &Schema, name: &QualifiedName) -> usize {
    let mut depth = 0;
    let mut at = name;
    while let Some(parent) = schema.tables.get(at).and_then(|t| t.parent()) {
        depth += 1;
        at = parent;
        if depth > schema.tables.len() {
            break;
        }
    }
    depth
}

/// Where the declared objects are built.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// In scratch schemas beside the live ones (push, inside the target database).
    ScratchSchemas,
    /// Under their own names, with the declared sequences (a scratch database).
    OwnNames,
}

async fn rewrite(
    client: &mut Client,
    desired: &mut Schema,
    work: &BTreeMap<QualifiedName, Needs>,
    place: Place,
) -> Result<(), IntrospectError> {
    if work.is_empty() {
        return Ok(());
    }

    // One scratch schema per declared schema, so that names cannot collide and printed
    // qualified names can be mapped back.
    let schema_list: Vec<String> = desired.schemas.clone();
    let scratch_of = |schema: &str| -> String {
        if place == Place::OwnNames {
            return schema.to_string();
        }
        let i = schema_list
            .iter()
            .position(|s| s == schema)
            .unwrap_or(usize::MAX);
        format!("{SCRATCH_PREFIX}{i}")
    };
    let public_scratch = scratch_of("public");
    let mut script = Vec::new();
    for schema in &schema_list {
        let exists = if place == Place::OwnNames {
            "IF NOT EXISTS "
        } else {
            ""
        };
        script.push(format!(
            "CREATE SCHEMA {exists}{}",
            ident(&scratch_of(schema))
        ));
    }
    // Declared enums, so that columns and casts of those types resolve.
    let mut type_map: Vec<(String, String)> = Vec::new();
    for e in desired.enums.values() {
        script.push(format!(
            "CREATE TYPE {} AS ENUM ({})",
            qualified(&scratch_of(&e.name.schema), &e.name.name),
            e.values
                .iter()
                .map(|v| literal(v))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if e.name.schema != "public" && place == Place::ScratchSchemas {
            type_map.push((
                qualified(&e.name.schema, &e.name.name),
                qualified(&scratch_of(&e.name.schema), &e.name.name),
            ));
        }
    }
    if place == Place::OwnNames {
        // So that `nextval('t_id_seq'::regclass)` resolves (and prints) as it will live.
        for seq in desired.sequences.values() {
            script.push(format!(
                "CREATE SEQUENCE {}",
                qualified(&seq.name.schema, &seq.name.name)
            ));
        }
    }
    // Declared domains, so that columns of theirs resolve to them and print as they will
    // live (their own expressions are canonicalised apart). Each is created in a
    // savepoint below: one that cannot be made (its base type is not there yet) leaves
    // its tables compared as written.
    let declared: Vec<String> = desired
        .domains
        .keys()
        .map(|n| qualified(&n.schema, &n.name))
        .collect();
    let over_domain = |d: &&crate::model::Domain| {
        declared.contains(&d.data_type.trim_end_matches("[]").to_string())
    };
    let (later, first): (Vec<_>, Vec<_>) = desired.domains.values().partition(over_domain);
    let mut domain_script = Vec::new();
    for d in first.into_iter().chain(later) {
        let target = qualified(&scratch_of(&d.name.schema), &d.name.name);
        let (base, array) = d
            .data_type
            .strip_suffix("[]")
            .map_or((d.data_type.as_str(), ""), |b| (b, "[]"));
        let base = match type_map.iter().find(|(from, _)| from == base) {
            Some((_, to)) => format!("{to}{array}"),
            None => d.data_type.clone(),
        };
        let mut sql = format!("CREATE DOMAIN {target} AS {base}");
        if let Some(c) = &d.collation {
            sql.push_str(&format!(" COLLATE {c}"));
        }
        domain_script.push(sql);
        if place == Place::ScratchSchemas {
            type_map.push((qualified(&d.name.schema, &d.name.name), target));
        }
    }
    let scratch_type = |t: &str| -> String {
        let (base, array) = t.strip_suffix("[]").map_or((t, ""), |b| (b, "[]"));
        match type_map.iter().find(|(from, _)| from == base) {
            Some((_, to)) => format!("{to}{array}"),
            None => t.to_string(),
        }
    };

    let scratch_err =
        |e| IntrospectError::query("canonicalizing expressions in a scratch schema", e);
    let tx = client.transaction().await.map_err(scratch_err)?;
    // The declared text is read (and printed back) under pinned settings: a date or a
    // time written without an offset means one thing whatever the session's settings.
    introspect::pin_settings(&tx, &format!("{}, public", ident(&public_scratch)))
        .await
        .map_err(introspect::pin_error)?;
    let script: Vec<&str> = script.iter().map(String::as_str).collect();
    run_each(&tx, &script).await.map_err(scratch_err)?;
    for sql in &domain_script {
        tx.batch_execute("SAVEPOINT brain_db_domain")
            .await
            .map_err(scratch_err)?;
        if tx.query_typed(sql, &[]).await.is_err() {
            tx.batch_execute("ROLLBACK TO SAVEPOINT brain_db_domain")
                .await
                .map_err(scratch_err)?;
        }
    }
    if place == Place::OwnNames {
        create_extensions(&tx, desired).await.map_err(scratch_err)?;
    }
    let column_def = |c: &Column| -> String {
        let mut def = format!("{} {}", ident(&c.name), scratch_type(&c.data_type));
        if let Some(coll) = &c.collation {
            def.push_str(&format!(" COLLATE {coll}"));
        }
        def
    };
    let mut per_table: Vec<Vec<String>> = Vec::with_capacity(work.len());
    // (scratch schema, column list) of each shared policy table, and its CREATE TABLE.
    let mut shared_tables: Vec<(String, String)> = Vec::new();
    let mut shared_creates: Vec<String> = Vec::new();
    // (declared table, declared policy, scratch table, scratch policy name).
    let mut shared_policies: Vec<(QualifiedName, String, QualifiedName, String)> = Vec::new();
    // (shared table, the policy's text without names) -> scratch policy name.
    let mut shared_texts: HashMap<(usize, String), String> = HashMap::new();
    // Parents before their partitions.
    let mut ordered: Vec<(&QualifiedName, &Needs)> = work.iter().collect();
    ordered.sort_by_key(|(name, _)| depth(desired, name));
    for (name, needs) in ordered {
        let t = &desired.tables[name];
        if place == Place::ScratchSchemas
            && let Some(columns) = shared_policy_columns(t, needs)
        {
            let key = (
                scratch_of(&name.schema),
                columns
                    .iter()
                    .map(|c| column_def(c))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            let k = match shared_tables.iter().position(|k| *k == key) {
                Some(k) => k,
                None => {
                    let k = shared_tables.len();
                    shared_creates.push(format!(
                        "CREATE TABLE {} ({})",
                        qualified(&key.0, &format!("{SHARED_POLICY_TABLE}{k}")),
                        key.1
                    ));
                    shared_tables.push(key.clone());
                    k
                }
            };
            let scratch_table = QualifiedName::new(&key.0, format!("{SHARED_POLICY_TABLE}{k}"));
            let mut statements = Vec::new();
            for policy in &needs.policies {
                let p = (t.policies.iter())
                    .find(|p| &p.name == policy)
                    .expect("declared");
                // The same expressions on the same columns print the same: one scratch
                // policy serves every table that declares them (a Supabase schema
                // repeats `auth.uid() = user_id` on every table).
                let text = scratch_policy("", "", p);
                let next = shared_texts.len();
                let scratch_name = match shared_texts.entry((k, text)) {
                    Entry::Occupied(e) => e.get().clone(),
                    Entry::Vacant(e) => {
                        let name = format!("__brain_db_p{next}");
                        statements.push(scratch_policy(
                            &ident(&name),
                            &qualified(&scratch_table.schema, &scratch_table.name),
                            p,
                        ));
                        e.insert(name).clone()
                    }
                };
                shared_policies.push((
                    name.clone(),
                    policy.clone(),
                    scratch_table.clone(),
                    scratch_name,
                ));
            }
            per_table.push(statements);
            continue;
        }
        let table = qualified(&scratch_of(&name.schema), &name.name);
        let mut items = Vec::new();
        for c in t.columns.iter().filter(|_| t.partition_of.is_none()) {
            let mut def = column_def(c);
            if needs.generated.contains(&c.name)
                && let Some(g) = &c.generated
            {
                def.push_str(&format!(" GENERATED ALWAYS AS ({g}) STORED"));
            }
            items.push(def);
        }
        let mut create = match &t.partition_of {
            Some(p) => format!(
                "CREATE TABLE {table} PARTITION OF {} {}",
                qualified(&scratch_of(&p.parent.schema), &p.parent.name),
                crate::sql::partition::bound_clause(&p.bounds)
            ),
            None => format!("CREATE TABLE {table} ({})", items.join(", ")),
        };
        if let Some(by) = &t.partition_by {
            create.push_str(&format!(" PARTITION BY {by}"));
        }
        let mut statements = vec![create];
        for column in &needs.defaults {
            let c = t.column(column).expect("declared");
            if let Some(d) = &c.default {
                statements.push(format!(
                    "ALTER TABLE {table} ALTER COLUMN {} SET DEFAULT {d}",
                    ident(column)
                ));
            }
        }
        for check in &needs.checks {
            let c = t
                .checks
                .iter()
                .find(|c| &c.name == check)
                .expect("declared");
            statements.push(format!(
                "ALTER TABLE {table} ADD CONSTRAINT {} CHECK ({}) NOT VALID",
                ident(check),
                c.expression
            ));
        }
        for exclusion in &needs.exclusions {
            let x = t
                .exclusions
                .iter()
                .find(|x| &x.name == exclusion)
                .expect("declared");
            statements.push(format!(
                "ALTER TABLE {table} ADD CONSTRAINT {} EXCLUDE {}",
                ident(exclusion),
                x.definition
            ));
        }
        for index in &needs.indexes {
            let i = t
                .indexes
                .iter()
                .find(|i| &i.name == index)
                .expect("declared");
            let mut sql = format!(
                "CREATE INDEX {} ON {table} USING {} ({})",
                ident(index),
                ident(&i.method),
                i.keys.join(", ")
            );
            if let Some(p) = &i.predicate {
                sql.push_str(&format!(" WHERE {p}"));
            }
            statements.push(sql);
        }
        for policy in &needs.policies {
            let p = t
                .policies
                .iter()
                .find(|p| &p.name == policy)
                .expect("declared");
            statements.push(scratch_policy(&ident(policy), &table, p));
        }
        per_table.push(statements);
    }
    if !shared_creates.is_empty() {
        // First: the shared tables' policies are in the groups after it.
        per_table.insert(0, shared_creates);
    }
    // Fast path: every table in one round trip. Only if the server rejects something is
    // it retried table by table, then item by item, so that one bad expression does not
    // hide the others.
    let everything: Vec<&str> = per_table.iter().flatten().map(String::as_str).collect();
    tx.batch_execute("SAVEPOINT brain_db_all")
        .await
        .map_err(scratch_err)?;
    if run_each(&tx, &everything).await.is_err() {
        tx.batch_execute("ROLLBACK TO SAVEPOINT brain_db_all")
            .await
            .map_err(scratch_err)?;
        for statements in &per_table {
            tx.batch_execute("SAVEPOINT brain_db_table")
                .await
                .map_err(scratch_err)?;
            let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
            if run_each(&tx, &statements).await.is_err() {
                tx.batch_execute("ROLLBACK TO SAVEPOINT brain_db_table")
                    .await
                    .map_err(scratch_err)?;
                for sql in statements {
                    tx.batch_execute("SAVEPOINT brain_db_item")
                        .await
                        .map_err(scratch_err)?;
                    if tx.query_typed(sql, &[]).await.is_err() {
                        tx.batch_execute("ROLLBACK TO SAVEPOINT brain_db_item")
                            .await
                            .map_err(scratch_err)?;
                    }
                }
            }
        }
    }
    let scratch_names: Vec<String> = schema_list.iter().map(|s| scratch_of(s)).collect();
    let scratch = introspect::read_tables(&tx, &scratch_names).await?;
    tx.rollback().await.map_err(scratch_err)?;

    // Scratch schemas other than public's print qualified: map them back.
    let unscratch = |text: &str| -> String {
        let mut out = text.to_string();
        for schema in &schema_list {
            let from = format!("{}.", ident(&scratch_of(schema)));
            if out.contains(&from) {
                out = out.replace(&from, &format!("{}.", ident(schema)));
            }
        }
        out
    };
    for (table, policy, scratch_table, scratch_policy) in &shared_policies {
        let Some(sp) = (scratch.tables.get(scratch_table))
            .and_then(|st| st.policies.iter().find(|p| &p.name == scratch_policy))
        else {
            continue;
        };
        if let Some(p) = (desired.tables.get_mut(table))
            .and_then(|t| t.policies.iter_mut().find(|p| &p.name == policy))
        {
            p.using = sp.using.as_deref().map(unscratch);
            p.with_check = sp.with_check.as_deref().map(unscratch);
        }
    }
    for (name, needs) in work {
        let scratch_name = QualifiedName::new(scratch_of(&name.schema), &name.name);
        let Some(st) = scratch.tables.get(&scratch_name) else {
            continue;
        };
        let t = desired.tables.get_mut(name).expect("declared");
        if needs.partition_by
            && let Some(by) = &st.partition_by
        {
            t.partition_by = Some(unscratch(by));
        }
        if needs.bounds
            && let (Some(of), Some(sof)) = (&mut t.partition_of, &st.partition_of)
        {
            of.bounds = sof.bounds.clone();
        }
        for column in &needs.defaults {
            if let (Some(c), Some(sc)) = (
                t.columns.iter_mut().find(|c| &c.name == column),
                st.column(column),
            ) && let Some(d) = &sc.default
            {
                c.default = Some(unscratch(d));
            }
        }
        for column in &needs.generated {
            if let (Some(c), Some(sc)) = (
                t.columns.iter_mut().find(|c| &c.name == column),
                st.column(column),
            ) && let Some(g) = &sc.generated
            {
                c.generated = Some(unscratch(g));
            }
        }
        for check in &needs.checks {
            if let (Some(c), Some(sc)) = (
                t.checks.iter_mut().find(|c| &c.name == check),
                st.checks.iter().find(|c| &c.name == check),
            ) {
                c.expression = unscratch(&sc.expression);
            }
        }
        for exclusion in &needs.exclusions {
            if let (Some(x), Some(sx)) = (
                t.exclusions.iter_mut().find(|x| &x.name == exclusion),
                st.exclusions.iter().find(|x| &x.name == exclusion),
            ) {
                x.definition = unscratch(&sx.definition);
            }
        }
        for index in &needs.indexes {
            if let (Some(i), Some(si)) = (
                t.indexes.iter_mut().find(|i| &i.name == index),
                st.indexes.iter().find(|i| &i.name == index),
            ) {
                i.keys = si.keys.iter().map(|k| unscratch(k)).collect();
                i.predicate = si.predicate.as_deref().map(unscratch);
            }
        }
        for policy in &needs.policies {
            if let (Some(p), Some(sp)) = (
                t.policies.iter_mut().find(|p| &p.name == policy),
                st.policies.iter().find(|p| &p.name == policy),
            ) {
                p.using = sp.using.as_deref().map(unscratch);
                p.with_check = sp.with_check.as_deref().map(unscratch);
            }
        }
    }
    Ok(())
}

/// The extension that provides a type, where their names differ (pgvector's vector types).
fn extension_of_type(name: &str) -> &str {
    match name {
        "halfvec" | "sparsevec" => "vector",
        other => other,
    }
}

/// In a scratch database: the extensions named like a schema-qualified column type that is
/// not a declared enum (`public.citext` → citext, `public.vector(3)` → vector,
/// `public.halfvec(3)` → vector, see [`extension_of_type`]), when the
/// server has them, so that the tables using them can be built. Each in a savepoint: one
/// that cannot be created (not trusted, say) leaves its tables compared as written.
async fn create_extensions(
    tx: &tokio_postgres::Transaction<'_>,
    schema: &Schema,
) -> Result<(), tokio_postgres::Error> {
    let mut wanted: Vec<(String, String)> = Vec::new();
    for c in schema.tables.values().flat_map(|t| &t.columns) {
        let base = c.data_type.split(['(', '[']).next().unwrap_or_default();
        let Some((type_schema, name)) = base.split_once('.') else {
            continue;
        };
        let plain = |s: &str| crate::sql::quote::is_plain_identifier(s);
        let is_enum = schema
            .enums
            .contains_key(&QualifiedName::new(type_schema, name));
        let pair = (type_schema.to_string(), extension_of_type(name).to_string());
        if plain(type_schema) && plain(name) && !is_enum && !wanted.contains(&pair) {
            wanted.push(pair);
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = wanted.iter().map(|(_, n)| n.as_str()).collect();
    let available: Vec<String> = tx
        .query(
            "SELECT name::text FROM pg_catalog.pg_available_extensions \
             WHERE name = ANY($1::text[]) AND installed_version IS NULL",
            &[&names],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for (type_schema, name) in wanted.iter().filter(|(_, n)| available.contains(n)) {
        tx.batch_execute("SAVEPOINT brain_db_extension").await?;
        let mut created = tx
            .batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {}",
                ident(type_schema)
            ))
            .await;
        if created.is_ok() {
            created = tx
                .batch_execute(&format!(
                    "CREATE EXTENSION IF NOT EXISTS {} SCHEMA {}",
                    ident(name),
                    ident(type_schema)
                ))
                .await;
        }
        if created.is_err() {
            tx.batch_execute("ROLLBACK TO SAVEPOINT brain_db_extension")
                .await?;
        }
    }
    Ok(())
}
