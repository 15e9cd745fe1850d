//! A table's `policies`, one section each.

use std::fmt::Write as _;

use super::{key, string_array, toml_string};
use crate::model::{Policy, PolicyCommand, Table};

pub(super) fn write_policies(out: &mut String, header: &str, t: &Table) {
    for p in &t.policies {
        let _ = writeln!(out, "[{header}.policies.{}]", key(&p.name));
        for (k, v) in fields(p) {
            let _ = writeln!(out, "{k} = {v}");
        }
        out.push('\n');
    }
}

fn fields(p: &Policy) -> Vec<(&'static str, String)> {
    let mut f = Vec::new();
    if p.command != PolicyCommand::All {
        f.push(("command", toml_string(p.command.keyword())));
    }
    if p.roles != Policy::default_roles() {
        f.push(("roles", string_array(&p.roles)));
    }
    if let Some(u) = &p.using {
        f.push(("using", toml_string(u)));
    }
    if let Some(c) = &p.with_check {
        f.push(("with_check", toml_string(c)));
    }
    if p.restrictive {
        f.push(("restrictive", "true".into()));
    }
    if let Some(c) = &p.comment {
        f.push(("comment", toml_string(c)));
    }
    f
}
