//! The URLs this server writes into its answers (TileJSON, styles, OGC links): the
//! origin clients reach it at, and query-value escaping.

use axum::http::{HeaderMap, header};

use crate::config::ServerConfig;

/// The origin (`scheme://host[:port]`) clients reach this server at: the configured
/// public URL, else the request's (forwarded) Host. Host values that are not plain
/// host names fall back to localhost rather than being echoed into URLs.
pub fn origin(config: &ServerConfig, headers: &HeaderMap) -> String {
    if let Some(url) = &config.tiles.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let host = get("x-forwarded-host")
        .or_else(|| get(header::HOST.as_str()))
        .map(|h| h.split(',').next().unwrap_or("").trim())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c))
        })
        .unwrap_or("localhost");
    let proto = match get("x-forwarded-proto") {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    format!("{proto}://{host}")
}

/// Percent-encode a query value (RFC 3986 unreserved characters pass).
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;
    use axum::http::HeaderValue;

    #[test]
    fn origin_prefers_config_then_forwarded_then_host() {
        let mut cfg = ServerConfig::default();
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert_eq!(origin(&cfg, &h), "http://127.0.0.1:8080");
        h.insert(
            "x-forwarded-host",
            HeaderValue::from_static("map.example.org"),
        );
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(origin(&cfg, &h), "https://map.example.org");
        cfg.tiles.public_url = Some("https://gis.local/".into());
        assert_eq!(origin(&cfg, &h), "https://gis.local");
    }

    #[test]
    fn hostile_host_headers_are_not_echoed() {
        let cfg = ServerConfig::default();
        let mut h = HeaderMap::new();
        h.insert(
            header::HOST,
            HeaderValue::from_static("evil.com/\"><script>"),
        );
        assert_eq!(origin(&cfg, &h), "http://localhost");
    }

    #[test]
    fn versions_are_escaped_in_urls() {
        assert_eq!(
            query_escape("2025-01-01T00:00:00Z+ab"),
            "2025-01-01T00%3A00%3A00Z%2Bab"
        );
    }
}
