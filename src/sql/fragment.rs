//! Raw SQL fragments: what a schema-file value that is pasted into a statement may hold.
//!
//! A fragment (`default_sql`, `check`, `generated`, an index key or `where`, an
//! exclusion body) is placed inside statements brain-db renders, so it must be exactly
//! one expression (or one exclusion body) and must end in plain SQL. [`check`] scans it
//! the way PostgreSQL's lexer does — `'…'` (and `E'…'` with backslash escapes, assuming
//! `standard_conforming_strings = on`, which brain-db's DDL sessions set), `"…"`,
//! `$tag$…$tag$`, `--` and nested `/* */` comments — and rejects:
//!
//! - a `;` outside quotes and comments (it would end the statement);
//! - a `,` outside every bracket (it would add a column, a table element or an index key);
//! - a `)` or `]` without its opener, and an opener left unclosed;
//! - a quote, dollar quote or block comment left open, and a `--` comment running to the
//!   end of the fragment: each would swallow the SQL rendered after the fragment;
//! - a NUL character (PostgreSQL cannot store it).
//!
//! So whatever text follows a fragment in a rendered statement is read as SQL, and a
//! fragment can never close the construct around it. (The applier also sends each
//! statement as its own protocol message, which the server refuses to split.)

/// Why a fragment was rejected; `offset` is the byte offset in the fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FragmentError {
    pub offset: usize,
    pub message: String,
    pub hint: Option<String>,
}

pub(super) fn error(offset: usize, message: impl Into<String>, hint: &str) -> FragmentError {
    FragmentError {
        offset,
        message: message.into(),
        hint: (!hint.is_empty()).then(|| hint.to_string()),
    }
}

/// A byte that may continue an identifier (PostgreSQL: letters, digits, `_`, `$`, and
/// every non-ASCII byte).
pub(super) fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

pub(super) fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// Checks that `text` is one SQL expression lexically (see the module docs); `what` names
/// the value in messages ("check", "default_sql").
pub fn check(text: &str, what: &str) -> Result<(), FragmentError> {
    scan(text, what, false)
}

/// Checks that `text` is one query (a view's): [`check`]'s rules, except that commas
/// may stand outside brackets (`select a, b`) and it may end in a `--` comment (it is
/// rendered with a line break after it), and it starts with `SELECT`, `WITH`,
/// `VALUES` or `TABLE` (after any opening parentheses and comments), so that it cannot be
/// another kind of statement.
pub fn check_query(text: &str, what: &str) -> Result<(), FragmentError> {
    scan(text, what, true)?;
    let b = text.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'(') {
            i += 1;
        }
        if b[i..].starts_with(b"--") {
            i += b[i..]
                .iter()
                .position(|&x| x == b'\n')
                .unwrap_or(b.len() - i);
        } else if b[i..].starts_with(b"/*") {
            i = skip_block_comment(b, i, what)?;
        } else {
            break;
        }
    }
    let word_end = b[i..]
        .iter()
        .position(|&x| !x.is_ascii_alphabetic())
        .map_or(b.len(), |n| i + n);
    let word = text[i..word_end].to_ascii_lowercase();
    if ["select", "with", "values", "table"].contains(&word.as_str()) {
        Ok(())
    } else {
        Err(error(
            i,
            format!("{what} must be a query (SELECT, WITH, VALUES or TABLE), found {word:?}"),
            "a view is defined by exactly one query",
        ))
    }
}

