//! The pure decision: given the applied history and the files on disk, which files to
//! apply, or why to refuse. No database, no IO; unit-tested below.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use super::files::MigrationFile;

/// What the history says about one applied migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRow {
    pub version: i64,
    pub name: String,
    pub sha256: String,
}

/// A reason not to apply anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// An applied file's text changed since it was applied.
    Modified { name: String },
    /// An applied migration has no file any more.
    Missing { name: String },
    /// A file not yet applied sorts before the newest applied one.
    OutOfOrder {
        name: String,
        newest_applied: String,
    },
    /// Two files share a number.
    DuplicateNumber { version: i64, names: Vec<String> },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Modified { name } => write!(
                f,
                "{name}.sql was modified after it was applied (its sha256 differs from the history); \
                 restore the applied text (git checkout) and put the change in a new migration"
            ),
            Refusal::Missing { name } => write!(
                f,
                "{name}.sql was applied but its file is missing; restore the file \
                 (migrations that ran must stay in the folder)"
            ),
            Refusal::OutOfOrder {
                name,
                newest_applied,
            } => write!(
                f,
                "{name}.sql is not applied but sorts before {newest_applied}.sql, which is; \
                 renumber it after the newest migration (e.g. after a merge of two branches) \
                 and run `brain-db hash`"
            ),
            Refusal::DuplicateNumber { version, names } => write!(
                f,
                "{} share the number {version:04}; renumber the one not yet applied anywhere \
                 and run `brain-db hash`",
                names
                    .iter()
                    .map(|n| format!("{n}.sql"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        }
    }
}

/// Where one migration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Applied,
    Pending,
    Modified,
    Missing,
}

/// Every migration (files and history rows without a file), in version order, with its
/// state. For `status`. Linear in the number of files and rows (plus the sort).
pub fn states(applied: &[AppliedRow], files: &[MigrationFile]) -> Vec<(String, i64, State)> {
    let by_name: HashMap<&str, &AppliedRow> =
        applied.iter().map(|r| (r.name.as_str(), r)).collect();
    let file_names: HashSet<&str> = files.iter().map(|f| f.name.as_str()).collect();
    let mut out: Vec<(String, i64, State)> = files
        .iter()
        .map(|f| {
            let state = match by_name.get(f.name.as_str()) {
                None => State::Pending,
                Some(row) if row.sha256 == f.sha256 => State::Applied,
                Some(_) => State::Modified,
            };
            (f.name.clone(), f.version, state)
        })
        .collect();
    for row in applied {
        if !file_names.contains(row.name.as_str()) {
            out.push((row.name.clone(), row.version, State::Missing));
        }
    }
    out.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    out
}

