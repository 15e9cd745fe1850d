//! PostgreSQL's default names for constraints, indexes and owned sequences.
//!
//! Objects the schema file does not name get exactly the name PostgreSQL would choose
//! (`tasks_pkey`, `conversations_session_id_key`, `reminders_task_id_fkey`), so that a
//! pushed database looks like one built by hand and a pulled file stays short.

/// `NAMEDATALEN - 1`: the longest identifier PostgreSQL keeps, in bytes.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, with name1 and name2 shortened
/// (the longer one first, on character boundaries) so that the result fits in 63 bytes.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: Option<&str>) -> String {
    let mut overhead = 0;
    if let Some(label) = label {
        overhead += label.len() + 1;
    }
    if name2.is_some() {
        overhead += 1;
    }
    let available = MAX_IDENTIFIER_BYTES.saturating_sub(overhead);
    let mut name1_len = name1.len();
    let mut name2_len = name2.map_or(0, str::len);
    while name1_len + name2_len > available {
        if name1_len > name2_len {
            name1_len -= 1;
        } else {
            name2_len -= 1;
        }
    }
    let mut out = String::from(clip_to_char_boundary(name1, name1_len));
    if let Some(name2) = name2 {
        out.push('_');
        out.push_str(clip_to_char_boundary(name2, name2_len));
    }
    if let Some(label) = label {
        out.push('_');
        out.push_str(label);
    }
    out
}

/// Truncates an identifier the way the server does when it is longer than 63 bytes.
pub fn truncate_identifier(name: &str) -> &str {
    clip_to_char_boundary(name, MAX_IDENTIFIER_BYTES)
}

fn clip_to_char_boundary(s: &str, max_bytes: usize) -> &str {
    if s.len() <= max_bytes {
        return s;
    }
    let mut end = max_bytes;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Column names joined by `_`, as `ChooseIndexNameAddition` /
/// `ChooseForeignKeyConstraintNameAddition` build them (cut at 63 bytes).
fn columns_addition(columns: &[String]) -> String {
    let mut out = String::new();
    for column in columns {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(column);
        if out.len() >= MAX_IDENTIFIER_BYTES {
            break;
        }
    }
    clip_to_char_boundary(&out, MAX_IDENTIFIER_BYTES).to_string()
}

pub fn primary_key(table: &str) -> String {
    make_object_name(table, None, Some("pkey"))
}

pub fn unique(table: &str, columns: &[String]) -> String {
    make_object_name(table, Some(&columns_addition(columns)), Some("key"))
}

pub fn foreign_key(table: &str, columns: &[String]) -> String {
    make_object_name(table, Some(&columns_addition(columns)), Some("fkey"))
}

/// A check constraint written on a column (`tasks_status_check`).
pub fn column_check(table: &str, column: &str) -> String {
    make_object_name(table, Some(column), Some("check"))
}

/// An index with no name: `table_col1_col2_idx` (`expr` for an expression key).
pub fn index(table: &str, key_names: &[String]) -> String {
    make_object_name(table, Some(&columns_addition(key_names)), Some("idx"))
}

/// A column's NOT NULL constraint (PostgreSQL 18 names them: `tasks_title_not_null`).
pub fn not_null(table: &str, column: &str) -> String {
    make_object_name(table, Some(column), Some("not_null"))
}

/// The sequence behind a `serial` or identity column.
pub fn owned_sequence(table: &str, column: &str) -> String {
    make_object_name(table, Some(column), Some("seq"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        assert_eq!(primary_key("tasks"), "tasks_pkey");
        assert_eq!(
            unique("conversations", &["session_id".into()]),
            "conversations_session_id_key"
        );
        assert_eq!(
            foreign_key("reminders", &["task_id".into()]),
            "reminders_task_id_fkey"
        );
        assert_eq!(unique("t", &["a".into(), "b".into()]), "t_a_b_key");
    }

    #[test]
    fn long_names_are_cut_like_postgres() {
        // Checked against PostgreSQL 15: create table with a 63-char name and a unique
        // column, then read pg_constraint.conname.
        let table = "a".repeat(63);
        let column = "b".repeat(63);
        let name = unique(&table, std::slice::from_ref(&column));
        assert_eq!(name.len(), 63);
        assert_eq!(name, format!("{}_{}_key", "a".repeat(29), "b".repeat(29)));
    }
}
