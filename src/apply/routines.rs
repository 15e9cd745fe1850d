//! The server's spelling of declared functions (argument list, result, identity types,
//! settings, SQL-standard bodies) and of trigger conditions.
//!
//! Each undecided function is created in a scratch schema under a name of its own, in a
//! transaction that is rolled back, with `check_function_bodies = off` (as the plan
//! creates them), and read back with the introspection query; a trigger condition is
//! attached to a scratch table with the declared columns. What the server rejects is left
//! as written: the plan then shows it and applying it reports the server's error.

use std::collections::BTreeMap;

use tokio_postgres::Client;

use crate::introspect::{self, IntrospectError};
use crate::model::function::Body;
use crate::model::{Function, FunctionId, Schema};
use crate::plan::routines::{create_function, create_trigger};
use crate::sql::quote::{ident, qualified};

const SCRATCH: &str = "__brain_db_scratch_routines";

/// The live function a declared one is compared with: the same identity, or (for a key
/// without argument types) the only live function of that name, or the one it is renamed
/// from.
fn live_counterpart<'a>(live: &'a Schema, f: &Function) -> Option<&'a Function> {
    if let Some(have) = live.functions.get(&f.id()) {
        return Some(have);
    }
    let by_name = |name: &crate::model::QualifiedName| {
        let mut it = live.functions.values().filter(|h| h.name == *name);
        match (it.next(), it.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    };
    if let Some(old) = &f.renamed_from
        && let Some(h) = by_name(&crate::model::QualifiedName::new(&f.name.schema, old))
    {
        return Some(h);
    }
    if !f.overload_key {
        by_name(&f.name)
    } else {
        None
    }
}

fn decided(f: &Function, have: &Function) -> bool {
    f.args == have.args
        && f.returns == have.returns
        && f.identity == have.identity
        && f.config == have.config
        && f.body == have.body
}

