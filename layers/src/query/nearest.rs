//! `nearest`: the k features of a point layer nearest a place, by geodesic distance,
//! with the filters a dispatcher needs.

use geo::Point;
use serde::Serialize;

use super::Access;
use super::derived::{boolean, field, int, text};
use super::error::{QueryError, QueryResult};
use super::geojson::GeoFeature;
use super::limits::Limits;
use super::rules::ShelterFields;
use crate::catalogue::{DEPOTS, INVENTORY_CATEGORIES, SHELTERS, WATER_SOURCES};
use crate::schema::GeometryKind;
use crate::store::{Layer, Store};

/// A condition on the candidates of a nearest search. Each applies to one layer.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// shelters: `status` is `open`.
    OpenOnly,
    /// shelters: `capacity` at least this many persons. (The census gives capacity,
    /// not occupancy: capacity is taken as free capacity.)
    MinCapacity(i64),
    /// water_sources: `type` is this code.
    WaterType(String),
    /// water_sources: `helicopter_access` is this.
    Helicopter(bool),
    /// water_sources: `vehicle_access` is this.
    Vehicle(bool),
    /// depots: `level` is this code.
    DepotLevel(String),
    /// depots: holds at least `min` of inventory category `category`.
    Holds { category: String, min: i64 },
}

impl Filter {
    /// The request parameter this filter comes from (for error messages).
    pub fn param(&self) -> &'static str {
        match self {
            Filter::OpenOnly => "open",
            Filter::MinCapacity(_) => "min_capacity",
            Filter::WaterType(_) => "type",
            Filter::Helicopter(_) => "helicopter_access",
            Filter::Vehicle(_) => "vehicle_access",
            Filter::DepotLevel(_) => "level",
            Filter::Holds { .. } => "category",
        }
    }

    fn layer(&self) -> &'static str {
        match self {
            Filter::OpenOnly | Filter::MinCapacity(_) => SHELTERS,
            Filter::WaterType(_) | Filter::Helicopter(_) | Filter::Vehicle(_) => WATER_SOURCES,
            Filter::DepotLevel(_) | Filter::Holds { .. } => DEPOTS,
        }
    }

    /// Check the filter applies to `layer` and its values are known codes.
    fn check(&self, layer: &Layer) -> QueryResult<()> {
        if self.layer() != layer.id() {
            return Err(QueryError::bad(
                self.param(),
                format!("applies to layer {}, not {}", self.layer(), layer.id()),
            ));
        }
        let coded = |name: &str, v: &str| -> QueryResult<()> {
            match layer.schema().field(name) {
                Some(f) if !f.values.is_empty() && f.label(v).is_none() => Err(QueryError::bad(
                    self.param(),
                    format!(
                        "unknown {name} {v:?}; one of {}",
                        f.values
                            .iter()
                            .map(|c| c.value.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
                _ => Ok(()),
            }
        };
        match self {
            Filter::WaterType(t) => coded("type", t),
            Filter::DepotLevel(l) => coded("level", l),
            Filter::Holds { category, min } => {
                if !INVENTORY_CATEGORIES.iter().any(|(c, _, _)| c == category) {
                    return Err(QueryError::bad(
                        "category",
                        format!(
                            "unknown category {category:?}; one of {}",
                            INVENTORY_CATEGORIES.map(|c| c.0).join(", ")
                        ),
                    ));
                }
                if *min < 1 {
                    return Err(QueryError::bad("min_quantity", "must be at least 1"));
                }
                Ok(())
            }
            Filter::MinCapacity(n) if *n < 0 => {
                Err(QueryError::bad("min_capacity", "must not be negative"))
            }
            _ => Ok(()),
        }
    }
}

/// A predicate over fids of `layer` that all `filters` accept.
pub fn predicate<'a>(layer: &'a Layer, filters: &'a [Filter]) -> impl Fn(u32) -> bool + 'a {
    let shelter = ShelterFields::of(layer);
    let capacity = field(layer, "capacity");
    let kind = field(layer, "type");
    let heli = field(layer, "helicopter_access");
    let vehicle = field(layer, "vehicle_access");
    let level = field(layer, "level");
    let holds: Vec<(Option<usize>, i64)> = filters
        .iter()
        .filter_map(|f| match f {
            Filter::Holds { category, min } => {
                Some((field(layer, &format!("inv_{category}")), *min))
            }
            _ => None,
        })
        .collect();
    move |fid| {
        filters.iter().all(|f| match f {
            Filter::OpenOnly => shelter.is_open(layer, fid),
            Filter::MinCapacity(n) => int(layer, fid, capacity).is_some_and(|c| c >= *n),
            Filter::WaterType(t) => text(layer, fid, kind) == Some(t.as_str()),
            Filter::Helicopter(b) => boolean(layer, fid, heli) == Some(*b),
            Filter::Vehicle(b) => boolean(layer, fid, vehicle) == Some(*b),
            Filter::DepotLevel(l) => text(layer, fid, level) == Some(l.as_str()),
            Filter::Holds { .. } => true,
        }) && holds
            .iter()
            .all(|(idx, min)| int(layer, fid, *idx).is_some_and(|q| q >= *min))
    }
}

/// A point layer the caller may see, or a 400 naming `field` (an invisible layer is
/// reported as unknown, not as forbidden: its existence is not disclosed).
pub fn point_layer<'a>(
    store: &'a Store,
    access: &Access,
    id: &str,
    field: &str,
) -> QueryResult<&'a Layer> {
    let layer = visible_layer(store, access, id, field)?;
    if layer.schema().geometry != GeometryKind::Point {
        return Err(QueryError::bad(
            field,
            format!(
                "layer {id} holds {}s; nearest needs a point layer",
                layer.schema().geometry.as_str()
            ),
        ));
    }
    Ok(layer)
}

/// A layer the caller may see, or a 400 naming `field`.
pub fn visible_layer<'a>(
    store: &'a Store,
    access: &Access,
    id: &str,
    field: &str,
) -> QueryResult<&'a Layer> {
    store
        .layer(id)
        .filter(|_| access.may_see(id))
        .ok_or_else(|| {
            let known: Vec<&str> = store
                .layers()
                .iter()
                .map(super::super::store::Layer::id)
                .filter(|l| access.may_see(l))
                .collect();
            QueryError::bad(
                field,
                format!("unknown layer {id:?}; one of {}", known.join(", ")),
            )
        })
}

