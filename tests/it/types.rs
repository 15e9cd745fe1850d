//! `brain-db types`: the generated TypeScript compiles under `tsc --strict` and agrees with
//! the catalog of a pushed database; the generated Rust compiles in a crate of its own and
//! round-trips rows through PostgreSQL; `--check` tells a stale file from a fresh one.
//!
//! The TypeScript compiler (npm `typescript@5`) and the test crate's build live under
//! `target/types-tests/`, kept between runs, so only the first run pays for them.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{Project, Run, TestDb};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    manifest_dir().join("tests/it/types_fixtures").join(name)
}

fn repo_schema() -> PathBuf {
    manifest_dir().join("schema.toml")
}

/// A cache folder under the workspace's target directory (git-ignored, kept between runs).
fn cache_dir(name: &str) -> PathBuf {
    let dir = manifest_dir().join("target/types-tests").join(name);
    std::fs::create_dir_all(&dir).expect("create the cache folder");
    dir
}

/// `brain-db --schema SCHEMA types --lang LANG --out OUT`, which must succeed.
fn generate(project: &Project, schema: &Path, lang: &str, out: &Path) {
    project
        .run_offline(&[
            "--schema",
            schema.to_str().unwrap(),
            "types",
            "--lang",
            lang,
            "--out",
            out.to_str().unwrap(),
        ])
        .assert_code(0);
}

/// Pushes `schema` into `db`.
fn push(project: &Project, db: &TestDb, schema: &Path) {
    project
        .run(db, &["--schema", schema.to_str().unwrap(), "push"])
        .assert_code(0);
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    out.into()
}

/// The TypeScript compiler, installed from the npm registry on first use. Fails the test
/// (never skips it) when it cannot be obtained.
fn tsc() -> PathBuf {
    let prefix = cache_dir("node");
    let tsc = prefix.join("node_modules/.bin/tsc");
    if !tsc.exists() {
        let install = run(Command::new("npm")
            .arg("install")
            .arg("--prefix")
            .arg(&prefix)
            .args(["--no-audit", "--no-fund", "--silent", "typescript@5"]));
        assert!(
            install.code == 0 && tsc.exists(),
            "the tests need the TypeScript compiler: `npm install --prefix {} typescript@5` failed \
             (exit {})\n{}\n{}",
            prefix.display(),
            install.code,
            install.stdout,
            install.stderr
        );
    }
    tsc
}

/// `tsc --strict --noEmit` over `files` in `dir`.
fn compile_ts(tsc: &Path, dir: &Path, files: &[&str]) -> Run {
    let config = format!(
        "{{\n  \"compilerOptions\": {{\n    \"strict\": true,\n    \"noEmit\": true,\n    \
         \"target\": \"es2022\",\n    \"module\": \"es2022\",\n    \"moduleResolution\": \"bundler\",\n    \
         \"noUnusedLocals\": false,\n    \"skipLibCheck\": false\n  }},\n  \"files\": [{}]\n}}\n",
        files
            .iter()
            .map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    std::fs::write(dir.join("tsconfig.json"), config).unwrap();
    run(Command::new(tsc).arg("-p").arg(dir.join("tsconfig.json")))
}

/// TypeScript that checks the generated `Database` against the catalog of `db`: every
/// table's `Row` has exactly the database's columns, nullable exactly where the database
/// says so, and its `Insert` requires exactly the columns an INSERT must give.
async fn catalog_assertions(db: &TestDb, module: &str) -> String {
    let client = db.client().await;
    let rows = client
        .query(
            "SELECT c.table_schema::text, c.table_name::text, c.column_name::text, \
                    c.is_nullable = 'YES', \
                    c.is_nullable = 'NO' AND c.column_default IS NULL \
                      AND c.is_identity = 'NO' AND c.is_generated = 'NEVER', \
                    c.is_identity = 'YES' AND c.identity_generation = 'ALWAYS' \
                      OR c.is_generated = 'ALWAYS', \
                    c.data_type::text \
             FROM information_schema.columns c \
             JOIN information_schema.tables t USING (table_schema, table_name) \
             WHERE t.table_type = 'BASE TABLE' \
               AND c.table_schema NOT IN ('pg_catalog', 'information_schema') \
             ORDER BY 1, 2, c.ordinal_position",
            &[],
        )
        .await
        .expect("read information_schema");
    assert!(!rows.is_empty(), "the pushed database has no columns");
    let mut out = format!("import type {{ Database }} from \"./{module}\";\n");
    let mut tables: Vec<(String, String, Vec<String>)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let (schema, table, column): (String, String, String) =
            (row.get(0), row.get(1), row.get(2));
        let (nullable, required, never): (bool, bool, bool) = (row.get(3), row.get(4), row.get(5));
        let path = format!("Database[{schema:?}][\"Tables\"][{table:?}]");
        // `Json` includes null itself: its nullability shows in `| null` only.
        let json = matches!(row.get::<_, String>(6).as_str(), "json" | "jsonb");
        out.push_str(&format!(
            "{}const n{i}: null extends {path}[\"Row\"][{column:?}] ? \"nullable\" : \"not null\" = {:?};\n",
            if json { "// " } else { "" },
            if nullable { "nullable" } else { "not null" },
        ));
        let insert = if never {
            "never"
        } else if required {
            "required"
        } else {
            "optional"
        };
        out.push_str(&format!(
            "const i{i}: [Exclude<{path}[\"Insert\"][{column:?}], undefined>] extends [never] ? \"never\" : {{}} extends Pick<{path}[\"Insert\"], {column:?}> ? \"optional\" : \"required\" = {insert:?};\n"
        ));
        match tables.last_mut() {
            Some((s, t, cols)) if *s == schema && *t == table => cols.push(column),
            _ => tables.push((schema, table, vec![column])),
        }
    }
    for (i, (schema, table, columns)) in tables.iter().enumerate() {
        let fields: Vec<String> = columns.iter().map(|c| format!("{c:?}: true")).collect();
        out.push_str(&format!(
            "const every{i}: Record<keyof Database[{schema:?}][\"Tables\"][{table:?}][\"Row\"], true> = {{ {} }};\n",
            fields.join(", ")
        ));
    }
    out.push_str(&format!(
        "const tables: Record<{}, true> = {{ {} }};\n",
        tables
            .iter()
            .map(|(s, _, _)| format!("{s:?}"))
            .collect::<std::collections::BTreeSet<_>>()
            .iter()
            .map(|s| format!("keyof Database[{s}][\"Tables\"]"))
            .collect::<Vec<_>>()
            .join(" | "),
        tables
            .iter()
            .map(|(_, t, _)| format!("{t:?}: true"))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
            .join(", ")
    ));
    out.push_str("export {};\n");
    out
}

