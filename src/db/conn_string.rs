//! Connection strings taken apart by brain-db before the driver sees them: a
//! `postgres://` URL or a libpq `key=value` string becomes a [`tokio_postgres::Config`]
//! and the TLS parameters ([`parse`]).
//!
//! Why not the driver's parser: it splits a URL at its first `@` wherever it is (so
//! `u:Sec@ret@host` connects to the host `ret@host`), lets a `#` or `%zz` through into
//! the database name, and its errors quote the input (`unknown option`, `unexpected
//! character ... got`), so they can carry part of a password. Here an ambiguous URL is
//! refused with the remedy (percent-encode), and a [`UrlProblem`] names the part that is
//! wrong but never quotes the user name or password, nor anything that comes after a
//! password (a password holding an unencoded `&` or a space spills into the next
//! parameter). The driver then only ever parses a `key='value'` string built here.

use std::str::FromStr;

use tokio_postgres::Config;

use super::tls::{SslMode, TlsParams};

/// A parsed connection string.
#[derive(Debug, Clone)]
pub struct ConnSpec {
    /// Everything but TLS, password included.
    pub config: Config,
    /// `sslmode` and `sslrootcert` (the driver knows only part of `sslmode`).
    pub tls: TlsParams,
}

/// What is wrong with a connection string. No message quotes a user name, a password,
/// or any text that follows a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    #[error(
        "it holds more than one unencoded '@' (or one after its password); percent-encode \
         each '@' of the user name or password as %40"
    )]
    SeveralAt,
    #[error(
        "an unencoded '/' or '?' comes before the '@' that ends the user name and password; \
         percent-encode '/' as %2F and '?' as %3F in a password (and '@' as %40 in a \
         database name or query value)"
    )]
    ReservedBeforeAt,
    #[error(
        "the {part} holds a '%' not followed by two hexadecimal digits; write a literal '%' \
         as %25"
    )]
    BadPercent { part: &'static str },
    #[error("the {part} is not valid UTF-8 once percent-decoded")]
    NotUtf8 { part: &'static str },
    #[error("the host list holds an empty host name")]
    EmptyHost,
    #[error(
        "a bracketed host (an IPv6 address) lacks its ']' or is followed by something other than ':port'"
    )]
    BadBracket,
    #[error("the port of a host is not a number from 0 to 65535")]
    BadPort,
    #[error(
        "{} has no '='; write key=value (and percent-encode '&' as %26 in a password)",
        shown_key(.key, "a query parameter")
    )]
    NoEquals { key: Option<String> },
    #[error(
        "unknown parameter {}; brain-db knows {KNOWN_LIST}",
        shown_key(.key, "(not shown: it may be part of a password)")
    )]
    UnknownKey { key: Option<String> },
    #[error("invalid value for `{key}`: expected {expected}")]
    BadValue { key: String, expected: &'static str },
    #[error(
        "a quoted value lacks its closing quote (in a key=value string, quote with ' and \
         escape ' and \\ with a backslash)"
    )]
    UnterminatedQuote,
    #[error(
        "{} is not followed by '=' (expected a postgres://user:password@host:port/database \
         URL or key=value pairs such as host=localhost dbname=app)",
        shown_key(.key, "a word")
    )]
    NotKeyValue { key: Option<String> },
    #[error("`{key}` has no value; write {key}=value, or {key}='' for an empty one")]
    EmptyValue { key: String },
    #[error("the PostgreSQL driver rejects it (parameters: {keys})")]
    Rejected { keys: String },
}

fn shown_key(key: &Option<String>, hidden: &str) -> String {
    match key {
        Some(key) => format!("`{key}`"),
        None => hidden.to_string(),
    }
}

/// The parameters the driver understands, plus brain-db's TLS ones.
const KNOWN: &[&str] = &[
    "user",
    "password",
    "dbname",
    "options",
    "application_name",
    "sslmode",
    "sslrootcert",
    "sslnegotiation",
    "host",
    "hostaddr",
    "port",
    "connect_timeout",
    "tcp_user_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_retries",
    "target_session_attrs",
    "channel_binding",
    "load_balance_hosts",
];
const KNOWN_LIST: &str = "user, password, dbname, options, application_name, sslmode, \
                          sslrootcert, sslnegotiation, host, hostaddr, port, connect_timeout, \
                          tcp_user_timeout, keepalives, keepalives_idle, keepalives_interval, \
                          keepalives_retries, target_session_attrs, channel_binding, \
                          load_balance_hosts";

