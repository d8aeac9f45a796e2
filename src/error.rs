//! The harness's own errors: bad input, never a verdict.
//!
//! A violated invariant is not an error; it is a [`Report`](crate::Report)
//! whose verdict carries a counterexample. An [`Error`] says the check itself
//! could not run as asked, and what to do about it.

use std::fmt;

/// What kind of input was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No catalog scenario has that name.
    UnknownScenario,
    /// A scenario parameter is unknown, ill-typed or out of range.
    InvalidParameter,
    /// A search limit is zero or absurd.
    InvalidLimit,
    /// A replay token cannot be parsed.
    MalformedToken,
    /// A replay token parses but does not fit its scenario.
    TokenMismatch,
    /// A scenario is built wrong (for example it has no threads).
    InvalidScenario,
    /// The backend cannot run this scenario (for example more threads than
    /// loom supports); report it as skipped.
    Unsupported,
    /// A report could not be written (a file that cannot be created).
    Output,
}

/// An error of the harness itself, with a message that names the input and
/// says what to do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// An error of this kind; the message names the input and ends with a hint.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// What kind of input was wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
