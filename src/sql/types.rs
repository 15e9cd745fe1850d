//! Data types: any spelling PostgreSQL accepts, canonicalised to what `format_type()`
//! prints (search_path = public). Default literals are rendered in [`super::literal`].

use std::collections::BTreeSet;

use crate::model::QualifiedName;
use crate::sql::quote;

/// A canonical type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Canon {
    /// `format_type` spelling: `character varying(64)`, `text[]`, `other.mood`.
    pub name: String,
    /// Spelling in a cast of a constant (no type modifier): `character varying`, `bpchar`.
    pub cast: String,
    pub array: bool,
    /// `serial` & co: the integer type behind it.
    pub serial: Option<&'static str>,
}

/// Why a type was rejected: message and hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypeError {
    pub message: String,
    pub hint: Option<String>,
}

fn err(message: impl Into<String>, hint: Option<&str>) -> TypeError {
    TypeError {
        message: message.into(),
        hint: hint.map(str::to_string),
    }
}

/// Built-in types that take no modifier and print as their own name.
const SIMPLE: &[&str] = &[
    "bytea",
    "cid",
    "cidr",
    "box",
    "circle",
    "date",
    "datemultirange",
    "daterange",
    "inet",
    "int4multirange",
    "int4range",
    "int8multirange",
    "int8range",
    "json",
    "jsonb",
    "jsonpath",
    "line",
    "lseg",
    "macaddr",
    "macaddr8",
    "money",
    "name",
    "nummultirange",
    "numrange",
    "oid",
    "path",
    "pg_lsn",
    "pg_snapshot",
    "point",
    "polygon",
    "regclass",
    "regcollation",
    "regconfig",
    "regdictionary",
    "regnamespace",
    "regoper",
    "regoperator",
    "regproc",
    "regprocedure",
    "regrole",
    "regtype",
    "text",
    "tid",
    "tsmultirange",
    "tsquery",
    "tsrange",
    "tstzmultirange",
    "tstzrange",
    "tsvector",
    "txid_snapshot",
    "uuid",
    "xid",
    "xid8",
    "xml",
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Punct(char),
}

fn tokenize(text: &str) -> Result<Vec<Tok>, TypeError> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        s.push('"');
                    }
                    Some('"') => break,
                    Some(c) => s.push(c),
                    None => return Err(err("unterminated quoted name in type", None)),
                }
            }
            out.push(Tok::Quoted(s));
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let mut s = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_alphanumeric() || c == '_' || c == '$' {
                    s.extend(c.to_lowercase());
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(Tok::Word(s));
        } else if "().,[]-".contains(c) {
            out.push(Tok::Punct(c));
            chars.next();
        } else {
            return Err(err(format!("unexpected character {c:?} in type"), None));
        }
    }
    Ok(out)
}

struct P {
    toks: Vec<Tok>,
    pos: usize,
}

