//! OGC API – Features, Part 1 (Core) with GeoJSON: landing page, conformance,
//! collections (one per layer the caller may see) and their items, paged with
//! `limit`/`offset` and filtered by `bbox`. Unknown query parameters are refused (400),
//! as the standard's requirement /req/core/query-param-unknown asks.

use axum::Json as AxumJson;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use layers::query::geojson::GeoFeature;
use layers::query::input;
use layers::query::nearest::visible_layer;
use layers::query::within::{Region, matching};
use serde_json::{Value as Json, json};

use super::extract::Params;
use super::queries::LIMITS;
use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

fn geojson(v: Json) -> Response {
    ([(CONTENT_TYPE, "application/geo+json")], AxumJson(v)).into_response()
}

/// `GET /`
pub async fn landing(State(state): State<AppState>, RawQuery(q): RawQuery) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &["f"])?;
    let title = state
        .dataset()
        .map_or_else(|_| "riskmap".into(), |l| l.store().manifest.title.clone());
    Ok(AxumJson(json!({
        "title": title,
        "description": "riskmap 一张图: risk census, evacuation grids, shelters, water sources and depots as OGC API – Features collections, plus the spatial query API under /api/v1.",
        "links": [
            {"href": "/", "rel": "self", "type": "application/json", "title": "this document"},
            {"href": "/api/openapi.json", "rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "title": "the API definition"},
            {"href": "/conformance", "rel": "conformance", "type": "application/json", "title": "conformance classes"},
            {"href": "/collections", "rel": "data", "type": "application/json", "title": "the collections"}
        ]
    })).into_response())
}

/// `GET /conformance`
pub async fn conformance(RawQuery(q): RawQuery) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &["f"])?;
    Ok(AxumJson(json!({"conformsTo": [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
    ]}))
    .into_response())
}

fn collection(layer: &layers::Layer) -> Json {
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
            {"href": format!("/collections/{id}"), "rel": "self", "type": "application/json"},
            {"href": format!("/collections/{id}/items"), "rel": "items", "type": "application/geo+json"}
        ]
    })
}

/// `GET /collections`
pub async fn collections(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &["f"])?;
    let dataset = state.dataset()?;
    let list: Vec<Json> = dataset
        .store()
        .layers()
        .iter()
        .filter(|l| caller.may_see_layer(l.id()))
        .map(collection)
        .collect();
    Ok(AxumJson(json!({"collections": list, "links": [{"href": "/collections", "rel": "self", "type": "application/json"}]})).into_response())
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
    id: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &["f"])?;
    let Path(id) = id?;
    let dataset = state.dataset()?;
    Ok(AxumJson(collection(layer_of(&dataset, &caller, &id)?)).into_response())
}

/// `GET /collections/{collectionId}/items?bbox=&limit=&offset=`
pub async fn items(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let p = Params::parse(q.as_deref(), &["bbox", "limit", "offset", "f"])?;
    let Path(id) = id?;
    let page = input::page(
        p.count("limit", LIMITS.max_page_size)?,
        p.offset()?,
        &LIMITS,
    )?;
    let bbox = p
        .bbox("bbox")?
        .map(|b| input::bbox(b, "bbox"))
        .transpose()?;
    let dataset = state.dataset()?;
    let layer = layer_of(&dataset, &caller, &id)?;
    let fids: Vec<u32> = match bbox {
        Some(r) => matching(layer, &Region::BBox(r))
            .into_iter()
            .map(|(f, _)| f)
            .collect(),
        None => (0..layer.features.len() as u32).collect(),
    };
    let features: Vec<GeoFeature> = fids
        .iter()
        .skip(page.offset)
        .take(page.limit)
        .map(|&f| GeoFeature::new(layer, f, &caller.access))
        .collect();
    let base = |offset: usize| {
        let mut q = format!(
            "/collections/{id}/items?limit={}&offset={offset}",
            page.limit
        );
        if let Some(b) = p.str("bbox") {
            q.push_str(&format!("&bbox={}", b.replace(' ', "")));
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
        "numberMatched": fids.len(),
        "numberReturned": features.len(),
        "features": features,
        "links": links,
    })))
}

/// `GET /collections/{collectionId}/items/{featureId}`
pub async fn item(
    State(state): State<AppState>,
    caller: Caller,
    ids: Result<Path<(String, String)>, PathRejection>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &["f"])?;
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
        {"href": format!("/collections/{id}/items/{fid}"), "rel": "self", "type": "application/geo+json"},
        {"href": format!("/collections/{id}"), "rel": "collection", "type": "application/json"}
    ]);
    Ok(geojson(f))
}
