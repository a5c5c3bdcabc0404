//! `riskmap-prep export --to PG:...`: a prepared dataset written into PostgreSQL/PostGIS
//! as typed tables, so the system of record can be queried in SQL and opened in QGIS.
//!
//! Everything happens in one transaction: the layers are written into a fresh schema
//! (`<schema>__new`), which then takes the place of the previous one by renaming; the
//! grants readers had on the previous schema and its tables are carried over. A
//! failure at any point (a bad value, a dropped connection) rolls it all back and the
//! previous version stays as it was.
//!
//! The `postgres` crate (pure Rust) talks to the server rather than GDAL's PG driver:
//! the export needs DDL, comments, renames and grants in the same transaction as the
//! rows, which OGR's layer model does not give.

use std::str::FromStr;

use anyhow::{Context, Result, bail};
use gdal::vector::ToGdal;
use layers::{FieldType, Layer, Sensitivity, Store, Value};
use postgres::types::ToSql;
use postgres::{Client, NoTls, Transaction};

use crate::location::{redact, scrub};

/// Where and how to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The schema the layers live in (`riskmap`).
    pub schema: String,
    /// Personal columns (names, phones, vulnerable persons) go to tables of this schema
    /// instead, keyed by `fid`, so its grants can differ; default: beside the rest.
    pub personal_schema: Option<String>,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct ExportSummary {
    pub dataset_version: String,
    pub tables: usize,
    pub rows: u64,
}

/// The metadata table in the export's schema.
pub const METADATA_TABLE: &str = "riskmap_dataset";

/// Export the dataset at `dataset_dir` to the database of `conn` (`PG:...`).
pub fn export(
    dataset_dir: &std::path::Path,
    conn: &str,
    options: &ExportOptions,
) -> Result<ExportSummary> {
    for s in std::iter::once(&options.schema).chain(&options.personal_schema) {
        check_schema_name(s)?;
    }
    if options.personal_schema.as_ref() == Some(&options.schema) {
        bail!("--personal-schema must differ from --schema");
    }
    let store = Store::open(dataset_dir)
        .with_context(|| format!("opening dataset {}", dataset_dir.display()))?;
    let label = redact(conn);
    let scrub = |e: anyhow::Error| anyhow::anyhow!(scrub(conn, &format!("{e:#}")));
    let mut client = connect(conn)
        .map_err(scrub)
        .with_context(|| format!("connecting to {label}"))?;
    write_all(&mut client, &store, options)
        .map_err(scrub)
        .with_context(|| format!("exporting to {label}; the previous version is untouched"))
}

fn write_all(client: &mut Client, store: &Store, options: &ExportOptions) -> Result<ExportSummary> {
    let mut tx = client.transaction()?;
    let main = Schema::begin(&mut tx, &options.schema)?;
    let personal = match &options.personal_schema {
        Some(p) => Some(Schema::begin(&mut tx, p)?),
        None => None,
    };
    let mut summary = ExportSummary {
        dataset_version: store.manifest.dataset_version.clone(),
        ..ExportSummary::default()
    };
    for layer in store.layers() {
        summary.rows += write_layer(
            &mut tx,
            layer,
            &main.new,
            personal.as_ref().map(|p| p.new.as_str()),
        )
        .with_context(|| format!("layer {}", layer.id()))?;
        summary.tables += 1;
    }
    let manifest = serde_json::to_value(&store.manifest)?;
    tx.batch_execute(&format!(
        "CREATE TABLE {s}.{METADATA_TABLE} (dataset_version text NOT NULL, exported_at timestamptz NOT NULL DEFAULT now(), manifest jsonb NOT NULL);
         COMMENT ON TABLE {s}.{METADATA_TABLE} IS 'riskmap dataset exported here: its version and manifest';",
        s = ident(&main.new)
    ))?;
    tx.execute(
        &format!(
            "INSERT INTO {}.{METADATA_TABLE} (dataset_version, manifest) VALUES ($1, $2)",
            ident(&main.new)
        ),
        &[&summary.dataset_version, &manifest],
    )?;
    main.swap(&mut tx)?;
    if let Some(p) = personal {
        p.swap(&mut tx)?;
    }
    tx.commit()?;
    Ok(summary)
}

/// A schema being replaced: written as `<name>__new`, renamed into place at the end.
struct Schema {
    name: String,
    new: String,
}

