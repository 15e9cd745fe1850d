//! `cargo xtask corpus`: the shared round-trip corpus with brain-db as the sync tool
//! (pull B, push it onto A), on a private throwaway cluster, and the pass counts.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::Result;
use crate::pg::PrivateCluster;
use crate::util::{Args, build_release, display, redact_url, shared_dir};

pub const HELP: &str = "\
cargo xtask corpus [--filter REGEX | --in-scope] [--url URL | --pg N] [--port P] [--client-bin DIR]
                   [--jobs N] [--results DIR] [DIR...] [-- ARGS]
  Builds brain-db (release) and runs ../shared/corpus/roundtrip.sh --rerun
  --ignore-column-order with SYNC_CMD = adapters/brain-db.sh, then prints the pass counts
  per corpus folder and per sqldef YAML file.
  DIR...      case folders, relative to the corpus folder (default: migra sqldef/cases)
  --filter    only cases whose name matches (POSIX ERE)
  --in-scope  only the cases whose objects brain-db manages (its \"in scope\" count)
  --baseline  case failures do not fail the command (the counts are recorded)
  --same-as DIR
              succeed exactly when as many in-scope cases pass as in the results folder
              DIR of another run (e.g. PostgreSQL 15's)
  --url       use this server (superuser simplest) instead of a private cluster;
              DATABASE_URL does the same
  --pg        the private cluster runs PostgreSQL N (14-18, installed by package as for
              `cargo xtask test --pg N`) instead of the machine's
  --port      port of the private cluster (default 55433; with --pg, that major's port
              of `cargo xtask test --pg`)
  --client-bin
              the folder of the psql and pg_dump roundtrip.sh runs (default: those on PATH,
              or PostgreSQL 18's when the server is newer than the pg_dump on PATH)
  --jobs N    N roundtrip.sh processes at once against the same server, each with a
              share of the cases (every N-th) and its own results folder, merged at the
              end into one results.tsv; the cases' roles are made once before them
  --results   where roundtrip.sh writes (default /tmp/brain-db-corpus/results, emptied first)
  -- ARGS     more roundtrip.sh options, e.g. -- --verbose --timeout 30
";

/// The migra fixtures of tier 1 in the corpus README (tables, constraints, indexes,
/// sequences, identity and generated columns, schemas).
const MIGRA_TIER1: &[&str] = &[
    "constraints",
    "excludeschema",
    "generated",
    "generated_added",
    "identitycols",
    "seq",
];

pub fn run_corpus(args: &[String]) -> Result<()> {
    let args = Args::parse(
        args,
        &[
            "--filter",
            "--url",
            "--pg",
            "--port",
            "--results",
            "--client-bin",
            "--same-as",
            "--jobs",
        ],
        &["--in-scope", "--baseline"],
    )?;
    let corpus = shared_dir()?.join("corpus");
    let script = corpus.join("roundtrip.sh");
    if !script.is_file() {
        return Err(format!("{} is missing", script.display()).into());
    }
    let dirs: Vec<String> = if args.positionals.is_empty() {
        vec!["migra".into(), "sqldef/cases".into()]
    } else {
        args.positionals.clone()
    };
    let roots = resolve_roots(&corpus, &dirs)?;
    let port: u16 = match args.value("--port") {
        Some(p) => p
            .parse()
            .map_err(|_| format!("--port {p}: not a port number"))?,
        None => match args.value("--pg").and_then(|m| m.parse().ok()) {
            Some(major) => crate::pg_majors::default_port(major),
            None => 55433,
        },
    };
    let base = std::env::temp_dir().join("brain-db-corpus");
    let results = args
        .value("--results")
        .map_or_else(|| base.join("results"), PathBuf::from);
    if args.value("--results").is_none() {
        let _ = std::fs::remove_dir_all(&results);
    }

    let brain_db = build_release()?;
    let given_url = args.value("--url").map(str::to_string).or_else(|| {
        std::env::var("DATABASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
    });
    let major = match args.value("--pg") {
        Some(m) => Some(
            m.parse::<u32>()
                .map_err(|_| format!("--pg {m}: give a major number"))?,
        ),
        None => None,
    };
    if major.is_some() && given_url.is_some() {
        return Err("give --pg or --url (or DATABASE_URL), not both".into());
    }
    let mut cluster = None;
    let url = match (given_url, major) {
        (Some(url), _) => url,
        (None, Some(major)) => {
            let server = crate::pg_majors::server(major)?;
            eprintln!("PostgreSQL {major}: {}", server.source);
            let c = crate::pg_majors::fresh_cluster(
                &server.bin,
                &base.join(format!("cluster-pg{major}")),
                port,
            )?;
            let url = c.url();
            cluster = Some(c);
            url
        }
        (None, None) => {
            let c = PrivateCluster::start(&base, port)?;
            let url = c.url();
            cluster = Some(c);
            url
        }
    };
    let client_bin = match args.value("--client-bin") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => crate::pg_majors::client_bin_for(&url)?,
    };

    let jobs: usize = match args.value("--jobs") {
        Some(n) => n
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("--jobs {n}: give a number of processes, 1 or more"))?,
        None => 1,
    };
    if args.has("--in-scope") && args.value("--filter").is_some() {
        return Err("give --filter or --in-scope, not both".into());
    }
    let cases = selected_cases(&roots, args.has("--in-scope"), args.value("--filter"))?;
    if args.has("--in-scope") {
        eprintln!("{} case(s) in scope", cases.len());
    }
    if cases.is_empty() {
        return Err("no case to run (check --filter and the folders)".into());
    }
    let jobs = jobs.min(cases.len());
    std::fs::create_dir_all(&results)
        .map_err(|e| format!("cannot create {}: {e}", results.display()))?;
    let results = results.canonicalize()?;
    let path_env = match &client_bin {
        Some(dir) => {
            let path = std::env::var_os("PATH").unwrap_or_default();
            let mut dirs = vec![dir.clone()];
            dirs.extend(std::env::split_paths(&path));
            eprintln!("psql, pg_dump: {}", dir.display());
            Some(std::env::join_paths(dirs)?)
        }
        None => None,
    };
    eprintln!("server: {}", redact_url(&url));
    eprintln!("BRAIN_DB={}", brain_db.display());

    // Concurrent shards would race on the roles roundtrip.sh makes and drops around its
    // run (one drops a role another still uses): they are made once, here, instead.
    let psql = client_bin
        .as_ref()
        .map_or_else(|| PathBuf::from("psql"), |d| d.join("psql"));
    let made_roles = if jobs > 1 {
        create_roles(&psql, &url, &roles_of(&roots, &cases))?
    } else {
        Vec::new()
    };
    let shard_dirs: Vec<PathBuf> = if jobs == 1 {
        vec![results.clone()]
    } else {
        (1..=jobs)
            .map(|k| results.join(format!("shard-{k}")))
            .collect()
    };
    let started = Instant::now();
    let mut children = Vec::new();
    for (k, shard_results) in shard_dirs.iter().enumerate() {
        let shard_cases: Vec<&PathBuf> = cases
            .iter()
            .skip(k)
            .step_by(jobs)
            .map(|(_, dir)| dir)
            .collect();
        if jobs > 1 {
            let _ = std::fs::remove_dir_all(shard_results);
        }
        let mut cmd = Command::new("bash");
        cmd.arg(&script)
            .args(["--rerun", "--ignore-column-order", "--results"])
            .arg(shard_results)
            .args(&args.rest)
            .arg("--")
            .args(shard_cases)
            .current_dir(&corpus)
            .env(
                "SYNC_CMD",
                r#""$CORPUS_DIR"/adapters/brain-db.sh "$1" "$2""#,
            )
            .env("BRAIN_DB", &brain_db)
            .env("DATABASE_URL", &url);
        if jobs > 1 {
            cmd.env("KEEP_ROLES", "1");
        }
        if let Some(path) = &path_env {
            cmd.env("PATH", path);
        }
        let shown = display(&cmd);
        let shown = if shown.len() > 400 {
            format!(
                "{}... ({} case folders)",
                &shown[..400],
                cases.len().div_ceil(jobs)
            )
        } else {
            shown
        };
        eprintln!("$ {shown}");
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        children.push(child);
    }
    // The worst exit: 0 all passed, 1 some case failed, anything else could not run.
    let mut exit = Some(0);
    for mut child in children {
        let code = child
            .wait()
            .map_err(|e| format!("waiting for {}: {e}", script.display()))?
            .code();
        exit = match (exit, code) {
            (Some(a), Some(b)) if a <= 1 && b <= 1 => Some(a.max(b)),
            (Some(a), _) if a > 1 => Some(a),
            (None, _) => None,
            (_, other) => other,
        };
    }
    let minutes = started.elapsed().as_secs_f64() / 60.0;
    if let Err(e) = drop_roles(&psql, &url, &made_roles) {
        eprintln!("note: {e}");
    }
    if let Some(mut c) = cluster.take() {
        c.stop()?;
    }
    if jobs > 1 {
        let order: Vec<String> = cases.iter().map(|(name, _)| name.clone()).collect();
        merge_shards(&results, &shard_dirs, &order)?;
    }
    let ran = |exit: Option<i32>| matches!(exit, Some(0 | 1));
    let exit_text = exit.map_or_else(|| "killed by a signal".to_string(), |c| format!("exit {c}"));

    let tsv = results.join("results.tsv");
    let mut in_scope_passed = None;
    match std::fs::read_to_string(&tsv) {
        Ok(text) => {
            let rows = parse_tsv(&text);
            print!("\n{}", summarize(&rows, &case_folders(&roots)));
            let scoped = in_scope_counts(&rows, &case_paths(&roots));
            print!("{}", summarize_in_scope(&scoped));
            std::fs::write(results.join(IN_SCOPE_FILE), format!("{}\n", scoped.pass))?;
            in_scope_passed = Some(scoped.pass);
        }
        Err(e) => eprintln!("no results ({}: {e})", tsv.display()),
    }
    eprintln!("results: {}", tsv.display());
    eprintln!(
        "{} case(s) in {minutes:.1} min ({jobs} roundtrip.sh process(es))",
        cases.len()
    );
    if let Some(other) = args.value("--same-as") {
        // The comparison decides, not the failures both runs share.
        if !ran(exit) {
            return Err(format!("roundtrip.sh could not run the corpus ({exit_text})").into());
        }
        let file = Path::new(other).join(IN_SCOPE_FILE);
        let want: u32 = std::fs::read_to_string(&file)
            .map_err(|e| format!("--same-as: cannot read {}: {e}", file.display()))?
            .trim()
            .parse()
            .map_err(|_| format!("--same-as: {} holds no count", file.display()))?;
        let got = in_scope_passed.ok_or("no results to compare")?;
        eprintln!("in-scope passes: {got} here, {want} in {other}");
        return if got == want {
            Ok(())
        } else {
            Err(format!("{got} in-scope case(s) pass here, {want} in {other}").into())
        };
    }
    if args.has("--baseline") && ran(exit) {
        return Ok(());
    }
    match exit {
        Some(0) => Ok(()),
        Some(1) => Err("some cases failed (see the counts above)".into()),
        _ => Err(format!("roundtrip.sh could not run the corpus ({exit_text})").into()),
    }
}

/// The cases to run, in name order: all of `roots`', or those in scope, or those whose
/// name matches `filter` (a POSIX ERE, matched by bash as roundtrip.sh does).
fn selected_cases(
    roots: &[(String, PathBuf)],
    in_scope_only: bool,
    filter: Option<&str>,
) -> Result<Vec<(String, PathBuf)>> {
    let mut cases: Vec<(String, PathBuf)> = case_paths(roots)
        .into_iter()
        .filter(|(_, dir)| !in_scope_only || in_scope(&case_sql(dir)))
        .collect();
    if let Some(filter) = filter {
        let out = Command::new("bash")
            .args([
                "-c",
                r#"re=$1; shift; for n in "$@"; do [[ $n =~ $re ]] && printf '%s\n' "$n"; done; true"#,
                "filter",
                filter,
            ])
            .args(cases.iter().map(|(name, _)| name))
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run bash to match --filter: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "--filter {filter}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )
            .into());
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let matched: std::collections::BTreeSet<&str> = text.lines().collect();
        cases.retain(|(name, _)| matched.contains(name.as_str()));
    }
    Ok(cases)
}

/// The roles roundtrip.sh would make for these cases: the ROLES files of the folders
/// given and of each case's parent, and the ROLES variable.
fn roles_of(roots: &[(String, PathBuf)], cases: &[(String, PathBuf)]) -> Vec<String> {
    let mut files: Vec<PathBuf> = roots.iter().map(|(_, p)| p.join("ROLES")).collect();
    files.extend(
        cases
            .iter()
            .filter_map(|(_, dir)| dir.parent().map(|p| p.join("ROLES"))),
    );
    let mut text: String = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect::<Vec<_>>()
        .join("\n");
    text.push('\n');
    text.push_str(&std::env::var("ROLES").unwrap_or_default());
    let mut roles: Vec<String> = Vec::new();
    for role in text.lines().map(str::trim).filter(|r| !r.is_empty()) {
        if !roles.iter().any(|r| r == role) {
            roles.push(role.to_string());
        }
    }
    roles
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn psql_command(psql: &Path, url: &str, sql: &str) -> Result<String> {
    let out = Command::new(psql)
        .args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-c",
            sql,
        ])
        .env("PGOPTIONS", "-c client_min_messages=warning")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", psql.display()))?;
    if !out.status.success() {
        return Err(format!("{sql}: {}", String::from_utf8_lossy(&out.stderr).trim()).into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Creates (NOLOGIN, as roundtrip.sh does) those of `roles` the server lacks; returns them.
fn create_roles(psql: &Path, url: &str, roles: &[String]) -> Result<Vec<String>> {
    let existing = psql_command(psql, url, "SELECT rolname FROM pg_roles")?;
    let existing: Vec<&str> = existing.lines().collect();
    let mut made = Vec::new();
    for role in roles.iter().filter(|r| !existing.contains(&r.as_str())) {
        psql_command(psql, url, &format!("CREATE ROLE {}", quote_ident(role)))?;
        made.push(role.clone());
    }
    if !made.is_empty() {
        eprintln!("roles made for the run: {}", made.join(", "));
    }
    Ok(made)
}

/// Drops the roles [`create_roles`] made, unless KEEP_ROLES=1 (as roundtrip.sh).
fn drop_roles(psql: &Path, url: &str, roles: &[String]) -> Result<()> {
    if std::env::var("KEEP_ROLES").is_ok_and(|v| v == "1") {
        return Ok(());
    }
    let failed: Vec<&str> = roles
        .iter()
        .filter(|r| {
            psql_command(
                psql,
                url,
                &format!("DROP ROLE IF EXISTS {}", quote_ident(r)),
            )
            .is_err()
        })
        .map(String::as_str)
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "roles left in place (still referenced): {}",
            failed.join(", ")
        )
        .into())
    }
}

