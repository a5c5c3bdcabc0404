//! Reading requests into checked values, with every refusal in the API's JSON error
//! shape naming the field: query strings (unknown parameters refused), JSON bodies
//! (size, media type, syntax, unknown members) and path segments.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value as Json};

use crate::error::{ApiError, ApiResult};

/// A query string, checked against the parameters an endpoint knows.
#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parse `raw`, refusing parameters not in `allowed` and repeated ones.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> ApiResult<Params> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|e| ApiError::bad("query", format!("malformed query string: {e}")))?;
        for (i, (k, _)) in pairs.iter().enumerate() {
            if !allowed.contains(&k.as_str()) {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "unknown_parameter",
                    format!(
                        "unknown query parameter {k:?}; this endpoint takes {}",
                        allowed.join(", ")
                    ),
                )
                .field(k.clone()));
            }
            if pairs[..i].iter().any(|(k2, _)| k2 == k) {
                return Err(ApiError::bad(k.clone(), "given more than once"));
            }
        }
        Ok(Params { pairs })
    }

    /// Every parameter as given, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn required(&self, name: &str) -> ApiResult<&str> {
        self.str(name)
            .ok_or_else(|| ApiError::bad(name, "required parameter is missing"))
    }

    pub fn f64(&self, name: &str) -> ApiResult<Option<f64>> {
        self.str(name)
            .map(|v| {
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| {
                        ApiError::bad(name, format!("expected a finite number, got {v:?}"))
                    })
            })
            .transpose()
    }

    pub fn req_f64(&self, name: &str) -> ApiResult<f64> {
        self.f64(name)?
            .ok_or_else(|| ApiError::bad(name, "required parameter is missing"))
    }

    pub fn i64(&self, name: &str) -> ApiResult<Option<i64>> {
        self.str(name)
            .map(|v| {
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| ApiError::bad(name, format!("expected an integer, got {v:?}")))
            })
            .transpose()
    }

    /// A count in [1, max] (k, limit).
    pub fn count(&self, name: &str, max: usize) -> ApiResult<Option<usize>> {
        match self.i64(name)? {
            None => Ok(None),
            Some(n) if n >= 1 && n as u64 <= max as u64 => Ok(Some(n as usize)),
            Some(n) => Err(ApiError::bad(
                name,
                format!("must be in [1, {max}], got {n}"),
            )),
        }
    }

    pub fn offset(&self) -> ApiResult<Option<usize>> {
        match self.i64("offset")? {
            None => Ok(None),
            Some(n) if n >= 0 => Ok(Some(n as usize)),
            Some(n) => Err(ApiError::bad(
                "offset",
                format!("must not be negative, got {n}"),
            )),
        }
    }

    pub fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        self.str(name)
            .map(|v| match v {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(ApiError::bad(
                    name,
                    format!("expected true or false, got {v:?}"),
                )),
            })
            .transpose()
    }

    /// `min_lon,min_lat,max_lon,max_lat`.
    pub fn bbox(&self, name: &str) -> ApiResult<Option<[f64; 4]>> {
        let Some(v) = self.str(name) else {
            return Ok(None);
        };
        let nums: Vec<f64> = v
            .split(',')
            .map(|s| s.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                ApiError::bad(
                    name,
                    format!("expected four numbers min_lon,min_lat,max_lon,max_lat, got {v:?}"),
                )
            })?;
        let arr: [f64; 4] = nums.try_into().map_err(|_| {
            ApiError::bad(
                name,
                "expected exactly four numbers min_lon,min_lat,max_lon,max_lat",
            )
        })?;
        Ok(Some(arr))
    }
}

/// A JSON object body: size-limited (413), `application/json` or
/// `application/geo+json` (415), syntactically valid (400).
#[derive(Debug)]
pub struct JsonBody(pub Json);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ct = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let media = ct.split(';').next().unwrap_or("").trim().to_string();
        if media != "application/json" && media != "application/geo+json" {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("send the body as application/json or application/geo+json, not {media:?}"),
            )
            .field("Content-Type"));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            let status = e.status();
            let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "body_too_large"
            } else {
                "bad_body"
            };
            ApiError::new(status, code, e.body_text()).field("body")
        })?;
        let v: Json = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::bad("body", format!("malformed JSON: {e}")))?;
        Ok(JsonBody(v))
    }
}

/// Members of a JSON object body, checked against the ones an endpoint knows.
pub struct Members<'a> {
    obj: &'a Map<String, Json>,
}

impl<'a> Members<'a> {
    pub fn new(v: &'a Json, allowed: &[&str]) -> ApiResult<Self> {
        let obj = v
            .as_object()
            .ok_or_else(|| ApiError::bad("body", "expected a JSON object"))?;
        if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(ApiError::bad(
                k.clone(),
                format!("unknown member; the body takes {}", allowed.join(", ")),
            ));
        }
        Ok(Members { obj })
    }

    pub fn get(&self, name: &str) -> Option<&'a Json> {
        self.obj.get(name).filter(|v| !v.is_null())
    }

    pub fn required(&self, name: &str) -> ApiResult<&'a Json> {
        self.get(name)
            .ok_or_else(|| ApiError::bad(name, "required member is missing"))
    }

    pub fn f64(&self, name: &str) -> ApiResult<Option<f64>> {
        self.get(name)
            .map(|v| {
                v.as_f64()
                    .ok_or_else(|| ApiError::bad(name, format!("expected a number, got {v}")))
            })
            .transpose()
    }

    pub fn req_f64(&self, name: &str) -> ApiResult<f64> {
        self.f64(name)?
            .ok_or_else(|| ApiError::bad(name, "required member is missing"))
    }

    pub fn count(&self, name: &str, max: usize) -> ApiResult<Option<usize>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => match v.as_i64() {
                Some(n) if n >= 1 && n as u64 <= max as u64 => Ok(Some(n as usize)),
                _ => Err(ApiError::bad(
                    name,
                    format!("must be an integer in [1, {max}], got {v}"),
                )),
            },
        }
    }

    pub fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        self.get(name)
            .map(|v| {
                v.as_bool()
                    .ok_or_else(|| ApiError::bad(name, format!("expected true or false, got {v}")))
            })
            .transpose()
    }

    pub fn str(&self, name: &str) -> ApiResult<Option<&'a str>> {
        self.get(name)
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| ApiError::bad(name, format!("expected a string, got {v}")))
            })
            .transpose()
    }

    /// A position: `[lon, lat]` or a GeoJSON Point.
    pub fn point(&self, name: &str) -> ApiResult<geo::Point<f64>> {
        let v = self.required(name)?;
        let coords = match v {
            Json::Array(_) => v,
            Json::Object(o) if o.get("type").and_then(Json::as_str) == Some("Point") => o
                .get("coordinates")
                .ok_or_else(|| ApiError::bad(format!("{name}.coordinates"), "missing"))?,
            _ => {
                return Err(ApiError::bad(
                    name,
                    "expected [lon, lat] or a GeoJSON Point",
                ));
            }
        };
        let arr = coords
            .as_array()
            .filter(|a| a.len() == 2 || a.len() == 3)
            .ok_or_else(|| ApiError::bad(name, "expected [lon, lat]"))?;
        let lon = arr[0]
            .as_f64()
            .ok_or_else(|| ApiError::bad(format!("{name}[0]"), "expected a number"))?;
        let lat = arr[1]
            .as_f64()
            .ok_or_else(|| ApiError::bad(format!("{name}[1]"), "expected a number"))?;
        Ok(layers::query::lon_lat(
            lon,
            lat,
            &format!("{name}[0]"),
            &format!("{name}[1]"),
        )?)
    }
}
