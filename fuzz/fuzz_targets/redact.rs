//! Redaction never leaks the password it was given. A password made of fuzzed pieces
//! around a marker (`Kq7Zw`, at its start, middle and end) goes into a connection string
//! of several forms with a fuzzed user, host and extra query text; neither `redact` of
//! that string, nor the error of parsing or resolving it (Display and Debug), may hold
//! the marker. Nothing may panic, on structured or on raw input.
#![no_main]

use std::path::Path;

use brain_db::db::{self, UrlSource};
use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;

const MARKER: &str = "Kq7Zw";

#[derive(Debug)]
struct Input {
    user: String,
    head: String,
    tail: String,
    host: String,
    extra: String,
    form: u8,
    raw: String,
}

// By hand rather than derived: the derive feature would rebuild every dependency.
impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Input {
            user: u.arbitrary()?,
            head: u.arbitrary()?,
            tail: u.arbitrary()?,
            host: u.arbitrary()?,
            extra: u.arbitrary()?,
            form: u.arbitrary()?,
            raw: u.arbitrary()?,
        })
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn kv_quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn check(conn: &str) {
    let shown = db::redact(conn);
    assert!(!shown.contains(MARKER), "redact({conn:?}) = {shown:?}");
    if let Err(problem) = db::parse_connection_string(conn) {
        let text = format!("{problem} {problem:?}");
        assert!(!text.contains(MARKER), "parse({conn:?}): {text}");
    }
    if let Err(e) = db::resolve_database_url_from(Some(conn), None, Path::new("/nonexistent")) {
        let text = format!("{e} {e:?}");
        assert!(!text.contains(MARKER), "resolve({conn:?}): {text}");
    }
    if let Ok(Some(resolved)) =
        db::resolve_database_url_from(Some(conn), None, Path::new("/nonexistent"))
    {
        assert_eq!(resolved.source, UrlSource::Flag);
        let text = format!("{resolved} {resolved:?}");
        assert!(!text.contains(MARKER), "resolved({conn:?}): {text}");
    }
}

fuzz_target!(|input: Input| {
    // Raw text: no panic anywhere.
    let _ = db::redact(&input.raw);
    let _ = db::secrets(&input.raw);
    let _ = db::parse_connection_string(&input.raw);

    if [&input.user, &input.host, &input.extra, &input.raw]
        .iter()
        .any(|s| s.contains(MARKER) || s.contains('\0'))
    {
        return;
    }
    let password = format!("{MARKER}{}{MARKER}{}{MARKER}", input.head, input.tail);
    let (user, host, extra) = (&input.user, &input.host, &input.extra);
    // A user name holding '@', '/' or '?' moves what follows into the host, database
    // name or query, where it is no longer a password: such names must be encoded.
    if user.contains(['@', '/', '?']) {
        return;
    }
    // In a key=value string the user and host are plain words, or the password could
    // legitimately become part of their values (`user='... password=...'`).
    let plain_words = [user, host]
        .iter()
        .all(|s| !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || "'\\=".contains(c)));
    if matches!(input.form % 8, 4 | 5) && !plain_words {
        return;
    }
    // Without an '@' (form 7) the text after the ':' is a port, unless the user name or
    // password brings an '@' or a '/' that make it a host or a database name.
    if input.form % 8 == 7 && (user.contains(['@', '/']) || password.contains('@')) {
        return;
    }
    let conn = match input.form % 8 {
        0 => format!("postgres://{user}:{password}@{host}/db{extra}"),
        1 => format!("postgresql://{user}:{}@{host}/db{extra}", encode(&password)),
        2 => format!("postgres://{user}@{host}/db?password={password}{extra}"),
        3 => format!("postgres://{user}@{host}/db?password={}{extra}", encode(&password)),
        4 => format!("host={host} user={user} password={password} {extra}"),
        5 => format!("host={host} user={user} password={} {extra}", kv_quote(&password)),
        6 => format!("postgress://{user}:{password}@{host}/db{extra}"),
        _ => format!("postgres://{user}:{password}{extra}"),
    };
    check(&conn);
});
