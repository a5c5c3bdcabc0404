//! OGC API – Features, Part 1 (Core) with GeoJSON: landing page, conformance,
//! collections (one per layer the caller may see) and their items, paged with
//! `limit`/`offset` and filtered by `bbox` and `datetime` (see [`super::ogc_params`]).
//! Unknown query parameters are refused (400), as /req/core/query-param-unknown asks.
//! Every link is absolute, at the origin the client reached: clients such as GDAL's
//! OGCAPI driver and OWSLib resolve links literally.

use axum::Json as AxumJson;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use layers::query;
use layers::query::GeoFeature;
use layers::query::visible_layer;
use layers::query::{Region, matching};
use serde_json::{Value as Json, json};

use super::extract::Params;
use super::ogc_params;
use super::ogc_tiles::{self, REL_TILESETS_VECTOR, REL_TILING_SCHEMES};
use super::queries::LIMITS;
use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::urls::{origin, query_escape};

/// The OpenAPI document's media type, as OGC API – Features /req/oas30 names it.
pub const OPENAPI_MEDIA_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";

fn geojson(v: Json) -> Response {
    ([(CONTENT_TYPE, "application/geo+json")], AxumJson(v)).into_response()
}

/// `GET /`
pub async fn landing(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &["f"])?;
    let o = origin(&state.config, &headers);
    let title = state
        .dataset()
        .map_or_else(|_| "riskmap".into(), |l| l.store().manifest.title.clone());
    Ok(AxumJson(json!({
        "title": title,
        "description": "riskmap 一张图: risk census, evacuation grids, shelters, water sources and depots as OGC API – Features collections, plus the spatial query API under /api/v1.",
        "links": [
            {"href": format!("{o}/"), "rel": "self", "type": "application/json", "title": "this document"},
            {"href": format!("{o}/api/openapi.json"), "rel": "service-desc", "type": OPENAPI_MEDIA_TYPE, "title": "the API definition"},
            {"href": format!("{o}/conformance"), "rel": "conformance", "type": "application/json", "title": "conformance classes"},
            {"href": format!("{o}/collections"), "rel": "data", "type": "application/json", "title": "the collections"},
            {"href": format!("{o}/tiles"), "rel": REL_TILESETS_VECTOR, "type": "application/json", "title": "vector tilesets of the dataset (the composite 一张图)"},
            {"href": format!("{o}/tileMatrixSets"), "rel": REL_TILING_SCHEMES, "type": "application/json", "title": "tiling schemes"}
        ]
    })).into_response())
}

/// `GET /conformance`
pub async fn conformance(RawQuery(q): RawQuery) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &["f"])?;
    const FEATURES: [&str; 3] = [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    ];
    let classes: Vec<&str> = FEATURES.into_iter().chain(ogc_tiles::CONFORMANCE).collect();
    Ok(AxumJson(json!({ "conformsTo": classes })).into_response())
}

fn collection(o: &str, layer: &layers::Layer) -> Json {
    let id = layer.id();
    let s = layer.schema();
    let env = layer.boxes.root().envelope();
    let bbox = layer.meta.bbox.or_else(|| {
        (!layer.features.is_empty()).then(|| {
            [
                env.lower()[0],
                env.lower()[1],
                env.upper()[0],
                env.upper()[1],
            ]
        })
    });
    json!({
        "id": id,
        "title": format!("{} {}", s.zh, s.en),
        "description": if layer.meta.synthetic { format!("{} (synthetic demo data)", s.en) } else { s.en.clone() },
        "itemType": "feature",
        "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
        "extent": {"spatial": {"bbox": [bbox.unwrap_or([-180.0, -90.0, 180.0, 90.0])], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
        "links": [
            {"href": format!("{o}/collections/{id}"), "rel": "self", "type": "application/json"},
            {"href": format!("{o}/collections/{id}/items"), "rel": "items", "type": "application/geo+json"}
            // No tilesets-vector link here (though /collections/{id}/tiles is served):
            // GDAL 3.6's OGCAPI driver then opens the collection as tiles, fails on
            // WebMercatorQuad as TMS 2.0 JSON, and no longer reads the items at all.
        ]
    })
}

/// `GET /collections`
pub async fn collections(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &["f"])?;
    let o = origin(&state.config, &headers);
    let dataset = state.dataset()?;
    let list: Vec<Json> = dataset
        .store()
        .layers()
        .iter()
        .filter(|l| caller.may_see_layer(l.id()))
        .map(|l| collection(&o, l))
        .collect();
    let links =
        json!([{"href": format!("{o}/collections"), "rel": "self", "type": "application/json"}]);
    Ok(AxumJson(json!({"collections": list, "links": links})).into_response())
}

fn layer_of<'a>(
    dataset: &'a layers::Dataset,
    caller: &Caller,
    id: &str,
) -> ApiResult<&'a layers::Layer> {
    visible_layer(dataset.store(), &caller.access, id, "collectionId")
        .map_err(|e| ApiError::not_found(e.message).field("collectionId"))
}

