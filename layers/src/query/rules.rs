//! The domain rules the queries share, each written once and named.
//!
//! A rule that two answers disagree on is a bug a bureau would see ("usable" on the
//! point profile, "unusable" in the transfer), so every query asks here.

use crate::store::Layer;

use super::derived::{field, int, text};

/// Hazard grades of the census: 1 低, 2 较低, 3 较高, 4 高. Grades from 较高 up are the
/// danger zones that warnings move persons out of and that make a site unsafe.
pub const HIGH_GRADE: i64 = 3;

/// Is `grade` a high grade (较高 or 高)?
///
/// ```
/// use layers::query::is_high_grade;
/// assert!(is_high_grade(3) && is_high_grade(4));
/// assert!(!is_high_grade(2));
/// ```
pub fn is_high_grade(grade: i64) -> bool {
    grade >= HIGH_GRADE
}

/// Why a shelter cannot take anyone in, before any hazard is considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShelterClosed {
    /// Its status is not `open` (closed, under maintenance, unknown).
    NotOpen,
    /// Its capacity is missing or zero.
    NoCapacity,
}

impl ShelterClosed {
    /// The reason's stable name in API results.
    pub fn as_str(self) -> &'static str {
        match self {
            ShelterClosed::NotOpen => "closed",
            ShelterClosed::NoCapacity => "no_capacity",
        }
    }
}

/// The shelters layer's fields the rule reads, looked up once per query.
#[derive(Debug, Clone, Copy)]
pub struct ShelterFields {
    status: Option<usize>,
    capacity: Option<usize>,
}

impl ShelterFields {
    pub fn of(shelters: &Layer) -> Self {
        ShelterFields {
            status: field(shelters, "status"),
            capacity: field(shelters, "capacity"),
        }
    }

    /// Is shelter `fid` open?
    pub fn is_open(&self, shelters: &Layer, fid: u32) -> bool {
        text(shelters, fid, self.status) == Some("open")
    }

    /// Its capacity in persons (0 when missing).
    pub fn capacity(&self, shelters: &Layer, fid: u32) -> i64 {
        int(shelters, fid, self.capacity).unwrap_or(0).max(0)
    }

    /// A shelter takes persons in when it is open and has capacity. Hazard-specific
    /// reasons (exposed to the warned hazard, damaged by shaking) are the caller's.
    pub fn check(&self, shelters: &Layer, fid: u32) -> Result<(), ShelterClosed> {
        if !self.is_open(shelters, fid) {
            Err(ShelterClosed::NotOpen)
        } else if self.capacity(shelters, fid) <= 0 {
            Err(ShelterClosed::NoCapacity)
        } else {
            Ok(())
        }
    }
}

/// The grades a caller may name as the lowest that counts (`min_grade`): 1 低 … 4 高.
pub const GRADE_RANGE: std::ops::RangeInclusive<i64> = 1..=4;

/// Is a zone of `grade` a danger zone when the caller counts grades from `min_grade`
/// up? With the default `min_grade` = [`HIGH_GRADE`] this is [`is_high_grade`].
///
/// ```
/// use layers::query::{HIGH_GRADE, counts_as_exposed, is_high_grade};
/// assert_eq!(counts_as_exposed(3, HIGH_GRADE), is_high_grade(3));
/// assert!(counts_as_exposed(2, 2) && !counts_as_exposed(2, 3));
/// ```
pub fn counts_as_exposed(grade: i64, min_grade: i64) -> bool {
    grade >= min_grade
}