/// The indices (into `files`, which is sorted by version) of the files to apply, in order;
/// or every reason to refuse. Linear in the number of files and rows: start-up runs it
/// over every file on every boot.
pub fn decide(applied: &[AppliedRow], files: &[MigrationFile]) -> Result<Vec<usize>, Vec<Refusal>> {
    let mut refusals = Vec::new();

    let mut by_version: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    for f in files {
        by_version.entry(f.version).or_default().push(&f.name);
    }
    for (version, names) in by_version {
        if names.len() > 1 {
            refusals.push(Refusal::DuplicateNumber {
                version,
                names: names.into_iter().map(str::to_string).collect(),
            });
        }
    }

    let by_name: HashMap<&str, &AppliedRow> =
        applied.iter().map(|r| (r.name.as_str(), r)).collect();
    let file_names: HashSet<&str> = files.iter().map(|f| f.name.as_str()).collect();
    for row in applied {
        if !file_names.contains(row.name.as_str()) {
            refusals.push(Refusal::Missing {
                name: row.name.clone(),
            });
        }
    }
    let newest = applied
        .iter()
        .max_by(|a, b| (a.version, &a.name).cmp(&(b.version, &b.name)));
    let mut pending = Vec::new();
    for (i, f) in files.iter().enumerate() {
        match by_name.get(f.name.as_str()) {
            Some(row) if row.sha256 != f.sha256 => refusals.push(Refusal::Modified {
                name: f.name.clone(),
            }),
            Some(_) => {}
            None => {
                if let Some(newest) = newest
                    && (f.version, &f.name) < (newest.version, &newest.name)
                {
                    refusals.push(Refusal::OutOfOrder {
                        name: f.name.clone(),
                        newest_applied: newest.name.clone(),
                    });
                } else {
                    pending.push(i);
                }
            }
        }
    }
    if refusals.is_empty() {
        Ok(pending)
    } else {
        Err(refusals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, sql: &str) -> MigrationFile {
        MigrationFile::new(&format!("{name}.sql"), sql).unwrap()
    }

    fn row(f: &MigrationFile) -> AppliedRow {
        AppliedRow {
            version: f.version,
            name: f.name.clone(),
            sha256: f.sha256.clone(),
        }
    }

    #[test]
    fn nothing_applied_applies_all_in_order() {
        let files = [file("0001_a", "a"), file("0002_b", "b")];
        assert_eq!(decide(&[], &files), Ok(vec![0, 1]));
    }

    #[test]
    fn all_applied_is_nothing_to_do() {
        let files = [file("0001_a", "a"), file("0002_b", "b")];
        let applied: Vec<_> = files.iter().map(row).collect();
        assert_eq!(decide(&applied, &files), Ok(vec![]));
    }

    #[test]
    fn new_files_after_the_newest_are_pending() {
        let files = [
            file("0001_a", "a"),
            file("0002_b", "b"),
            file("0003_c", "c"),
        ];
        assert_eq!(decide(&[row(&files[0])], &files), Ok(vec![1, 2]));
    }

    #[test]
    fn modified_file_is_refused() {
        let files = [file("0001_a", "a"), file("0002_b", "b")];
        let applied = [row(&file("0001_a", "old text"))];
        assert_eq!(
            decide(&applied, &files),
            Err(vec![Refusal::Modified {
                name: "0001_a".into()
            }])
        );
    }

    #[test]
    fn crlf_copy_of_an_applied_file_is_not_modified() {
        let applied = [row(&file("0001_a", "select 1;\nselect 2;\n"))];
        let files = [file("0001_a", "select 1;\r\nselect 2;\r\n")];
        assert_eq!(decide(&applied, &files), Ok(vec![]));
    }

    #[test]
    fn missing_file_is_refused() {
        let a = file("0001_a", "a");
        let files = [file("0002_b", "b")];
        let applied = [row(&a), row(&files[0])];
        assert_eq!(
            decide(&applied, &files),
            Err(vec![Refusal::Missing {
                name: "0001_a".into()
            }])
        );
    }

    #[test]
    fn unapplied_file_before_the_newest_applied_is_out_of_order() {
        let files = [
            file("0001_a", "a"),
            file("0002_b", "b"),
            file("0003_c", "c"),
        ];
        let applied = [row(&files[0]), row(&files[2])];
        assert_eq!(
            decide(&applied, &files),
            Err(vec![Refusal::OutOfOrder {
                name: "0002_b".into(),
                newest_applied: "0003_c".into()
            }])
        );
    }

    #[test]
    fn duplicate_number_is_refused() {
        let files = [
            file("0001_a", "a"),
            file("0002_b", "b"),
            file("0002_c", "c"),
        ];
        let err = decide(&[row(&files[0])], &files).unwrap_err();
        assert_eq!(
            err,
            vec![Refusal::DuplicateNumber {
                version: 2,
                names: vec!["0002_b".into(), "0002_c".into()]
            }]
        );
        assert!(err[0].to_string().contains("0002_b.sql and 0002_c.sql"));
    }

    #[test]
    fn every_reason_is_reported_at_once() {
        let files = [
            file("0002_b", "changed"),
            file("0003_c", "c"),
            file("0004_d", "d"),
        ];
        let applied = [
            row(&file("0001_a", "a")),
            row(&file("0002_b", "b")),
            row(&files[2]),
        ];
        let err = decide(&applied, &files).unwrap_err();
        assert_eq!(err.len(), 3, "{err:?}");
    }

    #[test]
    fn states_cover_every_kind() {
        let files = [
            file("0002_b", "changed"),
            file("0003_c", "c"),
            file("0004_d", "d"),
        ];
        let applied = [
            row(&file("0001_a", "a")),
            row(&file("0002_b", "b")),
            row(&files[1]),
        ];
        let s: Vec<_> = states(&applied, &files)
            .into_iter()
            .map(|(n, _, s)| (n, s))
            .collect();
        assert_eq!(
            s,
            vec![
                ("0001_a".into(), State::Missing),
                ("0002_b".into(), State::Modified),
                ("0003_c".into(), State::Applied),
                ("0004_d".into(), State::Pending),
            ]
        );
    }
}
