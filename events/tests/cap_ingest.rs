//! CAP 1.2 ingest end to end through the store: Alert, Update and Cancel by
//! references, a resend, and every malformed case, each refused with the element
//! named and nothing stored. Runs on SQLite, and on PostgreSQL when
//! `RISKMAP_TEST_PG_URL` is set.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use riskmap_events::model::{Action, Details};
use riskmap_events::{ErrorKind, IngestError, Status, cap};

const SENT1: &str = "2026-07-12T08:30:00+08:00";
const SENT2: &str = "2026-07-12T14:00:00+08:00";
const SENT3: &str = "2026-07-12T20:00:00+08:00";

async fn ingest_cap(
    store: &riskmap_events::EventStore,
    xml: &str,
) -> Result<riskmap_events::Ingested, IngestError> {
    let msg = cap::parse(xml, &admin())?;
    store.ingest(&msg, &system()).await
}

#[tokio::test]
async fn alert_update_cancel_by_references() {
    for t in stores().await {
        let s = &t.store;
        let areas = format!("{POLYGON}{CIRCLE}{GEOCODES}");
        let alert = cap("CX-20260712-001", SENT1, "Alert", None, "Moderate", &areas);
        let first = ingest_cap(s, &alert).await.unwrap();
        assert!(first.added, "{}", t.name);
        let id = first.event.id.clone();
        let st = &first.event.current.state;
        assert_eq!(first.event.current.revision, 1);
        assert_eq!(first.event.current.action, Action::Created);
        assert_eq!(st.details, Details::Warning { level: 2 });
        assert_eq!(st.hazard_type, "flood");
        // Latitude first in CAP, [lon, lat] stored.
        assert_eq!(st.area.polygons[0][0], [101.50, 25.00]);
        assert_eq!(st.area.circles[0].center, [101.27, 25.19]);
        assert_eq!(st.area.circles[0].radius_km, 15.0);
        assert_eq!(st.area.admin_codes, ["532301", "532324"]);
        assert_eq!(st.sent, "2026-07-12T00:30:00Z");
        assert_eq!(st.expires.as_deref(), Some("2026-07-13T00:30:00Z"));
        // The personal contact line is never taken in.
        let json = serde_json::to_string(&first.event).unwrap();
        assert!(
            !json.contains("13800000000") && !json.contains("张三"),
            "{json}"
        );

        // Update to orange (Severe), referring to the alert.
        let refs = reference("CX-20260712-001", SENT1);
        let update = cap(
            "CX-20260712-002",
            SENT2,
            "Update",
            Some(&refs),
            "Severe",
            POLYGON,
        );
        let second = ingest_cap(s, &update).await.unwrap();
        assert!(second.added);
        assert_eq!(second.event.id, id, "an Update revises the same event");
        assert_eq!(second.event.current.revision, 2);
        assert_eq!(second.event.current.action, Action::Updated);
        assert_eq!(
            second.event.current.state.details,
            Details::Warning { level: 3 }
        );
        assert!(second.event.current.state.area.circles.is_empty());

        // Cancel, referring to both earlier messages.
        let refs = format!(
            "{} {}",
            reference("CX-20260712-001", SENT1),
            reference("CX-20260712-002", SENT2)
        );
        let cancel = cap(
            "CX-20260712-003",
            SENT3,
            "Cancel",
            Some(&refs),
            "Severe",
            POLYGON,
        );
        let third = ingest_cap(s, &cancel).await.unwrap();
        assert_eq!(third.event.id, id);
        assert_eq!(third.event.current.revision, 3);
        assert_eq!(third.event.current.state.status, Status::Cancelled);

        let history = s.history(&id).await.unwrap().unwrap();
        let actions: Vec<_> = history.iter().map(|r| (r.revision, r.action)).collect();
        assert_eq!(
            actions,
            [
                (1, Action::Created),
                (2, Action::Updated),
                (3, Action::Cancelled)
            ]
        );
        assert!(history.iter().all(|r| r.actor == system()));
        assert_eq!(
            history[0].state.details,
            Details::Warning { level: 2 },
            "old revisions are kept as they were"
        );

        // A cancelled event takes no more updates.
        let late = cap(
            "CX-20260712-004",
            "2026-07-12T21:00:00+08:00",
            "Update",
            Some(&reference("CX-20260712-002", SENT2)),
            "Extreme",
            POLYGON,
        );
        let err = ingest_cap(s, &late).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Conflict);
        assert_eq!(s.row_counts().await.unwrap(), [1, 3, 3], "{}", t.name);
    }
}

