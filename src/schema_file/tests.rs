//! Pure tests of the loader and the writer (no database).
