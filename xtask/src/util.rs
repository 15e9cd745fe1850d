//! Running commands, finding the workspace, the shared folder and the release binary.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::Result;

/// The workspace root (the parent of `xtask/`): of the checkout `cargo xtask` runs in,
/// which `cargo run` names at run time. The path compiled in may be another checkout's:
/// cargo takes a binary built there as fresh when the target folder was copied along,
/// and would then build and measure that checkout instead.
pub fn root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.join("Cargo.toml").is_file())
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest.parent().unwrap_or(&manifest).to_path_buf()
}

/// `cargo`, the one that runs us when there is one.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// The command line as a shell would show it.
pub fn display(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program());
    let program = if program.file_name() == Some(OsStr::new("cargo")) {
        OsStr::new("cargo")
    } else {
        program.as_os_str()
    };
    let mut parts = vec![shell_word(program)];
    parts.extend(cmd.get_args().map(shell_word));
    parts.join(" ")
}

fn shell_word(word: &OsStr) -> String {
    let word = word.to_string_lossy();
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c));
    if plain {
        word.into_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Runs `cmd` with the terminal as its stdio, announcing it first; an error when it fails.
pub fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {}", display(cmd));
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run `{}`: {e}", display(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", display(cmd)).into())
    }
}

/// Runs `cmd` quietly; whether it succeeded (false when it cannot start).
pub fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// An executable named `name` on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The folder of shared tools (bench/, corpus/): `BRAIN_DB_SHARED`, else `../shared`
/// beside the workspace.
pub fn shared_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os("BRAIN_DB_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => root().join("..").join("shared"),
    };
    dir.canonicalize().map_err(|e| {
        format!(
            "the shared tools folder {} is missing ({e}); set BRAIN_DB_SHARED to the folder \
             that holds bench/ and corpus/",
            dir.display()
        )
        .into()
    })
}

/// Builds the release brain-db binary and returns its absolute path.
pub fn build_release() -> Result<PathBuf> {
    run(cargo().args([
        "build",
        "--release",
        "--package",
        "brain-db",
        "--bin",
        "brain-db",
    ]))?;
    let bin = target_dir()?.join("release").join("brain-db");
    if !bin.is_file() {
        return Err(format!("the build succeeded but {} is missing", bin.display()).into());
    }
    Ok(bin)
}

/// Cargo's target directory, as `cargo metadata` reports it (honours CARGO_TARGET_DIR
/// and `build.target-dir`).
pub fn target_dir() -> Result<PathBuf> {
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err("cargo metadata failed".into());
    }
    let meta = crate::json::parse(&String::from_utf8_lossy(&out.stdout))?;
    let dir = meta
        .get("target_directory")
        .and_then(|v| v.as_str())
        .ok_or("cargo metadata has no target_directory")?;
    Ok(PathBuf::from(dir))
}

/// A `postgres://` URL with its password hidden (for the messages of the xtask).
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_string();
    };
    match rest[..at].split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***{}", &rest[at..]),
        None => url.to_string(),
    }
}

/// Splits the arguments of a command into `--flag value` options and positionals;
/// `flags` lists the options that take a value, `switches` those that do not.
/// Everything after `--` is returned separately.
pub struct Args {
    pub options: Vec<(String, Option<String>)>,
    pub positionals: Vec<String>,
    pub rest: Vec<String>,
}

impl Args {
    pub fn parse(args: &[String], flags: &[&str], switches: &[&str]) -> Result<Args> {
        let mut parsed = Args {
            options: Vec::new(),
            positionals: Vec::new(),
            rest: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            if arg == "--" {
                parsed.rest = it.cloned().collect();
                break;
            }
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
                _ => (arg.as_str(), None),
            };
            if flags.contains(&name) {
                let value = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .ok_or_else(|| format!("{name} needs a value"))?
                        .clone(),
                };
                parsed.options.push((name.to_string(), Some(value)));
            } else if switches.contains(&name) && inline.is_none() {
                parsed.options.push((name.to_string(), None));
            } else if name.starts_with('-') && name.len() > 1 {
                return Err(format!("unknown option {arg}").into());
            } else {
                parsed.positionals.push(arg.clone());
            }
        }
        Ok(parsed)
    }

    /// The last value of `--flag`.
    pub fn value(&self, flag: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(n, _)| n == flag)
            .and_then(|(_, v)| v.as_deref())
    }

    pub fn has(&self, switch: &str) -> bool {
        self.options.iter().any(|(n, _)| n == switch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn args() {
        let a = Args::parse(
            &strings(&[
                "--ns",
                "100 1000",
                "x",
                "--with-peers",
                "--runs=3",
                "--",
                "--keep",
            ]),
            &["--ns", "--runs"],
            &["--with-peers"],
        )
        .unwrap();
        assert_eq!(a.value("--ns"), Some("100 1000"));
        assert_eq!(a.value("--runs"), Some("3"));
        assert!(a.has("--with-peers"));
        assert_eq!(a.positionals, ["x"]);
        assert_eq!(a.rest, ["--keep"]);
        assert!(Args::parse(&strings(&["--bogus"]), &[], &[]).is_err());
        assert!(Args::parse(&strings(&["--ns"]), &["--ns"], &[]).is_err());
    }

    #[test]
    fn redacts() {
        assert_eq!(
            redact_url("postgres://u:p@ss@h:5/db"),
            "postgres://u:***@h:5/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn shows_commands() {
        let mut cmd = Command::new("bash");
        cmd.args(["run.sh", "a b", "it's"]);
        assert_eq!(display(&cmd), r"bash run.sh 'a b' 'it'\''s'");
    }
}
