//! Binding, evaluation and sorting over a small shelters layer.

use geo::{Geometry, point};

use super::*;
use crate::access::Access;
use crate::schema::Sensitivity;
use crate::store::Layer;
use crate::value::Value;
use crate::{Feature, catalogue, manifest::ManifestLayer};

/// Shelters at lon 101.0, 101.1, ... with capacities 100, 200, 300 and the last one
/// without a capacity, a manager's phone on each.
fn shelters() -> Layer {
    let schema = catalogue::core_layer("shelters").unwrap();
    let at = |name: &str| schema.field_index(name).unwrap();
    let features = (0..4)
        .map(|i| {
            let mut p = vec![Value::Null; schema.fields.len()];
            p[at("shelter_id")] = format!("S{i}").into();
            p[at("name")] = format!("楚雄{i}号避难场所").into();
            p[at("status")] = (if i % 2 == 0 { "open" } else { "closed" }).into();
            if i < 3 {
                p[at("capacity")] = Value::Int(100 * (i + 1));
            }
            p[at("manager_phone")] = format!("1380000000{i}").into();
            Feature::new(
                Geometry::Point(point!(x: 101.0 + 0.1 * i as f64, y: 25.0)),
                p,
            )
        })
        .collect();
    let meta = ManifestLayer {
        schema: schema.clone(),
        file: String::new(),
        feature_count: 4,
        bbox: None,
        synthetic: true,
        sha256: String::new(),
        sources: vec![],
    };
    Layer::new(meta, features)
}

fn ids(layer: &Layer, text: &str, access: &Access) -> Vec<u32> {
    let b = Bound::new(&cql2_text::parse(text).unwrap(), layer.schema(), access).unwrap();
    (0..layer.features.len() as u32)
        .filter(|&f| b.matches(layer.feature(f).unwrap()))
        .collect()
}

#[test]
fn comparisons_logic_and_unknowns() {
    let l = shelters();
    let public = Access::public();
    assert_eq!(ids(&l, "capacity >= 200", &public), [1, 2]);
    assert_eq!(ids(&l, "capacity >= 200 AND status = 'open'", &public), [2]);
    assert_eq!(
        ids(&l, "capacity < 150 OR status = 'closed'", &public),
        [0, 1, 3]
    );
    // The fourth shelter has no capacity: neither `< 150` nor its negation holds.
    assert_eq!(ids(&l, "NOT capacity < 150", &public), [1, 2]);
    assert_eq!(ids(&l, "capacity IS NULL", &public), [3]);
    assert_eq!(ids(&l, "capacity BETWEEN 150 AND 300", &public), [1, 2]);
    assert_eq!(ids(&l, "shelter_id IN ('S0', 'S3')", &public), [0, 3]);
    assert_eq!(ids(&l, "name LIKE '楚雄_号%'", &public), [0, 1, 2, 3]);
    assert_eq!(ids(&l, "capacity = 200.0", &public), [1]);
    assert_eq!(
        ids(
            &l,
            "S_INTERSECTS(geometry, BBOX(101.05, 24.9, 101.25, 25.1))",
            &public
        ),
        [1, 2]
    );
    assert_eq!(
        ids(
            &l,
            "S_INTERSECTS(geometry, POLYGON((100.9 24.9, 101.05 24.9, 101.05 25.1, 100.9 24.9)))",
            &public
        ),
        [0]
    );
}

#[test]
fn personal_fields_are_unknown_to_those_not_cleared() {
    let l = shelters();
    let e = cql2_text::parse("manager_phone LIKE '138%'").unwrap();
    let public = Bound::new(&e, l.schema(), &Access::public()).unwrap_err();
    let missing = Bound::new(
        &cql2_text::parse("no_such_field LIKE '138%'").unwrap(),
        l.schema(),
        &Access::public(),
    )
    .unwrap_err();
    assert!(
        public
            .message
            .starts_with("unknown property 'manager_phone'")
    );
    assert!(
        !public.message.contains("manager_phone,"),
        "listed as queryable: {}",
        public.message
    );
    assert_eq!(
        public.message.replace("manager_phone", "no_such_field"),
        missing.message
    );
    let cleared = Access::with_clearance(Sensitivity::Personal);
    assert_eq!(ids(&l, "manager_phone LIKE '138%'", &cleared), [0, 1, 2, 3]);
    assert!(parse_sortby("-manager_phone", l.schema(), &Access::public()).is_err());
    assert!(
        Bound::simple(l.schema(), &Access::public(), "manager_phone", "1")
            .unwrap()
            .is_none()
    );
}

#[test]
fn type_errors_name_the_property() {
    let l = shelters();
    for (text, needle) in [
        ("capacity = 'big'", "'capacity' is of type int"),
        ("status > 3", "'status' is of type text"),
        ("capacity LIKE '1%'", "LIKE applies to text"),
        ("name BETWEEN 1 AND 2", "BETWEEN applies to numbers"),
        ("S_INTERSECTS(capacity, POINT(1 2))", "S_INTERSECTS applies"),
    ] {
        let e = Bound::new(
            &cql2_text::parse(text).unwrap(),
            l.schema(),
            &Access::public(),
        )
        .unwrap_err();
        assert!(e.message.contains(needle), "{text}: {}", e.message);
    }
}

#[test]
fn simple_filters_read_the_field_type() {
    let l = shelters();
    let a = Access::public();
    let b = Bound::simple(l.schema(), &a, "capacity", "300")
        .unwrap()
        .unwrap();
    assert!(b.matches(l.feature(2).unwrap()) && !b.matches(l.feature(1).unwrap()));
    assert_eq!(
        Bound::simple(l.schema(), &a, "capacity", "x")
            .unwrap_err()
            .field,
        "capacity"
    );
    assert!(
        Bound::simple(l.schema(), &a, "nope", "1")
            .unwrap()
            .is_none()
    );
}

#[test]
fn sorting_puts_missing_values_last_and_keeps_fid_order_on_ties() {
    let l = shelters();
    let a = Access::public();
    let mut fids = vec![0, 1, 2, 3];
    sort_fids(
        &l,
        &mut fids,
        &parse_sortby("-capacity", l.schema(), &a).unwrap(),
    );
    assert_eq!(fids, [2, 1, 0, 3]);
    sort_fids(
        &l,
        &mut fids,
        &parse_sortby("status,+capacity", l.schema(), &a).unwrap(),
    );
    assert_eq!(fids, [1, 3, 0, 2]);
    assert_eq!(
        parse_sortby("capacity,,", l.schema(), &a)
            .unwrap_err()
            .field,
        "sortby"
    );
}

#[test]
fn required_bbox_comes_from_intersects_under_and() {
    let l = shelters();
    let a = Access::public();
    let bind = |t: &str| Bound::new(&cql2_text::parse(t).unwrap(), l.schema(), &a).unwrap();
    let r = bind("status = 'open' AND S_INTERSECTS(geometry, BBOX(101, 25, 102, 26))")
        .required_bbox()
        .unwrap();
    assert_eq!((r.min().x, r.max().y), (101.0, 26.0));
    assert!(
        bind("status = 'open' OR S_INTERSECTS(geometry, BBOX(101, 25, 102, 26))")
            .required_bbox()
            .is_none()
    );
}