#[tokio::test]
async fn generated_typescript_compiles_under_tsc_strict_and_matches_the_catalog() {
    let repo_db = TestDb::new("types_ts_repo").await;
    let all_db = TestDb::new("types_ts_all").await;
    let project = Project::new();
    push(&project, &repo_db, &repo_schema());
    push(&project, &all_db, &fixture("all_types.toml"));
    let tsc = tsc();

    let dir = tempfile::tempdir().unwrap();
    generate(
        &project,
        &repo_schema(),
        "typescript",
        &dir.path().join("repo.ts"),
    );
    generate(
        &project,
        &fixture("all_types.toml"),
        "typescript",
        &dir.path().join("all_types.ts"),
    );
    for f in ["usage.ts", "expect_error.ts"] {
        std::fs::copy(fixture(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(
        dir.path().join("repo_catalog.ts"),
        catalog_assertions(&repo_db, "repo").await,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("all_catalog.ts"),
        catalog_assertions(&all_db, "all_types").await,
    )
    .unwrap();
    let files = [
        "repo.ts",
        "all_types.ts",
        "usage.ts",
        "expect_error.ts",
        "repo_catalog.ts",
        "all_catalog.ts",
    ];
    let out = compile_ts(&tsc, dir.path(), &files);
    assert_eq!(
        out.code,
        0,
        "tsc --strict --noEmit failed:\n{}{}\n--- all_types.ts\n{}",
        out.stdout,
        out.stderr,
        std::fs::read_to_string(dir.path().join("all_types.ts")).unwrap()
    );

    // The oracle is live: an expectation that does not hold fails the compilation, so
    // the files above are really checked (not skipped).
    std::fs::write(
        dir.path().join("broken.ts"),
        "import type { NewTask } from \"./repo\";\n\
         // @ts-expect-error\n\
         const fine: NewTask = { title: \"t\" };\n\
         const wrong: NewTask = { title: \"t\", status: \"later\" };\n\
         export const used = [fine, wrong];\n",
    )
    .unwrap();
    let out = compile_ts(&tsc, dir.path(), &["repo.ts", "broken.ts"]);
    assert_ne!(out.code, 0, "tsc accepted broken.ts:\n{}", out.stdout);
    assert!(
        out.stdout.contains("broken.ts(2,1): error TS2578"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("broken.ts(4,"), "{}", out.stdout);
    assert!(out.stdout.contains("\"later\""), "{}", out.stdout);
}

/// Cargo.toml of the test crate: the dependencies the generated module documents.
const TEST_CRATE_MANIFEST: &str = r#"[package]
name = "brain-db-types-roundtrip"
version = "0.0.0"
edition = "2024"
publish = false

# Not a member of brain-db's workspace.
[workspace]

[dependencies]
tokio = { version = "1", features = ["rt", "macros"] }
tokio-postgres = { version = "0.7", features = ["with-chrono-0_4", "with-uuid-1", "with-serde_json-1"] }
postgres-types = { version = "0.2", features = ["derive"] }
uuid = { version = "1", features = ["serde"] }
chrono = { version = "0.4", features = ["serde"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
rust_decimal = { version = "1", features = ["db-tokio-postgres", "serde-with-str"] }
"#;

/// Builds the test crate (offline when the registry cache has its crates, else from the
/// registry) with warnings denied, and returns its binary.
fn build_test_crate(krate: &Path) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = krate.join("target");
    let build = |offline: bool| {
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(krate)
            .env("CARGO_TARGET_DIR", &target)
            .env("RUSTFLAGS", "-D warnings")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .args(["build", "--quiet"]);
        if offline {
            cmd.arg("--offline");
        }
        run(&mut cmd)
    };
    let mut out = build(true);
    if out.code != 0 {
        out = build(false);
    }
    assert_eq!(
        out.code, 0,
        "the generated Rust does not compile:\n{}\n{}",
        out.stdout, out.stderr
    );
    target.join("debug/brain-db-types-roundtrip")
}

#[tokio::test]
async fn generated_rust_compiles_and_round_trips_rows_through_postgres() {
    let repo_db = TestDb::new("types_rust_repo").await;
    let all_db = TestDb::new("types_rust_all").await;
    let project = Project::new();
    push(&project, &repo_db, &repo_schema());
    push(&project, &all_db, &fixture("all_types.toml"));

    let krate = cache_dir("crate");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    std::fs::write(krate.join("Cargo.toml"), TEST_CRATE_MANIFEST).unwrap();
    std::fs::copy(fixture("roundtrip.rs"), krate.join("src/main.rs")).unwrap();
    generate(&project, &repo_schema(), "rust", &krate.join("src/repo.rs"));
    generate(
        &project,
        &fixture("all_types.toml"),
        "rust",
        &krate.join("src/all.rs"),
    );
    let binary = build_test_crate(&krate);

    let out = run(Command::new(&binary).arg(&repo_db.url).arg(&all_db.url));
    assert_eq!(
        out.code, 0,
        "round trip failed:\n{}\n{}",
        out.stdout, out.stderr
    );
    assert_eq!(out.stdout.trim(), "round trips ok");
    // What the program wrote is in the tables, as PostgreSQL sees it.
    assert_eq!(
        repo_db
            .value("SELECT string_agg(title || ':' || status, ',' ORDER BY title) FROM tasks")
            .await,
        "Defaults:todo,Write the types:done"
    );
    assert_eq!(
        all_db
            .value(
                "SELECT concat_ws('|', num, dur, feelings, status, twice, \"Due date\", \"2fa\", oid_col) \
                 FROM everything"
            )
            .await,
        "12345678901234.567891|3 days|{calm}|new|42|2027-03-01|f|4000000000"
    );
    assert_eq!(
        all_db
            .value("SELECT (SELECT count(*) FROM counters) + (SELECT count(*) FROM other.tasks)")
            .await,
        "2"
    );
}

#[tokio::test]
async fn check_tells_a_stale_file_from_a_fresh_one() {
    let db = TestDb::new("types_check").await;
    let project = Project::new();
    let schema = std::fs::read_to_string(repo_schema()).unwrap();
    project.write_schema(&schema);
    project.run(&db, &["push"]).assert_code(0);
    let check = |lang: &str, out: &str| {
        project.run_offline(&["types", "--lang", lang, "--out", out, "--check"])
    };

    // Missing: stale.
    let missing = check("typescript", "types.ts");
    missing.assert_code(2);
    assert!(
        missing.stderr.contains("does not exist"),
        "{}",
        missing.stderr
    );
    assert!(
        !project.path().join("types.ts").exists(),
        "--check wrote a file"
    );

    for (lang, file) in [("typescript", "types.ts"), ("rust", "schema.rs")] {
        project
            .run_offline(&["types", "--lang", lang, "--out", file])
            .assert_code(0);
        let fresh = check(lang, file);
        fresh.assert_code(0);
        assert!(fresh.stderr.contains("up to date"), "{}", fresh.stderr);
    }

    // The schema changes (and is pushed): both files are stale until regenerated.
    project.write_schema(&schema.replace(
        "completed_at = \"timestamptz\"",
        "completed_at = \"timestamptz\"\nestimate     = { type = \"interval\", comment = \"how long\" }",
    ));
    project.run(&db, &["push"]).assert_code(0);
    assert_eq!(
        db.value("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'tasks'::regclass AND attname = 'estimate'")
            .await,
        "interval"
    );
    let before = std::fs::read_to_string(project.path().join("schema.rs")).unwrap();
    for (lang, file) in [("typescript", "types.ts"), ("rust", "schema.rs")] {
        let stale = check(lang, file);
        stale.assert_code(2);
        assert!(
            stale.stderr.contains("the types are stale")
                && stale
                    .stderr
                    .contains(&format!("run `brain-db types --lang {lang} --out {file}`")),
            "{}",
            stale.stderr
        );
    }
    assert_eq!(
        std::fs::read_to_string(project.path().join("schema.rs")).unwrap(),
        before,
        "--check changed the file"
    );
    for (lang, file) in [("typescript", "types.ts"), ("rust", "schema.rs")] {
        project
            .run_offline(&["types", "--lang", lang, "--out", file])
            .assert_code(0);
        check(lang, file).assert_code(0);
    }
    let ts = std::fs::read_to_string(project.path().join("types.ts")).unwrap();
    // A CRLF checkout of a fresh file is fresh.
    std::fs::write(project.path().join("crlf.ts"), ts.replace('\n', "\r\n")).unwrap();
    check("typescript", "crlf.ts").assert_code(0);
    assert!(
        ts.contains("/** how long */\n          estimate: string | null;"),
        "{ts}"
    );
    let rs = std::fs::read_to_string(project.path().join("schema.rs")).unwrap();
    assert!(rs.contains(r#"\"estimate\"::text AS \"estimate\""#), "{rs}");

    // Without --out: standard output, and --check needs a file.
    let printed = project.run_offline(&["types", "--lang", "typescript"]);
    printed.assert_code(0);
    assert_eq!(printed.stdout, ts);
    let no_file = project.run_offline(&["types", "--lang", "rust", "--check"]);
    no_file.assert_code(1);
    assert!(no_file.stderr.contains("--out"), "{}", no_file.stderr);
}

#[tokio::test]
async fn a_pulled_schema_gives_the_same_types() {
    // pull writes checks in the server's form (`status = ANY (ARRAY[...])`): the narrowing
    // reads both, so the types do not depend on where schema.toml came from.
    let db = TestDb::new("types_pulled").await;
    let project = Project::new();
    push(&project, &db, &fixture("all_types.toml"));
    let pulled = project.path().join("pulled.toml");
    project
        .run(&db, &["pull", "--out", pulled.to_str().unwrap()])
        .assert_code(0);
    let text = std::fs::read_to_string(&pulled).unwrap();
    assert!(
        text.contains("= ANY (ARRAY["),
        "pull changed its check form:\n{text}"
    );
    for lang in ["typescript", "rust"] {
        let declared = project.run_offline(&[
            "--schema",
            fixture("all_types.toml").to_str().unwrap(),
            "types",
            "--lang",
            lang,
        ]);
        let from_db = project.run_offline(&[
            "--schema",
            pulled.to_str().unwrap(),
            "types",
            "--lang",
            lang,
        ]);
        declared.assert_code(0);
        from_db.assert_code(0);
        assert_eq!(declared.stdout, from_db.stdout, "{lang}");
        assert!(declared.stdout.contains("it's done"), "{lang}");
    }
}

#[tokio::test]
async fn a_bad_schema_file_is_reported_and_nothing_is_written() {
    let db = TestDb::new("types_bad").await;
    let project = Project::new();
    project.write_schema("[tables.t.columns]\nid = \"integr\"\n");
    // push refuses it too, before touching the database.
    project.run(&db, &["push"]).assert_code(1);
    assert_eq!(
        db.value("SELECT count(*) FROM pg_class WHERE relname = 't'")
            .await,
        "0"
    );
    let out = project.run_offline(&["types", "--lang", "rust", "--out", "schema.rs"]);
    out.assert_code(1);
    assert!(
        out.stderr
            .contains("schema.toml:2:6: unknown type \"integr\""),
        "{}",
        out.stderr
    );
    assert!(!project.path().join("schema.rs").exists());
}

#[tokio::test]
async fn views_are_left_out_with_a_note_naming_them() {
    let db = TestDb::new("types_views").await;
    let project = Project::new();
    project.write_schema(
        "[tables.tasks.columns]\nid = { type = \"integer\", primary_key = true }\ntitle = \"text\"\n\n\
         [views.open_tasks]\nquery = \"select id, title from tasks\"\n",
    );
    project.run(&db, &["push"]).assert_code(0);
    assert_eq!(
        db.value("SELECT count(*) FROM pg_views WHERE viewname = 'open_tasks'")
            .await,
        "1"
    );
    for lang in ["typescript", "rust"] {
        let out = project.run_offline(&["types", "--lang", lang]);
        out.assert_code(0);
        assert!(
            out.stderr.contains(
                "note: left out, as their column types are known only to a server: 1 view(s) (open_tasks)"
            ),
            "{}",
            out.stderr
        );
        assert!(!out.stdout.contains("open_tasks"), "{}", out.stdout);
        assert!(
            out.stdout.contains("Task"),
            "the table's types are still generated: {}",
            out.stdout
        );
    }
}
