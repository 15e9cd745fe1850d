//! TOML literals rendered as SQL constants, the way `pg_get_expr` prints a column default.

use super::quote;
use super::types::Canon;

/// PostgreSQL's array literal text (`array_out`) for already-rendered element texts.
pub(crate) fn array_element(text: &str) -> String {
    let needs_quotes = text.is_empty()
        || text.eq_ignore_ascii_case("null")
        || text
            .chars()
            .any(|c| "{},\"\\".contains(c) || c.is_ascii_whitespace() || c == '\u{b}');
    if needs_quotes {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        text.to_string()
    }
}

/// A float as PostgreSQL prints a numeric constant: always with a decimal point.
pub(crate) fn float_text(f: f64) -> String {
    let s = format!("{f}");
    if s.contains(['.', 'e', 'E']) || !f.is_finite() {
        s
    } else {
        format!("{s}.0")
    }
}

/// A TOML-literal default rendered as `pg_get_expr` prints it for a column of this type.
pub(crate) enum Lit<'a> {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

pub(crate) fn render_scalar(lit: &Lit<'_>, ty: &Canon) -> String {
    match *lit {
        Lit::Bool(b) => b.to_string(),
        Lit::Int(i) if (0..=i64::from(i32::MAX)).contains(&i) => i.to_string(),
        Lit::Int(i) if i32::try_from(i).is_ok() => format!("'{i}'::integer"),
        Lit::Int(i) if i >= 0 => format!("'{i}'::bigint"),
        Lit::Int(i) => format!("'{i}'::bigint"),
        Lit::Float(f) if f.is_nan() => format!("'NaN'::{}", ty.cast),
        Lit::Float(f) if f.is_infinite() => {
            format!("'{}Infinity'::{}", if f < 0.0 { "-" } else { "" }, ty.cast)
        }
        Lit::Float(f) if f.is_sign_negative() => format!("'{}'::numeric", float_text(f)),
        Lit::Float(f) => float_text(f),
        Lit::Str(s) => format!("{}::{}", quote::literal(s), ty.cast),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::model::QualifiedName;
    use crate::sql::types::canonical;

    #[test]
    fn literals_match_pg_get_expr() {
        let enums = BTreeSet::from([QualifiedName::public("mood")]);
        let ty = |t: &str| canonical(t, &enums).unwrap();
        assert_eq!(render_scalar(&Lit::Int(0), &ty("bigint")), "0");
        assert_eq!(render_scalar(&Lit::Int(-1), &ty("bigint")), "'-1'::integer");
        assert_eq!(
            render_scalar(&Lit::Int(9_999_999_999), &ty("bigint")),
            "'9999999999'::bigint"
        );
        assert_eq!(render_scalar(&Lit::Float(1.5), &ty("float8")), "1.5");
        assert_eq!(render_scalar(&Lit::Float(1.0), &ty("float8")), "1.0");
        assert_eq!(
            render_scalar(&Lit::Float(-1.5), &ty("numeric(10,2)")),
            "'-1.5'::numeric"
        );
        assert_eq!(
            render_scalar(&Lit::Str("x"), &ty("varchar(10)")),
            "'x'::character varying"
        );
        assert_eq!(render_scalar(&Lit::Str("x"), &ty("char(3)")), "'x'::bpchar");
        assert_eq!(
            render_scalar(&Lit::Str("it's"), &ty("text")),
            "'it''s'::text"
        );
        assert_eq!(
            render_scalar(&Lit::Str("calm"), &ty("mood")),
            "'calm'::mood"
        );
        assert_eq!(render_scalar(&Lit::Bool(true), &ty("bool")), "true");
        assert_eq!(array_element("b c"), "\"b c\"");
        assert_eq!(array_element("NULL"), "\"NULL\"");
        assert_eq!(array_element("a"), "a");
    }
}
