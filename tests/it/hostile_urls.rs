//! Hostile passwords in every place a URL comes from (`--database-url`, `DATABASE_URL`,
//! `.env`, `--direct-url`) and every form (user info raw and percent-encoded, query
//! parameter, `key=value`), through several commands, against a server that checks
//! passwords: no output ever holds the password or a fragment of it, an unparseable URL
//! says what is wrong, and a hostile but well-written password connects.

use std::path::Path;
use std::process::Command;

use crate::cluster::TempCluster;
use crate::harness::{Project, Run};

const PASSWORDS: &[&str] = &[
    "hun@ter:2/pw%zz#?",
    "p@ss:w/rd%41#q?z",
    "Sec@retTail",
    "p",
    "Zq",
    "Xk9'Q\"w\\v",
    "sp ace&Jx=Yq",
    "ünï©ødé€Kw",
    "%41%42%zzQj",
    "Qx?Wy/Vz#Uw",
    "Semi;Col'on--",
    "Pazz wOrd=1 hOst=evil",
    "Tab\tVv",
    "@@Kq@@",
    ":::Kq:::",
    "Ab%40Cd%3AEf",
    "Jj&Pw=Kk&",
];

/// Checks passwords (scram) for every role but `postgres`.
fn scram_server() -> TempCluster {
    TempCluster::start(|data: &Path| {
        std::fs::write(
            data.join("pg_hba.conf"),
            "host all postgres 127.0.0.1/32 trust\n\
             host all all 127.0.0.1/32 scram-sha-256\n",
        )
    })
}

fn psql(port: u16, sql: &str) {
    let status = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
        .arg(format!("postgres://postgres@127.0.0.1:{port}/postgres"))
        .args(["-c", sql])
        .status()
        .expect("run psql");
    assert!(status.success(), "{sql}");
}

/// Every byte but the unreserved ones, percent-encoded.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A libpq `key=value` quoted value.
fn kv_quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The text a leak would show: the password itself (when longer than 2 characters, else
/// it is in every word) and each fragment of it that could not pass for ordinary text.
fn leaks(password: &str, output: &str) -> Vec<String> {
    let chars: Vec<char> = password.chars().collect();
    let mut found = Vec::new();
    if chars.len() >= 3 && output.contains(password) {
        found.push(password.to_string());
    }
    for len in 4..=chars.len() {
        for window in chars.windows(len) {
            let fragment: String = window.iter().collect();
            let ordinary = fragment
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == ' ')
                && len < 6;
            if !ordinary && output.contains(&fragment) && !found.contains(&fragment) {
                found.push(fragment);
            }
        }
    }
    found
}

enum Source {
    Flag,
    Env,
    DotEnv,
    Direct,
}

fn run(project: &Project, source: &Source, url: &str, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_brain-db"));
    command
        .current_dir(project.path())
        .env_remove("DATABASE_URL")
        .env_remove("DIRECT_URL");
    let _ = std::fs::remove_file(project.path().join(".env"));
    match source {
        Source::Flag => {
            command.arg("--database-url").arg(url);
        }
        Source::Env => {
            command.env("DATABASE_URL", url);
        }
        Source::DotEnv => {
            // Single quotes keep '#' and spaces; this form cannot hold a single quote.
            std::fs::write(
                project.path().join(".env"),
                format!("DATABASE_URL='{url}'\n"),
            )
            .unwrap();
        }
        Source::Direct => {
            command.arg("--direct-url").arg(url);
        }
    }
    command.args(args).output().expect("run brain-db").into()
}

#[test]
fn hostile_passwords_never_reach_output_from_any_source_or_command() {
    let server = scram_server();
    let port = server.port;
    psql(port, "CREATE DATABASE appdb");
    // A few passwords per thread, each thread in its own project folder (.env).
    let runs: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = PASSWORDS
            .chunks(PASSWORDS.len().div_ceil(4))
            .map(|passwords| scope.spawn(move || check_passwords(port, passwords)))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    assert!(runs > 450, "{runs}");
}

