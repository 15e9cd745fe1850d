//! Migration files: discovery (`NNNN_name.sql`), canonical text and its sha256.
//!
//! The canonical form of a file is its text with a leading byte-order mark removed and
//! every CRLF turned into LF, so that a checkout with Windows line endings hashes the same.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The first line that makes a file run outside a transaction, statement by statement.
pub const NO_TRANSACTION_MARKER: &str = "-- brain-db:no-transaction";

/// One migration: its number, file name and canonical SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    /// The leading number of the file name (`0003` → 3).
    pub version: i64,
    /// The file name without `.sql` (`0003_add_tags`); the history's `name`.
    pub name: String,
    /// Canonical text (no BOM, LF line endings).
    pub sql: String,
    /// Hex sha256 of `sql`.
    pub sha256: String,
    /// The first line is [`NO_TRANSACTION_MARKER`].
    pub no_transaction: bool,
}

impl MigrationFile {
    /// Builds a migration from its file name (`0003_add_tags.sql`) and raw text.
    pub fn new(file_name: &str, text: &str) -> Result<MigrationFile, FilesError> {
        let name = file_name
            .strip_suffix(".sql")
            .ok_or_else(|| FilesError::BadName(file_name.to_string()))?;
        let version =
            parse_version(name).ok_or_else(|| FilesError::BadName(file_name.to_string()))?;
        let sql = canonical(text);
        let no_transaction = sql
            .lines()
            .next()
            .is_some_and(|l| l.trim_end() == NO_TRANSACTION_MARKER);
        Ok(MigrationFile {
            version,
            name: name.to_string(),
            sha256: sha256_hex(&sql),
            sql,
            no_transaction,
        })
    }

    /// `0003_add_tags.sql`.
    pub fn file_name(&self) -> String {
        format!("{}.sql", self.name)
    }
}

/// `0003_add_tags` → 3; `None` unless the name is digits, `_`, then at least one character.
fn parse_version(name: &str) -> Option<i64> {
    let (digits, rest) = name.split_once('_')?;
    if digits.is_empty() || rest.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Errors reading a migrations folder.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "migration file {0} is not named NNNN_name.sql; rename it (e.g. 0001_init.sql) or move it out of the migrations folder"
    )]
    BadName(String),
}

/// The text with a leading BOM removed and CRLF turned into LF.
pub fn canonical(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.replace("\r\n", "\n")
}

/// Lower-case hex sha256 of a text.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A set of migrations, sorted by (version, name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Migrations {
    pub files: Vec<MigrationFile>,
    /// The text of the folder's `brain-db.sum`, when it has one (checked by
    /// `migrate_database` before anything runs).
    pub sum: Option<String>,
}

impl Migrations {
    /// Reads every `*.sql` file of `dir` (not its subfolders). A missing folder holds no
    /// migrations.
    pub fn from_dir(dir: &Path) -> Result<Migrations, FilesError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Migrations::default());
            }
            Err(source) => {
                return Err(FilesError::Read {
                    path: dir.to_path_buf(),
                    source,
                });
            }
        };
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| FilesError::Read {
                path: dir.to_path_buf(),
                source,
            })?;
            let path = entry.path();
            let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if !file_name.ends_with(".sql") || !path.is_file() {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|source| FilesError::Read {
                path: path.clone(),
                source,
            })?;
            files.push(MigrationFile::new(file_name, &text)?);
        }
        let sum_path = dir.join(super::sum::SUM_FILE);
        let sum = match std::fs::read_to_string(&sum_path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(FilesError::Read {
                    path: sum_path,
                    source,
                });
            }
        };
        Ok(Migrations {
            sum,
            ..Migrations::sorted(files)
        })
    }

    /// Migrations given as `(file name, text)` pairs, e.g. compiled into the binary with
    /// `include_str!`.
    pub fn from_static(files: &[(&str, &str)]) -> Result<Migrations, FilesError> {
        let files = files
            .iter()
            .map(|(name, text)| MigrationFile::new(name, text))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Migrations::sorted(files))
    }

    /// Migrations embedded with `include_dir!` (the `*.sql` files at the folder's top level).
    pub fn from_include_dir(dir: &include_dir::Dir<'_>) -> Result<Migrations, FilesError> {
        let mut files = Vec::new();
        let mut sum = None;
        for file in dir.files() {
            let Some(file_name) = file.path().file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if file_name == super::sum::SUM_FILE {
                let text = file.contents_utf8().ok_or_else(|| FilesError::Read {
                    path: file.path().to_path_buf(),
                    source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"),
                })?;
                sum = Some(text.to_string());
                continue;
            }
            if !file_name.ends_with(".sql") {
                continue;
            }
            let text = file.contents_utf8().ok_or_else(|| FilesError::Read {
                path: file.path().to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"),
            })?;
            files.push(MigrationFile::new(file_name, text)?);
        }
        Ok(Migrations {
            sum,
            ..Migrations::sorted(files)
        })
    }

    fn sorted(mut files: Vec<MigrationFile>) -> Migrations {
        files.sort_by(|a, b| (a.version, &a.name).cmp(&(b.version, &b.name)));
        Migrations { files, sum: None }
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The number the next generated file gets.
    pub fn next_version(&self) -> i64 {
        self.files.iter().map(|f| f.version).max().unwrap_or(0) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_bom_hash_like_lf() {
        let lf = MigrationFile::new("0001_a.sql", "create table t (id int);\nselect 1;\n").unwrap();
        let crlf = MigrationFile::new(
            "0001_a.sql",
            "\u{feff}create table t (id int);\r\nselect 1;\r\n",
        )
        .unwrap();
        assert_eq!(lf.sha256, crlf.sha256);
        assert_eq!(lf.sql, crlf.sql);
        assert_eq!(lf.sha256.len(), 64);
    }

    #[test]
    fn names_and_markers() {
        let f =
            MigrationFile::new("0012_add_tags.sql", "-- brain-db:no-transaction\r\nx;").unwrap();
        assert_eq!(f.version, 12);
        assert_eq!(f.name, "0012_add_tags");
        assert!(f.no_transaction);
        assert!(MigrationFile::new("init.sql", "").is_err());
        assert!(MigrationFile::new("0001.sql", "").is_err());
        assert!(MigrationFile::new("01a_x.sql", "").is_err());
    }

    #[test]
    fn sorted_by_version() {
        let m = Migrations::from_static(&[("0010_b.sql", ""), ("0002_a.sql", "")]).unwrap();
        let names: Vec<_> = m.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["0002_a", "0010_b"]);
        assert_eq!(m.next_version(), 11);
    }
}