fn expected_value(key: &str) -> &'static str {
    match key {
        "sslmode" => "disable, allow, prefer, require, verify-ca or verify-full",
        "sslnegotiation" => "postgres or direct",
        "hostaddr" => "IP addresses separated by commas",
        "port" => "port numbers (0 to 65535) separated by commas",
        "connect_timeout" | "tcp_user_timeout" | "keepalives_idle" | "keepalives_interval" => {
            "a whole number of seconds"
        }
        "keepalives" => "0 or 1",
        "keepalives_retries" => "a whole number",
        "target_session_attrs" => "any, read-write or read-only",
        "channel_binding" => "disable, prefer or require",
        "load_balance_hosts" => "disable or random",
        _ => "a valid value",
    }
}

/// One `key=value` of a connection string, decoded.
struct Param {
    key: String,
    value: String,
    /// It comes after a password parameter, so its text may be part of that password.
    after_password: bool,
}

/// Whether a key names the password (as the driver reads it, plus `pass`, which some
/// tools write and which must be hidden even though it is refused).
pub(super) fn is_password_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("password") || key.eq_ignore_ascii_case("pass")
}

/// The length of the `postgres://` or `postgresql://` prefix (any case), if any.
pub(super) fn scheme_len(conn: &str) -> Option<usize> {
    let head = conn.get(..13).unwrap_or(conn).to_ascii_lowercase();
    if head.starts_with("postgresql://") {
        Some(13)
    } else if head.starts_with("postgres://") {
        Some(11)
    } else {
        None
    }
}

/// Takes a connection string apart. See the module's documentation.
pub fn parse(conn: &str) -> Result<ConnSpec, UrlProblem> {
    let (params, password) = match scheme_len(conn) {
        Some(len) => url_params(&conn[len..])?,
        None => keyword_params(conn)?,
    };
    build(params, password)
}

/// The parameters of a URL (after `scheme://`), and the password of its user info as
/// bytes (percent-decoding may give any bytes; the driver sends them as they are).
fn url_params(rest: &str) -> Result<(Vec<Param>, Option<Vec<u8>>), UrlProblem> {
    let mut params = Vec::new();
    let mut password = None;
    let mut has_password = false;
    let after_creds = match rest.find('@') {
        Some(at) => {
            let creds = &rest[..at];
            if creds.contains(['/', '?']) {
                return Err(UrlProblem::ReservedBeforeAt);
            }
            let (user, pw) = match creds.split_once(':') {
                Some((user, pw)) => (user, Some(pw)),
                None => (creds, None),
            };
            if let Some(pw) = pw {
                has_password = true;
                password = Some(decode_bytes(pw, "password")?);
            }
            let user = decode(user, "user name")?;
            if !user.is_empty() {
                params.push(plain("user", user));
            }
            &rest[at + 1..]
        }
        None => rest,
    };
    let (before_query, query) = match after_creds.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (after_creds, None),
    };
    // An '@' may stand in a query value (`application_name=me@corp`), nowhere else; and
    // after a password, nowhere at all: a password holding unencoded '@', '/' and '?'
    // would put its tail in the query, where it would be shown (found by fuzzing).
    let query_keys = query
        .unwrap_or("")
        .split('&')
        .map(|pair| pair.split_once('=').map_or(pair, |(key, _)| key));
    if before_query.contains('@')
        || query_keys.clone().any(|key| key.contains('@'))
        || (has_password && after_creds.contains('@'))
    {
        return Err(UrlProblem::SeveralAt);
    }
    let (hosts, path) = match before_query.split_once('/') {
        Some((hosts, path)) => (hosts, Some(path)),
        None => (before_query, None),
    };
    if !hosts.is_empty() {
        let mut names = Vec::new();
        let mut ports = Vec::new();
        for chunk in hosts.split(',') {
            let (host, port) = match chunk.strip_prefix('[') {
                Some(bracketed) => {
                    let (host, after) = bracketed.split_once(']').ok_or(UrlProblem::BadBracket)?;
                    // Only an IPv6 address (with an optional `%zone`) stands in brackets:
                    // anything else there may be a password that lost its '@' (found by
                    // fuzzing: `postgres://[:pw[]`).
                    let address = host.split_once("%25").map_or(host, |(address, _)| address);
                    if address.parse::<std::net::Ipv6Addr>().is_err() {
                        return Err(UrlProblem::BadBracket);
                    }
                    match after {
                        "" => (host, None),
                        _ => (
                            host,
                            Some(after.strip_prefix(':').ok_or(UrlProblem::BadBracket)?),
                        ),
                    }
                }
                None => match chunk.split_once(':') {
                    Some((host, port)) => (host, Some(port)),
                    None => (chunk, None),
                },
            };
            let host = decode(host, "host")?;
            if host.is_empty() {
                return Err(UrlProblem::EmptyHost);
            }
            let port = decode(port.unwrap_or(""), "port")?;
            if !port.is_empty() && port.parse::<u16>().is_err() {
                return Err(UrlProblem::BadPort);
            }
            // The driver's list separator; a decoded ',' would split the list.
            if host.contains(',') {
                return Err(UrlProblem::EmptyHost);
            }
            names.push(host);
            ports.push(port);
        }
        params.push(plain("host", names.join(",")));
        params.push(plain("port", ports.join(",")));
    }
    if let Some(path) = path {
        let dbname = decode(path, "database name")?;
        if !dbname.is_empty() {
            params.push(plain("dbname", dbname));
        }
    }
    let mut after_password = false;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            let key = decode(pair, "query parameter").ok();
            return Err(UrlProblem::NoEquals {
                key: key.filter(|k| !after_password && is_word(k)),
            });
        };
        let key = decode(key, "query parameter name")?;
        let value = decode(value, "query parameter value")?;
        let is_password = is_password_key(&key);
        params.push(Param {
            key,
            value,
            after_password,
        });
        after_password |= is_password;
    }
    Ok((params, password))
}

