//! Mapbox Vector Tile 2.1 protobuf encoding.
//!
//! Our own encoder rather than the mvt crate: geometry here is already snapped integer
//! tile coordinates, and values are borrowed from the store, so features are written
//! straight into the output buffer with keys and values interned per layer. mvt 0.15
//! takes f64 coordinates through a transform, builds prost structs with an owned String
//! per tag and re-serialises them; on the same features it measured about 3× slower
//! (`cargo run --release -p riskmap-layers --example mvt_encoders`, bench/RESULTS.md).

use crate::pbf::{bytes_field, varint, zigzag};
use foldhash::{HashMap, HashMapExt};

use super::EXTENT;
use super::repair::TilePolygon;

/// MVT geometry types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeomType {
    Point = 1,
    LineString = 2,
    Polygon = 3,
}

/// An attribute value as written to a tile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TileValue<'a> {
    Str(&'a str),
    Int(i64),
    Double(f64),
    Bool(bool),
}

#[derive(PartialEq, Eq, Hash)]
enum ValueKey<'a> {
    Str(&'a str),
    Int(i64),
    Double(u64),
    Bool(bool),
}

fn packed(buf: &mut Vec<u8>, tag: u8, values: &[u32], scratch: &mut Vec<u8>) {
    scratch.clear();
    for &v in values {
        varint(scratch, v as u64);
    }
    bytes_field(buf, tag, scratch);
}

/// Geometry command stream of one feature.
#[derive(Default)]
pub struct Geometry {
    cmds: Vec<u32>,
    cursor: [i32; 2],
}

fn command(id: u32, count: u32) -> u32 {
    (id & 7) | (count << 3)
}

fn param(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

impl Geometry {
    pub fn clear(&mut self) {
        self.cmds.clear();
        self.cursor = [0, 0];
    }

    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }

    fn delta(&mut self, p: [i32; 2]) {
        self.cmds.push(param(p[0] - self.cursor[0]));
        self.cmds.push(param(p[1] - self.cursor[1]));
        self.cursor = p;
    }

    /// Points (one MoveTo with all of them).
    pub fn points(&mut self, pts: &[[i32; 2]]) {
        if pts.is_empty() {
            return;
        }
        self.cmds.push(command(1, pts.len() as u32));
        for &p in pts {
            self.delta(p);
        }
    }

    /// One line part (≥ 2 vertices).
    pub fn line(&mut self, line: &[[i32; 2]]) {
        if line.len() < 2 {
            return;
        }
        self.cmds.push(command(1, 1));
        self.delta(line[0]);
        self.cmds.push(command(2, line.len() as u32 - 1));
        for &p in &line[1..] {
            self.delta(p);
        }
    }

    /// One open ring (the closing vertex is ClosePath, not repeated).
    pub fn ring(&mut self, ring: &[[i32; 2]]) {
        if ring.len() < 3 {
            return;
        }
        self.line(ring);
        self.cmds.push(command(7, 1));
    }

    pub fn polygons(&mut self, polys: &[TilePolygon]) {
        for poly in polys {
            for ring in poly {
                self.ring(ring);
            }
        }
    }
}

/// One layer being written.
pub struct LayerEncoder<'a> {
    name: &'a str,
    keys: Vec<&'a str>,
    values: Vec<TileValue<'a>>,
    value_index: HashMap<ValueKey<'a>, u32>,
    features: Vec<u8>,
    feature_count: usize,
    tags: Vec<u32>,
    scratch: Vec<u8>,
    packed: Vec<u8>,
}

impl<'a> LayerEncoder<'a> {
    pub fn new(name: &'a str) -> Self {
        LayerEncoder {
            name,
            keys: Vec::new(),
            values: Vec::new(),
            value_index: HashMap::new(),
            features: Vec::new(),
            feature_count: 0,
            tags: Vec::new(),
            scratch: Vec::new(),
            packed: Vec::new(),
        }
    }

    fn key(&mut self, k: &'a str) -> u32 {
        match self.keys.iter().position(|&x| x == k) {
            Some(i) => i as u32,
            None => {
                self.keys.push(k);
                self.keys.len() as u32 - 1
            }
        }
    }

    fn value(&mut self, v: TileValue<'a>) -> u32 {
        let key = match v {
            TileValue::Str(s) => ValueKey::Str(s),
            TileValue::Int(i) => ValueKey::Int(i),
            TileValue::Double(d) => ValueKey::Double(d.to_bits()),
            TileValue::Bool(b) => ValueKey::Bool(b),
        };
        let next = self.values.len() as u32;
        *self.value_index.entry(key).or_insert_with(|| {
            self.values.push(v);
            next
        })
    }

