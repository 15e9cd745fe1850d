//! `cargo xtask bench`: brain-db beside the floors (and the peers) with the shared
//! `run_peers.sh`, then the ratios the issues set targets for.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Result;
use crate::util::{Args, build_release, run, shared_dir};

pub const HELP: &str = "\
cargo xtask bench [--ns \"100 1000\"] [--runs K] [--with-peers] [--steps \"...\"]
                  [--scratch DIR] [--port P] [--report-only]
  Builds brain-db (release) and runs ../shared/bench/run_peers.sh with BRAIN_DB set,
  then prints the ratios: no-op push vs pg_dump --schema-only, drizzle-kit vs brain-db,
  full push vs psql -1 -f. Other BENCH_* variables pass through (see the bench README).
  --ns           table counts (BENCH_NS; default \"100 1000\")
  --runs         timed runs per measurement (BENCH_RUNS; BENCH_RUNS_BIG too)
  --with-peers   also time drizzle-kit, drizzle-orm, dbmate, migra (slow: minutes per N)
  --steps        BENCH_STEPS as is (default \"install cluster floors brain count\",
                 plus \"peers\" with --with-peers)
  --scratch      BENCH_SCRATCH (default /tmp/anchors)
  --report-only  no build, no run: the ratios of the existing results.jsonl
  The step \"studio\" (in --steps, alone or with others) is run here, not by run_peers.sh:
  `brain-db studio` on a tasks table of --studio-rows rows (default 1000000) in the
  database brain_db_bench_studio of --studio-url (default: BRAIN_DB_TEST_URL, else
  DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres): first page and a
  page near the end, beside the same SELECT timed by psql.
  The step \"types\" is also run here: `brain-db types --lang typescript|rust` (offline) on
  the bench schema of --types-n tables (default 10000, gen_schema.py), --runs times
  (default 5); target: under 1 s. `cargo xtask bench --steps types` runs only that.
  The step \"variant\" is also run here: the bench schema of each --ns plus, per table, a
  view, a trigger on one shared function and a policy (row-level security), loaded with
  psql into the private cluster of --scratch on --port (default BENCH_PORT, else 55432;
  started if it is down), pushed once; then the no-op push (the file as written, and as
  `brain-db pull` writes it) beside pg_dump --schema-only of the same database, --runs
  times interleaved (default 5), and the statements each sends (log_statement = all).
  Target: push / pg_dump <= 1.0 at N = 1000, the same catalog queries at every N.
";

pub fn run_bench(args: &[String]) -> Result<()> {
    let args = Args::parse(
        args,
        &[
            "--ns",
            "--runs",
            "--steps",
            "--scratch",
            "--studio-rows",
            "--studio-url",
            "--types-n",
            "--port",
        ],
        &["--with-peers", "--report-only"],
    )?;
    if !args.positionals.is_empty() || !args.rest.is_empty() {
        return Err(format!("unexpected arguments {:?}\n\n{HELP}", args.positionals).into());
    }
    let scratch = PathBuf::from(
        args.value("--scratch")
            .map(str::to_string)
            .or_else(|| std::env::var("BENCH_SCRATCH").ok())
            .unwrap_or_else(|| "/tmp/anchors".to_string()),
    );
    let results = scratch.join("results");
    let jsonl = results.join("results.jsonl");

    if args.has("--report-only") {
        let records = read_results(&jsonl)?;
        print!("{}", ratio_report(&records, 0));
        return Ok(());
    }

    let steps = match (args.value("--steps"), std::env::var("BENCH_STEPS").ok()) {
        (Some(steps), _) => steps.to_string(),
        (None, Some(steps)) => steps,
        (None, None) if args.has("--with-peers") => {
            "install cluster floors peers brain count".to_string()
        }
        (None, None) => "install cluster floors brain count".to_string(),
    };
    let with_studio = steps.split_whitespace().any(|s| s == "studio");
    let with_types = steps.split_whitespace().any(|s| s == "types");
    let with_variant = steps.split_whitespace().any(|s| s == "variant");
    let steps: String = steps
        .split_whitespace()
        .filter(|s| *s != "studio" && *s != "types" && *s != "variant")
        .collect::<Vec<_>>()
        .join(" ");
    if steps.is_empty() {
        let brain_db = build_release()?;
        if with_types {
            types_step(&args, &brain_db, &scratch)?;
        }
        if with_studio {
            studio_step(&args, &brain_db)?;
        }
        if with_variant {
            variant_step(&args, &brain_db, &scratch)?;
        }
        return Ok(());
    }
    let bench_dir = shared_dir()?.join("bench");
    let script = bench_dir.join("run_peers.sh");
    if !script.is_file() {
        return Err(format!("{} is missing", script.display()).into());
    }
    let brain_db = build_release()?;
    let ns = args
        .value("--ns")
        .map(str::to_string)
        .or_else(|| std::env::var("BENCH_NS").ok())
        .unwrap_or_else(|| "100 1000".to_string());

    let before = read_results(&jsonl).map(|r| r.len()).unwrap_or(0);
    let mut cmd = Command::new("bash");
    cmd.arg(&script)
        .current_dir(&bench_dir)
        .env("BRAIN_DB", &brain_db)
        .env(
            "BRAIN_DB_SUM_CMD",
            format!("{} --migrations migrations hash", brain_db.display()),
        )
        .env("BENCH_STEPS", &steps)
        .env("BENCH_NS", &ns)
        .env("BENCH_SCRATCH", &scratch);
    if let Some(runs) = args.value("--runs") {
        cmd.env("BENCH_RUNS", runs).env("BENCH_RUNS_BIG", runs);
    }
    eprintln!(
        "BRAIN_DB={} BENCH_STEPS=\"{steps}\" BENCH_NS=\"{ns}\"",
        brain_db.display()
    );
    let outcome = run(&mut cmd);
    if outcome.is_err() {
        // The script stops early on some failures; summarise what it measured.
        let summary = results.join("summary.md");
        let out = Command::new("python3")
            .arg(bench_dir.join("summarize.py"))
            .arg(&jsonl)
            .output();
        if let Ok(out) = out
            && out.status.success()
        {
            let _ = std::fs::write(&summary, out.stdout);
        }
    }
    eprintln!("\nsummary: {}", results.join("summary.md").display());
    eprintln!("statement counts: {}", results.join("counts.txt").display());
    match read_results(&jsonl) {
        Ok(records) => print!("{}", ratio_report(&records, before)),
        Err(e) => eprintln!("no ratios: {e}"),
    }
    if with_types {
        types_step(&args, &brain_db, &scratch)?;
    }
    if with_studio {
        studio_step(&args, &brain_db)?;
    }
    if with_variant {
        variant_step(&args, &brain_db, &scratch)?;
    }
    outcome
}

fn variant_step(args: &Args, brain_db: &Path, scratch: &Path) -> Result<()> {
    let ns = args
        .value("--ns")
        .map(str::to_string)
        .or_else(|| std::env::var("BENCH_NS").ok())
        .unwrap_or_else(|| "100 1000".to_string());
    let ns: Vec<u64> = (ns.split_whitespace())
        .map(|n| n.parse().map_err(|e| format!("--ns {n}: {e}")))
        .collect::<std::result::Result<_, _>>()?;
    let runs: usize = match args.value("--runs") {
        Some(n) => n.parse().map_err(|e| format!("--runs {n}: {e}"))?,
        None => 5,
    };
    let port = args
        .value("--port")
        .map(str::to_string)
        .or_else(|| std::env::var("BENCH_PORT").ok())
        .unwrap_or_else(|| "55432".to_string());
    let port: u16 = port.parse().map_err(|e| format!("--port {port}: {e}"))?;
    print!(
        "{}",
        crate::variant_bench::run_variant_bench(brain_db, scratch, port, &ns, runs)?
    );
    Ok(())
}

fn types_step(args: &Args, brain_db: &Path, scratch: &Path) -> Result<()> {
    let n: u64 = match args.value("--types-n") {
        Some(n) => n.parse().map_err(|e| format!("--types-n {n}: {e}"))?,
        None => 10_000,
    };
    let runs: usize = match args.value("--runs") {
        Some(n) => n.parse().map_err(|e| format!("--runs {n}: {e}"))?,
        None => 5,
    };
    print!(
        "{}",
        crate::types_bench::run_types_bench(brain_db, scratch, n, runs)?
    );
    Ok(())
}

fn studio_step(args: &Args, brain_db: &Path) -> Result<()> {
    let rows: u64 = match args.value("--studio-rows") {
        Some(n) => n.parse().map_err(|e| format!("--studio-rows {n}: {e}"))?,
        None => 1_000_000,
    };
    let runs: usize = match args.value("--runs") {
        Some(n) => n.parse().map_err(|e| format!("--runs {n}: {e}"))?,
        None => 31,
    };
    let url = args
        .value("--studio-url")
        .map(str::to_string)
        .unwrap_or_else(crate::pg::test_url);
    print!(
        "{}",
        crate::studio_bench::run_studio_bench(brain_db, &url, rows, runs)?
    );
    Ok(())
}

/// One line of results.jsonl (the fields the ratios need).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub label: String,
    pub n: String,
    pub median_s: f64,
    pub peak_rss_mb: f64,
    pub failed_runs: u64,
    /// Line number in the file (0-based): records from before this run have a smaller one.
    pub line: usize,
}

pub fn read_results(path: &Path) -> Result<Vec<Record>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_results(&text).map_err(|e| format!("{}: {e}", path.display()).into())
}

