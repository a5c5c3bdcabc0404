//! Server configuration: one TOML file, overridden by environment variables and
//! command-line flags (flags > environment > file > defaults). The defaults serve the
//! demo on loopback.
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! dataset = "demo-data/chuxiong"
//! watch = true                      # reload when the dataset's manifest changes
//! state_dir = "state"               # the server's own state (the events database)
//!
//! [http]
//! cors_origins = ["https://gis.example.gov.cn"]
//! body_limit_bytes = 1048576
//! request_timeout_ms = 15000
//! concurrency_limit = 1024
//! rate_limit_per_minute = 60000     # per API key, or per client address without one
//!
//! [tiles]
//! cache_bytes = 268435456
//! styles_dir = "styles"
//! public_url = "https://gis.example.gov.cn"  # default: each request's Host
//! archives = { public = "/srv/onemap.pmtiles" }  # PMTiles served at /archives/public/...
//!
//! [log]
//! format = "json"                   # or "text"
//!
//! [events]
//! database = "postgres://riskmap:PASSWORD@db.internal/riskmap"  # default: sqlite under state_dir
//! expiry_check_seconds = 30         # how often expired events are closed
//!
//! [roles.analyst]                   # public, analyst, system, admin
//! layers = ["*"]
//! clearance = "personal"            # public < internal < personal
//!
//! [[keys]]
//! name = "dispatch-platform"
//! role = "system"
//! sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use layers::Sensitivity;
use serde::{Deserialize, Serialize};

pub use crate::access::{KeyConfig, Role, RoleConfig};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// The prepared dataset directory to serve.
    pub dataset: PathBuf,
    /// Reload by itself when the dataset's `manifest.json` changes.
    pub watch: bool,
    pub watch_interval_ms: u64,
    pub http: HttpConfig,
    pub tiles: TilesConfig,
    pub log: LogConfig,
    pub viewer: ViewerConfig,
    /// Where the server keeps state of its own (the SQLite events database).
    pub state_dir: PathBuf,
    pub events: EventsConfig,
    /// What each role may see. Missing roles get the defaults of [`RoleConfig::default_for`].
    pub roles: BTreeMap<Role, RoleConfig>,
    pub keys: Vec<KeyConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Origins allowed by CORS; `["*"]` for any, empty for none.
    pub cors_origins: Vec<String>,
    /// Largest request body accepted (413 beyond).
    pub body_limit_bytes: usize,
    /// Longest a request may take before it is answered 503.
    pub request_timeout_ms: u64,
    /// Requests served at once; further ones wait (within the timeout).
    pub concurrency_limit: usize,
    /// Requests per minute per API key (or per client address for public callers);
    /// 0 disables the limit.
    pub rate_limit_per_minute: u32,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub shutdown_grace_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TilesConfig {
    /// Memory for cached tiles, in bytes; 0 turns the cache off.
    pub cache_bytes: u64,
    /// Directory of MapLibre style files, served at `/styles/{name}.json`.
    pub styles_dir: PathBuf,
    /// This server's public URL (`https://map.example.org`) for TileJSON and style
    /// URLs; unset: taken from each request's Host header.
    pub public_url: Option<String>,
    /// PMTiles archives served as tilesets at `/archives/{name}/{z}/{x}/{y}.mvt`, by
    /// name (`riskmap-prep tiles` writes them): a public mirror needs no dataset.
    pub archives: BTreeMap<String, PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsConfig {
    /// `sqlite:///path/events.db` or `postgres://user:password@host/db` (several
    /// replicas share one PostgreSQL); unset: `events.db` in `state_dir`.
    pub database: Option<String>,
    /// Seconds between sweeps that close events whose `expires` has passed.
    pub expiry_check_seconds: u64,
}

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig {
            database: None,
            expiry_check_seconds: 30,
        }
    }
}

impl ServerConfig {
    /// The events database URL in effect.
    pub fn events_database(&self) -> String {
        self.events
            .database
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.state_dir.join("events.db").display()))
    }
}

/// `scheme://user:password@host` with the password replaced, for display.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = rest.split_once('/').map_or((rest, ""), |(a, t)| (a, t));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or("");
            let slash = if rest.contains('/') { "/" } else { "" };
            format!("{scheme}://{user}:REDACTED@{host}{slash}{tail}")
        }
        _ => url.to_string(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A tracing filter (`info`, `riskmap_server=debug,info`).
    pub level: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ViewerConfig {
    /// Tianditu key: switches on the optional Tianditu basemaps in the viewer.
    pub tianditu_key: Option<String>,
    /// Seconds the wall screen shows each county when cycling; 0 does not cycle.
    pub wall_cycle_seconds: u64,
    /// The built viewer (`web-viewer/dist`); found next to the executable when unset.
    pub assets_dir: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".parse().expect("valid address"),
            dataset: PathBuf::from("demo-data/chuxiong"),
            watch: false,
            watch_interval_ms: 2000,
            http: HttpConfig::default(),
            tiles: TilesConfig::default(),
            log: LogConfig::default(),
            viewer: ViewerConfig::default(),
            state_dir: PathBuf::from("state"),
            events: EventsConfig::default(),
            roles: BTreeMap::new(),
            keys: Vec::new(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            cors_origins: vec!["*".into()],
            body_limit_bytes: 1 << 20,
            request_timeout_ms: 15_000,
            concurrency_limit: 1024,
            rate_limit_per_minute: 0,
            shutdown_grace_ms: 30_000,
        }
    }
}

