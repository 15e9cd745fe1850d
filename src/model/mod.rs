//! The schema model: what a database (or a part of one) looks like, independent of where
//! the description came from.
//!
//! Architecture invariant: this module knows nothing about TOML, SQL text generation or
//! connections. Both the schema file loader and the catalog introspection produce a
//! [`Schema`]; the diff compares two of them.
//!
//! Canonical forms: every field holds the spelling PostgreSQL itself prints when the
//! session's `search_path` is `public` (see `introspect`), so that a loaded file and an
//! introspected database compare field by field:
//! - data types as `format_type()` prints them (`integer`, `character varying(64)`,
//!   `timestamp with time zone`, `text[]`, `mood`, `other."My Type"`);
//! - expressions (defaults, checks, generated columns, index keys and predicates) as SQL
//!   text. Introspected ones are in `pg_get_expr` form; declared ones are whatever the user
//!   wrote until `apply::canonicalize` replaces them with the server's form.

pub mod depend;
mod domain;
mod extension;
pub mod function;
pub mod names;
mod partition;
pub mod policy;
pub mod view;

pub use view::{CheckOption, View, ViewDependencies, ViewKind};
pub mod trigger;

pub use function::{Function, FunctionId};
pub use trigger::Trigger;

pub use domain::{Domain, DomainCheck};
pub use extension::{BUILT_IN_EXTENSIONS, Extension};
pub use partition::PartitionOf;

use std::collections::BTreeMap;
use std::fmt;

pub use policy::{Policy, PolicyCommand, RowLevelSecurity};

/// A schema-qualified object name. Ordered by (schema, name) so that every map over
/// names iterates deterministically.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

impl QualifiedName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            schema: schema.into(),
            name: name.into(),
        }
    }

    pub fn public(name: impl Into<String>) -> Self {
        Self::new("public", name)
    }
}

impl fmt::Display for QualifiedName {
    /// Human-readable form for messages (not SQL): `tasks` for public, else `schema.name`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.schema == "public" {
            write!(f, "{}", self.name)
        } else {
            write!(f, "{}.{}", self.schema, self.name)
        }
    }
}

/// Everything brain-db manages in the schemas it looks at.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    /// Namespaces that are managed (always contains "public" for a loaded file).
    /// Schemas other than `public` are created and (with --force) dropped by push.
    pub schemas: Vec<String>,
    /// The file describes the whole database (`drop_other_schemas = true`, which pull
    /// writes): push also reads the user schemas that [`Schema::schemas`] leaves out and
    /// drops them, with what they hold.
    pub drop_other_schemas: bool,
    pub enums: BTreeMap<QualifiedName, Enum>,
    pub sequences: BTreeMap<QualifiedName, Sequence>,
    pub tables: BTreeMap<QualifiedName, Table>,
    /// Views and materialized views (one relation namespace, see [`View::kind`]).
    pub views: BTreeMap<QualifiedName, View>,
    /// Functions and procedures, by name and identity argument types.
    pub functions: BTreeMap<FunctionId, Function>,
    /// `None`: the file has no `extensions` key, extensions are not managed.
    pub extensions: Option<BTreeMap<String, Extension>>,
    pub domains: BTreeMap<QualifiedName, Domain>,
    /// What the live objects depend on (introspection only; never compared).
    pub dependencies: depend::Dependencies,
}

impl Schema {
    /// `public` and every schema a table, enum or sequence lives in, sorted.
    pub fn schemas_in_use(&self) -> std::collections::BTreeSet<String> {
        self.tables
            .keys()
            .chain(self.enums.keys())
            .chain(self.sequences.keys())
            .chain(self.views.keys())
            .chain(self.functions.keys().map(|f| &f.name))
            .chain(self.domains.keys())
            .map(|q| q.schema.clone())
            .chain(std::iter::once("public".to_string()))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Enum {
    pub name: QualifiedName,
    pub values: Vec<String>,
    pub comment: Option<String>,
    /// Rename hint from the schema file (old unqualified name, same schema).
    pub renamed_from: Option<String>,
}

/// A standalone sequence, or one owned by a column (`serial`).
/// Identity columns' internal sequences are not listed here (see [`Identity`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Sequence {
    pub name: QualifiedName,
    pub options: SequenceOptions,
    /// `OWNED BY table.column` (same schema as the sequence).
    pub owned_by: Option<(QualifiedName, String)>,
    pub comment: Option<String>,
}

/// Sequence parameters as `pg_sequence` stores them (explicit, never "default").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceOptions {
    /// `smallint`, `integer` or `bigint`.
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub cache: i64,
    pub cycle: bool,
}

