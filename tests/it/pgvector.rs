//! pgvector, the extension the app's semantic search needs: `public.vector(n)`,
//! `halfvec(n)` and `sparsevec(n)` columns with HNSW and IVFFlat indexes, their operator
//! classes and build parameters, through push, pull, generate and migrate, on a real
//! server that ships the extension (see `pgvector_server`).
//!
//! What peers get wrong and these tests pin: drizzle-kit pushes an HNSW index without
//! its operator class (which HNSW requires; drizzle-orm#5792) and pulls an IVFFlat one
//! with the access method's name in the operator class's place (#5495).

use crate::harness::Project;
use crate::pgvector_server::{assert_same_schema, dump, plain_db, vector_db};

/// The notes of the app's semantic search, written exactly as `pull` writes them back.
const NOTES: &str = r#"[tables.notes.columns]
id = { type = "bigint", primary_key = true }
body = { type = "text", not_null = true }
embedding = { type = "public.vector(1536)", not_null = true }

[tables.notes.indexes]
notes_embedding_hnsw = { columns = ["embedding vector_cosine_ops"], using = "hnsw", with = { m = 16, ef_construction = 64 } }
notes_embedding_ivfflat = { columns = ["embedding vector_ip_ops"], using = "ivfflat", with = { lists = 100 } }
"#;

/// `(indexdef, reloptions)` of an index, as the server describes it.
async fn index_of(db: &crate::harness::TestDb, name: &str) -> (String, String) {
    let row = db
        .column(&format!(
            "SELECT pg_get_indexdef(c.oid) || ' | ' || coalesce(array_to_string(c.reloptions, ','), '') \
             FROM pg_class c WHERE c.relname = '{name}'"
        ))
        .await;
    let text = row
        .into_iter()
        .next()
        .flatten()
        .unwrap_or_else(|| panic!("no index {name}"));
    let (def, options) = text.split_once(" | ").unwrap();
    (def.to_string(), options.to_string())
}

/// The operator class of each key of an index, from `pg_index.indclass` (not from any
/// printed definition).
async fn opclasses_of(db: &crate::harness::TestDb, name: &str) -> String {
    db.value(&format!(
        "SELECT string_agg(o.opcname, ',' ORDER BY k.n) \
         FROM pg_index i CROSS JOIN LATERAL unnest(i.indclass::oid[]) WITH ORDINALITY AS k(oid, n) \
         JOIN pg_opclass o ON o.oid = k.oid \
         WHERE i.indexrelid = 'public.{name}'::regclass"
    ))
    .await
}

