//! riskmap-events: live events (warnings, earthquakes, fires). The model and its
//! rules ([`model`], [`message`]), the two ways in ([`cap`] for CAP 1.2, [`json`]),
//! and the durable store ([`store`]: SQLite or PostgreSQL, versioned migrations).
//!
//! A separate crate so that the core (`layers`) stays free of C libraries (SQLite)
//! and I/O; the server wires it to HTTP and to the dataset's admin layer through
//! [`AdminAreas`].

pub mod analyses;
pub mod cap;
pub mod error;
pub mod geojson;
pub mod grids;
mod group_commit;
pub mod json;
pub mod message;
pub mod migrate;
pub mod model;
pub mod replicas;
pub mod store;
mod store_read;
pub mod times;
mod wall;

pub use analyses::{AccessLevel, AnalysisStamp, StoredAnalysis};
pub use error::{ErrorKind, IngestError};
pub use grids::{GridPatch, GridState};
pub use message::{AdminAreas, KnownCodes, Message};
pub use model::{Actor, Event, EventState, Kind, Revision, Status};
pub use store::{EventStore, Ingested};
