//! What every handler reads: the loaded dataset (swapped atomically on reload) and the
//! server's configuration.

use std::path::PathBuf;
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use layers::Store;
use layers::tiles::{TileOptions, TileSet};

use crate::error::{ApiError, ApiResult};
use crate::styles::Styles;
use crate::tile_cache::TileCache;

/// A dataset loaded and ready to serve, with everything derived from it at load time.
/// A request holds one `Arc<Loaded>` from start to end, so it finishes on the version it
/// started with even if a reload swaps in another.
#[derive(Debug)]
pub struct Loaded {
    pub store: Store,
    /// Projected, simplified and clustered geometry for tiles.
    pub tiles: TileSet,
}

impl Loaded {
    /// Derive everything the handlers need from a freshly opened store.
    pub fn new(store: Store) -> Self {
        let tiles = TileSet::build(&store, TileOptions::default());
        tracing::info!(ms = tiles.build_time.as_millis() as u64, "tiles prepared");
        Loaded { store, tiles }
    }

    pub fn version(&self) -> &str {
        self.store.version()
    }
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub dataset: PathBuf,
    /// Tile cache bound in bytes; 0 turns the cache off.
    pub tile_cache_bytes: u64,
    /// Origins allowed by CORS (`*` for any); empty: no CORS headers.
    pub cors_origins: Vec<String>,
    /// Directory of MapLibre style files served at `/styles/{name}.json`.
    pub styles_dir: PathBuf,
    /// The server's public URL (`https://map.example.org`), for TileJSON and style
    /// URLs; when unset, taken from each request's Host header.
    pub public_url: Option<String>,
}

/// Default tile cache bound: 256 MiB.
pub const DEFAULT_TILE_CACHE_BYTES: u64 = 256 << 20;

impl ServerConfig {
    /// Defaults for everything but the dataset.
    pub fn new(dataset: PathBuf) -> Self {
        ServerConfig {
            dataset,
            tile_cache_bytes: DEFAULT_TILE_CACHE_BYTES,
            cors_origins: Vec::new(),
            styles_dir: PathBuf::from("styles"),
            public_url: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub current: Arc<ArcSwapOption<Loaded>>,
    pub config: Arc<ServerConfig>,
    pub tile_cache: Arc<TileCache>,
    pub styles: Arc<Styles>,
}

impl AppState {
    pub fn new(config: ServerConfig) -> Self {
        let styles = Styles::load(&config.styles_dir);
        AppState {
            current: Arc::new(ArcSwapOption::empty()),
            tile_cache: Arc::new(TileCache::new(config.tile_cache_bytes)),
            styles: Arc::new(styles),
            config: Arc::new(config),
        }
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
}