/// Gathers the shards' results into `results` as if one roundtrip.sh had run: the
/// per-case folders moved up, one results.tsv in case order with the paths of its
/// details rewritten.
fn merge_shards(results: &Path, shards: &[PathBuf], order: &[String]) -> Result<()> {
    let rank = |case: &str| {
        let base = case.split('+').next().unwrap_or(case);
        order.iter().position(|n| n == base).unwrap_or(usize::MAX)
    };
    let mut rows: Vec<(usize, String)> = Vec::new();
    for shard in shards {
        let tsv = shard.join("results.tsv");
        let text = match std::fs::read_to_string(&tsv) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("no results from a shard ({}: {e})", tsv.display());
                continue;
            }
        };
        let from = format!("{}/", shard.display());
        let to = format!("{}/", results.display());
        for line in text
            .lines()
            .filter(|l| !l.starts_with("case\t") && !l.is_empty())
        {
            let case = line.split('\t').next().unwrap_or_default();
            let folder = shard.join(case);
            if !case.is_empty() && folder.is_dir() {
                let target = results.join(case);
                let _ = std::fs::remove_dir_all(&target);
                std::fs::rename(&folder, &target)
                    .map_err(|e| format!("cannot move {}: {e}", folder.display()))?;
            }
            rows.push((rank(case), line.replace(&from, &to)));
        }
    }
    rows.sort_by_key(|(rank, _)| *rank);
    let mut out = String::from("case\tstatus\tseconds\tdetail\n");
    for (_, line) in rows {
        out.push_str(&line);
        out.push('\n');
    }
    std::fs::write(results.join("results.tsv"), out)?;
    Ok(())
}