#[tokio::test]
async fn a_resend_returns_the_event_and_adds_no_revision() {
    for t in stores().await {
        let s = &t.store;
        let alert = cap("CX-DUP-1", SENT1, "Alert", None, "Extreme", GEOCODES);
        let first = ingest_cap(s, &alert).await.unwrap();
        // The same message again, its sent time written in another offset: same instant.
        let again = alert.replace(
            &format!("<sent>{SENT1}</sent>"),
            "<sent>2026-07-12T00:30:00-00:00</sent>",
        );
        for xml in [&alert, &again] {
            let dup = ingest_cap(s, xml).await.unwrap();
            assert!(!dup.added, "{}", t.name);
            assert_eq!(dup.event, first.event);
        }
        assert_eq!(s.history(&first.event.id).await.unwrap().unwrap().len(), 1);
        assert_eq!(s.row_counts().await.unwrap(), [1, 1, 1]);
        assert_eq!(
            first.event.current.state.details,
            Details::Warning { level: 4 }
        );
    }
}

/// Each bad message, the element its error must name and the kind of error.
fn malformed_cases() -> Vec<(&'static str, String, &'static str, ErrorKind)> {
    let poly = |pts: &str| format!("<area><areaDesc>x</areaDesc><polygon>{pts}</polygon></area>");
    let m = |areas: &str| cap("CX-BAD", SENT1, "Alert", None, "Severe", areas);
    vec![
        (
            "bad XML",
            m(POLYGON).replace("</info>", ""),
            "alert",
            ErrorKind::Malformed,
        ),
        (
            "not CAP",
            "<alert><identifier>x</identifier></alert>".into(),
            "alert",
            ErrorKind::Malformed,
        ),
        (
            "three points",
            m(&format!(
                "{POLYGON}{}",
                poly("25.0,101.5 25.1,101.6 25.0,101.5")
            )),
            "info[0].area[1].polygon",
            ErrorKind::Malformed,
        ),
        (
            "not closed",
            m(&poly("25.0,101.5 25.0,101.6 25.1,101.6 25.1,101.5")),
            "info[0].area[0].polygon",
            ErrorKind::Malformed,
        ),
        (
            "latitude out of range",
            m(&poly("95.0,101.5 25.0,101.6 25.1,101.6 95.0,101.5")),
            "info[0].area[0].polygon[0]",
            ErrorKind::Malformed,
        ),
        (
            "longitude out of range",
            m(&poly("25.0,201.5 25.0,101.6 25.1,101.6 25.0,201.5")),
            "info[0].area[0].polygon[0]",
            ErrorKind::Malformed,
        ),
        (
            "not a pair",
            m(&poly("25.0 101.5 25.0,101.6 25.1,101.6 25.0 101.5")),
            "info[0].area[0].polygon",
            ErrorKind::Malformed,
        ),
        (
            "circle radius",
            m("<area><areaDesc>x</areaDesc><circle>25.19,101.27 0</circle></area>"),
            "info[0].area[0].circle",
            ErrorKind::Malformed,
        ),
        (
            "circle centre",
            m("<area><areaDesc>x</areaDesc><circle>125.19,101.27 5</circle></area>"),
            "info[0].area[0].circle",
            ErrorKind::Malformed,
        ),
        (
            "unknown admin code",
            m(
                "<area><areaDesc>x</areaDesc><geocode><valueName>GB/T 2260</valueName><value>110101</value></geocode></area>",
            ),
            "info[0].area[0].geocode.value",
            ErrorKind::UnknownAdminCode,
        ),
        (
            "not a code",
            m(
                "<area><areaDesc>x</areaDesc><geocode><valueName>GB/T 2260</valueName><value>5323</value></geocode></area>",
            ),
            "info[0].area[0].geocode.value",
            ErrorKind::Malformed,
        ),
        ("no area", m(""), "info[0].area", ErrorKind::Malformed),
        (
            "empty area",
            m("<area><areaDesc>x</areaDesc></area>"),
            "info[0].area[0]",
            ErrorKind::Malformed,
        ),
        (
            "bad sent",
            cap("CX-BAD", "yesterday", "Alert", None, "Severe", POLYGON),
            "sent",
            ErrorKind::Malformed,
        ),
        (
            "unknown severity",
            cap("CX-BAD", SENT1, "Alert", None, "Unknown", POLYGON),
            "info[0].severity",
            ErrorKind::Malformed,
        ),
        (
            "exercise",
            m(POLYGON).replace("<status>Actual</status>", "<status>Exercise</status>"),
            "status",
            ErrorKind::Malformed,
        ),
        (
            "update without references",
            cap("CX-BAD", SENT1, "Update", None, "Severe", POLYGON),
            "references",
            ErrorKind::Malformed,
        ),
        (
            "bad reference",
            cap(
                "CX-BAD",
                SENT1,
                "Cancel",
                Some("only-two,parts"),
                "Severe",
                POLYGON,
            ),
            "references[0]",
            ErrorKind::Malformed,
        ),
        (
            "unknown reference",
            cap(
                "CX-BAD",
                SENT2,
                "Update",
                Some(&reference("NEVER-SENT", SENT1)),
                "Severe",
                POLYGON,
            ),
            "references[0]",
            ErrorKind::UnknownReference,
        ),
    ]
}

