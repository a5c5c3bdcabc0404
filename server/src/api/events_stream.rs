//! `GET /api/v1/events/stream`: Server-Sent Events, one message per change (an event
//! revision, an analysis done, grid state written), fed after commit from the
//! in-process broadcast channel. The messages carry ids, revisions and figures, never
//! personal data or key names, so every caller (public included) gets the same feed.
//! A reader too slow to keep up is told how many it missed (`lagged`) and should
//! re-read the events it follows; `resync` (a replica's listener reconnected to
//! PostgreSQL and may have missed other replicas' changes) asks the same. Over
//! PostgreSQL the feed also carries the other replicas' changes (`events_replicas`).

use std::convert::Infallible;

use axum::extract::{RawQuery, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::extract::Params;
use crate::error::ApiResult;
use crate::state::AppState;

pub async fn stream(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    Params::parse(q.as_deref(), &[])?;
    state.events()?;
    let rx = state.changes.subscribe();
    let feed = futures_util::stream::unfold(rx, |mut rx| async move {
        let event = match rx.recv().await {
            Ok(msg) => {
                let kind = msg["type"].as_str().unwrap_or("change").to_string();
                Event::default().event(kind).data(msg.to_string())
            }
            Err(RecvError::Lagged(n)) => Event::default()
                .event("lagged")
                .data(serde_json::json!({"type": "lagged", "missed": n}).to_string()),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(event), rx))
    });
    Ok(Sse::new(feed).keep_alive(KeepAlive::default()))
}
