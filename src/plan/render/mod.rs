//! SQL text for each change: one file per object kind, dispatched here.
//!
//! The match below is exhaustive on purpose: a new [`Change`] does not compile until it is
//! given to the file of its kind.

mod columns;
mod comments;
mod constraints;
mod enums;
mod indexes;
mod partitions;
mod policies;
mod schemas;
mod sequences;
mod tables;
mod views;

use crate::diff::Change;
use crate::model::QualifiedName;
use crate::sql::quote::{ident, qualified};

pub fn statements(change: &Change) -> Vec<String> {
    match change {
        Change::CreateSchema(..) | Change::DropSchema(..) => schemas::statements(change),
        Change::RenameTable { .. }
        | Change::CreateTable(..)
        | Change::DropTable { .. }
        | Change::SetLogged { .. } => tables::statements(change),
        Change::AttachPartition { .. } | Change::DetachPartition { .. } => {
            partitions::statements(change)
        }
        Change::RenameEnum { .. }
        | Change::CreateEnum(..)
        | Change::AddEnumValue { .. }
        | Change::RecreateEnum { .. }
        | Change::DropEnum(..) => enums::statements(change),
        Change::RenameSequence { .. }
        | Change::CreateSequence(..)
        | Change::AlterSequence { .. }
        | Change::SetSequenceOwner { .. }
        | Change::DropSequence(..) => sequences::statements(change),
        Change::RenameColumn { .. }
        | Change::AddColumn { .. }
        | Change::DropColumn { .. }
        | Change::RecreateColumn { .. }
        | Change::AlterColumnType { .. }
        | Change::SetDefault { .. }
        | Change::DropDefault { .. }
        | Change::SetNotNull { .. }
        | Change::DropNotNull { .. }
        | Change::DropExpression { .. }
        | Change::AddIdentity { .. }
        | Change::AlterIdentity { .. }
        | Change::DropIdentity { .. } => columns::statements(change),
        Change::RenameConstraint { .. }
        | Change::RenameNotNull { .. }
        | Change::AddConstraint { .. }
        | Change::DropConstraint { .. } => constraints::statements(change),
        Change::RenameIndex { .. } | Change::CreateIndex { .. } | Change::DropIndex { .. } => {
            indexes::statements(change)
        }
        Change::SetRowLevelSecurity { .. }
        | Change::CreatePolicy { .. }
        | Change::AlterPolicy { .. }
        | Change::DropPolicy { .. } => policies::statements(change),
        Change::SetComment { .. } => comments::statements(change),
        Change::RenameView { .. }
        | Change::CreateView { .. }
        | Change::DropView { .. }
        | Change::SetViewOptions { .. }
        | Change::RefreshMaterializedView { .. } => views::statements(change),
        Change::Routine(r) => super::routines::statements(r),
        Change::CreateExtension(_) | Change::AlterExtension { .. } | Change::DropExtension(_) => {
            super::extension::statements(change).unwrap_or_default()
        }
        Change::CreateDomain(_)
        | Change::RenameDomain { .. }
        | Change::AlterDomain { .. }
        | Change::DropDomain(_) => super::domain::statements(change).unwrap_or_default(),
    }
}

pub(super) fn name(q: &QualifiedName) -> String {
    qualified(&q.schema, &q.name)
}

pub(super) fn column_list(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| ident(c))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn alter_table(table: &QualifiedName) -> String {
    format!("ALTER TABLE {}", name(table))
}