impl Schema {
    fn begin(tx: &mut Transaction<'_>, name: &str) -> Result<Schema> {
        let new = format!("{name}__new");
        // A `__new` schema can only be left by someone else's committed work; ours
        // roll back. Start clean either way.
        tx.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {n} CASCADE; CREATE SCHEMA {n};",
            n = ident(&new)
        ))?;
        Ok(Schema {
            name: name.to_string(),
            new,
        })
    }

    /// Carry the previous schema's grants over, then rename into place.
    fn swap(&self, tx: &mut Transaction<'_>) -> Result<()> {
        let (name, new, old) = (
            ident(&self.name),
            ident(&self.new),
            ident(&format!("{}__old", self.name)),
        );
        let exists: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
                &[&self.name],
            )?
            .get(0);
        if exists {
            // Who may use the schema, and who may read its tables (any table: they
            // are the same layers, version after version).
            let schema_users: Vec<String> = tx
                .query(
                    "SELECT DISTINCT a.grantee::regrole::text FROM pg_namespace n, aclexplode(n.nspacl) a
                     WHERE n.nspname = $1 AND a.privilege_type = 'USAGE' AND a.grantee <> 0
                       AND a.grantee <> n.nspowner",
                    &[&self.name],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let readers: Vec<String> = tx
                .query(
                    "SELECT DISTINCT a.grantee::regrole::text FROM pg_class c
                     JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
                     WHERE n.nspname = $1 AND a.privilege_type = 'SELECT' AND a.grantee <> 0
                       AND a.grantee <> c.relowner",
                    &[&self.name],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
            for role in schema_users {
                tx.batch_execute(&format!("GRANT USAGE ON SCHEMA {new} TO {role}"))?;
            }
            for role in readers {
                tx.batch_execute(&format!(
                    "GRANT SELECT ON ALL TABLES IN SCHEMA {new} TO {role}"
                ))?;
            }
            tx.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {old} CASCADE; ALTER SCHEMA {name} RENAME TO {old};"
            ))?;
        }
        tx.batch_execute(&format!(
            "ALTER SCHEMA {new} RENAME TO {name}; DROP SCHEMA IF EXISTS {old} CASCADE;"
        ))?;
        Ok(())
    }
}

/// One layer as a table (and its personal columns as a second one); returns its rows.
fn write_layer(
    tx: &mut Transaction<'_>,
    layer: &Layer,
    schema: &str,
    personal_schema: Option<&str>,
) -> Result<u64> {
    let s = layer.schema();
    let table = format!("{}.{}", ident(schema), ident(&s.id));
    // Which fields go where: personal ones apart when asked.
    let apart = |sens: Sensitivity| personal_schema.is_some() && sens == Sensitivity::Personal;
    let main_fields: Vec<usize> = (0..s.fields.len())
        .filter(|&i| !apart(s.fields[i].sensitivity))
        .collect();
    let personal_fields: Vec<usize> = (0..s.fields.len())
        .filter(|&i| apart(s.fields[i].sensitivity))
        .collect();

    let columns = |idx: &[usize]| {
        idx.iter()
            .map(|&i| {
                let f = &s.fields[i];
                let ty = match f.ty {
                    FieldType::Int => "bigint",
                    FieldType::Float => "double precision",
                    FieldType::Text => "text",
                    FieldType::Bool => "boolean",
                };
                format!(
                    ", {} {ty}{}",
                    ident(&f.name),
                    if f.required { " NOT NULL" } else { "" }
                )
            })
            .collect::<String>()
    };
    tx.batch_execute(&format!(
        "CREATE TABLE {table} (fid integer PRIMARY KEY{}, geom geometry(Geometry, 4326) NOT NULL)",
        columns(&main_fields)
    ))?;
    let synthetic = if layer.meta.synthetic {
        " (synthetic demo data)"
    } else {
        ""
    };
    comment(
        tx,
        &format!("TABLE {table}"),
        &format!("{} / {}{synthetic}", s.zh, s.en),
    )?;
    for &i in &main_fields {
        column_comment(tx, &table, &s.fields[i])?;
    }
    comment(
        tx,
        &format!("COLUMN {table}.geom"),
        "geometry, EPSG:4326 (CGCS2000 treated as equal)",
    )?;

    let personal_table = match personal_schema {
        Some(p) if !personal_fields.is_empty() => {
            let t = format!("{}.{}", ident(p), ident(&s.id));
            tx.batch_execute(&format!(
                "CREATE TABLE {t} (fid integer PRIMARY KEY{})",
                columns(&personal_fields)
            ))?;
            comment(
                tx,
                &format!("TABLE {t}"),
                &format!("{} / {}: personal fields, by fid of {table}", s.zh, s.en),
            )?;
            for &i in &personal_fields {
                column_comment(tx, &t, &s.fields[i])?;
            }
            Some(t)
        }
        _ => None,
    };

    let insert = |t: &str, idx: &[usize], with_geom: bool| {
        let names: String = idx
            .iter()
            .map(|&i| format!(", {}", ident(&s.fields[i].name)))
            .collect();
        let params: String = (0..idx.len()).map(|k| format!(", ${}", k + 2)).collect();
        if with_geom {
            format!(
                "INSERT INTO {t} (fid{names}, geom) VALUES ($1{params}, ST_GeomFromWKB(${}, 4326))",
                idx.len() + 2
            )
        } else {
            format!("INSERT INTO {t} (fid{names}) VALUES ($1{params})")
        }
    };
    let main_insert = tx.prepare(&insert(&table, &main_fields, true))?;
    let personal_insert = match &personal_table {
        Some(t) => Some(tx.prepare(&insert(t, &personal_fields, false))?),
        None => None,
    };
    let mut rows = 0u64;
    for (fid, f) in layer.features.iter().enumerate() {
        let fid = i32::try_from(fid).context("more features than an integer fid holds")?;
        let wkb = f
            .geometry
            .to_gdal()
            .and_then(|g| g.wkb())
            .with_context(|| format!("feature {fid}: geometry"))?;
        let values = sql_values(f, &main_fields, s);
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&fid];
        params.extend(values.iter().map(AsRef::as_ref));
        params.push(&wkb);
        tx.execute(&main_insert, &params)
            .with_context(|| format!("feature {fid}"))?;
        if let Some(stmt) = &personal_insert {
            let values = sql_values(f, &personal_fields, s);
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&fid];
            params.extend(values.iter().map(AsRef::as_ref));
            tx.execute(stmt, &params)
                .with_context(|| format!("feature {fid}, personal fields"))?;
        }
        rows += 1;
    }
    tx.batch_execute(&format!(
        "CREATE INDEX ON {table} USING GIST (geom); ANALYZE {table};"
    ))?;
    Ok(rows)
}

