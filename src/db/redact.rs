//! Keeping passwords out of output: [`redact`] for a connection string, [`redact_text`]
//! for any other text (a server or driver message may echo parts of the URL).
//!
//! The rules lean towards hiding too much: a malformed URL whose password holds an
//! unescaped `@`, `:`, `/` or `?` is still redacted, at the cost of hiding a little more
//! than the password.

/// What replaces a password.
pub const MASK: &str = "***";

/// The connection string with every password replaced by `***`: the password of a
/// `postgres://` / `postgresql://` URL, any `password=` query parameter, any `password=`
/// keyword of a libpq `key=value` string, and any other copy of those passwords.
pub fn redact(conn: &str) -> String {
    redact_text(&redact_structure(conn), &secrets(conn))
}

fn redact_structure(conn: &str) -> String {
    match split_url(conn) {
        Some(parts) => {
            let mut out = String::with_capacity(conn.len());
            out.push_str(&conn[..parts.rest_start]);
            match parts.userinfo {
                Some((user_end, at)) if user_end < at => {
                    // user:password@  ->  user:***@
                    out.push_str(&conn[parts.rest_start..=user_end]);
                    out.push_str(MASK);
                    out.push_str(&conn[at..parts.query_start]);
                }
                _ => out.push_str(&conn[parts.rest_start..parts.query_start]),
            }
            out.push_str(&redact_query(&conn[parts.query_start..]));
            out
        }
        None => redact_keyword_value(conn),
    }
}

/// The passwords a connection string holds, as written and percent-decoded, and as the
/// driver reads them, for [`redact_text`]. Empty when it holds none.
pub fn secrets(conn: &str) -> Vec<String> {
    let mut found = Vec::new();
    let add = |found: &mut Vec<String>, s: &str| {
        if !s.is_empty() && !found.iter().any(|f| f == s) {
            found.push(s.to_string());
        }
    };
    if let Some(parts) = split_url(conn) {
        if let Some((user_end, at)) = parts.userinfo
            && user_end < at
        {
            let raw = &conn[user_end + 1..at];
            add(&mut found, raw);
            add(&mut found, &percent_decode(raw));
        }
        for value in keyword_values(&conn[parts.query_start..], true) {
            add(&mut found, &value);
            add(&mut found, &percent_decode(&value));
        }
    } else {
        for value in keyword_values(conn, false) {
            add(&mut found, &value);
        }
    }
    // The driver may split a malformed URL differently (at the first '@'); what it would
    // send is a secret too, unless it is part of one found above and so already hidden.
    if let Ok(config) = conn.parse::<tokio_postgres::Config>()
        && let Some(pw) = config.get_password()
    {
        let pw = String::from_utf8_lossy(pw);
        if !found.iter().any(|f| f.contains(pw.as_ref())) {
            found.push(pw.into_owned());
        }
    }
    // Longest first, so that a password containing another one is replaced whole.
    found.sort_by_key(|s| std::cmp::Reverse(s.len()));
    found
}

/// `text` with every occurrence of each secret replaced by `***`.
pub fn redact_text(text: &str, secrets: &[impl AsRef<str>]) -> String {
    let mut out = text.to_string();
    let mut sorted: Vec<&str> = secrets
        .iter()
        .map(AsRef::as_ref)
        .filter(|s| !s.is_empty())
        .collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in sorted {
        if out.contains(secret) {
            out = out.replace(secret, MASK);
        }
    }
    out
}

/// Byte offsets into a `postgres://` URL.
struct UrlParts {
    /// Start of everything after `scheme://`.
    rest_start: usize,
    /// `(end of user name, position of the '@')` when the URL has credentials; the
    /// password, if any, lies between them (after the ':' at `end of user name`).
    userinfo: Option<(usize, usize)>,
    /// Start of the query string (`?`), or the URL's length.
    query_start: usize,
}

