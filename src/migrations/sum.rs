//! `migrations/brain-db.sum`: the sha256 of each migration file and a total over them, so
//! that an edited file, or two branches that both added the same number, are caught.
//!
//! Format (one line per file, in version order, after the total):
//! ```text
//! total 5f2c…
//! 0001_init.sql 9a1e…
//! 0002_add_tags.sql 03bd…
//! ```

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::files::{FilesError, Migrations, read_text, sha256_hex};

/// The sum file's name inside the migrations folder.
pub const SUM_FILE: &str = "brain-db.sum";

/// The sum file's text for a set of migrations.
pub fn render(migrations: &Migrations) -> String {
    let lines: String = migrations
        .files
        .iter()
        .map(|f| format!("{}.sql {}\n", f.name, f.sha256))
        .collect();
    format!("total {}\n{lines}", sha256_hex(&lines))
}

/// How the folder differs from its sum file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SumMismatch {
    /// Files whose hash differs from the recorded one.
    pub changed: Vec<String>,
    /// Files on disk the sum file does not list.
    pub unlisted: Vec<String>,
    /// Files the sum file lists that are not on disk.
    pub missing: Vec<String>,
    /// The total line does not match the listed lines (the sum file itself was edited or
    /// merged by hand).
    pub bad_total: bool,
}

impl SumMismatch {
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty()
            && self.unlisted.is_empty()
            && self.missing.is_empty()
            && !self.bad_total
    }
}

impl std::fmt::Display for SumMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the migrations folder does not match {SUM_FILE}:")?;
        for n in &self.changed {
            write!(f, "\n  - {n}: changed since the sum was written")?;
        }
        for n in &self.unlisted {
            write!(
                f,
                "\n  - {n}: not in the sum (added by hand or by another branch)"
            )?;
        }
        for n in &self.missing {
            write!(f, "\n  - {n}: listed in the sum but missing")?;
        }
        if self.bad_total {
            write!(
                f,
                "\n  - the total line does not match the listed files (edited or merged by hand)"
            )?;
        }
        write!(
            f,
            "\nif the change is deliberate and the files are not applied anywhere yet, run `brain-db hash`; \
             after a merge, renumber the colliding migration first"
        )
    }
}

/// Compares a sum file's text with the folder's files, in time linear in their number.
pub fn compare(sum_text: &str, migrations: &Migrations) -> SumMismatch {
    let text = super::files::canonical(sum_text);
    let mut total = None;
    let mut listed: Vec<(String, String)> = Vec::new();
    let mut listed_lines = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, hash)) = line.split_once(' ') else {
            continue;
        };
        if name == "total" {
            total = Some(hash.trim().to_string());
        } else {
            listed_lines.push_str(&format!("{name} {}\n", hash.trim()));
            listed.push((name.to_string(), hash.trim().to_string()));
        }
    }
    let mut out = SumMismatch {
        bad_total: total.as_deref() != Some(sha256_hex(&listed_lines).as_str()),
        ..SumMismatch::default()
    };
    let hash_of: HashMap<&str, &str> = listed
        .iter()
        .map(|(name, hash)| (name.as_str(), hash.as_str()))
        .collect();
    let on_disk: HashSet<String> = migrations.files.iter().map(|f| f.file_name()).collect();
    for f in &migrations.files {
        let file_name = f.file_name();
        match hash_of.get(file_name.as_str()) {
            None => out.unlisted.push(file_name),
            Some(hash) if *hash != f.sha256 => out.changed.push(file_name),
            Some(_) => {}
        }
    }
    for (name, _) in &listed {
        if !on_disk.contains(name) {
            out.missing.push(name.clone());
        }
    }
    out
}

/// What the folder's sum file says about the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SumCheck {
    /// No sum file: accepted (hand-written migrations), with a warning.
    Absent,
    Matches,
    Mismatch(SumMismatch),
}

pub fn sum_path(dir: &Path) -> PathBuf {
    dir.join(SUM_FILE)
}

/// What the sum file that came with `migrations` (read by `Migrations::from_dir` or
/// embedded with the files) says about them.
pub fn check(migrations: &Migrations) -> SumCheck {
    match &migrations.sum {
        None => SumCheck::Absent,
        Some(text) => {
            let m = compare(text, migrations);
            if m.is_empty() {
                SumCheck::Matches
            } else {
                SumCheck::Mismatch(m)
            }
        }
    }
}

/// Reads `dir/brain-db.sum` (if any) and compares it with `migrations`. A sum file that
/// cannot be read, or is not UTF-8, is an error naming it.
pub fn check_dir(dir: &Path, migrations: &Migrations) -> Result<SumCheck, FilesError> {
    let path = sum_path(dir);
    if !path.exists() {
        return Ok(SumCheck::Absent);
    }
    let m = compare(&read_text(&path)?, migrations);
    Ok(if m.is_empty() {
        SumCheck::Matches
    } else {
        SumCheck::Mismatch(m)
    })
}

/// Writes `dir/brain-db.sum` for the folder's migrations.
pub fn write_dir(dir: &Path, migrations: &Migrations) -> std::io::Result<()> {
    std::fs::write(sum_path(dir), render(migrations))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migs(files: &[(&str, &str)]) -> Migrations {
        Migrations::from_static(files).unwrap()
    }

    #[test]
    fn rendered_sum_matches_its_folder() {
        let m = migs(&[("0001_a.sql", "a"), ("0002_b.sql", "b")]);
        let text = render(&m);
        assert!(text.starts_with("total "));
        assert!(compare(&text, &m).is_empty());
        // CRLF line endings of the sum file itself are fine too.
        assert!(compare(&text.replace('\n', "\r\n"), &m).is_empty());
    }

    #[test]
    fn edits_additions_and_removals_are_named() {
        let m = migs(&[("0001_a.sql", "a"), ("0002_b.sql", "b")]);
        let text = render(&m);
        let changed = migs(&[("0001_a.sql", "a2"), ("0003_c.sql", "c")]);
        let d = compare(&text, &changed);
        assert_eq!(d.changed, ["0001_a.sql"]);
        assert_eq!(d.unlisted, ["0003_c.sql"]);
        assert_eq!(d.missing, ["0002_b.sql"]);
        assert!(!d.bad_total);
    }

    #[test]
    fn two_branches_merged_by_hand_break_the_total() {
        let base = migs(&[("0001_a.sql", "a")]);
        let mut text = render(&base);
        text.push_str("0002_b.sql 1234\n");
        let d = compare(&text, &base);
        assert!(d.bad_total);
        assert_eq!(d.missing, ["0002_b.sql"]);
    }
}
