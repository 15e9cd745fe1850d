//! SQL text helpers shared by every stage that reads or writes SQL: quoting, the
//! one-expression check of raw fragments (both in the `applier` feature), and the schema
//! engine's SQL knowledge: type spellings, literal rendering, expression comparison and
//! which type changes widen.

#[cfg(feature = "schema")]
pub mod expr;
pub mod fragment;
#[cfg(feature = "schema")]
pub mod index_key;
#[cfg(feature = "schema")]
pub mod literal;
#[cfg(feature = "schema")]
pub mod partition;
pub mod quote;
#[cfg(feature = "schema")]
pub mod routine;
#[cfg(feature = "schema")]
pub mod spelling;
#[cfg(feature = "schema")]
pub mod types;
#[cfg(feature = "schema")]
pub mod widening;