fn plain(key: &str, value: String) -> Param {
    Param {
        key: key.to_string(),
        value,
        after_password: false,
    }
}

/// A token of a libpq `key=value` string, as the driver reads it: `start..end` is the
/// value as written (quotes included), `value` the value unquoted.
pub(super) struct KeywordToken<'a> {
    pub key: &'a str,
    pub start: usize,
    pub end: usize,
    pub value: String,
}

/// The tokens of a `key=value` string, read as the driver does (whitespace around '=',
/// single quotes, backslash escapes).
pub(super) fn keyword_tokens(text: &str) -> Result<Vec<KeywordToken<'_>>, UrlProblem> {
    let mut tokens: Vec<KeywordToken<'_>> = Vec::new();
    let mut it = text.char_indices().peekable();
    let after_password =
        |tokens: &[KeywordToken<'_>]| tokens.iter().any(|t| is_password_key(t.key));
    loop {
        while it.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let Some(&(key_start, _)) = it.peek() else {
            return Ok(tokens);
        };
        let mut key_end = text.len();
        while let Some(&(i, c)) = it.peek() {
            if c.is_whitespace() || c == '=' {
                key_end = i;
                break;
            }
            it.next();
        }
        let key = &text[key_start..key_end];
        let shown = |tokens: &[KeywordToken<'_>]| {
            Some(key.to_string()).filter(|k| !after_password(tokens) && is_word(k))
        };
        if key.is_empty() {
            // A '=' where a keyword should start.
            return Err(UrlProblem::NotKeyValue { key: None });
        }
        while it.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        if it.next_if(|&(_, c)| c == '=').is_none() {
            return Err(UrlProblem::NotKeyValue {
                key: shown(&tokens),
            });
        }
        while it.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let start = it.peek().map_or(text.len(), |&(i, _)| i);
        let mut value = String::new();
        let end;
        if it.next_if(|&(_, c)| c == '\'').is_some() {
            loop {
                match it.next() {
                    None => return Err(UrlProblem::UnterminatedQuote),
                    Some((i, '\'')) => {
                        end = i + 1;
                        break;
                    }
                    Some((_, '\\')) => {
                        if let Some((_, c)) = it.next() {
                            value.push(c);
                        }
                    }
                    Some((_, c)) => value.push(c),
                }
            }
        } else {
            let mut stop = text.len();
            while let Some(&(i, c)) = it.peek() {
                if c.is_whitespace() {
                    stop = i;
                    break;
                }
                it.next();
                if c == '\\' {
                    if let Some((_, c)) = it.next() {
                        value.push(c);
                    }
                } else {
                    value.push(c);
                }
            }
            end = it.peek().map_or(text.len(), |_| stop);
            if start == end {
                return match shown(&tokens) {
                    Some(key) => Err(UrlProblem::EmptyValue { key }),
                    None => Err(UrlProblem::NotKeyValue { key: None }),
                };
            }
        }
        tokens.push(KeywordToken {
            key,
            start,
            end,
            value,
        });
    }
}

