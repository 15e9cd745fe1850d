//! SQL text of routines: argument lists, SQL-standard bodies (`BEGIN ATOMIC ... END`,
//! `RETURN expr`), dollar quotes for bodies, and the parenthesis matching that reading
//! `pg_get_triggerdef` needs.
//!
//! A body that is pasted into `CREATE FUNCTION` unquoted must end where the statement
//! ends: [`check_atomic_body`] accepts `BEGIN ATOMIC ... END` only when its closing `END`
//! is the last thing in it, counted the way psql and brain-db's migration splitter count
//! (`BEGIN` and, inside it, `CASE` open; `END` closes), and `RETURN` only before one
//! expression ([`fragment::check`]). Any other body is a string, put in a dollar quote
//! whose tag it cannot end ([`dollar_quote`]).

use super::fragment::{self, FragmentError};

/// A lexical token that matters for structure: a word (keyword or identifier, as
/// written), or one punctuation byte. Strings, quoted names, dollar quotes and comments
/// are skipped whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Word { start: usize, end: usize },
    Punct { byte: u8, at: usize },
    Other { end: usize },
}

fn lex(text: &str, what: &str) -> Result<Vec<Tok>, FragmentError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let prev_ident = i > 0 && fragment::is_ident_byte(b[i - 1]);
        match c {
            0 => {
                return Err(fragment::error(
                    i,
                    format!("{what} contains a NUL character"),
                    "PostgreSQL cannot store NUL; remove it",
                ));
            }
            b'\'' => {
                i = fragment::skip_quoted(b, i, b'\'', false, what)?;
                out.push(Tok::Other { end: i });
            }
            b'e' | b'E' if !prev_ident && b.get(i + 1) == Some(&b'\'') => {
                i = fragment::skip_quoted(b, i + 1, b'\'', true, what)?;
                out.push(Tok::Other { end: i });
            }
            b'"' => {
                i = fragment::skip_quoted(b, i, b'"', false, what)?;
                out.push(Tok::Other { end: i });
            }
            b'$' if !prev_ident => {
                i = fragment::skip_dollar(b, i, what)?;
                out.push(Tok::Other { end: i });
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                match b[i..].iter().position(|&x| x == b'\n' || x == b'\r') {
                    Some(end) => i += end + 1,
                    None => {
                        return Err(fragment::error(
                            i,
                            format!("{what} ends in a `--` comment"),
                            "the comment would swallow the SQL that follows; write it as \
                             /* ... */ or drop it",
                        ));
                    }
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = fragment::skip_block_comment(b, i, what)?;
            }
            _ if fragment::is_ident_start(c) => {
                let start = i;
                while i < b.len() && fragment::is_ident_byte(b[i]) {
                    i += 1;
                }
                out.push(Tok::Word { start, end: i });
            }
            _ if c.is_ascii_whitespace() || c == 0x0b => i += 1,
            _ if c.is_ascii_digit() => {
                while i < b.len() && (fragment::is_ident_byte(b[i]) || b[i] == b'.') {
                    i += 1;
                }
                out.push(Tok::Other { end: i });
            }
            _ => {
                out.push(Tok::Punct { byte: c, at: i });
                i += 1;
            }
        }
    }
    Ok(out)
}

fn word<'t>(text: &'t str, tok: &Tok) -> Option<&'t str> {
    match tok {
        Tok::Word { start, end } => Some(&text[*start..*end]),
        _ => None,
    }
}

fn is_word(text: &str, tok: &Tok, keyword: &str) -> bool {
    word(text, tok).is_some_and(|w| w.eq_ignore_ascii_case(keyword))
}

