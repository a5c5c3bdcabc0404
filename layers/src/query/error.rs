//! Why a query was refused, naming the request field at fault.

/// The class of a refusal; the HTTP layer maps it to a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A parameter is missing, malformed, out of range or over a limit (400).
    BadParameter,
    /// Well-formed but unusable: wrong geometry type, invalid geometry (422).
    Unprocessable,
    /// The thing asked for does not exist (404).
    NotFound,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct QueryError {
    pub kind: ErrorKind,
    /// The request field at fault: a query parameter, path segment or JSON path.
    pub field: String,
    pub message: String,
}

impl QueryError {
    pub fn bad(field: impl Into<String>, message: impl Into<String>) -> Self {
        QueryError {
            kind: ErrorKind::BadParameter,
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn unprocessable(field: impl Into<String>, message: impl Into<String>) -> Self {
        QueryError {
            kind: ErrorKind::Unprocessable,
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(field: impl Into<String>, message: impl Into<String>) -> Self {
        QueryError {
            kind: ErrorKind::NotFound,
            field: field.into(),
            message: message.into(),
        }
    }
}

pub type QueryResult<T> = Result<T, QueryError>;
