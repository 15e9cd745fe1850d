//! Names spelled as the server prints them with `search_path = public` (the model's
//! canonical form): public objects unqualified, others qualified.

use super::quote;
use crate::model::QualifiedName;

/// A type's spelling, as `format_type` prints it.
pub fn type_text(name: &QualifiedName) -> String {
    if name.schema == "public" {
        quote::ident(&name.name)
    } else {
        quote::qualified(&name.schema, &name.name)
    }
}

/// `'name'::regclass` as `pg_get_expr` prints it inside `nextval(...)`.
pub fn regclass_literal(name: &QualifiedName) -> String {
    format!("{}::regclass", quote::literal(&type_text(name)))
}

/// `nextval('seq'::regclass)`, the default of a serial column, as `pg_get_expr` prints it.
pub fn nextval(seq: &QualifiedName) -> String {
    format!("nextval({})", regclass_literal(seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_names_are_unqualified() {
        assert_eq!(type_text(&QualifiedName::public("mood")), "mood");
        assert_eq!(
            type_text(&QualifiedName::new("other", "Mood")),
            "other.\"Mood\""
        );
        assert_eq!(
            nextval(&QualifiedName::public("Odd_id_seq")),
            r#"nextval('"Odd_id_seq"'::regclass)"#
        );
        assert_eq!(
            regclass_literal(&QualifiedName::new("other", "t_id_seq")),
            "'other.t_id_seq'::regclass"
        );
    }
}
