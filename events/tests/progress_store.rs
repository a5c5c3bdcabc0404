//! Analyses stored per revision, dataset version and access level; 叫应 grid state
//! merged patch by patch and kept across revisions. On SQLite, and on PostgreSQL
//! when `RISKMAP_TEST_PG_URL` is set.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use riskmap_events::{AccessLevel, GridPatch, json};
use serde_json::json;

async fn warning(s: &riskmap_events::EventStore) -> String {
    let body = json!({"type": "warning", "hazard_type": "flood", "level": 3,
        "area": {"polygons": [[[101.5, 25.0], [101.6, 25.0], [101.6, 25.1], [101.5, 25.0]]]}});
    let msg = json::parse(
        body.to_string().as_bytes(),
        &admin(),
        "2026-07-12T01:00:00Z",
    )
    .unwrap();
    s.ingest(&msg, &system()).await.unwrap().event.id
}

#[tokio::test]
async fn analyses_are_kept_per_revision_version_and_access() {
    for t in stores().await {
        let s = &t.store;
        let id = warning(s).await;
        assert!(
            s.analysis(&id, 1, AccessLevel::Public)
                .await
                .unwrap()
                .is_none()
        );
        s.save_analyses(
            &id,
            1,
            "v1",
            &[
                (AccessLevel::Public, Ok(json!({"persons": 10}))),
                (
                    AccessLevel::Personal,
                    Ok(json!({"persons": 10, "who": "x"})),
                ),
            ],
        )
        .await
        .unwrap();
        s.save_analyses(&id, 1, "v2", &[(AccessLevel::Public, Err("boom".into()))])
            .await
            .unwrap();
        let latest = s
            .analysis(&id, 1, AccessLevel::Public)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (latest.dataset_version.as_str(), latest.status.as_str()),
            ("v2", "failed"),
            "{}",
            t.name
        );
        assert_eq!(latest.error.as_deref(), Some("boom"));
        let personal = s
            .analysis(&id, 1, AccessLevel::Personal)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(personal.result.unwrap()["who"], "x");
        assert_eq!(s.analyses(&id, AccessLevel::Public).await.unwrap().len(), 2);
        // A recompute on the same version replaces, not duplicates.
        s.save_analyses(&id, 1, "v2", &[(AccessLevel::Public, Ok(json!({})))])
            .await
            .unwrap();
        assert_eq!(s.analyses(&id, AccessLevel::Public).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn grid_patches_merge_and_a_batch_is_one_transaction() {
    for t in stores().await {
        let s = &t.store;
        let id = warning(s).await;
        let called = GridPatch {
            grid_code: "G1".into(),
            called: Some("2026-07-12T01:05:00Z".into()),
            note: Some(Some("on the way".into())),
            ..GridPatch::default()
        };
        s.patch_grids(&id, &[called], "duty").await.unwrap();
        let moved = GridPatch {
            grid_code: "G1".into(),
            answered: Some("2026-07-12T01:06:00Z".into()),
            persons_moved: Some(12),
            ..GridPatch::default()
        };
        let revised = GridPatch {
            grid_code: "G2".into(),
            persons_moved: Some(3),
            ..GridPatch::default()
        };
        let out = s.patch_grids(&id, &[moved, revised], "app").await.unwrap();
        assert_eq!(out.len(), 2);
        let all = s.grid_states(&id).await.unwrap();
        assert_eq!(all.len(), 2, "{}", t.name);
        let g1 = &all[0];
        assert_eq!(g1.called_at.as_deref(), Some("2026-07-12T01:05:00Z"));
        assert_eq!(g1.called_by.as_deref(), Some("duty"), "the caller is kept");
        assert_eq!(g1.answered_at.as_deref(), Some("2026-07-12T01:06:00Z"));
        assert_eq!(g1.persons_moved, Some(12));
        assert_eq!(g1.note.as_deref(), Some("on the way"));
        assert_eq!(g1.updated_by, "app");
        // A revised count replaces the old one; clearing the note clears it.
        let fix = GridPatch {
            grid_code: "G1".into(),
            persons_moved: Some(10),
            note: Some(None),
            ..GridPatch::default()
        };
        s.patch_grids(&id, &[fix], "app").await.unwrap();
        let g1 = &s.grid_states(&id).await.unwrap()[0];
        assert_eq!((g1.persons_moved, g1.note.clone()), (Some(10), None));
        // A batch naming an event that does not exist writes nothing (foreign key).
        let err = s
            .patch_grids("ev_none", &[GridPatch::default()], "app")
            .await;
        assert!(err.is_err(), "{}", t.name);
        assert!(s.grid_states("ev_none").await.unwrap().is_empty());
    }
}
