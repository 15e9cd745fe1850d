//! Dotted names inside the file: table and enum keys (`tasks`, `other.tasks`),
//! `references = "schema.table.column"`, `owned_by`, `collation`.
//!
//! Parts are taken literally (no case folding: `Tasks` is the table named `Tasks`). A part
//! that contains a dot or starts with a double quote is written in double quotes, with an
//! embedded `"` doubled: `"my.table".id`.

use crate::model::QualifiedName;

/// Splits `a.b."c.d"` into its parts; `None` if malformed (empty part, bad quoting).
pub(crate) fn split(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    '"' => break,
                    c => part.push(c),
                }
            }
            if part.is_empty() {
                return None;
            }
            match chars.next() {
                None => {
                    parts.push(part);
                    return Some(parts);
                }
                Some('.') => parts.push(part),
                Some(_) => return None,
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        if part.is_empty() {
                            return None;
                        }
                        parts.push(part);
                        return Some(parts);
                    }
                    Some('.') => break,
                    Some(c) => part.push(c),
                }
            }
            if part.is_empty() {
                return None;
            }
            parts.push(part);
        }
    }
}

/// One part, quoted only when [`split`] needs it.
pub(crate) fn part(name: &str) -> String {
    if name.is_empty() || name.contains('.') || name.starts_with('"') {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.to_string()
    }
}

/// `name` for public, else `schema.name`.
pub(crate) fn qualified(name: &QualifiedName) -> String {
    if name.schema == "public" {
        part(&name.name)
    } else {
        format!("{}.{}", part(&name.schema), part(&name.name))
    }
}

/// Parses a table or enum key: `name` (schema public) or `schema.name`.
pub(crate) fn parse_qualified(text: &str) -> Option<QualifiedName> {
    let parts = split(text)?;
    match <[String; 2]>::try_from(parts) {
        Ok([schema, name]) => Some(QualifiedName::new(schema, name)),
        Err(parts) if parts.len() == 1 => Some(QualifiedName::public(parts[0].clone())),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_quote_round_trip() {
        assert_eq!(split("a.b"), Some(vec!["a".into(), "b".into()]));
        assert_eq!(split("\"a.b\".c"), Some(vec!["a.b".into(), "c".into()]));
        assert_eq!(split("Tasks"), Some(vec!["Tasks".into()]));
        assert_eq!(split("a..b"), None);
        assert_eq!(split("\"a\"x"), None);
        for name in ["x", "a.b", "\"q\"", "it's", "with space", "ünï", "a\"b"] {
            assert_eq!(split(&part(name)), Some(vec![name.to_string()]), "{name}");
        }
    }
}
