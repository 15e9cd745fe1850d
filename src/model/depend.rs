//! References between objects: what a plan step creates, drops or needs, and what an
//! introspected object depends on (`pg_depend`).
//!
//! Identity is the namespace PostgreSQL keeps the name in, not the kind: a table, a view,
//! a sequence and an index share one (`pg_class`), so a view dropped frees the name a
//! table may take; enums, domains and every table's row type share `pg_type`.

use std::fmt;

use super::QualifiedName;

/// What kind of object a reference names (for messages and for the tie-break).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    Schema,
    Extension,
    Enum,
    Domain,
    /// A table's (or view's) row type, or a type the file does not manage.
    Type,
    Sequence,
    Table,
    View,
    MaterializedView,
    Index,
    Function,
    Constraint,
    Trigger,
    Policy,
}

/// The catalog a name is unique in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Namespace {
    Schema,
    Extension,
    /// `pg_type`: enums, domains, row types.
    Type,
    /// `pg_class`: tables, views, materialized views, sequences, indexes.
    Relation,
    /// `pg_proc`, by name and argument types.
    Function,
    /// Per table: constraints, triggers, policies (`relation` holds the table).
    Constraint,
    Trigger,
    Policy,
}

impl ObjectKind {
    pub fn namespace(self) -> Namespace {
        match self {
            ObjectKind::Schema => Namespace::Schema,
            ObjectKind::Extension => Namespace::Extension,
            ObjectKind::Enum | ObjectKind::Domain | ObjectKind::Type => Namespace::Type,
            ObjectKind::Sequence
            | ObjectKind::Table
            | ObjectKind::View
            | ObjectKind::MaterializedView
            | ObjectKind::Index => Namespace::Relation,
            ObjectKind::Function => Namespace::Function,
            ObjectKind::Constraint => Namespace::Constraint,
            ObjectKind::Trigger => Namespace::Trigger,
            ObjectKind::Policy => Namespace::Policy,
        }
    }

    fn word(self) -> &'static str {
        match self {
            ObjectKind::Schema => "schema",
            ObjectKind::Extension => "extension",
            ObjectKind::Enum => "enum",
            ObjectKind::Domain => "domain",
            ObjectKind::Type => "type",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Table => "table",
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized view",
            ObjectKind::Index => "index",
            ObjectKind::Function => "function",
            ObjectKind::Constraint => "constraint",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Policy => "policy",
        }
    }
}

/// One object. For schemas and extensions `name.schema` is empty and `name.name` the
/// name; for functions `name.name` is `name(argument types)` as
/// `pg_catalog.oidvectortypes(proargtypes)` prints them (`add(integer, integer)`,
/// `set_updated_at()`); for constraints, triggers and policies `name` is the table and
/// `member` the object's own name.
#[derive(Debug, Clone)]
pub struct ObjectRef {
    pub kind: ObjectKind,
    pub name: QualifiedName,
    pub member: Option<String>,
}

impl ObjectRef {
    pub fn new(kind: ObjectKind, name: QualifiedName) -> Self {
        Self {
            kind,
            name,
            member: None,
        }
    }

    pub fn schema(name: &str) -> Self {
        Self::new(ObjectKind::Schema, QualifiedName::new("", name))
    }

    pub fn extension(name: &str) -> Self {
        Self::new(ObjectKind::Extension, QualifiedName::new("", name))
    }

    /// A function by name and argument types (`"integer, text"`, `""` for none).
    pub fn function(name: &QualifiedName, argument_types: &str) -> Self {
        Self::new(
            ObjectKind::Function,
            QualifiedName::new(&name.schema, format!("{}({argument_types})", name.name)),
        )
    }

    /// A constraint, trigger or policy of `table`.
    pub fn member(kind: ObjectKind, table: &QualifiedName, name: &str) -> Self {
        Self {
            kind,
            name: table.clone(),
            member: Some(name.to_string()),
        }
    }

    /// What identifies the object: namespace, schema, name, member.
    pub fn key(&self) -> (Namespace, &str, &str, Option<&str>) {
        (
            self.kind.namespace(),
            &self.name.schema,
            &self.name.name,
            self.member.as_deref(),
        )
    }
}

