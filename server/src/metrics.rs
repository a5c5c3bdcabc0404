//! Prometheus metrics: request durations by route and status, in-flight requests,
//! dataset version and load duration; the tile handlers add cache and size metrics.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide recorder (installed once; several apps in one process share it).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let latency = [
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
        ];
        let sizes = [
            256.0, 1024.0, 4096.0, 16384.0, 65536.0, 131072.0, 262144.0, 524288.0, 1048576.0,
        ];
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &latency)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Suffix("_bytes".into()), &sizes))
            .expect("static buckets are valid");
        let handle = match builder.install_recorder() {
            Ok(h) => h,
            // Another recorder is installed (an embedding application): render an
            // empty registry rather than fail.
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        };
        describe();
        handle
    })
}

/// `# HELP` and units for every family this server records.
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "riskmap_http_requests_total",
        "HTTP requests answered, by route template, method and status"
    );
    describe_histogram!(
        "riskmap_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by route template, method and status"
    );
    describe_gauge!(
        "riskmap_http_requests_in_flight",
        "HTTP requests being answered now"
    );
    describe_gauge!(
        "riskmap_dataset_info",
        "1 for the dataset version being served, 0 for versions served before"
    );
    describe_gauge!(
        "riskmap_dataset_load_duration_seconds",
        Unit::Seconds,
        "Time the last successful dataset load took, derived indexes and tiles included"
    );
    describe_counter!(
        "riskmap_dataset_loads_total",
        "Dataset load attempts, by outcome (ok, failed)"
    );
    describe_counter!(
        "riskmap_tile_cache_requests_total",
        "Tile requests that consulted the cache, by result (hit, miss) and zoom"
    );
    describe_histogram!(
        "riskmap_tile_bytes",
        Unit::Bytes,
        "Size of the tiles rendered on request, uncompressed, by zoom"
    );
}

/// The request method as a label: the standard methods by name, anything else as
/// `other`, so a client inventing methods cannot grow the series without bound.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    const KNOWN: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::HEAD, "HEAD"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::DELETE, "DELETE"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::PATCH, "PATCH"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    KNOWN
        .iter()
        .find(|(m, _)| m == method)
        .map_or("other", |(_, name)| name)
}

/// Middleware: count and time every request by route template and status.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".into(), |p| p.as_str().to_owned());
    let method = method_label(req.method());
    let in_flight = metrics::gauge!("riskmap_http_requests_in_flight");
    in_flight.increment(1.0);
    let started = Instant::now();
    let response = next.run(req).await;
    in_flight.decrement(1.0);
    let status = response.status().as_u16().to_string();
    let labels = [
        ("route", route),
        ("method", method.to_string()),
        ("status", status),
    ];
    metrics::counter!("riskmap_http_requests_total", &labels).increment(1);
    metrics::histogram!("riskmap_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

pub fn dataset_loaded(version: &str, took: Duration) {
    // One series per version ever loaded; only the current one is 1.
    static LAST: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
    if let Ok(mut last) = LAST.lock() {
        if let Some(prev) = last.take() {
            metrics::gauge!("riskmap_dataset_info", "version" => prev).set(0.0);
        }
        *last = Some(version.to_string());
    }
    metrics::gauge!("riskmap_dataset_info", "version" => version.to_string()).set(1.0);
    metrics::gauge!("riskmap_dataset_load_duration_seconds").set(took.as_secs_f64());
    metrics::counter!("riskmap_dataset_loads_total", "outcome" => "ok").increment(1);
}

pub fn dataset_load_failed() {
    metrics::counter!("riskmap_dataset_loads_total", "outcome" => "failed").increment(1);
}

/// `GET /metrics`
pub async fn render() -> Response {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        handle().render(),
    )
        .into_response()
}
