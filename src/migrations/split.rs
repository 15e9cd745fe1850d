//! Splits a migration's SQL into statements, each with the line it starts on. Aware of
//! quoted strings and identifiers, dollar quoting, and both comment styles.
//!
//! A SQL-standard function body (`CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN ATOMIC
//! ... END`) keeps its semicolons, counted the way psql counts them: in such a statement,
//! outside parentheses, `BEGIN` opens a block, `CASE` inside one opens another, and `END`
//! closes one. (The schema loader accepts such a body only when its last `END` closes
//! it, so a body cannot end the statement early here.)

/// One statement of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// 1-based line of the statement's first non-blank, non-comment character.
    pub line: usize,
    /// The statement's text, without the ending semicolon.
    pub sql: String,
}

/// PostgreSQL's whitespace (its lexer's `[ \t\n\r\f\v]`). Statements are trimmed of
/// exactly these, so a statement never starts with text the scanner skipped over (such
/// as a no-break space) nor loses it: found by fuzzing.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c' | '\x0b')
}

/// The statements of a script; statements holding only comments and blanks are skipped.
pub fn split(sql: &str) -> Vec<Statement> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut start_line: Option<usize> = None;
    let mut line = 1;
    let mut i = 0;
    let n = bytes.len();
    // psql's heuristic for BEGIN ATOMIC bodies (see the module docs).
    let mut words: Vec<String> = Vec::new();
    let mut parens = 0i64;
    let mut begin_depth = 0usize;
    while i < n {
        let c = bytes[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < n && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < n {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if bytes[i] == b'\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
            }
            b';' if begin_depth > 0 => i += 1,
            b';' => {
                words.clear();
                parens = 0;
                if start_line.is_some() {
                    out.push(Statement {
                        line: start_line.unwrap_or(line),
                        sql: sql[start..i].trim_matches(is_space).to_string(),
                    });
                }
                start_line = None;
                i += 1;
                start = i;
            }
            _ if is_space(c as char) => i += 1,
            _ => {
                if start_line.is_none() {
                    start_line = Some(line);
                    start = i;
                }
                match c {
                    b'\'' | b'"' => {
                        let backslash = c == b'\''
                            && i > 0
                            && matches!(bytes[i - 1], b'e' | b'E')
                            && (i < 2 || !bytes[i - 2].is_ascii_alphanumeric());
                        i += 1;
                        while i < n {
                            let d = bytes[i];
                            if d == b'\n' {
                                line += 1;
                            }
                            if backslash && d == b'\\' {
                                i += 2;
                                continue;
                            }
                            i += 1;
                            if d == c {
                                if bytes.get(i) == Some(&c) {
                                    i += 1;
                                } else {
                                    break;
                                }
                            }
                        }
                    }
                    b'$' => {
                        // $tag$ … $tag$ (tag: empty or an identifier), else a parameter like $1.
                        let tag_end = sql[i + 1..]
                            .find(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                            .map(|k| i + 1 + k);
                        match tag_end {
                            Some(e)
                                if bytes[e] == b'$'
                                    && !bytes.get(i + 1).is_some_and(u8::is_ascii_digit) =>
                            {
                                let tag = &sql[i..=e];
                                let body = e + 1;
                                let close =
                                    sql[body..].find(tag).map_or(n, |k| body + k + tag.len());
                                line += sql[i..close].matches('\n').count();
                                i = close;
                            }
                            _ => i += 1,
                        }
                    }
                    _ if c == b'_' || c.is_ascii_alphabetic() || !c.is_ascii() => {
                        // A keyword or identifier; a `$` inside one belongs to it (`a$b$` is
                        // a name, not the start of a dollar quote).
                        let word_start = i;
                        i += 1;
                        while i < n
                            && (bytes[i].is_ascii_alphanumeric()
                                || matches!(bytes[i], b'_' | b'$')
                                || !bytes[i].is_ascii())
                        {
                            i += 1;
                        }
                        let word = sql[word_start..i].to_ascii_lowercase();
                        if words.len() < 4 {
                            words.push(word.clone());
                        }
                        if is_routine_definition(&words) && parens == 0 {
                            match word.as_str() {
                                "begin" => begin_depth += 1,
                                "case" if begin_depth >= 1 => begin_depth += 1,
                                "end" if begin_depth > 0 => begin_depth -= 1,
                                _ => {}
                            }
                        }
                    }
                    b'(' => {
                        parens += 1;
                        i += 1;
                    }
                    b')' => {
                        parens -= 1;
                        i += 1;
                    }
                    _ => {
                        i += sql[i..].chars().next().map_or(1, char::len_utf8);
                    }
                }
            }
        }
    }
    if let Some(l) = start_line {
        let rest = sql[start..].trim_matches(is_space);
        if !rest.is_empty() {
            out.push(Statement {
                line: l,
                sql: rest.to_string(),
            });
        }
    }
    out
}

