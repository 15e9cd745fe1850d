//! A table's partitioning keys: `partition_of` and `bounds` for a partition (whose
//! columns are its parent's and are not written), `partition_by` for a partitioned table.

use super::toml_string;
use crate::model::Table;
use crate::schema_file::path;

/// The partitioning keys of `t`, in the order they are written, as (key, TOML value).
pub(super) fn partition_fields(t: &Table) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    if let Some(p) = &t.partition_of {
        fields.push((
            "partition_of".into(),
            toml_string(&path::qualified(&p.parent)),
        ));
        fields.push(("bounds".into(), toml_string(&p.bounds)));
    }
    if let Some(by) = &t.partition_by {
        fields.push(("partition_by".into(), toml_string(by)));
    }
    fields
}
