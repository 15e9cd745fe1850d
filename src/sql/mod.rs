//! SQL text helpers shared by every stage that reads or writes SQL.

pub mod fragment;
pub mod index_key;
pub mod quote;
