//! `admin_labels` in the composite: each admin unit's name once per zoom over all the
//! tiles covering Chuxiong, at a point inside its polygon (data/yunnan fixture).
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use geo::{BoundingRect, Contains, Point};
use layers::tiles::mercator::tile_range;
use layers::tiles::{ADMIN_LABELS, TileId, TileOptions};
use layers::{Access, Dataset, Value};

/// A protobuf reader just big enough for MVT layers, features, tags and points:
/// written here so the test does not trust the encoder's own code.
struct Pb<'a>(&'a [u8]);

impl<'a> Pb<'a> {
    fn varint(&mut self) -> u64 {
        let (mut v, mut s) = (0u64, 0);
        loop {
            let b = self.0[0];
            self.0 = &self.0[1..];
            v |= ((b & 0x7f) as u64) << s;
            if b < 0x80 {
                return v;
            }
            s += 7;
        }
    }
    /// Next field: (number, varint value or length-delimited bytes).
    fn next(&mut self) -> Option<(u64, Result<u64, &'a [u8]>)> {
        if self.0.is_empty() {
            return None;
        }
        let key = self.varint();
        Some(match key & 7 {
            0 => (key >> 3, Ok(self.varint())),
            2 => {
                let n = self.varint() as usize;
                let (b, rest) = self.0.split_at(n);
                self.0 = rest;
                (key >> 3, Err(b))
            }
            5 => {
                self.0 = &self.0[4..];
                (key >> 3, Ok(0))
            }
            1 => {
                self.0 = &self.0[8..];
                (key >> 3, Ok(0))
            }
            w => panic!("wire type {w}"),
        })
    }
}

fn packed(b: &[u8]) -> Vec<u64> {
    let mut p = Pb(b);
    let mut out = Vec::new();
    while !p.0.is_empty() {
        out.push(p.varint());
    }
    out
}

/// One decoded label: tile pixel position and its string/int properties.
struct Label {
    pos: [i64; 2],
    props: HashMap<String, String>,
}

/// The features of layer `name` in an MVT tile.
fn labels_in(tile: &[u8], name: &str) -> Vec<Label> {
    let mut out = Vec::new();
    let mut t = Pb(tile);
    while let Some((n, v)) = t.next() {
        let (3, Err(layer)) = (n, v) else { continue };
        let (mut lname, mut keys, mut values, mut feats) = ("", vec![], vec![], vec![]);
        let mut l = Pb(layer);
        while let Some((n, v)) = l.next() {
            match (n, v) {
                (1, Err(b)) => lname = std::str::from_utf8(b).unwrap(),
                (2, Err(b)) => feats.push(b),
                (3, Err(b)) => keys.push(std::str::from_utf8(b).unwrap().to_string()),
                (4, Err(b)) => {
                    let mut vp = Pb(b);
                    let mut s = String::new();
                    while let Some((k, v)) = vp.next() {
                        match (k, v) {
                            (1, Err(b)) => s = std::str::from_utf8(b).unwrap().to_string(),
                            (4 | 5, Ok(i)) => s = i.to_string(),
                            _ => {}
                        }
                    }
                    values.push(s);
                }
                _ => {}
            }
        }
        if lname != name {
            continue;
        }
        for f in feats {
            let (mut tags, mut geom, mut ty) = (vec![], vec![], 0);
            let mut fp = Pb(f);
            while let Some((n, v)) = fp.next() {
                match (n, v) {
                    (2, Err(b)) => tags = packed(b),
                    (3, Ok(t)) => ty = t,
                    (4, Err(b)) => geom = packed(b),
                    _ => {}
                }
            }
            assert_eq!(ty, 1, "labels are points");
            assert_eq!(geom[0], 1 | (1 << 3), "one MoveTo of one point");
            let zz = |v: u64| ((v >> 1) as i64) ^ -((v & 1) as i64);
            let props = tags
                .chunks(2)
                .map(|kv| (keys[kv[0] as usize].clone(), values[kv[1] as usize].clone()))
                .collect();
            out.push(Label {
                pos: [zz(geom[1]), zz(geom[2])],
                props,
            });
        }
    }
    out
}

