//! `brain-db studio`: the binary serving a fresh database with the repository's
//! schema.toml pushed into it. The HTTP-level refusals (token, Host, origin,
//! --read-only) are plain requests; the page itself is driven in headless Chromium
//! through chromedriver (`mod browser`).

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::harness::{Project, TestDb};

mod browser;

/// A database with the repository's schema.toml pushed and a few rows.
pub async fn seeded_db(label: &str) -> (TestDb, Project) {
    let db = TestDb::new(label).await;
    let project = Project::new();
    project.write_schema(include_str!("../../schema.toml"));
    project.run(&db, &["push"]).assert_code(0);
    db.exec(
        "INSERT INTO tasks (id, title, description, status, priority, project, tags, due_date) \
         SELECT ('00000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, 'Task ' || g, \
                CASE g % 3 WHEN 0 THEN '' WHEN 1 THEN NULL ELSE repeat('a long description ', 30) END, \
                (ARRAY['todo', 'in_progress', 'done', 'blocked'])[1 + g % 4], g % 5, \
                'project ' || (g % 3), ARRAY['home', 'with space'], \
                timestamptz '2026-03-01 09:00+00' + g * interval '1 day' \
         FROM generate_series(1, 120) AS g; \
         INSERT INTO reminders (id, task_id, message, remind_at) \
         SELECT ('10000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, \
                ('00000000-0000-0000-0000-' || lpad((g * 7)::text, 12, '0'))::uuid, \
                'Remember task ' || (g * 7), timestamptz '2026-04-01 08:00+00' \
         FROM generate_series(1, 5) AS g;",
    )
    .await;
    (db, project)
}

/// A running `brain-db studio`, stopped with SIGINT (Ctrl-C) when dropped.
pub struct Studio {
    child: Option<Child>,
    /// The printed address, with the token.
    pub url: String,
    pub port: u16,
    pub token: String,
}

impl Studio {
    pub async fn start(db: &TestDb, project: &Project, extra: &[&str]) -> Studio {
        let mut child = Command::new(env!("CARGO_BIN_EXE_brain-db"))
            .current_dir(project.path())
            .env_remove("DATABASE_URL")
            .arg("--database-url")
            .arg(&db.url)
            .args(["studio", "--port", "0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start brain-db studio");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("studio prints its address within a minute")
            .expect("read studio output");
        let Some(line) = line else {
            let mut err = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                let _ = stderr.read_to_string(&mut err).await;
            }
            panic!("studio exited without printing its address: {err}");
        };
        let url = line
            .strip_prefix("studio: ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        let rest = url
            .strip_prefix("http://127.0.0.1:")
            .expect("loopback address");
        let (port, token) = rest.split_once("/?token=").expect("token in the address");
        Studio {
            port: port.parse().expect("port"),
            token: token.to_string(),
            url,
            child: Some(child),
        }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn cookie(&self) -> String {
        format!("brain_db_studio_{}={}", self.port, self.token)
    }

    /// A request with the cookie and this server's Host and Origin, as the page sends it.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Response {
        let host = format!("127.0.0.1:{}", self.port);
        let origin = self.base();
        let cookie = self.cookie();
        let mut headers = vec![("Host", host.as_str()), ("Cookie", cookie.as_str())];
        if method != "GET" {
            headers.push(("Origin", origin.as_str()));
        }
        request(self.port, method, path, &headers, body).await
    }

    /// Ctrl-C: the process exits 0 and says so.
    pub async fn stop(mut self) -> String {
        let mut child = self.child.take().expect("running");
        let pid = child.id().expect("pid");
        let status = std::process::Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -INT failed");
        let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
            .await
            .expect("studio stops within 30 s of Ctrl-C")
            .expect("wait");
        let mut err = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_string(&mut err).await;
        }
        assert_eq!(status.code(), Some(0), "studio exit status; stderr: {err}");
        err
    }
}

