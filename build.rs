//! Rebuilds when `migrations/` changes, so that `examples/app.rs`, which embeds the folder
//! with `include_dir!`, always carries the current files. Apps that embed their own
//! migrations need the same line in their build script.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
