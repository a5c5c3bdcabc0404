//! Why a message was refused. Every error names the element or member at fault
//! (`info[0].area[1].polygon`, `references[0]`, `magnitude`), so the sender can fix it.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not well-formed, or breaks the CAP / JSON rules (400).
    Malformed,
    /// Well-formed but names what this server does not know: an admin code (422).
    UnknownAdminCode,
    /// An Update or Cancel refers to a message never ingested (422).
    UnknownReference,
    /// No such event (404).
    NotFound,
    /// The change cannot apply to the event as it is (a cancelled event updated) (409).
    Conflict,
    /// The database failed; nothing was stored (503).
    Store,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestError {
    pub kind: ErrorKind,
    /// The element or member at fault.
    pub path: String,
    pub message: String,
}

impl IngestError {
    pub fn new(kind: ErrorKind, path: impl Into<String>, message: impl Into<String>) -> Self {
        IngestError {
            kind,
            path: path.into(),
            message: message.into(),
        }
    }

    pub fn malformed(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Malformed, path, message)
    }

    pub fn store(e: &sqlx::Error) -> Self {
        Self::new(ErrorKind::Store, "database", e.to_string())
    }
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for IngestError {}
