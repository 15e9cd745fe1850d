//! What the per-kind catalog queries share (the managed set of tables), and the queries
//! that are no kind's: the user's schemas and the objects brain-db does not manage. The
//! query of each kind lives in the file of its kind; each takes the schema list as
//! `$1 text[]` and reads every object of its kind at once.

/// The columns every index query reads (tables' and materialized views' alike), over
/// `pg_index i`, its relation `ic`, access method `am` and comment `d`: relation oid, name,
/// unique, method, full definition, include columns, predicate, nulls not distinct,
/// comment, storage parameters, invalid, cloned from a parent's index.
macro_rules! index_columns {
    () => {
        "SELECT i.indrelid, ic.relname::text, i.indisunique, am.amname::text,
            pg_catalog.pg_get_indexdef(i.indexrelid),
            ARRAY(SELECT a.attname::text
                  FROM generate_series(i.indnkeyatts, i.indnatts - 1) AS k(pos)
                  JOIN pg_catalog.pg_attribute a
                    ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.pos]
                  ORDER BY k.pos),
            pg_catalog.pg_get_expr(i.indpred, i.indrelid),
            -- indnullsnotdistinct is new in 15: read by name, NULL (false) before.
            COALESCE((to_jsonb(i) ->> 'indnullsnotdistinct')::bool, false), d.description,
            COALESCE(ic.reloptions, '{}'::text[]), NOT i.indisvalid,
            -- A partition's index attached to its parent's is PostgreSQL's clone.
            EXISTS (SELECT 1 FROM pg_catalog.pg_inherits inh WHERE inh.inhrelid = i.indexrelid)
"
    };
}

/// The tables brain-db manages: ordinary and partitioned tables in the requested
/// schemas, and their partitions whose parent is in them too, except the migrations
/// bookkeeping table, inheritance children (`INHERITS`, not partitions) and tables that
/// belong to an extension. Every query that reads per-table objects starts from this set.
macro_rules! managed_tables_cte {
    () => {
        "WITH tbl AS (
            SELECT c.oid, n.nspname::text AS nspname, c.relname::text AS relname,
                   c.relpersistence
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY($1::text[])
              AND c.relkind IN ('r', 'p')
              AND NOT (n.nspname = 'public' AND c.relname = '__migrations')
              AND NOT EXISTS (
                  SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
              AND CASE WHEN c.relispartition
                  THEN EXISTS (
                      SELECT 1 FROM pg_catalog.pg_inherits i
                      JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
                      JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
                      WHERE i.inhrelid = c.oid AND pn.nspname = ANY($1::text[]))
                  ELSE NOT EXISTS (
                      SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid) END
        ) "
    };
}

/// Every schema but the system ones and those an extension created.
pub const USER_SCHEMAS: &str = "
SELECT n.nspname::text
FROM pg_catalog.pg_namespace n
WHERE n.nspname !~ '^pg_'
  AND n.nspname <> 'information_schema'
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend d
      WHERE d.classid = 'pg_catalog.pg_namespace'::regclass
        AND d.objid = n.oid AND d.deptype = 'e')";

/// Objects in the given schemas that brain-db does not manage, counted by kind (views,
/// functions, triggers, ...), skipping those that belong to an extension. `pull` names
/// them so that nobody mistakes the pulled file for a complete copy.
pub const UNMANAGED: &str = "
SELECT kind, count(*)::bigint
FROM (
    SELECT 'foreign table' AS kind
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1::text[]) AND c.relkind = 'f'
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass
                        AND d.objid = c.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 'inheritance child'
    FROM pg_catalog.pg_inherits i
    JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    UNION ALL
    SELECT CASE p.prokind WHEN 'a' THEN 'aggregate' ELSE 'window function' END
    FROM pg_catalog.pg_proc p
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = ANY($1::text[]) AND p.prokind IN ('a', 'w')
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_proc'::regclass
                        AND d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 'constraint trigger'
    FROM pg_catalog.pg_trigger t
    JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1::text[]) AND NOT t.tgisinternal AND t.tgconstraint <> 0
    UNION ALL
    SELECT CASE t.typtype WHEN 'r' THEN 'range type' ELSE 'composite type' END
    FROM pg_catalog.pg_type t
    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = ANY($1::text[])
      AND (t.typtype = 'r'
           OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_catalog.pg_class c
                                    WHERE c.oid = t.typrelid) = 'c'))
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_type'::regclass
                        AND d.objid = t.oid AND d.deptype = 'e')

) AS objects
GROUP BY kind
ORDER BY kind";
