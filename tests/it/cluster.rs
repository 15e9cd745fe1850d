#![allow(clippy::print_stderr)]

//! A private PostgreSQL cluster for tests that need a special server (TLS, a second
//! cluster): initdb in a scratch folder, started on a free port through
//! `brain_db::db::local` (as the `postgres` user when the tests run as root), stopped
//! when the guard drops, also when the test fails.

use std::path::{Path, PathBuf};

use brain_db::db::local::{LocalCluster, is_root};

pub struct TempCluster {
    pub cluster: LocalCluster,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl TempCluster {
    /// Creates and starts a cluster; `configure(data_dir)` runs after initdb, before the
    /// first start.
    pub fn start(configure: impl FnOnce(&Path) -> std::io::Result<()>) -> TempCluster {
        let dir = tempfile::tempdir().expect("temp dir");
        open_to_server_user(dir.path());
        let cluster = LocalCluster::throwaway(dir.path().join("pg"));
        let up = match cluster.up_with(configure) {
            Ok(up) => up,
            Err(e) => panic!("cannot start a test cluster: {e}"),
        };
        TempCluster {
            cluster,
            port: up.port,
            dir,
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        if let Err(e) = self.cluster.down() {
            eprintln!(
                "cannot stop the test cluster in {}: {e}",
                self.dir.path().display()
            );
        }
    }
}

/// Lets the server user (`postgres` when root) into a scratch folder (mode 0755).
pub fn open_to_server_user(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Writes `text` to `path` with `mode`, owned like the folder it is in (the server user
/// owns the data folder, and PostgreSQL wants its key file to be its own).
pub fn write_server_file(path: &Path, text: &str, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    std::fs::write(path, text)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    if is_root() {
        let owner = std::fs::metadata(path.parent().unwrap())?;
        std::os::unix::fs::chown(path, Some(owner.uid()), Some(owner.gid()))?;
    }
    Ok(())
}
