//! A minimal MVT 2.1 reader for tests: layers, and each feature's properties as
//! JSON (strings, numbers, booleans), so tests can look inside tiles.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed64(u64),
    Fixed32(u32),
}

fn varint(b: &[u8], i: &mut usize) -> u64 {
    let (mut v, mut shift) = (0u64, 0);
    loop {
        let byte = b[*i];
        *i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return v;
        }
        shift += 7;
    }
}

fn fields(b: &[u8]) -> Vec<(u64, Wire<'_>)> {
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let key = varint(b, &mut i);
        let w = match key & 7 {
            0 => Wire::Varint(varint(b, &mut i)),
            1 => {
                let v = u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
                i += 8;
                Wire::Fixed64(v)
            }
            2 => {
                let n = varint(b, &mut i) as usize;
                let s = &b[i..i + n];
                i += n;
                Wire::Bytes(s)
            }
            5 => {
                let v = u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
                i += 4;
                Wire::Fixed32(v)
            }
            t => panic!("wire type {t}"),
        };
        out.push((key >> 3, w));
    }
    out
}

fn value(b: &[u8]) -> Json {
    let Some((f, w)) = fields(b).into_iter().next() else {
        return Json::Null;
    };
    match (f, w) {
        (1, Wire::Bytes(s)) => json!(String::from_utf8(s.to_vec()).unwrap()),
        (2, Wire::Fixed32(v)) => json!(f32::from_bits(v)),
        (3, Wire::Fixed64(v)) => json!(f64::from_bits(v)),
        (4 | 5, Wire::Varint(v)) => json!(v as i64),
        (6, Wire::Varint(v)) => json!(((v >> 1) as i64) ^ -((v & 1) as i64)),
        (7, Wire::Varint(v)) => json!(v != 0),
        _ => Json::Null,
    }
}

/// Layer name → its features' properties (plus `$type`: 1 point, 2 line, 3 polygon).
pub fn decode(tile: &[u8]) -> BTreeMap<String, Vec<Json>> {
    let mut out = BTreeMap::new();
    for (f, w) in fields(tile) {
        let (3, Wire::Bytes(layer)) = (f, w) else {
            continue;
        };
        let (mut name, mut keys, mut values, mut feats) =
            (String::new(), Vec::new(), Vec::new(), Vec::new());
        for (f, w) in fields(layer) {
            match (f, w) {
                (1, Wire::Bytes(s)) => name = String::from_utf8(s.to_vec()).unwrap(),
                (2, Wire::Bytes(s)) => feats.push(s),
                (3, Wire::Bytes(s)) => keys.push(String::from_utf8(s.to_vec()).unwrap()),
                (4, Wire::Bytes(s)) => values.push(value(s)),
                _ => {}
            }
        }
        let mut props = Vec::new();
        for feat in feats {
            let mut p = serde_json::Map::new();
            for (f, w) in fields(feat) {
                match (f, w) {
                    (2, Wire::Bytes(s)) => {
                        let mut i = 0;
                        let mut tags = Vec::new();
                        while i < s.len() {
                            tags.push(varint(s, &mut i) as usize);
                        }
                        for kv in tags.chunks(2) {
                            p.insert(keys[kv[0]].clone(), values[kv[1]].clone());
                        }
                    }
                    (3, Wire::Varint(t)) => {
                        p.insert("$type".into(), json!(t));
                    }
                    _ => {}
                }
            }
            props.push(Json::Object(p));
        }
        out.entry(name).or_insert_with(Vec::new).extend(props);
    }
    out
}
