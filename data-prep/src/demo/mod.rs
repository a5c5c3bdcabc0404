//! `riskmap-prep demo`: a seeded, reproducible demo dataset on real geography.

pub mod admin;
pub mod apportion;
pub mod local;
pub mod model;
pub mod naming;
pub mod partition;
pub mod random;
pub mod reference;
pub mod sizing;
pub mod slicing;
