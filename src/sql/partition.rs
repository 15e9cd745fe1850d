//! The two raw-SQL values of declarative partitioning: a partition key
//! (`range (created_at)`) and a partition bound (`from ('2026-01-01') to ('2027-01-01')`,
//! `in ('US', 'CA')`, `with (modulus 4, remainder 0)`, `default`).
//!
//! Each is rendered into `CREATE TABLE` / `ALTER TABLE .. ATTACH PARTITION`, so each must
//! be exactly one clause of its kind: [`fragment::check`]'s rules (no `;`, balanced
//! brackets, nothing left open), the clause's own keywords, and nothing after its last
//! parenthesised list.

use super::fragment::{self, FragmentError, error, skip_block_comment, skip_dollar, skip_quoted};

/// Checks a partition key: `RANGE`, `LIST` or `HASH`, then one parenthesised list.
pub fn check_partition_by(text: &str, what: &str) -> Result<(), FragmentError> {
    fragment::check(text, what)?;
    let mut at = Cursor::new(text, what);
    let word = at.word();
    if !["range", "list", "hash"].contains(&word.as_str()) {
        return Err(error(
            at.word_start,
            format!("{what} must start with RANGE, LIST or HASH, found {word:?}"),
            "write the clause after PARTITION BY, e.g. \"range (created_at)\"",
        ));
    }
    at.group()?;
    at.end()
}

/// Checks a partition bound (with or without a leading `FOR VALUES`): `DEFAULT`,
/// `IN (...)`, `FROM (...) TO (...)` or `WITH (...)`.
pub fn check_bounds(text: &str, what: &str) -> Result<(), FragmentError> {
    fragment::check(text, what)?;
    let body = strip_for_values(text);
    let mut at = Cursor::new(body, what);
    at.offset = text.len() - body.len();
    let word = at.word();
    match word.as_str() {
        "default" => {}
        "in" | "with" => at.group()?,
        "from" => {
            at.group()?;
            let to = at.word();
            if to != "to" {
                return Err(error(
                    at.offset + at.word_start,
                    format!("{what}: FROM (...) must be followed by TO (...), found {to:?}"),
                    "write \"from ('2026-01-01') to ('2027-01-01')\"",
                ));
            }
            at.group()?;
        }
        _ => {
            return Err(error(
                at.offset + at.word_start,
                format!(
                    "{what} must be DEFAULT, IN (...), FROM (...) TO (...) or WITH (...), found {word:?}"
                ),
                "write the bound after FOR VALUES, e.g. \"from ('2026-01-01') to ('2027-01-01')\"",
            ));
        }
    }
    at.end()
}

/// The bound without a leading `FOR VALUES` (as `pg_get_expr(relpartbound)` prints it),
/// trimmed; `DEFAULT` in upper case, the spelling the server prints.
pub fn normalize_bounds(text: &str) -> String {
    let body = strip_for_values(text).trim();
    if body.eq_ignore_ascii_case("default") {
        "DEFAULT".to_string()
    } else {
        body.to_string()
    }
}

/// The clause a bound takes in `CREATE TABLE .. PARTITION OF` and `ATTACH PARTITION`:
/// `DEFAULT`, or `FOR VALUES` and the bound.
pub fn bound_clause(bounds: &str) -> String {
    if bounds.trim().eq_ignore_ascii_case("default") {
        "DEFAULT".to_string()
    } else {
        format!("FOR VALUES {bounds}")
    }
}

fn strip_for_values(text: &str) -> &str {
    let t = text.trim_start();
    let mut words = t.splitn(3, char::is_whitespace);
    match (words.next(), words.next()) {
        (Some(f), Some(v)) if f.eq_ignore_ascii_case("for") && v.eq_ignore_ascii_case("values") => {
            t[f.len()..].trim_start()[v.len()..].trim_start()
        }
        _ => text,
    }
}