impl P {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn word(&mut self, w: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Word(x)) if x == w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn punct(&mut self, p: char) -> bool {
        if self.peek() == Some(&Tok::Punct(p)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    /// `(n, m, ...)` of integers, if present.
    fn args(&mut self) -> Result<Option<Vec<i64>>, TypeError> {
        if !self.punct('(') {
            return Ok(None);
        }
        let mut args = Vec::new();
        loop {
            let neg = self.punct('-');
            match self.peek().cloned() {
                Some(Tok::Word(w)) => {
                    let n: i64 = w
                        .parse()
                        .map_err(|_| err(format!("type modifier {w:?} is not a number"), None))?;
                    args.push(if neg { -n } else { n });
                    self.pos += 1;
                }
                _ => return Err(err("expected a number in the type modifier", None)),
            }
            if self.punct(')') {
                return Ok(Some(args));
            }
            if !self.punct(',') {
                return Err(err("expected `,` or `)` in the type modifier", None));
            }
        }
    }
}

fn one_arg(
    args: Option<Vec<i64>>,
    what: &str,
    range: (i64, i64),
) -> Result<Option<i64>, TypeError> {
    match args.as_deref() {
        None => Ok(None),
        Some([n]) if (range.0..=range.1).contains(n) => Ok(Some(*n)),
        Some([n]) => Err(err(
            format!(
                "{what} modifier {n} is out of range ({}..{})",
                range.0, range.1
            ),
            None,
        )),
        Some(_) => Err(err(format!("{what} takes one modifier"), None)),
    }
}

fn no_args(args: Option<Vec<i64>>, name: &str) -> Result<(), TypeError> {
    match args {
        None => Ok(()),
        Some(_) => Err(err(format!("type {name} takes no modifier"), None)),
    }
}

fn simple(name: &str) -> (String, String) {
    (name.to_string(), name.to_string())
}

/// Canonicalises a type; `enums` are the enums the file declares.
pub(crate) fn canonical(text: &str, enums: &BTreeSet<QualifiedName>) -> Result<Canon, TypeError> {
    let toks = tokenize(text)?;
    if toks.is_empty() {
        return Err(err("empty type", None));
    }
    let mut p = P { toks, pos: 0 };
    let mut serial = None;
    let (name, cast) = base(&mut p, enums, &mut serial)?;
    // Array suffix: `[]`, `[3]`, repeated, or `ARRAY` / `ARRAY[3]`.
    let mut array = false;
    loop {
        if p.punct('[') {
            if let Some(Tok::Word(w)) = p.peek() {
                if w.parse::<u32>().is_err() {
                    return Err(err("expected a number or `]` in the array bound", None));
                }
                p.pos += 1;
            }
            if !p.punct(']') {
                return Err(err("expected `]`", None));
            }
            array = true;
        } else if p.word("array") {
            array = true;
        } else {
            break;
        }
    }
    if let Some(t) = p.peek() {
        let shown = match t {
            Tok::Word(w) => w.clone(),
            Tok::Quoted(q) => quote::ident_always(q),
            Tok::Punct(c) => c.to_string(),
        };
        return Err(err(format!("unexpected `{shown}` in type {text:?}"), None));
    }
    if array && serial.is_some() {
        return Err(err(
            "a serial type cannot be an array",
            Some("use integer[] instead"),
        ));
    }
    Ok(if array {
        Canon {
            name: format!("{name}[]"),
            cast: format!("{cast}[]"),
            array,
            serial,
        }
    } else {
        Canon {
            name,
            cast,
            array,
            serial,
        }
    })
}

fn with_tz(p: &mut P) -> Result<Option<bool>, TypeError> {
    let with = if p.word("with") {
        true
    } else if p.word("without") {
        false
    } else {
        return Ok(None);
    };
    if !(p.word("time") && p.word("zone")) {
        return Err(err("expected `time zone`", None));
    }
    Ok(Some(with))
}

fn base(
    p: &mut P,
    enums: &BTreeSet<QualifiedName>,
    serial: &mut Option<&'static str>,
) -> Result<(String, String), TypeError> {
    // Name parts.
    let mut parts: Vec<(String, bool)> = Vec::new();
    loop {
        match p.peek().cloned() {
            Some(Tok::Word(w)) => parts.push((w, false)),
            Some(Tok::Quoted(q)) => parts.push((q, true)),
            _ => return Err(err("expected a type name", None)),
        }
        p.pos += 1;
        if !p.punct('.') {
            break;
        }
    }
    if parts.len() == 2 && parts[0].0 == "pg_catalog" {
        parts.remove(0);
    }
    match parts.len() {
        1 => {}
        2 => {
            let schema = parts[0].0.clone();
            let name = parts[1].0.clone();
            let args = p.args()?;
            let qn = QualifiedName::new(&*schema, &*name);
            if enums.contains(&qn) {
                // A declared enum prints as `format_type` does (public ones unqualified).
                let base = if schema == "public" {
                    quote::ident(&name)
                } else {
                    quote::qualified(&schema, &name)
                };
                no_args(args, &base)?;
                return Ok((base.clone(), base));
            }
            // Any other type (an extension's, a domain) keeps the qualification the file
            // gave, also in `public`: rendered SQL then does not depend on search_path.
            let base = quote::qualified(&schema, &name);
            let mods = match args {
                None => String::new(),
                Some(a) => format!(
                    "({})",
                    a.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
                ),
            };
            return Ok((format!("{base}{mods}"), base));
        }
        _ => return Err(err("a type name has at most two parts (schema.type)", None)),
    }
    let (word, quoted) = parts.pop().expect("one part");
    if quoted {
        if word == "char" {
            return Ok(simple("\"char\""));
        }
        let qn = QualifiedName::public(&*word);
        if enums.contains(&qn) {
            return Ok(simple(&quote::ident(&word)));
        }
        return Err(unknown(&word));
    }
    let w = word.as_str();
    let out = match w {
        "int" | "integer" | "int4" => simple("integer"),
        "smallint" | "int2" => simple("smallint"),
        "bigint" | "int8" => simple("bigint"),
        "real" | "float4" => simple("real"),
        "float8" => simple("double precision"),
        "bool" | "boolean" => simple("boolean"),
        "serial" | "serial4" => {
            *serial = Some("integer");
            simple("integer")
        }
        "bigserial" | "serial8" => {
            *serial = Some("bigint");
            simple("bigint")
        }
        "smallserial" | "serial2" => {
            *serial = Some("smallint");
            simple("smallint")
        }
        "double" => {
            if !p.word("precision") {
                return Err(err("expected `double precision`", None));
            }
            simple("double precision")
        }
        "float" => match one_arg(p.args()?, "float", (1, 53))? {
            Some(n) if n <= 24 => simple("real"),
            _ => simple("double precision"),
        },
        "numeric" | "decimal" | "dec" => match p.args()?.as_deref() {
            None => simple("numeric"),
            Some(&[prec]) if (1..=1000).contains(&prec) => {
                (format!("numeric({prec},0)"), "numeric".into())
            }
            Some(&[prec, scale])
                if (1..=1000).contains(&prec) && (-1000..=1000).contains(&scale) =>
            {
                (format!("numeric({prec},{scale})"), "numeric".into())
            }
            Some(_) => {
                return Err(err(
                    "numeric takes (precision) or (precision, scale), precision 1..1000",
                    None,
                ));
            }
        },
        "character" | "char" | "nchar" | "national" | "varchar" | "bpchar" => {
            if w == "national" && !(p.word("character") || p.word("char")) {
                return Err(err("expected `national character`", None));
            }
            let varying = w == "varchar" || (w != "bpchar" && p.word("varying"));
            let n = one_arg(p.args()?, "character", (1, 10_485_760))?;
            match (varying, n) {
                (true, Some(n)) => (
                    format!("character varying({n})"),
                    "character varying".into(),
                ),
                (true, None) => simple("character varying"),
                (false, Some(n)) => (format!("character({n})"), "bpchar".into()),
                (false, None) if w == "bpchar" => simple("bpchar"),
                (false, None) => ("character(1)".into(), "bpchar".into()),
            }
        }
        "bit" | "varbit" => {
            let varying = w == "varbit" || p.word("varying");
            let n = one_arg(p.args()?, "bit", (1, 83_886_080))?;
            match (varying, n) {
                (true, Some(n)) => (format!("bit varying({n})"), "bit varying".into()),
                (true, None) => simple("bit varying"),
                (false, n) => (format!("bit({})", n.unwrap_or(1)), "bit".into()),
            }
        }
        "timestamp" | "time" | "timestamptz" | "timetz" => {
            let prec = one_arg(p.args()?, w, (0, i64::from(i32::MAX)))?.map(|n| n.min(6));
            let tz = if w.ends_with("tz") {
                true
            } else {
                with_tz(p)?.unwrap_or(false)
            };
            let base = if w.starts_with("timestamp") {
                "timestamp"
            } else {
                "time"
            };
            let zone = if tz {
                "with time zone"
            } else {
                "without time zone"
            };
            let cast = format!("{base} {zone}");
            match prec {
                Some(n) => (format!("{base}({n}) {zone}"), cast),
                None => (cast.clone(), cast),
            }
        }
        "interval" => {
            const UNITS: &[&str] = &["year", "month", "day", "hour", "minute", "second"];
            let mut fields = Vec::new();
            while let Some(Tok::Word(u)) = p.peek().cloned() {
                if UNITS.contains(&u.as_str()) || (u == "to" && !fields.is_empty()) {
                    fields.push(u);
                    p.pos += 1;
                } else {
                    break;
                }
            }
            let f = fields.join(" ");
            const VALID: &[&str] = &[
                "",
                "year",
                "month",
                "day",
                "hour",
                "minute",
                "second",
                "year to month",
                "day to hour",
                "day to minute",
                "day to second",
                "hour to minute",
                "hour to second",
                "minute to second",
            ];
            if !VALID.contains(&f.as_str()) {
                return Err(err(format!("invalid interval fields `{f}`"), None));
            }
            let prec = one_arg(p.args()?, "interval", (0, i64::from(i32::MAX)))?.map(|n| n.min(6));
            if prec.is_some() && !(f.is_empty() || f.ends_with("second")) {
                return Err(err("interval precision is allowed only with SECOND", None));
            }
            let mut name = String::from("interval");
            if !f.is_empty() {
                name.push(' ');
                name.push_str(&f);
            }
            if let Some(n) = prec {
                name.push_str(&format!("({n})"));
            }
            (name, "interval".into())
        }
        _ if SIMPLE.contains(&w) => {
            no_args(p.args()?, w)?;
            simple(w)
        }
        _ => {
            let qn = QualifiedName::public(w);
            if enums.contains(&qn) {
                no_args(p.args()?, w)?;
                simple(&quote::ident(w))
            } else {
                return Err(unknown(w));
            }
        }
    };
    Ok(out)
}

fn unknown(name: &str) -> TypeError {
    err(
        format!("unknown type {name:?}"),
        Some(
            "declare it under [enums], or write it schema-qualified (e.g. \"public.citext\") \
             if an extension provides it",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str) -> String {
        let enums: BTreeSet<_> = [
            QualifiedName::public("mood"),
            QualifiedName::public("My Mood"),
            QualifiedName::new("other", "mood"),
        ]
        .into_iter()
        .collect();
        match canonical(text, &enums) {
            Ok(c) => c.name,
            Err(e) => format!("error: {}", e.message),
        }
    }

    #[test]
    fn canonical_types_match_format_type() {
        // Each pair checked against PostgreSQL 15's format_type().
        let cases = [
            ("int", "integer"),
            ("INT4", "integer"),
            ("integer", "integer"),
            ("int8", "bigint"),
            ("BigInt", "bigint"),
            ("int2", "smallint"),
            ("serial", "integer"),
            ("bigserial", "bigint"),
            ("serial2", "smallint"),
            ("float8", "double precision"),
            ("double   precision", "double precision"),
            ("float4", "real"),
            ("float(10)", "real"),
            ("float(30)", "double precision"),
            ("float", "double precision"),
            ("bool", "boolean"),
            ("varchar(64)", "character varying(64)"),
            ("character varying ( 64 )", "character varying(64)"),
            ("varchar", "character varying"),
            ("char(3)", "character(3)"),
            ("char", "character(1)"),
            ("character", "character(1)"),
            ("bpchar", "bpchar"),
            ("bpchar(4)", "character(4)"),
            ("\"char\"", "\"char\""),
            ("numeric(10,2)", "numeric(10,2)"),
            ("decimal(5)", "numeric(5,0)"),
            ("numeric", "numeric"),
            ("timestamptz", "timestamp with time zone"),
            ("timestamp with time zone", "timestamp with time zone"),
            ("timestamp", "timestamp without time zone"),
            ("timestamp(3)", "timestamp(3) without time zone"),
            ("timestamptz(2)", "timestamp(2) with time zone"),
            ("time(1)", "time(1) without time zone"),
            ("timetz", "time with time zone"),
            ("interval", "interval"),
            ("interval(2)", "interval(2)"),
            ("interval day to second(3)", "interval day to second(3)"),
            ("INTERVAL YEAR TO MONTH", "interval year to month"),
            ("bit", "bit(1)"),
            ("bit(3)", "bit(3)"),
            ("varbit(4)", "bit varying(4)"),
            ("bit varying", "bit varying"),
            ("text[]", "text[]"),
            ("integer[][]", "integer[]"),
            ("int[3]", "integer[]"),
            ("text array", "text[]"),
            ("numeric(5,2)[]", "numeric(5,2)[]"),
            ("varchar(5)[]", "character varying(5)[]"),
            ("jsonb", "jsonb"),
            ("int4range", "int4range"),
            ("mood", "mood"),
            ("public.mood", "mood"),
            ("mood[]", "mood[]"),
            ("other.mood", "other.mood"),
            ("\"My Mood\"", "\"My Mood\""),
            ("public.citext", "public.citext"),
            ("public.citext[]", "public.citext[]"),
            ("public.vector(3)", "public.vector(3)"),
            ("ext.\"Vec\"(3)", "ext.\"Vec\"(3)"),
            ("pg_catalog.int4", "integer"),
        ];
        for (input, want) in cases {
            assert_eq!(c(input), want, "{input}");
        }
    }

    #[test]
    fn rejects_bad_types() {
        for bad in [
            "citext",
            "My Mood",
            "varchar(0)",
            "text(3)",
            "serial[]",
            "interval year to second",
            "a.b.c",
            "int (",
            "",
        ] {
            assert!(c(bad).starts_with("error"), "{bad}: {}", c(bad));
        }
    }
}
