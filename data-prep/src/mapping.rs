//! Mapping source attributes onto a layer schema: which source field feeds which schema
//! field, value translation (`高` → 4), type coercion, and the checks a schema asks for
//! (required, coded values, ranges).

use anyhow::{Result, anyhow, bail};
use layers::schema::{FieldDef, FieldType, LayerSchema};
use layers::value::Value;
use std::collections::BTreeMap;

use crate::config::LayerSource;
use crate::source::{Raw, SourceField};

/// Where a schema field's value comes from.
#[derive(Debug, Clone)]
enum Feed {
    Source(usize),
    Constant(Value),
    Nothing,
}

/// A resolved mapping from one source layer onto one schema.
#[derive(Debug)]
pub struct Mapper {
    feeds: Vec<Feed>,
    /// Per schema field: source text → schema value.
    values: Vec<BTreeMap<String, Value>>,
}

/// A failed mapping of one value: the schema field and why.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

fn toml_to_value(v: &toml::Value, field: &FieldDef) -> Result<Value> {
    let raw = match v {
        toml::Value::String(s) => Raw::Text(s.clone()),
        toml::Value::Integer(i) => Raw::Int(*i),
        toml::Value::Float(f) => Raw::Float(*f),
        toml::Value::Boolean(b) => Raw::Bool(*b),
        other => bail!("{other} is not a plain value"),
    };
    let value = coerce(&raw, field.ty)?;
    check(&value, field)?;
    Ok(value)
}

