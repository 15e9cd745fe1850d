//! Functions, procedures and triggers: one catalog query per kind.
//!
//! Objects that belong to an extension are never read as the user's; neither are
//! aggregates and window functions (not managed), internal triggers (those behind
//! foreign keys), constraint triggers and the clones PostgreSQL makes on partitions.

use std::collections::BTreeMap;

use tokio_postgres::Row;

use super::IntrospectError;
use crate::model::function::{Body, Dependent, Parallel, RoutineKind, Volatility};
use crate::model::trigger::{Event, Timing};
use crate::model::{Function, QualifiedName, Trigger, ViewKind};

/// One row per function or procedure: schema, name, kind, arguments, identity argument
/// types, result, language, source, SQL-standard body, volatility, strict, security
/// definer, leakproof, parallel, config, comment, and what depends on it (four parallel
/// arrays: kind, schema, relation, name).
pub const FUNCTIONS: &str = "
SELECT n.nspname::text, p.proname::text, p.prokind::text,
       pg_catalog.pg_get_function_arguments(p.oid),
       pg_catalog.oidvectortypes(p.proargtypes),
       CASE WHEN p.prokind <> 'p' THEN pg_catalog.pg_get_function_result(p.oid) END,
       l.lanname::text, p.prosrc,
       CASE WHEN p.prosqlbody IS NOT NULL THEN pg_catalog.pg_get_function_sqlbody(p.oid) END,
       p.provolatile::text, p.proisstrict, p.prosecdef, p.proleakproof, p.proparallel::text,
       COALESCE(p.proconfig, '{}'::text[]), d.description,
       COALESCE(deps.kinds, '{}'::text[]), COALESCE(deps.schemas, '{}'::text[]),
       COALESCE(deps.relations, '{}'::text[]), COALESCE(deps.names, '{}'::text[]),
       CASE WHEN p.procost <> CASE WHEN l.lanname IN ('c', 'internal') THEN 1 ELSE 100 END
            THEN p.procost::float8 END,
       CASE WHEN p.proretset AND p.prorows <> 1000 THEN p.prorows::float8 END
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
LEFT JOIN pg_catalog.pg_description d
  ON d.classoid = 'pg_catalog.pg_proc'::regclass AND d.objoid = p.oid AND d.objsubid = 0
LEFT JOIN LATERAL (
    SELECT array_agg(x.kind ORDER BY x.kind, x.sch, x.rel, x.obj) AS kinds,
           array_agg(x.sch ORDER BY x.kind, x.sch, x.rel, x.obj) AS schemas,
           array_agg(x.rel ORDER BY x.kind, x.sch, x.rel, x.obj) AS relations,
           array_agg(x.obj ORDER BY x.kind, x.sch, x.rel, x.obj) AS names
    FROM (
        SELECT CASE
                 WHEN dep.classid = 'pg_catalog.pg_trigger'::regclass AND t.oid IS NOT NULL
                      AND NOT t.tgisinternal THEN 'trigger'
                 WHEN dep.classid = 'pg_catalog.pg_constraint'::regclass AND con.conrelid <> 0
                   THEN 'constraint'
                 WHEN dep.classid = 'pg_catalog.pg_attrdef'::regclass AND a.attgenerated = ''
                   THEN 'default'
                 WHEN dep.classid = 'pg_catalog.pg_class'::regclass AND ic.relkind = 'i'
                   THEN 'index'
                 WHEN rw.oid IS NOT NULL AND rc.relkind = 'v' THEN 'view'
                 WHEN rw.oid IS NOT NULL AND rc.relkind = 'm' THEN 'materialized view'
                 WHEN pol.oid IS NOT NULL THEN 'policy'
                 ELSE 'other' END AS kind,
               COALESCE(rn.nspname::text, '') AS sch,
               COALESCE(rc.relname::text, '') AS rel,
               COALESCE(t.tgname::text, con.conname::text, a.attname::text, ic.relname::text,
                        pol.polname::text, CASE WHEN rw.oid IS NOT NULL THEN rc.relname::text END,
                        pg_catalog.pg_describe_object(dep.classid, dep.objid, dep.objsubid))
                 AS obj
        FROM pg_catalog.pg_depend dep
        LEFT JOIN pg_catalog.pg_trigger t
          ON dep.classid = 'pg_catalog.pg_trigger'::regclass AND t.oid = dep.objid
        LEFT JOIN pg_catalog.pg_constraint con
          ON dep.classid = 'pg_catalog.pg_constraint'::regclass AND con.oid = dep.objid
        LEFT JOIN pg_catalog.pg_attrdef ad
          ON dep.classid = 'pg_catalog.pg_attrdef'::regclass AND ad.oid = dep.objid
        LEFT JOIN pg_catalog.pg_attribute a
          ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
        LEFT JOIN pg_catalog.pg_class ic
          ON dep.classid = 'pg_catalog.pg_class'::regclass AND ic.oid = dep.objid
        LEFT JOIN pg_catalog.pg_index ix ON ix.indexrelid = ic.oid
        LEFT JOIN pg_catalog.pg_rewrite rw
          ON dep.classid = 'pg_catalog.pg_rewrite'::regclass AND rw.oid = dep.objid
        LEFT JOIN pg_catalog.pg_policy pol
          ON dep.classid = 'pg_catalog.pg_policy'::regclass AND pol.oid = dep.objid
        LEFT JOIN pg_catalog.pg_class rc
          ON rc.oid = COALESCE(t.tgrelid, NULLIF(con.conrelid, 0), ad.adrelid, ix.indrelid,
                               rw.ev_class, pol.polrelid)
        LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
        WHERE dep.refclassid = 'pg_catalog.pg_proc'::regclass AND dep.refobjid = p.oid
          AND dep.deptype = 'n'
          AND NOT (dep.classid = 'pg_catalog.pg_trigger'::regclass AND t.tgisinternal)
    ) x
) deps ON true
WHERE n.nspname = ANY($1::text[])
  AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend e
      WHERE e.classid = 'pg_catalog.pg_proc'::regclass
        AND e.objid = p.oid AND e.deptype = 'e')";