fn split_url(conn: &str) -> Option<UrlParts> {
    let lower = conn.get(..13).unwrap_or(conn).to_ascii_lowercase();
    let rest_start = if lower.starts_with("postgresql://") {
        13
    } else if lower.starts_with("postgres://") {
        11
    } else {
        return None;
    };
    let rest = &conn[rest_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    // Credentials end at the last '@' of the authority (a password may hold an unescaped
    // '@'). Failing that, a password holding an unescaped '/', '?' or '#' shows as an
    // '@' further on, after a ':' and before any `key=value` of the query.
    let at = rest[..authority_end].rfind('@').or_else(|| {
        rest.match_indices('@').map(|(at, _)| at).rev().find(|&at| {
            let before = &rest[..at];
            before.contains(':') && !before.contains('=')
        })
    });
    let userinfo = at.map(|at| {
        let user_end = rest[..at].find(':').unwrap_or(at);
        (rest_start + user_end, rest_start + at)
    });
    let after_userinfo = at.map_or(0, |at| at + 1);
    let query_start = rest[after_userinfo..]
        .find('?')
        .map_or(conn.len(), |q| rest_start + after_userinfo + q);
    Some(UrlParts {
        rest_start,
        userinfo,
        query_start,
    })
}

/// Redacts `password=` parameters of a URL query string (which starts with '?').
fn redact_query(query: &str) -> String {
    let Some(params) = query.strip_prefix('?') else {
        return query.to_string();
    };
    let (params, fragment) = match params.find('#') {
        Some(i) => params.split_at(i),
        None => (params, ""),
    };
    let redacted: Vec<String> = params
        .split('&')
        .map(|param| match param.split_once('=') {
            Some((key, _)) if is_password_key(key) => format!("{key}={MASK}"),
            _ => param.to_string(),
        })
        .collect();
    format!("?{}{fragment}", redacted.join("&"))
}

fn is_password_key(key: &str) -> bool {
    let key = percent_decode(key.trim());
    key.eq_ignore_ascii_case("password") || key.eq_ignore_ascii_case("pass")
}

/// The values of the password keys of a query string (`query` = true) or of a libpq
/// `key=value` string.
fn keyword_values(text: &str, query: bool) -> Vec<String> {
    if query {
        let params = text.strip_prefix('?').unwrap_or(text);
        let params = params.split('#').next().unwrap_or(params);
        params
            .split('&')
            .filter_map(|p| p.split_once('='))
            .filter(|(k, _)| is_password_key(k))
            .map(|(_, v)| v.to_string())
            .collect()
    } else {
        keyword_spans(text)
            .into_iter()
            .flat_map(|(start, end)| {
                let raw = &text[start..end];
                [raw.to_string(), unquote_keyword_value(raw)]
            })
            .collect()
    }
}

/// Byte ranges of the values of `password` keywords in a libpq `key = value` string.
fn keyword_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // Skip whitespace, read a keyword.
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key_start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &text[key_start..i];
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != b'=' {
            // Not a keyword: skip one token and go on.
            i = i.max(key_start + 1);
            continue;
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let value_start = i;
        if i < bytes.len() && bytes[i] == b'\'' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'\'' {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(bytes.len());
        } else {
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = i.min(bytes.len());
        }
        if is_password_key(key) {
            spans.push((value_start, i));
        }
    }
    spans
}

