//! Keeping passwords out of output: [`redact`] for a connection string, [`redact_text`]
//! for any other text.
//!
//! Redaction is structural: a connection string that parses ([`conn_string::parse`])
//! shows everything but its passwords; one that does not parse shows nothing before its
//! last `@` (where its user info may end) and nothing after a `password=` key, so an
//! unparseable URL never shows any part of its user name or password, whatever
//! characters they hold. Messages are built from these redacted forms and from
//! [`conn_string::UrlProblem`]s, which never quote the user info; [`redact_text`] is
//! only a last line of defence for text from elsewhere.

use super::conn_string::{self, is_password_key, keyword_tokens, scheme_len};

/// What replaces a password.
pub const MASK: &str = "***";

/// Secrets shorter than this are not searched for in free text by [`redact_text`]:
/// replacing every `p` of a message hides nothing and garbles the message (structural
/// redaction covers them).
const MIN_TEXT_SECRET: usize = 4;

/// The connection string with every password replaced by `***`: the password of a
/// `postgres://` / `postgresql://` URL, any `password=` query parameter, any `password=`
/// keyword of a libpq `key=value` string. A string that does not parse shows nothing
/// before its last `@` and nothing after a password key.
pub fn redact(conn: &str) -> String {
    let valid = conn_string::parse(conn).is_ok();
    match scheme_len(conn) {
        Some(len) if valid => redact_url(conn, len),
        Some(len) => format!("{}{}", &conn[..len], redact_unparsed(&conn[len..])),
        None if valid => redact_keyword_value(conn),
        // Found by fuzzing: no prefix is kept (a `key=value` string may hold "://").
        None => redact_unparsed(conn),
    }
}

/// A URL that parses: `user:***@`, `password=***` in the query, and `***` for any
/// other query value that holds a password (`application_name=<the password>`).
fn redact_url(conn: &str, scheme_len: usize) -> String {
    let hidden = secrets(conn);
    let holds_secret = |value: &str| {
        let decoded = percent_decode(value);
        hidden.iter().any(|secret| {
            [value, decoded.as_str()].iter().any(|v| {
                *v == secret.as_str()
                    || (secret.len() >= MIN_TEXT_SECRET && v.contains(secret.as_str()))
            })
        })
    };
    let rest = &conn[scheme_len..];
    let mut out = conn[..scheme_len].to_string();
    let after_creds = match rest.find('@') {
        Some(at) => {
            match rest[..at].split_once(':') {
                Some((user, _)) => out.push_str(&format!("{user}:{MASK}@")),
                None => out.push_str(&rest[..=at]),
            }
            &rest[at + 1..]
        }
        None => rest,
    };
    match after_creds.split_once('?') {
        None => out.push_str(after_creds),
        Some((base, query)) => {
            out.push_str(base);
            out.push('?');
            // Found by fuzzing: a password holding an unencoded '&' spills into the
            // parameters after it, and a value may hold a `password=` of its own; both
            // are hidden.
            let mut after_password = false;
            let params: Vec<String> = query
                .split('&')
                .map(|param| match param.split_once('=') {
                    Some((key, value))
                        if after_password
                            || is_password_key(&percent_decode(key))
                            || holds_secret(value)
                            || first_password_key(&percent_decode(value)).is_some() =>
                    {
                        after_password |= is_password_key(&percent_decode(key));
                        format!("{key}={MASK}")
                    }
                    _ => param.to_string(),
                })
                .collect();
            out.push_str(&params.join("&"));
        }
    }
    out
}

