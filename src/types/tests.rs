use std::collections::BTreeMap;

use super::*;

#[test]
fn singular_follows_the_documented_rule() {
    for (plural, one) in [
        ("tasks", "task"),
        ("reminders", "reminder"),
        ("task_categories", "task_category"),
        ("addresses", "address"),
        ("boxes", "box"),
        ("matches", "match"),
        ("wishes", "wish"),
        ("status", "status"),
        ("analysis", "analysis"),
        ("glass", "glass"),
        ("data", "data"),
        ("us", "us"),
        ("My Tasks", "My Task"),
    ] {
        assert_eq!(singular(plural), one, "{plural}");
    }
}

#[test]
fn pascal_case_makes_identifiers() {
    for (name, want) in [
        ("task", "Task"),
        ("in_progress", "InProgress"),
        ("in progress", "InProgress"),
        ("in-progress", "InProgress"),
        ("myTable", "MyTable"),
        ("1st", "_1st"),
        ("", "Empty"),
        ("***", "Empty"),
        ("self", "Self_"),
    ] {
        assert_eq!(pascal_case(name), want, "{name:?}");
    }
}

#[test]
fn check_labels_reads_the_file_and_the_server_forms() {
    let labels = |e: &str| check_labels(e, "status");
    let four = Some(vec![
        "todo".to_string(),
        "in_progress".into(),
        "it's".into(),
    ]);
    assert_eq!(labels("status in ('todo', 'in_progress', 'it''s')"), four);
    assert_eq!(labels("STATUS IN ('todo','in_progress','it''s')"), four);
    assert_eq!(
        labels("(status = ANY (ARRAY['todo'::text, 'in_progress'::text, 'it''s'::text]))"),
        four
    );
    assert_eq!(
        labels(
            "((status)::text = ANY ((ARRAY['todo'::character varying, 'in_progress'::character varying, 'it''s'::character varying])::text[]))"
        ),
        four
    );
    assert_eq!(labels("\"status\" in ('a')"), Some(vec!["a".to_string()]));
    for no in [
        "status not in ('a', 'b')",
        "other in ('a', 'b')",
        "status in ('a', 'b') or true",
        "status in ('a', 1)",
        "length(status) in ('a')",
        "status = 'a'",
        "status in ()",
        "status in ('a'::mood)",
    ] {
        assert_eq!(labels(no), None, "{no}");
    }
}

#[test]
fn scalar_of_ignores_modifiers_and_finds_enums() {
    let enums: BTreeMap<String, usize> = [("mood".to_string(), 0), ("other.\"My Type\"".into(), 1)]
        .into_iter()
        .collect();
    for (ty, want) in [
        ("character varying(64)", (Scalar::Text, false)),
        ("numeric(12,2)", (Scalar::Numeric, false)),
        ("timestamp(3) with time zone", (Scalar::Timestamptz, false)),
        ("timestamp without time zone[]", (Scalar::Timestamp, true)),
        ("time with time zone", (Scalar::ViaText, false)),
        ("interval", (Scalar::ViaText, false)),
        ("money", (Scalar::ViaText, false)),
        ("mood[]", (Scalar::Enum(0), true)),
        ("other.\"My Type\"", (Scalar::Enum(1), false)),
        ("bigint", (Scalar::Int8, false)),
    ] {
        assert_eq!(scalar_of(ty, &enums), want, "{ty}");
    }
}
