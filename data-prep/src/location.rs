//! Where a source is: a file, a folder GDAL opens as one dataset (a File Geodatabase),
//! a zip archive, or a database connection string (`PG:...`). Each kind has its own
//! label (what reports and the manifest show: never a password) and its own checksum.

use std::path::{Path, PathBuf};

use layers::manifest::SourceFile;

/// What kind of thing a source is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// One file, with a Shapefile's sidecars.
    File(PathBuf),
    /// A folder GDAL opens as one dataset (`.gdb`).
    Folder(PathBuf),
    /// A zip archive, read through GDAL's `/vsizip/`.
    Zip(PathBuf),
    /// A connection string (`PG:...`, or any other GDAL `PREFIX:` form that is not a
    /// path): checksummed by content, since there is no file to hash.
    Connection,
}

/// A located source.
#[derive(Debug, Clone)]
pub struct SourceLocation {
    /// What GDAL opens.
    pub gdal: String,
    /// What is shown: relative to the config for files, redacted for connections.
    pub label: String,
    pub kind: SourceKind,
    /// Secrets in the connection string, scrubbed from every message about it.
    secrets: Vec<String>,
}

impl SourceLocation {
    /// Locate `source` as written in a config whose folder is `base`.
    pub fn locate(base: &Path, source: &str) -> SourceLocation {
        if is_connection(source) {
            return Self::by_content(source);
        }
        if let Some(inner) = source.strip_prefix("/vsizip/") {
            return Self::vsizip(base, inner);
        }
        if source.starts_with("/vsi") {
            // /vsicurl/, /vsis3/, ...: no local file to hash, so by content.
            return Self::by_content(source);
        }
        let (path, label) = resolve(base, source);
        let is_zip = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
        let (gdal, kind) = if is_zip {
            // GDAL opens `x.shp.zip` itself but not `x.zip`; `/vsizip/` opens both.
            (format!("/vsizip/{}", path.display()), SourceKind::Zip(path))
        } else if path.is_dir() {
            (path.display().to_string(), SourceKind::Folder(path))
        } else {
            (path.display().to_string(), SourceKind::File(path))
        };
        SourceLocation {
            gdal,
            label,
            kind,
            secrets: Vec::new(),
        }
    }

    /// A source with no local file (a database, `/vsicurl/`): checksummed by content,
    /// shown redacted.
    fn by_content(source: &str) -> SourceLocation {
        SourceLocation {
            gdal: source.to_string(),
            label: redact(source),
            kind: SourceKind::Connection,
            secrets: secrets(source),
        }
    }

    /// `/vsizip/archive.zip[/member]`, the archive relative to the config's folder
    /// unless absolute.
    fn vsizip(base: &Path, inner: &str) -> SourceLocation {
        let lower = inner.to_ascii_lowercase();
        let end = lower.find(".zip").map_or(inner.len(), |i| i + 4);
        let (archive, member) = inner.split_at(end);
        let (archive, label) = resolve(base, archive);
        SourceLocation {
            gdal: format!("/vsizip/{}{member}", archive.display()),
            label: format!("{label}{member}"),
            kind: SourceKind::Zip(archive),
            secrets: Vec::new(),
        }
    }

    /// The local path, for sources that are files.
    pub fn file(&self) -> Option<&Path> {
        match &self.kind {
            SourceKind::File(p) => Some(p),
            _ => None,
        }
    }

    /// `message` with every secret of the connection string replaced: GDAL's drivers
    /// may echo parts of it back in their errors.
    pub fn scrub(&self, message: &str) -> String {
        replace_secrets(&self.secrets, message)
    }

    /// SHA-256 of the source's files: the file and its sidecars, every file of a
    /// folder, or the archive. `None` for a connection, checksummed by content as it is
    /// read instead.
    pub fn checksum(&self) -> Option<Result<Vec<SourceFile>, String>> {
        let files = match &self.kind {
            SourceKind::Connection => return None,
            SourceKind::File(p) | SourceKind::Zip(p) if !p.exists() => {
                return Some(Err(format!("source file {} does not exist", p.display())));
            }
            SourceKind::File(p) => with_sidecars(p, &self.label),
            SourceKind::Zip(p) => vec![(p.clone(), self.label.clone())],
            SourceKind::Folder(p) => match folder_files(p, &self.label) {
                Ok(f) => f,
                Err(e) => return Some(Err(e)),
            },
        };
        Some(files.into_iter().map(|(p, l)| hash_file(&p, l)).collect())
    }
}

/// `path` relative to the config's folder unless absolute, and its label (relative to
/// that folder where it lies inside).
fn resolve(base: &Path, path: &str) -> (PathBuf, String) {
    let path = if Path::new(path).is_absolute() {
        PathBuf::from(path)
    } else {
        base.join(path)
    };
    let label = path
        .strip_prefix(base)
        .unwrap_or(&path)
        .display()
        .to_string();
    (path, label)
}

/// `PG:...` and other `DRIVER:` prefixes GDAL understands as connection strings. A
/// path that merely contains a colon (a Windows drive, `a:b.gpkg`) does not count.
fn is_connection(source: &str) -> bool {
    const PREFIXES: [&str; 6] = ["PG:", "MYSQL:", "OCI:", "MSSQL:", "ODBC:", "WFS:"];
    let upper = source.to_ascii_uppercase();
    PREFIXES.iter().any(|p| upper.starts_with(p))
}

