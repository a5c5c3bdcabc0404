//! Writing the demo's `prep.toml` (format: [`crate::config`]) as a commented, worked
//! example of how a bureau's files are described.

use std::fmt::Write as _;

/// A TOML value in a config entry.
#[derive(Debug, Clone, PartialEq)]
pub enum TomlVal {
    Str(String),
    Int(i64),
    Bool(bool),
}

impl TomlVal {
    fn render(&self) -> String {
        match self {
            TomlVal::Str(s) => toml::Value::String(s.clone()).to_string(),
            TomlVal::Int(i) => i.to_string(),
            TomlVal::Bool(b) => b.to_string(),
        }
    }
}

impl From<&str> for TomlVal {
    fn from(s: &str) -> Self {
        TomlVal::Str(s.to_string())
    }
}

/// One `[[layer]]` entry.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// Comment lines written above the entry.
    pub comment: Vec<String>,
    pub id: String,
    pub source: String,
    pub source_layer: Option<String>,
    pub crs: Option<String>,
    pub encoding: Option<String>,
    pub lon_field: Option<String>,
    pub lat_field: Option<String>,
    pub filter: Option<String>,
    /// (schema field, source field), only where the names differ.
    pub fields: Vec<(String, String)>,
    /// (schema field, [(source value, schema value)]).
    pub values: Vec<(String, Vec<(String, TomlVal)>)>,
    pub constants: Vec<(String, TomlVal)>,
    pub synthetic: bool,
    pub geometry: Option<&'static str>,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub keep_fields: Option<Vec<String>>,
}

/// Dataset-level settings.
#[derive(Debug, Clone)]
pub struct Header {
    pub comment: Vec<String>,
    pub title: String,
    pub attribution: String,
    pub region_code: String,
    pub region_name: String,
    pub bounds: [f64; 4],
}

/// A TOML key: bare when it can be, quoted otherwise (Chinese source values).
fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml::Value::String(k.to_string()).to_string()
    }
}

fn string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn inline<'a>(pairs: impl Iterator<Item = (&'a str, String)>) -> String {
    let body: Vec<String> = pairs.map(|(k, v)| format!("{} = {v}", key(k))).collect();
    format!("{{ {} }}", body.join(", "))
}

pub fn render(header: &Header, entries: &[Entry]) -> String {
    let mut out = String::new();
    for line in &header.comment {
        let _ = writeln!(out, "# {line}");
    }
    let _ = writeln!(out, "title = {}", string(&header.title));
    let _ = writeln!(out, "attribution = {}", string(&header.attribution));
    let [w, s, e, n] = header.bounds;
    let _ = writeln!(out, "bounds = [{w}, {s}, {e}, {n}]");
    let _ = writeln!(
        out,
        "\n[region]\ncode = {}\nname = {}",
        string(&header.region_code),
        string(&header.region_name)
    );
    for entry in entries {
        out.push('\n');
        for line in &entry.comment {
            let _ = writeln!(out, "# {line}");
        }
        let _ = writeln!(out, "[[layer]]");
        let _ = writeln!(out, "id = {}", string(&entry.id));
        let _ = writeln!(out, "source = {}", string(&entry.source));
        let optional = [
            ("source_layer", &entry.source_layer),
            ("crs", &entry.crs),
            ("encoding", &entry.encoding),
            ("lon_field", &entry.lon_field),
            ("lat_field", &entry.lat_field),
            ("where", &entry.filter),
            ("name_zh", &entry.name_zh),
            ("name_en", &entry.name_en),
        ];
        for (k, v) in optional {
            if let Some(v) = v {
                let _ = writeln!(out, "{k} = {}", string(v));
            }
        }
        if let Some(g) = entry.geometry {
            let _ = writeln!(out, "geometry = {}", string(g));
        }
        if let Some(keep) = &entry.keep_fields {
            let list: Vec<String> = keep.iter().map(|k| string(k)).collect();
            let _ = writeln!(out, "keep_fields = [{}]", list.join(", "));
        }
        if entry.synthetic {
            let _ = writeln!(out, "synthetic = true");
        }
        if !entry.constants.is_empty() {
            let pairs = entry
                .constants
                .iter()
                .map(|(k, v)| (k.as_str(), v.render()));
            let _ = writeln!(out, "constants = {}", inline(pairs));
        }
        if !entry.fields.is_empty() {
            let pairs = entry.fields.iter().map(|(k, v)| (k.as_str(), string(v)));
            let _ = writeln!(out, "fields = {}", inline(pairs));
        }
        for (field, map) in &entry.values {
            let pairs = map.iter().map(|(k, v)| (k.as_str(), v.render()));
            let _ = writeln!(out, "values.{} = {}", key(field), inline(pairs));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PrepConfig;

    #[test]
    fn renders_a_config_the_parser_accepts() {
        let header = Header {
            comment: vec!["demo".into()],
            title: "楚雄州\"一张图\"".into(),
            attribution: "x".into(),
            region_code: "532300".into(),
            region_name: "楚雄彝族自治州".into(),
            bounds: [96.0, 20.0, 107.0, 33.0],
        };
        let entry = Entry {
            id: "hazard_zones".into(),
            source: "zones.gpkg".into(),
            source_layer: Some("dz_fxqh".into()),
            fields: vec![("grade".into(), "FXDJ".into())],
            values: vec![(
                "grade".into(),
                vec![
                    ("高".into(), TomlVal::Int(4)),
                    ("较高".into(), TomlVal::Int(3)),
                ],
            )],
            constants: vec![("hazard_type".into(), "earthquake".into())],
            synthetic: true,
            ..Default::default()
        };
        let text = render(&header, &[entry]);
        let c: PrepConfig = toml::from_str(&text).unwrap();
        c.check().unwrap();
        assert_eq!(c.title, "楚雄州\"一张图\"");
        let l = &c.layers[0];
        assert_eq!(l.values["grade"]["较高"].as_integer(), Some(3));
        assert_eq!(l.source_layer.as_deref(), Some("dz_fxqh"));
        assert!(l.synthetic);
    }
}
