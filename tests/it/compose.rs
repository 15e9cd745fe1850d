//! docker-compose.yml, Dockerfile and .env.example: no Docker engine runs here, so the
//! files are parsed and their structure asserted.

use std::path::Path;

use serde_yaml::Value;

fn repo_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .unwrap_or_else(|| panic!("not a list: {value:?}"))
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

#[test]
fn compose_has_a_local_db_and_an_app_that_migrates() {
    let compose: Value = serde_yaml::from_str(&repo_file("docker-compose.yml")).unwrap();
    let db = &compose["services"]["db"];
    assert_eq!(db["image"].as_str(), Some("postgres:16-alpine"));
    assert_eq!(strings(&db["profiles"]), ["local"]);
    assert_eq!(strings(&db["ports"]), ["5432:5432"]);
    let test = strings(&db["healthcheck"]["test"]).join(" ");
    assert!(test.contains("pg_isready"), "{test}");
    // A named volume, declared at the top level.
    let volume = strings(&db["volumes"]).remove(0);
    let (name, target) = volume.split_once(':').unwrap();
    assert_eq!(target, "/var/lib/postgresql/data");
    assert!(
        compose["volumes"].get(name).is_some(),
        "volume {name} not declared"
    );
    let env = &db["environment"];
    let (user, password, database) = (
        env["POSTGRES_USER"].as_str().unwrap(),
        env["POSTGRES_PASSWORD"].as_str().unwrap(),
        env["POSTGRES_DB"].as_str().unwrap(),
    );

    let app = &compose["services"]["app"];
    assert_eq!(app["build"]["context"].as_str(), Some("."));
    let dockerfile = app["build"]["dockerfile"].as_str().unwrap();
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(dockerfile)
            .is_file()
    );
    assert_eq!(strings(&app["command"]), ["migrate"]);
    assert!(
        app["profiles"].is_null(),
        "the app runs with any DATABASE_URL"
    );
    assert_eq!(
        app["depends_on"]["db"]["condition"].as_str(),
        Some("service_healthy")
    );
    assert_eq!(app["depends_on"]["db"]["required"].as_bool(), Some(false));
    // DATABASE_URL defaults to the db service, with the db service's credentials.
    let url = app["environment"]["DATABASE_URL"].as_str().unwrap();
    assert_eq!(
        url,
        format!("${{DATABASE_URL:-postgres://{user}:{password}@db:5432/{database}}}")
    );
    for var in ["DIRECT_URL", "DB_SKIP_MIGRATIONS"] {
        assert!(app["environment"].get(var).is_some(), "{var}");
    }
}

#[test]
fn dockerfile_builds_brain_db_and_runs_migrate() {
    let text = repo_file("Dockerfile");
    assert!(
        text.contains("cargo build --release --locked --package brain-db"),
        "{text}"
    );
    assert!(text.contains("COPY schema.toml"), "{text}");
    assert!(text.contains("USER brain"), "runs unprivileged");
    let cmd = text.lines().find(|l| l.starts_with("CMD")).unwrap();
    assert_eq!(cmd, r#"CMD ["migrate"]"#);
    assert!(text.contains("DB_SKIP_MIGRATIONS"));
    let ignore = repo_file(".dockerignore");
    for path in ["target/", ".brain-db/", ".env"] {
        assert!(ignore.lines().any(|l| l == path), "{path}");
    }
}

#[test]
fn env_example_documents_every_setup_and_sets_nothing() {
    let text = repo_file(".env.example");
    // Copied to .env as is, it keeps the local default.
    assert!(brain_db::db::parse_dotenv(&text).is_empty());
    // Uncommented, every example is a well-formed assignment.
    let uncommented: String = text
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter(|l| {
            l.contains('=')
                && l.split('=')
                    .next()
                    .unwrap()
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_')
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let examples = brain_db::db::parse_dotenv(&uncommented);
    let urls: Vec<&str> = examples
        .iter()
        .filter(|(k, _)| k == "DATABASE_URL")
        .map(|(_, v)| v.as_str())
        .collect();
    assert!(
        urls.iter().any(|u| u.contains("localhost:5432")),
        "{urls:?}"
    );
    assert!(
        urls.iter()
            .any(|u| u.contains("neon.tech") && u.contains("sslmode=require")),
        "{urls:?}"
    );
    assert!(
        urls.iter().any(|u| u.contains("supabase.com:6543")),
        "{urls:?}"
    );
    for key in ["DIRECT_URL", "DB_SKIP_MIGRATIONS"] {
        assert!(examples.iter().any(|(k, _)| k == key), "{key}");
    }
}
