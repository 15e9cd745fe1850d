//! `[functions.*]` for `pull`.

use std::fmt::Write as _;

use super::{inline, key, toml_string};
use crate::model::Schema;
use crate::model::function::{Parallel, RoutineKind, Volatility};
use crate::schema_file::path;

/// A body as a multi-line literal string when TOML can hold it so (what the user would
/// write), else as an escaped basic string.
fn body_text(body: &str) -> String {
    let literal_ok = !body.contains("'''")
        && !body.ends_with('\'')
        && !body
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t');
    if literal_ok && body.contains('\n') {
        format!("'''\n{body}'''")
    } else {
        toml_string(body)
    }
}

pub(super) fn write_functions(out: &mut String, schema: &Schema) {
    for f in schema.functions.values() {
        let overloaded = schema
            .functions
            .values()
            .filter(|g| g.name == f.name)
            .count()
            > 1;
        let name = path::qualified(&f.name);
        let header = if overloaded || f.overload_key {
            format!("{name}({})", f.identity)
        } else {
            name
        };
        let _ = writeln!(out, "[functions.{}]", key(&header));
        if f.kind == RoutineKind::Procedure {
            let _ = writeln!(out, "kind = \"procedure\"");
        }
        if !f.args.is_empty() {
            let _ = writeln!(out, "args = {}", toml_string(&f.args));
        }
        if let Some(r) = &f.returns {
            let _ = writeln!(out, "returns = {}", toml_string(r));
        }
        let _ = writeln!(out, "language = {}", toml_string(&f.language));
        if f.volatility != Volatility::Volatile {
            let _ = writeln!(out, "volatility = \"{}\"", f.volatility.file_name());
        }
        if f.strict {
            let _ = writeln!(out, "strict = true");
        }
        if f.security_definer {
            let _ = writeln!(out, "security_definer = true");
        }
        if f.leakproof {
            let _ = writeln!(out, "leakproof = true");
        }
        if f.parallel != Parallel::Unsafe {
            let _ = writeln!(out, "parallel = \"{}\"", f.parallel.file_name());
        }
        for (key, value) in [("cost", f.cost), ("rows", f.rows)] {
            if let Some(v) = value {
                let text = if v.fract() == 0.0 && v.abs() < 1e15 {
                    format!("{}", v as i64)
                } else {
                    format!("{v}")
                };
                let _ = writeln!(out, "{key} = {text}");
            }
        }
        if !f.config.is_empty() {
            let settings: Vec<(String, String)> = f
                .config
                .iter()
                .map(|(k, v)| {
                    // An empty list reads best as it is written: "".
                    let v = if v == "\"\"" { "" } else { v.as_str() };
                    (k.clone(), toml_string(v))
                })
                .collect();
            let _ = writeln!(out, "set = {}", inline(&settings));
        }
        if let Some(c) = &f.comment {
            let _ = writeln!(out, "comment = {}", toml_string(c));
        }
        let _ = writeln!(out, "body = {}", body_text(f.body.text()));
        out.push('\n');
    }
}
