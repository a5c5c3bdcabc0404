//! CAP 1.2 ingest (OASIS Common Alerting Protocol, the format of China's national
//! warning-release system): one `<alert>` becomes a [`Message`].
//!
//! Parsed with roxmltree and the CAP 1.2 rules applied here. The CAP crate
//! `oasiscap` (0.2.0, its only release, 2022) was considered: unmaintained since, on
//! the niche `xml_serde` and thiserror 1, and it would still leave the rules below
//! (and the element paths in errors) to us.
//!
//! Rules: `<polygon>` is space-separated "lat,lon" pairs, latitude first, at least 4
//! points, first = last; `<circle>` is "lat,lon radius_km"; `<geocode>` values whose
//! valueName is GB/T 2260 are admin codes and must be known; `msgType` Update and
//! Cancel carry `<references>` ("sender,identifier,sent" triples). Only
//! `status` Actual is ingested: exercises and tests do not belong on the live map.
//! `<contact>` and `<note>` (which may name persons) are not taken in.

use roxmltree::{Document, Node};

use crate::error::IngestError;
use crate::message::{
    AdminAreas, Change, Message, Target, check_admin_code, check_radius, check_ring,
};
use crate::model::{Area, Circle, Details, EventState, Kind, SourceId, Status};
use crate::times;

pub const CAP_NAMESPACE: &str = "urn:oasis:names:tc:emergency:cap:1.2";

/// geocode valueNames taken as GB/T 2260 admin codes (compared without case).
const GB2260_NAMES: [&str; 5] = ["GB/T 2260", "GB2260", "GBT2260", "GB/T2260", "行政区划代码"];

/// eventCode valueNames that set the hazard type or level explicitly.
const HAZARD_CODE: &str = "riskmap:hazard_type";
const LEVEL_CODE: &str = "riskmap:level";

fn element<'a, 'i>(node: Node<'a, 'i>, name: &str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| {
        c.is_element()
            && c.tag_name().name() == name
            && c.tag_name().namespace() == Some(CAP_NAMESPACE)
    })
}

fn text_of(node: Node<'_, '_>, name: &str) -> Option<String> {
    element(node, name)
        .next()
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .filter(|s| !s.is_empty())
}

