//! PostgreSQL for the developer loop: make sure the test server answers (starting the
//! machine's cluster if it is down), and a private throwaway cluster for the corpus.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::Result;
use crate::util::{display, is_root, redact_url, which};

/// The server the integration tests use (same rule as `tests/it/harness.rs`).
pub fn test_url() -> String {
    std::env::var("BRAIN_DB_TEST_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// Whether a server answers at `url`: `psql -c 'select 1'` (so authentication counts),
/// or `pg_isready` when psql is missing.
pub fn answers(url: &str) -> Result<bool> {
    let mut cmd = if which("psql").is_some() {
        let mut cmd = Command::new("psql");
        cmd.args(["-X", "-A", "-t", "-c", "select 1", "-d", url]);
        cmd
    } else if which("pg_isready").is_some() {
        let mut cmd = Command::new("pg_isready");
        cmd.args(["-q", "-t", "5", "-d", url]);
        cmd
    } else {
        return Err(
            "neither psql nor pg_isready is on PATH; install the PostgreSQL client \
                    (e.g. apt-get install postgresql-client)"
                .into(),
        );
    };
    cmd.env("PGCONNECT_TIMEOUT", "5")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Ok(cmd.status().is_ok_and(|s| s.success()))
}

/// Makes sure the test server answers; if it does not and it is local, starts the
/// machine's clusters (`pg_ctlcluster`), saying what it did. Fails with the ways to get
/// a server otherwise.
pub fn ensure_test_server() -> Result<()> {
    let url = test_url();
    let shown = redact_url(&url);
    if answers(&url)? {
        eprintln!("PostgreSQL answers at {shown}");
        return Ok(());
    }
    eprintln!("no PostgreSQL answers at {shown}");
    let mut tried = Vec::new();
    if is_local(&url) {
        let mut started = false;
        for (version, cluster) in machine_clusters() {
            let mut cmd = Command::new("pg_ctlcluster");
            cmd.args(["--skip-systemctl-redirect", &version, &cluster, "start"]);
            eprintln!("starting the machine's cluster: {}", display(&cmd));
            let outcome = match cmd.stdin(Stdio::null()).output() {
                Ok(out) if out.status.success() => {
                    started = true;
                    "started".to_string()
                }
                Ok(out) => {
                    let said = [out.stdout, out.stderr].concat();
                    format!(
                        "failed ({}): {}",
                        out.status,
                        String::from_utf8_lossy(&said).trim()
                    )
                }
                Err(e) => format!("cannot run pg_ctlcluster: {e}"),
            };
            eprintln!("  {outcome}");
            tried.push(format!(
                "pg_ctlcluster {version} {cluster} start: {outcome}"
            ));
        }
        if started {
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if answers(&url)? {
                    eprintln!("PostgreSQL answers at {shown}");
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }
    let what = if tried.is_empty() {
        String::from("no local cluster to start in /etc/postgresql")
    } else {
        tried.join("; ")
    };
    Err(format!(
        "the test PostgreSQL does not answer at {shown} ({what}).\n\
         Get a server one of these ways:\n  \
         - start the machine's cluster: pg_ctlcluster <version> main start \
         (as root; versions are the folders of /etc/postgresql)\n  \
         - install one: apt-get install postgresql, then the command above\n  \
         - point BRAIN_DB_TEST_URL (or DATABASE_URL) at a server where the user may create \
         databases, e.g. BRAIN_DB_TEST_URL=postgres://postgres@127.0.0.1:5432/postgres"
    )
    .into())
}

/// `(version, cluster)` for every cluster configured under /etc/postgresql, sorted.
fn machine_clusters() -> Vec<(String, String)> {
    let mut found = Vec::new();
    for version in sorted_dir_names(Path::new("/etc/postgresql")) {
        for cluster in sorted_dir_names(&Path::new("/etc/postgresql").join(&version)) {
            found.push((version.clone(), cluster));
        }
    }
    found
}

fn sorted_dir_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Whether the URL names this machine (localhost, 127.0.0.0/8, ::1, a Unix socket).
pub fn is_local(url: &str) -> bool {
    let host = host_of(url);
    host.is_empty()
        || host.starts_with('/')
        || host == "localhost"
        || host.starts_with("127.")
        || host == "::1"
        || host == "[::1]"
}

fn host_of(url: &str) -> String {
    let query_host = url.split_once('?').and_then(|(_, q)| {
        q.split('&')
            .find_map(|p| p.strip_prefix("host="))
            .map(|h| h.replace("%2F", "/"))
    });
    if let Some(host) = query_host {
        return host;
    }
    let Some((_, rest)) = url.split_once("://") else {
        // A key=value string.
        return url
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix("host="))
            .unwrap_or("")
            .to_string();
    };
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = hostport.strip_prefix('[') {
        return format!("[{}]", v6.split(']').next().unwrap_or(""));
    }
    hostport.split(':').next().unwrap_or("").to_string()
}

/// A throwaway PostgreSQL cluster: initdb on first use, started on `port` (TCP on
/// 127.0.0.1 and a socket in `base`), fsync off, trust auth, superuser `postgres`.
/// Stopped by [`PrivateCluster::stop`] or on drop, unless it was already running.
pub struct PrivateCluster {
    bin: PathBuf,
    base: PathBuf,
    port: u16,
    running_here: bool,
}

impl PrivateCluster {
    pub fn data_dir(&self) -> PathBuf {
        self.base.join("pg")
    }

    pub fn log_file(&self) -> PathBuf {
        self.base.join("pg.log")
    }

    /// The superuser URL of the `postgres` database, over TCP.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Creates (first time) and starts the cluster in `base` with the machine's server.
    pub fn start(base: &Path, port: u16) -> Result<PrivateCluster> {
        Self::start_with(server_bin_dir()?, base, port)
    }

    /// Like [`PrivateCluster::start`], with the server binaries (initdb, pg_ctl,
    /// postgres) of `bin`, e.g. an installed package of another major.
    pub fn start_with(bin: PathBuf, base: &Path, port: u16) -> Result<PrivateCluster> {
        std::fs::create_dir_all(base)
            .map_err(|e| format!("cannot create {}: {e}", base.display()))?;
        let base = base.canonicalize()?;
        let mut cluster = PrivateCluster {
            bin,
            base,
            port,
            running_here: false,
        };
        let data = cluster.data_dir();
        if is_root() {
            // initdb and postgres refuse to run as root: they run as `postgres`.
            crate::util::run(Command::new("chown").arg("postgres:").arg(&cluster.base))?;
        }
        if !data.join("PG_VERSION").is_file() {
            let log = cluster.base.join("initdb.log");
            let mut cmd = cluster.as_pg("initdb");
            cmd.arg("-D").arg(&data).args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]);
            eprintln!("$ {}", display(&cmd));
            let out = cmd.stdin(Stdio::null()).output()?;
            std::fs::write(
                &log,
                [out.stdout.as_slice(), out.stderr.as_slice()].concat(),
            )?;
            if !out.status.success() {
                return Err(format!(
                    "initdb failed ({}); see {}:\n{}",
                    out.status,
                    log.display(),
                    String::from_utf8_lossy(&out.stderr).trim()
                )
                .into());
            }
        }
        if cluster.is_running() {
            eprintln!(
                "the private cluster in {} is already running: using it, leaving it running",
                data.display()
            );
            return Ok(cluster);
        }
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=200",
            port,
            cluster.base.display()
        );
        let mut cmd = cluster.as_pg("pg_ctl");
        cmd.arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(cluster.log_file())
            .args(["-w", "-t", "60", "-o", &options, "start"]);
        eprintln!("$ {}", display(&cmd));
        let status = cmd.stdin(Stdio::null()).stdout(Stdio::null()).status()?;
        if !status.success() {
            let log = std::fs::read_to_string(cluster.log_file()).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(10).collect();
            return Err(format!(
                "cannot start the private cluster on port {port} ({status}); is the port \
                 taken (pass --port)? Last lines of {}:\n{}",
                cluster.log_file().display(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            )
            .into());
        }
        cluster.running_here = true;
        eprintln!(
            "private PostgreSQL started: {} (data in {})",
            cluster.url(),
            data.display()
        );
        Ok(cluster)
    }

    pub fn is_running(&self) -> bool {
        crate::util::succeeds(
            self.as_pg("pg_ctl")
                .arg("-D")
                .arg(self.data_dir())
                .arg("status"),
        )
    }

    /// The cluster in `base` (made by [`PrivateCluster::start_with`]), to stop it; it
    /// counts as started here when it runs.
    pub fn existing(bin: PathBuf, base: &Path, port: u16) -> PrivateCluster {
        let mut cluster = PrivateCluster {
            bin,
            base: base.to_path_buf(),
            port,
            running_here: false,
        };
        cluster.running_here = cluster.is_running();
        cluster
    }

    /// Leaves the cluster running when this value is dropped.
    pub fn leave_running(&mut self) {
        self.running_here = false;
    }

    /// Stops the cluster if this process started it.
    pub fn stop(&mut self) -> Result<()> {
        if !self.running_here {
            return Ok(());
        }
        self.running_here = false;
        let mut cmd = self.as_pg("pg_ctl");
        cmd.arg("-D")
            .arg(self.data_dir())
            .args(["-m", "fast", "-w", "stop"]);
        eprintln!("$ {}", display(&cmd));
        let status = cmd.stdin(Stdio::null()).stdout(Stdio::null()).status()?;
        if status.success() {
            eprintln!("private PostgreSQL stopped");
            Ok(())
        } else {
            Err(format!("stopping the private cluster failed ({status})").into())
        }
    }

    /// A server binary, run as `postgres` when we are root.
    fn as_pg(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        let mut cmd = if is_root() {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(program);
            cmd
        } else {
            Command::new(program)
        };
        // The caller's folder may be closed to the postgres user.
        cmd.current_dir(&self.base);
        cmd
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("{e}");
        }
    }
}

