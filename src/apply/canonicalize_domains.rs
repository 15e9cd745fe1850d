//! Domains' defaults and checks in the server's spelling, as `canonicalize` does for
//! columns: the declared domains whose expressions the cheap comparison cannot settle are
//! built in scratch schemas inside a transaction, read back with the same introspection
//! as the live database, and rolled back.

use tokio_postgres::Client;

use crate::introspect::{self, IntrospectError};
use crate::model::{Domain, QualifiedName, Schema};
use crate::sql::expr::same_expression;
use crate::sql::quote::{ident, literal, qualified};

const SCRATCH_PREFIX: &str = "__brain_db_scratch_domain_";

fn live_counterpart<'a>(live: &'a Schema, d: &Domain) -> Option<&'a Domain> {
    live.domains.get(&d.name).or_else(|| {
        d.renamed_from
            .as_ref()
            .and_then(|old| live.domains.get(&QualifiedName::new(&d.name.schema, old)))
    })
}

fn undecided(d: &Domain, live: &Domain) -> bool {
    let default =
        matches!((&d.default, &live.default), (Some(a), Some(b)) if !same_expression(a, b));
    default
        || d.checks.iter().any(|c| {
            live.checks
                .iter()
                .find(|l| l.name == c.name)
                .is_none_or(|l| !same_expression(&c.expression, &l.expression))
        })
}

/// Rewrites the declared domains' expressions; `live: None` rewrites every domain's (for
/// `generate`, which compares two declared models). Expressions the server rejects stay
/// as written.
pub(super) async fn canonicalize_domains(
    client: &mut Client,
    desired: &mut Schema,
    live: Option<&Schema>,
) -> Result<(), IntrospectError> {
    let work: Vec<QualifiedName> = desired
        .domains
        .values()
        .filter(|d| d.default.is_some() || !d.checks.is_empty())
        .filter(|d| match live {
            None => true,
            Some(live) => live_counterpart(live, d).is_some_and(|l| undecided(d, l)),
        })
        .map(|d| d.name.clone())
        .collect();
    if work.is_empty() {
        return Ok(());
    }
    let schemas: Vec<String> = desired.schemas.clone();
    let scratch_of = |schema: &str| {
        let i = schemas
            .iter()
            .position(|s| s == schema)
            .unwrap_or(usize::MAX);
        format!("{SCRATCH_PREFIX}{i}")
    };
    let mut statements = Vec::new();
    for s in &schemas {
        statements.push(format!("CREATE SCHEMA {}", ident(&scratch_of(s))));
    }
    // Enums in the scratch public resolve a domain over a public enum (printed unqualified).
    for e in desired.enums.values().filter(|e| e.name.schema == "public") {
        statements.push(format!(
            "CREATE TYPE {} AS ENUM ({})",
            qualified(&scratch_of("public"), &e.name.name),
            e.values
                .iter()
                .map(|v| literal(v))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for name in &work {
        let d = &desired.domains[name];
        let target = qualified(&scratch_of(&name.schema), &name.name);
        let mut sql = format!("CREATE DOMAIN {target} AS {}", d.data_type);
        if let Some(c) = &d.collation {
            sql.push_str(&format!(" COLLATE {c}"));
        }
        statements.push(sql);
        if let Some(def) = &d.default {
            statements.push(format!("ALTER DOMAIN {target} SET DEFAULT {def}"));
        }
        for c in &d.checks {
            statements.push(format!(
                "ALTER DOMAIN {target} ADD CONSTRAINT {} CHECK ({}) NOT VALID",
                ident(&c.name),
                c.expression
            ));
        }
    }

    let scratch_err = |e| IntrospectError::query("canonicalizing domains in a scratch schema", e);
    let tx = client.transaction().await.map_err(scratch_err)?;
    introspect::pin_settings(&tx, &format!("{}, public", ident(&scratch_of("public"))))
        .await
        .map_err(introspect::pin_error)?;
    // Each in a savepoint: one rejected expression leaves only itself as written.
    for sql in &statements {
        tx.batch_execute("SAVEPOINT brain_db_domain")
            .await
            .map_err(scratch_err)?;
        if tx.query_typed(sql, &[]).await.is_err() {
            tx.batch_execute("ROLLBACK TO SAVEPOINT brain_db_domain")
                .await
                .map_err(scratch_err)?;
        }
    }
    let scratch_names: Vec<String> = schemas.iter().map(|s| scratch_of(s)).collect();
    let (scratch, _) = introspect::read_catalog(&tx, &scratch_names).await?;
    tx.rollback().await.map_err(scratch_err)?;

    let unscratch = |text: &str| -> String {
        let mut out = text.to_string();
        for s in &schemas {
            out = out.replace(
                &format!("{}.", ident(&scratch_of(s))),
                &format!("{}.", ident(s)),
            );
        }
        out
    };
    for name in &work {
        let Some(sd) = scratch
            .domains
            .get(&QualifiedName::new(scratch_of(&name.schema), &name.name))
        else {
            continue;
        };
        let d = desired.domains.get_mut(name).expect("declared");
        if d.default.is_some()
            && let Some(def) = &sd.default
        {
            d.default = Some(unscratch(def));
        }
        for c in &mut d.checks {
            if let Some(sc) = sd.checks.iter().find(|s| s.name == c.name) {
                c.expression = unscratch(&sc.expression);
            }
        }
    }
    Ok(())
}
