//! End-to-end tests for mj across its crates live in `tests/tests/`; this library is empty.