    /// Add one feature. Empty geometry is skipped (MVT features need geometry).
    pub fn feature(
        &mut self,
        id: Option<u64>,
        ty: GeomType,
        geom: &Geometry,
        attrs: impl IntoIterator<Item = (&'a str, TileValue<'a>)>,
    ) {
        if geom.is_empty() {
            return;
        }
        self.tags.clear();
        for (k, v) in attrs {
            if let TileValue::Double(d) = v
                && !d.is_finite()
            {
                continue;
            }
            let ki = self.key(k);
            let vi = self.value(v);
            self.tags.push(ki);
            self.tags.push(vi);
        }
        let mut f = std::mem::take(&mut self.scratch);
        f.clear();
        if let Some(id) = id {
            f.push(0x08);
            varint(&mut f, id);
        }
        if !self.tags.is_empty() {
            packed(&mut f, 0x12, &self.tags, &mut self.packed);
        }
        f.push(0x18);
        varint(&mut f, ty as u64);
        packed(&mut f, 0x22, &geom.cmds, &mut self.packed);
        bytes_field(&mut self.features, 0x12, &f);
        self.scratch = f;
        self.feature_count += 1;
    }

    pub fn feature_count(&self) -> usize {
        self.feature_count
    }

    /// Bytes written so far (features only; keys and values add a little).
    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.feature_count == 0
    }

    /// Append this layer to a tile buffer (nothing if it has no features).
    pub fn finish_into(self, tile: &mut Vec<u8>) {
        if self.feature_count == 0 {
            return;
        }
        let mut layer = Vec::with_capacity(self.features.len() + 64 * self.values.len() + 64);
        layer.push(0x78); // version = 2
        varint(&mut layer, 2);
        bytes_field(&mut layer, 0x0A, self.name.as_bytes());
        layer.extend_from_slice(&self.features);
        for k in &self.keys {
            bytes_field(&mut layer, 0x1A, k.as_bytes());
        }
        let mut v = Vec::new();
        for value in &self.values {
            v.clear();
            match *value {
                TileValue::Str(s) => bytes_field(&mut v, 0x0A, s.as_bytes()),
                TileValue::Double(d) => {
                    v.push(0x19);
                    v.extend_from_slice(&d.to_le_bytes());
                }
                TileValue::Int(i) => {
                    v.push(0x30);
                    varint(&mut v, zigzag(i));
                }
                TileValue::Bool(b) => {
                    v.push(0x38);
                    v.push(b as u8);
                }
            }
            bytes_field(&mut layer, 0x22, &v);
        }
        layer.push(0x28);
        varint(&mut layer, EXTENT as u64);
        bytes_field(tile, 0x1A, &layer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_commands_follow_the_spec_examples() {
        // MVT 2.1 spec §4.3.5: point (25, 17) is [9, 50, 34].
        let mut g = Geometry::default();
        g.points(&[[25, 17]]);
        assert_eq!(g.cmds, vec![9, 50, 34]);
        // Linestring (2,2) (2,10) (10,10): [9, 4, 4, 18, 0, 16, 16, 0].
        g.clear();
        g.line(&[[2, 2], [2, 10], [10, 10]]);
        assert_eq!(g.cmds, vec![9, 4, 4, 18, 0, 16, 16, 0]);
        // Polygon (3,6) (8,12) (20,34): [9, 6, 12, 18, 10, 12, 24, 44, 15].
        g.clear();
        g.ring(&[[3, 6], [8, 12], [20, 34]]);
        assert_eq!(g.cmds, vec![9, 6, 12, 18, 10, 12, 24, 44, 15]);
    }

    #[test]
    fn values_are_interned_and_keys_shared() {
        let mut layer = LayerEncoder::new("t");
        let mut g = Geometry::default();
        g.points(&[[1, 1]]);
        for i in 0..3 {
            layer.feature(
                Some(i),
                GeomType::Point,
                &g,
                [("grade", TileValue::Int(4)), ("name", TileValue::Str("高"))],
            );
        }
        assert_eq!(layer.keys.len(), 2);
        assert_eq!(layer.values.len(), 2);
        assert_eq!(layer.feature_count(), 3);
        let mut tile = Vec::new();
        layer.finish_into(&mut tile);
        assert_eq!(tile[0], 0x1A);
        // Empty layers are not written at all.
        let mut empty = Vec::new();
        LayerEncoder::new("e").finish_into(&mut empty);
        assert!(empty.is_empty());
    }

    #[test]
    fn non_finite_doubles_are_left_out() {
        let mut layer = LayerEncoder::new("t");
        let mut g = Geometry::default();
        g.points(&[[1, 1]]);
        layer.feature(
            None,
            GeomType::Point,
            &g,
            [("v", TileValue::Double(f64::NAN))],
        );
        assert!(layer.values.is_empty());
    }
}