fn redact_keyword_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in keyword_spans(text) {
        out.push_str(&text[last..start]);
        out.push_str(MASK);
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

fn unquote_keyword_value(raw: &str) -> String {
    let inner = raw
        .strip_prefix('\'')
        .map(|r| r.strip_suffix('\'').unwrap_or(r))
        .unwrap_or(raw);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub(super) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn hides(url: &str, expected: &str, password: &str) {
        let red = redact(url);
        assert_eq!(red, expected);
        assert!(!red.contains(password), "{red} leaks {password}");
        let s = secrets(url);
        assert!(
            s.iter().any(|x| x == password),
            "secrets({url}) = {s:?} lacks {password}"
        );
        let message = format!("error connecting with {url}: password {password} rejected");
        let cleaned = redact_text(&message, &s);
        assert!(!cleaned.contains(password), "{cleaned} leaks {password}");
    }

    #[test]
    fn plain_url() {
        hides(
            "postgres://bob:s3cret@db.example.com:5432/app",
            "postgres://bob:***@db.example.com:5432/app",
            "s3cret",
        );
        hides(
            "postgresql://bob:s3cret@host/app?sslmode=require",
            "postgresql://bob:***@host/app?sslmode=require",
            "s3cret",
        );
        hides(
            "POSTGRES://bob:s3cret@host",
            "POSTGRES://bob:***@host",
            "s3cret",
        );
    }

    #[test]
    fn url_without_password_is_unchanged() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/postgres",
            "postgres://localhost/db",
            "postgres:///db?host=/tmp&port=55433",
            "postgresql://",
        ] {
            assert_eq!(redact(url), url);
            assert!(secrets(url).is_empty(), "{url}");
        }
    }

    #[test]
    fn password_with_at_and_colon() {
        hides(
            "postgres://bob:p@ss@host/db",
            "postgres://bob:***@host/db",
            "p@ss",
        );
        hides(
            "postgres://bob:a:b:c@host/db",
            "postgres://bob:***@host/db",
            "a:b:c",
        );
        hides(
            "postgres://bob:x@y:z@host:6543/db",
            "postgres://bob:***@host:6543/db",
            "x@y:z",
        );
        // The driver reads "p" as the password of the first; it is covered by "p@ss".
        assert!(redact_text("p@ss", &secrets("postgres://bob:p@ss@host/db")) == MASK);
    }

    #[test]
    fn percent_escaped_password() {
        hides(
            "postgres://bob:p%40ss%3Aw@host/db",
            "postgres://bob:***@host/db",
            "p%40ss%3Aw",
        );
        let s = secrets("postgres://bob:p%40ss%3Aw@host/db");
        assert!(s.iter().any(|x| x == "p@ss:w"), "{s:?}");
        assert_eq!(redact_text("server said p@ss:w", &s), "server said ***");
    }

    #[test]
    fn password_with_slash_or_question_mark() {
        hides(
            "postgres://bob:a/b@host/db",
            "postgres://bob:***@host/db",
            "a/b",
        );
        hides(
            "postgres://bob:a?b@host/db",
            "postgres://bob:***@host/db",
            "a?b",
        );
        hides(
            "postgres://bob:a/b@host/db?x=1@2",
            "postgres://bob:***@host/db?x=1@2",
            "a/b",
        );
    }

    #[test]
    fn password_in_query_string() {
        hides(
            "postgres://bob@host/db?password=hunter2",
            "postgres://bob@host/db?password=***",
            "hunter2",
        );
        hides(
            "postgres://host/db?sslmode=require&password=hunter2&application_name=x",
            "postgres://host/db?sslmode=require&password=***&application_name=x",
            "hunter2",
        );
        hides(
            "postgres://host/db?pass%77ord=hunter2",
            "postgres://host/db?pass%77ord=***",
            "hunter2",
        );
    }

    #[test]
    fn repeated_passwords() {
        let url = "postgres://bob:one@host/db?password=two&password=three";
        assert_eq!(
            redact(url),
            "postgres://bob:***@host/db?password=***&password=***"
        );
        let s = secrets(url);
        let text = format!("{url} one two three");
        let cleaned = redact_text(&text, &s);
        for pw in ["one", "two", "three"] {
            assert!(!cleaned.contains(pw), "{cleaned}");
        }
        assert_eq!(
            redact_text("x hunter2 y hunter2", &["hunter2"]),
            "x *** y ***"
        );
    }

    #[test]
    fn at_sign_in_a_query_value() {
        let url = "postgres://host/db?application_name=me@corp";
        assert_eq!(redact(url), url);
        // The driver reads everything up to the first '@' as credentials, so
        // "5432/db?application_name=me" is what it would send as the password: hidden.
        let url = "postgres://host:5432/db?application_name=me@corp";
        assert_eq!(redact(url), "postgres://host:***@corp");
    }

    #[test]
    fn password_repeated_elsewhere_in_the_url() {
        assert_eq!(
            redact("postgres://bob:hunter2@host/db?application_name=hunter2"),
            "postgres://bob:***@host/db?application_name=***"
        );
    }

    #[test]
    fn keyword_value_strings() {
        assert_eq!(
            redact("host=localhost password=secret dbname=app"),
            "host=localhost password=*** dbname=app"
        );
        assert_eq!(
            redact("host=h password = 'se cret\\'x' user=u"),
            "host=h password = *** user=u"
        );
        assert_eq!(
            redact("password=alpha password=bravo"),
            "password=*** password=***"
        );
        assert_eq!(
            redact("host=localhost dbname=app"),
            "host=localhost dbname=app"
        );
        let s = secrets("host=h password='se cret' user=u");
        assert!(s.iter().any(|x| x == "se cret"), "{s:?}");
    }

    #[test]
    fn redact_text_ignores_empty_secrets() {
        assert_eq!(redact_text("abc", &[""]), "abc");
        assert_eq!(redact_text("abc", &Vec::<String>::new()), "abc");
    }
}
