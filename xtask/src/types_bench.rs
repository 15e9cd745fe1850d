//! The `types` step of `cargo xtask bench`: `brain-db types` (TypeScript and Rust) on the
//! shared bench schema of `--types-n` tables (default 10,000; `gen_schema.py`), offline.
//! Target (issue 10): under 1 s on this machine.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::Result;
use crate::util::shared_dir;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

pub fn run_types_bench(brain_db: &Path, scratch: &Path, n: u64, runs: usize) -> Result<String> {
    let dir = scratch.join(format!("types/n{n}"));
    let schema = dir.join("schema.toml");
    if !schema.is_file() {
        std::fs::create_dir_all(&dir)?;
        let script = shared_dir()?.join("bench/gen_schema.py");
        let out = Command::new("python3")
            .arg(&script)
            .arg(n.to_string())
            .arg(&dir)
            .output()?;
        if !out.status.success() {
            return Err(format!(
                "{} {n} failed: {}",
                script.display(),
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
    }
    let mut report = format!(
        "\n## brain-db types, {n} tables ({}), median of {runs}\n\n| lang | median s | min s | max s | output |\n|---|---|---|---|---|\n",
        schema.display()
    );
    for (lang, file) in [("typescript", "types.ts"), ("rust", "schema.rs")] {
        let out_path = dir.join(file);
        let mut times = Vec::new();
        for _ in 0..runs {
            let _ = std::fs::remove_file(&out_path);
            let start = Instant::now();
            let out = Command::new(brain_db)
                .arg("--schema")
                .arg(&schema)
                .args(["types", "--lang", lang, "--out"])
                .arg(&out_path)
                .output()?;
            let elapsed = start.elapsed().as_secs_f64();
            if !out.status.success() {
                return Err(format!(
                    "brain-db types --lang {lang} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                )
                .into());
            }
            times.push(elapsed);
        }
        let size = std::fs::metadata(&out_path)?.len();
        let min = times.iter().copied().fold(f64::INFINITY, f64::min);
        let max = times.iter().copied().fold(0.0, f64::max);
        report.push_str(&format!(
            "| {lang} | {:.3} | {min:.3} | {max:.3} | {:.1} MB |\n",
            median(times),
            size as f64 / 1e6
        ));
    }
    report.push_str("\ntarget: median under 1 s for each language\n");
    Ok(report)
}