fn keyword_params(text: &str) -> Result<(Vec<Param>, Option<Vec<u8>>), UrlProblem> {
    let mut params = Vec::new();
    let mut after_password = false;
    for token in keyword_tokens(text)? {
        let is_password = is_password_key(token.key);
        params.push(Param {
            key: token.key.to_string(),
            value: token.value,
            after_password,
        });
        after_password |= is_password;
    }
    Ok((params, None))
}

/// The driver's configuration from checked parameters; only `key='value'` text reaches
/// its parser, one parameter at a time first, so that a rejection names the parameter.
fn build(params: Vec<Param>, mut password: Option<Vec<u8>>) -> Result<ConnSpec, UrlProblem> {
    let mut tls = TlsParams::default();
    let mut text = String::new();
    for param in params {
        let key = param.key.as_str();
        if key == "password" {
            password = Some(param.value.into_bytes());
            continue;
        }
        if !KNOWN.contains(&key) {
            return Err(UrlProblem::UnknownKey {
                key: Some(param.key.clone()).filter(|k| !param.after_password && is_word(k)),
            });
        }
        let bad_value = || UrlProblem::BadValue {
            key: param.key.clone(),
            expected: expected_value(key),
        };
        match key {
            "sslmode" => tls.mode = Some(SslMode::parse(&param.value).ok_or_else(bad_value)?),
            "sslrootcert" => tls.root_cert = Some(param.value),
            _ => {
                let one = format!("{key}={}", quoted(&param.value));
                Config::from_str(&one).map_err(|_| bad_value())?;
                text.push_str(&one);
                text.push(' ');
            }
        }
    }
    let mut config = Config::from_str(&text).map_err(|_| UrlProblem::Rejected {
        keys: text
            .split_whitespace()
            .filter_map(|kv| kv.split_once('=').map(|(k, _)| k))
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    if let Some(password) = password {
        config.password(password);
    }
    Ok(ConnSpec { config, tls })
}

/// A value in the driver's `key='value'` syntax.
fn quoted(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Parameters of other tools that people paste into a URL (Prisma, libpq).
const FOREIGN: &[&str] = &[
    "pgbouncer",
    "schema",
    "connection_limit",
    "pool_timeout",
    "socket_timeout",
    "statement_cache_size",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcrl",
    "sslcompression",
    "gssencmode",
    "requiressl",
    "service",
    "passfile",
    "krbsrvname",
    "ssl",
    "pass",
];

/// Whether a key may be quoted in a message: only names from a fixed vocabulary, so that
/// no message ever quotes text of the input that could be part of a password (found by
/// fuzzing: a password with an unencoded '@' and '?' puts its tail in the query).
fn is_word(text: &str) -> bool {
    KNOWN.contains(&text) || FOREIGN.contains(&text)
}

fn decode(text: &str, part: &'static str) -> Result<String, UrlProblem> {
    String::from_utf8(decode_bytes(text, part)?).map_err(|_| UrlProblem::NotUtf8 { part })
}

/// Strict percent-decoding (libpq's): a '%' must start `%XX`.
pub(super) fn decode_bytes(text: &str, part: &'static str) -> Result<Vec<u8>, UrlProblem> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            match (
                bytes.get(i + 1).and_then(hex),
                bytes.get(i + 2).and_then(hex),
            ) {
                (Some(high), Some(low)) => out.push(high * 16 + low),
                _ => return Err(UrlProblem::BadPercent { part }),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn hex(b: &u8) -> Option<u8> {
    (*b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::config::Host;

    fn ok(conn: &str) -> ConnSpec {
        parse(conn).unwrap_or_else(|e| panic!("{conn}: {e}"))
    }

    #[test]
    fn urls_as_the_driver_reads_them() {
        let spec = ok(
            "postgres://bob:p%40ss%3Aw@db.example.com:6543/app?sslmode=require&application_name=x",
        );
        let c = &spec.config;
        assert_eq!(c.get_user(), Some("bob"));
        assert_eq!(c.get_password(), Some(&b"p@ss:w"[..]));
        assert_eq!(c.get_hosts(), &[Host::Tcp("db.example.com".into())]);
        assert_eq!(c.get_ports(), &[6543]);
        assert_eq!(c.get_dbname(), Some("app"));
        assert_eq!(c.get_application_name(), Some("x"));
        assert_eq!(spec.tls.mode, Some(SslMode::Require));

        let c = ok("postgresql://[::1]:5433,h2/db").config;
        assert_eq!(
            c.get_hosts(),
            &[Host::Tcp("::1".into()), Host::Tcp("h2".into())]
        );
        assert_eq!(c.get_ports(), &[5433, 5432]);
        let c = ok("postgres:///db?host=%2Ftmp&port=55433").config;
        assert_eq!(c.get_hosts(), &[Host::Unix("/tmp".into())]);
        assert_eq!(c.get_ports(), &[55433]);
        let c = ok("postgres://u:a#b@h/db#x").config;
        assert_eq!(
            c.get_password(),
            Some(&b"a#b"[..]),
            "'#' is a character, as in libpq"
        );
        assert_eq!(c.get_dbname(), Some("db#x"));
        let c = ok("postgres://u@h/db?application_name=me@corp").config;
        assert_eq!(c.get_application_name(), Some("me@corp"));
    }

    #[test]
    fn ambiguous_urls_are_refused_with_the_remedy() {
        for (url, problem) in [
            (
                "postgres://u:Sec@retTail@127.0.0.1/db",
                UrlProblem::SeveralAt,
            ),
            (
                "postgres://app:hun@ter:2/pw%zz#?@127.0.0.1:55490/appdb",
                UrlProblem::SeveralAt,
            ),
            ("postgres://u:p@ss?x@h/db", UrlProblem::SeveralAt),
            // Found by fuzzing: the password `abc@def/ghi?user=jkl` written unencoded.
            (
                "postgres://u:abc@def/ghi?user=jkl@h/db",
                UrlProblem::SeveralAt,
            ),
            (
                "postgres://u:pw@h/db?application_name=me@corp",
                UrlProblem::SeveralAt,
            ),
            ("postgres://u:a/b@h/db", UrlProblem::ReservedBeforeAt),
            (
                "postgres://h/db?application_name=me@corp",
                UrlProblem::ReservedBeforeAt,
            ),
            (
                "postgres://u:pw%zz@h/db",
                UrlProblem::BadPercent { part: "password" },
            ),
            ("postgres://u:pw@h:5x/db", UrlProblem::BadPort),
            ("postgres://u:pw/db", UrlProblem::BadPort),
            ("postgres://[:Kq7Zw[]", UrlProblem::BadBracket),
            ("postgres://u@[h]/db", UrlProblem::BadBracket),
        ] {
            assert_eq!(parse(url).unwrap_err(), problem, "{url}");
        }
        let err = parse("postgres://u:pw@h/db?password=x&secret=1").unwrap_err();
        assert_eq!(err, UrlProblem::UnknownKey { key: None });
        let err = parse("postgres://u:pw@h/db?pgbouncer=true").unwrap_err();
        assert!(
            err.to_string().contains("unknown parameter `pgbouncer`"),
            "{err}"
        );
        let err = parse("postgres://u:pw@h/db?sslmode=always").unwrap_err();
        assert!(
            err.to_string().contains("invalid value for `sslmode`"),
            "{err}"
        );
        // Found by fuzzing: a key that is not a known name is never quoted.
        let err = parse("postgres://u:Kq@?5Kq7Zw=x@/db").unwrap_err();
        assert!(!err.to_string().contains("Kq7Zw"), "{err}");
    }

    #[test]
    fn keyword_value_strings() {
        let spec = ok("host=h port = 5433 password='se cr\\'et' dbname=app sslmode=verify-ca");
        assert_eq!(spec.config.get_password(), Some(&b"se cr'et"[..]));
        assert_eq!(spec.config.get_ports(), &[5433]);
        assert_eq!(spec.tls.mode, Some(SslMode::VerifyCa));
        assert_eq!(
            parse("host=h password='abc").unwrap_err(),
            UrlProblem::UnterminatedQuote
        );
        assert_eq!(
            parse("password=ab cd host=h").unwrap_err(),
            UrlProblem::NotKeyValue { key: None }
        );
        assert_eq!(
            parse("postgress://u:secret@h/db").unwrap_err(),
            UrlProblem::NotKeyValue { key: None }
        );
    }
}
