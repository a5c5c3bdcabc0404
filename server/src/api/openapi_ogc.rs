//! The OGC API part of the OpenAPI document: Features (Parts 1–3) and Tiles.

use serde_json::{Map, Value as Json, json};

use super::openapi_build::{
    bbox_schema, crs_param, get, limit, offset, ogc_tile_params, ok, path, q, with_content_crs,
};

/// OGC API – Features and Tiles.
pub(super) fn ogc_paths(paths: &mut Map<String, Json>) {
    let mut add = |p: &str, v: Json| {
        paths.insert(p.to_string(), v);
    };
    add(
        "/",
        get(
            "OGC API landing page",
            vec![],
            ok("landing page", "application/json", "LandingPage"),
        ),
    );
    add(
        "/conformance",
        get(
            "OGC API conformance classes",
            vec![],
            ok("conformance", "application/json", "Conformance"),
        ),
    );
    add(
        "/collections",
        get(
            "Collections (one per layer the caller may see)",
            vec![],
            ok("collections", "application/json", "Collections"),
        ),
    );
    add(
        "/collections/{layer}",
        get(
            "One collection",
            vec![path("layer", "collection (layer) id")],
            ok("collection", "application/json", "Collection"),
        ),
    );
    add(
        "/collections/{layer}/items",
        get(
            "Features of a collection, paged; unknown query parameters are refused (400)",
            vec![
                path("layer", "collection (layer) id"),
                q(
                    "bbox",
                    bbox_schema(true),
                    false,
                    "4 numbers (or 6 with heights): min, min, max, max in bbox-crs's axis order: min_lon,min_lat,max_lon,max_lat for CRS84; lat,lon for EPSG:4326/4490; northing,easting for the Gauss-Krüger zones",
                ),
                crs_param("bbox-crs", "the CRS of bbox (default CRS84)"),
                crs_param(
                    "crs",
                    "the CRS of the coordinates returned, in its axis order (default CRS84); features then carry their bbox in it",
                ),
                limit(),
                offset(),
                q(
                    "filter",
                    json!({"type": "string", "minLength": 1}),
                    false,
                    "a CQL2 filter (OGC API – Features Part 3) in filter-lang: comparisons, LIKE, IN, BETWEEN, IS NULL, AND/OR/NOT, S_INTERSECTS(geometry, WKT or BBOX); properties from the collection's queryables",
                ),
                q(
                    "filter-lang",
                    json!({"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"}),
                    false,
                    "the encoding of filter",
                ),
                crs_param(
                    "filter-crs",
                    "the CRS of the filter's geometry literals (default CRS84)",
                ),
                q(
                    "sortby",
                    json!({"type": "string", "pattern": "^[+-]?[A-Za-z_][A-Za-z0-9_]*(,[+-]?[A-Za-z_][A-Za-z0-9_]*)*$"}),
                    false,
                    "comma-separated queryables, each with + (ascending, the default) or - (descending); missing values last",
                ),
                q(
                    "properties",
                    json!({"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*(,[A-Za-z_][A-Za-z0-9_]*)*$"}),
                    false,
                    "comma-separated queryables to return (default: every field the caller may read)",
                ),
            ],
            with_content_crs(ok(
                "GeoJSON FeatureCollection with numberMatched, numberReturned and next/prev links",
                "application/geo+json",
                "FeatureCollection",
            )),
        ),
    );
    add(
        "/collections/{layer}/queryables",
        get(
            "The properties a caller may filter, sort and select on, as JSON Schema (Part 3); any of them is also a name=value parameter of items",
            vec![path("layer", "collection (layer) id")],
            ok("JSON Schema", "application/schema+json", "Queryables"),
        ),
    );
    add(
        "/collections/{layer}/items/{featureId}",
        get(
            "One feature (featureId = fid, its position in the layer)",
            vec![
                path("layer", "collection (layer) id"),
                path("featureId", "feature id"),
                crs_param("crs", "the CRS of the coordinates returned (default CRS84)"),
            ],
            with_content_crs(ok("GeoJSON Feature", "application/geo+json", "Feature")),
        ),
    );
    add(
        "/collections/{layer}/tiles/WebMercatorQuad/{z}/{row}/{col}",
        get(
            "OGC API – Tiles: a vector tile of one layer",
            [
                vec![path("layer", "layer id")],
                ogc_tile_params("z", "row", "col"),
            ]
            .concat(),
            json!({"200": {"description": "Mapbox Vector Tile 2.1", "content": {"application/vnd.mapbox-vector-tile": {}}}, "204": {"description": "empty tile"}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}),
        ),
    );
}