impl Mapper {
    /// Resolve `entry`'s field mapping against the source's fields. Fails, naming the
    /// field, when a mapped source field does not exist or a constant or value map
    /// entry does not fit the schema.
    pub fn new(schema: &LayerSchema, entry: &LayerSource, source: &[SourceField]) -> Result<Self> {
        let find = |name: &str| {
            source.iter().position(|f| f.name == name).or_else(|| {
                source
                    .iter()
                    .position(|f| f.name.eq_ignore_ascii_case(name))
            })
        };
        let mut feeds = Vec::with_capacity(schema.fields.len());
        let mut values = Vec::with_capacity(schema.fields.len());
        for field in &schema.fields {
            let feed = if let Some(c) = entry.constants.get(&field.name) {
                Feed::Constant(
                    toml_to_value(c, field)
                        .map_err(|e| anyhow!("constants.{}: {e}", field.name))?,
                )
            } else if let Some(src) = entry.fields.get(&field.name) {
                let idx = find(src).ok_or_else(|| {
                    anyhow!(
                        "fields.{} = {src:?}: the source has no such field (it has: {})",
                        field.name,
                        source
                            .iter()
                            .map(|f| f.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
                Feed::Source(idx)
            } else if let Some(idx) = find(&field.name) {
                Feed::Source(idx)
            } else {
                Feed::Nothing
            };
            feeds.push(feed);
            let mut map = BTreeMap::new();
            if let Some(m) = entry.values.get(&field.name) {
                for (from, to) in m {
                    let v = toml_to_value(to, field)
                        .map_err(|e| anyhow!("values.{}.{from:?}: {e}", field.name))?;
                    map.insert(from.trim().to_string(), v);
                }
            }
            values.push(map);
        }
        Ok(Mapper { feeds, values })
    }

    /// Schema fields with no feed at all that the schema requires: a config error,
    /// reported once rather than once per feature.
    pub fn unfed_required<'a>(&self, schema: &'a LayerSchema) -> Vec<&'a str> {
        schema
            .fields
            .iter()
            .zip(&self.feeds)
            .filter(|(f, feed)| f.required && matches!(feed, Feed::Nothing))
            .map(|(f, _)| f.name.as_str())
            .collect()
    }

    /// Map one feature's source values to schema values. All field errors are
    /// collected so the report lists every one of them.
    pub fn map(
        &self,
        schema: &LayerSchema,
        raw: &[Option<Raw>],
    ) -> Result<Vec<Value>, Vec<FieldError>> {
        let mut out = Vec::with_capacity(schema.fields.len());
        let mut errors = Vec::new();
        for (i, field) in schema.fields.iter().enumerate() {
            let result = match &self.feeds[i] {
                Feed::Constant(v) => Ok(v.clone()),
                Feed::Nothing => Ok(Value::Null),
                Feed::Source(idx) => match &raw[*idx] {
                    None => Ok(Value::Null),
                    Some(r) => Self::map_value(r, field, &self.values[i]),
                },
            };
            match result {
                Ok(Value::Null) if field.required => {
                    errors.push(FieldError {
                        field: field.name.clone(),
                        message: "required value is missing".into(),
                    });
                    out.push(Value::Null);
                }
                Ok(v) => out.push(v),
                Err(e) => {
                    errors.push(FieldError {
                        field: field.name.clone(),
                        message: e.to_string(),
                    });
                    out.push(Value::Null);
                }
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    fn map_value(raw: &Raw, field: &FieldDef, map: &BTreeMap<String, Value>) -> Result<Value> {
        let text = raw.canonical();
        if let Some(v) = map.get(&text) {
            return Ok(v.clone());
        }
        // A coded field also accepts its own labels (`高`, `high`, `滑坡`).
        if let Some(code) = field
            .values
            .iter()
            .find(|c| c.zh == text || c.en.eq_ignore_ascii_case(&text))
        {
            return coerce(&Raw::Text(code.value.clone()), field.ty);
        }
        let value = match coerce(raw, field.ty) {
            Ok(v) => v,
            // For a coded field, "not a number" is less useful than the allowed codes.
            Err(_) if !field.values.is_empty() => return Err(unmappable(&text, field)),
            Err(e) => return Err(e),
        };
        check(&value, field)?;
        Ok(value)
    }
}

fn unmappable(text: &str, field: &FieldDef) -> anyhow::Error {
    let allowed: Vec<String> = field
        .values
        .iter()
        .map(|c| format!("{} ({})", c.value, c.zh))
        .collect();
    anyhow!(
        "value {text:?} cannot be mapped: allowed are {}; add a `values.{}` entry to map it",
        allowed.join(", "),
        field.name
    )
}

/// Convert a source value to a schema type; numbers in text and integral floats are
/// accepted, anything lossy is an error.
pub fn coerce(raw: &Raw, ty: FieldType) -> Result<Value> {
    let text = || raw.canonical();
    Ok(match (ty, raw) {
        (FieldType::Int, Raw::Int(v)) => Value::Int(*v),
        (FieldType::Int, Raw::Bool(b)) => Value::Int(*b as i64),
        (FieldType::Int, Raw::Float(f)) if f.fract() == 0.0 && f.abs() < 9e15 => {
            Value::Int(*f as i64)
        }
        (FieldType::Int, Raw::Float(f)) => bail!("{f} is not a whole number"),
        (FieldType::Int, Raw::Text(_)) => {
            let t = text();
            match t.parse::<i64>() {
                Ok(v) => Value::Int(v),
                Err(_) => match t.parse::<f64>() {
                    Ok(f) if f.fract() == 0.0 && f.abs() < 9e15 => Value::Int(f as i64),
                    _ => bail!("{t:?} is not a whole number"),
                },
            }
        }
        (FieldType::Float, Raw::Int(v)) => Value::Float(*v as f64),
        (FieldType::Float, Raw::Float(f)) if f.is_finite() => Value::Float(*f),
        (FieldType::Float, Raw::Float(f)) => bail!("{f} is not a finite number"),
        (FieldType::Float, Raw::Bool(_)) => bail!("a boolean is not a number"),
        (FieldType::Float, Raw::Text(_)) => {
            let t = text();
            match t.parse::<f64>() {
                Ok(f) if f.is_finite() => Value::Float(f),
                _ => bail!("{t:?} is not a number"),
            }
        }
        (FieldType::Text, r) => Value::Text(match r {
            Raw::Text(s) => s.trim().to_string(),
            other => other.canonical(),
        }),
        (FieldType::Bool, Raw::Bool(b)) => Value::Bool(*b),
        (FieldType::Bool, Raw::Int(0)) => Value::Bool(false),
        (FieldType::Bool, Raw::Int(1)) => Value::Bool(true),
        (FieldType::Bool, r) => {
            let t = r.canonical().to_lowercase();
            match t.as_str() {
                "true" | "t" | "yes" | "y" | "1" | "是" | "有" | "可" => Value::Bool(true),
                "false" | "f" | "no" | "n" | "0" | "否" | "无" | "不可" => Value::Bool(false),
                _ => bail!("{t:?} is not a yes/no value"),
            }
        }
    })
}

/// Check a typed value against the field's code list and range.
pub fn check(value: &Value, field: &FieldDef) -> Result<()> {
    if value.is_null() {
        return Ok(());
    }
    if !field.values.is_empty() {
        let text = value.canonical();
        if field.label(&text).is_none() {
            return Err(unmappable(&text, field));
        }
    }
    if let Some(x) = value.as_f64()
        && (field.min.is_some_and(|m| x < m) || field.max.is_some_and(|m| x > m))
    {
        bail!(
            "{x} is outside the allowed range {}..={}",
            field.min.unwrap_or(f64::NEG_INFINITY),
            field.max.unwrap_or(f64::INFINITY)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceType;
    use layers::catalogue;

    fn entry(toml_text: &str) -> LayerSource {
        toml::from_str(toml_text).unwrap()
    }

    fn src(names: &[(&str, SourceType)]) -> Vec<SourceField> {
        names
            .iter()
            .map(|(n, t)| SourceField {
                name: n.to_string(),
                ty: *t,
            })
            .collect()
    }

    #[test]
    fn maps_fields_values_labels_and_constants() {
        let schema = catalogue::core_layer("hazard_zones").unwrap();
        let e = entry(
            r#"id = "hazard_zones"
               source = "x"
               fields = { grade = "FXDJ", zone_id = "BH" }
               values.grade = { "极高" = 4 }
               constants = { hazard_type = "flood" }"#,
        );
        let fields = src(&[("BH", SourceType::Text), ("FXDJ", SourceType::Text)]);
        let m = Mapper::new(&schema, &e, &fields).unwrap();
        let row = |g: &str| {
            m.map(
                &schema,
                &[Some(Raw::Text("Z1".into())), Some(Raw::Text(g.into()))],
            )
        };
        let get = |v: &[Value], n: &str| v[schema.field_index(n).unwrap()].clone();
        let ok = row("极高").unwrap();
        assert_eq!(get(&ok, "grade"), Value::Int(4));
        assert_eq!(get(&ok, "hazard_type"), Value::Text("flood".into()));
        assert_eq!(
            get(&row("较高").unwrap(), "grade"),
            Value::Int(3),
            "zh label maps itself"
        );
        assert_eq!(get(&row("2").unwrap(), "grade"), Value::Int(2));
        let err = row("很高").unwrap_err();
        assert_eq!(err[0].field, "grade");
        assert!(
            err[0].message.contains("cannot be mapped"),
            "{}",
            err[0].message
        );
        assert_eq!(row("7").unwrap_err()[0].field, "grade");
    }

    #[test]
    fn missing_required_and_bad_types_name_the_field() {
        let schema = catalogue::core_layer("shelters").unwrap();
        let e = entry(
            r#"id = "shelters"
                         source = "x"
                         fields = { shelter_id = "BH", name = "MC", capacity = "RL", status = "ZT" }"#,
        );
        let fields = src(&[
            ("BH", SourceType::Text),
            ("MC", SourceType::Text),
            ("RL", SourceType::Text),
            ("ZT", SourceType::Text),
        ]);
        let m = Mapper::new(&schema, &e, &fields).unwrap();
        let errs = m
            .map(
                &schema,
                &[
                    Some(Raw::Text("S1".into())),
                    None,
                    Some(Raw::Text("12.5".into())),
                    Some(Raw::Text("可用".into())),
                ],
            )
            .unwrap_err();
        let named: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["name", "capacity"]);
        let bad = entry(
            r#"id = "shelters"
                           source = "x"
                           fields = { name = "NAME_NOT_THERE" }"#,
        );
        let err = Mapper::new(&schema, &bad, &fields).unwrap_err().to_string();
        assert!(
            err.contains("fields.name") && err.contains("NAME_NOT_THERE"),
            "{err}"
        );
        let bad_const = entry(
            r#"id = "shelters"
                                source = "x"
                                constants = { status = "maybe" }"#,
        );
        assert!(
            Mapper::new(&schema, &bad_const, &fields)
                .unwrap_err()
                .to_string()
                .contains("constants.status")
        );
    }

    #[test]
    fn coercion_is_lossless_or_an_error() {
        assert_eq!(
            coerce(&Raw::Float(530102.0), FieldType::Text).unwrap(),
            Value::Text("530102".into())
        );
        assert_eq!(
            coerce(&Raw::Text(" 42 ".into()), FieldType::Int).unwrap(),
            Value::Int(42)
        );
        assert!(coerce(&Raw::Float(1.5), FieldType::Int).is_err());
        assert!(coerce(&Raw::Text("abc".into()), FieldType::Float).is_err());
        assert_eq!(
            coerce(&Raw::Text("是".into()), FieldType::Bool).unwrap(),
            Value::Bool(true)
        );
        assert!(coerce(&Raw::Text("maybe".into()), FieldType::Bool).is_err());
    }
}