/// A `key=value` string that parses: each password value replaced.
fn redact_keyword_value(text: &str) -> String {
    let Ok(tokens) = keyword_tokens(text) else {
        return redact_unparsed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for token in tokens.iter().filter(|t| is_password_key(t.key)) {
        out.push_str(&text[last..token.start]);
        out.push_str(MASK);
        last = token.end;
    }
    out.push_str(&text[last..]);
    out
}

/// Text that does not parse: `***@` for everything up to its last `@`, and the text cut
/// after its first password key.
fn redact_unparsed(text: &str) -> String {
    // Cut first: a password value may hold the last '@'.
    let (kept, cut) = match first_password_key(text) {
        Some(value_start) => (&text[..value_start], MASK),
        None => (text, ""),
    };
    let shown = match kept.rfind('@') {
        Some(at) => format!("{MASK}@{}", &kept[at + 1..]),
        None => hide_port_like(kept),
    };
    format!("{shown}{cut}")
}

/// Without an `@`, what follows a ':' may be a password that lost its `@` (`u:pw/db`,
/// `?:pw`): nothing after the first ':' is shown.
fn hide_port_like(text: &str) -> String {
    match text.find(':') {
        Some(colon) => format!("{}:{MASK}", &text[..colon]),
        None => text.to_string(),
    }
}

/// Where the value of the first password key (`password=`, `pass%77ord =`) starts.
fn first_password_key(text: &str) -> Option<usize> {
    text.match_indices('=').find_map(|(eq, _)| {
        let before = text[..eq].trim_end();
        // Found by fuzzing: the separator may be a multi-byte space (U+0085).
        let key_start = before
            .char_indices()
            .rev()
            .find(|&(_, c)| c == '&' || c == '?' || c.is_whitespace())
            .map_or(0, |(i, c)| i + c.len_utf8());
        is_password_key(&percent_decode(&before[key_start..])).then_some(eq + 1)
    })
}

/// The passwords a connection string holds, as written and decoded, for
/// [`redact_text`]; for a string that does not parse, the text [`redact`] hides. Empty
/// when it holds none.
pub fn secrets(conn: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        if !s.is_empty() && !found.iter().any(|f| f == s) {
            found.push(s.to_string());
        }
    };
    match conn_string::parse(conn) {
        Ok(spec) => {
            if let Some(pw) = spec.config.get_password() {
                add(&String::from_utf8_lossy(pw));
            }
            if let Some(len) = scheme_len(conn) {
                let rest = &conn[len..];
                let after_creds = match rest.find('@') {
                    Some(at) => {
                        if let Some((_, pw)) = rest[..at].split_once(':') {
                            add(pw);
                        }
                        &rest[at + 1..]
                    }
                    None => rest,
                };
                if let Some((_, query)) = after_creds.split_once('?') {
                    for (key, value) in query.split('&').filter_map(|p| p.split_once('=')) {
                        if is_password_key(&percent_decode(key)) {
                            add(value);
                            add(&percent_decode(value));
                        }
                    }
                }
            } else if let Ok(tokens) = keyword_tokens(conn) {
                for token in tokens.iter().filter(|t| is_password_key(t.key)) {
                    add(&conn[token.start..token.end]);
                    add(&token.value);
                }
            }
        }
        Err(_) => {
            let body = &conn[scheme_len(conn).unwrap_or(0)..];
            if let Some(at) = body.rfind('@') {
                add(&body[..at]);
                if let Some((_, pw)) = body[..at].split_once(':') {
                    add(pw);
                    add(&percent_decode(pw));
                }
            }
            if let Some(start) = first_password_key(body) {
                add(body[start..].trim());
            }
        }
    }
    // Longest first, so that a password containing another one is replaced whole.
    found.sort_by_key(|s| std::cmp::Reverse(s.len()));
    found
}

/// `text` with every occurrence of each secret (of at least 4 bytes) replaced by `***`.
pub fn redact_text(text: &str, secrets: &[impl AsRef<str>]) -> String {
    let mut out = text.to_string();
    let mut sorted: Vec<&str> = secrets
        .iter()
        .map(AsRef::as_ref)
        .filter(|s| s.len() >= MIN_TEXT_SECRET)
        .collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in sorted {
        if out.contains(secret) {
            out = out.replace(secret, MASK);
        }
    }
    out
}

