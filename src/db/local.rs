//! The project's private PostgreSQL cluster: the database brain-db uses when no URL is
//! given (`brain-db db up | down | status | url`).
//!
//! It lives in `<project>/.brain-db/postgres/` (git-ignored): `data/` (the cluster),
//! `port` (the port of the last start, reused while it is free), `postgres.log`,
//! `initdb.log`. It is created with the machine's server binaries ([`find_server_bin`]),
//! listens on 127.0.0.1 only (no Unix socket, so a long project path is no problem),
//! trusts local connections as superuser `postgres`, and keeps its data between runs.
//!
//! initdb and postgres refuse to run as root: run as root, brain-db runs them as the
//! `postgres` user (`runuser -u postgres --`) and makes the folder theirs.
//! Starting is serialized by a lock file, so parallel processes (tests) start it once.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// The folder of the cluster inside a project.
pub const LOCAL_DIR: &str = ".brain-db/postgres";

/// The user that runs the server when brain-db runs as root.
pub const SERVER_USER: &str = "postgres";

/// Overrides the search for server binaries: the folder that holds initdb and pg_ctl.
pub const PG_BIN_VAR: &str = "BRAIN_DB_PG_BIN";

/// Errors of the local cluster. None holds a password (the cluster has none).
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error(
        "no PostgreSQL server binaries (initdb, pg_ctl) found ({searched}); to get a \
         database: install PostgreSQL (e.g. `apt-get install postgresql` or `brew install \
         postgresql@16`), or run `docker compose --profile local up -d db` and set \
         DATABASE_URL=postgres://postgres:postgres@localhost:5432/brain, or set DATABASE_URL \
         (or pass --database-url) to an existing server such as Neon or Supabase"
    )]
    NoBinaries { searched: String },

    #[error("{what} {}: {cause}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        cause: std::io::Error,
    },

    #[error(
        "brain-db runs as root and PostgreSQL refuses to: it runs the server as the \
         `{SERVER_USER}` user, which does not exist; create it (useradd -r {SERVER_USER}), \
         run brain-db as an ordinary user, or set DATABASE_URL"
    )]
    NoServerUser,

    #[error(
        "the `{SERVER_USER}` user cannot write to {}: give it access to the folder and \
         its parents (e.g. chmod o+x on each parent), or set DATABASE_URL",
        dir.display()
    )]
    NotReachable { dir: PathBuf },

    #[error("{what} failed ({status}){}", detail_text(detail, log))]
    Command {
        what: String,
        status: String,
        detail: String,
        log: Option<PathBuf>,
    },
}

fn detail_text(detail: &str, log: &Option<PathBuf>) -> String {
    let mut text = String::new();
    if let Some(log) = log {
        text.push_str(&format!("; see {}", log.display()));
    }
    if !detail.trim().is_empty() {
        text.push_str(&format!(":\n{}", detail.trim_end()));
    }
    text
}

/// What [`LocalCluster::status`] finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// No cluster in the folder yet (`db up` creates it).
    NotCreated,
    /// Created, not running; the port of its last start, if known.
    Stopped { port: Option<u16> },
    /// Running and listening on this port.
    Running { port: u16 },
}

/// The private cluster in one folder.
#[derive(Debug, Clone)]
pub struct LocalCluster {
    dir: PathBuf,
    /// Scratch clusters (tests) skip every fsync.
    throwaway: bool,
    /// Server binaries to use instead of [`find_server_bin`]'s choice.
    bin: Option<PathBuf>,
}

/// What [`LocalCluster::up`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Up {
    pub url: String,
    pub port: u16,
    /// initdb ran (first use).
    pub created: bool,
    /// The server was started (it was not running).
    pub started: bool,
}

impl LocalCluster {
    /// The cluster of the project in `project` (`project/.brain-db/postgres`).
    pub fn for_project(project: &Path) -> LocalCluster {
        LocalCluster::at(project.join(LOCAL_DIR))
    }

    /// A cluster in any folder (tests use scratch folders).
    pub fn at(dir: PathBuf) -> LocalCluster {
        LocalCluster {
            dir,
            throwaway: false,
            bin: None,
        }
    }

    /// A cluster whose data may be lost in a crash: initdb and the server skip fsync
    /// (tests' scratch clusters start faster).
    pub fn throwaway(dir: PathBuf) -> LocalCluster {
        LocalCluster {
            dir,
            throwaway: true,
            bin: None,
        }
    }

