//! The migration statement splitter never panics, and what it returns is the input's
//! own text: each statement is a trimmed, non-empty piece of the input, in order, on a
//! line that exists; splitting the statements joined again gives the same statements.
#![no_main]

use brain_db::migrations::split::split;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let statements = split(text);
    let lines = text.split('\n').count();
    let mut cursor = 0;
    let mut last_line = 1;
    for statement in &statements {
        assert!(!statement.sql.is_empty(), "empty statement from {text:?}");
        // Trimmed of PostgreSQL's whitespace, and of nothing else.
        let pg_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c' | '\x0b');
        assert_eq!(statement.sql, statement.sql.trim_matches(pg_space), "untrimmed statement");
        let at = text[cursor..]
            .find(&statement.sql)
            .unwrap_or_else(|| panic!("{:?} is not in order in {text:?}", statement.sql));
        cursor += at + statement.sql.len();
        assert!(
            statement.line >= last_line && statement.line <= lines,
            "line {} out of order or range in {text:?}",
            statement.line
        );
        last_line = statement.line;
    }
    // A line comment ends at the newline, so "\n;\n" separates any two statements.
    let joined: Vec<String> = statements.iter().map(|s| s.sql.clone()).collect();
    let again: Vec<String> = split(&joined.join("\n;\n"))
        .into_iter()
        .map(|s| s.sql)
        .collect();
    assert_eq!(joined, again, "splitting is not stable for {text:?}");
});
