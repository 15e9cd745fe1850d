//! `generate`: the next migration file, computed from a snapshot of the schema the
//! existing migrations produce (`migrations/meta/snapshot.toml`) and schema.toml.
//!
//! The starting state comes from the snapshot, never from a live database, so running
//! `push` on a development database and then `generate` still yields the right file.
//! Both sides are declared text: to compare them exactly as push compares schema.toml
//! with a live database, every expression of both is first rewritten in the server's
//! spelling ([`canonicalize_all`]) in a scratch database the caller provides, so that two
//! spellings push calls identical (`status in ('a','b')`, `status = ANY (ARRAY[...])`)
//! generate nothing, and the SQL written holds the server's unambiguous constants (ISO
//! dates, explicit offsets).

use std::path::{Path, PathBuf};

use tokio_postgres::Client;

use super::files::{FilesError, Migrations};
use super::sum;
use crate::apply::canonicalize::canonicalize_all;
use crate::diff;
use crate::introspect::IntrospectError;
use crate::model::Schema;
use crate::plan::{self, Hazard, Plan};
use crate::schema_file::{self, SchemaFileError};

/// The snapshot's path relative to the migrations folder.
pub const SNAPSHOT: &str = "meta/snapshot.toml";

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Files(#[from] FilesError),
    #[error(transparent)]
    Snapshot(SchemaFileError),
    #[error(
        "{dir} holds {count} migration(s) but no {SNAPSHOT}, the schema they produce; \
         write it from a database migrated with exactly these files: \
         `brain-db pull --out {dir}/{SNAPSHOT}`"
    )]
    NoSnapshot { dir: String, count: usize },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid migration name {0:?}: use letters, digits, '_' and '-'")]
    BadName(String),
    #[error("canonicalising expressions in the scratch database: {0}")]
    Canonicalize(#[from] IntrospectError),
    /// The snapshot holds both names of a declared rename.
    #[error(transparent)]
    Rename(#[from] diff::RenameConflict),
    #[error(transparent)]
    Cycle(#[from] plan::order::CycleError),
    /// The scratch server is too old for a declaration (virtual columns before 18).
    #[error(transparent)]
    NeedsNewerServer(#[from] crate::apply::requires::NeedsNewerServer),
}

/// One written file.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub path: PathBuf,
    pub statements: usize,
}

/// What generate did.
#[derive(Debug, Clone, PartialEq)]
pub enum Generated {
    NoChanges,
    Files {
        files: Vec<Written>,
        /// Destructive steps, each marked in its file by a `-- destructive:` comment.
        hazards: Vec<Hazard>,
    },
}

/// The schema the existing migrations produce, from the snapshot (empty when there are
/// neither migrations nor a snapshot).
pub fn read_snapshot(dir: &Path, migrations: &Migrations) -> Result<Schema, GenerateError> {
    let path = dir.join(SNAPSHOT);
    if path.exists() {
        // Unreadable or not UTF-8: an error naming the snapshot (never "cannot write").
        let text = super::files::read_text(&path)?;
        return schema_file::parse(&text, &path.display().to_string())
            .map_err(GenerateError::Snapshot);
    }
    if migrations.is_empty() {
        Ok(schema_file::parse("", SNAPSHOT).map_err(GenerateError::Snapshot)?)
    } else {
        Err(GenerateError::NoSnapshot {
            dir: dir.display().to_string(),
            count: migrations.len(),
        })
    }
}

/// The model as a snapshot keeps it: no rename hints (they are intentions, not state) and
/// constraint and index lists sorted by name, so that write → parse is the identity.
pub fn snapshot_of(desired: &Schema) -> Schema {
    let mut s = desired.clone();
    for e in s.enums.values_mut() {
        e.renamed_from = None;
    }
    for t in s.tables.values_mut() {
        t.renamed_from = None;
        for c in &mut t.columns {
            c.renamed_from = None;
        }
        t.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        t.checks.sort_by(|a, b| a.name.cmp(&b.name));
        t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    s
}

/// What generate starts from, read and checked before any server is contacted.
pub struct Start {
    migrations: Migrations,
    snapshot: Schema,
}

/// Checks the name and reads the migrations folder and its snapshot.
pub fn start(dir: &Path, name: Option<&str>) -> Result<Start, GenerateError> {
    if let Some(n) = name {
        check_name(n)?;
    }
    let migrations = Migrations::from_dir(dir)?;
    let snapshot = read_snapshot(dir, &migrations)?;
    Ok(Start {
        migrations,
        snapshot,
    })
}

/// Writes the migration(s) that take the snapshot to `desired`, then the new snapshot and
/// the sum. Statements that must be committed before use (new enum values) go into a file
/// of their own before the rest. `scratch` is a session on a scratch database (see the
/// module documentation); nothing is left in it.
pub async fn generate(
    scratch: &mut Client,
    dir: &Path,
    start: Start,
    desired: &Schema,
    name: Option<&str>,
) -> Result<Generated, GenerateError> {
    let Start {
        migrations,
        mut snapshot,
    } = start;
    match crate::apply::requires::check(scratch, desired).await {
        Ok(()) => {}
        Err(crate::apply::requires::RequiresError::Introspect(e)) => return Err(e.into()),
        Err(crate::apply::requires::RequiresError::NeedsNewerServer(e)) => return Err(e.into()),
    }
    let target = snapshot_of(desired);
    let mut canonical = desired.clone();
    canonicalize_all(scratch, &mut canonical).await?;
    canonicalize_all(scratch, &mut snapshot).await?;
    diff::assume_not_null_names(&mut snapshot);
    // Diff from the declared model: its rename hints turn drop + add into a rename.
    let plan = plan::plan(diff::diff(&canonical, snapshot)?)?;
    if plan.is_empty() {
        return Ok(Generated::NoChanges);
    }
    let hazards: Vec<Hazard> = (plan.hazards().into_iter())
        .filter(|h| h.refuses())
        .cloned()
        .collect();
    let (early, rest): (Vec<_>, Vec<_>) = plan.steps.iter().cloned().partition(|s| s.commit_first);
    let base = match name {
        Some(n) => n.to_string(),
        None if migrations.is_empty() => "init".to_string(),
        None => slug(&plan),
    };
    let mut files = Vec::new();
    let parts: Vec<(String, Plan)> = match (early.is_empty(), rest.is_empty()) {
        (false, false) => vec![
            (format!("{base}_enum_values"), Plan::of_steps(early)),
            (base, Plan::of_steps(rest)),
        ],
        (false, true) => vec![(base, Plan::of_steps(early))],
        _ => vec![(base, Plan::of_steps(rest))],
    };
    for (version, (stem, part)) in (migrations.next_version()..).zip(parts) {
        let path = dir.join(format!("{version:04}_{stem}.sql"));
        write(&path, &render(&part))?;
        files.push(Written {
            path,
            statements: part.steps.len(),
        });
    }
    finish(dir, Some(&target))?;
    Ok(Generated::Files { files, hazards })
}

/// `generate --empty`: an empty file for hand-written SQL, added to the sum.
pub fn generate_empty(dir: &Path, name: &str) -> Result<PathBuf, GenerateError> {
    check_name(name)?;
    let migrations = Migrations::from_dir(dir)?;
    let path = dir.join(format!("{:04}_{name}.sql", migrations.next_version()));
    write(
        &path,
        "-- hand-written migration; first line `-- brain-db:no-transaction` to run it outside a\n\
         -- transaction (e.g. CREATE INDEX CONCURRENTLY). Schema changes made here must also be\n\
         -- declared in schema.toml and in meta/snapshot.toml; `brain-db check` verifies it.\n",
    )?;
    finish(dir, None)?;
    Ok(path)
}

/// Rewrites the sum (and the snapshot when given).
fn finish(dir: &Path, snapshot: Option<&Schema>) -> Result<(), GenerateError> {
    if let Some(s) = snapshot {
        let path = dir.join(SNAPSHOT);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| GenerateError::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let text = format!(
            "# The schema the migrations in this folder produce, kept by `brain-db generate`.\n\
             # Do not edit by hand unless a hand-written migration changed the schema.\n{}",
            schema_file::write(s)
        );
        write(&path, &text)?;
    }
    let migrations = Migrations::from_dir(dir)?;
    sum::write_dir(dir, &migrations).map_err(|source| GenerateError::Write {
        path: sum::sum_path(dir),
        source,
    })
}

fn write(path: &Path, text: &str) -> Result<(), GenerateError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| GenerateError::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(|source| GenerateError::Write {
        path: path.to_path_buf(),
        source,
    })
}

fn check_name(name: &str) -> Result<(), GenerateError> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(GenerateError::BadName(name.to_string()));
    }
    Ok(())
}

