//! What every handler reads: the loaded dataset (swapped atomically on reload), the
//! configuration and the key ring.

use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;
use layers::Store;
use layers::query::Derived;
use layers::tiles::{TileOptions, TileSet};
use serde::Serialize;

use crate::auth::{Caller, KeyRing};
use crate::config::ServerConfig;
use crate::error::{ApiError, ApiResult};
use crate::low_zoom::LowZoomTiles;
use crate::styles::Styles;
use crate::tile_cache::TileCache;
use crate::wall::WallState;

/// A dataset loaded and ready to serve, with everything derived from it at load time.
/// A request holds one `Arc<Loaded>` from start to end, so it finishes on the version it
/// started with even if a reload swaps in another.
#[derive(Debug)]
pub struct Loaded {
    pub store: Store,
    /// Indexes the queries need, built once per dataset (admin and grid hierarchies,
    /// prepared polygons, grid hazard exposure, shelters by id).
    pub derived: Derived,
    /// Projected, simplified and clustered geometry for tiles.
    pub tiles: TileSet,
    /// The dataset version hashed once, for tile cache keys and ETags.
    pub version_hash: u64,
    /// The public composite's low zooms, built with the dataset.
    pub low_zoom: LowZoomTiles,
}

impl Loaded {
    /// Derive everything the handlers need from a freshly opened store; `public` is the
    /// caller whose composite gets its low zooms built now.
    pub fn new(store: Store, public: &Caller) -> Self {
        let derived = Derived::new(&store);
        let tiles = TileSet::build(&store, TileOptions::default());
        tracing::info!(ms = tiles.build_time.as_millis() as u64, "tiles prepared");
        let version_hash = crate::tiles::version_hash(store.version());
        let started = std::time::Instant::now();
        let low_zoom = LowZoomTiles::build(&store, &tiles, version_hash, public);
        tracing::info!(
            tiles = low_zoom.len(),
            ms = started.elapsed().as_millis() as u64,
            "low-zoom composite tiles built"
        );
        Loaded {
            version_hash,
            low_zoom,
            store,
            derived,
            tiles,
        }
    }

    pub fn version(&self) -> &str {
        self.store.version()
    }
}

/// The outcome of the last load or reload attempt, shown on /health.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadStatus {
    /// RFC 3339 time of the attempt.
    pub at: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Wall time of the attempt, including deriving tile and query structures.
    pub duration_ms: u64,
}

/// The server's state. Cloning it costs one reference count: axum clones the state for
/// every stateful middleware of every request.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What an [`AppState`] shares.
pub struct Shared {
    pub current: ArcSwapOption<Loaded>,
    pub config: ServerConfig,
    pub keys: KeyRing,
    /// Serialises reloads; holds the last attempt's outcome.
    pub last_load: tokio::sync::Mutex<Option<LoadStatus>>,
    /// A copy of the last outcome readable without awaiting (for /health).
    pub last_load_seen: Mutex<Option<LoadStatus>>,
    /// The analysis published to the wall screen, if any.
    pub wall: WallState,
    pub tile_cache: TileCache,
    pub styles: Styles,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(config: ServerConfig) -> Self {
        let styles = Styles::load(&config.tiles.styles_dir);
        Self::with_styles(config, styles)
    }

    /// A state serving the given styles instead of those in `tiles.styles_dir`.
    pub fn with_styles(config: ServerConfig, styles: Styles) -> Self {
        let keys = KeyRing::new(&config);
        AppState(Arc::new(Shared {
            current: ArcSwapOption::empty(),
            tile_cache: TileCache::new(config.tiles.cache_bytes),
            styles,
            config,
            keys,
            last_load: tokio::sync::Mutex::new(None),
            last_load_seen: Mutex::new(None),
            wall: WallState::default(),
        }))
    }

    /// A state serving `store` with the default configuration (tests, embedding).
    pub fn with_store(config: ServerConfig, store: Store) -> Self {
        let state = AppState::new(config);
        let public = state.keys.caller(None).unwrap_or_else(Caller::public);
        state.install(Loaded::new(store, &public));
        state
    }

    /// The dataset being served, or 503 while none is loaded.
    pub fn loaded(&self) -> ApiResult<Arc<Loaded>> {
        self.current
            .load_full()
            .ok_or_else(|| ApiError::unavailable("no dataset is loaded yet"))
    }

    /// Swap in a new dataset. Cached tiles are keyed by dataset version, so the old
    /// ones can no longer be hit; clearing frees their memory at once.
    pub fn install(&self, loaded: Loaded) {
        self.current.store(Some(Arc::new(loaded)));
        self.tile_cache.clear();
    }

    pub fn last_load(&self) -> Option<LoadStatus> {
        self.last_load_seen.lock().ok().and_then(|g| g.clone())
    }
}