impl Default for TilesConfig {
    fn default() -> Self {
        TilesConfig {
            cache_bytes: 256 << 20,
            styles_dir: PathBuf::from("styles"),
            public_url: None,
            archives: BTreeMap::new(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

impl ServerConfig {
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        let config: ServerConfig =
            toml::from_str(&text).with_context(|| format!("config {}", path.display()))?;
        Ok(config)
    }

    /// The settings of a role, defaults filled in.
    pub fn role(&self, role: Role) -> RoleConfig {
        self.roles
            .get(&role)
            .cloned()
            .unwrap_or_else(|| RoleConfig::default_for(role))
    }

    /// Checks that need no dataset.
    pub fn validate(&self) -> Result<()> {
        if self.role(Role::Public).clearance != Sensitivity::Public {
            bail!(
                "roles.public.clearance must be \"public\": personal and internal data are never public"
            );
        }
        let mut names = std::collections::HashSet::new();
        let mut digests = std::collections::HashSet::new();
        for (i, k) in self.keys.iter().enumerate() {
            let at = format!("keys[{i}] ({})", k.name);
            if k.sha256.len() != 64 || !k.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
                bail!("{at}: sha256 must be 64 hex digits (riskmap-server --gen-key prints one)");
            }
            if k.role == Role::Public {
                bail!(
                    "{at}: a key for the public role makes no sense; callers without a key are public"
                );
            }
            if !names.insert(&k.name) {
                bail!("{at}: name given twice");
            }
            if !digests.insert(k.sha256.to_ascii_lowercase()) {
                bail!("{at}: the same key is configured twice");
            }
        }
        for name in self.tiles.archives.keys() {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
            {
                bail!("tiles.archives: {name:?} must be lower-case ASCII letters, digits, _ or -");
            }
        }
        for (role, rc) in &self.roles {
            for l in &rc.layers {
                if l != "*" && !layers::catalogue::valid_layer_id(l) {
                    bail!("roles.{}.layers: {l:?} is not a layer id", role.as_str());
                }
            }
        }
        if let Some(db) = &self.events.database
            && !["sqlite:", "postgres:", "postgresql:"]
                .iter()
                .any(|p| db.starts_with(p))
        {
            bail!("events.database must be a sqlite:// or postgres:// URL");
        }
        if self.events.expiry_check_seconds == 0 {
            bail!("events.expiry_check_seconds must be at least 1");
        }
        if self.http.concurrency_limit == 0 {
            bail!("http.concurrency_limit must be at least 1");
        }
        if self.http.request_timeout_ms == 0 {
            bail!("http.request_timeout_ms must be at least 1");
        }
        Ok(())
    }

    /// The effective configuration as TOML, for `--check-config`.
    pub fn to_toml(&self) -> String {
        let mut shown = self.clone();
        for role in [Role::Public, Role::Analyst, Role::System, Role::Admin] {
            shown
                .roles
                .entry(role)
                .or_insert_with(|| RoleConfig::default_for(role));
        }
        shown.events.database = shown.events.database.as_deref().map(redact_url);
        if shown.viewer.tianditu_key.is_some() {
            shown.viewer.tianditu_key = Some("(set)".into());
        }
        toml::to_string_pretty(&shown).unwrap_or_else(|e| format!("# cannot print: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_redacted_and_urls_checked() {
        assert_eq!(
            redact_url("postgres://riskmap:s3cr@t@db.internal:5432/riskmap?x=1"),
            "postgres://riskmap:REDACTED@db.internal:5432/riskmap?x=1"
        );
        assert_eq!(redact_url("postgres://db/riskmap"), "postgres://db/riskmap");
        assert_eq!(
            redact_url("sqlite:///srv/state/events.db"),
            "sqlite:///srv/state/events.db"
        );
        let mut c = ServerConfig::default();
        assert_eq!(c.events_database(), "sqlite://state/events.db");
        c.events.database = Some("mysql://db".into());
        assert!(c.validate().is_err());
        c.events.database = Some("postgres://u:hidden@db/r".into());
        assert!(!c.to_toml().contains("hidden"));
    }

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let c = ServerConfig::default();
        c.validate().unwrap();
        let back: ServerConfig = toml::from_str(&c.to_toml()).unwrap();
        assert_eq!(back.listen, c.listen);
        assert_eq!(back.role(Role::Analyst).clearance, Sensitivity::Personal);
    }

    #[test]
    fn rejects_dangerous_or_broken_settings() {
        let parse = |s: &str| {
            toml::from_str::<ServerConfig>(s)
                .map_err(anyhow::Error::from)
                .and_then(|c| c.validate().map(|_| c))
        };
        assert!(parse("[roles.public]\nlayers=[\"*\"]\nclearance=\"personal\"").is_err());
        assert!(parse("[[keys]]\nname=\"a\"\nrole=\"admin\"\nsha256=\"abc\"").is_err());
        let public_key = format!(
            "[[keys]]\nname=\"a\"\nrole=\"public\"\nsha256=\"{}\"",
            "a".repeat(64)
        );
        assert!(parse(&public_key).is_err());
        assert!(
            parse("lisen = \"0.0.0.0:1\"").is_err(),
            "unknown keys are errors"
        );
        assert!(parse("[roles.system]\nlayers=[\"../x\"]\nclearance=\"internal\"").is_err());
        assert!(parse("[http]\nconcurrency_limit = 0").is_err());
    }
}
