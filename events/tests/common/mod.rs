//! Shared by the events tests: the stores to run on (SQLite always, PostgreSQL when
//! `RISKMAP_TEST_PG_URL` is set, each test in a database of its own), the admin
//! codes the messages use, and real-shaped CAP 1.2 messages.
#![allow(dead_code, clippy::unwrap_used)]

use riskmap_events::{Actor, EventStore, KnownCodes};
use sqlx::Connection;

/// Chuxiong prefecture and three of its counties, as in the demo's admin layer.
pub fn admin() -> KnownCodes {
    KnownCodes(vec![
        "532300".into(),
        "532301".into(),
        "532322".into(),
        "532324".into(),
    ])
}

pub fn system() -> Actor {
    Actor {
        key_name: "warning-release".into(),
        role: "system".into(),
    }
}

/// A store to test on, with the file or database that holds it.
pub struct TestStore {
    pub name: &'static str,
    pub store: EventStore,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/events.db", dir.path().display());
    TestStore {
        name: "sqlite",
        store: EventStore::open(&url).await.unwrap(),
        url,
        _dir: Some(dir),
    }
}

/// A fresh database on the test server, so tests running at once do not meet.
pub async fn postgres() -> Option<TestStore> {
    let base = std::env::var("RISKMAP_TEST_PG_URL").ok()?;
    sqlx::any::install_default_drivers();
    let name = format!("events_test_{}", rand::random::<u64>());
    let mut admin = sqlx::AnyConnection::connect(&base).await.unwrap();
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (head, tail) = base.rsplit_once('/').unwrap();
    let query = tail
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    let url = format!("{head}/{name}{query}");
    Some(TestStore {
        name: "postgres",
        store: EventStore::open(&url).await.unwrap(),
        url,
        _dir: None,
    })
}

/// Every store to run a test on.
pub async fn stores() -> Vec<TestStore> {
    let mut all = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        all.push(pg);
    }
    all
}

pub const SENDER: &str = "53230000000000@12379.cn";

/// A CAP 1.2 alert as China's warning-release system (国家突发事件预警信息发布系统)
/// sends one: a Chuxiong rainstorm warning. `areas` is the `<area>` elements.
pub fn cap(
    identifier: &str,
    sent: &str,
    msg_type: &str,
    references: Option<&str>,
    severity: &str,
    areas: &str,
) -> String {
    let references = references
        .map(|r| format!("<references>{r}</references>"))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>{SENDER}</sender>
  <sent>{sent}</sent>
  <status>Actual</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  {references}
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>暴雨</event>
    <responseType>Prepare</responseType>
    <urgency>Expected</urgency>
    <severity>{severity}</severity>
    <certainty>Likely</certainty>
    <eventCode><valueName>GB/T 35965.1</valueName><value>11B03</value></eventCode>
    <effective>{sent}</effective>
    <expires>2026-07-13T08:30:00+08:00</expires>
    <senderName>楚雄彝族自治州气象台</senderName>
    <headline>楚雄州气象台发布暴雨预警信号</headline>
    <description>预计未来24小时内楚雄市、南华县将出现100毫米以上降雨，请注意防范山洪、滑坡、泥石流等次生灾害。</description>
    <instruction>转移危险区域人员。</instruction>
    <web>http://www.12379.cn</web>
    <contact>值班员 张三 13800000000</contact>
    {areas}
  </info>
</alert>"#
    )
}

/// A polygon over Chuxiong city (lat,lon pairs, closed).
pub const POLYGON: &str = "<area><areaDesc>楚雄市东部</areaDesc><polygon>25.00,101.50 25.00,101.60 25.10,101.60 25.10,101.50 25.00,101.50</polygon></area>";
pub const CIRCLE: &str =
    "<area><areaDesc>南华县城周边</areaDesc><circle>25.19,101.27 15</circle></area>";
pub const GEOCODES: &str = "<area><areaDesc>楚雄市、南华县</areaDesc><geocode><valueName>GB/T 2260</valueName><value>532301</value></geocode><geocode><valueName>GB/T 2260</valueName><value>532324</value></geocode></area>";

pub fn reference(identifier: &str, sent: &str) -> String {
    format!("{SENDER},{identifier},{sent}")
}