#[tokio::test]
async fn hnsw_and_ivfflat_indexes_push_settle_and_pull_back_identically() {
    let db = vector_db("pgvector_push_pull", "public").await;
    let project = Project::new();
    project.write_schema(NOTES);

    let dry = project.run(&db, &["push", "--dry-run"]);
    dry.assert_code(0);
    for wanted in [
        "embedding public.vector(1536) NOT NULL",
        "CREATE INDEX notes_embedding_hnsw ON public.notes USING hnsw (embedding vector_cosine_ops) WITH (m='16', ef_construction='64');",
        "CREATE INDEX notes_embedding_ivfflat ON public.notes USING ivfflat (embedding vector_ip_ops) WITH (lists='100');",
    ] {
        assert!(
            dry.stdout.contains(wanted),
            "{wanted:?} missing from:\n{}",
            dry.stdout
        );
    }
    project.run(&db, &["push"]).assert_code(0);

    assert_eq!(
        db.value(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
             WHERE attrelid = 'public.notes'::regclass AND attname = 'embedding'"
        )
        .await,
        "vector(1536)"
    );
    assert_eq!(
        index_of(&db, "notes_embedding_hnsw").await,
        (
            "CREATE INDEX notes_embedding_hnsw ON public.notes USING hnsw (embedding vector_cosine_ops) WITH (m='16', ef_construction='64')".into(),
            "m=16,ef_construction=64".into()
        )
    );
    assert_eq!(
        opclasses_of(&db, "notes_embedding_hnsw").await,
        "vector_cosine_ops"
    );
    assert_eq!(
        opclasses_of(&db, "notes_embedding_ivfflat").await,
        "vector_ip_ops"
    );
    assert_eq!(
        index_of(&db, "notes_embedding_ivfflat").await.1,
        "lists=100"
    );

    // A cosine nearest-neighbour query is served by the HNSW index.
    db.exec(
        "INSERT INTO notes SELECT g, 'note ' || g, \
         (SELECT array_agg(((g * 31 + d) % 97)::real / 97) FROM generate_series(1, 1536) d)::vector \
         FROM generate_series(1, 20) g",
    )
    .await;
    let plan = db
        .column(
            "SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM notes \
             ORDER BY embedding <=> (SELECT embedding FROM notes WHERE id = 3) LIMIT 5",
        )
        .await;
    let plan: Vec<String> = plan.into_iter().flatten().collect();
    assert!(
        plan.iter()
            .any(|l| l.contains("Index Scan using notes_embedding_hnsw")),
        "{plan:#?}"
    );

    project.run(&db, &["push"]).assert_no_changes();

    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    assert_eq!(
        pulled.stdout.trim_end(),
        // pull lists the installed extension and says the file is the whole database:
        // pushing that back changes nothing.
        format!(
            "drop_other_schemas = true\n\nextensions = [\"vector\"]\n\n{}",
            NOTES.trim_end()
        ),
        "{}",
        pulled.stderr
    );
    project.write_schema(&pulled.stdout);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(db.value("SELECT count(*)::text FROM notes").await, "20");
}

#[tokio::test]
async fn a_changed_operator_class_or_build_parameter_rebuilds_just_that_index() {
    let db = vector_db("pgvector_changes", "public").await;
    let project = Project::new();
    project.write_schema(NOTES);
    project.run(&db, &["push"]).assert_code(0);
    db.exec(
        "INSERT INTO notes SELECT g, 'note', array_fill(g::real, ARRAY[1536])::vector \
         FROM generate_series(1, 5) g",
    )
    .await;

    // Cosine to inner product, and a denser graph: HNSW builds its graph with these, so
    // ALTER INDEX ... SET (m = 32) would leave the old graph: the index is rebuilt.
    project.write_schema(&NOTES.replace(
        r#"["embedding vector_cosine_ops"], using = "hnsw", with = { m = 16"#,
        r#"["embedding vector_l2_ops"], using = "hnsw", with = { m = 32"#,
    ));
    let dry = project.run(&db, &["push", "--dry-run"]);
    dry.assert_code(0);
    assert_eq!(
        dry.stdout
            .lines()
            .filter(|l| !l.starts_with("--"))
            .collect::<Vec<_>>(),
        [
            "DROP INDEX public.notes_embedding_hnsw;",
            "CREATE INDEX notes_embedding_hnsw ON public.notes USING hnsw (embedding vector_l2_ops) WITH (m='32', ef_construction='64');",
        ],
        "{}",
        dry.stdout
    );
    project.run(&db, &["push"]).assert_code(0);
    assert_eq!(
        opclasses_of(&db, "notes_embedding_hnsw").await,
        "vector_l2_ops"
    );
    assert_eq!(
        index_of(&db, "notes_embedding_hnsw").await.1,
        "m=32,ef_construction=64"
    );
    project.run(&db, &["push"]).assert_no_changes();

    // IVFFlat: fewer lists, and its default operator class (l2) written out: the server
    // prints no default operator class, and that is no difference.
    project.write_schema(&NOTES.replace(
        r#"["embedding vector_ip_ops"], using = "ivfflat", with = { lists = 100 }"#,
        r#"["embedding vector_l2_ops"], using = "ivfflat", with = { lists = 50 }"#,
    ));
    let dry = project.run(&db, &["push", "--dry-run"]);
    dry.assert_code(0);
    let statements: Vec<&str> = dry
        .stdout
        .lines()
        .filter(|l| !l.starts_with("--"))
        .collect();
    assert_eq!(statements.len(), 4, "{}", dry.stdout);
    assert!(
        statements.contains(&"DROP INDEX public.notes_embedding_ivfflat;")
            && statements.iter().any(|s| s.starts_with(
                "CREATE INDEX notes_embedding_ivfflat ON public.notes USING ivfflat (embedding"
            ) && s.ends_with(" WITH (lists='50');")),
        "{}",
        dry.stdout
    );
    project.run(&db, &["push"]).assert_code(0);
    assert_eq!(
        opclasses_of(&db, "notes_embedding_ivfflat").await,
        "vector_l2_ops"
    );
    assert_eq!(index_of(&db, "notes_embedding_ivfflat").await.1, "lists=50");
    project.run(&db, &["push"]).assert_no_changes();
    let pulled = project.run(&db, &["pull"]);
    assert!(
        pulled.stdout.contains(
            r#"notes_embedding_ivfflat = { columns = ["embedding"], using = "ivfflat", with = { lists = 50 } }"#
        ),
        "{}",
        pulled.stdout
    );
    project.write_schema(&pulled.stdout);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(db.value("SELECT count(*)::text FROM notes").await, "5");
}

