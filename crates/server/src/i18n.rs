//! The translation catalogue: every string people read, in Simplified Chinese and English.