/// Walks a clause: keywords and parenthesised groups, with blanks and comments between.
struct Cursor<'a> {
    text: &'a str,
    what: &'a str,
    pos: usize,
    word_start: usize,
    /// Where `text` starts in the value the user wrote (for error offsets).
    offset: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str, what: &'a str) -> Self {
        Cursor {
            text,
            what,
            pos: 0,
            word_start: 0,
            offset: 0,
        }
    }

    fn skip_blanks(&mut self) -> Result<(), FragmentError> {
        let b = self.text.as_bytes();
        loop {
            while self.pos < b.len() && b[self.pos].is_ascii_whitespace() {
                self.pos += 1;
            }
            if b[self.pos..].starts_with(b"/*") {
                self.pos = skip_block_comment(b, self.pos, self.what)?;
            } else if b[self.pos..].starts_with(b"--") {
                self.pos += b[self.pos..]
                    .iter()
                    .position(|&x| x == b'\n')
                    .unwrap_or(b.len() - self.pos);
            } else {
                return Ok(());
            }
        }
    }

    /// The next keyword, lower-cased (empty if none).
    fn word(&mut self) -> String {
        let _ = self.skip_blanks();
        self.word_start = self.pos;
        let b = self.text.as_bytes();
        while self.pos < b.len() && b[self.pos].is_ascii_alphabetic() {
            self.pos += 1;
        }
        self.text[self.word_start..self.pos].to_ascii_lowercase()
    }

    /// One parenthesised group (quotes and comments inside are skipped whole).
    fn group(&mut self) -> Result<(), FragmentError> {
        self.skip_blanks()?;
        let b = self.text.as_bytes();
        if b.get(self.pos) != Some(&b'(') {
            return Err(error(
                self.offset + self.pos,
                format!("{}: expected `(` here", self.what),
                "the list is written in parentheses",
            ));
        }
        let mut depth = 0usize;
        while self.pos < b.len() {
            match b[self.pos] {
                b'\'' => self.pos = skip_quoted(b, self.pos, b'\'', false, self.what)?,
                b'"' => self.pos = skip_quoted(b, self.pos, b'"', false, self.what)?,
                b'$' => self.pos = skip_dollar(b, self.pos, self.what)?,
                b'/' if b.get(self.pos + 1) == Some(&b'*') => {
                    self.pos = skip_block_comment(b, self.pos, self.what)?;
                }
                b'(' => {
                    depth += 1;
                    self.pos += 1;
                }
                b')' => {
                    depth -= 1;
                    self.pos += 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => self.pos += 1,
            }
        }
        Err(error(
            self.offset + self.pos,
            format!("{}: `(` is never closed", self.what),
            "balance the parentheses",
        ))
    }

    fn end(&mut self) -> Result<(), FragmentError> {
        self.skip_blanks()?;
        if self.pos < self.text.len() {
            return Err(error(
                self.offset + self.pos,
                format!(
                    "{} is exactly one clause; unexpected text after it: {:?}",
                    self.what,
                    &self.text[self.pos..]
                ),
                "remove what follows the clause",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_keys() {
        for ok in [
            "range (created_at)",
            "RANGE (a, b)",
            "list (lower(region))",
            "hash (user_id)",
            " range ((a + 1), \"B c\") ",
            "list (region COLLATE \"C\")",
        ] {
            assert_eq!(check_partition_by(ok, "partition_by"), Ok(()), "{ok}");
        }
        for (bad, needle) in [
            ("range created_at", "expected `(`"),
            ("tree (a)", "must start with RANGE"),
            ("range (a) list (b)", "exactly one clause"),
            ("range (a); drop table t", "`;`"),
            ("range (a", "never closed"),
            ("", "must start with RANGE"),
        ] {
            let e = check_partition_by(bad, "partition_by").unwrap_err();
            assert!(e.message.contains(needle), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn partition_bounds() {
        for ok in [
            "default",
            "DEFAULT",
            "for values from ('2026-01-01') to ('2027-01-01')",
            "FROM (MINVALUE) TO (10)",
            "in ('US', 'CA', 'MX')",
            "with (modulus 4, remainder 0)",
            "FOR VALUES IN ('a)b')",
        ] {
            assert_eq!(check_bounds(ok, "bounds"), Ok(()), "{ok}");
        }
        for (bad, needle) in [
            ("from (1)", "followed by TO"),
            ("between (1) and (2)", "must be DEFAULT"),
            ("in (1) default", "exactly one clause"),
            ("default; drop table t", "`;`"),
            ("in 1", "expected `(`"),
        ] {
            let e = check_bounds(bad, "bounds").unwrap_err();
            assert!(e.message.contains(needle), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn bounds_are_written_as_the_server_prints_them() {
        assert_eq!(normalize_bounds(" default "), "DEFAULT");
        assert_eq!(
            normalize_bounds("for values in ('a')"),
            "in ('a')".to_string()
        );
        assert_eq!(normalize_bounds("IN ('a')"), "IN ('a')");
    }
}