#[tokio::test]
async fn generated_migrations_equal_a_push() {
    let pushed = vector_db("pgvector_gen_pushed", "public").await;
    let project = Project::new();
    project.write_schema(NOTES);
    project.run(&pushed, &["push"]).assert_code(0);

    // The app's first migration installs the extension by hand; generate writes the rest.
    let scratch = plain_db("pgvector_gen_scratch").await;
    project
        .run_offline(&["generate", "--empty", "--name", "vector"])
        .assert_code(0);
    let vector_file = std::fs::read_dir(project.path().join("migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "sql"))
        .unwrap();
    std::fs::write(&vector_file, "CREATE EXTENSION IF NOT EXISTS vector;\n").unwrap();
    project.run_offline(&["hash"]).assert_code(0);
    // What the hand-written file leaves, as generate's starting point (the README's way).
    let migrated = plain_db("pgvector_gen_migrated").await;
    project.run(&migrated, &["migrate"]).assert_code(0);
    project
        .run(
            &migrated,
            &["pull", "--out", "migrations/meta/snapshot.toml"],
        )
        .assert_code(0);
    let generated = project.run(&scratch, &["generate", "--name", "notes"]);
    generated.assert_code(0);
    let sql = std::fs::read_dir(project.path().join("migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with("_notes.sql"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .next()
        .unwrap_or_else(|| panic!("no notes migration: {}", generated.stdout));
    for wanted in [
        "USING hnsw (embedding vector_cosine_ops) WITH (m='16', ef_construction='64')",
        "USING ivfflat (embedding vector_ip_ops) WITH (lists='100')",
    ] {
        assert!(sql.contains(wanted), "{wanted:?} missing from:\n{sql}");
    }

    project.run(&migrated, &["migrate"]).assert_code(0);
    assert_same_schema(&pushed, &migrated, NOTES);
    assert!(dump(&migrated).contains(
        "USING hnsw (embedding public.vector_cosine_ops) WITH (m='16', ef_construction='64')"
    ));
    project.run(&migrated, &["push"]).assert_no_changes();

    let again = project.run(&scratch, &["generate"]);
    again.assert_code(0);
    assert_eq!(again.stdout.trim(), "no changes", "{}", again.stderr);
    // check replays the files (the extension's first) into a scratch database.
    let check = project.run(&scratch, &["check"]);
    check.assert_code(0);
    assert!(
        check
            .stdout
            .contains("ok: 2 migration(s) replay to exactly schema.toml"),
        "{}\n{}",
        check.stdout,
        check.stderr
    );

    // A change generates just the rebuild of that index, and migrates like a push.
    let changed = NOTES.replace("m = 16", "m = 24");
    project.write_schema(&changed);
    project
        .run(&scratch, &["generate", "--name", "denser"])
        .assert_code(0);
    project.run(&migrated, &["migrate"]).assert_code(0);
    project.run(&pushed, &["push"]).assert_code(0);
    assert_eq!(
        index_of(&migrated, "notes_embedding_hnsw").await.1,
        "m=24,ef_construction=64"
    );
    assert_same_schema(&pushed, &migrated, &changed);
}

/// Half-precision and sparse vectors, and the expression indexes pgvector's docs show
/// for them (a half-precision index of a full vector, binary quantization).
const HALF_AND_SPARSE: &str = r#"[tables.chunks.columns]
id = { type = "bigint", primary_key = true }
embedding = "public.vector(1536)"
half = { type = "public.halfvec(3072)", not_null = true }
sparse = "public.sparsevec(30000)"

[tables.chunks.indexes]
chunks_binary_idx = { columns = ["((public.binary_quantize(embedding))::bit(1536)) bit_hamming_ops"], using = "hnsw" }
chunks_half_idx = { columns = ["half halfvec_cosine_ops"], using = "hnsw", with = { m = 24 } }
chunks_half_of_full_idx = { columns = ["((embedding)::public.halfvec(1536)) halfvec_l2_ops"], using = "hnsw" }
chunks_half_ivfflat = { columns = ["half halfvec_ip_ops"], using = "ivfflat", with = { lists = 10 } }
chunks_sparse_idx = { columns = ["sparse sparsevec_l2_ops"], using = "hnsw", with = { ef_construction = 100 } }
"#;

#[tokio::test]
async fn halfvec_and_sparsevec_columns_and_their_indexes_round_trip() {
    let db = vector_db("pgvector_half_sparse", "public").await;
    let project = Project::new();
    project.write_schema(HALF_AND_SPARSE);
    project.run(&db, &["push"]).assert_code(0);
    assert_eq!(
        db.value(
            "SELECT string_agg(format_type(atttypid, atttypmod), ', ' ORDER BY attnum) \
             FROM pg_attribute WHERE attrelid = 'public.chunks'::regclass AND attnum > 0"
        )
        .await,
        "bigint, vector(1536), halfvec(3072), sparsevec(30000)"
    );
    assert_eq!(
        opclasses_of(&db, "chunks_half_idx").await,
        "halfvec_cosine_ops"
    );
    assert_eq!(
        opclasses_of(&db, "chunks_binary_idx").await,
        "bit_hamming_ops"
    );
    assert_eq!(
        opclasses_of(&db, "chunks_sparse_idx").await,
        "sparsevec_l2_ops"
    );
    assert_eq!(
        index_of(&db, "chunks_sparse_idx").await.1,
        "ef_construction=100"
    );
    project.run(&db, &["push"]).assert_no_changes();

    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    for wanted in [
        r#"half = { type = "public.halfvec(3072)", not_null = true }"#,
        r#"sparse = "public.sparsevec(30000)""#,
        r#"chunks_half_idx = { columns = ["half halfvec_cosine_ops"], using = "hnsw", with = { m = 24 } }"#,
        r#"chunks_sparse_idx = { columns = ["sparse sparsevec_l2_ops"], using = "hnsw", with = { ef_construction = 100 } }"#,
        "bit_hamming_ops",
    ] {
        assert!(
            pulled.stdout.contains(wanted),
            "{wanted:?} missing from:\n{}",
            pulled.stdout
        );
    }
    project.write_schema(&pulled.stdout);
    project.run(&db, &["push"]).assert_no_changes();

    // generate + migrate into a database that has the extension, against a push.
    project.write_schema(HALF_AND_SPARSE);
    let scratch = plain_db("pgvector_half_sparse_scratch").await;
    project.run(&scratch, &["generate"]).assert_code(0);
    let migrated = vector_db("pgvector_half_sparse_migrated", "public").await;
    project.run(&migrated, &["migrate"]).assert_code(0);
    assert_same_schema(&db, &migrated, HALF_AND_SPARSE);
    let again = project.run(&scratch, &["generate"]);
    again.assert_code(0);
    assert_eq!(again.stdout.trim(), "no changes", "{}", again.stderr);
}

#[tokio::test]
async fn the_extension_in_its_own_schema_stays_qualified() {
    // Supabase installs extensions in `extensions`: types and operator classes are then
    // named with that schema, in the file and in every statement.
    let db = vector_db("pgvector_own_schema", "extensions").await;
    // ... and puts it on the search_path of every session, as Supabase does.
    db.exec(&format!(
        "ALTER DATABASE \"{}\" SET search_path = \"$user\", public, extensions",
        db.name
    ))
    .await;
    let project = Project::new();
    let schema = r#"[tables.items.columns]
id = { type = "bigint", primary_key = true }
embedding = "extensions.vector(3)"

[tables.items.indexes]
items_embedding_idx = { columns = ["embedding extensions.vector_cosine_ops"], using = "hnsw" }
items_l1_idx = { columns = ["embedding extensions.vector_l1_ops"], using = "hnsw", with = { m = 4 } }
"#;
    project.write_schema(schema);
    let dry = project.run(&db, &["push", "--dry-run"]);
    dry.assert_code(0);
    assert!(
        dry.stdout.contains("embedding extensions.vector(3)")
            && dry
                .stdout
                .contains("USING hnsw (embedding extensions.vector_cosine_ops)"),
        "{}",
        dry.stdout
    );
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        opclasses_of(&db, "items_embedding_idx").await,
        "vector_cosine_ops"
    );
    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    // The schema is listed, as every schema pull finds; that changes nothing.
    assert_eq!(
        pulled.stdout.trim_end(),
        format!(
            "schemas = [\"extensions\", \"public\"]\n\ndrop_other_schemas = true\n\n[extensions]\nvector = {{ schema = \"extensions\" }}\n\n{}",
            schema.trim_end()
        ),
        "{}",
        pulled.stderr
    );
    project.write_schema(&pulled.stdout);
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn a_wrong_operator_class_or_parameter_is_named_and_changes_nothing() {
    let db = vector_db("pgvector_errors", "public").await;
    let project = Project::new();
    project.write_schema(&NOTES.replace("vector_cosine_ops", "vector_cosine"));
    let run = project.run(&db, &["push"]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stderr.contains("vector_cosine") && run.stderr.contains("does not exist"),
        "{}",
        run.stderr
    );
    assert_eq!(
        db.value("SELECT count(*)::text FROM pg_class WHERE relname = 'notes'")
            .await,
        "0"
    );

    // HNSW needs at least 2 neighbours per layer.
    project.write_schema(&NOTES.replace("m = 16", "m = 1"));
    let run = project.run(&db, &["push"]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stderr.contains("notes_embedding_hnsw") && run.stderr.contains("\"m\""),
        "{}",
        run.stderr
    );
    assert_eq!(
        db.value("SELECT count(*)::text FROM pg_class WHERE relname = 'notes'")
            .await,
        "0"
    );
}

/// The README's pgvector example, taken from the README itself.
fn readme_example() -> String {
    let readme = include_str!("../../README.md");
    let section = readme
        .split_once("#### pgvector (semantic search)")
        .expect("the README's pgvector section")
        .1;
    let block = section
        .split_once("```toml\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .expect("a toml block in the README's pgvector section")
        .0;
    block.to_string()
}

#[tokio::test]
async fn the_readme_example_pushes_settles_and_pulls_back() {
    let db = vector_db("pgvector_readme", "public").await;
    let project = Project::new();
    project.write_schema(&readme_example());
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        db.value(
            "SELECT count(*)::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             JOIN pg_am a ON a.oid = c.relam WHERE i.indrelid = 'public.notes'::regclass \
             AND a.amname IN ('hnsw', 'ivfflat')"
        )
        .await,
        "5"
    );
    let pulled = project.run(&db, &["pull"]);
    pulled.assert_code(0);
    project.write_schema(&pulled.stdout);
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn generate_builds_a_halfvec_only_table_with_its_extension() {
    // No `vector` column names the extension: generate's scratch database still gets
    // it, so the index key is written in the server's spelling and settles.
    let project = Project::new();
    project.write_schema(
        r#"[tables.passages.columns]
id = { type = "bigint", primary_key = true }
half = "public.halfvec(4)"

[tables.passages.indexes]
passages_half_idx = { columns = ["(half::public.vector(4)) vector_cosine_ops"], using = "hnsw" }
"#,
    );
    let scratch = plain_db("pgvector_halfvec_only_scratch").await;
    project.run(&scratch, &["generate"]).assert_code(0);
    let sql: String = std::fs::read_dir(project.path().join("migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(
        sql.contains("USING hnsw (((half)::vector(4)) vector_cosine_ops)"),
        "{sql}"
    );
    let migrated = vector_db("pgvector_halfvec_only_migrated", "public").await;
    project.run(&migrated, &["migrate"]).assert_code(0);
    project.run(&migrated, &["push"]).assert_no_changes();
    let again = project.run(&scratch, &["generate"]);
    again.assert_code(0);
    assert_eq!(again.stdout.trim(), "no changes", "{}", again.stderr);
}

#[tokio::test]
async fn a_generated_index_rewritten_to_build_concurrently_settles() {
    // On a large table the HNSW build must not hold push's transaction: the generated
    // file is edited to build the index concurrently, outside a transaction.
    let without_hnsw: String = NOTES
        .lines()
        .filter(|l| !l.starts_with("notes_embedding_hnsw"))
        .map(|l| format!("{l}\n"))
        .collect();
    let db = vector_db("pgvector_concurrently", "public").await;
    let scratch = plain_db("pgvector_concurrently_scratch").await;
    let project = Project::new();
    project.write_schema(&without_hnsw);
    project
        .run(&scratch, &["generate", "--name", "notes"])
        .assert_code(0);
    project.run(&db, &["migrate"]).assert_code(0);
    db.exec(
        "INSERT INTO notes SELECT g, 'note', array_fill(g::real, ARRAY[1536])::vector \
         FROM generate_series(1, 50) g",
    )
    .await;

    project.write_schema(NOTES);
    project
        .run(&scratch, &["generate", "--name", "hnsw"])
        .assert_code(0);
    let file = std::fs::read_dir(project.path().join("migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("_hnsw.sql"))
        .expect("the hnsw migration");
    let generated = std::fs::read_to_string(&file).unwrap();
    let body = generated
        .split_once('\n')
        .map_or(generated.as_str(), |(_, rest)| rest);
    assert!(
        body.contains("CREATE INDEX notes_embedding_hnsw"),
        "{generated}"
    );
    std::fs::write(
        &file,
        format!(
            "-- brain-db:no-transaction\n{}",
            body.replace("CREATE INDEX ", "CREATE INDEX CONCURRENTLY ")
        ),
    )
    .unwrap();
    project.run_offline(&["hash"]).assert_code(0);
    project.run(&db, &["migrate"]).assert_code(0);

    assert_eq!(
        db.value(
            "SELECT indisvalid::text FROM pg_index \
             WHERE indexrelid = 'public.notes_embedding_hnsw'::regclass"
        )
        .await,
        "true"
    );
    assert_eq!(
        opclasses_of(&db, "notes_embedding_hnsw").await,
        "vector_cosine_ops"
    );
    project.run(&db, &["push"]).assert_no_changes();
    let again = project.run(&scratch, &["generate"]);
    again.assert_code(0);
    assert_eq!(again.stdout.trim(), "no changes", "{}", again.stderr);
}

#[tokio::test]
async fn an_index_key_in_table_form_is_the_same_index_as_its_text() {
    let db = vector_db("pgvector_key_table_form", "public").await;
    let project = Project::new();
    let table_form = NOTES
        .replace(
            r#"["embedding vector_cosine_ops"]"#,
            r#"[{ column = "embedding", opclass = "vector_cosine_ops" }]"#,
        )
        .replace(
            r#"["embedding vector_ip_ops"]"#,
            r#"[{ column = "embedding", opclass = "vector_ip_ops" }]"#,
        );
    assert_ne!(table_form, NOTES);
    project.write_schema(&table_form);
    let dry = project.run(&db, &["push", "--dry-run"]);
    assert!(
        dry.stdout
            .contains("USING hnsw (embedding vector_cosine_ops) WITH (m='16'"),
        "{}",
        dry.stdout
    );
    project.run(&db, &["push"]).assert_code(0);
    project.run(&db, &["push"]).assert_no_changes();
    assert_eq!(
        opclasses_of(&db, "notes_embedding_hnsw").await,
        "vector_cosine_ops"
    );
    // pull writes the text form: the same indexes.
    let pulled = project.run(&db, &["pull"]);
    assert_eq!(
        pulled.stdout.trim_end(),
        // pull lists the installed extension and says the file is the whole database:
        // pushing that back changes nothing.
        format!(
            "drop_other_schemas = true\n\nextensions = [\"vector\"]\n\n{}",
            NOTES.trim_end()
        ),
        "{}",
        pulled.stderr
    );
    project.write_schema(NOTES);
    project.run(&db, &["push"]).assert_no_changes();
    // An operator class changed in table form rebuilds the index.
    project.write_schema(&table_form.replace(
        r#"opclass = "vector_cosine_ops""#,
        r#"opclass = "vector_l1_ops""#,
    ));
    project.run(&db, &["push"]).assert_code(0);
    assert_eq!(
        opclasses_of(&db, "notes_embedding_hnsw").await,
        "vector_l1_ops"
    );
    project.run(&db, &["push"]).assert_no_changes();
}

#[tokio::test]
async fn an_index_left_invalid_by_a_failed_concurrent_build_is_rebuilt() {
    // An HNSW build of 3-dimension vectors fails on a row of another dimension; built
    // concurrently, it leaves an index the server does not use, which must not pass for
    // the declared one.
    let db = vector_db("pgvector_invalid_index", "public").await;
    db.exec(
        "CREATE TABLE items (id bigint PRIMARY KEY, embedding public.vector);
         INSERT INTO items VALUES (1, '[1,2,3]'), (2, '[1,2]');",
    )
    .await;
    let failed = db
        .error_of(
            "CREATE INDEX CONCURRENTLY items_hnsw ON items \
             USING hnsw ((embedding::public.vector(3)) vector_l2_ops)",
        )
        .await;
    assert!(failed.contains("expected 3 dimensions, not 2"), "{failed}");
    let validity = "SELECT indisvalid::text FROM pg_index \
                    WHERE indexrelid = 'public.items_hnsw'::regclass";
    assert_eq!(db.value(validity).await, "false");
    db.exec("DELETE FROM items WHERE id = 2").await;

    let project = Project::new();
    let pulled = project.run(&db, &["pull", "--out", "schema.toml"]);
    pulled.assert_code(0);
    assert!(
        pulled
            .stderr
            .contains("push rebuilds them: items_hnsw (on items)"),
        "{}",
        pulled.stderr
    );
    let dry = project.run(&db, &["push", "--dry-run"]);
    dry.assert_code(0);
    assert_eq!(
        dry.stdout
            .lines()
            .filter(|l| !l.starts_with("--"))
            .collect::<Vec<_>>(),
        [
            "DROP INDEX public.items_hnsw;",
            "CREATE INDEX items_hnsw ON public.items USING hnsw (((embedding)::vector(3)) vector_l2_ops);",
        ],
        "{}",
        dry.stdout
    );
    project.run(&db, &["push"]).assert_code(0);
    assert_eq!(db.value(validity).await, "true");
    project.run(&db, &["push"]).assert_no_changes();
}