/// The values of fields `idx` of `f`, typed as their columns are.
fn sql_values(
    f: &layers::Feature,
    idx: &[usize],
    s: &layers::LayerSchema,
) -> Vec<Box<dyn ToSql + Sync>> {
    idx.iter()
        .map(|&i| sql_value(&f.properties[i], s.fields[i].ty))
        .collect()
}

/// A value typed as its column is (a null of the column's type for `Null`).
fn sql_value(v: &Value, ty: FieldType) -> Box<dyn ToSql + Sync> {
    match (v, ty) {
        (Value::Int(i), FieldType::Int) => Box::new(*i),
        (Value::Int(i), FieldType::Float) => Box::new(*i as f64),
        (Value::Float(x), FieldType::Float) => Box::new(*x),
        (Value::Bool(b), FieldType::Bool) => Box::new(*b),
        (Value::Text(t), FieldType::Text) => Box::new(t.clone()),
        (Value::Null, FieldType::Int) => Box::new(None::<i64>),
        (Value::Null, FieldType::Float) => Box::new(None::<f64>),
        (Value::Null, FieldType::Bool) => Box::new(None::<bool>),
        // Text, and any value whose type the schema does not give (validated data has
        // none): as text, so nothing is lost.
        (other, _) => Box::new((!other.is_null()).then(|| other.canonical())),
    }
}

fn column_comment(tx: &mut Transaction<'_>, table: &str, f: &layers::FieldDef) -> Result<()> {
    let sensitivity = match f.sensitivity {
        Sensitivity::Public => "public",
        Sensitivity::Internal => "internal",
        Sensitivity::Personal => "personal",
    };
    comment(
        tx,
        &format!("COLUMN {table}.{}", ident(&f.name)),
        &format!("{} / {} [sensitivity: {sensitivity}]", f.zh, f.en),
    )
}

fn comment(tx: &mut Transaction<'_>, on: &str, text: &str) -> Result<()> {
    // COMMENT takes no bind parameters: a literal, quoted.
    tx.batch_execute(&format!("COMMENT ON {on} IS {}", literal(text)))?;
    Ok(())
}

fn connect(conn: &str) -> Result<Client> {
    let Some(rest) = conn.strip_prefix("PG:") else {
        bail!("--to must be a PostgreSQL connection string, PG:...");
    };
    let mut config = postgres::Config::from_str(rest.trim_matches('"'))
        .context("not a PostgreSQL connection string")?;
    // libpq reads these; the Rust client does not.
    if config.get_password().is_none()
        && let Ok(p) = std::env::var("PGPASSWORD")
    {
        config.password(p);
    }
    if config.get_user().is_none()
        && let Ok(u) = std::env::var("PGUSER")
    {
        config.user(&u);
    }
    Ok(config.connect(NoTls)?)
}

fn check_schema_name(s: &str) -> Result<()> {
    if s.is_empty()
        || s.len() > 50
        || !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        || s.starts_with(|c: char| c.is_ascii_digit())
    {
        bail!("schema {s:?}: lower-case ASCII letters, digits and _, at most 50");
    }
    Ok(())
}

/// An SQL identifier, quoted.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// An SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_and_checked() {
        assert_eq!(ident("名称"), "\"名称\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's"), "'it''s'");
        assert!(check_schema_name("riskmap").is_ok());
        for bad in ["", "Riskmap", "a-b", "1x", "a;drop"] {
            assert!(check_schema_name(bad).is_err(), "{bad}");
        }
    }
}