/// Canonicalises the functions and trigger conditions of `desired` that do not already
/// read as their live counterparts (`live`: `None` canonicalises everything).
pub async fn canonicalize(
    client: &mut Client,
    desired: &mut Schema,
    live: Option<&Schema>,
) -> Result<(), IntrospectError> {
    let functions: Vec<FunctionId> = desired
        .functions
        .values()
        .filter(|f| {
            live.and_then(|l| live_counterpart(l, f))
                .is_none_or(|have| !decided(f, have))
        })
        .map(Function::id)
        .collect();
    let mut triggers: Vec<(crate::model::QualifiedName, String)> = Vec::new();
    for (name, t) in &desired.tables {
        for trig in &t.triggers {
            let Some(w) = &trig.when else { continue };
            let settled = live
                .and_then(|l| l.tables.get(name))
                .and_then(|lt| lt.triggers.iter().find(|x| x.name == trig.name))
                .and_then(|x| x.when.as_ref())
                .is_some_and(|lw| lw == w);
            if !settled {
                triggers.push((name.clone(), trig.name.clone()));
            }
        }
    }
    if functions.is_empty() && triggers.is_empty() {
        return Ok(());
    }

    let scratch_err = |e| IntrospectError::query("canonicalizing functions in a scratch schema", e);
    let tx = client.transaction().await.map_err(scratch_err)?;
    introspect::pin_settings(&tx, &format!("{}, public", ident(SCRATCH)))
        .await
        .map_err(introspect::pin_error)?;
    tx.batch_execute(&format!(
        "SET LOCAL check_function_bodies = off; CREATE SCHEMA {}",
        ident(SCRATCH)
    ))
    .await
    .map_err(scratch_err)?;

    // Each statement in a savepoint of its own: one rejected leaves the others.
    async fn attempt(
        tx: &tokio_postgres::Transaction<'_>,
        sql: &str,
    ) -> Result<bool, tokio_postgres::Error> {
        tx.batch_execute("SAVEPOINT brain_db_routine").await?;
        if tx.query_typed(sql, &[]).await.is_ok() {
            tx.batch_execute("RELEASE SAVEPOINT brain_db_routine")
                .await?;
            Ok(true)
        } else {
            tx.batch_execute("ROLLBACK TO SAVEPOINT brain_db_routine")
                .await?;
            Ok(false)
        }
    }

    let mut scratch_names: BTreeMap<String, FunctionId> = BTreeMap::new();
    for (i, id) in functions.iter().enumerate() {
        let mut f = desired.functions[id].clone();
        let scratch_name = format!("f{i}");
        f.name = crate::model::QualifiedName::new(SCRATCH, &scratch_name);
        if attempt(&tx, &create_function(&f, false))
            .await
            .map_err(scratch_err)?
        {
            scratch_names.insert(scratch_name, id.clone());
        }
    }
    let trigger_fn = qualified(SCRATCH, "trigger_fn");
    let mut scratch_tables: BTreeMap<String, (crate::model::QualifiedName, String)> =
        BTreeMap::new();
    if !triggers.is_empty() {
        attempt(
            &tx,
            &format!(
                "CREATE FUNCTION {trigger_fn}() RETURNS trigger LANGUAGE plpgsql AS 'begin return null; end'"
            ),
        )
        .await
        .map_err(scratch_err)?;
        for (i, (table, name)) in triggers.iter().enumerate() {
            let t = &desired.tables[table];
            let scratch_table = format!("t{i}");
            let columns: Vec<String> = t
                .columns
                .iter()
                .map(|c| format!("{} {}", ident(&c.name), c.data_type))
                .collect();
            let create = format!(
                "CREATE TABLE {} ({})",
                qualified(SCRATCH, &scratch_table),
                columns.join(", ")
            );
            if !attempt(&tx, &create).await.map_err(scratch_err)? {
                continue;
            }
            let mut trig = t
                .triggers
                .iter()
                .find(|x| &x.name == name)
                .expect("declared")
                .clone();
            trig.function = crate::model::QualifiedName::new(SCRATCH, "trigger_fn");
            trig.args.clear();
            let sql = create_trigger(
                &crate::model::QualifiedName::new(SCRATCH, &scratch_table),
                &trig,
            );
            if attempt(&tx, &sql).await.map_err(scratch_err)? {
                scratch_tables.insert(scratch_table, (table.clone(), name.clone()));
            }
        }
    }
    let function_rows = tx
        .query(
            introspect::functions::FUNCTIONS,
            &[&vec![SCRATCH.to_string()]],
        )
        .await
        .map_err(|e| IntrospectError::query("functions", e))?;
    let trigger_rows = tx
        .query(
            introspect::functions::TRIGGERS,
            &[&vec![SCRATCH.to_string()]],
        )
        .await
        .map_err(|e| IntrospectError::query("triggers", e))?;
    tx.rollback().await.map_err(scratch_err)?;

    let unscratch = |text: &str| text.replace(&format!("{}.", ident(SCRATCH)), "");
    for row in &function_rows {
        let read = introspect::functions::function(row)?;
        let Some(id) = scratch_names.get(&read.name.name) else {
            continue;
        };
        let Some(mut f) = desired.functions.remove(id) else {
            continue;
        };
        f.args = unscratch(&read.args);
        f.returns = read.returns.as_deref().map(unscratch);
        f.identity = unscratch(&read.identity);
        f.config = read.config;
        f.language = read.language;
        if let (Body::Atomic(_), Body::Atomic(b)) = (&f.body, &read.body) {
            f.body = Body::Atomic(unscratch(b));
        }
        desired.functions.insert(f.id(), f);
    }
    for (relation, read) in introspect::functions::triggers(&trigger_rows)? {
        let Some((table, name)) = scratch_tables.get(&relation.name) else {
            continue;
        };
        let Some(when) = read
            .into_iter()
            .find(|t| &t.name == name)
            .and_then(|t| t.when)
        else {
            continue;
        };
        if let Some(t) = desired.tables.get_mut(table)
            && let Some(trig) = t.triggers.iter_mut().find(|x| &x.name == name)
        {
            // Kept as written when it reads the same (a cheaper no-op next time).
            if trig.when.as_deref().is_none_or(|w| w != when) {
                trig.when = Some(when);
            }
        }
    }
    Ok(())
}
