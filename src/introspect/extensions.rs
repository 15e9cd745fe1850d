//! Installed extensions: every one in the database (not only the managed schemas'), so
//! that push never creates one that is there, and knows where each lives.

use std::collections::BTreeMap;

use tokio_postgres::Row;

use crate::model::Extension;

/// name, schema, version, default version (NULL when the server no longer has the
/// extension's control file). Every extension, whatever the managed schemas (`$1`,
/// which every catalog query takes, is only typed here). `pg_available_extensions`
/// reads the control files once (a hash join, not a lookup per extension).
pub(super) const EXTENSIONS: &str = "
SELECT x.extname::text, n.nspname::text, x.extversion, a.default_version
FROM pg_catalog.pg_extension x
JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace
LEFT JOIN pg_catalog.pg_available_extensions a ON a.name = x.extname
WHERE pg_catalog.cardinality($1::text[]) >= 0";

pub(super) fn extensions(rows: &[Row]) -> BTreeMap<String, Extension> {
    rows.iter()
        .map(|row| {
            let name: String = row.get(0);
            let ext = Extension {
                name: name.clone(),
                schema: Some(row.get(1)),
                version: Some(row.get(2)),
                default_version: row.get(3),
            };
            (name, ext)
        })
        .collect()
}
