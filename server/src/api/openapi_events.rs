//! The live events' part of the OpenAPI document (`POST|GET /api/v1/events`, one
//! event, its history), with the body schemas of the JSON ingest.

use riskmap_events::message::{MAX_RADIUS_KM, MAX_VERTICES};
use serde_json::{Map, Value as Json, json};

use super::events::{DEFAULT_LIMIT, MAX_LIMIT};
use super::events_grids::{MAX_BATCH, MAX_NOTE_CHARS};

fn error(description: &str) -> Json {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn feature(description: &str) -> Json {
    json!({"description": description, "content": {"application/geo+json": {"schema": {"$ref": "#/components/schemas/EventFeature"}}, "application/json": {"schema": {"$ref": "#/components/schemas/EventFeature"}}}})
}

/// What an ingest answers: whether a revision was added, and the event after it.
fn ingested(description: &str) -> Json {
    json!({"description": description, "content": {"application/json": {"schema": {"type": "object", "required": ["added", "event"], "properties": {
        "added": {"type": "boolean"}, "event": {"$ref": "#/components/schemas/EventFeature"}}}}}})
}

fn id_param() -> Json {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "description": "event id (`ev_...`)"})
}

fn lon_lat() -> Json {
    json!({"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2, "description": "[lon, lat], EPSG:4326"})
}

fn time() -> Json {
    json!({"type": "string", "format": "date-time", "description": "RFC 3339; stored in UTC"})
}

fn area() -> Json {
    json!({"type": "object", "additionalProperties": false, "properties": {
        "polygons": {"type": "array", "items": {"type": "array", "items": lon_lat(), "minItems": 4, "maxItems": MAX_VERTICES},
            "description": "closed rings (first point = last), [lon, lat]"},
        "circles": {"type": "array", "items": {"type": "object", "required": ["center", "radius_km"], "additionalProperties": false, "properties": {
            "center": lon_lat(), "radius_km": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": MAX_RADIUS_KM}}}},
        "admin_codes": {"type": "array", "items": {"type": "string", "pattern": "^([0-9]{6}|[0-9]{9}|[0-9]{12})$"},
            "description": "GB/T 2260 codes of the dataset's admin layer (unknown: 422)"},
        "description": {"type": "string"}}})
}

/// The JSON ingest body: one of four shapes, by `type`.
fn body_schema() -> Json {
    let hazards: Vec<&str> = layers::catalogue::HAZARD_TYPES
        .iter()
        .map(|h| h.0)
        .chain([riskmap_events::message::OTHER_HAZARD])
        .collect();
    json!({"oneOf": [
        {"type": "object", "title": "warning", "required": ["type", "hazard_type", "level", "area"], "additionalProperties": false, "properties": {
            "type": {"type": "string", "enum": ["warning"]},
            "event_id": {"type": "string", "description": "revise this event instead of creating one"},
            "hazard_type": {"type": "string", "enum": hazards},
            "level": {"type": "integer", "minimum": 1, "maximum": 4, "description": "1 蓝 blue, 2 黄 yellow, 3 橙 orange, 4 红 red"},
            "area": area(), "headline": {"type": "string"}, "description": {"type": "string"},
            "sent": time(), "effective": time(), "expires": time(),
            "source": {"type": "object", "required": ["identifier", "sender", "sent"], "additionalProperties": false,
                "description": "the sender's own message id: a resend with the same one adds no revision",
                "properties": {"identifier": {"type": "string"}, "sender": {"type": "string"}, "sent": time()}}}},
        {"type": "object", "title": "earthquake", "required": ["type", "report_id", "review", "magnitude", "depth_km", "origin_time", "epicenter"], "additionalProperties": false,
            "description": "a report keyed by report_id and network: the reviewed report revises the automatic one (same event); an automatic report after the reviewed one changes nothing",
            "properties": {
            "type": {"type": "string", "enum": ["earthquake"]}, "report_id": {"type": "string"},
            "network": {"type": "string", "default": "CENC"}, "review": {"type": "string", "enum": ["automatic", "reviewed"]},
            "magnitude": {"type": "number", "minimum": -2, "maximum": 10}, "depth_km": {"type": "number", "minimum": 0, "maximum": 800},
            "origin_time": time(), "epicenter": lon_lat(), "place": {"type": "string"}, "sent": time(), "expires": time()}},
        {"type": "object", "title": "fire", "required": ["type", "point"], "additionalProperties": false, "properties": {
            "type": {"type": "string", "enum": ["fire"]},
            "source_id": {"type": "string", "description": "the reporting system's fire id: later reports with it revise the event"},
            "sender": {"type": "string", "default": "FIRMS"}, "point": lon_lat(), "acquired": time(),
            "confidence": {"description": "FIRMS confidence: l/n/h (VIIRS) or 0-100 (MODIS)", "oneOf": [{"type": "string"}, {"type": "number"}]},
            "frp_mw": {"type": "number", "minimum": 0}, "satellite": {"type": "string"}, "headline": {"type": "string"}, "expires": time()}},
        {"type": "object", "title": "end", "required": ["type", "event_id", "status"], "additionalProperties": false, "properties": {
            "type": {"type": "string", "enum": ["end"]}, "event_id": {"type": "string"},
            "status": {"type": "string", "enum": ["cancelled", "closed"]}}}
    ]})
}

/// Schemas the event paths refer to, for `components.schemas`.
pub fn schemas() -> Json {
    json!({"EventFeature": {"type": "object", "required": ["type", "id", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "string"},
        "geometry": {"type": "object", "nullable": true, "description": "polygons, circles as 64-gons, admin boundaries (a GeometryCollection when several), or the epicentre / fire point"},
        "properties": {"type": "object", "required": ["id", "kind", "hazard_type", "status", "revision"], "properties": {
            "id": {"type": "string"}, "kind": {"type": "string", "enum": ["warning", "earthquake", "fire"]},
            "hazard_type": {"type": "string"}, "status": {"type": "string", "enum": ["active", "closed", "cancelled"]},
            "revision": {"type": "integer"}, "action": {"type": "string", "enum": ["created", "updated", "cancelled", "closed", "expired"]},
            "recorded_at": {"type": "string"}, "level": {"type": "integer"}, "colour": {"type": "string"},
            "updated_by": {"type": "object", "description": "role always; key_name only for callers cleared for internal detail"},
            "details": {"type": "object"}, "area": {"type": "object"}, "sent": {"type": "string"}, "effective": {"type": "string"},
            "expires": {"type": "string", "nullable": true}, "source": {"type": "object"},
            "analysis": analysis_schema()}}}},
      "GridPatch": grid_patch(false), "GridPatchItem": grid_patch(true)})
}

fn analysis_schema() -> Json {
    json!({"type": "object", "description": "only in GET /api/v1/events/{id}: the analysis of the current revision computed for the caller's clearance (public callers: computed with public access)",
                "required": ["status", "revision"], "properties": {
                "status": {"type": "string", "enum": ["pending", "done", "failed"]}, "revision": {"type": "integer"},
                "dataset_version": {"type": "string"}, "computed_at": {"type": "string"}, "error": {"type": "string"},
                "summary": {"type": "object", "description": "warning: transfer figures and grids_to_move; earthquake: intensity zones; fire: nearest water sources and depots"}}})
}

/// A 叫应 / feedback change; in a batch it names its grid.
fn grid_patch(with_code: bool) -> Json {
    let mut props = json!({
        "called": {"description": "叫: the call was made (true: now; or its RFC 3339 time); records the key that called", "oneOf": [{"type": "boolean", "enum": [true]}, time()]},
        "answered": {"description": "应: the call was answered (true: now; or its time)", "oneOf": [{"type": "boolean", "enum": [true]}, time()]},
        "persons_moved": {"type": "integer", "minimum": 0, "maximum": 10_000_000_i64, "description": "实报: persons reported moved; a later report replaces it"},
        "note": {"type": "string", "nullable": true, "maxLength": MAX_NOTE_CHARS, "description": "null clears it; shown to personal-cleared callers only"}});
    let mut schema = json!({"type": "object", "additionalProperties": false, "minProperties": 1});
    if with_code {
        props["grid_code"] = json!({"type": "string"});
        schema["required"] = json!(["grid_code"]);
        schema["minProperties"] = json!(2);
    }
    schema["properties"] = props;
    schema
}

fn grid_errors() -> Json {
    json!({"400": {"$ref": "#/components/responses/BadRequest"}, "401": error("no key"),
        "403": error("the key's role may not write (analysts read only)"), "404": error("no such event"),
        "409": error("not a warning, or its analysis is pending or failed"),
        "413": {"$ref": "#/components/responses/TooLarge"}, "415": error("the body is not JSON (Content-Type)"),
        "422": error("a grid the warning's analysis moves no persons from; `field` names it"),
        "503": error("the events store is not open or failed; nothing was stored")})
}

fn grid_response(description: &str, schema: &str) -> Json {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

fn grid_paths(paths: &mut Map<String, Json>) {
    let mut one = grid_errors();
    one["200"] = grid_response("the grid's state after the change", "GridWritten");
    paths.insert("/api/v1/events/{id}/grids/{grid_code}".into(), json!({
        "patch": {"summary": "叫应 and 实报反馈 for one grid of a warning (roles system and admin). Only grids the warning's current analysis moves persons from. Acknowledged after commit.",
            "parameters": [id_param(), {"name": "grid_code", "in": "path", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GridPatch"}}}},
            "responses": one}}));
    let mut batch = grid_errors();
    batch["200"] = grid_response("the grids' states after the change", "GridsWritten");
    paths.insert("/api/v1/events/{id}/grids".into(), json!({
        "patch": {"summary": "Several grids' 叫应 / feedback at once, all or none (one transaction)",
            "parameters": [id_param()],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH,
                "items": {"$ref": "#/components/schemas/GridPatchItem"}}}}},
            "responses": batch}}));
    paths.insert("/api/v1/events/{id}/progress".into(), json!({
        "get": {"summary": "叫应 progress of a warning per event, county and township: grids called / answered / silent, persons to move / moved / remaining, the age of the oldest unanswered call. Responsible persons, phones, notes and callers for personal-cleared callers only.",
            "parameters": [id_param()],
            "responses": {"200": grid_response("totals, counties (with townships) and grids, with the revision and dataset version the grid list comes from", "Progress"),
                "404": {"$ref": "#/components/responses/NotFound"}, "409": error("not a warning, or its analysis is pending or failed"),
                "503": error("the events store is not open")}}}));
    paths.insert("/api/v1/events/stream".into(), json!({
        "get": {"summary": "Server-Sent Events: one message per change after it commits (event `revision`, `analysis`, `grids`; `lagged` when a slow reader missed some). JSON data with the event id and revision or progress totals; no personal data, the same for every caller.",
            "responses": {"200": {"description": "an event stream", "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                "503": error("the events store is not open")}}}));
}

pub fn paths(paths: &mut Map<String, Json>) {
    grid_paths(paths);
    paths.insert("/api/v1/events".into(), json!({
        "get": {"summary": "Live events (warnings, earthquakes, fires) as a GeoJSON FeatureCollection, latest change first",
            "parameters": [
                {"name": "status", "in": "query", "required": false, "schema": {"type": "string", "enum": ["active", "closed", "cancelled"]}},
                {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}}],
            "responses": {
                "200": {"description": "FeatureCollection of EventFeature", "content": {"application/geo+json": {"schema": {"$ref": "#/components/schemas/EventCollection"}}, "application/json": {"schema": {"$ref": "#/components/schemas/EventCollection"}}}},
                "400": {"$ref": "#/components/responses/BadRequest"}, "503": error("the events store is not open")}},
        "post": {"summary": "Ingest an event: JSON (below) or a CAP 1.2 alert (application/cap+xml or application/xml: polygon lat,lon pairs, circle, GB/T 2260 geocodes; Update/Cancel by references). Roles system and admin only. A resend (same identifier, sender, sent) answers 200 with the event and adds no revision; a refused message stores nothing.",
            "requestBody": {"required": true, "content": {
                "application/json": {"schema": body_schema()},
                "application/cap+xml": {"schema": {"type": "string", "description": "a CAP 1.2 <alert> (urn:oasis:names:tc:emergency:cap:1.2); status Actual; msgType Alert, Update or Cancel"}},
                "application/xml": {"schema": {"type": "string"}}}},
            "responses": {
                "201": ingested("a new revision was recorded (Location: the event)"),
                "200": ingested("a resend: the event as it is, no revision added"),
                "400": error("malformed message; `field` names the element or member (e.g. info[0].area[1].polygon)"),
                "401": error("no key"), "403": error("the key's role may not post events"),
                "404": error("event_id names no event"), "409": error("the event is cancelled or closed, or of another kind"),
                "413": {"$ref": "#/components/responses/TooLarge"}, "415": error("neither JSON nor CAP XML"),
                "422": error("an unknown admin code or a reference to a message never ingested"),
                "503": error("the events store is not open or failed; nothing was stored")}}
    }));
    paths.insert("/api/v1/events/{id}".into(), json!({
        "get": {"summary": "One event at its latest revision", "parameters": [id_param()],
            "responses": {"200": feature("the event"), "404": {"$ref": "#/components/responses/NotFound"}, "503": error("the events store is not open")}}
    }));
    paths.insert("/api/v1/events/{id}/history".into(), json!({
        "get": {"summary": "Every revision of an event in order: revision number, action, when, who (role; key name for cleared callers) and the whole state after it",
            "parameters": [id_param()],
            "responses": {"200": {"description": "the revisions", "content": {"application/json": {"schema": {"type": "object", "required": ["id", "revisions"], "properties": {
                "id": {"type": "string"}, "revisions": {"type": "array", "items": {"type": "object", "properties": {
                    "revision": {"type": "integer"}, "action": {"type": "string"}, "recorded_at": {"type": "string"},
                    "actor": {"type": "object"}, "state": {"type": "object"}}}}}}}}},
                "404": {"$ref": "#/components/responses/NotFound"}, "503": error("the events store is not open")}}
    }));
}
