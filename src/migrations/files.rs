//! Migration files: discovery (`NNNN_name.sql`), canonical text and its sha256.
//!
//! A migration's file name is at least four digits, `_`, a name of ASCII letters, digits,
//! `_` and `-`, and `.sql` in lower case (`0003_add_tags.sql`). Any other file in the folder
//! that *looks like* a migration is an error naming it rather than silently skipped: a name
//! ending in `.sql` in any case (`0001_x.SQL`, `1_x.sql`, `0001-x.sql`, `init.sql`) or
//! starting with a digit (`0001_x.sql.bak`, `0002_y.txt`). Everything else is left alone:
//! `brain-db.sum`, hidden files (`.gitkeep`, editor swap files), subfolders (`meta/`),
//! `README.md` and other notes.
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
        let (version, name) =
            parse_file_name(file_name).ok_or_else(|| FilesError::BadName(file_name.to_string()))?;
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

/// The fewest digits a migration number has (`0001`).
const MIN_DIGITS: usize = 4;

/// `0003_add_tags.sql` → (3, `0003_add_tags`); `None` unless the name follows
/// `NNNN_name.sql` (see the module documentation).
fn parse_file_name(file_name: &str) -> Option<(i64, &str)> {
    let name = file_name.strip_suffix(".sql")?;
    let (digits, rest) = name.split_once('_')?;
    let valid = digits.len() >= MIN_DIGITS
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid {
        return None;
    }
    Some((digits.parse().ok()?, name))
}

/// What a file at the top of the migrations folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Migration,
    /// Looks like a migration but does not follow `NNNN_name.sql`: an error.
    Misnamed,
    /// The sum file, notes, hidden files: not brain-db's business.
    Other,
}

fn classify(file_name: &str) -> Entry {
    if parse_file_name(file_name).is_some() {
        Entry::Migration
    } else if file_name.starts_with('.') || file_name == super::sum::SUM_FILE {
        Entry::Other
    } else if file_name.to_ascii_lowercase().ends_with(".sql")
        || file_name.starts_with(|c: char| c.is_ascii_digit())
    {
        Entry::Misnamed
    } else {
        Entry::Other
    }
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
        "the migrations folder {} does not exist; check --migrations (run from the project folder), \
         or create it with `brain-db generate`",
        .0.display()
    )]
    NoFolder(PathBuf),
    #[error("{} is not UTF-8 text (invalid byte at line {line}); save it as UTF-8", path.display())]
    NotUtf8 { path: PathBuf, line: usize },
    #[error(
        "migration file {0} is not named NNNN_name.sql (at least 4 digits, `_`, a name of letters, \
         digits, `_` or `-`, then `.sql` in lower case); rename it (e.g. 0001_init.sql) or move it \
         out of the migrations folder"
    )]
    BadName(String),
}

/// The text of a file, or an error naming it (missing, unreadable, or not UTF-8).
pub fn read_text(path: &Path) -> Result<String, FilesError> {
    let bytes = std::fs::read(path).map_err(|source| FilesError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    utf8(path, bytes)
}

fn utf8(path: &Path, bytes: Vec<u8>) -> Result<String, FilesError> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        FilesError::NotUtf8 {
            path: path.to_path_buf(),
            line: 1 + e.as_bytes()[..valid]
                .iter()
                .filter(|&&b| b == b'\n')
                .count(),
        }
    })
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
    /// Reads the migrations of an existing folder: a missing folder is an error
    /// ([`FilesError::NoFolder`]), so that a mistyped `--migrations` never reads as
    /// "nothing to do".
    pub fn from_existing_dir(dir: &Path) -> Result<Migrations, FilesError> {
        if !dir.is_dir() {
            return Err(FilesError::NoFolder(dir.to_path_buf()));
        }
        Migrations::from_dir(dir)
    }

    /// Reads every migration file at the top of `dir` (not its subfolders); a file that
    /// looks like a migration but is misnamed is an error. A missing folder holds no
    /// migrations (for `generate`, which creates it).
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
            if path.is_dir() {
                continue;
            }
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else {
                let lossy = file_name.to_string_lossy();
                if classify(&lossy) == Entry::Other {
                    continue;
                }
                return Err(FilesError::BadName(path.display().to_string()));
            };
            match classify(file_name) {
                Entry::Other => continue,
                Entry::Misnamed => return Err(FilesError::BadName(path.display().to_string())),
                Entry::Migration => {}
            }
            let text = read_text(&path)?;
            files.push(MigrationFile::new(file_name, &text)?);
        }
        let sum_path = dir.join(super::sum::SUM_FILE);
        let sum = if sum_path.exists() {
            Some(read_text(&sum_path)?)
        } else {
            None
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
                sum = Some(utf8(file.path(), file.contents().to_vec())?);
                continue;
            }
            match classify(file_name) {
                Entry::Other => continue,
                Entry::Misnamed => return Err(FilesError::BadName(file_name.to_string())),
                Entry::Migration => {}
            }
            let text = utf8(file.path(), file.contents().to_vec())?;
            files.push(MigrationFile::new(file_name, &text)?);
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
        assert!(MigrationFile::new("0001_x.SQL", "").is_err());
        assert!(MigrationFile::new("1_x.sql", "").is_err());
        assert!(MigrationFile::new("0001-x.sql", "").is_err());
        assert!(MigrationFile::new("0001_a b.sql", "").is_err());
        assert_eq!(MigrationFile::new("00012_x-y.sql", "").unwrap().version, 12);
    }

    #[test]
    fn what_looks_like_a_migration() {
        for misnamed in [
            "0001_x.SQL",
            "1_x.sql",
            "0001-x.sql",
            "0001_x.sql.bak",
            "0002_y.txt",
            "init.sql",
            "Init.Sql",
        ] {
            assert_eq!(classify(misnamed), Entry::Misnamed, "{misnamed}");
        }
        for other in [
            "brain-db.sum",
            "README.md",
            "notes.txt",
            ".gitkeep",
            ".0001_x.sql.swp",
        ] {
            assert_eq!(classify(other), Entry::Other, "{other}");
        }
        assert_eq!(classify("0001_init.sql"), Entry::Migration);
    }

    #[test]
    fn sorted_by_version() {
        let m = Migrations::from_static(&[("0010_b.sql", ""), ("0002_a.sql", "")]).unwrap();
        let names: Vec<_> = m.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["0002_a", "0010_b"]);
        assert_eq!(m.next_version(), 11);
    }
}
