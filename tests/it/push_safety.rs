//! How a push stops: a failure after committed enum values, a lost connection, a killed
//! or signalled brain-db. Each leaves a database in a known state and says which.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::harness::{Project, TestDb};

/// A table with one row, and a new check whose validation sleeps: the push spends
/// minutes in that one statement unless something stops it.
const SLOW_BASE: &str = "[tables.slow.columns]\nn = \"integer\"\n";
const SLOW_CHECK: &str =
    "[tables.slow.columns]\nn = { type = \"integer\", check = \"pg_sleep(300) IS NOT NULL\" }\n";

async fn slow_setup(label: &str, extra: &str) -> (TestDb, Project) {
    let db = TestDb::new(label).await;
    let project = Project::new();
    project.write_schema(SLOW_BASE);
    project.run(&db, &["push"]).assert_code(0);
    db.exec("insert into slow values (1)").await;
    project.write_schema(&format!("{SLOW_CHECK}{extra}"));
    (db, project)
}

fn spawn_push(project: &Project, db: &TestDb) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_brain-db"))
        .current_dir(project.path())
        .env_remove("DATABASE_URL")
        .args(["--database-url", &db.url, "push"])
        // The plan printed on stdout would fill an unread pipe and stall the push.
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn brain-db push")
}

/// Polls `probe` (every 100 ms, up to `limit`) until it returns `Some`.
async fn poll<T, F: std::future::Future<Output = Option<T>>>(
    limit: Duration,
    what: &str,
    mut probe: impl FnMut() -> F,
) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(start.elapsed() < limit, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The pid of the backend running the sleeping check.
async fn sleeping_backend(db: &TestDb) -> String {
    poll(
        Duration::from_secs(60),
        "the push to reach its slow statement",
        || async {
            db.column(&format!(
                "select pid::text from pg_stat_activity where datname = '{}' \
             and application_name = 'brain-db' and wait_event = 'PgSleep'",
                db.name
            ))
            .await
            .into_iter()
            .next()
            .flatten()
        },
    )
    .await
}

/// The backend is gone and holds no lock: asserted by polling, not by timing.
async fn assert_backend_gone(db: &TestDb, pid: &str, limit: Duration) {
    poll(
        limit,
        "the killed push's backend and locks to go",
        || async {
            let left = db
                .value(&format!(
                    "select (select count(*) from pg_stat_activity where pid = {pid}) \
                      + (select count(*) from pg_locks where pid = {pid})"
                ))
                .await;
            (left == "0").then_some(())
        },
    )
    .await;
}

async fn assert_check_absent(db: &TestDb) {
    assert_eq!(
        db.value("select count(*) from pg_constraint where conname = 'slow_n_check'")
            .await,
        "0"
    );
}

/// `kill -9` of a push: the server notices the dead client while the statement runs
/// (client_connection_check_interval), rolls back and releases the locks.
#[tokio::test]
async fn a_killed_push_leaves_no_backend_and_no_lock_behind() {
    let (db, project) = slow_setup("push_kill9", "").await;
    let mut child = spawn_push(&project, &db);
    let pid = sleeping_backend(&db).await;
    child.start_kill().expect("kill -9");
    child.wait().await.expect("reap");
    // The statement sleeps for 300 s: only the connection check ends it sooner.
    assert_backend_gone(&db, &pid, Duration::from_secs(10)).await;
    assert_check_absent(&db).await;
}

/// SIGTERM: brain-db asks the server to cancel the running statement first, reports
/// how it stopped, and nothing is applied.
#[tokio::test]
async fn sigterm_cancels_the_running_statement_and_applies_nothing() {
    let (db, project) =
        slow_setup("push_sigterm", "[tables.other.columns]\nid = \"integer\"\n").await;
    let child = spawn_push(&project, &db);
    let pid = sleeping_backend(&db).await;
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().expect("running").to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("brain-db exits after SIGTERM")
        .expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("SIGTERM: asking the server to cancel"),
        "{stderr}"
    );
    // The server's own answer to the cancel request.
    assert!(
        stderr.contains("canceling statement due to user request"),
        "{stderr}"
    );
    assert!(stderr.contains("ADD CONSTRAINT slow_n_check"), "{stderr}");
    assert!(stderr.contains("nothing was applied"), "{stderr}");
    assert_backend_gone(&db, &pid, Duration::from_secs(10)).await;
    assert_check_absent(&db).await;
    assert_eq!(
        db.value("select count(*) from pg_class where relname = 'other'")
            .await,
        "0"
    );
}