impl Drop for Studio {
    fn drop(&mut self) {
        if let Some(child) = &self.child
            && let Some(pid) = child.id()
        {
            let _ = std::process::Command::new("kill")
                .args(["-INT", &pid.to_string()])
                .status();
        }
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    }
}

/// One HTTP/1.1 request with exactly these headers (a client library would set its own
/// Host and Origin, which is what these tests vary).
pub async fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect to the studio");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut text = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        text.push_str("Content-Type: application/json\r\n");
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(text.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut raw))
        .await
        .expect("answer within a minute")
        .expect("read");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad response {raw:?}"));
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Response {
        status,
        head: head.to_string(),
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

async fn title_of(db: &TestDb, id: u32) -> String {
    db.value(&format!(
        "SELECT title FROM tasks WHERE id = '00000000-0000-0000-0000-{id:012}'"
    ))
    .await
}

fn task_key(id: u32) -> Value {
    json!({ "id": format!("00000000-0000-0000-0000-{id:012}") })
}

#[tokio::test]
async fn studio_refuses_requests_without_token_from_foreign_host_or_cross_origin() {
    let (db, project) = seeded_db("studio_refusals").await;
    let studio = Studio::start(&db, &project, &[]).await;
    let host = format!("127.0.0.1:{}", studio.port);
    let cookie = studio.cookie();

    // No token: 401, for the API and the page alike.
    let r = request(studio.port, "GET", "/api/tables", &[("Host", &host)], None).await;
    assert_eq!(r.status, 401, "{r:?}");
    assert!(r.json()["error"].as_str().unwrap().contains("token"));
    let r = request(studio.port, "GET", "/", &[("Host", &host)], None).await;
    assert_eq!(r.status, 401);
    let r = request(studio.port, "GET", "/?token=0123", &[("Host", &host)], None).await;
    assert_eq!(r.status, 401, "a wrong token");

    // The URL token is traded for an HttpOnly SameSite=Strict cookie.
    let path = format!("/?token={}", studio.token);
    let r = request(studio.port, "GET", &path, &[("Host", &host)], None).await;
    assert_eq!(r.status, 303);
    let set_cookie = r.header("set-cookie").expect("a cookie");
    assert!(set_cookie.starts_with(&cookie), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    let r = request(
        studio.port,
        "GET",
        "/",
        &[("Host", &host), ("Cookie", &cookie)],
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("brain-db studio"));
    let tables = studio.call("GET", "/api/tables", None).await.json();
    let names: Vec<&str> = tables["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["conversations", "reminders", "tasks"]);

    // A foreign Host (DNS rebinding) is refused even with the cookie.
    for bad_host in ["evil.example", "evil.example:80", "127.0.0.1:1"] {
        let r = request(
            studio.port,
            "GET",
            "/api/tables",
            &[("Host", bad_host), ("Cookie", &cookie)],
            None,
        )
        .await;
        assert_eq!(r.status, 403, "Host {bad_host}");
    }
    let r = request(
        studio.port,
        "GET",
        "/api/tables",
        &[("Cookie", &cookie)],
        None,
    )
    .await;
    assert_eq!(r.status, 403, "no Host");

    // A write from another origin, or one that does not say where it comes from: 403,
    // and the row is untouched.
    let edit = json!({ "key": task_key(1), "seen": {}, "set": { "title": "hacked" } });
    for extra in [
        vec![("Origin", "http://evil.example")],
        vec![("Sec-Fetch-Site", "cross-site")],
        vec![],
    ] {
        let mut headers = vec![("Host", host.as_str()), ("Cookie", cookie.as_str())];
        headers.extend(extra.iter().copied());
        let r = request(
            studio.port,
            "PATCH",
            "/api/tables/public/tasks/rows",
            &headers,
            Some(edit.clone()),
        )
        .await;
        assert_eq!(r.status, 403, "{extra:?}: {r:?}");
    }
    assert_eq!(title_of(&db, 1).await, "Task 1");
    // The same write from the page's origin goes through.
    let r = studio
        .call("PATCH", "/api/tables/public/tasks/rows", Some(edit))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(title_of(&db, 1).await, "hacked");

    // Ctrl-C: a clean exit, and no session of the studio is left on the server.
    let stderr = studio.stop().await;
    assert!(stderr.contains("studio stopped"), "{stderr}");
    let sessions = db
        .value(&format!(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}' AND application_name = 'brain-db studio'",
            db.name
        ))
        .await;
    assert_eq!(sessions, "0");
}

#[tokio::test]
async fn studio_read_only_is_enforced_by_postgres() {
    let (db, project) = seeded_db("studio_read_only").await;
    let studio = Studio::start(&db, &project, &["--read-only"]).await;
    let tables = studio.call("GET", "/api/tables", None).await.json();
    assert_eq!(tables["read_only"], true);
    let structure = studio
        .call("GET", "/api/tables/public/tasks", None)
        .await
        .json();
    assert_eq!(structure["writable"], false);

    let seen = studio
        .call(
            "GET",
            &format!(
                "/api/tables/public/tasks/row?key={}",
                urlencode(&task_key(2).to_string())
            ),
            None,
        )
        .await
        .json()["row"]
        .clone();
    let writes = [
        (
            "PATCH",
            json!({ "key": task_key(2), "seen": seen, "set": { "title": "changed" } }),
        ),
        ("DELETE", json!({ "key": task_key(2), "seen": seen })),
        ("POST", json!({ "values": { "title": "new" } })),
    ];
    for (method, body) in writes {
        let r = studio
            .call(method, "/api/tables/public/tasks/rows", Some(body))
            .await;
        assert_eq!(r.status, 403, "{method}: {r:?}");
        let answer = r.json();
        // PostgreSQL itself refused it: read_only_sql_transaction.
        assert_eq!(answer["sqlstate"], "25006", "{method}: {answer}");
        assert!(answer["error"].as_str().unwrap().contains("read-only"));
    }
    assert_eq!(title_of(&db, 2).await, "Task 2");
    assert_eq!(db.value("SELECT count(*) FROM tasks").await, "120");
    studio.stop().await;
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Walks every page of a view and returns the rows' first column values.
/// Walking `table` page by page with `query` yields its keys (the first column) in the
/// order PostgreSQL gives for `order`.
async fn assert_walk_in_order(
    studio: &Studio,
    db: &TestDb,
    table: &str,
    key: &str,
    query: &str,
    order: &str,
    what: &str,
) {
    let walked: Vec<String> = walk(studio, table, query)
        .await
        .into_iter()
        .map(|row| row[0].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = db
        .column(&format!("SELECT {key}::text AS value FROM {table} {order}"))
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(walked, expected, "{what}");
}

async fn walk(studio: &Studio, table: &str, query: &str) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    let mut after: Option<Value> = None;
    for _ in 0..1000 {
        let mut path = format!("/api/tables/public/{table}/rows?limit=7&{query}");
        if let Some(cursor) = &after {
            path.push_str(&format!("&after={}", urlencode(&cursor.to_string())));
        }
        let r = studio.call("GET", &path, None).await;
        assert_eq!(r.status, 200, "{path}: {r:?}");
        let page = r.json();
        for row in page["rows"].as_array().unwrap() {
            out.push(row["values"].as_array().unwrap().clone());
        }
        match &page["next"] {
            Value::Null => return out,
            next => after = Some(next.clone()),
        }
    }
    panic!("more than 1000 pages");
}

#[tokio::test]
async fn studio_pages_in_keyset_order_with_sort_and_filters() {
    let (db, project) = seeded_db("studio_paging").await;
    // Duplicate and NULL sort values make the (column, key) order matter.
    db.exec("UPDATE tasks SET project = NULL WHERE priority = 3; UPDATE tasks SET due_date = NULL WHERE priority = 4")
        .await;
    let studio = Studio::start(&db, &project, &[]).await;

    let cases = [
        ("", "ORDER BY id"),
        ("sort=project", "ORDER BY project ASC NULLS LAST, id"),
        (
            "sort=project&desc=true",
            "ORDER BY project DESC NULLS FIRST, id DESC",
        ),
        (
            "sort=due_date&desc=true",
            "ORDER BY due_date DESC NULLS FIRST, id DESC",
        ),
        ("sort=id&desc=true", "ORDER BY id DESC"),
    ];
    for (query, order) in cases {
        assert_walk_in_order(&studio, &db, "tasks", "id", query, order, query).await;
    }

    // An integer key and an integer sort column: typed order, not the text order
    // ("10" < "9").
    db.exec(
        "CREATE TABLE numbers (n int PRIMARY KEY, m int); \
         INSERT INTO numbers SELECT g, (g * 7) % 11 FROM generate_series(1, 30) AS g",
    )
    .await;
    // Listing the tables re-reads the structure.
    assert_eq!(studio.call("GET", "/api/tables", None).await.status, 200);
    for (query, order) in [
        ("", "ORDER BY n"),
        ("sort=m", "ORDER BY m, n"),
        ("sort=m&desc=true", "ORDER BY m DESC, n DESC"),
    ] {
        let what = format!("numbers {query}");
        assert_walk_in_order(&studio, &db, "numbers", "n", query, order, &what).await;
    }

    // Filters: equals, contains, is null, <, > (combined), compared with PostgreSQL.
    let filters = json!([
        { "column": "title", "op": "contains", "value": "task 1" },
        { "column": "priority", "op": "gt", "value": "0" },
        { "column": "priority", "op": "lt", "value": "4" },
        { "column": "project", "op": "not_null" },
    ]);
    let query = format!("sort=title&filters={}", urlencode(&filters.to_string()));
    let titles: Vec<Value> = walk(&studio, "tasks", &query)
        .await
        .into_iter()
        .map(|r| r[1].clone())
        .collect();
    let expected: Vec<Value> = db
        .column("SELECT title FROM tasks WHERE title ILIKE '%task 1%' AND priority > 0 AND priority < 4 AND project IS NOT NULL ORDER BY title, id")
        .await
        .into_iter()
        .map(|t| json!(t))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(titles, expected);
    let nulls = json!([{ "column": "description", "op": "is_null" }]);
    let rows = walk(
        &studio,
        "tasks",
        &format!("filters={}", urlencode(&nulls.to_string())),
    )
    .await;
    assert_eq!(rows.len(), 40);
    // NULL and the empty string stay distinct; long text is cut with the rest on demand.
    let eq_empty = json!([{ "column": "description", "op": "eq", "value": "" }]);
    let page = studio
        .call(
            "GET",
            &format!(
                "/api/tables/public/tasks/rows?filters={}",
                urlencode(&eq_empty.to_string())
            ),
            None,
        )
        .await
        .json();
    assert_eq!(page["rows"].as_array().unwrap().len(), 40);
    assert_eq!(page["rows"][0]["values"][2], "");
    let first = studio
        .call("GET", "/api/tables/public/tasks/rows?limit=2", None)
        .await
        .json();
    assert_eq!(first["rows"][0]["values"][2], Value::Null);
    assert_eq!(first["rows"][1]["truncated"], json!([2]));
    let full = studio
        .call(
            "GET",
            &format!(
                "/api/tables/public/tasks/row?key={}",
                urlencode(&task_key(2).to_string())
            ),
            None,
        )
        .await
        .json();
    assert_eq!(full["row"]["description"], "a long description ".repeat(30));
    assert_eq!(full["row"]["tags"], "{home,\"with space\"}");

    // A column name that the table does not have never reaches SQL.
    let r = studio
        .call(
            "GET",
            "/api/tables/public/tasks/rows?sort=title%22%3B%20drop%20table%20tasks%3B--",
            None,
        )
        .await;
    assert_eq!(r.status, 400);
    let r = studio
        .call("GET", "/api/tables/public/nope/rows", None)
        .await;
    assert_eq!(r.status, 404);

    // CSV of the filtered view.
    let r = studio
        .call(
            "GET",
            &format!(
                "/api/tables/public/tasks/export.csv?sort=title&filters={}",
                urlencode(&filters.to_string())
            ),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    let lines: Vec<&str> = r.body.lines().collect();
    assert_eq!(
        lines[0],
        "id,title,description,status,priority,project,due_date,tags,created_at,updated_at,completed_at"
    );
    assert_eq!(lines.len(), expected.len() + 1);
    assert!(lines[1].contains(expected[0].as_str().unwrap()));
    studio.stop().await;
}

#[tokio::test]
async fn studio_writes_are_guarded_by_the_values_seen() {
    let (db, project) = seeded_db("studio_guarded").await;
    db.exec(
        "CREATE TABLE notes (id int PRIMARY KEY, body json, spot point); \
         INSERT INTO notes VALUES (1, '{\"a\": [1, 2]}', '(1,2)'); \
         CREATE TABLE log_lines (line text)",
    )
    .await;
    let studio = Studio::start(&db, &project, &[]).await;
    let row_path = format!(
        "/api/tables/public/tasks/row?key={}",
        urlencode(&task_key(3).to_string())
    );
    let seen = studio.call("GET", &row_path, None).await.json()["row"].clone();

    // Someone else changes the row meanwhile: the edit is refused, nothing overwritten.
    db.exec("UPDATE tasks SET title = 'changed elsewhere' WHERE id = '00000000-0000-0000-0000-000000000003'")
        .await;
    let stale = json!({ "key": task_key(3), "seen": seen, "set": { "title": "mine" } });
    let r = studio
        .call("PATCH", "/api/tables/public/tasks/rows", Some(stale))
        .await;
    assert_eq!(r.status, 409, "{r:?}");
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("changed since you loaded it")
    );
    assert_eq!(title_of(&db, 3).await, "changed elsewhere");

    // With fresh values it goes through, and the answer shows the SQL it ran.
    let seen = studio.call("GET", &row_path, None).await.json()["row"].clone();
    let fresh = json!({ "key": task_key(3), "seen": seen, "set": { "title": "mine", "description": null, "status": "done" } });
    let answer = studio
        .call("PATCH", "/api/tables/public/tasks/rows", Some(fresh))
        .await
        .json();
    assert_eq!(answer["row"]["title"], "mine");
    let sql = answer["sql"]["text"].as_str().unwrap();
    assert!(sql.starts_with("UPDATE public.tasks SET description = $1::text::text, status = $2::text::text, title = $3::text::text WHERE id = $4::text::uuid AND "), "{sql}");
    assert!(sql.contains("title::text IS NOT DISTINCT FROM"), "{sql}");
    assert_eq!(db.value("SELECT concat_ws('|', title, coalesce(description, 'NULL'), status) FROM tasks WHERE id = '00000000-0000-0000-0000-000000000003'").await, "mine|NULL|done");

    // A value the type does not accept: the server's message, nothing written.
    let seen = studio.call("GET", &row_path, None).await.json()["row"].clone();
    let bad = json!({ "key": task_key(3), "seen": seen, "set": { "priority": "high" } });
    let r = studio
        .call("PATCH", "/api/tables/public/tasks/rows", Some(bad))
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("invalid input syntax for type integer")
    );
    let bad = json!({ "key": task_key(3), "seen": seen, "set": { "status": "someday" } });
    let r = studio
        .call("PATCH", "/api/tables/public/tasks/rows", Some(bad))
        .await;
    assert_eq!(r.json()["sqlstate"], "23514");

    // Types without `=` (json, point) are compared through ::text.
    let note_path = format!(
        "/api/tables/public/notes/row?key={}",
        urlencode(&json!({"id": "1"}).to_string())
    );
    let seen = studio.call("GET", &note_path, None).await.json()["row"].clone();
    assert_eq!(seen["body"], "{\"a\": [1, 2]}");
    let edit = json!({ "key": {"id": "1"}, "seen": seen, "set": { "body": "{\"b\": true}" } });
    let r = studio
        .call("PATCH", "/api/tables/public/notes/rows", Some(edit))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        db.value("SELECT body::text FROM notes").await,
        "{\"b\": true}"
    );

    // Insert with defaults and explicit NULL, then delete (guarded too).
    let insert = json!({ "values": { "title": "fresh", "project": null, "tags": "{x,y}" } });
    let answer = studio
        .call("POST", "/api/tables/public/tasks/rows", Some(insert))
        .await
        .json();
    let new_id = answer["row"]["id"].as_str().unwrap().to_string();
    assert!(
        answer["sql"]["text"]
            .as_str()
            .unwrap()
            .starts_with("INSERT INTO public.tasks (project, tags, title)")
    );
    assert_eq!(
        db.value(&format!("SELECT concat_ws('|', title, status, priority, coalesce(project, 'NULL'), tags::text) FROM tasks WHERE id = '{new_id}'")).await,
        "fresh|todo|0|NULL|{x,y}"
    );
    let row = answer["row"].clone();
    let delete = json!({ "key": { "id": new_id }, "seen": row });
    let r = studio
        .call("DELETE", "/api/tables/public/tasks/rows", Some(delete))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        db.value(&format!("SELECT count(*) FROM tasks WHERE id = '{new_id}'"))
            .await,
        "0"
    );

    // A table without a primary key is read-only.
    let structure = studio
        .call("GET", "/api/tables/public/log_lines", None)
        .await
        .json();
    assert_eq!(structure["writable"], false);
    let r = studio
        .call(
            "POST",
            "/api/tables/public/log_lines/rows",
            Some(json!({ "values": { "line": "x" } })),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(db.value("SELECT count(*) FROM log_lines").await, "0");
    studio.stop().await;
}

/// The drift badge agrees with push, with and without `--read-only`: schema.toml's
/// `status in ('todo', ...)` check and `now()` defaults are spelled differently by the
/// server (`status = ANY (ARRAY[...])`, `now()` as is), yet match; a real difference shows.
async fn drift_of(studio: &Studio) -> Value {
    studio
        .call("GET", "/api/tables/public/tasks", None)
        .await
        .json()["drift"]
        .clone()
}

#[tokio::test]
async fn studio_drift_agrees_with_push_in_read_only_mode_too() {
    let (db, project) = seeded_db("studio_drift_ro").await;
    project.run(&db, &["push"]).assert_code(0);
    for mode in [&[][..], &["--read-only"][..]] {
        let studio = Studio::start(&db, &project, mode).await;
        let drift = drift_of(&studio).await;
        assert_eq!(drift["checked"], true, "{mode:?}: {drift}");
        assert_eq!(drift["statements"], json!([]), "{mode:?}: {drift}");
        assert_eq!(drift["note"], Value::Null, "{mode:?}: {drift}");
        studio.stop().await;
    }
    // The scratch work left nothing behind.
    assert_eq!(
        db.value("SELECT count(*) FROM pg_namespace WHERE nspname LIKE '%scratch%'")
            .await,
        "0"
    );

    db.exec("ALTER TABLE tasks ALTER COLUMN priority SET DEFAULT 7; \
             ALTER TABLE tasks DROP CONSTRAINT tasks_status_check; \
             ALTER TABLE tasks ADD CONSTRAINT tasks_status_check CHECK (status IN ('todo', 'in_progress', 'done', 'blocked', 'archived'))")
        .await;
    for mode in [&[][..], &["--read-only"][..]] {
        let studio = Studio::start(&db, &project, mode).await;
        let drift = drift_of(&studio).await;
        assert_eq!(drift["checked"], true, "{mode:?}: {drift}");
        let statements = drift["statements"].to_string();
        assert!(
            statements.contains("SET DEFAULT 0"),
            "{mode:?}: {statements}"
        );
        assert!(
            statements.contains("tasks_status_check"),
            "{mode:?}: {statements}"
        );
        assert!(!statements.contains("created_at"), "{mode:?}: {statements}");
        studio.stop().await;
    }
}