fn scan(text: &str, what: &str, commas: bool) -> Result<(), FragmentError> {
    let b = text.as_bytes();
    let mut open: Vec<(u8, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let prev_ident = i > 0 && is_ident_byte(b[i - 1]);
        match c {
            0 => {
                return Err(error(
                    i,
                    format!("{what} contains a NUL character"),
                    "PostgreSQL cannot store NUL; remove it",
                ));
            }
            b'\'' => i = skip_quoted(b, i, b'\'', false, what)?,
            b'e' | b'E' if !prev_ident && b.get(i + 1) == Some(&b'\'') => {
                i = skip_quoted(b, i + 1, b'\'', true, what)?;
            }
            b'"' => i = skip_quoted(b, i, b'"', false, what)?,
            b'$' if !prev_ident => i = skip_dollar(b, i, what)?,
            b'-' if b.get(i + 1) == Some(&b'-') => {
                match b[i..].iter().position(|&x| x == b'\n' || x == b'\r') {
                    Some(end) => i += end + 1,
                    // A query is rendered with a line break after it.
                    None if commas => i = b.len(),
                    None => {
                        return Err(error(
                            i,
                            format!("{what} ends in a `--` comment"),
                            "the comment would swallow the SQL that follows the value; \
                             write it as /* ... */ or drop it",
                        ));
                    }
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => i = skip_block_comment(b, i, what)?,
            b'(' | b'[' => {
                open.push((c, i));
                i += 1;
            }
            b')' | b']' => {
                let opener = if c == b')' { b'(' } else { b'[' };
                match open.pop() {
                    Some((o, _)) if o == opener => i += 1,
                    _ => {
                        return Err(error(
                            i,
                            format!("`{}` in {what} closes nothing it opened", c as char),
                            "a raw-SQL value is one expression: every bracket it closes, it \
                             opens itself",
                        ));
                    }
                }
            }
            b';' => {
                let one = if commas {
                    "a view's query is exactly one statement"
                } else {
                    "a raw-SQL value is exactly one expression"
                };
                return Err(error(
                    i,
                    format!("`;` in {what}: {one}"),
                    "a semicolon would end the statement; inside a string literal ('a;b') \
                     it is fine",
                ));
            }
            b',' if open.is_empty() && !commas => {
                return Err(error(
                    i,
                    format!(
                        "`,` outside brackets in {what}: a raw-SQL value is exactly one expression"
                    ),
                    "wrap a list in parentheses or ARRAY[...]; declare more columns, keys or \
                     constraints as their own entries",
                ));
            }
            _ => i += 1,
        }
    }
    if let Some((c, at)) = open.pop() {
        return Err(error(
            at,
            format!("`{}` in {what} is never closed", c as char),
            "balance the brackets of the expression",
        ));
    }
    Ok(())
}

/// Checks an exclusion constraint body (`USING gist (room WITH =, during WITH &&)`,
/// `(x WITH =) WHERE (...)`): [`check`]'s rules, and it starts with `USING` or `(`.
pub fn check_exclusion_body(text: &str, what: &str) -> Result<(), FragmentError> {
    check(text, what)?;
    let head = text.trim_start();
    let starts_with_using = head
        .get(..5)
        .is_some_and(|w| w.eq_ignore_ascii_case("using"))
        && !head.as_bytes().get(5).copied().is_some_and(is_ident_byte);
    if head.starts_with('(') || starts_with_using {
        Ok(())
    } else {
        Err(error(
            text.len() - head.len(),
            format!("{what} must start with `USING method (` or `(`"),
            "write the body of EXCLUDE, e.g. \"USING gist (room WITH =, during WITH &&)\"",
        ))
    }
}

/// Skips a quoted string or identifier starting at `start` (the quote); a doubled quote
/// stands for itself and, with `backslash`, `\x` escapes any byte. Returns the offset
/// after the closing quote.
pub(super) fn skip_quoted(
    b: &[u8],
    start: usize,
    quote: u8,
    backslash: bool,
    what: &str,
) -> Result<usize, FragmentError> {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            0 => {
                return Err(error(
                    i,
                    format!("{what} contains a NUL character"),
                    "PostgreSQL cannot store NUL; remove it",
                ));
            }
            b'\\' if backslash => i += 2,
            q if q == quote => {
                if b.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    return Ok(i + 1);
                }
            }
            _ => i += 1,
        }
    }
    let kind = if quote == b'"' {
        "quoted name"
    } else {
        "string literal"
    };
    Err(error(
        start,
        format!("unterminated {kind} in {what}"),
        "close the quote (a quote inside is written twice: 'it''s')",
    ))
}