/// `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, from the statement's first words.
fn is_routine_definition(words: &[String]) -> bool {
    let w = |i: usize| words.get(i).map(String::as_str);
    let routine = |x: Option<&str>| matches!(x, Some("function" | "procedure"));
    w(0) == Some("create")
        && (routine(w(1)) || (w(1) == Some("or") && w(2) == Some("replace") && routine(w(3))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<(usize, String)> {
        split(sql).into_iter().map(|s| (s.line, s.sql)).collect()
    }

    #[test]
    fn splits_with_lines_and_skips_comments() {
        let sql = "-- brain-db:no-transaction\ncreate table a (x int);\n\n/* c; */\ninsert into a values (1)\n;\n-- end;\n";
        assert_eq!(
            texts(sql),
            vec![
                (2, "create table a (x int)".to_string()),
                (5, "insert into a values (1)\n".trim().to_string()),
            ]
        );
    }

    #[test]
    fn quotes_and_dollar_bodies_keep_semicolons() {
        let sql = "select 'a;b', \"c;d\", E'x\\';y';\ncreate function f() returns int language sql as $$ select 1; $$;\ndo $body$ begin perform 1; end $body$;\nselect $1";
        let got = texts(sql);
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[1].0, 2);
        assert!(got[1].1.ends_with("$$ select 1; $$"));
        assert_eq!(got[2].0, 3);
        assert_eq!(got[3].1, "select $1");
    }

    #[test]
    fn vertical_tab_is_whitespace_and_other_spaces_are_kept() {
        // Inputs found by `cargo fuzz run split`: a statement must not be a lone comment
        // once trimmed, and splitting the statements again must give them back.
        assert_eq!(texts("\u{b}/*'"), vec![]);
        let kept = texts("\u{a0}/*'");
        assert_eq!(kept, vec![(1, "\u{a0}/*'".to_string())]);
        assert_eq!(texts(&kept[0].1), kept);
    }

    #[test]
    fn dollar_signs_inside_names_do_not_open_a_quote() {
        let sql = "select 1 as a$b$;\ndrop table canary;\nselect 2 as c$b$;\nselect $q$;$q$;";
        let got = texts(sql);
        assert_eq!(
            got,
            vec![
                (1, "select 1 as a$b$".to_string()),
                (2, "drop table canary".to_string()),
                (3, "select 2 as c$b$".to_string()),
                (4, "select $q$;$q$".to_string()),
            ]
        );
    }

    #[test]
    fn begin_atomic_bodies_keep_their_semicolons() {
        let sql = "CREATE FUNCTION public.f(a integer)\n RETURNS integer\n LANGUAGE sql\nBEGIN ATOMIC\n SELECT CASE WHEN a > 0 THEN 1 END;\n SELECT (a + 1);\nEND;\nbegin;\nselect 1;\nend;\ncreate or replace procedure p() language sql begin atomic select 1; end;\nselect 2";
        let got = texts(sql);
        assert_eq!(got.len(), 6, "{got:?}");
        assert!(got[0].1.ends_with("SELECT (a + 1);\nEND"), "{got:?}");
        assert_eq!(got[1], (8, "begin".to_string()));
        assert_eq!(got[3], (10, "end".to_string()));
        assert!(got[4].1.ends_with("select 1; end"), "{got:?}");
        assert_eq!(got[5].1, "select 2");
    }

    #[test]
    fn multi_line_strings_count_lines() {
        let sql = "select 'a\nb';\nselect 2;";
        assert_eq!(texts(sql)[1].0, 3);
    }
}
