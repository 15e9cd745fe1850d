//! `[tables.*.triggers.*]` and `[views.*.triggers.*]` for `pull`.

use std::fmt::Write as _;

use super::{key, string_array, toml_string};
use crate::model::Trigger;
use crate::schema_file::path;

/// The triggers of the relation whose section is `[header]` (`tables.tasks`).
pub(super) fn write_triggers(out: &mut String, header: &str, triggers: &[Trigger]) {
    for trig in triggers {
        let _ = writeln!(out, "[{header}.triggers.{}]", key(&trig.name));
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
