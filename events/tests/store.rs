//! The store beyond CAP: JSON warnings, earthquake and fire reports, expiry closes,
//! reopening a file, and concurrent writers. Runs on SQLite, and on PostgreSQL when
//! `RISKMAP_TEST_PG_URL` is set.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use riskmap_events::model::{Action, Details, Review};
use riskmap_events::{ErrorKind, EventStore, Status, json};

const NOW: &str = "2026-07-12T01:00:00Z";

async fn post(
    s: &EventStore,
    body: serde_json::Value,
) -> Result<riskmap_events::Ingested, riskmap_events::IngestError> {
    let msg = json::parse(body.to_string().as_bytes(), &admin(), NOW)?;
    s.ingest(&msg, &system()).await
}

fn quake(review: &str, magnitude: f64) -> serde_json::Value {
    serde_json::json!({"type": "earthquake", "report_id": "CC20260712093000.00", "review": review,
        "magnitude": magnitude, "depth_km": 10.0, "origin_time": "2026-07-12T09:30:00+08:00",
        "epicenter": [101.55, 25.05], "place": "云南楚雄州楚雄市"})
}

#[tokio::test]
async fn a_reviewed_earthquake_report_revises_the_automatic_one() {
    for t in stores().await {
        let s = &t.store;
        let auto = post(s, quake("automatic", 5.8)).await.unwrap();
        let reviewed = post(s, quake("reviewed", 6.1)).await.unwrap();
        assert_eq!(
            reviewed.event.id, auto.event.id,
            "{}: one earthquake, one event",
            t.name
        );
        assert_eq!(reviewed.event.current.revision, 2);
        let Details::Earthquake {
            magnitude, review, ..
        } = reviewed.event.current.state.details
        else {
            panic!()
        };
        assert_eq!((magnitude, review), (6.1, Review::Reviewed));
        // A resend of either report, and a late automatic one, change nothing.
        assert!(!post(s, quake("reviewed", 6.1)).await.unwrap().added);
        assert!(!post(s, quake("automatic", 5.8)).await.unwrap().added);
        let mut late = quake("automatic", 5.9);
        late["sent"] = "2026-07-12T09:45:00+08:00".into();
        let late = post(s, late).await.unwrap();
        assert!(!late.added);
        assert_eq!(late.event.current.revision, 2);
        assert_eq!(s.history(&auto.event.id).await.unwrap().unwrap().len(), 2);
        // Bad figures are refused by name.
        let mut bad = quake("automatic", 5.8);
        bad["depth_km"] = (-3.0).into();
        assert_eq!(post(s, bad).await.unwrap_err().path, "depth_km");
        let mut bad = quake("automatic", 5.8);
        bad["epicenter"] = serde_json::json!([101.5, 95.0]);
        assert_eq!(post(s, bad).await.unwrap_err().path, "epicenter");
    }
}

#[tokio::test]
async fn fire_reports_and_json_warnings() {
    for t in stores().await {
        let s = &t.store;
        let fire = serde_json::json!({"type": "fire", "source_id": "VIIRS-N20-20260712-0412", "point": [101.3, 25.2],
            "acquired": "2026-07-12T04:12:00Z", "confidence": "h", "frp_mw": 12.5, "satellite": "N20"});
        let f = post(s, fire.clone()).await.unwrap();
        let Details::Fire {
            ref confidence,
            frp_mw,
            ..
        } = f.event.current.state.details
        else {
            panic!()
        };
        assert_eq!((confidence.as_deref(), frp_mw), (Some("h"), Some(12.5)));
        let mut next = fire.clone();
        next["acquired"] = "2026-07-12T05:50:00Z".into();
        next["frp_mw"] = 30.0.into();
        let f2 = post(s, next).await.unwrap();
        assert_eq!(
            (f2.event.id.as_str(), f2.event.current.revision),
            (f.event.id.as_str(), 2)
        );

        let w = serde_json::json!({"type": "warning", "hazard_type": "geological", "level": 3,
            "area": {"admin_codes": ["532322"], "polygons": [[[101.5, 25.0], [101.6, 25.0], [101.6, 25.1], [101.5, 25.0]]]},
            "expires": "2026-07-13T00:00:00Z"});
        let created = post(s, w.clone()).await.unwrap();
        // The generated source is public: it names riskmap, not the caller's key.
        assert_eq!(
            created.event.current.state.source.sender,
            json::GENERATED_SENDER
        );
        let mut up = w.clone();
        up["event_id"] = created.event.id.clone().into();
        up["level"] = 4.into();
        let updated = post(s, up).await.unwrap();
        assert_eq!(updated.event.current.revision, 2);
        let end = post(
            s,
            serde_json::json!({"type": "end", "event_id": created.event.id, "status": "closed"}),
        )
        .await
        .unwrap();
        assert_eq!(
            (end.event.current.action, end.event.current.state.status),
            (Action::Closed, Status::Closed)
        );

        let before = s.row_counts().await.unwrap();
        for (body, path, kind) in [
            (
                serde_json::json!({"type": "warning", "hazard_type": "flood", "level": 5, "area": {"admin_codes": ["532301"]}}),
                "level",
                ErrorKind::Malformed,
            ),
            (
                serde_json::json!({"type": "warning", "hazard_type": "volcano", "level": 2, "area": {"admin_codes": ["532301"]}}),
                "hazard_type",
                ErrorKind::Malformed,
            ),
            (
                serde_json::json!({"type": "warning", "hazard_type": "flood", "level": 2, "area": {"admin_codes": ["999999"]}}),
                "area.admin_codes[0]",
                ErrorKind::UnknownAdminCode,
            ),
            (
                serde_json::json!({"type": "warning", "hazard_type": "flood", "level": 2, "area": {"polygons": [[[101.5, 25.0], [101.6, 25.0], [101.5, 25.0]]]}}),
                "area.polygons[0]",
                ErrorKind::Malformed,
            ),
            (
                serde_json::json!({"type": "warning", "hazard_type": "flood", "level": 2, "area": {}}),
                "area",
                ErrorKind::Malformed,
            ),
            (
                serde_json::json!({"type": "end", "event_id": "ev_nope", "status": "cancelled"}),
                "event_id",
                ErrorKind::NotFound,
            ),
            (
                serde_json::json!({"type": "end", "event_id": created.event.id, "status": "cancelled"}),
                "event",
                ErrorKind::Conflict,
            ),
            (
                serde_json::json!({"type": "meteor"}),
                "body",
                ErrorKind::Malformed,
            ),
        ] {
            let err = post(s, body.clone()).await.unwrap_err();
            assert_eq!(
                (err.path.as_str(), err.kind),
                (path, kind),
                "{body} on {}",
                t.name
            );
        }
        assert_eq!(
            s.row_counts().await.unwrap(),
            before,
            "a refused message stored something"
        );
    }
}