/// The folder of initdb and pg_ctl: the newest `/usr/lib/postgresql/<version>/bin`,
/// else wherever `initdb` is on PATH.
pub fn server_bin_dir() -> Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = sorted_dir_names(Path::new("/usr/lib/postgresql"))
        .into_iter()
        .filter_map(|v| {
            let bin = Path::new("/usr/lib/postgresql").join(&v).join("bin");
            let number = v.split('.').next()?.parse().ok()?;
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((number, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    if let Some(dir) = which("initdb").as_deref().and_then(Path::parent) {
        return Ok(dir.to_path_buf());
    }
    Err(
        "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or on \
         PATH; install the server (apt-get install postgresql) or pass --url to use a running \
         server"
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_hosts() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/postgres",
            "postgres://u:p@localhost/db",
            "postgres:///db?host=/var/run/postgresql",
            "postgres://u@[::1]:5432/db",
            "host=/tmp port=5432",
        ] {
            assert!(is_local(url), "{url}");
        }
        for url in [
            "postgres://u:p@ep-x.neon.tech/db",
            "postgres://db:5432/x",
            "host=db.example.com",
        ] {
            assert!(!is_local(url), "{url}");
        }
    }

    /// Starts and stops a private cluster in a scratch folder on a free port: the path
    /// `cargo xtask corpus` takes when no --url is given.
    #[test]
    fn private_cluster_starts_answers_and_stops() {
        let base = std::env::temp_dir().join(format!("xtask-pg-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cluster = PrivateCluster::start(&base, port).expect("start the private cluster");
        assert!(cluster.is_running());
        assert!(
            answers(&cluster.url()).unwrap(),
            "no answer at {}",
            cluster.url()
        );
        cluster.stop().expect("stop");
        assert!(!cluster.is_running());
        assert!(!answers(&cluster.url()).unwrap());
        drop(cluster);
        std::fs::remove_dir_all(&base).unwrap();
    }
}
