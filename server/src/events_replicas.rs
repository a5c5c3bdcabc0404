//! Replicas over one PostgreSQL (LISTEN/NOTIFY). Every change this server announces
//! (after its commit) is published on the store's channel with this server's
//! instance id; every server listens there and puts what OTHER instances published
//! on its own `changes` broadcast, exactly as a local change, so every local
//! reader (the SSE stream, caches that follow changes) sees the remote ones too.
//! What arrives is never published again, so nothing echoes between replicas.
//!
//! Delivery is at most once: a notification sent while a listener's connection is
//! down is lost. So, when the listener (re)connects after a loss, its readers get
//! `{"type":"resync"}` and re-read what they follow. SQLite: nothing starts (one
//! server owns the file).

use std::time::Duration;

use riskmap_events::replicas::MAX_PAYLOAD;
use serde_json::{Value as Json, json};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::state::AppState;

/// Notifications sent in one round trip at most; a burst of writes shares them.
const BATCH: usize = 200;
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Start publishing and listening if the events store is PostgreSQL (call once,
/// after the store is attached).
pub fn start(state: &AppState) {
    let Ok(store) = state.events() else { return };
    if !store.is_postgres() {
        return;
    }
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    if state.replica_out.set(tx).is_err() {
        return; // Started already.
    }
    tokio::spawn(publish(state.clone(), rx));
    tokio::spawn(listen(state.clone()));
    tracing::info!(instance = %state.instance_id, "replicas: publishing and listening on PostgreSQL");
}

/// The payload of `message` from `origin`: the message with `origin` and a sequence
/// number (PostgreSQL folds identical payloads of one transaction into one). A
/// message too large for NOTIFY loses its list of grid codes (the figures stay); if
/// still too large, the others are told to re-read.
pub fn payload(message: &Json, origin: &str, seq: u64) -> String {
    let mut m = message.clone();
    if let Some(o) = m.as_object_mut() {
        o.insert("origin".into(), json!(origin));
        o.insert("seq".into(), json!(seq));
    }
    let text = m.to_string();
    if text.len() <= MAX_PAYLOAD {
        return text;
    }
    if let Some(o) = m.as_object_mut()
        && let Some(codes) = o.remove("grid_codes")
    {
        o.insert(
            "grid_codes_omitted".into(),
            json!(codes.as_array().map_or(0, Vec::len)),
        );
        let text = m.to_string();
        if text.len() <= MAX_PAYLOAD {
            return text;
        }
    }
    json!({"type": "resync", "origin": origin, "seq": seq}).to_string()
}

/// What a payload from another replica delivers locally: the message without the
/// transport's members; `None` for this instance's own payloads and for garbage.
pub fn received(payload: &str, own: &str) -> Option<Json> {
    let mut m: Json = serde_json::from_str(payload).ok()?;
    let o = m.as_object_mut()?;
    if o.get("origin")?.as_str()? == own {
        return None;
    }
    o.remove("origin");
    o.remove("seq");
    Some(m)
}

/// Publish announced changes in their order, a burst per round trip. A failed
/// publish is retried once; if it fails again the batch is dropped (logged) and a
/// `resync` goes out with the next one, so the other replicas re-read.
async fn publish(state: AppState, mut rx: UnboundedReceiver<Json>) {
    let Ok(store) = state.events() else { return };
    let mut seq = 0u64;
    let mut lost = false;
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let mut payloads = Vec::with_capacity(batch.len() + 1);
        if lost {
            seq += 1;
            payloads.push(payload(&json!({"type": "resync"}), &state.instance_id, seq));
        }
        for m in batch.drain(..) {
            seq += 1;
            payloads.push(payload(&m, &state.instance_id, seq));
        }
        let mut sent = store.notify(&payloads).await;
        if sent.is_err() {
            tokio::time::sleep(BACKOFF_MIN).await;
            sent = store.notify(&payloads).await;
        }
        lost = match sent {
            Ok(()) => false,
            Err(e) => {
                tracing::warn!(error = %e, dropped = payloads.len(), "replicas: publishing changes failed");
                true
            }
        };
    }
}

/// Listen for the other replicas' changes, reconnecting with backoff; after a
/// reconnect, local readers are told to `resync`.
async fn listen(state: AppState) {
    let Ok(store) = state.events() else { return };
    let mut backoff = BACKOFF_MIN;
    let mut connected_before = false;
    loop {
        match store.listen().await {
            Ok(mut listener) => {
                backoff = BACKOFF_MIN;
                if connected_before {
                    tracing::info!("replicas: listening again; readers resync");
                    let _ = state.changes.send(json!({"type": "resync"}));
                }
                connected_before = true;
                loop {
                    match listener.next().await {
                        Ok(Some(p)) => {
                            if let Some(m) = received(&p, &state.instance_id) {
                                let _ = state.changes.send(m);
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            tracing::warn!(error = %e, "replicas: the listening connection failed");
                            break;
                        }
                    }
                }
                tracing::warn!("replicas: lost the listening connection");
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_ms = backoff.as_millis() as u64, "replicas: cannot listen");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn own_payloads_are_skipped_and_others_delivered_as_sent() {
        let m = json!({"type": "grids", "event_id": "ev_1", "revision": 2, "grid_codes": ["G1"]});
        let p = payload(&m, "rs_a", 7);
        assert!(received(&p, "rs_a").is_none());
        assert_eq!(received(&p, "rs_b").unwrap(), m);
        assert!(received("not json", "rs_b").is_none());
        assert!(received(r#"{"type":"x"}"#, "rs_b").is_none());
    }

    #[test]
    fn payloads_stay_under_the_notify_limit() {
        let codes: Vec<String> = (0..2000).map(|i| format!("532301{i:06}")).collect();
        let m = json!({"type": "grids", "event_id": "ev_1", "grid_codes": codes,
            "progress": {"called": 3}});
        let p = payload(&m, "rs_a", 1);
        assert!(p.len() <= MAX_PAYLOAD, "{}", p.len());
        let got = received(&p, "rs_b").unwrap();
        assert_eq!(got["grid_codes_omitted"], 2000);
        assert_eq!(got["progress"]["called"], 3);
        let huge = json!({"type": "analysis", "blob": "x".repeat(9000)});
        let got = received(&payload(&huge, "rs_a", 2), "rs_b").unwrap();
        assert_eq!(got, json!({"type": "resync"}));
    }
}
