//! Web page tests.