    /// The same cluster run with the server binaries in `bin` (a PostgreSQL build that
    /// ships an extension, such as the pgvector tests' server).
    pub fn with_bin(mut self, bin: PathBuf) -> LocalCluster {
        self.bin = Some(bin);
        self
    }

    fn server_bin(&self) -> Result<PathBuf, LocalError> {
        match &self.bin {
            Some(bin) => Ok(bin.clone()),
            None => find_server_bin(self.data_version().as_deref()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    pub fn log_file(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// The superuser URL of the `postgres` database on `port`.
    pub fn url_for(port: u16) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/postgres")
    }

    /// Whether initdb has run.
    pub fn is_created(&self) -> bool {
        self.data_dir().join("PG_VERSION").is_file()
    }

    /// Created? running? on which port? Reads files only (and probes the port).
    pub fn status(&self) -> Status {
        if !self.is_created() {
            return Status::NotCreated;
        }
        if let Some(port) = self.running_port() {
            return Status::Running { port };
        }
        Status::Stopped {
            port: self.saved_port(),
        }
    }

    /// The URL when running, else `None`.
    pub fn url(&self) -> Option<String> {
        self.running_port().map(LocalCluster::url_for)
    }

    /// The port from `postmaster.pid` when the server answers on it.
    fn running_port(&self) -> Option<u16> {
        let pid_file = std::fs::read_to_string(self.data_dir().join("postmaster.pid")).ok()?;
        let port: u16 = pid_file.lines().nth(3)?.trim().parse().ok()?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        TcpStream::connect_timeout(&addr, Duration::from_secs(1))
            .is_ok()
            .then_some(port)
    }

    fn saved_port(&self) -> Option<u16> {
        std::fs::read_to_string(self.dir.join("port"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// Creates the cluster if needed and starts it if it is not running: the one call
    /// behind `db up` and the no-URL default. Safe to call from parallel processes.
    pub fn up(&self) -> Result<Up, LocalError> {
        self.up_with(|_| Ok(()))
    }

    /// [`LocalCluster::up`], calling `configure(data_dir)` right after initdb (tests add
    /// TLS settings there).
    pub fn up_with(
        &self,
        configure: impl FnOnce(&Path) -> std::io::Result<()>,
    ) -> Result<Up, LocalError> {
        let _lock = self.lock()?;
        if let Some(port) = self.running_port() {
            return Ok(Up {
                url: LocalCluster::url_for(port),
                port,
                created: false,
                started: false,
            });
        }
        let created = !self.is_created();
        let bin = self.server_bin()?;
        if created {
            self.init(&bin)?;
            configure(&self.data_dir()).map_err(|cause| LocalError::Io {
                what: "cannot configure the cluster in",
                path: self.data_dir(),
                cause,
            })?;
        }
        let port = match self.saved_port() {
            Some(port) if port_is_free(port) => port,
            _ => free_port().map_err(|cause| LocalError::Io {
                what: "cannot find a free port for",
                path: self.dir.clone(),
                cause,
            })?,
        };
        write(&self.dir.join("port"), &format!("{port}\n"))?;
        let mut options = format!("-p {port}");
        if self.throwaway {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let mut cmd = server_command(&bin, "pg_ctl");
        cmd.arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.log_file())
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .current_dir(&self.dir);
        let out = output(&mut cmd, "pg_ctl start")?;
        if !out.status.success() {
            let log = std::fs::read_to_string(self.log_file()).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(10).collect();
            return Err(LocalError::Command {
                what: format!("starting the local PostgreSQL on port {port}"),
                status: out.status.to_string(),
                detail: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
                log: Some(self.log_file()),
            });
        }
        Ok(Up {
            url: LocalCluster::url_for(port),
            port,
            created,
            started: true,
        })
    }

    /// Stops the server; `false` when it was not running. The data stays.
    pub fn down(&self) -> Result<bool, LocalError> {
        if !self.is_created() {
            return Ok(false);
        }
        let _lock = self.lock()?;
        if !self.data_dir().join("postmaster.pid").is_file() {
            return Ok(false);
        }
        let bin = self.server_bin()?;
        let mut cmd = server_command(&bin, "pg_ctl");
        cmd.arg("-D")
            .arg(self.data_dir())
            .args(["-m", "fast", "-w", "-t", "60", "stop"])
            .current_dir(&self.dir);
        let out = output(&mut cmd, "pg_ctl stop")?;
        if !out.status.success() {
            // A stale postmaster.pid: ask pg_ctl by exit code (3: not running), never by
            // the wording of its message.
            let mut status = server_command(&bin, "pg_ctl");
            status
                .arg("-D")
                .arg(self.data_dir())
                .arg("status")
                .current_dir(&self.dir);
            if output(&mut status, "pg_ctl status")?.status.code() == Some(3) {
                return Ok(false);
            }
            let said = String::from_utf8_lossy(&out.stderr);
            return Err(LocalError::Command {
                what: "stopping the local PostgreSQL".to_string(),
                status: out.status.to_string(),
                detail: said.into_owned(),
                log: Some(self.log_file()),
            });
        }
        Ok(true)
    }

    /// The major version of an existing cluster (`data/PG_VERSION`).
    fn data_version(&self) -> Option<String> {
        std::fs::read_to_string(self.data_dir().join("PG_VERSION"))
            .ok()
            .map(|v| v.trim().to_string())
    }

    /// Takes `<dir>.lock` (beside the folder, which may belong to another user).
    fn lock(&self) -> Result<File, LocalError> {
        let parent = self.dir.parent().unwrap_or(Path::new("."));
        create_dir(parent)?;
        let path = self.dir.with_extension("lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|cause| LocalError::Io {
                what: "cannot open the lock file",
                path: path.clone(),
                cause,
            })?;
        file.lock().map_err(|cause| LocalError::Io {
            what: "cannot lock",
            path,
            cause,
        })?;
        Ok(file)
    }

    /// initdb into `data/`, then restrict the server to 127.0.0.1 without a socket.
    fn init(&self, bin: &Path) -> Result<(), LocalError> {
        create_dir(&self.dir)?;
        if is_root() {
            if !user_exists(SERVER_USER) {
                return Err(LocalError::NoServerUser);
            }
            let mut chown = Command::new("chown");
            chown
                .arg("-R")
                .arg(format!("{SERVER_USER}:"))
                .arg(&self.dir);
            let out = output(&mut chown, "chown")?;
            if !out.status.success() {
                return Err(LocalError::Command {
                    what: format!("giving {} to {SERVER_USER}", self.dir.display()),
                    status: out.status.to_string(),
                    detail: String::from_utf8_lossy(&out.stderr).into_owned(),
                    log: None,
                });
            }
            let mut probe = Command::new("runuser");
            probe
                .args(["-u", SERVER_USER, "--", "test", "-w"])
                .arg(&self.dir);
            if !output(&mut probe, "runuser")?.status.success() {
                return Err(LocalError::NotReachable {
                    dir: self.dir.clone(),
                });
            }
        }
        let log = self.dir.join("initdb.log");
        let mut cmd = server_command(bin, "initdb");
        cmd.arg("-D")
            .arg(self.data_dir())
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
            ])
            .current_dir(&self.dir);
        let out = output(&mut cmd, "initdb")?;
        let said = [out.stdout.as_slice(), out.stderr.as_slice()].concat();
        let _ = std::fs::write(&log, &said);
        if !out.status.success() {
            return Err(LocalError::Command {
                what: "initdb".to_string(),
                status: out.status.to_string(),
                detail: String::from_utf8_lossy(&out.stderr).into_owned(),
                log: Some(log),
            });
        }
        let conf = self.data_dir().join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).map_err(|cause| LocalError::Io {
            what: "cannot read",
            path: conf.clone(),
            cause,
        })?;
        text.push_str(
            "\n# brain-db: a private development cluster, reachable from this machine only\n\
             listen_addresses = '127.0.0.1'\n\
             unix_socket_directories = ''\n",
        );
        write(&conf, &text)
    }
}

/// Runs a server binary from `bin`, as [`SERVER_USER`] when we are root.
fn server_command(bin: &Path, program: &str) -> Command {
    let program = bin.join(program);
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", SERVER_USER, "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn output(cmd: &mut Command, what: &str) -> Result<Output, LocalError> {
    cmd.stdin(Stdio::null())
        .output()
        .map_err(|cause| LocalError::Io {
            what: "cannot run",
            path: PathBuf::from(what),
            cause,
        })
}

fn create_dir(dir: &Path) -> Result<(), LocalError> {
    std::fs::create_dir_all(dir).map_err(|cause| LocalError::Io {
        what: "cannot create",
        path: dir.to_path_buf(),
        cause,
    })
}

fn write(path: &Path, text: &str) -> Result<(), LocalError> {
    std::fs::write(path, text).map_err(|cause| LocalError::Io {
        what: "cannot write",
        path: path.to_path_buf(),
        cause,
    })
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata("/proc/self") {
        Ok(meta) => meta.uid() == 0,
        Err(_) => Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0"),
    }
}

fn user_exists(user: &str) -> bool {
    Command::new("id")
        .arg("-u")
        .arg(user)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

/// A port nobody listens on now (the kernel's pick).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// The folder of `initdb` and `pg_ctl`: `BRAIN_DB_PG_BIN` if set; else, among PATH and
/// the usual install folders (`/usr/lib/postgresql/<v>/bin`, `/usr/pgsql-<v>/bin`,
/// `/usr/local/pgsql/bin`, Homebrew's `postgresql@<v>`), the one of `version` (an
/// existing cluster's) if given, else the first on PATH, else the newest.
pub fn find_server_bin(version: Option<&str>) -> Result<PathBuf, LocalError> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os(PG_BIN_VAR) {
        let dir = PathBuf::from(dir);
        if has_tools(&dir) {
            return Ok(dir);
        }
        return Err(LocalError::NoBinaries {
            searched: format!("{PG_BIN_VAR}={}", dir.display()),
        });
    }
    let mut candidates: Vec<(Option<u32>, PathBuf)> = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_tools(&dir) {
                candidates.push((None, dir));
            }
        }
    }
    let mut installed: Vec<(Option<u32>, PathBuf)> = Vec::new();
    for (parent, prefix, suffix) in [
        ("/usr/lib/postgresql", "", "bin"),
        ("/usr", "pgsql-", "bin"),
        ("/opt/homebrew/opt", "postgresql@", "bin"),
        ("/usr/local/opt", "postgresql@", "bin"),
    ] {
        let Ok(entries) = std::fs::read_dir(parent) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(number) = name.strip_prefix(prefix) else {
                continue;
            };
            let Some(major) = number.split('.').next().and_then(|m| m.parse().ok()) else {
                continue;
            };
            let dir = entry.path().join(suffix);
            if has_tools(&dir) {
                installed.push((Some(major), dir));
            }
        }
    }
    installed.sort_by(|a, b| b.cmp(a));
    candidates.extend(installed);
    let local = PathBuf::from("/usr/local/pgsql/bin");
    if has_tools(&local) {
        candidates.push((None, local));
    }
    if let Some(wanted) = version.and_then(|v| v.parse::<u32>().ok()) {
        for (major, dir) in &candidates {
            let major = major.or_else(|| binary_major(dir));
            if major == Some(wanted) {
                return Ok(dir.clone());
            }
        }
    }
    candidates
        .into_iter()
        .next()
        .map(|(_, dir)| dir)
        .ok_or_else(|| LocalError::NoBinaries {
            searched: "looked on PATH and in /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin, \
                       /usr/local/pgsql/bin and Homebrew's postgresql@*"
                .to_string(),
        })
}

/// The major version `pg_ctl --version` prints ("pg_ctl (PostgreSQL) 16.4").
fn binary_major(dir: &Path) -> Option<u32> {
    let out = Command::new(dir.join("pg_ctl"))
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .last()?
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// Whether `err` is [`LocalError::NoBinaries`] (the CLI adds nothing to that message).
pub fn is_missing_binaries(err: &LocalError) -> bool {
    matches!(err, LocalError::NoBinaries { .. })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_without_a_cluster_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let cluster = LocalCluster::for_project(dir.path());
        assert_eq!(cluster.dir(), dir.path().join(".brain-db/postgres"));
        assert_eq!(cluster.status(), Status::NotCreated);
        assert_eq!(cluster.url(), None);
        assert!(!cluster.down().unwrap());
    }

    #[test]
    fn urls_name_the_loopback_address() {
        assert_eq!(
            LocalCluster::url_for(5433),
            "postgres://postgres@127.0.0.1:5433/postgres"
        );
    }

    #[test]
    fn free_ports_are_free() {
        let port = free_port().unwrap();
        assert!(port_is_free(port));
        let held = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).unwrap();
        assert!(!port_is_free(port));
        drop(held);
    }
}
