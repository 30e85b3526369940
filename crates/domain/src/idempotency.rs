//! The key a client sends with a request it may have to send again (`Idempotency-Key`),
//! and the fingerprint that tells whether a second request is the same as the first.

use crate::{Error, Problem};
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// The header, and the field a problem with it is reported under.
pub const HEADER: &str = "Idempotency-Key";

/// At most this many characters.
pub const MAX_LEN: usize = 200;

/// What [`IdempotencyKey::parse`] takes, for the API's document: visible ASCII, no space
/// (and 1 to [`MAX_LEN`] of them).
pub const PATTERN: &str = "^[!-~]+$";

/// A client's key for one request: 1 to [`MAX_LEN`] visible ASCII characters (a UUID, a
/// counter, anything the client makes unique per request it means).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The header's value, or a 422 naming `Idempotency-Key`.
    pub fn parse(value: &str) -> Result<IdempotencyKey, Error> {
        let problem = if value.is_empty() {
            Problem::required()
        } else if value.len() > MAX_LEN {
            Problem::too_long(MAX_LEN)
        } else if !value.bytes().all(|b| b.is_ascii_graphic()) {
            Problem::invalid("must be visible ASCII characters, without spaces")
        } else {
            return Ok(IdempotencyKey(value.to_string()));
        };
        Err(Error::field(HEADER, problem))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The request's canonical form (e.g. its method and path, then its body as parsed and
/// written out again), hashed: SHA-256, in hex. Each part is length-prefixed, so parts
/// never run into one another (`["ab", "c"]` differs from `["a", "bc"]`).
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    h.finalize()
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_documented_key_pattern_takes_what_the_parser_takes() {
        let re = regex_automata::meta::Regex::new(PATTERN).unwrap();
        for s in [
            "a",
            "550e8400-e29b-41d4-a716-446655440000",
            "~!",
            "a b",
            "",
            "é",
            "a\tb",
        ] {
            assert_eq!(
                re.is_match(s) && s.len() <= MAX_LEN,
                IdempotencyKey::parse(s).is_ok(),
                "{s:?}"
            );
        }
    }
    use super::*;

    fn problem(value: &str) -> Option<&'static str> {
        match IdempotencyKey::parse(value) {
            Ok(_) => None,
            Err(Error::Validation(f)) => f.get(HEADER).map(|p| p.code),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_key_is_1_to_200_visible_ascii_characters() {
        assert_eq!(problem("3f2b9c1e-8d4a-4b7e-9c1d-2a6e5f7b8c90"), None);
        assert_eq!(problem(&"k".repeat(200)), None);
        assert_eq!(problem(""), Some("required"));
        assert_eq!(problem(&"k".repeat(201)), Some("too_long"));
        assert_eq!(problem("a b"), Some("invalid"));
        assert_eq!(problem("a\tb"), Some("invalid"));
        assert_eq!(problem("a\u{1}b"), Some("invalid"));
        assert_eq!(problem("键"), Some("invalid"));
    }

    #[test]
    fn the_same_request_has_the_same_fingerprint_and_another_another() {
        let a = fingerprint(&["POST /api/v1/tickets", r#"{"summary":"x"}"#]);
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            a,
            fingerprint(&["POST /api/v1/tickets", r#"{"summary":"x"}"#])
        );
        assert_ne!(
            a,
            fingerprint(&["POST /api/v1/tickets", r#"{"summary":"y"}"#])
        );
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
    }
}
