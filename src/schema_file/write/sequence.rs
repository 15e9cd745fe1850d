//! `[sequences]` (but those a `serial` column stands for), and sequence options.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::column::serial_of;
use super::{inline, key, toml_string};
use crate::model::{Schema, SequenceOptions};
use crate::schema_file::path;

pub(super) fn write_sequences(out: &mut String, schema: &Schema) {
    // Columns that are exactly `serial`, and the sequences they stand for.
    let mut serial_sequences = BTreeSet::new();
    for t in schema.tables.values() {
        for c in &t.columns {
            if let Some((_, seq)) = serial_of(schema, t, c) {
                serial_sequences.insert(seq);
            }
        }
    }
    let sequences: Vec<_> = schema
        .sequences
        .values()
        .filter(|s| !serial_sequences.contains(&s.name))
        .collect();
    if !sequences.is_empty() {
        out.push_str("[sequences]\n");
        for s in sequences {
            let mut fields: Vec<(&str, String)> = option_fields(&s.options, "bigint");
            if let Some((table, column)) = &s.owned_by {
                let owner = format!("{}.{}", path::part(&table.name), path::part(column));
                fields.push(("owned_by", toml_string(&owner)));
            }
            if let Some(c) = &s.comment {
                fields.push(("comment", toml_string(c)));
            }
            let _ = writeln!(
                out,
                "{} = {}",
                key(&path::qualified(&s.name)),
                inline(&fields)
            );
        }
        out.push('\n');
    }
}

pub(super) fn option_fields(
    o: &SequenceOptions,
    default_type: &str,
) -> Vec<(&'static str, String)> {
    let mut f = Vec::new();
    if o.data_type != default_type {
        f.push(("type", toml_string(&o.data_type)));
    }
    if o.increment != 1 {
        f.push(("increment", o.increment.to_string()));
    }
    let d = SequenceOptions::defaults_for(&o.data_type, o.increment);
    if o.min_value != d.min_value {
        f.push(("min_value", o.min_value.to_string()));
    }
    if o.max_value != d.max_value {
        f.push(("max_value", o.max_value.to_string()));
    }
    let default_start = if o.increment > 0 {
        o.min_value
    } else {
        o.max_value
    };
    if o.start != default_start {
        f.push(("start", o.start.to_string()));
    }
    if o.cache != 1 {
        f.push(("cache", o.cache.to_string()));
    }
    if o.cycle {
        f.push(("cycle", "true".into()));
    }
    f
}
