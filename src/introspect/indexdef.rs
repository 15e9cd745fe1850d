//! Splits the text `pg_get_indexdef(indexrelid)` prints into its parts.
//!
//! The server prints `CREATE [UNIQUE] INDEX name ON [ONLY] table USING method (k1, k2)
//! [INCLUDE (...)] [NULLS NOT DISTINCT] [WITH (...)] [WHERE ...]`. Names before the key
//! list are identifiers (quoted when needed), so the first parenthesis outside double
//! quotes opens the key list. Inside it, entries are separated by commas outside
//! parentheses, double-quoted identifiers and string literals.

/// The entries of the key list, exactly as printed (`lower(title)`, `created_at DESC`,
/// `"My Col"`, `((a + 1))`). `None` if the text does not have the expected shape.
pub fn key_entries(def: &str) -> Option<Vec<String>> {
    let bytes = def.as_bytes();
    // Find the opening parenthesis of the key list: the first one outside "...".
    let mut i = 0;
    let mut in_ident = false;
    let open = loop {
        let b = *bytes.get(i)?;
        if in_ident {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    in_ident = false;
                }
            }
        } else if b == b'"' {
            in_ident = true;
        } else if b == b'(' {
            break i;
        }
        i += 1;
    };

    let mut entries = Vec::new();
    let mut depth = 0usize;
    let mut start = open + 1;
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_quoted_ident(bytes, i)?,
            b'\'' => i = skip_string_literal(bytes, i)?,
            b'(' | b'[' => depth += 1,
            b')' | b']' if depth > 0 => depth -= 1,
            b')' => {
                push_entry(&mut entries, &def[start..i])?;
                return Some(entries);
            }
            b',' if depth == 0 => {
                push_entry(&mut entries, &def[start..i])?;
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn push_entry(entries: &mut Vec<String>, text: &str) -> Option<()> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    entries.push(text.to_string());
    Some(())
}

/// `bytes[at]` is the opening `"`; returns the index of the closing one.
fn skip_quoted_ident(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    loop {
        if *bytes.get(i)? == b'"' {
            if bytes.get(i + 1) == Some(&b'"') {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
}

/// `bytes[at]` is the opening `'`; returns the index of the closing one. `''` is a quote
/// inside the literal; in an `E'...'` literal a backslash escapes the next byte.
fn skip_string_literal(bytes: &[u8], at: usize) -> Option<usize> {
    let escapes = at > 0
        && matches!(bytes[at - 1], b'E' | b'e')
        && (at < 2 || !(bytes[at - 2].is_ascii_alphanumeric() || bytes[at - 2] == b'_'));
    let mut i = at + 1;
    loop {
        match *bytes.get(i)? {
            b'\\' if escapes => i += 2,
            b'\'' if bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' => return Some(i),
            _ => i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::key_entries;

    fn keys(def: &str) -> Vec<String> {
        key_entries(def).unwrap_or_else(|| panic!("cannot split {def}"))
    }

    #[test]
    fn plain_and_expression_keys() {
        assert_eq!(
            keys("CREATE INDEX tasks_lower_idx ON public.tasks USING btree (lower(title))"),
            ["lower(title)"]
        );
        assert_eq!(
            keys(
                "CREATE INDEX i ON public.tasks USING btree (((priority + 1)), title COLLATE \"C\" DESC)"
            ),
            ["((priority + 1))", "title COLLATE \"C\" DESC"]
        );
        assert_eq!(
            keys(
                "CREATE INDEX i ON public.tasks USING btree (created_at DESC NULLS LAST, title text_pattern_ops)"
            ),
            ["created_at DESC NULLS LAST", "title text_pattern_ops"]
        );
    }

    #[test]
    fn include_and_predicate_are_not_keys() {
        assert_eq!(
            keys(
                "CREATE INDEX \"a(b\" ON public.\"t, (x\" USING btree (\"My, Col)\") INCLUDE (title) WHERE (a = 'x)')"
            ),
            ["\"My, Col)\""]
        );
    }

    #[test]
    fn literals_with_commas_and_quotes() {
        assert_eq!(
            keys("CREATE INDEX i ON t USING btree (coalesce(a, 'x,'')y'), (b || E'\\', ('))"),
            ["coalesce(a, 'x,'')y')", "(b || E'\\', (')"]
        );
        assert_eq!(
            keys("CREATE INDEX i ON t USING btree ((a[1]), \"we\"\"ird\")"),
            ["(a[1])", "\"we\"\"ird\""]
        );
    }

    #[test]
    fn malformed_text_is_rejected() {
        assert_eq!(key_entries("CREATE INDEX i ON t USING btree (a"), None);
        assert_eq!(key_entries("no parenthesis"), None);
    }
}