impl PartialEq for ObjectRef {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for ObjectRef {}

impl PartialOrd for ObjectRef {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ObjectRef {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl std::hash::Hash for ObjectRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state)
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = self.kind.word();
        match (&self.member, self.name.schema.as_str()) {
            (Some(m), _) => write!(f, "{word} {m} on {}", self.name),
            (None, "") => write!(f, "{word} {}", self.name.name),
            (None, _) => write!(f, "{word} {}", self.name),
        }
    }
}

/// What each object of the live database depends on (`pg_depend`, see
/// `introspect::depend`). Derived data, not part of the schema: it always compares equal,
/// so that a loaded file (which has none) and an introspected database compare by their
/// objects alone.
#[derive(Debug, Clone, Default)]
pub struct Dependencies {
    pub on: std::collections::BTreeMap<ObjectRef, std::collections::BTreeSet<ObjectRef>>,
}

impl Dependencies {
    /// What `object` depends on (empty when unknown).
    pub fn of(&self, object: &ObjectRef) -> impl Iterator<Item = &ObjectRef> {
        self.on.get(object).into_iter().flatten()
    }

    /// What depends on `object` (a scan: for the few objects a plan drops).
    pub fn dependents_of<'a>(
        &'a self,
        object: &'a ObjectRef,
    ) -> impl Iterator<Item = &'a ObjectRef> {
        self.on
            .iter()
            .filter(move |(_, on)| on.contains(object))
            .map(|(dependent, _)| dependent)
    }

    pub fn add(&mut self, dependent: ObjectRef, on: ObjectRef) {
        if dependent != on {
            self.on.entry(dependent).or_default().insert(on);
        }
    }
}

impl PartialEq for Dependencies {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The type a column (or domain, or function argument) of the given canonical type
/// (`format_type` spelling, see [`crate::model`]) names, when it may be a user type:
/// `mood`, `other."My Type"`, `email[]` (the element type). Built-in spellings
/// (`integer`, `character varying(10)`, `timestamp with time zone`) give a reference too,
/// into `public`; it matches nothing a plan creates, so it orders nothing.
pub fn type_ref(data_type: &str) -> Option<ObjectRef> {
    let mut t = data_type.trim();
    while let Some(inner) = t.strip_suffix("[]") {
        t = inner.trim_end();
    }
    if t.is_empty() || (t.contains(' ') && !t.contains('"')) || t.contains('(') && !t.contains('"')
    {
        return None;
    }
    let parts = split_dotted(t)?;
    let name = match parts.as_slice() {
        [n] => QualifiedName::public(n.clone()),
        [s, n] => QualifiedName::new(s.clone(), n.clone()),
        _ => return None,
    };
    Some(ObjectRef::new(ObjectKind::Type, name))
}

/// `a.b`, `"x.y".b`, `"a""b"` -> unquoted parts; `None` when not an identifier chain.
fn split_dotted(s: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    '"' => break,
                    c => part.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' {
                    break;
                }
                if !(c.is_alphanumeric() || c == '_' || c == '$') {
                    return None;
                }
                part.push(c);
                chars.next();
            }
            if part.is_empty() {
                return None;
            }
        }
        parts.push(part);
        match chars.next() {
            None => return Some(parts),
            Some('.') => continue,
            Some(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_refs_name_user_types_and_array_elements() {
        let t = |s: &str| type_ref(s).map(|r| r.name);
        assert_eq!(t("mood"), Some(QualifiedName::public("mood")));
        assert_eq!(t("email[]"), Some(QualifiedName::public("email")));
        assert_eq!(
            t("other.\"My Type\""),
            Some(QualifiedName::new("other", "My Type"))
        );
        assert_eq!(t("character varying(10)"), None);
        assert_eq!(t("timestamp with time zone"), None);
    }

    #[test]
    fn relations_share_a_namespace_and_members_are_per_table() {
        let t = QualifiedName::public("x");
        assert_eq!(
            ObjectRef::new(ObjectKind::View, t.clone()),
            ObjectRef::new(ObjectKind::Table, t.clone())
        );
        assert_ne!(
            ObjectRef::new(ObjectKind::Table, t.clone()),
            ObjectRef::new(ObjectKind::Type, t.clone())
        );
        assert_eq!(
            ObjectRef::member(ObjectKind::Trigger, &t, "a").to_string(),
            "trigger a on x"
        );
        assert_eq!(
            ObjectRef::function(&t, "integer").to_string(),
            "function x(integer)"
        );
    }
}