/// Each folder as given (the label) and its absolute path: relative to the corpus folder
/// when it exists there, else to the current folder.
fn resolve_roots(corpus: &Path, dirs: &[String]) -> Result<Vec<(String, PathBuf)>> {
    dirs.iter()
        .map(|d| {
            let candidates = [corpus.join(d), PathBuf::from(d)];
            let found = candidates.iter().find(|p| p.is_dir()).ok_or_else(|| {
                format!(
                    "no case folder {d} (looked in {} and here)",
                    corpus.display()
                )
            })?;
            Ok((d.trim_end_matches('/').to_string(), found.canonicalize()?))
        })
        .collect()
}

/// Case name -> the label of the folder it comes from, found the way roundtrip.sh
/// finds cases (a folder with a.sql or b.sql, or the folders right inside one).
fn case_folders(roots: &[(String, PathBuf)]) -> BTreeMap<String, String> {
    let is_case = |p: &Path| p.join("a.sql").is_file() || p.join("b.sql").is_file();
    let mut map = BTreeMap::new();
    for (label, path) in roots {
        if is_case(path) {
            if let Some(name) = path.file_name() {
                map.insert(name.to_string_lossy().into_owned(), label.clone());
            }
            continue;
        }
        for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
            if entry.path().is_dir() && is_case(&entry.path()) {
                map.insert(
                    entry.file_name().to_string_lossy().into_owned(),
                    label.clone(),
                );
            }
        }
    }
    map
}

