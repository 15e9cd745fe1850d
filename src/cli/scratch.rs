//! A scratch database on the server of a URL, for `check` and `migrate --baseline`:
//! the migrations are replayed there, never in the target database.

use anyhow::Context;
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

use crate::sql::quote;

/// A database created for one command; [`Scratch::drop`] removes it.
pub struct Scratch {
    admin: Client,
    pub name: String,
    pub url: String,
}

impl Scratch {
    /// Creates an empty database beside the one `url` names. `command` names who needs
    /// it, for the messages.
    pub async fn create(url: &str, command: &str) -> anyhow::Result<Scratch> {
        Self::create_for(url, command, "replays the migrations into").await
    }

    /// [`Scratch::create`] for a command that does something else there: `work` completes
    /// "`command` ... a scratch database" in the messages ("compares expressions in").
    pub async fn create_for(url: &str, command: &str, work: &str) -> anyhow::Result<Scratch> {
        let admin = crate::db::connect(url).await?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("brain_db_scratch_{}_{nanos}", std::process::id());
        let scratch_url = with_database(url, &name)?;
        let created = admin
            .batch_execute(&format!(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'",
                quote::ident(&name)
            ))
            .await;
        if let Err(e) = created {
            return Err(cannot_create(&admin, command, work, e).await);
        }
        Ok(Scratch {
            admin,
            name,
            url: scratch_url,
        })
    }

    /// Drops the scratch database (whoever is still connected to it).
    pub async fn drop(self) -> anyhow::Result<()> {
        self.admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote::ident(&self.name)
            ))
            .await
            .with_context(|| format!("cannot drop the scratch database {}", self.name))
    }
}

/// Why the scratch database could not be created, by SQLSTATE, with the way forward.
async fn cannot_create(
    admin: &Client,
    command: &str,
    work: &str,
    e: tokio_postgres::Error,
) -> anyhow::Error {
    let server_says = crate::migrations::applier::describe(&e);
    let elsewhere = "point --database-url at a writable server where the user may create \
                     databases (the project's local one, or CI's); the target database itself \
                     is never changed";
    match e.code() {
        Some(code) if *code == SqlState::READ_ONLY_SQL_TRANSACTION => anyhow::anyhow!(
            "{command} {work} a scratch database, but this server is \
             read-only (a hot standby, or default_transaction_read_only = on): {server_says}; \
             {elsewhere}"
        ),
        Some(code) if *code == SqlState::INSUFFICIENT_PRIVILEGE => {
            let user = match admin.query_one("SELECT current_user::text", &[]).await {
                Ok(row) => row.get::<_, String>(0),
                Err(_) => "the user".to_string(),
            };
            anyhow::anyhow!(
                "{command} {work} a scratch database, but role {user} may \
                 not create databases: {server_says}; grant it (as a superuser: ALTER ROLE {} \
                 CREATEDB) or {elsewhere}",
                quote::ident(&user)
            )
        }
        _ => {
            anyhow::anyhow!("{command} cannot create the scratch database it {work}: {server_says}")
        }
    }
}

/// The URL with its database name replaced (postgres:// URLs only).
fn with_database(url: &str, database: &str) -> anyhow::Result<String> {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        anyhow::bail!("a scratch database needs a postgres:// URL to name it on the same server");
    };
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
    Ok(out)
}