/// `GET /collections/{collectionId}`
pub async fn collection_one(
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
    Ok(AxumJson(collection(&o, layer_of(&dataset, &caller, &id)?)).into_response())
}

/// `GET /collections/{collectionId}/items?bbox=&datetime=&limit=&offset=`
pub async fn items(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let p = Params::parse(q.as_deref(), &["bbox", "datetime", "limit", "offset", "f"])?;
    let Path(id) = id?;
    let page = query::page(
        ogc_params::limit(&p, LIMITS.max_page_size)?,
        p.offset()?,
        &LIMITS,
    )?;
    let boxes = ogc_params::bbox(&p)?
        .into_iter()
        .map(|b| query::bbox(b, "bbox"))
        .collect::<Result<Vec<_>, _>>()?;
    let datetime = ogc_params::datetime(&p)?;
    let o = origin(&state.config, &headers);
    let dataset = state.dataset()?;
    let layer = layer_of(&dataset, &caller, &id)?;
    let fids: Vec<u32> = if boxes.is_empty() {
        (0..layer.features.len() as u32).collect()
    } else {
        let mut fids: Vec<u32> = boxes
            .into_iter()
            .flat_map(|r| {
                matching(layer, &Region::BBox(r))
                    .into_iter()
                    .map(|(f, _)| f)
            })
            .collect();
        // Two boxes (across the antimeridian) may both hold a feature.
        fids.sort_unstable();
        fids.dedup();
        fids
    };
    let features: Vec<GeoFeature> = fids
        .iter()
        .skip(page.offset)
        .take(page.limit)
        .map(|&f| GeoFeature::new(layer, f, &caller.access))
        .collect();
    let base = |offset: usize| {
        let mut q = format!(
            "{o}/collections/{id}/items?limit={}&offset={offset}",
            page.limit
        );
        for (name, value) in [("bbox", p.str("bbox")), ("datetime", datetime)] {
            if let Some(v) = value {
                q.push_str(&format!("&{name}={}", query_escape(&v.replace(' ', ""))));
            }
        }
        q
    };
    let mut links =
        vec![json!({"href": base(page.offset), "rel": "self", "type": "application/geo+json"})];
    if page.offset + features.len() < fids.len() {
        links.push(json!({"href": base(page.offset + page.limit), "rel": "next", "type": "application/geo+json"}));
    }
    if page.offset > 0 {
        links.push(json!({"href": base(page.offset.saturating_sub(page.limit)), "rel": "prev", "type": "application/geo+json"}));
    }
    Ok(geojson(json!({
        "type": "FeatureCollection",
        "timeStamp": now_rfc3339(),
        "numberMatched": fids.len(),
        "numberReturned": features.len(),
        "features": features,
        "links": links,
    })))
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `GET /collections/{collectionId}/items/{featureId}`
pub async fn item(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ids: Result<Path<(String, String)>, PathRejection>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &["f"])?;
    let o = origin(&state.config, &headers);
    let Path((id, fid)) = ids?;
    let dataset = state.dataset()?;
    let layer = layer_of(&dataset, &caller, &id)?;
    let fid: u32 = fid
        .parse()
        .ok()
        .filter(|&f: &u32| (f as usize) < layer.features.len())
        .ok_or_else(|| {
            ApiError::not_found(format!("collection {id} has no feature {fid:?}"))
                .field("featureId")
        })?;
    let mut f =
        serde_json::to_value(GeoFeature::new(layer, fid, &caller.access)).unwrap_or_default();
    f["links"] = json!([
        {"href": format!("{o}/collections/{id}/items/{fid}"), "rel": "self", "type": "application/geo+json"},
        {"href": format!("{o}/collections/{id}"), "rel": "collection", "type": "application/json"}
    ]);
    Ok(geojson(f))
}