/// One row per user trigger on a relation of the schemas: relation oid, schema, name,
/// trigger name, `tgtype` bits, `UPDATE OF` columns, function schema and name,
/// arguments (`tgargs`), their number, `pg_get_triggerdef`, comment.
pub const TRIGGERS: &str = "
SELECT c.oid, n.nspname::text, c.relname::text, t.tgname::text, t.tgtype::int4,
       ARRAY(SELECT a.attname::text
             FROM unnest(t.tgattr::int2[]) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_catalog.pg_attribute a
               ON a.attrelid = t.tgrelid AND a.attnum = k.attnum
             ORDER BY k.ord),
       pn.nspname::text, p.proname::text, t.tgargs, t.tgnargs::int4,
       pg_catalog.pg_get_triggerdef(t.oid), d.description
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
LEFT JOIN pg_catalog.pg_description d
  ON d.classoid = 'pg_catalog.pg_trigger'::regclass AND d.objoid = t.oid AND d.objsubid = 0
WHERE n.nspname = ANY($1::text[])
  AND NOT t.tgisinternal
  AND t.tgconstraint = 0
  AND t.tgparentid = 0
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend e
      WHERE e.classid = 'pg_catalog.pg_class'::regclass
        AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY c.oid, t.tgname";

fn unexpected(what: String) -> IntrospectError {
    IntrospectError::Unexpected(what)
}

/// A row of [`FUNCTIONS`] as a model function.
pub(crate) fn function(row: &Row) -> Result<Function, IntrospectError> {
    let name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
    let kind = match row.get::<_, String>(2).as_str() {
        "p" => RoutineKind::Procedure,
        _ => RoutineKind::Function,
    };
    let sql_body: Option<String> = row.get(8);
    let body = match sql_body {
        Some(b) => Body::Atomic(b),
        None => Body::Source(row.get(7)),
    };
    let volatility = match row.get::<_, String>(9).as_str() {
        "i" => Volatility::Immutable,
        "s" => Volatility::Stable,
        "v" => Volatility::Volatile,
        other => {
            return Err(unexpected(format!(
                "function {name} has volatility {other:?}"
            )));
        }
    };
    let parallel = match row.get::<_, String>(13).as_str() {
        "s" => Parallel::Safe,
        "r" => Parallel::Restricted,
        "u" => Parallel::Unsafe,
        other => {
            return Err(unexpected(format!(
                "function {name} has parallel {other:?}"
            )));
        }
    };
    let config = row
        .get::<_, Vec<String>>(14)
        .into_iter()
        .map(|item| match item.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (item, String::new()),
        })
        .collect();
    let kinds: Vec<String> = row.get(16);
    let schemas: Vec<String> = row.get(17);
    let relations: Vec<String> = row.get(18);
    let names: Vec<String> = row.get(19);
    let mut dependents = Vec::new();
    for (((kind, schema), relation), object) in kinds.iter().zip(schemas).zip(relations).zip(names)
    {
        let table = QualifiedName::new(schema, relation);
        dependents.push(match kind.as_str() {
            "trigger" => Dependent::Trigger {
                table,
                name: object,
            },
            "constraint" => Dependent::Constraint {
                table,
                name: object,
            },
            "default" => Dependent::Default {
                table,
                column: object,
            },
            "index" => Dependent::Index {
                table,
                name: object,
            },
            "view" => Dependent::View {
                name: table,
                kind: ViewKind::View,
            },
            "materialized view" => Dependent::View {
                name: table,
                kind: ViewKind::Materialized,
            },
            "policy" => Dependent::Policy {
                table,
                name: object,
            },
            _ => Dependent::Other(object),
        });
    }
    dependents.dedup();
    Ok(Function {
        name,
        kind,
        args: row.get(3),
        identity: row.get(4),
        returns: row.get(5),
        language: row.get(6),
        body,
        volatility,
        strict: row.get(10),
        security_definer: row.get(11),
        leakproof: row.get(12),
        parallel,
        cost: row.get(20),
        rows: row.get(21),
        config,
        comment: row.get(15),
        renamed_from: None,
        overload_key: false,
        dependents,
    })
}

