//! One index key entry written from its parts (the schema file's table form
//! `{ column = "embedding", opclass = "vector_cosine_ops" }`), in the order and spelling
//! `pg_get_indexdef` prints: `target [COLLATE c] [opclass] [DESC] [NULLS FIRST|LAST]`,
//! with the ordering defaults left out as the server leaves them out.

use super::quote::{ident, qualified};

/// What the key indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// A column, by its exact name.
    Column(&'a str),
    /// One SQL expression (already checked to be one).
    Expression(&'a str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nulls {
    First,
    Last,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyParts<'a> {
    pub target: Target<'a>,
    /// A collation name, exactly (`C`, `en_US.utf8`).
    pub collate: Option<&'a str>,
    /// An operator class, exactly: `name` or `schema.name` (`vector_cosine_ops`,
    /// `extensions.vector_cosine_ops`).
    pub opclass: Option<&'a str>,
    pub descending: bool,
    pub nulls: Option<Nulls>,
}

/// The key entry's SQL.
pub fn render(parts: &KeyParts<'_>) -> String {
    let mut out = match parts.target {
        Target::Column(name) => ident(name),
        Target::Expression(sql) => {
            let sql = sql.trim();
            if is_parenthesized(sql) {
                sql.to_string()
            } else {
                format!("({sql})")
            }
        }
    };
    if let Some(c) = parts.collate {
        out.push_str(" COLLATE ");
        out.push_str(&ident(c));
    }
    if let Some(op) = parts.opclass {
        out.push(' ');
        out.push_str(&opclass_name(op));
    }
    if parts.descending {
        out.push_str(" DESC");
    }
    // NULLS LAST is the default of ASC, NULLS FIRST of DESC: the server prints neither.
    match (parts.nulls, parts.descending) {
        (Some(Nulls::First), false) => out.push_str(" NULLS FIRST"),
        (Some(Nulls::Last), true) => out.push_str(" NULLS LAST"),
        _ => {}
    }
    out
}

/// `schema.name` when the text has one dot, else the name; each part quoted as needed.
fn opclass_name(text: &str) -> String {
    match text.split_once('.') {
        Some((schema, name)) if !schema.is_empty() && !name.is_empty() && !name.contains('.') => {
            qualified(schema, name)
        }
        _ => ident(text),
    }
}

/// Whether the whole text is one parenthesized group: `(a + 1)`, not `(a) + (b)`.
fn is_parenthesized(sql: &str) -> bool {
    let bytes = sql.as_bytes();
    if bytes.first() != Some(&b'(') || bytes.last() != Some(&b')') {
        return false;
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut in_ident = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' if !in_ident => in_string = !in_string,
            b'"' if !in_string => in_ident = !in_ident,
            b'(' if !in_string && !in_ident => depth += 1,
            b')' if !in_string && !in_ident => {
                depth = depth.saturating_sub(1);
                if depth == 0 && i + 1 != bytes.len() {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str) -> KeyParts<'_> {
        KeyParts {
            target: Target::Column(name),
            collate: None,
            opclass: None,
            descending: false,
            nulls: None,
        }
    }

    #[test]
    fn a_column_with_its_operator_class() {
        let key = KeyParts {
            opclass: Some("vector_cosine_ops"),
            ..column("embedding")
        };
        assert_eq!(render(&key), "embedding vector_cosine_ops");
        let key = KeyParts {
            opclass: Some("extensions.vector_cosine_ops"),
            ..column("My Col")
        };
        assert_eq!(render(&key), "\"My Col\" extensions.vector_cosine_ops");
    }

    #[test]
    fn collation_ordering_and_nulls_as_the_server_prints_them() {
        let key = KeyParts {
            collate: Some("C"),
            opclass: Some("text_pattern_ops"),
            descending: true,
            nulls: Some(Nulls::Last),
            ..column("title")
        };
        assert_eq!(
            render(&key),
            "title COLLATE \"C\" text_pattern_ops DESC NULLS LAST"
        );
        // The defaults: ASC NULLS LAST, DESC NULLS FIRST.
        let key = KeyParts {
            nulls: Some(Nulls::Last),
            ..column("due")
        };
        assert_eq!(render(&key), "due");
        let key = KeyParts {
            descending: true,
            nulls: Some(Nulls::First),
            ..column("due")
        };
        assert_eq!(render(&key), "due DESC");
        let key = KeyParts {
            nulls: Some(Nulls::First),
            collate: Some("en_US.utf8"),
            ..column("due")
        };
        assert_eq!(render(&key), "due COLLATE \"en_US.utf8\" NULLS FIRST");
    }

    #[test]
    fn an_expression_is_parenthesized_once() {
        let key = KeyParts {
            target: Target::Expression("embedding::public.halfvec(3)"),
            opclass: Some("halfvec_l2_ops"),
            ..column("")
        };
        assert_eq!(
            render(&key),
            "(embedding::public.halfvec(3)) halfvec_l2_ops"
        );
        let key = KeyParts {
            target: Target::Expression(" (lower(title)) "),
            ..column("")
        };
        assert_eq!(render(&key), "(lower(title))");
        let key = KeyParts {
            target: Target::Expression("(a) + (b)"),
            ..column("")
        };
        assert_eq!(render(&key), "((a) + (b))");
        let key = KeyParts {
            target: Target::Expression("('(' || a || ')')"),
            ..column("")
        };
        assert_eq!(render(&key), "('(' || a || ')')");
    }
}