#[tokio::test]
async fn malformed_messages_name_the_element_and_store_nothing() {
    for t in stores().await {
        let s = &t.store;
        // One good event first, so "nothing stored" is measured against rows that exist.
        let good = ingest_cap(s, &cap("CX-GOOD", SENT1, "Alert", None, "Minor", POLYGON))
            .await
            .unwrap();
        let before = s.row_counts().await.unwrap();
        for (what, xml, path, kind) in malformed_cases() {
            let err = ingest_cap(s, &xml).await.unwrap_err();
            assert_eq!(
                (err.path.as_str(), err.kind),
                (path, kind),
                "{what} on {}: {err}",
                t.name
            );
            assert_eq!(
                s.row_counts().await.unwrap(),
                before,
                "{what} stored something"
            );
        }
        // The reference error lists the message it could not find.
        let (_, xml, _, _) = malformed_cases().pop().unwrap();
        assert!(
            ingest_cap(s, &xml)
                .await
                .unwrap_err()
                .message
                .contains("NEVER-SENT")
        );
        assert_eq!(s.history(&good.event.id).await.unwrap().unwrap().len(), 1);
    }
}

#[test]
fn error_messages_say_what_is_wrong() {
    let xml = cap(
        "X",
        SENT1,
        "Alert",
        None,
        "Severe",
        &format!(
            "{POLYGON}<area><areaDesc>x</areaDesc><polygon>25.0,101.5 25.1,101.6 25.0,101.5</polygon></area>"
        ),
    );
    let err = cap::parse(&xml, &admin()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "info[0].area[1].polygon: 3 points, need at least 4"
    );
}

#[test]
fn hazard_and_level_follow_the_message() {
    let geo = cap("X", SENT1, "Alert", None, "Extreme", POLYGON)
        .replace("<event>暴雨</event>", "<event>地质灾害气象风险</event>");
    let msg = cap::parse(&geo, &admin()).unwrap();
    let riskmap_events::message::Change::Replace(state) = msg.change else {
        panic!()
    };
    assert_eq!(state.hazard_type, "geological");
    assert_eq!(state.details, Details::Warning { level: 4 });
    let explicit = cap("X", SENT1, "Alert", None, "Minor", POLYGON).replace(
        "<effective>",
        "<eventCode><valueName>riskmap:level</valueName><value>3</value></eventCode><effective>",
    );
    let riskmap_events::message::Change::Replace(state) =
        cap::parse(&explicit, &admin()).unwrap().change
    else {
        panic!()
    };
    assert_eq!(state.details, Details::Warning { level: 3 });
}