/// The file's text: each statement ended by `;`, destructive ones preceded by a comment.
pub fn render(plan: &Plan) -> String {
    let mut out = String::from("-- generated by brain-db from schema.toml\n");
    for step in &plan.steps {
        out.push('\n');
        if let Some(h) = &step.hazard {
            out.push_str(&format!("-- {}: {h}\n", h.label()));
        }
        out.push_str(&step.sql);
        out.push_str(";\n");
    }
    out
}

/// A readable name from the first statement's head (up to its first `(` or line end):
/// `CREATE TABLE public.tasks (…` → `create_tasks`, `ALTER TABLE public.tasks ADD COLUMN
/// estimate integer` → `tasks_add_column_estimate`; `_and_more` when there are others.
pub fn slug(plan: &Plan) -> String {
    const NOISE: [&str; 8] = [
        "alter", "table", "if", "not", "exists", "only", "on", "public",
    ];
    let first = plan.steps.first().map_or("", |s| s.sql.as_str());
    let head = first.split(['(', '\n']).next().unwrap_or("");
    // An index's name says enough: stop before its table.
    let head = head.split(" ON ").next().unwrap_or(head);
    let words: Vec<String> = head
        .split_whitespace()
        .map(|w| {
            let w = w.rsplit('.').next().unwrap_or(w);
            w.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
                .trim_matches('_')
                .to_string()
        })
        .filter(|w| !w.is_empty() && !NOISE.contains(&w.as_str()))
        .take(4)
        .collect();
    let mut s = words.join("_");
    s.truncate(40);
    let s = s.trim_matches('_').to_string();
    let s = if s.is_empty() {
        "changes".to_string()
    } else {
        s
    };
    if plan.steps.len() > 1 {
        format!("{s}_and_more")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Step;

    fn plan(sqls: &[&str]) -> Plan {
        Plan::of_steps(
            sqls.iter()
                .map(|s| Step {
                    sql: (*s).to_string(),
                    hazard: None,
                    commit_first: false,
                })
                .collect(),
        )
    }

    #[test]
    fn slugs_read_like_the_change() {
        assert_eq!(
            slug(&plan(&["CREATE TABLE public.tasks (\n  id int\n)"])),
            "create_tasks"
        );
        assert_eq!(
            slug(&plan(&[
                "ALTER TABLE public.tasks ADD COLUMN estimate integer",
                "x"
            ])),
            "tasks_add_column_estimate_and_more"
        );
        assert_eq!(
            slug(&plan(&[
                "CREATE INDEX tasks_title_idx ON public.tasks USING btree (lower(title))"
            ])),
            "create_index_tasks_title_idx"
        );
        assert_eq!(
            slug(&plan(&["ALTER TABLE \"Odd Name\" DROP COLUMN x"])),
            "odd_name_drop_column"
        );
    }
}
