//! Which column type changes keep every value (widening) and which may lose or reject
//! data (narrowing, hence destructive).

/// Splits `character varying(64)` into (`character varying`, [64]); arrays keep `[]` in
/// the base.
fn split_typmod(t: &str) -> (String, Vec<u32>) {
    let (t, array) = match t.strip_suffix("[]") {
        Some(inner) => (inner, "[]"),
        None => (t, ""),
    };
    if let (Some(open), Some(close)) = (t.find('('), t.find(')')) {
        let base = format!("{}{}{}", &t[..open], &t[close + 1..], array);
        let mods = t[open + 1..close]
            .split(',')
            .filter_map(|m| m.trim().parse().ok())
            .collect();
        (base.trim().to_string(), mods)
    } else {
        (format!("{t}{array}"), Vec::new())
    }
}

/// True when every value of `from` converts to `to` without loss or error.
pub fn is_widening(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    let (fb, fm) = split_typmod(from);
    let (tb, tm) = split_typmod(to);
    let text_like = |b: &str| b == "text" || b == "character varying";
    match (fb.as_str(), tb.as_str()) {
        ("smallint", "integer" | "bigint" | "numeric")
        | ("integer", "bigint" | "numeric")
        | ("bigint", "numeric")
        | ("real", "double precision") => tm.is_empty(),
        (_, "text") if text_like(&fb) || fb == "character" => true,
        ("character varying", "character varying") => match (fm.first(), tm.first()) {
            (_, None) => true,
            (Some(f), Some(t)) => t >= f,
            (None, Some(_)) => false,
        },
        ("text", "character varying") => tm.is_empty(),
        ("numeric", "numeric") => match (fm.as_slice(), tm.as_slice()) {
            (_, []) => true,
            ([fp, fs], [tp, ts]) => ts >= fs && tp - ts >= fp - fs,
            ([fp], [tp, ts]) => ts >= &0 && tp - ts >= *fp,
            _ => false,
        },
        ("timestamp without time zone", "timestamp without time zone")
        | ("timestamp with time zone", "timestamp with time zone")
        | ("time without time zone", "time without time zone") => match (fm.first(), tm.first()) {
            (_, None) => true,
            (Some(f), Some(t)) => t >= f,
            (None, Some(_)) => false,
        },
        ("json", "jsonb") => false,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening_and_narrowing() {
        assert!(is_widening("integer", "bigint"));
        assert!(!is_widening("bigint", "integer"));
        assert!(is_widening(
            "character varying(10)",
            "character varying(20)"
        ));
        assert!(!is_widening(
            "character varying(20)",
            "character varying(10)"
        ));
        assert!(is_widening("character varying(20)", "text"));
        assert!(!is_widening("text", "character varying(20)"));
        assert!(is_widening("numeric(10,2)", "numeric(12,2)"));
        assert!(!is_widening("numeric(12,2)", "numeric(10,2)"));
        assert!(!is_widening("text", "integer"));
        assert!(is_widening("text[]", "text[]"));
    }
}