/// A connection terminated in the middle of a 2,001-statement push: the message names
/// the statement that was running, says the connection was lost and that the server
/// rolled the transaction back — not the whole plan as the "statement".
#[tokio::test]
async fn a_lost_connection_names_the_running_statement_and_the_rollback() {
    let tables: String = (0..2000)
        .map(|i| format!("[tables.t_{i:04}.columns]\nid = \"integer\"\n"))
        .collect();
    let (db, project) = slow_setup("push_terminated", &tables).await;
    let child = spawn_push(&project, &db);
    let pid = sleeping_backend(&db).await;
    assert_eq!(
        db.value(&format!("select pg_terminate_backend({pid})::text"))
            .await,
        "true"
    );
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("brain-db exits")
        .expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the connection to the server was lost"),
        "{stderr}"
    );
    assert!(
        stderr.contains(" of 2001: ALTER TABLE public.slow ADD CONSTRAINT slow_n_check"),
        "{stderr}"
    );
    assert!(stderr.contains("rolled back by the server"), "{stderr}");
    assert!(
        !stderr.contains("CREATE TABLE"),
        "the whole plan was printed:\n{stderr}"
    );
    assert!(stderr.lines().count() < 10, "{stderr}");
    assert_check_absent(&db).await;
    assert_eq!(
        db.value("select count(*) from pg_class where relname like 't\\_%'")
            .await,
        "0"
    );
}

/// New enum values are committed before the rest of the plan (they cannot be used in
/// the transaction that adds them): after a later failure the message says that they
/// were committed, instead of "nothing was applied".
#[tokio::test]
async fn a_failure_after_committed_enum_values_says_what_was_committed() {
    let db = TestDb::new("push_enum_committed").await;
    let project = Project::new();
    project.write_schema("[enums]\nmood = [\"a\"]\n[tables.e.columns]\nm = \"mood\"\n");
    project.run(&db, &["push"]).assert_code(0);
    db.exec("insert into e values ('a')").await;
    project.write_schema(
        "[enums]\nmood = [\"a\", \"b\"]\n[tables.e.columns]\nm = { type = \"mood\", check = \"m = 'b'\" }\n",
    );
    let run = project.run(&db, &["push"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("is violated by some row"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("already committed before it"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("ALTER TYPE public.mood ADD VALUE 'b'"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("nothing was applied"),
        "{}",
        run.stderr
    );
    assert_eq!(
        db.value("select string_agg(enumlabel, ',' order by enumsortorder) from pg_enum")
            .await,
        "a,b"
    );
    assert_eq!(
        db.value("select count(*) from pg_constraint where conrelid = 'e'::regclass")
            .await,
        "0"
    );
}

/// migrate opens its session the same way as push: a killed migrate's backend goes too.
#[tokio::test]
async fn a_killed_migrate_leaves_no_backend_and_no_lock_behind() {
    let db = TestDb::new("migrate_kill9").await;
    let project = Project::new();
    let dir = project.path().join("migrations");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("0001_slow.sql"),
        "CREATE TABLE slow (n integer);\nSELECT pg_sleep(300);\n",
    )
    .expect("write migration");
    project.run_offline(&["hash"]).assert_code(0);
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_brain-db"))
        .current_dir(project.path())
        .env_remove("DATABASE_URL")
        .args(["--database-url", &db.url, "migrate"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn brain-db migrate");
    let pid = sleeping_backend(&db).await;
    child.start_kill().expect("kill -9");
    child.wait().await.expect("reap");
    assert_backend_gone(&db, &pid, Duration::from_secs(10)).await;
    assert_eq!(
        db.value("select count(*) from pg_class where relname = 'slow'")
            .await,
        "0"
    );
}

/// The pipelined statements run in plan order: each depends on the one before it.
#[tokio::test]
async fn pipelined_statements_run_in_plan_order() {
    use brain_db::plan::{Plan, Step};
    let db = TestDb::new("pipeline_order").await;
    let step = |sql: String| Step {
        sql,
        hazard: None,
        commit_first: false,
    };
    let mut steps = vec![step("CREATE TABLE chain (c0 integer)".to_string())];
    steps.extend((1..500).map(|i| step(format!("ALTER TABLE chain ADD COLUMN c{i} integer"))));
    steps.push(step("INSERT INTO chain (c499) VALUES (499)".to_string()));
    let plan = Plan::of_steps(steps);
    let mut client = brain_db::db::connect(&db.url).await.expect("connect");
    brain_db::apply::apply(&mut client, &plan)
        .await
        .expect("apply");
    let expected: Vec<String> = (0..500).map(|i| format!("c{i}")).collect();
    assert_eq!(
        db.value(
            "select string_agg(attname, ',' order by attnum) from pg_attribute \
                  where attrelid = 'chain'::regclass and attnum > 0"
        )
        .await,
        expected.join(",")
    );
    assert_eq!(db.value("select c499::text from chain").await, "499");
}