#[test]
fn each_admin_unit_is_labelled_once_per_zoom_inside_its_polygon() {
    let layers = layers::testdata::fixture_layers(42, 0.05);
    let store = layers::testdata::store_from(layers);
    let ds = Dataset::new(store, TileOptions::default());
    let admin = ds.store().layer("admin").unwrap();
    let s = admin.schema();
    let (code_i, name_i, level_i) = (
        s.field_index("code").unwrap(),
        s.field_index("name").unwrap(),
        s.field_index("level").unwrap(),
    );
    let text = |v: &Value| match v {
        Value::Text(t) => t.clone(),
        other => panic!("{other:?}"),
    };
    let prefecture = admin
        .features
        .iter()
        .find(|f| text(&f.properties[code_i]) == "532300")
        .unwrap();
    let r = prefecture.geometry.bounding_rect().unwrap();
    let bounds = [r.min().x, r.min().y, r.max().x, r.max().y];
    let sel = ds.select("onemap", &Access::public()).unwrap();
    let vl = ds.vector_layers(&sel);
    let info = vl.iter().find(|v| v.id == ADMIN_LABELS).unwrap();
    let fields: Vec<&str> = info.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(fields, ["code", "name", "level"]);

    for z in [9u8, 12] {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (x, y) in tile_range(bounds, z) {
            let tile = TileId::new(z, x, y).unwrap();
            let Some(bytes) = ds.render(&sel, tile).unwrap() else {
                continue;
            };
            let [w, _, e, _] = tile.lonlat_bounds();
            for l in labels_in(&bytes, ADMIN_LABELS) {
                assert!((0..4096).contains(&l.pos[0]) && (0..4096).contains(&l.pos[1]));
                let code = l.props["code"].clone();
                let f = admin
                    .features
                    .iter()
                    .find(|f| text(&f.properties[code_i]) == code)
                    .unwrap();
                assert_eq!(l.props["name"], text(&f.properties[name_i]));
                assert_eq!(l.props["level"], text(&f.properties[level_i]));
                // Back to lon/lat (the pixel's centre) and into the unit's polygon.
                let n = (1u64 << z) as f64 * 4096.0;
                let px = x as f64 * 4096.0 + l.pos[0] as f64 + 0.5;
                let py = y as f64 * 4096.0 + l.pos[1] as f64 + 0.5;
                let lon = px / n * 360.0 - 180.0;
                let lat = (std::f64::consts::PI * (1.0 - 2.0 * py / n))
                    .sinh()
                    .atan()
                    .to_degrees();
                assert!(lon >= w && lon <= e);
                assert!(
                    f.geometry.contains(&Point::new(lon, lat)),
                    "label of {code} at z{z} ({lon}, {lat}) is outside its polygon"
                );
                *seen.entry(code).or_default() += 1;
            }
        }
        for (code, n) in &seen {
            assert_eq!(*n, 1, "{code} labelled {n} times at z{z}");
        }
        // Every county of the prefecture is labelled at both zooms.
        let counties: Vec<String> = admin
            .features
            .iter()
            .filter(|f| {
                text(&f.properties[level_i]) == "county"
                    && text(&f.properties[code_i]).starts_with("5323")
            })
            .map(|f| text(&f.properties[code_i]))
            .collect();
        assert!(counties.len() >= 10, "{}", counties.len());
        for c in &counties {
            assert!(seen.contains_key(c), "county {c} has no label at z{z}");
        }
    }
}

#[test]
fn admin_labels_is_its_own_tileset_and_absent_without_admin() {
    let layers = layers::testdata::fixture_layers(42, 0.05);
    let ds = Dataset::new(layers::testdata::store_from(layers), TileOptions::default());
    let sel = ds.select(ADMIN_LABELS, &Access::public()).unwrap();
    let vl = ds.vector_layers(&sel);
    assert_eq!(vl.len(), 1);
    assert_eq!(vl[0].id, ADMIN_LABELS);
    let (x, y) = tile_range([101.53, 25.03, 101.53, 25.03], 9)
        .next()
        .unwrap();
    let tile = TileId::new(9, x, y).unwrap();
    let bytes = ds.render(&sel, tile).unwrap().unwrap();
    assert!(!labels_in(&bytes, ADMIN_LABELS).is_empty());
    assert!(labels_in(&bytes, "admin").is_empty());

    let no_admin: Vec<_> = layers::testdata::fixture_layers(42, 0.05)
        .into_iter()
        .filter(|l| l.schema.id != "admin")
        .collect();
    let ds = Dataset::new(
        layers::testdata::store_from(no_admin),
        TileOptions::default(),
    );
    assert!(ds.select(ADMIN_LABELS, &Access::public()).is_err());
    let sel = ds.select("onemap", &Access::public()).unwrap();
    assert!(ds.vector_layers(&sel).iter().all(|v| v.id != ADMIN_LABELS));
}
