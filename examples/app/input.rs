//! Reading a request: a JSON object body, query parameters and path ids, each value
//! checked on its own so that a refusal names the field at fault.
//!
//! The body is read as a JSON value first and each key checked by hand (rather than
//! deserialised straight into a struct) because serde's messages name a line and column,
//! not the key a client has to fix.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::ApiError;

/// A request body: a JSON object whose keys are all known.
pub struct Body(Map<String, Value>);

impl Body {
    /// Parses `bytes` as a JSON object (415 unless declared JSON; 400 when malformed or
    /// not an object) and refuses a key outside `writable` (a typo must not be dropped
    /// silently; a read-only column is named as such).
    pub fn parse(
        headers: &HeaderMap,
        bytes: &Bytes,
        writable: &[&str],
        read_only: &[&str],
    ) -> Result<Body, ApiError> {
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| ApiError::body(format!("the body is not valid JSON: {e}")))?;
        let Value::Object(map) = value else {
            return Err(ApiError::body("the body must be a JSON object"));
        };
        for key in map.keys() {
            if read_only.contains(&key.as_str()) {
                return Err(ApiError::field(key, format!("{key} is read-only")));
            }
            if !writable.contains(&key.as_str()) {
                return Err(ApiError::field(
                    key,
                    format!(
                        "unknown field {key} (expected one of: {})",
                        writable.join(", ")
                    ),
                ));
            }
        }
        Ok(Body(map))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn get<T>(
        &self,
        key: &'static str,
        read: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Result<Field<T>, ApiError> {
        let slot = match self.0.get(key) {
            None => Slot::Absent,
            Some(Value::Null) => Slot::Null,
            Some(v) => Slot::Value(read(v).map_err(|m| ApiError::field(key, m))?),
        };
        Ok(Field { key, slot })
    }

    /// A string; `nonempty` refuses "" and blanks.
    pub fn text(&self, key: &'static str, nonempty: bool) -> Result<Field<String>, ApiError> {
        self.get(key, |v| {
            let s = v
                .as_str()
                .ok_or_else(|| format!("{key} must be a string"))?;
            text_value(key, s, nonempty)
        })
    }

    /// One of `labels`.
    pub fn label(&self, key: &'static str, labels: &[&str]) -> Result<Field<String>, ApiError> {
        self.get(key, |v| {
            v.as_str()
                .filter(|s| labels.contains(s))
                .map(str::to_string)
                .ok_or_else(|| format!("{key} must be one of: {}", labels.join(", ")))
        })
    }

    /// A whole number in `min..=i32::MAX`.
    pub fn int(&self, key: &'static str, min: i32) -> Result<Field<i32>, ApiError> {
        self.get(key, |v| {
            v.as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .filter(|n| *n >= min)
                .ok_or_else(|| format!("{key} must be a whole number from {min} to {}", i32::MAX))
        })
    }

    pub fn boolean(&self, key: &'static str) -> Result<Field<bool>, ApiError> {
        self.get(key, |v| {
            v.as_bool()
                .ok_or_else(|| format!("{key} must be true or false"))
        })
    }

    /// An RFC 3339 timestamp with its offset (`2026-01-27T09:00:00Z`).
    pub fn timestamp(&self, key: &'static str) -> Result<Field<DateTime<Utc>>, ApiError> {
        self.get(key, |v| {
            v.as_str()
                .ok_or_else(|| format!("{key} must be an RFC 3339 timestamp string"))
                .and_then(|s| timestamp_value(key, s))
        })
    }

    /// An array of non-empty strings.
    pub fn text_array(&self, key: &'static str) -> Result<Field<Vec<String>>, ApiError> {
        self.get(key, |v| {
            let items = v
                .as_array()
                .ok_or_else(|| format!("{key} must be an array of strings"))?;
            items
                .iter()
                .map(|item| {
                    item.as_str()
                        .ok_or_else(|| format!("{key} must be an array of strings"))
                        .and_then(|s| text_value(key, s, true))
                })
                .collect()
        })
    }
}

fn text_value(key: &str, s: &str, nonempty: bool) -> Result<String, String> {
    if nonempty && s.trim().is_empty() {
        return Err(format!("{key} must not be empty"));
    }
    // PostgreSQL's text cannot hold NUL; refused here rather than as a failed statement.
    if s.contains('\0') {
        return Err(format!("{key} must not contain a NUL character"));
    }
    Ok(s.to_string())
}

fn timestamp_value(key: &str, s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            format!("{key} must be an RFC 3339 timestamp such as 2026-01-27T09:00:00Z ({e})")
        })
}

enum Slot<T> {
    Absent,
    Null,
    Value(T),
}

/// A body key: absent, null, or a checked value.
pub struct Field<T> {
    key: &'static str,
    slot: Slot<T>,
}

impl<T> Field<T> {
    /// Present and not null.
    pub fn required(self) -> Result<T, ApiError> {
        match self.slot {
            Slot::Value(v) => Ok(v),
            Slot::Absent => Err(ApiError::field(
                self.key,
                format!("{} is required", self.key),
            )),
            Slot::Null => Err(self.null()),
        }
    }

    /// Optional, but not null.
    pub fn non_null(self) -> Result<Option<T>, ApiError> {
        match self.slot {
            Slot::Value(v) => Ok(Some(v)),
            Slot::Absent => Ok(None),
            Slot::Null => Err(self.null()),
        }
    }

    /// Optional, and null clears: `None` absent, `Some(None)` null.
    pub fn nullable(self) -> Option<Option<T>> {
        match self.slot {
            Slot::Value(v) => Some(Some(v)),
            Slot::Absent => None,
            Slot::Null => Some(None),
        }
    }

    fn null(&self) -> ApiError {
        ApiError::field(self.key, format!("{} must not be null", self.key))
    }
}

/// A path id: a UUID, else 400 naming the segment.
pub fn uuid(field: &str, text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::field(field, format!("{field} must be a UUID")))
}

/// Query parameters, each allowed once and only from `known`.
pub struct Params(BTreeMap<String, String>);

impl Params {
    pub fn parse(pairs: Vec<(String, String)>, known: &[&str]) -> Result<Params, ApiError> {
        let mut map = BTreeMap::new();
        for (key, value) in pairs {
            if !known.contains(&key.as_str()) {
                return Err(ApiError::field(
                    &key,
                    format!(
                        "unknown query parameter {key} (expected one of: {})",
                        known.join(", ")
                    ),
                ));
            }
            if map.insert(key.clone(), value).is_some() {
                return Err(ApiError::field(&key, format!("{key} is given twice")));
            }
        }
        Ok(Params(map))
    }

    pub fn text(&self, key: &str) -> Result<Option<String>, ApiError> {
        self.0
            .get(key)
            .map(|v| text_value(key, v, true).map_err(|m| ApiError::field(key, m)))
            .transpose()
    }

    pub fn label(&self, key: &str, labels: &[&str]) -> Result<Option<String>, ApiError> {
        self.0
            .get(key)
            .map(|v| {
                if labels.contains(&v.as_str()) {
                    Ok(v.clone())
                } else {
                    Err(ApiError::field(
                        key,
                        format!("{key} must be one of: {}", labels.join(", ")),
                    ))
                }
            })
            .transpose()
    }

    /// A whole number in `min..=max`, else `default`.
    pub fn int(&self, key: &str, min: i64, max: i64, default: i64) -> Result<i64, ApiError> {
        match self.0.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| {
                    ApiError::field(
                        key,
                        format!("{key} must be a whole number from {min} to {max}"),
                    )
                }),
        }
    }
}
