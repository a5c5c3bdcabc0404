//! The in-memory store: every layer of a prepared dataset with its R-trees.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use geo::{BoundingRect, Geometry, Intersects, Point, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::dataset::{DatasetError, read_dataset};
use crate::feature::Feature;
use crate::manifest::{Manifest, ManifestLayer};
use crate::schema::{GeometryKind, LayerSchema};
use crate::sphere::unit_vector;

/// A feature's bounding box in lon/lat, carrying its fid.
pub type BoxEntry = GeomWithData<Rectangle<[f64; 2]>, u32>;
/// A point feature as a unit vector on the sphere, carrying its fid: chord distance is
/// monotone in great-circle distance, so nearest-neighbour search is correct across the
/// antimeridian and near the poles, unlike lon/lat degrees.
pub type SphereEntry = GeomWithData<[f64; 3], u32>;

/// One layer held in memory.
#[derive(Debug)]
pub struct Layer {
    pub meta: ManifestLayer,
    pub features: Vec<Feature>,
    /// Bounding boxes of all features (every geometry kind).
    pub boxes: RTree<BoxEntry>,
    /// Point layers only: positions on the unit sphere for nearest-neighbour search.
    pub sphere: Option<RTree<SphereEntry>>,
}

impl Layer {
    /// Index a layer's features.
    ///
    /// ```
    /// use layers::{Feature, Layer, catalogue, manifest::ManifestLayer, Value};
    /// use geo::{Geometry, point};
    /// let schema = catalogue::core_layer("water_sources").unwrap();
    /// let meta = ManifestLayer { schema: schema.clone(), file: String::new(), feature_count: 1,
    ///     bbox: None, synthetic: true, sha256: String::new(), sources: vec![] };
    /// let mut props = vec![Value::Null; schema.fields.len()];
    /// props[0] = "W1".into();
    /// let layer = Layer::new(meta, vec![Feature::new(Geometry::Point(point!(x: 101.5, y: 25.0)), props)]);
    /// assert_eq!(layer.ids_in_bbox([101.0, 24.0, 102.0, 26.0]).count(), 1);
    /// ```
    pub fn new(meta: ManifestLayer, features: Vec<Feature>) -> Self {
        let boxes = RTree::bulk_load(
            features
                .iter()
                .enumerate()
                .filter_map(|(i, f)| {
                    let r = f.geometry.bounding_rect()?;
                    Some(GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        i as u32,
                    ))
                })
                .collect(),
        );
        let sphere = (meta.schema.geometry == GeometryKind::Point).then(|| {
            RTree::bulk_load(
                features
                    .iter()
                    .enumerate()
                    .filter_map(|(i, f)| match &f.geometry {
                        Geometry::Point(p) => Some(GeomWithData::new(unit_vector(*p), i as u32)),
                        _ => None,
                    })
                    .collect(),
            )
        });
        Layer {
            meta,
            features,
            boxes,
            sphere,
        }
    }

    pub fn id(&self) -> &str {
        &self.meta.schema.id
    }

    pub fn schema(&self) -> &LayerSchema {
        &self.meta.schema
    }

    pub fn feature(&self, fid: u32) -> Option<&Feature> {
        self.features.get(fid as usize)
    }

    /// Fids whose bounding box meets `[min_lon, min_lat, max_lon, max_lat]`.
    /// A candidate filter: callers needing exact answers test the geometry.
    pub fn ids_in_bbox(&self, bbox: [f64; 4]) -> impl Iterator<Item = u32> + '_ {
        let env = AABB::from_corners([bbox[0], bbox[1]], [bbox[2], bbox[3]]);
        self.boxes
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data)
    }

    /// Fids of features whose geometry exactly intersects `rect`.
    pub fn ids_intersecting_rect(&self, rect: Rect<f64>) -> impl Iterator<Item = u32> + '_ {
        let bbox = [rect.min().x, rect.min().y, rect.max().x, rect.max().y];
        self.ids_in_bbox(bbox)
            .filter(move |&i| self.features[i as usize].geometry.intersects(&rect))
    }

    /// Fids of features whose geometry contains or touches `p` (exact test).
    pub fn ids_at_point(&self, p: Point<f64>) -> impl Iterator<Item = u32> + '_ {
        self.boxes
            .locate_all_at_point(&[p.x(), p.y()])
            .map(|e| e.data)
            .filter(move |&i| self.features[i as usize].geometry.intersects(&p))
    }
}

/// A whole dataset in memory.
#[derive(Debug)]
pub struct Store {
    pub manifest: Manifest,
    layers: Vec<Layer>,
    by_id: HashMap<String, usize>,
    /// Wall time to read and index the dataset.
    pub load_time: Duration,
}

impl Store {
    /// Build a store from layers already in memory (tests, generators).
    pub fn from_layers(manifest: Manifest, layers: Vec<Layer>) -> Self {
        let by_id = layers
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id().to_string(), i))
            .collect();
        Store {
            manifest,
            layers,
            by_id,
            load_time: Duration::ZERO,
        }
    }

    /// Read the prepared dataset at `dir` and index every layer.
    pub fn open(dir: &Path) -> Result<Self, DatasetError> {
        let started = Instant::now();
        let (manifest, features) = read_dataset(dir)?;
        let layers = manifest
            .layers
            .iter()
            .cloned()
            .zip(features)
            .map(|(meta, features)| Layer::new(meta, features))
            .collect();
        let mut store = Store::from_layers(manifest, layers);
        store.load_time = started.elapsed();
        Ok(store)
    }

    pub fn version(&self) -> &str {
        &self.manifest.dataset_version
    }

    pub fn layer(&self, id: &str) -> Option<&Layer> {
        self.by_id.get(id).map(|&i| &self.layers[i])
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }
}