pub fn parse_results(text: &str) -> std::result::Result<Vec<Record>, String> {
    let mut records = Vec::new();
    for (line, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let v = crate::json::parse(raw).map_err(|e| format!("line {}: {e}", line + 1))?;
        let field = |k: &str| v.get(k).ok_or_else(|| format!("line {}: no {k}", line + 1));
        let n = match field("n")? {
            crate::json::Value::String(s) => s.clone(),
            crate::json::Value::Number(x) => format!("{x}"),
            _ => return Err(format!("line {}: bad n", line + 1)),
        };
        records.push(Record {
            label: field("label")?.as_str().unwrap_or_default().to_string(),
            n,
            median_s: field("median_s")?.as_f64().unwrap_or(f64::NAN),
            peak_rss_mb: v
                .get("peak_rss_mb")
                .and_then(|x| x.as_f64())
                .unwrap_or(f64::NAN),
            failed_runs: v.get("failed_runs").and_then(|x| x.as_f64()).unwrap_or(0.0) as u64,
            line,
        });
    }
    Ok(records)
}

/// The ratios as a markdown table, one row per N. `fresh_from`: the first line of this
/// run; a ratio using an older measurement is marked `*`, a failed one `!`.
pub fn ratio_report(records: &[Record], fresh_from: usize) -> String {
    // The last record wins for a (label, N), as in summarize.py.
    let mut latest: BTreeMap<(&str, &str), &Record> = BTreeMap::new();
    for r in records {
        latest.insert((&r.label, &r.n), r);
    }
    let mut ns: Vec<&str> = latest
        .keys()
        .map(|(_, n)| *n)
        .filter(|n| *n != "-")
        .collect();
    ns.sort_by_key(|n| (n.parse::<u64>().unwrap_or(u64::MAX), n.to_string()));
    ns.dedup();

    let mut marks = (false, false);
    let mut cell = |num: &str, den: &str, n: &str| -> String {
        match (latest.get(&(num, n)), latest.get(&(den, n))) {
            (Some(a), Some(b)) if b.median_s > 0.0 => {
                let mut s = format!("{:.2}", a.median_s / b.median_s);
                if a.line < fresh_from || b.line < fresh_from {
                    s.push('*');
                    marks.0 = true;
                }
                if a.failed_runs > 0 || b.failed_runs > 0 {
                    s.push('!');
                    marks.1 = true;
                }
                s
            }
            _ => "-".to_string(),
        }
    };
    let mut out = String::new();
    out.push_str("\n| N | bd_push_noop / pg_dump_schema (≤ 2) | dk_push_noop / bd_push_noop (≥ 20) | bd_push_full / psql_apply_v1 (≤ 1.2) | bd_push_noop s | ms per table | bd peak RSS MB |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for n in &ns {
        let noop = latest.get(&("bd_push_noop", n));
        let per_table = match (noop, n.parse::<f64>()) {
            (Some(r), Ok(count)) if count > 0.0 => format!("{:.2}", r.median_s * 1000.0 / count),
            _ => "-".to_string(),
        };
        let rss = latest
            .iter()
            .filter(|((label, rn), _)| label.starts_with("bd_") && rn == n)
            .map(|(_, r)| r.peak_rss_mb)
            .fold(f64::NAN, f64::max);
        let _ = writeln!(
            out,
            "| {n} | {} | {} | {} | {} | {per_table} | {} |",
            cell("bd_push_noop", "pg_dump_schema", n),
            cell("dk_push_noop", "bd_push_noop", n),
            cell("bd_push_full", "psql_apply_v1", n),
            noop.map_or("-".to_string(), |r| format!("{:.3}", r.median_s)),
            if rss.is_nan() {
                "-".to_string()
            } else {
                format!("{rss:.0}")
            },
        );
    }
    // The migrator start-up rows (no N).
    let migs: Vec<&str> = latest
        .keys()
        .filter(|(l, n)| *n == "-" && l.starts_with("bd_migrate_") && l.ends_with("_noop"))
        .map(|(l, _)| *l)
        .collect();
    for bd in migs {
        let drizzle = bd.replacen("bd_", "drizzle_", 1);
        let _ = writeln!(
            out,
            "\n{drizzle} / {bd} (≥ 5): {}   {bd} / psql_select1 (≤ 3): {}",
            cell(&drizzle, bd, "-"),
            cell(bd, "psql_select1", "-"),
        );
    }
    if ns.is_empty() {
        out.push_str("(no measurements per N in the results)\n");
    }
    if marks.0 {
        out.push_str("* uses a measurement from an earlier run (compare within one run)\n");
    }
    if marks.1 {
        out.push_str("! a measurement had failed runs: read its logs in results/logs/\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(label: &str, n: &str, median: f64, failed: u64) -> String {
        format!(
            r#"{{"label": "{label}", "n": "{n}", "cmd": "x \"y\"", "runs": [{{"wall_s": {median}, "maxrss_kb": 20480, "rc": 0, "failed": false}}], "median_s": {median}, "min_s": 0, "max_s": 1, "peak_rss_mb": 20.0, "failed_runs": {failed}, "loadavg_1m": 0.5, "at": "2026-11-28T12:00:00"}}"#
        )
    }

    #[test]
    fn ratios_per_n() {
        let text = [
            line("pg_dump_schema", "100", 0.2, 0),
            line("bd_push_noop", "100", 0.9, 0), // superseded by the next bd_push_noop
            line("bd_push_noop", "100", 0.3, 0),
            line("dk_push_noop", "100", 3.0, 0),
            line("psql_apply_v1", "100", 0.5, 0),
            line("bd_push_full", "100", 0.6, 1),
            line("pg_dump_schema", "1000", 0.5, 0),
            line("bd_push_noop", "1000", 1.0, 0),
            line("psql_select1", "-", 0.04, 0),
            line("bd_migrate_200_noop", "-", 0.08, 0),
            line("drizzle_migrate_200_noop", "-", 0.2, 0),
        ]
        .join("\n");
        let records = parse_results(&text).unwrap();
        assert_eq!(records.len(), 11);
        let report = ratio_report(&records, 1);
        assert!(
            report.contains("| 100 | 1.50* | 10.00 | 1.20! | 0.300 | 3.00 | 20 |"),
            "{report}"
        );
        assert!(
            report.contains("| 1000 | 2.00 | - | - | 1.000 | 1.00 | 20 |"),
            "{report}"
        );
        assert!(
            report.contains("drizzle_migrate_200_noop / bd_migrate_200_noop (≥ 5): 2.50"),
            "{report}"
        );
        assert!(
            report.contains("bd_migrate_200_noop / psql_select1 (≤ 3): 2.00"),
            "{report}"
        );
        assert!(
            report.contains("* uses a measurement from an earlier run"),
            "{report}"
        );
        assert!(
            report.contains("! a measurement had failed runs"),
            "{report}"
        );
        // Rows sort numerically.
        assert!(report.find("| 100 |").unwrap() < report.find("| 1000 |").unwrap());
    }

    #[test]
    fn bad_lines_are_errors() {
        assert!(parse_results("{\"label\": \"x\"}").is_err());
        assert!(parse_results("not json").is_err());
        assert_eq!(parse_results("\n\n").unwrap(), vec![]);
    }
}