/// Case name -> its folder.
fn case_paths(roots: &[(String, PathBuf)]) -> BTreeMap<String, PathBuf> {
    let is_case = |p: &Path| p.join("a.sql").is_file() || p.join("b.sql").is_file();
    let mut map = BTreeMap::new();
    for (_, path) in roots {
        let dirs: Vec<PathBuf> = if is_case(path) {
            vec![path.clone()]
        } else {
            std::fs::read_dir(path)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir() && is_case(p))
                .collect()
        };
        for dir in dirs {
            if let Some(name) = dir.file_name() {
                map.insert(name.to_string_lossy().into_owned(), dir.clone());
            }
        }
    }
    map
}

/// Object kinds brain-db does not manage (yet). A case whose SQL mentions one is out of
/// scope: its result says nothing about what brain-db claims to do.
const OUT_OF_SCOPE: &[&str] = &[
    "view ",
    "function ",
    "procedure ",
    "trigger ",
    "domain ",
    "policy ",
    "row level security",
    "partition by",
    "partition of",
    "inherits",
    "extension ",
    "collation ",
    "comment on constraint",
    "comment on schema",
    "create rule",
    "create aggregate",
    "create operator",
    "create statistics",
    "replica identity",
    "tablespace",
    "drop schema",
    "grant ",
    "revoke ",
    "owner to",
];

