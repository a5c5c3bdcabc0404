//! CQL2 JSON (OGC 21-065, `filter-lang=cql2-json`): `{"op": ..., "args": [...]}` trees
//! with `{"property": name}` operands, GeoJSON geometries and `{"bbox": [...]}`.
//! Errors name the JSON path of the fault (`filter.args[1].args[0]`).
//!
//! ```
//! use layers::query::filter::{cql2_json, Expr};
//! let v = serde_json::json!({"op": "and", "args": [
//!     {"op": "=", "args": [{"property": "level"}, "county"]},
//!     {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [101, 25, 102, 26]}]}
//! ]});
//! assert!(matches!(cql2_json::parse(&v).unwrap(), Expr::And(_)));
//! ```

use geo::{Geometry, Rect, coord};
use serde_json::Value as Json;

use super::expr::{CmpOp, Expr, Literal};
use crate::query::{QueryError, QueryResult};

/// Parse a CQL2 JSON filter; geometries are CRS84 lon/lat.
pub fn parse(v: &Json) -> QueryResult<Expr> {
    parse_with(v, &|g| Ok(g))
}

/// Parse a CQL2 JSON filter, mapping each geometry to CRS84 with `to_crs84`.
pub fn parse_with(
    v: &Json,
    to_crs84: &dyn Fn(Geometry<f64>) -> QueryResult<Geometry<f64>>,
) -> QueryResult<Expr> {
    expr(v, "filter", to_crs84)
}

/// Parse the text of a `filter` parameter as JSON, then as CQL2 JSON.
pub fn parse_str(
    text: &str,
    to_crs84: &dyn Fn(Geometry<f64>) -> QueryResult<Geometry<f64>>,
) -> QueryResult<Expr> {
    let v: Json = serde_json::from_str(text)
        .map_err(|e| QueryError::bad("filter", format!("not valid JSON: {e}")))?;
    parse_with(&v, to_crs84)
}

type ToCrs84<'a> = &'a dyn Fn(Geometry<f64>) -> QueryResult<Geometry<f64>>;

fn expr(v: &Json, at: &str, to_crs84: ToCrs84) -> QueryResult<Expr> {
    if let Some(b) = v.as_bool() {
        return Ok(Expr::Bool(b));
    }
    let obj = v
        .as_object()
        .ok_or_else(|| QueryError::bad(at, "expected an {\"op\", \"args\"} object or a boolean"))?;
    let op = obj
        .get("op")
        .and_then(Json::as_str)
        .ok_or_else(|| QueryError::bad(format!("{at}.op"), "missing \"op\""))?;
    let args = obj
        .get("args")
        .and_then(Json::as_array)
        .ok_or_else(|| QueryError::bad(format!("{at}.args"), "missing \"args\" array"))?;
    let arg_at = |i: usize| format!("{at}.args[{i}]");
    let want = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(QueryError::bad(
                format!("{at}.args"),
                format!("\"{op}\" takes {n} arguments, got {}", args.len()),
            ))
        }
    };
    let cmp = match op {
        "=" => Some(CmpOp::Eq),
        "<>" => Some(CmpOp::Ne),
        "<" => Some(CmpOp::Lt),
        "<=" => Some(CmpOp::Le),
        ">" => Some(CmpOp::Gt),
        ">=" => Some(CmpOp::Ge),
        _ => None,
    };
    if let Some(op) = cmp {
        want(2)?;
        return match (property(&args[0]), property(&args[1])) {
            (Some(p), None) => Ok(Expr::Compare {
                property: p,
                op,
                value: literal(&args[1], &arg_at(1))?,
            }),
            (None, Some(p)) => Ok(Expr::Compare {
                property: p,
                op: op.flipped(),
                value: literal(&args[0], &arg_at(0))?,
            }),
            _ => Err(QueryError::bad(
                format!("{at}.args"),
                "a comparison takes one {\"property\": ...} and one literal",
            )),
        };
    }
    match op {
        "and" | "or" => {
            if args.len() < 2 {
                return Err(QueryError::bad(
                    format!("{at}.args"),
                    format!("\"{op}\" takes at least 2 arguments"),
                ));
            }
            let terms = args
                .iter()
                .enumerate()
                .map(|(i, a)| expr(a, &arg_at(i), to_crs84))
                .collect::<QueryResult<Vec<_>>>()?;
            Ok(if op == "and" {
                Expr::And(terms)
            } else {
                Expr::Or(terms)
            })
        }
        "not" => {
            want(1)?;
            Ok(Expr::not(expr(&args[0], &arg_at(0), to_crs84)?))
        }
        "like" => {
            want(2)?;
            let pattern = args[1]
                .as_str()
                .ok_or_else(|| QueryError::bad(arg_at(1), "a LIKE pattern is a string"))?;
            Ok(Expr::Like {
                property: need_property(&args[0], &arg_at(0))?,
                pattern: pattern.to_string(),
            })
        }
        "between" => {
            want(3)?;
            let num = |i: usize| {
                args[i]
                    .as_f64()
                    .ok_or_else(|| QueryError::bad(arg_at(i), "BETWEEN takes numbers"))
            };
            Ok(Expr::Between {
                property: need_property(&args[0], &arg_at(0))?,
                low: num(1)?,
                high: num(2)?,
            })
        }
        "in" => {
            want(2)?;
            let list = args[1]
                .as_array()
                .ok_or_else(|| QueryError::bad(arg_at(1), "IN takes an array of literals"))?;
            let values = list
                .iter()
                .enumerate()
                .map(|(i, v)| literal(v, &format!("{}[{i}]", arg_at(1))))
                .collect::<QueryResult<Vec<_>>>()?;
            Ok(Expr::In {
                property: need_property(&args[0], &arg_at(0))?,
                values,
            })
        }
        "isNull" => {
            want(1)?;
            Ok(Expr::IsNull {
                property: need_property(&args[0], &arg_at(0))?,
            })
        }
        "s_intersects" => {
            want(2)?;
            let (p, g, gi) = match (property(&args[0]), property(&args[1])) {
                (Some(p), None) => (p, &args[1], 1),
                (None, Some(p)) => (p, &args[0], 0),
                _ => {
                    return Err(QueryError::bad(
                        format!("{at}.args"),
                        "S_INTERSECTS takes one {\"property\": ...} and one geometry",
                    ));
                }
            };
            let geometry = to_crs84(geometry(g, &arg_at(gi))?)
                .map_err(|e| QueryError::bad(arg_at(gi), e.message))?;
            Ok(Expr::Intersects {
                property: p,
                geometry,
            })
        }
        s if s.starts_with("s_") || s.starts_with("t_") || s.starts_with("a_") => {
            Err(QueryError::bad(
                format!("{at}.op"),
                format!("\"{s}\" is not supported; the spatial function offered is s_intersects"),
            ))
        }
        other => Err(QueryError::bad(
            format!("{at}.op"),
            format!("unknown operator \"{other}\""),
        )),
    }
}

