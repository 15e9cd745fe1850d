//! Cheap, conservative comparison of SQL expressions in code.
//!
//! PostgreSQL rewrites expressions (`status in ('a')` comes back as
//! `(status = ANY (ARRAY['a'::text]))`). Matching that in code would mean re-implementing
//! the server's deparser, so this module only folds what is certainly meaningless —
//! white space, keyword case, redundant outer parentheses — and `apply::canonicalize`
//! asks the server about everything else. A false "different" costs a round trip; a false
//! "equal" would hide a change, so every rule here must be exact.

/// Tokens of an SQL expression: quoted literals and quoted identifiers are kept verbatim,
/// other words are lower-cased, white space is dropped.
fn tokens(sql: &str) -> Vec<String> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() {
                if chars[i] == c {
                    if i + 1 < chars.len() && chars[i + 1] == c {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            out.push(chars[start..i].iter().collect());
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || chars[i] == '_'
                    || chars[i] == '$'
                    || chars[i] == '.')
            {
                i += 1;
            }
            out.push(chars[start..i].iter().collect::<String>().to_lowercase());
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}

/// Strips parentheses that wrap the whole token list, as often as they do.
fn strip_outer_parens(mut toks: &[String]) -> &[String] {
    loop {
        if toks.len() < 2 || toks[0] != "(" || toks[toks.len() - 1] != ")" {
            return toks;
        }
        let mut depth = 0i32;
        for (i, t) in toks.iter().enumerate() {
            match t.as_str() {
                "(" => depth += 1,
                ")" => {
                    depth -= 1;
                    if depth == 0 && i != toks.len() - 1 {
                        return toks;
                    }
                }
                _ => {}
            }
        }
        toks = &toks[1..toks.len() - 1];
    }
}

/// True when two expressions are certainly the same.
pub fn same_expression(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let ta = tokens(a);
    let tb = tokens(b);
    strip_outer_parens(&ta) == strip_outer_parens(&tb)
}

/// Replaces every occurrence of the identifier `from` (as a whole token, quoted or not)
/// with `to` in SQL text, leaving string literals alone. Used to follow a column rename
/// through index keys and expressions of the live schema.
pub fn rename_identifier(sql: &str, from: &str, to: &str) -> String {
    use crate::sql::quote;
    let chars: Vec<char> = sql.chars().collect();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let start = i;
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if i + 1 < chars.len() && chars[i + 1] == '\'' {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            out.extend(&chars[start..i]);
        } else if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() {
                if chars[i] == '"' {
                    if i + 1 < chars.len() && chars[i + 1] == '"' {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            let word: String = chars[start..i].iter().collect();
            if quote::parse_ident(&word).as_deref() == Some(from) {
                out.push_str(&quote::ident(to));
            } else {
                out.push_str(&word);
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let preceded_by_dot = start > 0 && chars[start - 1] == '.';
            if !preceded_by_dot && word.to_lowercase() == from && quote::is_plain_identifier(from) {
                out.push_str(&quote::ident(to));
            } else {
                out.push_str(&word);
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// True when `name` occurs in SQL text as an identifier (quoted or not, qualified or
/// not), string literals aside. Over-approximates on purpose: a function or type of the
/// same name counts too, which only costs an object rebuilt that could have been kept.
pub fn mentions_identifier(sql: &str, name: &str) -> bool {
    scan_identifiers(sql, |word| word == name)
}

/// Every identifier of SQL text, as [`mentions_identifier`] reads them (unquoted ones
/// lowercased): to test many names against one text, lexing it once.
pub fn identifiers(sql: &str) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    scan_identifiers(sql, |word| {
        out.insert(word.to_string());
        false
    });
    out
}

/// Calls `found` with each identifier of `sql` (string literals aside; quoted ones
/// unquoted, others lowercased) until it returns true; whether it did.
fn scan_identifiers(sql: &str, mut found: impl FnMut(&str) -> bool) -> bool {
    use crate::sql::quote;
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    let skip_quoted = |i: &mut usize, q: char| {
        *i += 1;
        while *i < chars.len() {
            if chars[*i] == q {
                if *i + 1 < chars.len() && chars[*i + 1] == q {
                    *i += 2;
                    continue;
                }
                break;
            }
            *i += 1;
        }
        *i = (*i + 1).min(chars.len());
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            skip_quoted(&mut i, '\'');
        } else if c == '"' {
            let start = i;
            skip_quoted(&mut i, '"');
            let word: String = chars[start..i].iter().collect();
            if quote::parse_ident(&word).is_some_and(|w| found(&w)) {
                return true;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if found(&word.to_lowercase()) {
                return true;
            }
        } else {
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_space_and_outer_parens() {
        assert!(same_expression("done = false", "(done = false)"));
        assert!(same_expression("NOW()", "now()"));
        assert!(same_expression("((a > 0))", "a > 0"));
        assert!(!same_expression("(a) + (b)", "a) + (b"));
        assert!(!same_expression("'A'", "'a'"));
        assert!(!same_expression("\"A\"", "\"a\""));
        assert!(!same_expression("a - (b - c)", "a - b - c"));
    }

    #[test]
    fn renames_identifiers_not_strings() {
        assert_eq!(
            rename_identifier("lower(title)", "title", "name"),
            "lower(name)"
        );
        assert_eq!(
            rename_identifier("title = 'title'", "title", "Name"),
            "\"Name\" = 'title'"
        );
        assert_eq!(rename_identifier("\"My Col\" > 0", "My Col", "x"), "x > 0");
        assert_eq!(rename_identifier("t.title", "title", "x"), "t.title");
    }

    #[test]
    fn finds_identifiers_not_strings() {
        assert!(mentions_identifier("(mood = 'calm'::mood)", "mood"));
        assert!(mentions_identifier("lower(\"My Col\")", "My Col"));
        assert!(mentions_identifier("x::public.mood", "mood"));
        assert!(!mentions_identifier("note = 'mood'", "mood"));
        assert!(!mentions_identifier("moody > 0", "mood"));
        assert!(!mentions_identifier("\"Mood\" > 0", "mood"));
        assert!(!mentions_identifier("Mood > 0", "Mood"));
    }

    #[test]
    fn lists_identifiers_as_mentions_reads_them() {
        let found = identifiers("select Open_Count() from \"My View\" where note = 'x'");
        let mut found: Vec<&str> = found.iter().map(String::as_str).collect();
        found.sort();
        assert_eq!(
            found,
            ["My View", "from", "note", "open_count", "select", "where"]
        );
    }
}
