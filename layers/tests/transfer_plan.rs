//! The transfer analysis gives answers a bureau can use: a flood warning over a county
//! (楚雄市, 532301) and over the whole prefecture (532300), on the fixture and, with
//! `RISKMAP_TEST_DATASET` set to a prepared dataset (the Chuxiong demo), on it too.
//! Every expectation is recomputed here from the layers with plain geo predicates,
//! not read back from the analysis.
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::OnceLock;

use geo::{Geometry, Intersects, MultiPolygon};
use layers::Store;
use layers::query::attributes::{field, int, text};
use layers::query::{Access, Derived, Limits};
use layers::query::{Scope, TransferRequest, TransferResult, transfer};
use layers::testdata::fixture_store;

fn stores() -> Vec<(&'static str, &'static Store, &'static Derived)> {
    static FIXTURE: OnceLock<(Store, Derived)> = OnceLock::new();
    static DEMO: OnceLock<Option<(Store, Derived)>> = OnceLock::new();
    let (s, d) = FIXTURE.get_or_init(|| {
        let s = fixture_store(7);
        let d = Derived::new(&s);
        (s, d)
    });
    let mut out = vec![("fixture", s, d)];
    if let Some((s, d)) = DEMO.get_or_init(layers::testdata::env_dataset).as_ref() {
        out.push(("RISKMAP_TEST_DATASET", s, d));
    }
    out
}

fn unit_area(store: &Store, derived: &Derived, code: &str) -> Option<MultiPolygon<f64>> {
    let fid = *derived.admin.by_code.get(code)?;
    match &store.layer("admin")?.features[fid as usize].geometry {
        Geometry::MultiPolygon(mp) => Some(mp.clone()),
        Geometry::Polygon(p) => Some(MultiPolygon(vec![p.clone()])),
        _ => None,
    }
}

/// Flood zones graded 3-4, as plain geometries.
fn danger_zones(store: &Store) -> Vec<&Geometry<f64>> {
    let Some(z) = store.layer("hazard_zones") else {
        return Vec::new();
    };
    let (kind, grade) = (field(z, "hazard_type"), field(z, "grade"));
    (0..z.features.len() as u32)
        .filter(|&f| text(z, f, kind) == Some("flood") && int(z, f, grade).unwrap_or(0) >= 3)
        .map(|f| &z.features[f as usize].geometry)
        .collect()
}

fn run(store: &Store, derived: &Derived, area: &MultiPolygon<f64>, scope: Scope) -> TransferResult {
    let req = TransferRequest {
        scope,
        ..TransferRequest::new(area.clone(), "flood")
    };
    transfer(store, derived, &Access::public(), &req, &Limits::STANDARD).expect("transfer")
}

/// Persons threatened by rain-triggered hazard points in the area, per grid code.
fn threatened_by_points(store: &Store, area: &MultiPolygon<f64>) -> Vec<(Geometry<f64>, i64)> {
    let Some(p) = store.layer("hazard_points") else {
        return Vec::new();
    };
    let (kind, persons) = (field(p, "type"), field(p, "threatened_persons"));
    (0..p.features.len() as u32)
        .filter(|&f| {
            matches!(
                text(p, f, kind),
                Some("landslide" | "debris_flow" | "collapse" | "unstable_slope")
            ) && p.features[f as usize].geometry.intersects(area)
        })
        .map(|f| {
            (
                p.features[f as usize].geometry.clone(),
                int(p, f, persons).unwrap_or(0),
            )
        })
        .collect()
}