fn required(node: Node<'_, '_>, name: &str, path: &str) -> Result<String, IngestError> {
    text_of(node, name).ok_or_else(|| {
        IngestError::malformed(join(path, name), "required element is missing or empty")
    })
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// `name` alone when it occurs once, `name[i]` when it repeats.
fn indexed(path: &str, name: &str, i: usize, count: usize) -> String {
    if count == 1 {
        join(path, name)
    } else {
        join(path, &format!("{name}[{i}]"))
    }
}

fn time_at(node: Node<'_, '_>, name: &str, path: &str) -> Result<Option<String>, IngestError> {
    match text_of(node, name) {
        None => Ok(None),
        Some(s) => times::normalise(&s).map(Some).ok_or_else(|| {
            IngestError::malformed(join(path, name), format!("`{s}` is not a CAP dateTime"))
        }),
    }
}

/// Parse one CAP 1.2 alert. Admin codes are checked against `admin`.
pub fn parse(xml: &str, admin: &dyn AdminAreas) -> Result<Message, IngestError> {
    let doc = Document::parse(xml)
        .map_err(|e| IngestError::malformed("alert", format!("not well-formed XML: {e}")))?;
    let alert = doc.root_element();
    if alert.tag_name().name() != "alert" || alert.tag_name().namespace() != Some(CAP_NAMESPACE) {
        return Err(IngestError::malformed(
            "alert",
            format!("the root element must be <alert> in the CAP 1.2 namespace {CAP_NAMESPACE}"),
        ));
    }
    let identifier = required(alert, "identifier", "")?;
    let sender = required(alert, "sender", "")?;
    let sent = time_at(alert, "sent", "")?
        .ok_or_else(|| IngestError::malformed("sent", "required element is missing or empty"))?;
    let status = required(alert, "status", "")?;
    if status != "Actual" {
        return Err(IngestError::malformed(
            "status",
            format!("only Actual messages are ingested, not {status}"),
        ));
    }
    let source = SourceId {
        identifier,
        sender,
        sent,
    };
    let msg_type = required(alert, "msgType", "")?;
    let references = || -> Result<Vec<SourceId>, IngestError> {
        let text = required(alert, "references", "")?;
        text.split_whitespace()
            .enumerate()
            .map(|(i, r)| reference(i, r))
            .collect()
    };
    let (target, change) = match msg_type.as_str() {
        "Alert" => (
            Target::New { group: None },
            Change::Replace(Box::new(state(alert, &source, admin)?)),
        ),
        "Update" => (
            Target::References(references()?),
            Change::Replace(Box::new(state(alert, &source, admin)?)),
        ),
        "Cancel" => (
            Target::References(references()?),
            Change::End(Status::Cancelled),
        ),
        other => {
            return Err(IngestError::malformed(
                "msgType",
                format!("{other} messages are not ingested (Alert, Update or Cancel)"),
            ));
        }
    };
    Ok(Message {
        source,
        target,
        change,
    })
}

/// One "sender,identifier,sent" triple of `<references>`.
fn reference(i: usize, r: &str) -> Result<SourceId, IngestError> {
    let path = format!("references[{i}]");
    let parts: Vec<&str> = r.split(',').collect();
    let [sender, identifier, sent] = parts[..] else {
        return Err(IngestError::malformed(
            path,
            format!("`{r}` is not sender,identifier,sent"),
        ));
    };
    let sent = times::normalise(sent)
        .ok_or_else(|| IngestError::malformed(&path, format!("`{sent}` is not a CAP dateTime")))?;
    Ok(SourceId {
        identifier: identifier.to_string(),
        sender: sender.to_string(),
        sent,
    })
}

/// The warning an Alert or Update describes: text and level from the first
/// `<info>`, the area from every `<info>` (each checked).
fn state(
    alert: Node<'_, '_>,
    source: &SourceId,
    admin: &dyn AdminAreas,
) -> Result<EventState, IngestError> {
    let infos: Vec<Node> = element(alert, "info").collect();
    let Some(&first) = infos.first() else {
        return Err(IngestError::malformed(
            "info",
            "an Alert or Update needs an <info>",
        ));
    };
    let mut area = Area::default();
    let mut names = Vec::new();
    for (i, info) in infos.iter().enumerate() {
        let path = format!("info[{i}]");
        for name in ["category", "event", "urgency", "severity", "certainty"] {
            required(*info, name, &path)?;
        }
        let areas: Vec<Node> = element(*info, "area").collect();
        if areas.is_empty() {
            return Err(IngestError::malformed(
                join(&path, "area"),
                "a warning needs an <area>",
            ));
        }
        for (j, node) in areas.iter().enumerate() {
            let apath = format!("{path}.area[{j}]");
            names.push(required(*node, "areaDesc", &apath)?);
            area_of(*node, &apath, admin, &mut area)?;
        }
    }
    names.dedup();
    area.description = Some(names.join("；"));
    let path = "info[0]";
    let event = required(first, "event", path)?;
    let codes: Vec<(String, String)> = element(first, "eventCode")
        .map(|c| {
            (
                text_of(c, "valueName").unwrap_or_default(),
                text_of(c, "value").unwrap_or_default(),
            )
        })
        .collect();
    let code = |name: &str| {
        codes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let hazard_type = match code(HAZARD_CODE) {
        Some(h) => {
            crate::message::check_hazard_type(&format!("{path}.eventCode.{HAZARD_CODE}"), &h)?;
            h
        }
        None => hazard_from_text(&event, &required(first, "category", path)?),
    };
    let level = match code(LEVEL_CODE) {
        Some(l) => l
            .parse::<u8>()
            .ok()
            .filter(|l| (1..=4).contains(l))
            .ok_or_else(|| {
                IngestError::malformed(
                    format!("{path}.eventCode.{LEVEL_CODE}"),
                    format!("`{l}` is not a level 1-4"),
                )
            })?,
        None => level_from_severity(&required(first, "severity", path)?).ok_or_else(|| {
            IngestError::malformed(
                format!("{path}.severity"),
                "Unknown severity gives no warning level; send riskmap:level",
            )
        })?,
    };
    Ok(EventState {
        kind: Kind::Warning,
        hazard_type,
        details: Details::Warning { level },
        area,
        headline: text_of(first, "headline"),
        description: text_of(first, "description"),
        sent: source.sent.clone(),
        effective: time_at(first, "effective", path)?
            .or(time_at(first, "onset", path)?)
            .unwrap_or_else(|| source.sent.clone()),
        expires: time_at(first, "expires", path)?,
        source: source.clone(),
        status: Status::Active,
    })
}

/// CAP severity to the four-colour level: Extreme 红, Severe 橙, Moderate 黄, Minor 蓝
/// (as China's warning-release system maps them).
fn level_from_severity(severity: &str) -> Option<u8> {
    match severity {
        "Extreme" => Some(4),
        "Severe" => Some(3),
        "Moderate" => Some(2),
        "Minor" => Some(1),
        _ => None,
    }
}

/// The hazard type a warning's `<event>` names, else its CAP category. Order
/// matters: 地质灾害气象风险预警 is geological, not meteorological.
fn hazard_from_text(event: &str, category: &str) -> String {
    let e = event.to_lowercase();
    let table: [(&str, &[&str]); 5] = [
        ("earthquake", &["地震", "earthquake"]),
        (
            "geological",
            &["地质", "滑坡", "泥石流", "崩塌", "landslide", "geolog"],
        ),
        ("flood", &["暴雨", "洪水", "洪涝", "山洪", "flood", "rain"]),
        ("forest_fire", &["森林火", "草原火", "火险", "fire"]),
        ("drought", &["干旱", "drought"]),
    ];
    for (hazard, words) in table {
        if words.iter().any(|w| e.contains(w)) {
            return hazard.to_string();
        }
    }
    match category {
        "Met" => "meteorological",
        "Geo" => "geological",
        "Fire" => "forest_fire",
        _ => crate::message::OTHER_HAZARD,
    }
    .to_string()
}

fn area_of(
    node: Node<'_, '_>,
    path: &str,
    admin: &dyn AdminAreas,
    area: &mut Area,
) -> Result<(), IngestError> {
    let before = (
        area.polygons.len(),
        area.circles.len(),
        area.admin_codes.len(),
    );
    let polygons: Vec<Node> = element(node, "polygon").collect();
    for (k, p) in polygons.iter().enumerate() {
        let ppath = indexed(path, "polygon", k, polygons.len());
        let ring = polygon(p.text().unwrap_or(""), &ppath)?;
        area.polygons.push(ring);
    }
    let circles: Vec<Node> = element(node, "circle").collect();
    for (k, c) in circles.iter().enumerate() {
        let cpath = indexed(path, "circle", k, circles.len());
        area.circles.push(circle(c.text().unwrap_or(""), &cpath)?);
    }
    let geocodes: Vec<Node> = element(node, "geocode").collect();
    for (k, g) in geocodes.iter().enumerate() {
        let gpath = indexed(path, "geocode", k, geocodes.len());
        let name = text_of(*g, "valueName").unwrap_or_default();
        if !GB2260_NAMES.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            continue; // Another scheme's code (SAME, FIPS): not ours to resolve.
        }
        let value = text_of(*g, "value").unwrap_or_default();
        check_admin_code(&join(&gpath, "value"), &value, admin)?;
        if !area.admin_codes.contains(&value) {
            area.admin_codes.push(value);
        }
    }
    if before
        == (
            area.polygons.len(),
            area.circles.len(),
            area.admin_codes.len(),
        )
    {
        return Err(IngestError::malformed(
            path,
            "no <polygon>, <circle> or GB/T 2260 <geocode>",
        ));
    }
    Ok(())
}

fn lat_lon(pair: &str, path: &str, what: &str) -> Result<[f64; 2], IngestError> {
    let mut it = pair.split(',');
    let (Some(lat), Some(lon), None) = (it.next(), it.next(), it.next()) else {
        return Err(IngestError::malformed(
            path,
            format!("{what} `{pair}` is not lat,lon"),
        ));
    };
    match (lat.trim().parse::<f64>(), lon.trim().parse::<f64>()) {
        (Ok(lat), Ok(lon)) => Ok([lon, lat]),
        _ => Err(IngestError::malformed(
            path,
            format!("{what} `{pair}` is not lat,lon"),
        )),
    }
}

/// "lat,lon lat,lon ..." to a [lon, lat] ring, checked.
fn polygon(text: &str, path: &str) -> Result<Vec<[f64; 2]>, IngestError> {
    let ring = text
        .split_whitespace()
        .enumerate()
        .map(|(i, p)| lat_lon(p, path, &format!("point {i}")))
        .collect::<Result<Vec<_>, _>>()?;
    check_ring(path, &ring)?;
    Ok(ring)
}

/// "lat,lon radius_km".
fn circle(text: &str, path: &str) -> Result<Circle, IngestError> {
    let mut it = text.split_whitespace();
    let (Some(centre), Some(radius), None) = (it.next(), it.next(), it.next()) else {
        return Err(IngestError::malformed(
            path,
            format!("`{}` is not `lat,lon radius_km`", text.trim()),
        ));
    };
    let center = lat_lon(centre, path, "centre")?;
    crate::message::check_lon_lat(path, center[0], center[1])?;
    let radius_km = radius
        .parse::<f64>()
        .map_err(|_| IngestError::malformed(path, format!("radius `{radius}` is not a number")))?;
    check_radius(path, radius_km)?;
    Ok(Circle { center, radius_km })
}