#[tokio::test]
async fn expired_events_are_closed_by_a_revision() {
    for t in stores().await {
        let s = &t.store;
        let w = |expires: &str| {
            serde_json::json!({"type": "warning", "hazard_type": "flood", "level": 2,
            "area": {"admin_codes": ["532301"]}, "expires": expires})
        };
        let soon = post(s, w("2026-07-12T02:00:00Z")).await.unwrap();
        let later = post(s, w("2026-07-12T10:00:00+08:00")).await.unwrap(); // 02:00Z too
        let far = post(s, w("2026-07-20T00:00:00Z")).await.unwrap();
        let at = |t: &str| riskmap_events::times::parse(t).unwrap();
        assert_eq!(
            s.close_expired(at("2026-07-12T01:59:59Z"))
                .await
                .unwrap()
                .len(),
            0
        );
        assert_eq!(
            s.close_expired(at("2026-07-12T02:00:00Z"))
                .await
                .unwrap()
                .len(),
            2,
            "{}",
            t.name
        );
        assert_eq!(
            s.close_expired(at("2026-07-12T03:00:00Z"))
                .await
                .unwrap()
                .len(),
            0,
            "closed once"
        );
        for e in [&soon, &later] {
            let h = s.history(&e.event.id).await.unwrap().unwrap();
            assert_eq!(h.len(), 2);
            assert_eq!(
                (h[1].action, h[1].state.status),
                (Action::Expired, Status::Closed)
            );
            assert_eq!(h[1].actor.role, "system");
        }
        let active = s.list(Some(Status::Active), 100).await.unwrap();
        assert_eq!(
            active.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            [far.event.id.as_str()]
        );
        assert_eq!(s.list(None, 100).await.unwrap().len(), 3);
        assert_eq!(s.list(Some(Status::Closed), 100).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn events_survive_reopening_and_migrations_run_once() {
    let t = sqlite().await;
    let e = post(
        &t.store,
        serde_json::json!({"type": "warning", "hazard_type": "flood", "level": 1,
        "area": {"circles": [{"center": [101.5, 25.0], "radius_km": 3.0}]}}),
    )
    .await
    .unwrap();
    drop(t.store);
    let reopened = EventStore::open(&t.url).await.unwrap();
    assert_eq!(reopened.get(&e.event.id).await.unwrap().unwrap(), e.event);
    assert_eq!(reopened.row_counts().await.unwrap(), [1, 1, 1]);
    if let Some(pg) = postgres().await {
        drop(pg.store);
        let again = EventStore::open(&pg.url).await.unwrap();
        assert_eq!(again.row_counts().await.unwrap(), [0, 0, 0]);
    }
}

#[tokio::test]
async fn concurrent_updates_each_get_their_own_revision() {
    for t in stores().await {
        let s = t.store.clone();
        let first = post(&s, quake("automatic", 5.0)).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..8 {
            let s = s.clone();
            let id = first.event.id.clone();
            tasks.push(tokio::spawn(async move {
                let body = serde_json::json!({"type": "warning", "event_id": id, "hazard_type": "flood", "level": 1, "area": {"admin_codes": ["532301"]}, "source": {"identifier": format!("u{i}"), "sender": "t", "sent": NOW}});
                post(&s, body).await
            }));
        }
        // Kind mismatch (an earthquake revised as a warning) is refused every time,
        // and concurrency does not turn that into a stored row.
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap_err().kind, ErrorKind::Conflict);
        }
        let mut tasks = Vec::new();
        for m in 1..9 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let mut q = quake("automatic", 5.0 + f64::from(m) / 10.0);
                q["sent"] = format!("2026-07-12T09:3{m}:00+08:00").into();
                post(&s, q).await.unwrap()
            }));
        }
        for task in tasks {
            assert!(task.await.unwrap().added);
        }
        let h = s.history(&first.event.id).await.unwrap().unwrap();
        assert_eq!(
            h.iter().map(|r| r.revision).collect::<Vec<_>>(),
            (1..=9).collect::<Vec<_>>(),
            "{}",
            t.name
        );
    }
}
