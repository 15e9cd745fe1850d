//! A throwaway database on a given server, for work that must not touch the target
//! database's schema (`generate` canonicalises expressions in one).
//!
//! The admin session stays on the database the URL names only to run `CREATE DATABASE`
//! and `DROP DATABASE`: nothing of that database's schema is read or changed.

use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

use super::DbError;
use super::error::describe;
use crate::sql::quote;

#[derive(Debug, thiserror::Error)]
pub enum ScratchError {
    #[error(transparent)]
    Connect(#[from] DbError),
    #[error("cannot create a scratch database for {purpose} on this server: {message}; {remedy}")]
    Create {
        purpose: &'static str,
        message: String,
        remedy: &'static str,
        /// Not `#[source]`: `message` carries its text.
        error: tokio_postgres::Error,
    },
    #[error("cannot drop the scratch database {name}: {message}; drop it by hand")]
    Drop {
        name: String,
        message: String,
        error: tokio_postgres::Error,
    },
    #[error("{purpose} needs a postgres:// URL to name a scratch database on the same server")]
    NotAUrl { purpose: &'static str },
}

/// A database created for one command; [`ScratchDatabase::drop`] removes it.
pub struct ScratchDatabase {
    admin: Client,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// Creates `brain_db_scratch_<purpose>_<pid>_<nanos>` (UTF8, from template0) on the server of
    /// `server_url`.
    pub async fn create(server_url: &str, purpose: &'static str) -> Result<Self, ScratchError> {
        let url_of = |name: &str| with_database(server_url, name);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("brain_db_scratch_{purpose}_{}_{nanos}", std::process::id());
        let url = url_of(&name).ok_or(ScratchError::NotAUrl { purpose })?;
        let admin = super::connect(server_url).await?;
        admin
            .batch_execute(&format!(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'",
                quote::ident(&name)
            ))
            .await
            .map_err(|error| {
                let remedy = match error.code() {
                    Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => {
                        "the role may not create databases: grant it CREATEDB (as a superuser: \
                         ALTER ROLE name CREATEDB), or pass --database-url of a server where it \
                         may, such as the local one of `brain-db db up`; the target database \
                         itself is never changed"
                    }
                    Some(c) if *c == SqlState::READ_ONLY_SQL_TRANSACTION => {
                        "the server is read-only (a hot standby, or default_transaction_read_only \
                         = on): pass --database-url of a writable server, such as the local one \
                         of `brain-db db up`; the target database itself is never changed"
                    }
                    _ => "use a server where this user may create databases",
                };
                ScratchError::Create {
                    purpose,
                    message: describe(&error),
                    remedy,
                    error,
                }
            })?;
        Ok(ScratchDatabase { admin, name, url })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The scratch database's connection URL (the server URL's, with another database).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops the database, ending any session still on it.
    pub async fn drop(self) -> Result<(), ScratchError> {
        self.admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote::ident(&self.name)
            ))
            .await
            .map_err(|error| ScratchError::Drop {
                name: self.name.clone(),
                message: describe(&error),
                error,
            })
    }
}

/// The URL with its database name replaced (postgres:// URLs only).
fn with_database(url: &str, database: &str) -> Option<String> {
    let scheme_end = url.find("://")? + 3;
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| i + scheme_end);
    let mut out = format!("{}/{database}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_only_the_database() {
        assert_eq!(
            with_database("postgres://u:p@h:5/app?sslmode=require", "x").as_deref(),
            Some("postgres://u:p@h:5/x?sslmode=require")
        );
        assert_eq!(
            with_database("postgresql://h", "x").as_deref(),
            Some("postgresql://h/x")
        );
        assert_eq!(with_database("host=h dbname=app", "x"), None);
    }
}
