//! The `variant` step of `cargo xtask bench`: the shared bench schema (`gen_schema.py`)
//! plus, per table, a view, a trigger calling one shared plpgsql function, and a
//! row-level security policy. At each N it loads the schema with psql, pushes it once,
//! then times the no-op push beside `pg_dump --schema-only` of the same database and
//! counts the statements the no-op push sends (server log, `log_statement = all`).
//! Target (issue 8): at N = 1,000 the no-op push within 1.0x pg_dump, and the same
//! number of catalog queries at every N.
//!
//! The no-op push is measured twice: with the file as written (queries and expressions
//! in the user's spelling, which push asks the server to canonicalise on every run), and
//! with the file `brain-db pull` writes of the same database (the server's spelling).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::Result;
use crate::pg::PrivateCluster;
use crate::util::shared_dir;

/// The shared trigger function: every table's trigger calls it.
const FUNCTION: &str = "bench_touch";
const FUNCTION_BODY: &str = "begin new.created_at = now(); return new; end";

/// The SQL and the schema.toml text the variant adds for the given tables.
pub fn variant_additions(tables: &[String]) -> (String, String) {
    let mut sql = format!(
        "CREATE FUNCTION \"{FUNCTION}\"() RETURNS trigger LANGUAGE plpgsql AS $$ {FUNCTION_BODY} $$;\n"
    );
    let mut toml = format!(
        "\n[functions.{FUNCTION}]\nreturns = \"trigger\"\nlanguage = \"plpgsql\"\nbody = \" {FUNCTION_BODY} \"\n"
    );
    for t in tables {
        let _ = write!(
            sql,
            "CREATE VIEW \"{t}_open\" AS SELECT id, title, rank FROM \"{t}\" WHERE NOT done;\n\
             CREATE TRIGGER \"{t}_touch\" BEFORE UPDATE ON \"{t}\" FOR EACH ROW EXECUTE FUNCTION \"{FUNCTION}\"();\n\
             ALTER TABLE \"{t}\" ENABLE ROW LEVEL SECURITY;\n\
             CREATE POLICY \"{t}_visible\" ON \"{t}\" USING (title <> '');\n"
        );
        let _ = write!(
            toml,
            "\n[tables.{t}]\nrow_level_security = true\n\
             \n[tables.{t}.triggers.{t}_touch]\ntiming = \"before\"\nevents = [\"update\"]\nfunction = \"{FUNCTION}\"\n\
             \n[tables.{t}.policies.{t}_visible]\nusing = \"title <> ''\"\n\
             \n[views.{t}_open]\nquery = \"select id, title, rank from {t} where not done\"\n"
        );
    }
    (sql, toml)
}

/// The tables of a `gen_schema.py` schema.sql, in file order.
pub fn table_names(schema_sql: &str) -> Vec<String> {
    schema_sql
        .lines()
        .filter_map(|l| l.strip_prefix("CREATE TABLE \""))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

/// What one no-op push sent, from the server log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Every statement (simple-protocol queries and extended-protocol executes).
    pub statements: usize,
    /// The catalog reads among them (`SELECT` / `WITH`).
    pub catalog_queries: usize,
}

/// Counts the statements a client sent to database `db`, in server log text written with
/// `log_statement = all` and a `log_line_prefix` holding `db=%d ` (as count_stmts.py).
pub fn count_statements(log: &str, db: &str) -> Counts {
    let tag = format!(" db={db} LOG:  ");
    let mut counts = Counts::default();
    for line in log.lines() {
        let Some((_, rest)) = line.split_once(&tag) else {
            continue;
        };
        let text = if let Some(text) = rest.strip_prefix("statement: ") {
            text
        } else if let Some(after) = rest.strip_prefix("execute ") {
            match after.split_once(": ") {
                Some((_, text)) => text,
                None => continue,
            }
        } else {
            continue;
        };
        counts.statements += 1;
        let first = text.split_whitespace().next().unwrap_or("");
        // Prepared statements are logged with their text on the first line; a query that
        // starts on the next line (an empty first line) is one of the catalog queries.
        if first.is_empty()
            || first.eq_ignore_ascii_case("select")
            || first.eq_ignore_ascii_case("with")
        {
            counts.catalog_queries += 1;
        }
    }
    counts
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".to_string())
}

struct Bench<'a> {
    brain_db: &'a Path,
    cluster: PrivateCluster,
}

