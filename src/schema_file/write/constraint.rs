//! A table's `checks` and `exclude` sections (keys and foreign keys are table fields or
//! column sugar, written with the table).

use std::fmt::Write as _;

use super::{inline, key, toml_string};
use crate::model::Table;

/// The checks that are not column sugar (`check_sugar[i]` is the column a check is
/// written on, if any).
pub(super) fn write_checks(
    out: &mut String,
    header: &str,
    t: &Table,
    check_sugar: &[Option<usize>],
) {
    let table_checks: Vec<_> = t
        .checks
        .iter()
        .zip(check_sugar)
        .filter(|(_, s)| s.is_none())
        .map(|(c, _)| c)
        .collect();
    if !table_checks.is_empty() {
        let _ = writeln!(out, "[{header}.checks]");
        for c in table_checks {
            let comment = t.constraint_comments.get(&c.name);
            let value = if c.no_inherit || c.not_valid || comment.is_some() {
                let mut f = vec![("expression", toml_string(&c.expression))];
                if c.no_inherit {
                    f.push(("no_inherit", "true".into()));
                }
                if c.not_valid {
                    f.push(("not_valid", "true".into()));
                }
                f.extend(comment.map(|c| ("comment", toml_string(c))));
                inline(&f)
            } else {
                toml_string(&c.expression)
            };
            let _ = writeln!(out, "{} = {value}", key(&c.name));
        }
        out.push('\n');
    }
}

pub(super) fn write_exclusions(out: &mut String, header: &str, t: &Table) {
    if !t.exclusions.is_empty() {
        let _ = writeln!(out, "[{header}.exclude]");
        for x in &t.exclusions {
            let definition = toml_string(&x.definition);
            let value = match t.constraint_comments.get(&x.name) {
                Some(c) => inline(&[("definition", definition), ("comment", toml_string(c))]),
                None => definition,
            };
            let _ = writeln!(out, "{} = {value}", key(&x.name));
        }
        out.push('\n');
    }
}
