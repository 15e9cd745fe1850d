//! A small `.env` reader: `KEY=VALUE` lines, an optional `export ` prefix, `#` comments,
//! single quotes (literal) and double quotes (with `\n`, `\"`, `\\` escapes).

/// The `(key, value)` pairs of a `.env` file, in file order. Lines that are not
/// assignments are skipped.
pub fn parse_dotenv(text: &str) -> Vec<(String, String)> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let line = line.strip_prefix("export ").map_or(line, str::trim_start);
    let (key, value) = line.split_once('=')?;
    let key = key.trim();
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return None;
    }
    Some((key.to_string(), parse_value(value.trim_start())))
}

fn parse_value(raw: &str) -> String {
    let mut chars = raw.chars();
    match chars.next() {
        Some('\'') => {
            let inner = chars.as_str();
            inner
                .find('\'')
                .map_or(inner, |end| &inner[..end])
                .to_string()
        }
        Some('"') => {
            let mut out = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some(other) => out.push(other),
                        None => {}
                    },
                    c => out.push(c),
                }
            }
            out
        }
        _ => {
            // An unquoted value ends at a comment: '#' after whitespace.
            let end = raw
                .char_indices()
                .find(|&(i, c)| c == '#' && raw[..i].ends_with([' ', '\t']))
                .map_or(raw.len(), |(i, _)| i);
            raw[..end].trim_end().to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_dotenv;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse_dotenv(text)
    }

    fn kv(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn forms() {
        let text = "\
# a comment
A=1
export B = two words  # comment
C=\"quoted # not a comment\"  # comment
D='single \\n literal'
E=\"esc\\\"aped\\n\"
F=x#y
not an assignment
=novalue
G=
";
        assert_eq!(
            pairs(text),
            vec![
                kv("A", "1"),
                kv("B", "two words"),
                kv("C", "quoted # not a comment"),
                kv("D", "single \\n literal"),
                kv("E", "esc\"aped\n"),
                kv("F", "x#y"),
                kv("G", ""),
            ]
        );
    }

    #[test]
    fn crlf_and_password_with_special_characters() {
        assert_eq!(
            pairs("DATABASE_URL=postgres://u:p#1=@h/db\r\n"),
            vec![kv("DATABASE_URL", "postgres://u:p#1=@h/db")]
        );
    }
}
