//! The one error type of the domain. The HTTP layer adapts it twice: JSON problems for the
//! API, an HTML page for people.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// What is wrong with one field. `code` is stable (pages translate it), `message` is English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub code: &'static str,
    pub message: String,
}

impl Problem {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Problem {
            code,
            message: message.into(),
        }
    }
    pub fn required() -> Self {
        Problem::new("required", "must not be empty")
    }
    pub fn too_long(max: usize) -> Self {
        Problem::new("too_long", format!("must be at most {max} characters"))
    }
    pub fn invalid(why: impl Into<String>) -> Self {
        Problem::new("invalid", why)
    }
}

/// Field name → problem. Field names are the API's (snake_case, `contacts[0].phone`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(pub BTreeMap<String, Problem>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&mut self, field: impl Into<String>, problem: Problem) {
        self.0.entry(field.into()).or_insert(problem);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn get(&self, field: &str) -> Option<&Problem> {
        self.0.get(field)
    }
    /// Keep a parsed value, or record the problem under `field`.
    pub fn take<T>(&mut self, field: &str, r: Result<T, Problem>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(p) => {
                self.add(field, p);
                None
            }
        }
    }
    /// `Ok(())` when nothing was recorded.
    pub fn into_result(self) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self))
        }
    }
    pub fn single(field: impl Into<String>, problem: Problem) -> Self {
        let mut f = Self::new();
        f.add(field, problem);
        f
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The named kind of record does not exist (or is not visible to the caller).
    NotFound(&'static str),
    /// The record changed since it was read (stale `version`), or the change conflicts.
    Conflict(String),
    /// Signed in, but the role may not do this.
    Forbidden,
    /// Not signed in, or the credentials are wrong.
    Unauthenticated,
    /// Too many failed sign-ins; try again after this many seconds.
    TooManyAttempts { retry_after_secs: i64 },
    /// The server is doing as much of this work as it can (password checks); try again
    /// after this many seconds.
    Busy { retry_after_secs: i64 },
    /// Input that cannot be accepted, per field.
    Validation(FieldErrors),
    /// Something broke inside; the cause is logged, never shown.
    Internal(String),
}

impl Error {
    pub fn field(field: impl Into<String>, problem: Problem) -> Self {
        Error::Validation(FieldErrors::single(field, problem))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound(what) => write!(f, "{what} not found"),
            Error::Conflict(why) => write!(f, "conflict: {why}"),
            Error::Forbidden => f.write_str("forbidden"),
            Error::Unauthenticated => f.write_str("not signed in"),
            Error::TooManyAttempts { retry_after_secs } => {
                write!(f, "too many attempts; retry after {retry_after_secs} s")
            }
            Error::Busy { retry_after_secs } => {
                write!(f, "busy; retry after {retry_after_secs} s")
            }
            Error::Validation(fields) => {
                f.write_str("invalid input:")?;
                for (k, p) in &fields.0 {
                    write!(f, " {k}: {};", p.message)?;
                }
                Ok(())
            }
            Error::Internal(why) => write!(f, "internal error: {why}"),
        }
    }
}

impl std::error::Error for Error {}