#[derive(Debug, Clone)]
pub struct NearestRequest {
    pub layer: String,
    pub origin: Point<f64>,
    pub k: usize,
    pub max_distance_m: Option<f64>,
    pub filters: Vec<Filter>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NearestResult {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub layer: String,
    pub origin: [f64; 2],
    pub k: usize,
    pub max_distance_m: Option<f64>,
    /// Nearest first; each feature carries `distance_m` (geodesic, WGS84 ellipsoid).
    pub features: Vec<GeoFeature>,
}

/// The `k` nearest features of a point layer that pass the filters, nearest first.
pub fn nearest_features(
    store: &Store,
    access: &Access,
    req: &NearestRequest,
    limits: &Limits,
) -> QueryResult<NearestResult> {
    let layer = point_layer(store, access, &req.layer, "layer")?;
    if req.k == 0 || req.k > limits.max_k {
        return Err(QueryError::bad(
            "k",
            format!("must be in [1, {}], got {}", limits.max_k, req.k),
        ));
    }
    if let Some(d) = req.max_distance_m {
        super::input::distance_m(d, "max_distance_m", limits)?;
    }
    for f in &req.filters {
        f.check(layer)?;
    }
    let accept = predicate(layer, &req.filters);
    let found = crate::knn::nearest(layer, req.origin, req.k, req.max_distance_m, accept);
    Ok(NearestResult {
        kind: "FeatureCollection",
        layer: req.layer.clone(),
        origin: [req.origin.x(), req.origin.y()],
        k: req.k,
        max_distance_m: req.max_distance_m,
        features: found
            .iter()
            .map(|n| {
                GeoFeature::new(layer, n.fid, access)
                    .with("distance_m", (n.distance_m * 10.0).round() / 10.0)
            })
            .collect(),
    })
}
