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
        match builder.install_recorder() {
            Ok(h) => h,
            // Another recorder is installed (an embedding application): render an
            // empty registry rather than fail.
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        }
    })
}

/// Middleware: count and time every request by route template and status.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".into(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let in_flight = metrics::gauge!("riskmap_http_requests_in_flight");
    in_flight.increment(1.0);
    let started = Instant::now();
    let response = next.run(req).await;
    in_flight.decrement(1.0);
    let status = response.status().as_u16().to_string();
    let labels = [("route", route), ("method", method), ("status", status)];
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
