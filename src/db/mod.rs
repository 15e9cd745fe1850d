//! Where the database is and how to reach it: URL resolution and redaction.
