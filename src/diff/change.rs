//! The change vocabulary: one typed change per thing `plan` can do, with no SQL text.

use crate::model::{
    CheckConstraint, Column, Enum, ExclusionConstraint, ForeignKey, Identity, Index, Policy,
    PrimaryKey, QualifiedName, RowLevelSecurity, Sequence, SequenceOptions, Table,
    UniqueConstraint, View, ViewKind,
};

use super::ViewDropReason;
use crate::model::depend::ObjectRef;

/// What a comment is attached to.
#[derive(Debug, Clone, PartialEq)]
pub enum CommentTarget {
    Table(QualifiedName),
    Column(QualifiedName, String),
    Index(QualifiedName),
    /// A constraint (by name) of a table.
    Constraint(QualifiedName, String),
    Enum(QualifiedName),
    Sequence(QualifiedName),
    /// A policy (by name) of a table.
    Policy(QualifiedName, String),
    View(QualifiedName),
    MaterializedView(QualifiedName),
}

/// A table constraint that can be added on its own.
#[derive(Debug, Clone, PartialEq)]
pub enum Constraint {
    PrimaryKey(PrimaryKey),
    Unique(UniqueConstraint),
    Check(CheckConstraint),
    ForeignKey(ForeignKey),
    Exclusion(ExclusionConstraint),
}

impl Constraint {
    pub fn set_name(&mut self, name: String) {
        match self {
            Constraint::PrimaryKey(c) => c.name = name,
            Constraint::Unique(c) => c.name = name,
            Constraint::Check(c) => c.name = name,
            Constraint::ForeignKey(c) => c.name = name,
            Constraint::Exclusion(c) => c.name = name,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Constraint::PrimaryKey(c) => &c.name,
            Constraint::Unique(c) => &c.name,
            Constraint::Check(c) => &c.name,
            Constraint::ForeignKey(c) => &c.name,
            Constraint::Exclusion(c) => &c.name,
        }
    }
}

/// Where a new enum value goes.
#[derive(Debug, Clone, PartialEq)]
pub enum EnumPosition {
    Last,
    Before(String),
    After(String),
}