/// Runs every form of each password through every command; the number of runs.
fn check_passwords(port: u16, passwords: &[&str]) -> usize {
    let project = Project::new();
    project.write_schema("[tables.t.columns]\nid = \"integer\"\n");
    std::fs::create_dir(project.path().join("migrations")).unwrap();
    let commands: &[(Source, &[&str])] = &[
        (Source::Flag, &["status"]),
        (Source::Env, &["push", "--dry-run"]),
        (Source::DotEnv, &["migrate"]),
        (Source::Flag, &["pull"]),
        (Source::Direct, &["migrate"]),
    ];
    let mut runs = 0;
    for password in passwords {
        let encoded = encode(password);
        let forms = [
            format!("postgres://app:{password}@127.0.0.1:{port}/appdb"),
            format!("postgresql://app:{encoded}@127.0.0.1:{port}/appdb"),
            format!("postgres://app@127.0.0.1:{port}/appdb?password={password}"),
            format!("postgres://app@127.0.0.1:{port}/appdb?password={encoded}&application_name=x"),
            format!(
                "host=127.0.0.1 port={port} dbname=appdb user=app password={}",
                kv_quote(password)
            ),
            format!("host=127.0.0.1 port={port} user=app password={password} dbname=appdb"),
        ];
        for url in &forms {
            for (source, args) in commands {
                if matches!(source, Source::DotEnv) && url.contains('\'') {
                    continue;
                }
                let run = run(&project, source, url, args);
                runs += 1;
                let context = format!("{args:?} with {url:?}");
                run.assert_code(1);
                let output = format!("{}\n{}", run.stdout, run.stderr);
                let leaked = leaks(password, &output);
                assert!(leaked.is_empty(), "{context} leaks {leaked:?}:\n{output}");
                assert!(!output.contains("panicked"), "{context}:\n{output}");
                // Either the server refused the password, or the URL was refused with
                // what is wrong (never a driver message quoting the input).
                assert!(
                    output.contains("password authentication failed for user \"app\"")
                        || output.contains("invalid database URL"),
                    "{context}:\n{output}"
                );
                if output.contains("invalid database URL") {
                    assert!(
                        [
                            "percent-encode",
                            "unknown parameter",
                            "is not followed by '='",
                            "has no '='",
                            "lacks its closing quote",
                            "has no value",
                            "as %25"
                        ]
                        .iter()
                        .any(|hint| output.contains(hint)),
                        "{context}: no remedy:\n{output}"
                    );
                }
            }
        }
    }
    runs
}

#[test]
fn a_hostile_password_written_correctly_connects_and_is_never_shown() {
    let server = scram_server();
    let port = server.port;
    let password = "p@ss:w/rd%41#q?z 'ü\"\\&=";
    psql(
        port,
        &format!(
            "CREATE ROLE hostile LOGIN PASSWORD '{}'",
            password.replace('\'', "''")
        ),
    );
    psql(port, "CREATE DATABASE hostile_db OWNER hostile");
    let project = Project::new();
    project.write_schema("[tables.t.columns]\nid = \"integer\"\n");
    std::fs::create_dir(project.path().join("migrations")).unwrap();
    let url = format!(
        "postgres://hostile:{}@127.0.0.1:{port}/hostile_db",
        encode(password)
    );
    let kv = format!(
        "host=127.0.0.1 port={port} dbname=hostile_db user=hostile password={}",
        kv_quote(password)
    );
    for (source, url, args) in [
        (Source::Flag, &url, &["push"][..]),
        (Source::Env, &kv, &["pull"][..]),
        (Source::Direct, &url, &["migrate"][..]),
        (Source::Flag, &kv, &["status"][..]),
    ] {
        let run = run(&project, &source, url, args);
        let context = format!("{args:?} with {url:?}");
        run.assert_code(0);
        let output = format!("{}\n{}", run.stdout, run.stderr);
        let leaked = leaks(password, &output);
        assert!(leaked.is_empty(), "{context} leaks {leaked:?}:\n{output}");
    }
    let pulled = run(&project, &Source::Flag, &url, &["pull"]);
    pulled.assert_code(0);
    assert!(pulled.stdout.contains("[tables.t"), "{}", pulled.stdout);
}

#[test]
fn a_second_at_sign_is_refused_before_any_connection() {
    // A server that would answer, so that only the refusal can explain the failure.
    let server = scram_server();
    let port = server.port;
    let project = Project::new();
    project.write_schema("[tables.t.columns]\nid = \"integer\"\n");
    // status and migrate need the folder (a missing one is an error of its own).
    std::fs::create_dir_all(project.path().join("migrations")).unwrap();
    for url in [
        format!("postgres://u:Sec@retTail@127.0.0.1:{port}/db"),
        format!("postgres://app:hun@ter:2/pw%zz#?@127.0.0.1:{port}/appdb"),
        format!("postgres://u:p@ss?x@127.0.0.1:{port}/db"),
    ] {
        for source in [Source::Flag, Source::Env, Source::DotEnv, Source::Direct] {
            let run = run(&project, &source, &url, &["push"]);
            run.assert_code(1);
            assert!(
                run.stderr.contains(
                    "more than one unencoded '@' (or one after its password); percent-encode each '@'"
                ),
                "{url}: {}",
                run.stderr
            );
            assert!(!run.stderr.contains("retTail"), "{}", run.stderr);
            assert!(
                !run.stderr.contains("resolve") && !run.stderr.contains("lookup"),
                "{}",
                run.stderr
            );
        }
    }
    // Where the URL came from is named.
    let run = run(
        &project,
        &Source::Env,
        &format!("postgres://u:Sec@retTail@127.0.0.1:{port}/db"),
        &["status"],
    );
    assert!(
        run.stderr
            .contains("invalid database URL postgres://***@127.0.0.1:"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("(from DATABASE_URL)"), "{}", run.stderr);
}
