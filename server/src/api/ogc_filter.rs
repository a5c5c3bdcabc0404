//! OGC API – Features Part 3 on the items endpoint: queryables per collection, simple
//! `name=value` filters, `filter` in CQL2 text or JSON with `filter-lang` and
//! `filter-crs`, plus `sortby` and `properties`. Parsing, binding and evaluation are
//! the core's (`layers::query::filter`); this reads the parameters and writes the
//! queryables document.

use axum::Json as AxumJson;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use geo::{Geometry, MapCoords};
use layers::crs::{Crs, Transformer};
use layers::query::filter::{Bound, GEOMETRY_PROPERTY, SortKey, cql2_json, cql2_text};
use layers::query::filter::{parse_sortby, queryable_fields};
use layers::query::{QueryError, QueryResult};
use layers::{Access, FieldType, GeometryKind, Layer};
use serde_json::{Map, Value as Json, json};

use super::extract::Params;
use super::ogc_params;
use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::urls::origin;

/// The Part 3 parameters of the items endpoint (beside the layer's queryable names).
pub const FILTER_PARAMS: [&str; 5] = [
    "filter",
    "filter-lang",
    "filter-crs",
    "sortby",
    "properties",
];

/// What the filter parameters ask of one layer.
pub struct FeatureQuery {
    pub filter: Option<Bound>,
    pub sort: Vec<SortKey>,
    /// Field names to return (`properties=`), `None` for every visible field.
    pub properties: Option<Vec<String>>,
}

/// The query parameters the items endpoint accepts for `layer` and `access`: the
/// fixed ones plus the names of the fields the caller may filter on.
pub fn allowed_params<'a>(fixed: &[&'a str], layer: &'a Layer, access: &Access) -> Vec<&'a str> {
    let schema = layer.schema();
    let mut out: Vec<&str> = fixed.iter().chain(FILTER_PARAMS.iter()).copied().collect();
    out.extend(queryable_fields(schema, access).map(|i| schema.fields[i].name.as_str()));
    out
}

/// Geometry literals in `filter-crs` (default CRS84) to CRS84. A box in a projected
/// CRS becomes the polygon of its corners, so its edges are not assumed straight in
/// lon/lat.
fn to_crs84(t: &Transformer, g: Geometry<f64>) -> QueryResult<Geometry<f64>> {
    if t.crs() == Crs::Crs84 {
        return Ok(g);
    }
    let g = match g {
        Geometry::Rect(r) if !t.crs().is_geographic() => Geometry::Polygon(r.to_polygon()),
        other => other,
    };
    g.try_map_coords(|c| {
        t.to_crs84(c.x, c.y)
            .map(|(x, y)| geo::coord! {x: x, y: y})
            .ok_or_else(|| {
                QueryError::bad(
                    "filter-crs",
                    format!("({}, {}) is outside the CRS's reach", c.x, c.y),
                )
            })
    })
}

/// Read the Part 3 parameters for `layer`.
pub fn feature_query(
    p: &Params,
    layer: &Layer,
    access: &Access,
    fixed: &[&str],
) -> ApiResult<FeatureQuery> {
    let schema = layer.schema();
    let mut parts = Vec::new();
    // Simple filters: every parameter that is not a fixed one names a queryable.
    for i in queryable_fields(schema, access) {
        let name = schema.fields[i].name.as_str();
        if FILTER_PARAMS.contains(&name) || fixed.contains(&name) {
            continue;
        }
        if let Some(v) = p.str(name)
            && let Some(b) = Bound::simple(schema, access, name, v)?
        {
            parts.push(b);
        }
    }
    let t = ogc_params::crs(p, "filter-crs")?.transformer();
    let to_crs84 = |g| to_crs84(&t, g);
    if let Some(text) = p.str("filter") {
        let expr = match p.str("filter-lang").unwrap_or("cql2-text") {
            "cql2-text" => cql2_text::parse_with(text, &to_crs84)?,
            "cql2-json" => cql2_json::parse_str(text, &to_crs84)?,
            other => {
                return Err(ApiError::bad(
                    "filter-lang",
                    format!("{other:?} is not offered; use cql2-text (the default) or cql2-json"),
                ));
            }
        };
        parts.push(Bound::new(&expr, schema, access)?);
    } else if p.str("filter-lang").is_some() || p.str("filter-crs").is_some() {
        let name = if p.str("filter-lang").is_some() {
            "filter-lang"
        } else {
            "filter-crs"
        };
        return Err(ApiError::bad(name, "given without a filter"));
    }
    let sort = p
        .str("sortby")
        .map(|s| parse_sortby(s, schema, access))
        .transpose()?
        .unwrap_or_default();
    let properties = p
        .str("properties")
        .map(|s| {
            s.split(',')
                .map(|n| {
                    let n = n.trim();
                    queryable_fields(schema, access)
                        .any(|i| schema.fields[i].name == n)
                        .then(|| n.to_string())
                        .ok_or_else(|| {
                            QueryError::bad(
                                "properties",
                                format!("unknown property '{n}' in collection {}", schema.id),
                            )
                        })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    Ok(FeatureQuery {
        filter: (!parts.is_empty()).then(|| Bound::all(parts)),
        sort,
        properties,
    })
}

/// Keep only the asked-for properties of an output feature.
pub fn select(properties: &mut Map<String, Json>, names: Option<&[String]>) {
    if let Some(names) = names {
        properties.retain(|k, _| names.iter().any(|n| n == k));
    }
}

/// The JSON Schema type of a field type (queryables and the OpenAPI parameters).
pub(super) fn json_type(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Int => "integer",
        FieldType::Float => "number",
        FieldType::Text => "string",
        FieldType::Bool => "boolean",
    }
}

fn geometry_format(kind: GeometryKind) -> &'static str {
    match kind {
        GeometryKind::Point => "geometry-point-or-multipoint",
        GeometryKind::Line => "geometry-linestring-or-multilinestring",
        GeometryKind::Polygon => "geometry-polygon-or-multipolygon",
    }
}

/// `GET /collections/{collectionId}/queryables`: a JSON Schema of the fields the
/// caller may filter, sort and select on (Part 3, /req/queryables).
pub async fn queryables(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &["f"])?;
    let Path(id) = id?;
    let o = origin(&state.config, &headers);
    let dataset = state.dataset()?;
    let layer = ogc_params::layer_of(&dataset, &caller, &id)?;
    let schema = layer.schema();
    let mut props = Map::new();
    props.insert(
        GEOMETRY_PROPERTY.into(),
        json!({"format": geometry_format(schema.geometry), "title": "geometry"}),
    );
    for i in queryable_fields(schema, &caller.access) {
        let f = &schema.fields[i];
        let mut p = json!({"type": json_type(f.ty), "title": format!("{} / {}", f.zh, f.en)});
        if !f.values.is_empty() {
            p["enum"] = f
                .values
                .iter()
                .map(|c| match f.ty {
                    FieldType::Int => c.value.parse::<i64>().map_or(json!(c.value), |n| json!(n)),
                    _ => json!(c.value),
                })
                .collect();
        }
        if let Some(min) = f.min {
            p["minimum"] = json!(min);
        }
        if let Some(max) = f.max {
            p["maximum"] = json!(max);
        }
        props.insert(f.name.clone(), p);
    }
    let body = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{o}/collections/{id}/queryables"),
        "type": "object",
        "title": format!("{} / {}", schema.zh, schema.en),
        "properties": props,
        "additionalProperties": false,
    });
    Ok(([(CONTENT_TYPE, "application/schema+json")], AxumJson(body)).into_response())
}
