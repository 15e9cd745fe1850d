//! The `studio` step of `cargo xtask bench`: on a `tasks` table of 1,000,000 rows (the
//! repository's schema.toml), the studio's first page and a page near the end, each
//! beside the same keyset SELECT run by psql. Targets (issue 9): last / first <= 2, each
//! studio page within 3x of psql.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Result;
use crate::util::root;

const DATABASE: &str = "brain_db_bench_studio";

fn psql(url: &str, sql: &str) -> Result<String> {
    let out = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-t",
            "-A",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-c",
            sql,
        ])
        .output()?;
    if !out.status.success() {
        return Err(format!("psql failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `url` with its database replaced.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let cut = base[authority_end..]
        .find('/')
        .map(|i| authority_end + i)
        .unwrap_or(base.len());
    let mut out = format!("{}/{database}", &base[..cut]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

struct RunningStudio {
    child: Child,
    port: u16,
    token: String,
}

impl Drop for RunningStudio {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn start_studio(brain_db: &Path, url: &str) -> Result<RunningStudio> {
    let mut child = Command::new(brain_db)
        .args(["--database-url", url, "studio", "--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let address = line
        .trim()
        .strip_prefix("studio: http://127.0.0.1:")
        .ok_or_else(|| format!("unexpected studio output {line:?}"))?;
    let (port, token) = address.split_once("/?token=").ok_or("no token")?;
    Ok(RunningStudio {
        port: port.parse()?,
        token: token.to_string(),
        child,
    })
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One GET, timed from connect to the last byte.
fn timed_get(studio: &RunningStudio, path: &str) -> Result<f64> {
    let start = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", studio.port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nCookie: brain_db_studio_{}={}\r\nConnection: close\r\n\r\n",
        studio.port, studio.port, studio.token
    )?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let elapsed = start.elapsed().as_secs_f64() * 1000.0;
    let text = String::from_utf8_lossy(&answer);
    if !text.starts_with("HTTP/1.1 200") || !text.contains("\"rows\":[{") {
        return Err(format!("bad studio answer: {}", &text[..text.len().min(300)]).into());
    }
    Ok(elapsed)
}

/// psql's `\timing` of the statement, `runs` times in one session (the query's round
/// trip from a client, without psql's start-up).
fn psql_timings(url: &str, sql: &str, runs: usize) -> Result<Vec<f64>> {
    let mut script = String::from("\\timing on\n\\o /dev/null\n");
    for _ in 0..runs {
        script.push_str(sql);
        script.push_str(";\n");
    }
    let mut child = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(script.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        return Err(format!("psql failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let times: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("Time: "))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    if times.len() != runs {
        return Err(format!("psql printed {} timings, expected {runs}", times.len()).into());
    }
    Ok(times)
}

/// Runs the studio step; returns the report.
pub fn run_studio_bench(
    brain_db: &Path,
    admin_url: &str,
    rows: u64,
    runs: usize,
) -> Result<String> {
    let exists = psql(
        admin_url,
        &format!("SELECT count(*) FROM pg_database WHERE datname = '{DATABASE}'"),
    )?;
    if exists == "0" {
        psql(admin_url, &format!("CREATE DATABASE {DATABASE}"))?;
    }
    let url = with_database(admin_url, DATABASE);
    let push = Command::new(brain_db)
        .arg("--database-url")
        .arg(&url)
        .arg("--schema")
        .arg(root().join("schema.toml"))
        .arg("push")
        .stdout(Stdio::null())
        .status()?;
    if !push.success() {
        return Err("brain-db push of schema.toml into the bench database failed".into());
    }
    let count: u64 = psql(&url, "SELECT count(*) FROM tasks")?.parse()?;
    if count != rows {
        eprintln!("studio bench: filling tasks with {rows} rows");
        psql(&url, "TRUNCATE tasks CASCADE")?;
        psql(
            &url,
            &format!(
                "INSERT INTO tasks (title, description, status, priority, project, tags, due_date) \
                 SELECT 'Task ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE repeat('words ', g % 80) END, \
                        (ARRAY['todo', 'in_progress', 'done', 'blocked'])[1 + g % 4], g % 5, \
                        'project ' || (g % 50), ARRAY['a', 'b'], now() + g * interval '1 minute' \
                 FROM generate_series(1, {rows}) AS g"
            ),
        )?;
    }
    psql(&url, "VACUUM ANALYZE tasks")?;
    let near_end = psql(
        &url,
        &format!(
            "SELECT id::text FROM tasks ORDER BY id OFFSET {} LIMIT 1",
            rows.saturating_sub(100)
        ),
    )?;
    // The statement the studio sends for a page of 50 (see src/studio/queries.rs).
    let select_list = psql(
        &url,
        "SELECT string_agg(format('substr(%I::text, 1, 301)', attname), ', ' ORDER BY attnum) \
         FROM pg_attribute WHERE attrelid = 'public.tasks'::regclass AND attnum > 0 AND NOT attisdropped",
    )?;
    let first_sql = format!(
        "SELECT {select_list}, id::text FROM public.tasks AS source ORDER BY source.id ASC LIMIT 51"
    );
    let last_sql = format!(
        "SELECT {select_list}, id::text FROM public.tasks AS source \
         WHERE (id) > ('{near_end}'::text::uuid) ORDER BY source.id ASC LIMIT 51"
    );

    let studio = start_studio(brain_db, &url)?;
    let first_path = "/api/tables/public/tasks/rows?limit=50".to_string();
    let cursor = format!("{{\"key\":[\"{near_end}\"]}}");
    let last_path = format!(
        "/api/tables/public/tasks/rows?limit=50&after={}",
        percent_encode(&cursor)
    );
    for _ in 0..3 {
        timed_get(&studio, &first_path)?;
        timed_get(&studio, &last_path)?;
    }
    let mut first = Vec::new();
    let mut last = Vec::new();
    for _ in 0..runs {
        first.push(timed_get(&studio, &first_path)?);
        last.push(timed_get(&studio, &last_path)?);
    }
    drop(studio);
    let psql_first = median(psql_timings(&url, &first_sql, runs)?);
    let psql_last = median(psql_timings(&url, &last_sql, runs)?);
    let (first, last) = (median(first), median(last));
    let check = |ok: bool| if ok { "ok" } else { "MISSED" };
    Ok(format!(
        "\nstudio on tasks with {rows} rows, median of {runs} (ms):\n\
         | page | studio (HTTP, connect to last byte) | psql \\timing, same SELECT | studio / psql (<= 3) |\n\
         |---|---|---|---|\n\
         | first | {first:.2} | {psql_first:.2} | {:.2} {} |\n\
         | near the end | {last:.2} | {psql_last:.2} | {:.2} {} |\n\
         near the end / first (<= 2): {:.2} {}\n",
        first / psql_first,
        check(first / psql_first <= 3.0),
        last / psql_last,
        check(last / psql_last <= 3.0),
        last / first,
        check(last / first <= 2.0),
    ))
}