fn property(v: &Json) -> Option<String> {
    let o = v.as_object()?;
    (o.len() == 1).then_some(())?;
    o.get("property")?.as_str().map(str::to_string)
}

fn need_property(v: &Json, at: &str) -> QueryResult<String> {
    property(v).ok_or_else(|| QueryError::bad(at, "expected {\"property\": name}"))
}

fn literal(v: &Json, at: &str) -> QueryResult<Literal> {
    match v {
        Json::Bool(b) => Ok(Literal::Bool(*b)),
        Json::Number(n) => n
            .as_f64()
            .map(Literal::Number)
            .ok_or_else(|| QueryError::bad(at, "number out of range")),
        Json::String(s) => Ok(Literal::Text(s.clone())),
        _ => Err(QueryError::bad(at, "expected a string, number or boolean")),
    }
}

fn geometry(v: &Json, at: &str) -> QueryResult<Geometry<f64>> {
    if let Some(b) = v.get("bbox") {
        let n: Vec<f64> = b
            .as_array()
            .map(|a| a.iter().filter_map(Json::as_f64).collect())
            .unwrap_or_default();
        if n.len() != 4 || b.as_array().is_some_and(|a| a.len() != 4) {
            return Err(QueryError::bad(
                format!("{at}.bbox"),
                "expected [minx, miny, maxx, maxy]",
            ));
        }
        if n[0] > n[2] || n[1] > n[3] {
            return Err(QueryError::bad(
                format!("{at}.bbox"),
                "min must not exceed max",
            ));
        }
        return Ok(Geometry::Rect(Rect::new(
            coord! {x: n[0], y: n[1]},
            coord! {x: n[2], y: n[3]},
        )));
    }
    let g: geojson::Geometry = serde_json::from_value(v.clone())
        .map_err(|e| QueryError::bad(at, format!("not a GeoJSON geometry: {e}")))?;
    Geometry::try_from(g).map_err(|e| QueryError::bad(at, format!("unusable geometry: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_operators() {
        let e = parse(&json!({"op": "or", "args": [
            {"op": "like", "args": [{"property": "name"}, "楚雄%"]},
            {"op": "not", "args": [{"op": "isNull", "args": [{"property": "code"}]}]},
            {"op": "between", "args": [{"property": "persons"}, 1, 9]},
            {"op": "in", "args": [{"property": "level"}, ["county", "township"]]},
            {"op": "<", "args": [3, {"property": "grade"}]},
            {"op": "s_intersects", "args": [{"property": "geometry"},
                {"type": "Point", "coordinates": [101.5, 25.0]}]}
        ]}))
        .unwrap();
        let Expr::Or(terms) = e else { panic!() };
        assert_eq!(terms.len(), 6);
        assert_eq!(
            terms[4],
            Expr::Compare {
                property: "grade".into(),
                op: CmpOp::Gt,
                value: Literal::Number(3.0)
            }
        );
        assert!(matches!(terms[5], Expr::Intersects { .. }));
        assert_eq!(parse(&json!(true)).unwrap(), Expr::Bool(true));
    }

    #[test]
    fn errors_name_the_path() {
        for (bad, field) in [
            (json!({"args": []}), "filter.op"),
            (json!({"op": "="}), "filter.args"),
            (
                json!({"op": "=", "args": [{"property": "a"}]}),
                "filter.args",
            ),
            (
                json!({"op": "and", "args": [true, {"op": "x", "args": []}]}),
                "filter.args[1].op",
            ),
            (
                json!({"op": "=", "args": [{"property": "a"}, [1]]}),
                "filter.args[1]",
            ),
            (
                json!({"op": "s_intersects", "args": [{"property": "g"}, {"bbox": [1, 2, 3]}]}),
                "filter.args[1].bbox",
            ),
            (
                json!({"op": "s_intersects", "args": [{"property": "g"}, {"type": "Nope"}]}),
                "filter.args[1]",
            ),
            (json!({"op": "s_within", "args": []}), "filter.op"),
            (json!(3), "filter"),
        ] {
            assert_eq!(parse(&bad).unwrap_err().field, field, "{bad}");
        }
        assert!(
            parse_str("{", &|g| Ok(g))
                .unwrap_err()
                .message
                .contains("JSON")
        );
    }
}
