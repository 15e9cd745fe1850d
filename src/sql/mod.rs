//! SQL text helpers shared by every stage that reads or writes SQL.

pub mod fragment;
pub mod quote;
pub mod routine;
