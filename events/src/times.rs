//! Times: every stored time is RFC 3339 in UTC, so that two spellings of one instant
//! (`+08:00` and `Z`) compare equal and sort as text.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Parse an RFC 3339 / CAP dateTime (`2026-07-12T08:30:00+08:00`) to UTC.
pub fn parse(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &Rfc3339)
        .ok()
        .map(|t| t.to_offset(time::UtcOffset::UTC))
}

pub fn format(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Normalise a time to UTC RFC 3339, or `None` if it is not one.
pub fn normalise(s: &str) -> Option<String> {
    parse(s).map(format)
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

#[cfg(test)]
mod tests {
    #[test]
    fn offsets_normalise_to_one_spelling() {
        assert_eq!(
            super::normalise("2026-07-12T08:30:00+08:00").as_deref(),
            Some("2026-07-12T00:30:00Z")
        );
        assert_eq!(
            super::normalise("2026-07-12T00:30:00-00:00"),
            super::normalise("2026-07-12T00:30:00Z")
        );
        assert!(super::normalise("2026-07-12 08:30").is_none());
    }
}