impl Bench<'_> {
    fn url(&self, db: &str) -> String {
        let url = self.cluster.url();
        let server = url.strip_suffix("/postgres").unwrap_or(&url);
        format!("{server}/{db}")
    }

    fn psql(&self, db: &str) -> Command {
        let mut cmd = Command::new("psql");
        cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(self.url(db));
        cmd
    }

    fn sql(&self, db: &str, sql: &str) -> Result<String> {
        let out = self.psql(db).args(["-At", "-c", sql]).output()?;
        if !out.status.success() {
            return Err(format!(
                "psql -c {sql:?} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )
            .into());
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// `brain-db` in `dir` against `db`: its stdout, or an error with its output.
    fn brain_db(&self, dir: &Path, db: &str, args: &[&str]) -> Result<String> {
        let out = Command::new(self.brain_db)
            .current_dir(dir)
            .arg("--database-url")
            .arg(self.url(db))
            .args(args)
            .stdin(Stdio::null())
            .output()?;
        if !out.status.success() {
            return Err(format!(
                "brain-db {} failed ({}): {}{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn noop_push(&self, dir: &Path, db: &str, file: &str) -> Result<f64> {
        let start = Instant::now();
        let out = self.brain_db(dir, db, &["--schema", file, "push"])?;
        let elapsed = start.elapsed().as_secs_f64();
        if out.trim() != "no changes" {
            return Err(format!(
                "the push of {file} in {} is not a no-op:\n{out}",
                dir.display()
            )
            .into());
        }
        Ok(elapsed)
    }

    fn pg_dump(&self, db: &str) -> Result<f64> {
        let start = Instant::now();
        let status = Command::new("pg_dump")
            .arg("--schema-only")
            .arg(self.url(db))
            .stdout(Stdio::null())
            .status()?;
        let elapsed = start.elapsed().as_secs_f64();
        if !status.success() {
            return Err(format!("pg_dump of {db} failed ({status})").into());
        }
        Ok(elapsed)
    }

    /// Runs `f` once with `log_statement = all` on `db` and counts what reached the log.
    fn counted(&self, db: &str, f: impl FnOnce() -> Result<()>) -> Result<Counts> {
        let log = self.cluster.log_file();
        self.sql(
            "postgres",
            &format!("ALTER DATABASE \"{db}\" SET log_statement = 'all'"),
        )?;
        let start = std::fs::metadata(&log)?.len();
        let outcome = f();
        self.sql(
            "postgres",
            &format!("ALTER DATABASE \"{db}\" RESET log_statement"),
        )?;
        outcome?;
        // The server writes the log asynchronously to the client's exit.
        std::thread::sleep(std::time::Duration::from_millis(300));
        let bytes = std::fs::read(&log)?;
        let text = String::from_utf8_lossy(&bytes[start as usize..]);
        Ok(count_statements(&text, db))
    }
}

/// One row of the report.
struct Row {
    n: u64,
    form: &'static str,
    push: f64,
    dump: f64,
    counts: Counts,
    dump_statements: usize,
}

pub fn run_variant_bench(
    brain_db: &Path,
    scratch: &Path,
    port: u16,
    ns: &[u64],
    runs: usize,
) -> Result<String> {
    let generator = shared_dir()?.join("bench/gen_schema.py");
    // A cluster that was running already (run_peers.sh's, in the same scratch folder) is
    // left running; one started here is stopped at the end.
    let bench = Bench {
        brain_db,
        cluster: PrivateCluster::start(scratch, port)?,
    };
    bench.sql(
        "postgres",
        "ALTER SYSTEM SET log_line_prefix = '%m [%p] db=%d '",
    )?;
    bench.sql("postgres", "SELECT pg_reload_conf()")?;
    let mut rows = Vec::new();
    let mut loads = Vec::new();
    for &n in ns {
        let dir: PathBuf = scratch.join(format!("variant/n{n}"));
        let _ = std::fs::remove_dir_all(&dir);
        crate::util::run(
            Command::new("python3")
                .arg(&generator)
                .arg(n.to_string())
                .arg(&dir),
        )?;
        let schema_sql = std::fs::read_to_string(dir.join("schema.sql"))?;
        let (sql, toml) = variant_additions(&table_names(&schema_sql));
        std::fs::write(dir.join("schema.sql"), format!("{schema_sql}{sql}"))?;
        let mut schema_toml = std::fs::read_to_string(dir.join("schema.toml"))?;
        schema_toml.push_str(&toml);
        std::fs::write(dir.join("schema.toml"), schema_toml)?;

        let db = format!("bd_variant_n{n}");
        bench.sql(
            "postgres",
            &format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"),
        )?;
        bench.sql("postgres", &format!("CREATE DATABASE \"{db}\""))?;
        eprintln!("n={n}: loading schema.sql with psql -1 -f");
        let status = bench
            .psql(&db)
            .arg("-1")
            .arg("-f")
            .arg(dir.join("schema.sql"))
            .stdout(Stdio::null())
            .status()?;
        if !status.success() {
            return Err(format!("psql -1 -f {}/schema.sql failed", dir.display()).into());
        }
        // schema.sql names its foreign keys as drizzle-kit does; the first push renames them.
        let first = bench.brain_db(&dir, &db, &["--schema", "schema.toml", "push", "--force"])?;
        eprintln!(
            "n={n}: first push: {}",
            first.lines().last().unwrap_or_default()
        );
        bench.brain_db(&dir, &db, &["pull", "--out", "pulled.toml"])?;

        let mut times: [Vec<f64>; 3] = Default::default();
        // Interleaved, so that a change of the machine's load hits all three alike.
        for _ in 0..runs {
            times[0].push(bench.noop_push(&dir, &db, "schema.toml")?);
            times[1].push(bench.noop_push(&dir, &db, "pulled.toml")?);
            times[2].push(bench.pg_dump(&db)?);
        }
        loads.push(load_average());
        let dump = median(times[2].clone());
        let dump_statements = bench
            .counted(&db, || bench.pg_dump(&db).map(drop))?
            .statements;
        for (form, file, i) in [
            ("as written", "schema.toml", 0),
            ("pulled", "pulled.toml", 1),
        ] {
            let counts = bench.counted(&db, || bench.noop_push(&dir, &db, file).map(drop))?;
            rows.push(Row {
                n,
                form,
                push: median(times[i].clone()),
                dump,
                counts,
                dump_statements,
            });
        }
    }
    Ok(report(&rows, runs, &loads))
}

fn report(rows: &[Row], runs: usize, loads: &[String]) -> String {
    let mut out = format!(
        "\n## variant: per table a view, a trigger on a shared function, a policy (medians of {runs}, interleaved)\n\n\
         | N | schema.toml | no-op push s | pg_dump --schema-only s | push / pg_dump (≤ 1.0) | statements sent | of them catalog queries | pg_dump statements |\n\
         |---|---|---|---|---|---|---|---|\n"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {:.3} | {:.3} | {:.2} | {} | {} | {} |",
            r.n,
            r.form,
            r.push,
            r.dump,
            r.push / r.dump,
            r.counts.statements,
            r.counts.catalog_queries,
            r.dump_statements
        );
    }
    let _ = writeln!(
        out,
        "\nload average (1 min) after each N's timings: {}",
        loads.join(", ")
    );
    for form in ["as written", "pulled"] {
        let counts: Vec<usize> = (rows.iter().filter(|r| r.form == form))
            .map(|r| r.counts.catalog_queries)
            .collect();
        let same = counts.windows(2).all(|w| w[0] == w[1]);
        let _ = writeln!(
            out,
            "catalog queries of the no-op push ({form}): {} at every N: {}",
            counts
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            if same { "yes" } else { "NO" }
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_a_view_a_trigger_and_a_policy_per_table() {
        let sql = "CREATE TYPE mood AS ENUM ('calm');\nCREATE TABLE \"t00000\" (\n  \"id\" uuid\n);\nCREATE TABLE \"t00001\" (\n);\n";
        let tables = table_names(sql);
        assert_eq!(tables, ["t00000", "t00001"]);
        let (sql, toml) = variant_additions(&tables);
        assert_eq!(sql.matches("CREATE VIEW").count(), 2);
        assert_eq!(sql.matches("CREATE TRIGGER").count(), 2);
        assert_eq!(sql.matches("CREATE POLICY").count(), 2);
        assert_eq!(sql.matches("CREATE FUNCTION").count(), 1);
        assert!(toml.contains("[tables.t00001.policies.t00001_visible]"));
        assert!(toml.contains("[views.t00000_open]"));
        assert_eq!(toml.matches("row_level_security = true").count(), 2);
    }

    #[test]
    fn counts_statements_of_one_database() {
        let log = "\
2026-12-01 19:00:00.000 UTC [10] db=v LOG:  statement: START TRANSACTION
2026-12-01 19:00:00.000 UTC [10] db=v LOG:  execute s1: SELECT 1
2026-12-01 19:00:00.000 UTC [10] db=v LOG:  execute s2: 
\tWITH x AS (SELECT 1) SELECT * FROM x
2026-12-01 19:00:00.000 UTC [10] db=v LOG:  execute <unnamed>: CREATE VIEW s.v0 AS SELECT 1
2026-12-01 19:00:00.000 UTC [10] db=v DETAIL:  parameters: $1 = '{public}'
2026-12-01 19:00:00.000 UTC [11] db=other LOG:  statement: SELECT 2
";
        assert_eq!(
            count_statements(log, "v"),
            Counts {
                statements: 4,
                catalog_queries: 2
            }
        );
    }
}