/// The values of `password=` (plain or quoted) and of a URI's `user:password@`.
fn secrets(conn: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (start, _) in conn.match_indices("password=") {
        let rest = &conn[start + "password=".len()..];
        let value = match rest.chars().next() {
            Some(q @ ('\'' | '"')) => rest[1..].split(q).next().unwrap_or(""),
            _ => rest.split([' ', '"']).next().unwrap_or(""),
        };
        if !value.is_empty() {
            out.push(value.to_string());
        }
    }
    if let Some(after) = conn.split_once("://").map(|(_, a)| a)
        && let Some((userinfo, _)) = after.split_once('@')
        && let Some((_, pw)) = userinfo.split_once(':')
        && !pw.is_empty()
    {
        out.push(pw.to_string());
    }
    out
}

/// `conn` with its secrets replaced by `***`.
pub fn redact(conn: &str) -> String {
    scrub(conn, conn)
}

/// `message` with the secrets of connection string `conn` replaced by `***`.
pub fn scrub(conn: &str, message: &str) -> String {
    replace_secrets(&secrets(conn), message)
}

fn replace_secrets(secrets: &[String], message: &str) -> String {
    secrets
        .iter()
        .fold(message.to_string(), |m, s| m.replace(s.as_str(), "***"))
}

fn with_sidecars(path: &Path, label: &str) -> Vec<(PathBuf, String)> {
    let mut files = vec![(path.to_path_buf(), label.to_string())];
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"))
    {
        for ext in ["shx", "dbf", "prj", "cpg"] {
            let side = path.with_extension(ext);
            if side.is_file() {
                let side_label = Path::new(label).with_extension(ext).display().to_string();
                files.push((side, side_label));
            }
        }
    }
    files
}

/// Every file of a folder (a File Geodatabase is a flat folder), in name order so the
/// checksums list is stable.
fn folder_files(dir: &Path, label: &str) -> Result<Vec<(PathBuf, String)>, String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list source folder {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names
        .into_iter()
        .map(|n| (dir.join(&n), format!("{label}/{n}")))
        .collect())
}

fn hash_file(path: &Path, label: String) -> Result<SourceFile, String> {
    let sha256 = layers::dataset::sha256_file(path).map_err(|e| e.to_string())?;
    let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
    Ok(SourceFile {
        path: label,
        sha256,
        bytes,
        rows: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_label() {
        for (conn, label) in [
            (
                "PG:dbname=riskmap user=prep password=s3cr3t host=/tmp",
                "PG:dbname=riskmap user=prep password=*** host=/tmp",
            ),
            (
                "PG:dbname='riskmap' password='two words'",
                "PG:dbname='riskmap' password='***'",
            ),
            (
                "PG:postgresql://prep:s3cr3t@db.example/riskmap",
                "PG:postgresql://prep:***@db.example/riskmap",
            ),
            ("PG:service=riskmap", "PG:service=riskmap"),
        ] {
            let loc = SourceLocation::locate(Path::new("/cfg"), conn);
            assert_eq!(loc.kind, SourceKind::Connection);
            assert_eq!(loc.label, label);
            assert_eq!(loc.gdal, conn, "GDAL gets the string as written");
        }
        let loc = SourceLocation::locate(Path::new("/cfg"), "PG:dbname=x password=s3cr3t");
        assert_eq!(
            loc.scrub("FATAL: password s3cr3t refused"),
            "FATAL: password *** refused"
        );
    }

    #[test]
    fn files_folders_and_zips() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("census.gdb")).unwrap();
        std::fs::write(dir.path().join("census.gdb/a0000001.gdbtable"), b"x").unwrap();
        let gdb = SourceLocation::locate(dir.path(), "census.gdb");
        assert!(matches!(gdb.kind, SourceKind::Folder(_)));
        let sums = gdb.checksum().unwrap().unwrap();
        assert_eq!(sums.len(), 1);
        assert_eq!(sums[0].path, "census.gdb/a0000001.gdbtable");

        let zip = SourceLocation::locate(dir.path(), "grids.zip");
        assert!(zip.gdal.starts_with("/vsizip/"), "{}", zip.gdal);
        assert!(
            zip.checksum().unwrap().is_err(),
            "a missing zip is an error"
        );

        let shp = SourceLocation::locate(dir.path(), "a/b.shp");
        assert_eq!(shp.label, "a/b.shp");
        assert_eq!(shp.file(), Some(dir.path().join("a/b.shp").as_path()));
        let inner = SourceLocation::locate(dir.path(), "/vsizip/grids.zip/grids/grids.shp");
        assert_eq!(inner.label, "grids.zip/grids/grids.shp");
        assert_eq!(
            inner.gdal,
            format!("/vsizip/{}/grids.zip/grids/grids.shp", dir.path().display())
        );
        assert_eq!(inner.kind, SourceKind::Zip(dir.path().join("grids.zip")));
        let c = SourceLocation::locate(dir.path(), "c:data.gpkg");
        assert!(
            matches!(c.kind, SourceKind::File(_)),
            "a colon alone is no connection"
        );
    }
}