fn check(name: &str, store: &Store, derived: &Derived, code: &str) -> Option<TransferResult> {
    let area = unit_area(store, derived, code)?;
    let r = run(store, derived, &area, Scope::Exposed);
    let everyone = run(store, derived, &area, Scope::All);
    let grids = store.layer("evacuation_grids").unwrap();
    let shelters = store.layer("shelters").unwrap();
    let zones = danger_zones(store);
    let points = threatened_by_points(store, &area);
    let ctx = format!("{name} {code}");
    let s = &r.summary;

    // Persons to move never exceed the persons in danger zones: a grid moves only if
    // it meets a flood zone graded 3-4 or holds a threatening hazard point, and never
    // more than its persons (nor, overall, than everyone in the area).
    let persons_i = field(grids, "persons");
    let mut exposed_persons = 0;
    for row in &r.grids {
        let g = &grids.features[row.fid as usize].geometry;
        let all = int(grids, row.fid, persons_i).unwrap_or(0);
        let in_zone = zones.iter().any(|z| z.intersects(g));
        let threat: i64 = points
            .iter()
            .filter(|(p, _)| p.intersects(g))
            .map(|x| x.1)
            .sum();
        assert!(
            in_zone || threat > 0,
            "{ctx}: {} moves, not exposed",
            row.grid_code
        );
        assert!(row.persons_to_move <= all, "{ctx}: {}", row.grid_code);
        if row.basis == "hazard_points" {
            assert!(row.persons_to_move <= threat, "{ctx}: {}", row.grid_code);
        }
        exposed_persons += all;
    }
    assert!(s.persons <= exposed_persons, "{ctx}");
    assert!(s.persons <= everyone.summary.persons, "{ctx}");
    assert_eq!(s.persons_placed + s.persons_unplaced, s.persons, "{ctx}");
    assert_eq!(
        s.persons_planned + s.persons_rerouted,
        s.persons_placed,
        "{ctx}"
    );

    // Capacities respected; every shelter used is usable by the rule.
    let (status, capacity) = (field(shelters, "status"), field(shelters, "capacity"));
    let in_danger = |fid: u32| {
        let g = &shelters.features[fid as usize].geometry;
        zones.iter().any(|z| z.intersects(g))
    };
    let mut used = HashMap::new();
    for sh in &r.shelters {
        assert!(
            sh.assigned <= sh.capacity,
            "{ctx}: shelter {} over capacity",
            sh.fid
        );
        assert_eq!(text(shelters, sh.fid, status), Some("open"), "{ctx}");
        assert!(
            !in_danger(sh.fid),
            "{ctx}: shelter {} in a danger zone",
            sh.fid
        );
        used.insert(sh.fid, sh);
    }
    // A shelter is unusable only for a stated reason that holds.
    for u in &r.unusable_shelters {
        match u.reason {
            "closed" => assert_ne!(text(shelters, u.fid, status), Some("open"), "{ctx}"),
            "no_capacity" => assert!(int(shelters, u.fid, capacity).unwrap_or(0) <= 0, "{ctx}"),
            "in_hazard_zone" => assert!(in_danger(u.fid), "{ctx}: shelter {}", u.fid),
            other => panic!("{ctx}: unexpected reason {other}"),
        }
    }

    // Planned shelters with room are used: a grid whose usable planned shelter still
    // has room at the end went there with all its persons.
    let by_id: HashMap<&str, u32> = (0..shelters.features.len() as u32)
        .filter_map(|f| text(shelters, f, field(shelters, "shelter_id")).map(|id| (id, f)))
        .collect();
    for row in &r.grids {
        let Some(&planned) = row
            .planned_shelter_id
            .as_deref()
            .and_then(|id| by_id.get(id))
        else {
            assert!(row.planned == 0, "{ctx}");
            continue;
        };
        let usable = text(shelters, planned, status) == Some("open")
            && int(shelters, planned, capacity).unwrap_or(0) > 0
            && !in_danger(planned);
        if !usable {
            assert_eq!(row.planned, 0, "{ctx}: {}", row.grid_code);
            assert!(row.reroute_reason.is_some(), "{ctx}: {}", row.grid_code);
            continue;
        }
        let room = used.get(&planned).map_or(1, |u| u.remaining);
        if room > 0 {
            assert_eq!(row.planned, row.persons_to_move, "{ctx}: {}", row.grid_code);
            assert_eq!(row.route, "planned", "{ctx}");
        } else if row.planned < row.persons_to_move {
            assert_eq!(row.reroute_reason, Some("planned_shelter_full"), "{ctx}");
        }
    }
    Some(r)
}

#[test]
fn county_and_prefecture_flood_warnings() {
    for (name, store, derived) in stores() {
        let county = check(name, store, derived, "532301").expect("楚雄市 in the data");
        assert!(county.summary.persons > 0, "{name}: nobody moves in 楚雄市");
        let pref = check(name, store, derived, "532300").expect("楚雄州 in the data");
        assert!(
            pref.summary.persons_placed > 0,
            "{name}: prefecture places nobody"
        );
        assert!(pref.summary.persons >= county.summary.persons, "{name}");
    }
}

#[test]
fn the_compact_answer_has_no_geometry_and_its_csv_one_line_per_grid() {
    let (_, store, derived) = stores()[0];
    let area = unit_area(store, derived, "532301").unwrap();
    let r = run(store, derived, &area, Scope::Exposed);
    assert!(r.geometry.is_none());
    let csv = layers::query::grid_csv(&r);
    assert!(csv.starts_with('\u{feff}'));
    assert_eq!(csv.lines().count(), r.grids.len() + 1);
    let req = TransferRequest {
        include_geometry: true,
        ..TransferRequest::new(area, "flood")
    };
    let with = transfer(store, derived, &Access::public(), &req, &Limits::STANDARD).unwrap();
    assert_eq!(with.geometry.unwrap().features.len(), with.grids.len());
}

#[test]
fn bad_min_grade_is_refused_by_name() {
    let (_, store, derived) = stores()[0];
    let area = unit_area(store, derived, "532301").unwrap();
    let req = TransferRequest {
        min_grade: 7,
        ..TransferRequest::new(area, "flood")
    };
    let err = transfer(store, derived, &Access::public(), &req, &Limits::STANDARD).unwrap_err();
    assert_eq!(err.field, "min_grade");
}