/// Lenient percent-decoding (an invalid escape stays as written), for matching keys.
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
            s.iter().any(|x| x.contains(password)),
            "secrets({url}) = {s:?} lacks {password}"
        );
        if password.len() >= MIN_TEXT_SECRET {
            let message = format!("error connecting with {url}: password {password} rejected");
            let cleaned = redact_text(&message, &s);
            assert!(!cleaned.contains(password), "{cleaned} leaks {password}");
        }
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
            "postgres://u@h/db?application_name=me@corp",
        ] {
            assert_eq!(redact(url), url);
            assert!(secrets(url).is_empty(), "{url}");
        }
    }

    #[test]
    fn unparseable_urls_show_nothing_before_their_last_at() {
        // Unencoded '@', '/', '?' or a bad '%' in the password: refused, and nothing of
        // the user info is shown.
        hides(
            "postgres://bob:p@ss@host/db",
            "postgres://***@host/db",
            "p@ss",
        );
        hides(
            "postgres://bob:x@y:z@host:6543/db",
            "postgres://***@host:6543/db",
            "x@y:z",
        );
        hides(
            "postgres://app:hun@ter:2/pw%zz#?@127.0.0.1:55490/appdb",
            "postgres://***@127.0.0.1:55490/appdb",
            "hun@ter:2/pw%zz#?",
        );
        hides(
            "postgres://u:p@ss:w/rd%41#q?z@127.0.0.1/db",
            "postgres://***@127.0.0.1/db",
            "p@ss:w/rd%41#q?z",
        );
        // Found by fuzzing: brackets that hold no IPv6 address.
        assert_eq!(redact("postgres://[:Kq7Zw[]"), "postgres://[:***");
        // Found by fuzzing: '@', '/' and '?' in the password put its tail in the query.
        hides(
            "postgres://u:abc@def/ghi?user=jkl@h/db",
            "postgres://***@h/db",
            "abc@def/ghi?user=jkl",
        );
        hides(
            "postgres://bob:a/b@host/db",
            "postgres://***@host/db",
            "a/b",
        );
        hides(
            "postgres://bob:a#b@host/db",
            "postgres://bob:***@host/db",
            "a#b",
        );
        hides(
            "postgres://bob:pw%zz@host/db",
            "postgres://***@host/db",
            "pw%zz",
        );
        // No '@' at all: what looks like a port may be a password.
        assert_eq!(redact("postgres://bob:s3cret/db"), "postgres://bob:***");
        // Found by `cargo fuzz run redact`: a '?' or '(' before the ':'.
        assert_eq!(redact("postgres://?:Kq7Zw"), "postgres://?:***");
        assert_eq!(redact("postgres://:Kq7Zw(/Kq7Zw"), "postgres://:***");
        assert_eq!(redact("postgres://:Kq7Zw?Kq7Zw"), "postgres://:***");
        // Not even a URL: a typo in the scheme.
        assert_eq!(redact("postgress://bob:s3cret@host/db"), "***@host/db");
        // Found by fuzzing: a key=value string holding "://", a multi-byte space.
        assert_eq!(
            redact("host=@h user=p password='Kq7Zw' s://"),
            "***@h user=p password=***"
        );
        assert_eq!(redact("a\u{85}password=Kq7Zw%zz"), "a\u{85}password=***");
        // A password parameter cuts the rest.
        assert_eq!(
            redact("postgres://h/db?password=ab&cd=ef"),
            "postgres://h/db?password=***"
        );
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
    fn password_in_query_string() {
        hides(
            "postgres://bob@host/db?password=hunter2",
            "postgres://bob@host/db?password=***",
            "hunter2",
        );
        hides(
            "postgres://host/db?sslmode=require&password=hunter2&application_name=x",
            // What follows a password parameter may be the rest of it (an unencoded '&').
            "postgres://host/db?sslmode=require&password=***&application_name=***",
            "hunter2",
        );
        // Refused (the driver knows only `password`), and still hidden.
        hides(
            "postgres://host/db?pass%77ord=hunter2",
            "postgres://host/db?pass%77ord=***",
            "hunter2",
        );
    }

    #[test]
    fn repeated_passwords() {
        let url = "postgres://bob:one1@host/db?password=two2&password=three";
        assert_eq!(
            redact(url),
            "postgres://bob:***@host/db?password=***&password=***"
        );
        let s = secrets(url);
        let text = format!("{url} one1 two2 three");
        let cleaned = redact_text(&text, &s);
        for pw in ["one1", "two2", "three"] {
            assert!(!cleaned.contains(pw), "{cleaned}");
        }
        assert_eq!(
            redact_text("x hunter2 y hunter2", &["hunter2"]),
            "x *** y ***"
        );
    }

    #[test]
    fn password_repeated_elsewhere_in_the_url() {
        let url = "postgres://bob:hunter2@host/db?application_name=hunter2";
        assert_eq!(
            redact(url),
            "postgres://bob:***@host/db?application_name=***"
        );
        assert_eq!(
            redact("postgres://bob:p@host/db?application_name=p&options=-cx%3Dp"),
            "postgres://bob:***@host/db?application_name=***&options=-cx%3Dp"
        );
        assert_eq!(
            redact("postgres://h/db?password=hun@ter:2/pw%zz#?"),
            "postgres://h/db?password=***"
        );
        assert_eq!(
            redact("postgres://h/db?password=Kq7Zw&user=Kq7Zw"),
            "postgres://h/db?password=***&user=***"
        );
        assert_eq!(
            redact("postgres://@q?user='l/db?password=Kq7Zw"),
            "postgres://@q?user=***"
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
        // Unparseable: everything after the password key is hidden.
        assert_eq!(
            redact("host=h password=se cret user=u"),
            "host=h password=***"
        );
        assert_eq!(redact("host=h password='se cret"), "host=h password=***");
    }

    #[test]
    fn short_secrets_do_not_garble_text() {
        assert_eq!(redact_text("abc", &[""]), "abc");
        assert_eq!(redact_text("abc", &Vec::<String>::new()), "abc");
        assert_eq!(
            redact_text("cannot connect to postgres://app:***@h/db", &["p"]),
            "cannot connect to postgres://app:***@h/db"
        );
        assert_eq!(redact("postgres://app:p@h/db"), "postgres://app:***@h/db");
    }
}
