//! The catalog queries, one per object kind. Each takes the schema list as `$1 text[]`
//! and reads every object of its kind at once: their number does not depend on the
//! number of tables.

/// The tables brain-db manages: ordinary tables in the requested schemas, except the
/// migrations bookkeeping table, partitions, inheritance children and tables that belong
/// to an extension. Every query that reads per-table objects starts from this set.
macro_rules! managed_tables_cte {
    () => {
        "WITH tbl AS (
            SELECT c.oid, n.nspname::text AS nspname, c.relname::text AS relname,
                   c.relpersistence
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY($1::text[])
              AND c.relkind = 'r'
              AND NOT c.relispartition
              AND NOT (n.nspname = 'public' AND c.relname = '__migrations')
              AND NOT EXISTS (
                  SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
              AND NOT EXISTS (
                  SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid)
        ) "
    };
}

/// Requested schemas that exist.
pub const SCHEMAS: &str = "
SELECT n.nspname::text
FROM pg_catalog.pg_namespace n
WHERE n.nspname = ANY($1::text[])";

/// One row per table: oid, schema, name, unlogged, comment.
pub const TABLES: &str = concat!(
    managed_tables_cte!(),
    "SELECT tbl.oid, tbl.nspname, tbl.relname, tbl.relpersistence = 'u', d.description
     FROM tbl
     LEFT JOIN pg_catalog.pg_description d
       ON d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = tbl.oid
      AND d.objsubid = 0"
);

/// One row per live column, in (table, attnum) order: table oid, name, type, not null,
/// identity kind, generated kind, default / generation expression, non-default
/// collation (schema, name), comment, the schema of the type (of its element type for
/// an array), whether that type is an enum, and the name of the NOT NULL constraint
/// (PostgreSQL 18 stores them in pg_constraint, contype 'n'; NULL before).
pub const COLUMNS: &str = concat!(
    managed_tables_cte!(),
    "SELECT a.attrelid, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod),
            a.attnotnull, a.attidentity::text, a.attgenerated::text,
            pg_catalog.pg_get_expr(ad.adbin, ad.adrelid),
            cn.nspname::text, co.collname::text, d.description,
            etn.nspname::text, et.typtype = 'e', nn.conname::text
     FROM tbl
     JOIN pg_catalog.pg_attribute a
       ON a.attrelid = tbl.oid AND a.attnum > 0 AND NOT a.attisdropped
     JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
     JOIN pg_catalog.pg_type et
       ON et.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem
                        ELSE t.oid END
     JOIN pg_catalog.pg_namespace etn ON etn.oid = et.typnamespace
     LEFT JOIN pg_catalog.pg_attrdef ad
       ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
     LEFT JOIN pg_catalog.pg_collation co
       ON co.oid = a.attcollation AND a.attcollation <> t.typcollation
     LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
     LEFT JOIN pg_catalog.pg_description d
       ON d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = a.attrelid
      AND d.objsubid = a.attnum
     LEFT JOIN pg_catalog.pg_constraint nn
       ON nn.conrelid = a.attrelid AND nn.contype = 'n' AND nn.conkey[1] = a.attnum
     ORDER BY a.attrelid, a.attnum"
);

/// Primary key, unique, foreign key, check and exclusion constraints: table oid, name,
/// type, deferrable, initially deferred, validated, no inherit, columns (key order),
/// referenced schema / table / columns, on delete, on update, match type, check
/// expression, nulls not distinct, exclusion definition (`pg_get_constraintdef`).
pub const CONSTRAINTS: &str = concat!(
    managed_tables_cte!(),
    "SELECT con.conrelid, con.conname::text, con.contype::text,
            con.condeferrable, con.condeferred, con.convalidated, con.connoinherit,
            ARRAY(SELECT a.attname::text
                  FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_catalog.pg_attribute a
                    ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                  ORDER BY k.ord),
            rn.nspname::text, rc.relname::text,
            ARRAY(SELECT a.attname::text
                  FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_catalog.pg_attribute a
                    ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                  ORDER BY k.ord),
            con.confdeltype::text, con.confupdtype::text, con.confmatchtype::text,
            CASE WHEN con.contype = 'c'
                 THEN pg_catalog.pg_get_expr(con.conbin, con.conrelid) END,
            COALESCE(i.indnullsnotdistinct, false),
            CASE WHEN con.contype = 'x'
                 THEN pg_catalog.pg_get_constraintdef(con.oid) END
     FROM tbl
     JOIN pg_catalog.pg_constraint con ON con.conrelid = tbl.oid
     LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid AND con.contype = 'f'
     LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
     LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = con.conindid AND con.contype = 'u'
     WHERE con.contype IN ('p', 'u', 'f', 'c', 'x') AND con.conparentid = 0"
);