/// One typed change. `plan` turns each into SQL statements and hazards.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    CreateSchema(String),
    /// A schema the file neither lists nor uses, with `drop_other_schemas`: dropped
    /// (`RESTRICT`) once every object of it brain-db reads is gone.
    DropSchema(String),
    RenameTable {
        from: QualifiedName,
        to: String,
    },
    RenameEnum {
        from: QualifiedName,
        to: String,
    },
    RenameSequence {
        from: QualifiedName,
        to: String,
    },
    RenameColumn {
        table: QualifiedName,
        from: String,
        to: String,
    },
    RenameConstraint {
        table: QualifiedName,
        from: String,
        to: String,
    },
    RenameIndex {
        index: QualifiedName,
        to: String,
    },
    /// A column's NOT NULL constraint to the name PostgreSQL 18 gives it, when a table or
    /// column rename left the old one. Rendered to run on every major: servers before 18
    /// have no such constraint, and a generated migration does not know its server.
    RenameNotNull {
        table: QualifiedName,
        from: String,
        to: String,
    },
    CreateEnum(Enum),
    AddEnumValue {
        name: QualifiedName,
        value: String,
        position: EnumPosition,
    },
    /// Values removed or reordered: the type is rebuilt and the columns converted.
    RecreateEnum {
        old: Enum,
        new: Enum,
        columns: Vec<EnumColumn>,
        removed: Vec<String>,
    },
    DropEnum(QualifiedName),
    CreateSequence(Sequence),
    AlterSequence {
        name: QualifiedName,
        from: SequenceOptions,
        to: SequenceOptions,
    },
    SetSequenceOwner {
        name: QualifiedName,
        owner: Option<(QualifiedName, String)>,
    },
    DropSequence(QualifiedName),
    /// A new table with its columns, primary key, unique and check constraints (foreign
    /// keys and indexes come as their own changes).
    CreateTable(Table),
    /// `parent`: the table is a partition of it (dropped before it).
    DropTable {
        name: QualifiedName,
        parent: Option<QualifiedName>,
        reason: TableDropReason,
    },
    /// `ALTER TABLE parent ATTACH PARTITION table FOR VALUES bounds`: an existing table
    /// becomes a partition (its rows stay; the server checks that they fit).
    AttachPartition {
        table: QualifiedName,
        parent: QualifiedName,
        bounds: String,
    },
    /// `ALTER TABLE parent DETACH PARTITION table`: the partition becomes a table of its
    /// own, rows and all (or is attached again with other bounds).
    DetachPartition {
        table: QualifiedName,
        parent: QualifiedName,
    },
    SetLogged {
        table: QualifiedName,
        unlogged: bool,
    },
    AddColumn {
        table: QualifiedName,
        column: Column,
    },
    DropColumn {
        table: QualifiedName,
        column: String,
    },
    /// A column whose generation expression changed: dropped here, and added again by an
    /// [`Change::AddColumn`] that follows (after every drop, so that the plan can free
    /// names and dependencies in between).
    RecreateColumn {
        table: QualifiedName,
        column: Column,
    },
    AlterColumnType {
        table: QualifiedName,
        column: String,
        from: String,
        to: String,
        collation: Option<String>,
        /// Convert through `text`: there is no direct cast between an enum and another
        /// type (PostgreSQL casts enums only to and from text).
        via_text: bool,
    },
    SetDefault {
        table: QualifiedName,
        column: String,
        expression: String,
    },
    DropDefault {
        table: QualifiedName,
        column: String,
    },
    SetNotNull {
        table: QualifiedName,
        column: String,
    },
    DropNotNull {
        table: QualifiedName,
        column: String,
    },
    DropExpression {
        table: QualifiedName,
        column: String,
    },
    AddIdentity {
        table: QualifiedName,
        column: String,
        identity: Identity,
    },
    AlterIdentity {
        table: QualifiedName,
        column: String,
        data_type: String,
        from: Identity,
        to: Identity,
    },
    DropIdentity {
        table: QualifiedName,
        column: String,
    },
    AddConstraint {
        table: QualifiedName,
        constraint: Constraint,
    },
    DropConstraint {
        table: QualifiedName,
        constraint: Constraint,
    },
    CreateIndex {
        table: QualifiedName,
        index: Index,
    },
    DropIndex {
        table: QualifiedName,
        index: Index,
    },
    SetComment {
        target: CommentTarget,
        comment: Option<String>,
    },
    CreateExtension(crate::model::Extension),
    /// `SET SCHEMA` and/or `UPDATE TO`, when the file names a schema or version.
    AlterExtension {
        name: String,
        schema: Option<String>,
        version: Option<String>,
    },
    DropExtension(crate::model::Extension),
    CreateDomain(crate::model::Domain),
    RenameDomain {
        from: QualifiedName,
        to: String,
    },
    AlterDomain {
        name: QualifiedName,
        action: super::domain::DomainAlter,
    },
    /// The live domain.
    DropDomain(crate::model::Domain),
    SetRowLevelSecurity {
        table: QualifiedName,
        from: RowLevelSecurity,
        to: RowLevelSecurity,
    },
    /// `enforced`, here and on the other policy changes: the table enforces row-level
    /// security before and after the plan, so the change alters who sees which rows at
    /// once (the plan's access-widening guard looks at it).
    ///
    /// `uses`, here and on the other policy changes: the functions, relations and types
    /// the policy's expressions name (what they need, or, for a drop, what the live
    /// policy depended on in `pg_depend`), filled in once every change is known
    /// (`policies::attach_uses`). The plan orders the policy after (a drop: before) them.
    CreatePolicy {
        table: QualifiedName,
        policy: Policy,
        enforced: bool,
        uses: Vec<ObjectRef>,
    },
    /// In place where PostgreSQL allows (`ALTER POLICY`: roles, expressions), else
    /// dropped and created again (command, permissive / restrictive).
    AlterPolicy {
        table: QualifiedName,
        from: Policy,
        to: Policy,
        enforced: bool,
        uses: Vec<ObjectRef>,
    },
    DropPolicy {
        table: QualifiedName,
        policy: Policy,
        enforced: bool,
        uses: Vec<ObjectRef>,
    },
    RenameView {
        from: QualifiedName,
        to: String,
        kind: ViewKind,
    },
    /// `replace`: `CREATE OR REPLACE VIEW` over the live one (same leading columns).
    CreateView {
        view: View,
        replace: bool,
    },
    /// `populated`: a materialized view holding rows (they are recomputed if it is
    /// created again).
    DropView {
        name: QualifiedName,
        kind: ViewKind,
        reason: ViewDropReason,
        populated: bool,
    },
    SetViewOptions {
        name: QualifiedName,
        set: Vec<(String, String)>,
        reset: Vec<String>,
    },
    RefreshMaterializedView {
        name: QualifiedName,
        with_data: bool,
    },
    /// Functions, procedures and triggers (see [`super::functions`]).
    Routine(super::functions::RoutineChange),
}

/// Why a table is dropped.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TableDropReason {
    /// schema.toml does not declare it.
    Undeclared,
    /// Its partition key changes (`from` and `to` as the server prints them, `None` for
    /// not partitioned), which PostgreSQL cannot alter: it is created again, empty.
    Repartitioned {
        from: Option<String>,
        to: Option<String>,
    },
    /// It is a partition of a table that is created again (see `Repartitioned`).
    ParentRebuilt(QualifiedName),
}

/// A column whose type is (an array of) an enum being rebuilt.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumColumn {
    pub table: QualifiedName,
    pub column: String,
    pub data_type: String,
    pub default: Option<String>,
}
