//! The schema.toml loader never panics, whatever the text; a schema it accepts can be
//! written back out.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(schema) = brain_db::schema_file::parse(text, "fuzz.toml") {
        let _ = brain_db::schema_file::write(&schema);
    }
});
