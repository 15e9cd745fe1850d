//! `[tables.*.triggers.*]` for `pull`.

use std::fmt::Write as _;

use super::{key, string_array, toml_string};
use crate::model::Table;
use crate::schema_file::path;

pub(super) fn write_triggers(out: &mut String, t: &Table) {
    for trig in &t.triggers {
        let _ = writeln!(
            out,
            "[tables.{}.triggers.{}]",
            key(&path::qualified(&t.name)),
            key(&trig.name)
        );
        let _ = writeln!(out, "timing = \"{}\"", trig.timing.file_name());
        let events: Vec<String> = trig
            .events
            .iter()
            .map(|e| e.file_name().to_string())
            .collect();
        let _ = writeln!(out, "events = {}", string_array(&events));
        let _ = writeln!(
            out,
            "function = {}",
            toml_string(&path::qualified(&trig.function))
        );
        if !trig.for_each_row {
            let _ = writeln!(out, "for_each = \"statement\"");
        }
        if !trig.columns.is_empty() {
            let _ = writeln!(out, "columns = {}", string_array(&trig.columns));
        }
        if let Some(w) = &trig.when {
            let _ = writeln!(out, "when = {}", toml_string(w));
        }
        if !trig.args.is_empty() {
            let _ = writeln!(out, "args = {}", string_array(&trig.args));
        }
        if let Some(c) = &trig.comment {
            let _ = writeln!(out, "comment = {}", toml_string(c));
        }
        out.push('\n');
    }
}