/// The offset of the `)` that closes a parenthesis opened just before `text`.
pub fn closing_paren(text: &str) -> Option<usize> {
    let mut depth = 1usize;
    for tok in lex(text, "definition").ok()? {
        match tok {
            Tok::Punct { byte: b'(', .. } => depth += 1,
            Tok::Punct { byte: b')', at } => {
                depth -= 1;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => {}
        }
    }
    None
}

/// The top-level comma-separated items of a list (an argument list), each checked as one
/// fragment ([`fragment::check`]): a list never holds a `;` or an unbalanced bracket.
pub fn check_list(text: &str, what: &str) -> Result<Vec<String>, FragmentError> {
    let mut depth = 0i64;
    let mut cuts = Vec::new();
    for tok in lex(text, what)? {
        match tok {
            Tok::Punct {
                byte: b'(' | b'[', ..
            } => depth += 1,
            Tok::Punct {
                byte: b')' | b']', ..
            } => depth -= 1,
            Tok::Punct { byte: b',', at } if depth == 0 => cuts.push(at),
            _ => {}
        }
    }
    let mut items = Vec::new();
    let mut start = 0;
    for end in cuts.into_iter().chain(std::iter::once(text.len())) {
        let item = &text[start..end];
        if item.trim().is_empty() {
            return Err(fragment::error(
                start,
                format!("{what} has an empty entry"),
                "separate entries with single commas",
            ));
        }
        fragment::check(item, what).map_err(|mut e| {
            e.offset += start;
            e
        })?;
        items.push(item.trim().to_string());
        start = end + 1;
    }
    Ok(items)
}

/// Whether a body is SQL-standard (`BEGIN ATOMIC` or `RETURN` first), which the server
/// parses at creation and stores parsed, rather than a string for a language handler.
pub fn is_atomic_body(text: &str) -> bool {
    let Ok(toks) = lex(text, "body") else {
        return false;
    };
    match toks.as_slice() {
        [first, second, ..] if is_word(text, first, "begin") => is_word(text, second, "atomic"),
        [first, ..] => is_word(text, first, "return"),
        [] => false,
    }
}

/// Checks a SQL-standard body (see the module docs): `RETURN` and one expression, or
/// `BEGIN ATOMIC ... END` ending with its own `END`.
pub fn check_atomic_body(text: &str, what: &str) -> Result<(), FragmentError> {
    let toks = lex(text, what)?;
    let Some(first) = toks.first() else {
        return Err(fragment::error(0, format!("{what} is empty"), ""));
    };
    if is_word(text, first, "return") {
        let Tok::Word { end, .. } = *first else {
            unreachable!("a word")
        };
        let expr = &text[end..];
        if expr.trim().is_empty() {
            return Err(fragment::error(
                end,
                format!("{what}: RETURN needs an expression"),
                "",
            ));
        }
        return fragment::check(expr, what).map_err(|mut e| {
            e.offset += end;
            e
        });
    }
    let mut depth = 0usize;
    let mut parens = 0i64;
    for (i, tok) in toks.iter().enumerate() {
        match tok {
            Tok::Punct { byte: b'(', .. } => parens += 1,
            Tok::Punct { byte: b')', .. } => parens -= 1,
            Tok::Word { .. } if parens == 0 => {
                if is_word(text, tok, "begin") || (is_word(text, tok, "case") && depth >= 1) {
                    depth += 1;
                } else if is_word(text, tok, "end") && depth > 0 {
                    depth -= 1;
                    if depth == 0 {
                        let Tok::Word { end, .. } = *tok else {
                            unreachable!("a word")
                        };
                        if i + 1 != toks.len() || !text[end..].trim().is_empty() {
                            return Err(fragment::error(
                                end,
                                format!("{what} goes on after the END of BEGIN ATOMIC"),
                                "a SQL-standard body is one BEGIN ATOMIC ... END block; \
                                 nothing may follow its END",
                            ));
                        }
                        return Ok(());
                    }
                }
            }
            Tok::Punct { byte: b';', at } if depth == 0 => {
                return Err(fragment::error(
                    *at,
                    format!("`;` outside BEGIN ATOMIC ... END in {what}"),
                    "",
                ));
            }
            _ => {}
        }
    }
    Err(fragment::error(
        0,
        format!("{what} is not one BEGIN ATOMIC ... END block"),
        "a SQL-standard body is `BEGIN ATOMIC <statements>; END` or `RETURN <expression>`; \
         any other body is text for the language (plpgsql: `begin ... end`)",
    ))
}

/// The body in dollar quotes whose tag the body cannot end early: `$function$`, else
/// `$body$`, `$body1$`, ...
pub fn dollar_quote(body: &str) -> String {
    let fits = |tag: &str| format!("{body}{tag}").find(tag) == Some(body.len());
    let mut tag = "$function$".to_string();
    let mut n = 0;
    while !fits(&tag) {
        tag = if n == 0 {
            "$body$".to_string()
        } else {
            format!("$body{n}$")
        };
        n += 1;
    }
    format!("{tag}{body}{tag}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollar_quotes_never_end_inside_the_body() {
        assert_eq!(dollar_quote("select 1"), "$function$select 1$function$");
        assert_eq!(dollar_quote("x $function$ y"), "$body$x $function$ y$body$");
        // A body ending in a prefix of the tag would end early at the closing tag.
        assert_eq!(dollar_quote("x $function"), "$body$x $function$body$");
        assert_eq!(
            dollar_quote("$function$ $body$"),
            "$body1$$function$ $body$$body1$"
        );
        assert_eq!(dollar_quote("$$"), "$function$$$$function$");
    }

    #[test]
    fn atomic_bodies_end_with_their_end() {
        assert!(is_atomic_body("BEGIN ATOMIC select 1; END"));
        assert!(is_atomic_body("  return a + 1"));
        assert!(!is_atomic_body("begin return new; end"));
        assert_eq!(
            check_atomic_body(
                "begin atomic select 1; select case when true then 1 end; end",
                "body"
            ),
            Ok(())
        );
        assert_eq!(check_atomic_body("return a + 1", "body"), Ok(()));
        assert!(
            check_atomic_body("begin atomic select 1; end; drop table canary", "body").is_err()
        );
        assert!(check_atomic_body("begin atomic select 1; end -- x", "body").is_err());
        assert!(check_atomic_body("return 1; drop table canary", "body").is_err());
        assert!(check_atomic_body("begin atomic select 1;", "body").is_err());
        assert!(check_atomic_body("begin atomic select 'end; drop'; end", "body").is_ok());
    }

    #[test]
    fn lists_split_at_top_level_commas() {
        assert_eq!(
            check_list("a integer, b text DEFAULT 'x,y', c numeric(10, 2)", "args").unwrap(),
            vec!["a integer", "b text DEFAULT 'x,y'", "c numeric(10, 2)"]
        );
        assert!(check_list("a integer); drop table canary; --", "args").is_err());
        assert!(check_list("a integer,, b", "args").is_err());
        assert_eq!(closing_paren("(a) = ')') x"), Some(9));
    }
}
