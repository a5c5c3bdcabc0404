//! OGC API – Features, Part 1 (Core) with GeoJSON: landing page, conformance,
//! collections (one per layer the caller may see) and their items, paged with
//! `limit`/`offset` and filtered by `bbox` and `datetime` (see [`super::ogc_params`]).
//! Part 2: `crs` and `bbox-crs` name a CRS of [`layers::crs`], and every features
//! response says its CRS in `Content-Crs`.
//! Unknown query parameters are refused (400), as /req/core/query-param-unknown asks.
//! Every link is absolute, at the origin the client reached: clients such as GDAL's
//! OGCAPI driver and OWSLib resolve links literally.

use axum::Json as AxumJson;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderName};
use axum::response::{IntoResponse, Response};
use layers::crs::{Crs, Transformer};
use layers::query;
use layers::query::GeoFeature;
use layers::query::filter::sort_fids;
use layers::query::{Region, matching};
use serde_json::{Value as Json, json};

use super::extract::Params;
use super::ogc_filter;
use super::ogc_params;
use super::ogc_tiles::{self, REL_TILESETS_VECTOR, REL_TILING_SCHEMES};
use super::queries::LIMITS;
use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::urls::{origin, query_escape};

/// The OpenAPI document's media type, as OGC API – Features /req/oas30 names it.
pub const OPENAPI_MEDIA_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";

/// Features as GeoJSON, with the CRS of their coordinates in `Content-Crs`
/// (/req/crs/ogc-crs-header).
fn geojson(v: Json, crs: Crs) -> Response {
    let content_crs = format!("<{}>", crs.uri());
    (
        [
            (CONTENT_TYPE, "application/geo+json".to_string()),
            (HeaderName::from_static("content-crs"), content_crs),
        ],
        AxumJson(v),
    )
        .into_response()
}

/// A feature as GeoJSON in the CRS asked for: CRS84 as stored, any other with its
/// `bbox` in that CRS.
fn feature(layer: &layers::Layer, fid: u32, caller: &Caller, t: &Transformer) -> GeoFeature {
    match t.crs() {
        Crs::Crs84 => GeoFeature::new(layer, fid, &caller.access),
        _ => GeoFeature::new_in(layer, fid, &caller.access, t),
    }
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
    const FEATURES: [&str; 14] = [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
        "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
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
        "crs": Crs::all().map(|c| c.uri()).collect::<Vec<_>>(),
        "storageCrs": Crs::Crs84.uri(),
        "extent": {"spatial": {"bbox": [bbox.unwrap_or([-180.0, -90.0, 180.0, 90.0])], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
        "links": [
            {"href": format!("{o}/collections/{id}"), "rel": "self", "type": "application/json"},
            {"href": format!("{o}/collections/{id}/items"), "rel": "items", "type": "application/geo+json"},
            {"href": format!("{o}/collections/{id}/queryables"), "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables", "type": "application/schema+json"}
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
    Ok(AxumJson(collection(
        &o,
        ogc_params::layer_of(&dataset, &caller, &id)?,
    ))
    .into_response())
}

/// The items endpoint's own parameters (Part 1 and 2); Part 3's are added per layer.
const ITEMS_PARAMS: [&str; 7] = [
    "bbox", "bbox-crs", "crs", "datetime", "limit", "offset", "f",
];

/// `GET /collections/{collectionId}/items?bbox=&bbox-crs=&crs=&datetime=&limit=&offset=`
pub async fn items(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let Path(id) = id?;
    let dataset = state.dataset()?;
    let layer = ogc_params::layer_of(&dataset, &caller, &id)?;
    // The layer first: its queryable names are parameters too (simple filters).
    let p = Params::parse(
        q.as_deref(),
        &ogc_filter::allowed_params(&ITEMS_PARAMS, layer, &caller.access),
    )?;
    let page = query::page(
        ogc_params::limit(&p, LIMITS.max_page_size)?,
        p.offset()?,
        &LIMITS,
    )?;
    let crs = ogc_params::crs(&p, "crs")?;
    let regions = ogc_params::bbox_regions(&p, ogc_params::crs(&p, "bbox-crs")?)?;
    // Checked only: no layer has a temporal extent, so every feature matches.
    ogc_params::datetime(&p)?;
    let fq = ogc_filter::feature_query(&p, layer, &caller.access, &ITEMS_PARAMS)?;
    let o = origin(&state.config, &headers);
    let transformer = crs.transformer();
    let hint = fq
        .filter
        .as_ref()
        .and_then(layers::query::filter::Bound::required_bbox);
    let mut fids: Vec<u32> = match (regions.is_empty(), hint) {
        (true, None) => (0..layer.features.len() as u32).collect(),
        (true, Some(r)) => matching(layer, &Region::BBox(r))
            .into_iter()
            .map(|(f, _)| f)
            .collect(),
        (false, _) => {
            let mut fids: Vec<u32> = regions
                .iter()
                .flat_map(|r| matching(layer, r).into_iter().map(|(f, _)| f))
                .collect();
            // Two boxes (across the antimeridian) may both hold a feature.
            fids.sort_unstable();
            fids.dedup();
            fids
        }
    };
    if let Some(filter) = &fq.filter {
        fids.retain(|&f| layer.feature(f).is_some_and(|feat| filter.matches(feat)));
    }
    sort_fids(layer, &mut fids, &fq.sort);
    let features: Vec<GeoFeature> = fids
        .iter()
        .skip(page.offset)
        .take(page.limit)
        .map(|&f| {
            let mut g = feature(layer, f, &caller, &transformer);
            ogc_filter::select(&mut g.properties, fq.properties.as_deref());
            g
        })
        .collect();
    let base = |offset: usize| {
        let mut q = format!(
            "{o}/collections/{id}/items?limit={}&offset={offset}",
            page.limit
        );
        for (name, value) in p.pairs() {
            if name != "limit" && name != "offset" {
                q.push_str(&format!("&{name}={}", query_escape(value)));
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
    Ok(geojson(
        json!({
            "type": "FeatureCollection",
            "timeStamp": now_rfc3339(),
            "numberMatched": fids.len(),
            "numberReturned": features.len(),
            "features": features,
            "links": links,
        }),
        crs,
    ))
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `GET /collections/{collectionId}/items/{featureId}?crs=`
pub async fn item(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ids: Result<Path<(String, String)>, PathRejection>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let p = Params::parse(q.as_deref(), &["crs", "f"])?;
    let crs = ogc_params::crs(&p, "crs")?;
    let o = origin(&state.config, &headers);
    let Path((id, fid)) = ids?;
    let dataset = state.dataset()?;
    let layer = ogc_params::layer_of(&dataset, &caller, &id)?;
    let fid: u32 = fid
        .parse()
        .ok()
        .filter(|&f: &u32| (f as usize) < layer.features.len())
        .ok_or_else(|| {
            ApiError::not_found(format!("collection {id} has no feature {fid:?}"))
                .field("featureId")
        })?;
    let mut f =
        serde_json::to_value(feature(layer, fid, &caller, &crs.transformer())).unwrap_or_default();
    f["links"] = json!([
        {"href": format!("{o}/collections/{id}/items/{fid}"), "rel": "self", "type": "application/geo+json"},
        {"href": format!("{o}/collections/{id}"), "rel": "collection", "type": "application/json"}
    ]);
    Ok(geojson(f, crs))
}
