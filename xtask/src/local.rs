//! `cargo xtask db-up` (the project's local PostgreSQL, as `brain-db db up`) and
//! `cargo xtask docker-up` (docker compose, with the `local` profile only when
//! DATABASE_URL is unset or names the compose `db` service).

use crate::Result;
use crate::util::{Args, cargo, display, root, run};
use std::process::Command;

pub const HELP: &str = "\
db-up       create (first time) and start the project's local PostgreSQL in
            .brain-db/postgres (cargo run -- db up) and print its URL; `cargo run -- db
            down` stops it
docker-up [--dry-run]
            docker compose --profile local up -d when DATABASE_URL (environment, else
            .env) is unset or names the compose `db` service, else docker compose up -d
            (the app service only, migrating the external database)
";

/// `cargo run -- db up`.
pub fn db_up(args: &[String]) -> Result<()> {
    let args = Args::parse(args, &[], &[])?;
    if !args.positionals.is_empty() {
        return Err(format!("`db-up` takes no arguments (got {:?})", args.positionals).into());
    }
    run(cargo().args(["run", "--quiet", "--package", "brain-db", "--", "db", "up"]))
}

/// `docker compose ... up -d`, choosing the profile from DATABASE_URL.
pub fn docker_up(args: &[String]) -> Result<()> {
    let args = Args::parse(args, &[], &["--dry-run"])?;
    let url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .or_else(|| {
            let text = std::fs::read_to_string(root().join(".env")).ok()?;
            dotenv_value(&text, "DATABASE_URL")
        });
    let cmd = compose_command(url.as_deref());
    match &url {
        None => eprintln!("DATABASE_URL is not set: starting the local `db` service too"),
        Some(u) if names_db_service(u) => {
            eprintln!("DATABASE_URL names the compose `db` service: starting it too")
        }
        Some(_) => {
            eprintln!("DATABASE_URL names another server: not starting the local `db` service")
        }
    }
    if args.has("--dry-run") {
        println!("{}", display(&cmd));
        return Ok(());
    }
    let mut cmd = cmd;
    run(&mut cmd)
}

/// The compose command for a DATABASE_URL (or none).
fn compose_command(url: Option<&str>) -> Command {
    let mut cmd = Command::new("docker");
    cmd.current_dir(root()).arg("compose");
    if url.is_none_or(names_db_service) {
        cmd.args(["--profile", "local"]);
    }
    cmd.args(["up", "-d"]);
    cmd
}

/// Whether a URL's host is the compose service `db`.
fn names_db_service(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return url.split_whitespace().any(|kv| kv == "host=db");
    };
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    hostport.split(':').next() == Some("db")
}

/// The last `KEY=value` of a .env text (`export`, quotes and `#` comments allowed).
fn dotenv_value(text: &str, key: &str) -> Option<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("export ").unwrap_or(line);
            let (k, v) = line.split_once('=')?;
            if k.trim() != key {
                return None;
            }
            let v = v.trim();
            let v = if let Some(q) = v.strip_prefix('"').or_else(|| v.strip_prefix('\'')) {
                q.split(['"', '\'']).next().unwrap_or("")
            } else {
                v.split(" #").next().unwrap_or("").trim()
            };
            (!v.is_empty()).then(|| v.to_string())
        })
        .next_back()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(url: Option<&str>) -> String {
        let cmd = compose_command(url);
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        args.join(" ")
    }

    #[test]
    fn local_profile_only_for_no_url_or_the_db_service() {
        assert_eq!(shown(None), "compose --profile local up -d");
        assert_eq!(
            shown(Some("postgres://postgres:postgres@db:5432/brain")),
            "compose --profile local up -d"
        );
        assert_eq!(
            shown(Some("host=db user=postgres")),
            "compose --profile local up -d"
        );
        for url in [
            "postgresql://u:p@ep-x-pooler.eu-central-1.aws.neon.tech/app?sslmode=require",
            "postgres://postgres@127.0.0.1:5432/postgres",
            "postgres://u:p@dbhost:5432/x",
        ] {
            assert_eq!(shown(Some(url)), "compose up -d", "{url}");
        }
    }

    #[test]
    fn dotenv_values() {
        let text = "# x\nexport DATABASE_URL=\"postgres://a@db/x\"\nOTHER=1\n";
        assert_eq!(
            dotenv_value(text, "DATABASE_URL").as_deref(),
            Some("postgres://a@db/x")
        );
        assert_eq!(dotenv_value("DATABASE_URL=\n", "DATABASE_URL"), None);
        assert_eq!(
            dotenv_value("DATABASE_URL=postgres://h/x # c\n", "DATABASE_URL").as_deref(),
            Some("postgres://h/x")
        );
    }
}