/// Indexes that do not back a primary key, unique or exclusion constraint: table oid,
/// name, unique, method, full definition, include columns, predicate, nulls not
/// distinct, comment.
pub const INDEXES: &str = concat!(
    managed_tables_cte!(),
    "SELECT i.indrelid, ic.relname::text, i.indisunique, am.amname::text,
            pg_catalog.pg_get_indexdef(i.indexrelid),
            ARRAY(SELECT a.attname::text
                  FROM generate_series(i.indnkeyatts, i.indnatts - 1) AS k(pos)
                  JOIN pg_catalog.pg_attribute a
                    ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.pos]
                  ORDER BY k.pos),
            pg_catalog.pg_get_expr(i.indpred, i.indrelid),
            i.indnullsnotdistinct, d.description,
            COALESCE(ic.reloptions, '{}'::text[])
     FROM tbl
     JOIN pg_catalog.pg_index i ON i.indrelid = tbl.oid
     JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
     JOIN pg_catalog.pg_am am ON am.oid = ic.relam
     LEFT JOIN pg_catalog.pg_description d
       ON d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = i.indexrelid
      AND d.objsubid = 0
     WHERE i.indislive
       AND NOT EXISTS (
           SELECT 1 FROM pg_catalog.pg_constraint c
           WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid
             AND c.contype IN ('p', 'u', 'x'))"
);

/// Every sequence in the schemas (identity ones included, told apart by the owner's
/// dependency type): schema, name, type, start, increment, min, max, cache, cycle,
/// owner dependency type ('a' owned by / 'i' identity), owner schema / table / column,
/// comment.
pub const SEQUENCES: &str = "
SELECT n.nspname::text, c.relname::text, pg_catalog.format_type(s.seqtypid, NULL),
       s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
       dep.deptype::text, dn.nspname::text, dc.relname::text, da.attname::text,
       d.description
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
LEFT JOIN pg_catalog.pg_depend dep
  ON dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
 AND dep.objsubid = 0 AND dep.refclassid = 'pg_catalog.pg_class'::regclass
 AND dep.deptype IN ('a', 'i')
LEFT JOIN pg_catalog.pg_class dc ON dc.oid = dep.refobjid
LEFT JOIN pg_catalog.pg_namespace dn ON dn.oid = dc.relnamespace
LEFT JOIN pg_catalog.pg_attribute da
  ON da.attrelid = dep.refobjid AND da.attnum = dep.refobjsubid
LEFT JOIN pg_catalog.pg_description d
  ON d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = c.oid AND d.objsubid = 0
WHERE n.nspname = ANY($1::text[])
  AND c.relkind = 'S'
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend e
      WHERE e.classid = 'pg_catalog.pg_class'::regclass
        AND e.objid = c.oid AND e.deptype = 'e')";

/// Enum types: schema, name, labels in sort order, comment.
pub const ENUMS: &str = "
SELECT n.nspname::text, t.typname::text,
       ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
             WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder),
       d.description
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_description d
  ON d.classoid = 'pg_catalog.pg_type'::regclass AND d.objoid = t.oid AND d.objsubid = 0
WHERE t.typtype = 'e'
  AND n.nspname = ANY($1::text[])
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend e
      WHERE e.classid = 'pg_catalog.pg_type'::regclass
        AND e.objid = t.oid AND e.deptype = 'e')";

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
    SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                          WHEN 'p' THEN 'partitioned table' WHEN 'f' THEN 'foreign table' END AS kind
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('v', 'm', 'p', 'f')
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass
                        AND d.objid = c.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 'partition or inheritance child'
    FROM pg_catalog.pg_inherits i
    JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1::text[])
    UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END
    FROM pg_catalog.pg_proc p
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = ANY($1::text[])
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_proc'::regclass
                        AND d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 'trigger'
    FROM pg_catalog.pg_trigger t
    JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1::text[]) AND NOT t.tgisinternal
    UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range type' ELSE 'composite type' END
    FROM pg_catalog.pg_type t
    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = ANY($1::text[])
      AND (t.typtype IN ('d', 'r')
           OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_catalog.pg_class c
                                    WHERE c.oid = t.typrelid) = 'c'))
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_type'::regclass
                        AND d.objid = t.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 'row-level security policy'
    FROM pg_catalog.pg_policy pol
    JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1::text[])
) AS objects
GROUP BY kind
ORDER BY kind";
