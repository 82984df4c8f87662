//! Typed errors. Every error the user can cause is one line of text and exit code 2.

use std::fmt;

/// An error caused by the user's input: bad usage, bad parameters, a bad model file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Unknown model, property, parameter or value; out-of-range numbers.
    Input(String),
    /// A model file that cannot be read or parsed.
    File { path: String, msg: String },
    /// Anything the operating system refused (e.g. binding the Explorer's port).
    Io(String),
}

impl Error {
    pub fn input(msg: impl Into<String>) -> Error {
        Error::Input(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line, whatever the underlying message (TOML errors span several lines).
        let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        match self {
            Error::Input(msg) => write!(f, "{}", flat(msg)),
            Error::File { path, msg } => write!(f, "{path}: {}", flat(msg)),
            Error::Io(msg) => write!(f, "{}", flat(msg)),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