/// True when neither side of the case uses an object kind listed in [`OUT_OF_SCOPE`].
pub fn in_scope(sql: &str) -> bool {
    let sql = sql
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        + " ";
    // Composite and range types (enums are in scope).
    let other_types = sql.match_indices("create type").any(|(i, _)| {
        let statement = sql[i..].split(';').next().unwrap_or("");
        !statement.contains(" as enum")
    });
    !other_types && !OUT_OF_SCOPE.iter().any(|k| sql.contains(k))
}

fn case_sql(dir: &Path) -> String {
    ["setup.sql", "a.sql", "b.sql", "additions.sql"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(dir.join(f)).ok())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The file in the results folder that holds the in-scope pass count (`--same-as`).
const IN_SCOPE_FILE: &str = "in-scope-passed";

/// Counts over the cases whose objects brain-db supports (see [`in_scope`]).
fn in_scope_counts(rows: &[(String, String)], paths: &BTreeMap<String, PathBuf>) -> Counts {
    let mut scoped = Counts::default();
    for (case, status) in rows {
        let base = case.split('+').next().unwrap_or(case);
        if paths.get(base).is_some_and(|dir| in_scope(&case_sql(dir))) {
            scoped.add(status);
        }
    }
    scoped
}

fn summarize_in_scope(scoped: &Counts) -> String {
    let ran = scoped.pass + scoped.fail + scoped.error;
    format!(
        "{:<34} {:>5} {:>5} {:>5} {:>5}  {:>9}\n",
        "in scope (no views, functions, ...)",
        scoped.pass,
        scoped.fail,
        scoped.error,
        scoped.skip,
        format!("{}/{ran}", scoped.pass)
    )
}

/// `(case, status)` rows of results.tsv (header skipped).
pub fn parse_tsv(text: &str) -> Vec<(String, String)> {
    text.lines()
        .skip_while(|l| l.starts_with("case\t"))
        .filter_map(|l| {
            let mut cols = l.split('\t');
            Some((cols.next()?.to_string(), cols.next()?.to_string()))
        })
        .collect()
}

#[derive(Default, Clone, Copy)]
struct Counts {
    pass: u32,
    fail: u32,
    error: u32,
    skip: u32,
}

impl Counts {
    fn add(&mut self, status: &str) {
        match status {
            "PASS" => self.pass += 1,
            "FAIL" => self.fail += 1,
            "ERROR" => self.error += 1,
            _ => self.skip += 1,
        }
    }
}

/// Pass counts per folder, per sqldef YAML file (`<file>__<Test>`), the migra tier-1
/// cases, and overall.
pub fn summarize(rows: &[(String, String)], folders: &BTreeMap<String, String>) -> String {
    let mut per_folder: BTreeMap<String, Counts> = BTreeMap::new();
    let mut per_file: BTreeMap<(String, String), Counts> = BTreeMap::new();
    let mut tier1 = Counts::default();
    let mut total = Counts::default();
    for (case, status) in rows {
        let base = case.split('+').next().unwrap_or(case);
        let folder = folders
            .get(base)
            .cloned()
            .unwrap_or_else(|| "(other)".to_string());
        per_folder.entry(folder.clone()).or_default().add(status);
        if let Some((file, _)) = base.split_once("__") {
            per_file
                .entry((folder.clone(), file.to_string()))
                .or_default()
                .add(status);
        }
        if folder.ends_with("migra") && MIGRA_TIER1.contains(&base) {
            tier1.add(status);
        }
        total.add(status);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<34} {:>5} {:>5} {:>5} {:>5}  {:>9}",
        "cases", "PASS", "FAIL", "ERROR", "SKIP", "pass/run"
    );
    let line = |out: &mut String, name: &str, c: &Counts| {
        let ran = c.pass + c.fail + c.error;
        let _ = writeln!(
            out,
            "{name:<34} {:>5} {:>5} {:>5} {:>5}  {:>9}",
            c.pass,
            c.fail,
            c.error,
            c.skip,
            format!("{}/{ran}", c.pass)
        );
    };
    for (folder, counts) in &per_folder {
        line(&mut out, folder, counts);
        if folder.ends_with("migra") && tier1.pass + tier1.fail + tier1.error + tier1.skip > 0 {
            line(&mut out, "  tier 1 (README)", &tier1);
        }
        for ((_, file), counts) in per_file.iter().filter(|((f, _), _)| f == folder) {
            line(&mut out, &format!("  {file}"), counts);
        }
    }
    line(&mut out, "all", &total);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn scope_excludes_object_kinds_brain_db_does_not_manage() {
        assert!(super::in_scope(
            "CREATE TABLE t (id int PRIMARY KEY);\nCREATE INDEX i ON t (id);"
        ));
        assert!(!super::in_scope("create view v as select 1;"));
        assert!(!super::in_scope(
            "CREATE OR REPLACE FUNCTION f() RETURNS int"
        ));
        assert!(super::in_scope("CREATE TYPE mood AS ENUM ('a');"));
        assert!(!super::in_scope("CREATE TYPE pair AS (a int, b int);"));
        assert!(super::in_scope(
            "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED);"
        ));
    }

    use super::*;

    /// Two fabricated shard folders merged: case folders moved up, one results.tsv in
    /// case order with the details' paths rewritten.
    #[test]
    fn shards_merge_into_one_results_folder() {
        let dir = std::env::temp_dir().join(format!("xtask-shards-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let shards = [dir.join("shard-1"), dir.join("shard-2")];
        let rows = [
            ("c", "PASS", ""),
            ("a", "FAIL", "1 differing lines; see SHARD/a/diff"),
            ("b", "PASS", ""),
        ];
        for (k, (case, status, detail)) in rows.iter().enumerate() {
            let shard = &shards[k % 2];
            std::fs::create_dir_all(shard.join(case)).unwrap();
            std::fs::write(shard.join(case).join("diff"), case).unwrap();
            let tsv = shard.join("results.tsv");
            let mut text = std::fs::read_to_string(&tsv)
                .unwrap_or_else(|_| "case\tstatus\tseconds\tdetail\n".into());
            let detail = detail.replace("SHARD", &shard.display().to_string());
            text.push_str(&format!("{case}\t{status}\t1.0\t{detail}\n"));
            std::fs::write(tsv, text).unwrap();
        }
        let order = ["a".to_string(), "b".to_string(), "c".to_string()];
        merge_shards(&dir, &shards, &order).unwrap();
        let merged = std::fs::read_to_string(dir.join("results.tsv")).unwrap();
        let expected = format!(
            "case\tstatus\tseconds\tdetail\n\
             a\tFAIL\t1.0\t1 differing lines; see {}/a/diff\n\
             b\tPASS\t1.0\t\n\
             c\tPASS\t1.0\t\n",
            dir.display()
        );
        assert_eq!(merged, expected);
        assert_eq!(std::fs::read_to_string(dir.join("a/diff")).unwrap(), "a");
        assert!(!shards[1].join("a").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A fabricated corpus layout and results.tsv in a scratch folder.
    #[test]
    fn counts_per_folder_and_yaml_file() {
        let dir = std::env::temp_dir().join(format!("xtask-corpus-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for case in [
            "migra/seq",
            "migra/rls",
            "migra/collations",
            "sqldef/cases/comments__A",
            "sqldef/cases/comments__B",
            "sqldef/cases/tables__C",
            "sqldef/cases/pgvector__D",
        ] {
            std::fs::create_dir_all(dir.join(case)).unwrap();
            std::fs::write(dir.join(case).join("b.sql"), "").unwrap();
        }
        std::fs::create_dir_all(dir.join("sqldef/cases/not_a_case")).unwrap();
        let tsv = "case\tstatus\tseconds\tdetail\n\
                   collations\tPASS\t1.0\t\n\
                   rls\tFAIL\t1.0\t3 differing lines\n\
                   seq\tPASS\t1.0\t\n\
                   seq+additions\tERROR\t1.0\tsync exited 1: x\n\
                   comments__A\tPASS\t1.0\t\n\
                   comments__B\tERROR\t1.0\tsync exited 1\n\
                   pgvector__D\tSKIP\t0.1\tneeds extension not installed: vector\n\
                   tables__C\tPASS\t1.0\tA already matched B before sync\n";
        std::fs::write(dir.join("results.tsv"), tsv).unwrap();

        let roots = resolve_roots(&dir, &["migra".into(), "sqldef/cases/".into()]).unwrap();
        let folders = case_folders(&roots);
        assert_eq!(folders.get("seq").map(String::as_str), Some("migra"));
        assert_eq!(
            folders.get("tables__C").map(String::as_str),
            Some("sqldef/cases")
        );
        assert!(!folders.contains_key("not_a_case"));
        let text = std::fs::read_to_string(dir.join("results.tsv")).unwrap();
        let rows = parse_tsv(&text);
        assert_eq!(rows.len(), 8);
        let report = summarize(&rows, &folders);
        let row = |name: &str| {
            report
                .lines()
                .find(|l| l.trim_start().starts_with(name))
                .unwrap_or_else(|| panic!("no {name} in\n{report}"))
                .split_whitespace()
                .rev()
                .take(5)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(row("migra "), "2 1 1 0 2/4", "{report}");
        assert_eq!(row("tier 1"), "1 0 1 0 1/2", "{report}");
        assert_eq!(row("sqldef/cases"), "2 0 1 1 2/3", "{report}");
        assert_eq!(row("comments"), "1 0 1 0 1/2", "{report}");
        assert_eq!(row("tables"), "1 0 0 0 1/1", "{report}");
        assert_eq!(row("pgvector"), "0 0 0 1 0/0", "{report}");
        assert_eq!(row("all"), "4 1 2 1 4/7", "{report}");
        assert!(resolve_roots(&dir, &["nope".into()]).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