impl SequenceOptions {
    /// PostgreSQL's defaults for a sequence of the given integer type and increment sign.
    pub fn defaults_for(data_type: &str, increment: i64) -> Self {
        let max = match data_type {
            "smallint" => i16::MAX as i64,
            "integer" => i32::MAX as i64,
            _ => i64::MAX,
        };
        let (min_value, max_value) = if increment > 0 {
            (1, max)
        } else {
            let min = match data_type {
                "smallint" => i16::MIN as i64,
                "integer" => i32::MIN as i64,
                _ => i64::MIN,
            };
            (min, -1)
        };
        let start = if increment > 0 { min_value } else { max_value };
        Self {
            data_type: data_type.to_string(),
            start,
            increment,
            min_value,
            max_value,
            cache: 1,
            cycle: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: QualifiedName,
    /// In declaration order (file order, or attnum order when introspected).
    pub columns: Vec<Column>,
    pub primary_key: Option<PrimaryKey>,
    pub uniques: Vec<UniqueConstraint>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<CheckConstraint>,
    /// `EXCLUDE` constraints, sorted by name when introspected.
    pub exclusions: Vec<ExclusionConstraint>,
    /// Indexes that do not back a primary key / unique / exclusion constraint.
    pub indexes: Vec<Index>,
    /// Sorted by name.
    pub triggers: Vec<Trigger>,
    pub comment: Option<String>,
    /// `COMMENT ON CONSTRAINT`, by constraint name (primary key, unique, check, foreign
    /// key, exclusion). A constraint that is dropped and added again loses its comment in
    /// PostgreSQL; the diff sets it again.
    pub constraint_comments: BTreeMap<String, String>,
    pub unlogged: bool,
    pub row_level_security: RowLevelSecurity,
    /// Row-level security policies, sorted by name.
    pub policies: Vec<Policy>,
    /// Rename hint from the schema file (old unqualified name, same schema).
    pub renamed_from: Option<String>,
    /// `PARTITION BY`: the partition key as `pg_get_partkeydef` prints it once
    /// canonical (`RANGE (created_at)`, `LIST (region)`, `HASH (user_id)`).
    pub partition_by: Option<String>,
    /// The table is a partition of another (see [`PartitionOf`]).
    pub partition_of: Option<PartitionOf>,
    /// Introspection only, never compared: what PostgreSQL cloned onto this partition
    /// from its parent (keys, foreign keys, inherited checks, attached indexes), in a
    /// table of their own. They are the parent's while the partition is attached and
    /// become the table's own when it is detached (see [`Table::detached`]).
    pub cloned: Option<Box<Table>>,
}

impl Table {
    pub fn new(name: QualifiedName) -> Self {
        Self {
            name,
            columns: Vec::new(),
            primary_key: None,
            uniques: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            exclusions: Vec::new(),
            indexes: Vec::new(),
            triggers: Vec::new(),
            comment: None,
            constraint_comments: BTreeMap::new(),
            unlogged: false,
            row_level_security: RowLevelSecurity::Disabled,
            policies: Vec::new(),
            renamed_from: None,
            partition_by: None,
            partition_of: None,
            cloned: None,
        }
    }

    /// The parent, when the table is a partition.
    pub fn parent(&self) -> Option<&QualifiedName> {
        self.partition_of.as_ref().map(|p| &p.parent)
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// Canonical `format_type` spelling, see the module docs.
    pub data_type: String,
    pub not_null: bool,
    /// Default expression (SQL text). `None` for identity and generated columns.
    pub default: Option<String>,
    pub identity: Option<Identity>,
    /// `GENERATED ALWAYS AS (expr) STORED`: the expression.
    pub generated: Option<String>,
    /// The generated column is `VIRTUAL` (computed when read; PostgreSQL 18 and later)
    /// rather than `STORED`. Meaningful only with `generated`.
    pub virtual_generated: bool,
    /// Non-default collation, as `pg_collation.collname` (quoted if needed, schema-qualified
    /// unless in pg_catalog), e.g. `"C"`.
    pub collation: Option<String>,
    pub comment: Option<String>,
    /// Rename hint from the schema file.
    pub renamed_from: Option<String>,
    /// The name of the column's NOT NULL constraint, as read from PostgreSQL 18 or later
    /// (which names them, and keeps the name through table and column renames). `None`
    /// in a schema file, which does not name them: they get the name PostgreSQL gives
    /// (`<table>_<column>_not_null`).
    pub not_null_name: Option<String>,
}

impl Column {
    pub fn new(name: impl Into<String>, data_type: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            data_type: data_type.into(),
            not_null: false,
            default: None,
            identity: None,
            generated: None,
            virtual_generated: false,
            collation: None,
            comment: None,
            renamed_from: None,
            not_null_name: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityKind {
    Always,
    ByDefault,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub kind: IdentityKind,
    /// The identity sequence's parameters; `None` means PostgreSQL's defaults for the
    /// column's type. Introspection reports `None` when they equal the defaults.
    pub options: Option<SequenceOptions>,
    /// The identity sequence's name in the database (introspection only; a file never
    /// names it): PostgreSQL keeps it when the table or column is renamed, brain-db
    /// renames it along so that the name is what a fresh push gives, and free.
    pub sequence: Option<String>,
    /// The identity sequence has never given a value (introspection only; `false` in a
    /// file and when the sequence cannot be read): changing its options may then also
    /// restart it at the new start, as a fresh column would be.
    pub never_used: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryKey {
    pub name: String,
    pub columns: Vec<String>,
    pub deferrable: Deferrable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueConstraint {
    pub name: String,
    pub columns: Vec<String>,
    pub nulls_not_distinct: bool,
    pub deferrable: Deferrable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Deferrable {
    #[default]
    NotDeferrable,
    InitiallyImmediate,
    InitiallyDeferred,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FkAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }

    /// The schema file's spelling (`"set null"`).
    pub fn file_name(self) -> &'static str {
        match self {
            FkAction::NoAction => "no action",
            FkAction::Restrict => "restrict",
            FkAction::Cascade => "cascade",
            FkAction::SetNull => "set null",
            FkAction::SetDefault => "set default",
        }
    }

    pub fn from_file_name(s: &str) -> Option<Self> {
        let norm = s.trim().to_ascii_lowercase().replace('_', " ");
        Some(match norm.as_str() {
            "no action" => FkAction::NoAction,
            "restrict" => FkAction::Restrict,
            "cascade" => FkAction::Cascade,
            "set null" => FkAction::SetNull,
            "set default" => FkAction::SetDefault,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub referenced_table: QualifiedName,
    pub referenced_columns: Vec<String>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
    pub deferrable: Deferrable,
    /// `MATCH FULL` (the default is MATCH SIMPLE).
    pub match_full: bool,
    /// Created `NOT VALID` and never validated.
    pub not_valid: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckConstraint {
    pub name: String,
    /// Boolean SQL expression.
    pub expression: String,
    pub no_inherit: bool,
    pub not_valid: bool,
}

/// An exclusion constraint (`EXCLUDE USING gist (c WITH &&)`). Like a unique key, it
/// creates an index of the same name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExclusionConstraint {
    pub name: String,
    /// Everything after `EXCLUDE`, as `pg_get_constraintdef` prints it once introspected:
    /// `USING gist (c WITH &&)`, `USING gist (room WITH =, during WITH &&) WHERE ((NOT
    /// cancelled))`, with ` DEFERRABLE` / ` DEFERRABLE INITIALLY DEFERRED` at the end when
    /// so declared.
    pub definition: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    /// Access method: `btree`, `gin`, `gist`, `hash`, `brin`, `spgist`, ...
    pub method: String,
    /// Key entries as `pg_get_indexdef` prints them inside the key list, each a column name
    /// (quoted if needed) or an expression, followed by collation, operator class, `DESC`
    /// and `NULLS FIRST/LAST` when not the defaults: `project`, `lower(title)`,
    /// `created_at DESC`.
    pub keys: Vec<String>,
    /// `INCLUDE (...)` columns.
    pub include: Vec<String>,
    /// Partial index predicate (`WHERE ...`), SQL text.
    pub predicate: Option<String>,
    pub nulls_not_distinct: bool,
    /// Storage parameters (`WITH (fillfactor = 70)`) as `pg_class.reloptions` holds them,
    /// `name=value`, in declaration order (which `pg_dump` keeps; the diff ignores it).
    pub storage: Vec<String>,
    pub comment: Option<String>,
    /// Introspection only: the server does not use it (`NOT pg_index.indisvalid`), as a
    /// failed or cancelled `CREATE INDEX CONCURRENTLY` leaves it. Never the same as a
    /// declared index, so push rebuilds it.
    pub invalid: bool,
}
