//! The naming rule of generated types: `tasks` → `Task` (`NewTask`, `TaskUpdate`).

use std::collections::BTreeSet;

/// The singular of a table name: its last word (after the last `_`) loses a plural ending.
/// Deliberately simple, so that a user can predict it: `ies` → `y`, `sses`/`xes`/`ches`/
/// `shes`/`zes` lose `es`, any other `s` goes unless the word ends in `ss`, `us` or `is`.
pub fn singular(name: &str) -> String {
    let cut = name
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_alphanumeric())
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    let (head, last) = name.split_at(cut);
    let lower = last.to_lowercase();
    let keep = if lower.len() <= 2 {
        last.len()
    } else if lower.ends_with("ies") {
        return format!("{head}{}y", &last[..last.len() - 3]);
    } else if ["sses", "xes", "ches", "shes", "zes"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        last.len() - 2
    } else if lower.ends_with('s') && !["ss", "us", "is"].iter().any(|e| lower.ends_with(e)) {
        last.len() - 1
    } else {
        last.len()
    };
    format!("{head}{}", &last[..keep])
}

/// UpperCamelCase: every run of letters and digits is a word (`in_progress`, `in progress`
/// and `in-progress` all give `InProgress`); an existing capital is kept (`myTable` →
/// `MyTable`). A leading digit gets an `_`; a name without letters or digits is `Empty`.
pub fn pascal_case(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if out.is_empty() {
        out.push_str("Empty");
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if out == "Self" {
        out.push('_');
    }
    out
}

/// `name`, or `name2`, `name3`, ... the first that is not taken.
pub(super) fn free(name: String, taken: &BTreeSet<String>) -> String {
    if !taken.contains(&name) {
        return name;
    }
    (2..)
        .map(|n| format!("{name}{n}"))
        .find(|n| !taken.contains(n))
        .unwrap_or(name)
}

/// Names a generated type must not take: what the generated code itself refers to
/// (Rust's prelude, the TypeScript file's own `Json` and `Database`, TypeScript's global
/// types), so that a table called `strings` or `dates` cannot shadow them.
pub(super) const RESERVED: &[&str] = &[
    "Array",
    "Box",
    "Clone",
    "Copy",
    "Database",
    "Date",
    "Debug",
    "Default",
    "Display",
    "Eq",
    "Err",
    "Error",
    "From",
    "FromStr",
    "Hash",
    "Into",
    "Json",
    "Map",
    "None",
    "Number",
    "Object",
    "Ok",
    "Option",
    "PartialEq",
    "Partial",
    "Promise",
    "Record",
    "Result",
    "Row",
    "Self",
    "Send",
    "Set",
    "Sized",
    "Some",
    "String",
    "Symbol",
    "Sync",
    "ToSql",
    "FromSql",
    "TryFrom",
    "Type",
    "Vec",
];