/// OGC API – Tiles: the tiling scheme and the tilesets of the dataset and collections.
pub(super) fn ogc_tiles_paths(paths: &mut Map<String, Json>) {
    let meta = |d: &str, schema: &str| ok(d, "application/json", schema);
    let mvt = json!({"200": {"description": "Mapbox Vector Tile 2.1", "content": {"application/vnd.mapbox-vector-tile": {}}}, "204": {"description": "empty tile"}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}});
    let f = || {
        q(
            "f",
            json!({"type": "string", "enum": ["json"]}),
            false,
            "format (JSON only)",
        )
    };
    let col = || path("layer", "collection (layer) id");
    let tms = "WebMercatorQuad";
    let ops = [
        (
            "/tileMatrixSets",
            "Tiling schemes served (WebMercatorQuad)",
            vec![f()],
            meta("tile matrix sets", "TileMatrixSets"),
        ),
        (
            "/tileMatrixSets/{tileMatrixSetId}",
            "A tiling scheme as OGC 2D TMS 2.0 JSON, zooms 0 to the max served",
            vec![path("tileMatrixSetId", tms), f()],
            meta("tile matrix set", "TileMatrixSet"),
        ),
        (
            "/tiles",
            "The dataset's vector tilesets (the composite 一张图)",
            vec![f()],
            meta("tilesets list", "TileSets"),
        ),
        (
            "/tiles/WebMercatorQuad",
            "The composite's tileset metadata",
            vec![f()],
            meta("tileset", "TileSet"),
        ),
        (
            "/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
            "A composite vector tile",
            ogc_tile_params("tileMatrix", "tileRow", "tileCol"),
            mvt,
        ),
        (
            "/collections/{layer}/tiles",
            "A collection's vector tilesets",
            vec![col(), f()],
            meta("tilesets list", "TileSets"),
        ),
        (
            "/collections/{layer}/tiles/WebMercatorQuad",
            "A collection's tileset metadata",
            vec![col(), f()],
            meta("tileset", "TileSet"),
        ),
    ];
    for (p, summary, params, responses) in ops {
        paths.insert(
            p.to_string(),
            get(&format!("OGC API – Tiles: {summary}"), params, responses),
        );
    }
}

/// One items path per collection a public caller sees, listing its queryables as
/// query parameters (simple `name=value` filters, Part 3's queryables-query-parameters).
/// Clients read filterable names from there: GDAL's OAPIF driver looks up
/// `/collections/{id}/items` and only then sends attribute filters to the server.
pub(super) fn collection_items_paths(doc: &mut Json, dataset: &layers::Dataset) {
    let access = layers::Access::public();
    let Some(template) = doc["paths"]["/collections/{layer}/items"]
        .as_object()
        .cloned()
    else {
        return;
    };
    for layer in dataset.store().layers() {
        if !access.may_see(layer.id()) {
            continue;
        }
        let schema = layer.schema();
        let mut op = Json::Object(template.clone());
        let params = op["get"]["parameters"].as_array_mut();
        let Some(params) = params else { continue };
        params.retain(|p| p["in"] != "path");
        for i in layers::query::filter::queryable_fields(schema, &access) {
            let f = &schema.fields[i];
            let ty = super::ogc_filter::json_type(f.ty);
            params.push(q(
                &f.name,
                json!({"type": ty}),
                false,
                &format!("{} / {}: features whose value equals this", f.zh, f.en),
            ));
        }
        op["get"]["summary"] = json!(format!(
            "Features of {} ({}); any queryable as name=value",
            schema.id, schema.en
        ));
        doc["paths"][format!("/collections/{}/items", schema.id)] = op;
    }
}