const TRIGGER_ROW: i32 = 1 << 0;
const TRIGGER_BEFORE: i32 = 1 << 1;
const TRIGGER_INSERT: i32 = 1 << 2;
const TRIGGER_DELETE: i32 = 1 << 3;
const TRIGGER_UPDATE: i32 = 1 << 4;
const TRIGGER_TRUNCATE: i32 = 1 << 5;
const TRIGGER_INSTEAD: i32 = 1 << 6;

/// Triggers by relation (tables, and views for whoever reads those), from [`TRIGGERS`].
pub(crate) fn triggers(
    rows: &[Row],
) -> Result<BTreeMap<QualifiedName, Vec<Trigger>>, IntrospectError> {
    let mut out: BTreeMap<QualifiedName, Vec<Trigger>> = BTreeMap::new();
    for row in rows {
        let relation = QualifiedName::new(row.get::<_, String>(1), row.get::<_, String>(2));
        let name: String = row.get(3);
        let bits: i32 = row.get(4);
        let timing = if bits & TRIGGER_INSTEAD != 0 {
            Timing::InsteadOf
        } else if bits & TRIGGER_BEFORE != 0 {
            Timing::Before
        } else {
            Timing::After
        };
        let mut events = Vec::new();
        for (bit, event) in [
            (TRIGGER_INSERT, Event::Insert),
            (TRIGGER_DELETE, Event::Delete),
            (TRIGGER_UPDATE, Event::Update),
            (TRIGGER_TRUNCATE, Event::Truncate),
        ] {
            if bits & bit != 0 {
                events.push(event);
            }
        }
        let raw_args: Vec<u8> = row.get(8);
        let count: i32 = row.get(9);
        let args: Vec<String> = raw_args
            .split(|b| *b == 0)
            .take(count.max(0) as usize)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let definition: String = row.get(10);
        let when = when_clause(&definition).map_err(|()| {
            unexpected(format!(
                "cannot find the WHEN condition of trigger {name} on {relation}: {definition}"
            ))
        })?;
        out.entry(relation).or_default().push(Trigger {
            name,
            timing,
            events,
            for_each_row: bits & TRIGGER_ROW != 0,
            columns: row.get(5),
            when,
            function: QualifiedName::new(row.get::<_, String>(6), row.get::<_, String>(7)),
            args,
            comment: row.get(11),
        });
    }
    Ok(out)
}

/// The condition of `WHEN (...)` in a `pg_get_triggerdef` text, inside its parentheses.
fn when_clause(definition: &str) -> Result<Option<String>, ()> {
    let start = ["FOR EACH ROW WHEN (", "FOR EACH STATEMENT WHEN ("]
        .iter()
        .filter_map(|m| definition.find(m).map(|i| i + m.len()))
        .min();
    let Some(start) = start else {
        return Ok(None);
    };
    let close = crate::sql::routine::closing_paren(&definition[start..]).ok_or(())?;
    Ok(Some(definition[start..start + close].to_string()))
}

#[cfg(test)]
mod tests {
    use super::when_clause;

    #[test]
    fn when_clause_is_found_whole() {
        let def = "CREATE TRIGGER t BEFORE UPDATE ON tasks FOR EACH ROW WHEN ((old.title IS DISTINCT FROM ')'::text)) EXECUTE FUNCTION f()";
        assert_eq!(
            when_clause(def),
            Ok(Some("(old.title IS DISTINCT FROM ')'::text)".to_string()))
        );
        let plain = "CREATE TRIGGER t AFTER INSERT ON tasks FOR EACH STATEMENT EXECUTE FUNCTION f('WHEN (')";
        assert_eq!(when_clause(plain), Ok(None));
    }
}
