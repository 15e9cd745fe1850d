//! The loader's context: the source text and the diagnostics found so far, with typed
//! readers of tree values that report what they reject (at file, line and column).

use super::constraint::ACTIONS;
use crate::model::{Deferrable, FkAction, names};
use crate::schema_file::Diagnostic;
use crate::schema_file::tree;
use crate::schema_file::tree::{Entry, Node, Span, Val};
use crate::sql::fragment;

pub(super) struct Ctx<'s> {
    pub(super) src: &'s str,
    pub(super) diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    pub(super) fn error(&mut self, span: &Span, message: impl Into<String>, hint: Option<String>) {
        let (line, column) = tree::line_col(self.src, span.start);
        self.diags.push(Diagnostic {
            line,
            column,
            message: message.into(),
            hint,
        });
    }

    pub(super) fn table<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Entry]> {
        match &node.val {
            Val::Table(entries) => Some(entries),
            other => {
                self.error(
                    &node.span,
                    format!("{what} must be a table, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    pub(super) fn check_keys(&mut self, entries: &[Entry], allowed: &[&str], what: &str) {
        for e in entries {
            if !allowed.contains(&e.key.as_str()) {
                let hint = match closest(&e.key, allowed.iter().copied()) {
                    Some(k) => format!("did you mean `{k}`?"),
                    None => format!("valid keys: {}", allowed.join(", ")),
                };
                self.error(
                    &e.key_span,
                    format!("unknown key `{}` in {what}", e.key),
                    Some(hint),
                );
            }
        }
    }

    pub(super) fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.val {
            Val::Str(s) => Some(s.clone()),
            other => {
                self.error(
                    &node.span,
                    format!("{what} must be a string, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    /// A raw-SQL value: one expression, checked by [`fragment::check`].
    pub(super) fn sql(&mut self, node: &Node, what: &str) -> Option<String> {
        let raw = self.string(node, what)?;
        let s = raw.trim();
        if s.is_empty() {
            self.error(&node.span, format!("{what} is empty"), None);
            return None;
        }
        // A NUL is reported once, by `reject_nul`.
        if s.contains('\0') {
            return None;
        }
        let checked = fragment::check(s, what);
        self.fragment_result(node, &raw, s, checked)
            .then(|| s.to_string())
    }

    /// Reports a rejected fragment `text` (a part of the string value `raw` at `node`) at
    /// its own line and column; whether it passed.
    pub(super) fn fragment_result(
        &mut self,
        node: &Node,
        raw: &str,
        text: &str,
        checked: Result<(), fragment::FragmentError>,
    ) -> bool {
        let Err(e) = checked else {
            return true;
        };
        let lead = raw.find(text).unwrap_or(0);
        let at = value_offset(self.src, &node.span, raw, lead + e.offset);
        self.error(&(at..at), e.message, e.hint);
        false
    }

    pub(super) fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        match &node.val {
            Val::Bool(b) => Some(*b),
            other => {
                self.error(
                    &node.span,
                    format!("{what} must be true or false, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    pub(super) fn integer(&mut self, node: &Node, what: &str) -> Option<i64> {
        match &node.val {
            Val::Int(i) => Some(*i),
            other => {
                self.error(
                    &node.span,
                    format!("{what} must be an integer, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    pub(super) fn strings(&mut self, node: &Node, what: &str) -> Option<Vec<(String, Span)>> {
        match &node.val {
            Val::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    out.push((
                        self.string(item, &format!("each entry of {what}"))?,
                        item.span.clone(),
                    ));
                }
                Some(out)
            }
            other => {
                self.error(
                    &node.span,
                    format!("{what} must be an array of strings, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    /// An object name: non-empty, at most 63 bytes.
    pub(super) fn name_ok(&mut self, name: &str, span: &Span, what: &str) -> bool {
        if name.is_empty() {
            self.error(span, format!("{what} name is empty"), None);
            false
        } else if name.len() > names::MAX_IDENTIFIER_BYTES {
            self.error(
                span,
                format!("{what} name {name:?} is {} bytes long", name.len()),
                Some(format!(
                    "PostgreSQL keeps only {} bytes; shorten it to {:?}",
                    names::MAX_IDENTIFIER_BYTES,
                    names::truncate_identifier(name)
                )),
            );
            false
        } else {
            true
        }
    }

    pub(super) fn action(&mut self, node: &Node, what: &str) -> FkAction {
        let Some(s) = self.string(node, what) else {
            return FkAction::NoAction;
        };
        FkAction::from_file_name(&s).unwrap_or_else(|| {
            self.error(
                &node.span,
                format!("unknown {what} action {s:?}"),
                Some(ACTIONS.into()),
            );
            FkAction::NoAction
        })
    }

    pub(super) fn deferrable(&mut self, node: &Node) -> Deferrable {
        match &node.val {
            Val::Bool(true) => Deferrable::InitiallyImmediate,
            Val::Bool(false) => Deferrable::NotDeferrable,
            Val::Str(s) => match s.trim().to_ascii_lowercase().replace('_', " ").as_str() {
                "not deferrable" => Deferrable::NotDeferrable,
                "deferrable" | "initially immediate" => Deferrable::InitiallyImmediate,
                "initially deferred" => Deferrable::InitiallyDeferred,
                _ => {
                    self.error(
                        &node.span,
                        format!("unknown deferrable mode {s:?}"),
                        Some("use \"initially immediate\", \"initially deferred\" or \"not deferrable\"".into()),
                    );
                    Deferrable::NotDeferrable
                }
            },
            other => {
                self.error(
                    &node.span,
                    format!("deferrable must be a string, found {}", other.kind()),
                    None,
                );
                Deferrable::NotDeferrable
            }
        }
    }
}

/// The file offset of byte `offset` of the string `value` written at `span`: exact when
/// the value is written without escapes, else the start of the value.
pub(super) fn value_offset(src: &str, span: &Span, value: &str, offset: usize) -> usize {
    let Some(raw) = src.get(span.clone()) else {
        return span.start;
    };
    let delim = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
        3
    } else {
        1
    };
    let Some(inner) = raw.get(delim..raw.len().saturating_sub(delim)) else {
        return span.start;
    };
    // A line break right after an opening `"""` is not part of the value.
    let skipped = match inner {
        _ if delim == 1 => 0,
        _ if inner.starts_with("\r\n") => 2,
        _ if inner.starts_with('\n') => 1,
        _ => 0,
    };
    if inner.get(skipped..) == Some(value) {
        span.start + delim + skipped + offset
    } else {
        span.start
    }
}

/// Every key and string of the file that holds a NUL: PostgreSQL can store it in no
/// name and no text.
pub(super) fn reject_nul(ctx: &mut Ctx<'_>, node: &Node) {
    let hint = || {
        Some("PostgreSQL cannot store NUL (\\u0000) in a name or a string; remove it".to_string())
    };
    match &node.val {
        Val::Str(s) if s.contains('\0') => {
            let at = value_offset(ctx.src, &node.span, s, s.find('\0').unwrap_or(0));
            ctx.error(&(at..at), "this string contains a NUL character", hint());
        }
        Val::Array(items) => items.iter().for_each(|item| reject_nul(ctx, item)),
        Val::Table(entries) => {
            for e in entries {
                if e.key.contains('\0') {
                    ctx.error(
                        &e.key_span,
                        format!("the name {:?} contains a NUL character", e.key),
                        hint(),
                    );
                }
                reject_nul(ctx, &e.node);
            }
        }
        _ => {}
    }
}

pub(super) fn find<'a>(entries: &'a [Entry], key: &str) -> Option<&'a Entry> {
    entries.iter().find(|e| e.key == key)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub(super) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