/// Skips `$tag$ … $tag$` starting at `start`; a `$` that opens no dollar quote (`$1`)
/// is skipped alone.
pub(super) fn skip_dollar(b: &[u8], start: usize, what: &str) -> Result<usize, FragmentError> {
    let mut j = start + 1;
    if j < b.len() && is_ident_start(b[j]) {
        j += 1;
        while j < b.len() && is_ident_byte(b[j]) && b[j] != b'$' {
            j += 1;
        }
    }
    if b.get(j) != Some(&b'$') {
        return Ok(start + 1);
    }
    let tag = &b[start..=j];
    let body = j + 1;
    match b[body..].windows(tag.len()).position(|w| w == tag) {
        Some(end) => {
            if let Some(nul) = b[body..body + end].iter().position(|&x| x == 0) {
                return Err(error(
                    body + nul,
                    format!("{what} contains a NUL character"),
                    "PostgreSQL cannot store NUL; remove it",
                ));
            }
            Ok(body + end + tag.len())
        }
        None => Err(error(
            start,
            format!(
                "unterminated dollar quote {} in {what}",
                String::from_utf8_lossy(tag)
            ),
            "close it with the same tag",
        )),
    }
}

/// Skips a (nested) block comment starting at `start`.
pub(super) fn skip_block_comment(
    b: &[u8],
    start: usize,
    what: &str,
) -> Result<usize, FragmentError> {
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < b.len() {
        if b[i] == b'/' && b[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && b[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Ok(i);
            }
        } else {
            i += 1;
        }
    }
    Err(error(
        start,
        format!("unterminated /* comment in {what}"),
        "close it with */ (comments nest)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) {
        assert_eq!(check(text, "x"), Ok(()), "{text:?} should pass");
    }

    fn bad(text: &str, offset: usize, needle: &str) {
        let e = check(text, "x").expect_err(text);
        assert_eq!(e.offset, offset, "{text:?}: {e:?}");
        assert!(e.message.contains(needle), "{text:?}: {}", e.message);
    }

    #[test]
    fn one_expression_passes() {
        for text in [
            "1",
            "now()",
            "status in ('a', 'b')",
            "'a;b' || ';'",
            "'it''s; fine'",
            "E'\\'; drop table canary; --'",
            "\"semi;colon\" > 0",
            "\"odd \"\" ; quote\" is not null",
            "$$;$$",
            "$tag$ ; ) $$ $tag$ = ''",
            "$1",
            "a$b = 1",
            "x /* ; /* nested ; */ still comment ) */ > 0",
            "x -- a comment ;\n> 0",
            "ARRAY[1, 2, 3]",
            "coalesce(a, b)",
            "(a, b) = (1, 2)",
            "lower(name) COLLATE \"C\" text_pattern_ops",
            "U&'d\\0061t\\+000061' = 'x'",
            "B'101' = B'101'",
        ] {
            ok(text);
        }
    }

    #[test]
    fn a_second_statement_is_rejected() {
        bad("1; drop table canary", 1, "`;`");
        bad(
            "true)); drop table canary; create table zz (b int check (true",
            4,
            "closes nothing",
        );
        bad("1 -- trailing", 2, "`--` comment");
        bad("'abc", 0, "unterminated string");
        bad("\"abc", 0, "unterminated quoted name");
        bad("$q$ abc", 0, "unterminated dollar quote $q$");
        bad("x /* /* */", 2, "unterminated /*");
        bad("(1", 0, "never closed");
        bad("ARRAY[1)", 7, "closes nothing");
        bad("1, evil int", 1, "`,` outside brackets");
        bad("1\0", 1, "NUL");
        bad("'a\0'", 2, "NUL");
        // E'' honours backslashes: the quote after \ does not close it.
        bad("E'\\'; drop table x", 1, "unterminated string");
        // Without E, a backslash is an ordinary character (standard_conforming_strings).
        bad("'\\'; drop table x", 3, "`;`");
        // Only a standalone E starts an escape string.
        bad("type'\\'; x", 7, "`;`");
    }

    #[test]
    fn exclusion_bodies() {
        assert_eq!(
            check_exclusion_body("USING gist (room WITH =, during WITH &&)", "exclude"),
            Ok(())
        );
        assert_eq!(
            check_exclusion_body("(x WITH =) WHERE (x > 0)", "exclude"),
            Ok(())
        );
        assert!(check_exclusion_body("usingx (a WITH =)", "exclude").is_err());
        assert!(check_exclusion_body("(a WITH =), evil int", "exclude").is_err());
        assert!(check_exclusion_body("CHECK (true)", "exclude").is_err());
    }
}
