//! What every handler reads: the loaded dataset (swapped atomically on reload), the
//! configuration, the key ring, the tile cache, the events store and the live events snapshot. Depends on
//! no handler module.

use std::sync::{Arc, Mutex, OnceLock};

use arc_swap::{ArcSwap, ArcSwapOption};
use layers::tiles::TileOptions;
use layers::{Dataset, Store};
use riskmap_events::EventStore;
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::access::KeyRing;
use crate::config::ServerConfig;
use crate::error::{ApiError, ApiResult};
use crate::events_analysis_cache::AnalysisCache;
use crate::styles::Styles;
use crate::tile_archives::Archives;
use crate::tile_cache::TileCache;

/// The change messages kept for a slow SSE reader before it misses some (it is told).
pub const FEED_CAPACITY: usize = 256;

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
    /// The dataset being served. A request holds one `Arc<Dataset>` from start to end,
    /// so it finishes on the version it started with even if a reload swaps in another.
    pub current: ArcSwapOption<Dataset>,
    pub config: ServerConfig,
    pub keys: KeyRing,
    /// Serialises reloads; holds the last attempt's outcome.
    pub last_load: tokio::sync::Mutex<Option<LoadStatus>>,
    /// A copy of the last outcome readable without awaiting (for /health).
    pub last_load_seen: Mutex<Option<LoadStatus>>,
    pub tile_cache: TileCache,
    /// CPU-bound work (cold tiles, analyses) runs on the blocking pool, at most this
    /// many at once: the async workers stay free for cache hits and health checks,
    /// and a burst queues here, where the request timeout can cancel the wait.
    pub cpu_budget: Semaphore,
    pub styles: Styles,
    /// PMTiles archives served as tilesets, opened at start.
    pub archives: Archives,
    /// The live events' store, set once it is open (main opens it before serving;
    /// until then the events endpoints answer 503).
    pub events: OnceLock<EventStore>,
    /// Live events' changes (revision, analysis, grid state), sent after commit;
    /// the SSE stream subscribes. Figures only: fit for any caller.
    pub changes: tokio::sync::broadcast::Sender<serde_json::Value>,
    /// This process among the replicas sharing one PostgreSQL: the origin its
    /// notifications carry, so it can skip its own when they come back.
    pub instance_id: String,
    /// Parsed copies of the warnings' stored analyses, for 叫应 writes and progress.
    pub analyses: AnalysisCache,
    /// Where announced changes go to be published to the other replicas; set only
    /// when the events store is PostgreSQL (see `events_replicas`).
    pub replica_out: OnceLock<tokio::sync::mpsc::UnboundedSender<serde_json::Value>>,
    /// The active events' public geometry for the `events` tile layer, kept current
    /// by `crate::events_tiles` (empty until the events store is read).
    pub events_overlay: ArcSwap<layers::tiles::Overlay>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Blocking jobs at once: twice the cores. Bounded, so that a burst of cold tiles
/// queues here (where the request timeout can cancel it) and the async workers keep
/// their share of the CPU; two per core because a job's hand-offs (wake the waiting
/// request, start the next job) leave a core idle between jobs with one per core
/// (measured on Yunnan cold z9-11 tiles: 671 tiles/s with one per core, 900 with two).
fn cpu_permits() -> usize {
    2 * std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

impl AppState {
    pub fn new(config: ServerConfig) -> Self {
        let styles = Styles::load(&config.tiles.styles_dir);
        Self::with_styles(config, styles)
    }

    /// A state serving the given styles instead of those in `tiles.styles_dir`.
    pub fn with_styles(config: ServerConfig, styles: Styles) -> Self {
        Self::build(config, styles, Archives::default())
    }

    /// A state that also serves the given (opened) archives.
    pub fn with_archives(config: ServerConfig, archives: Archives) -> Self {
        let styles = Styles::load(&config.tiles.styles_dir);
        Self::build(config, styles, archives)
    }

    fn build(config: ServerConfig, styles: Styles, archives: Archives) -> Self {
        let keys = KeyRing::new(&config.roles, &config.keys);
        AppState(Arc::new(Shared {
            current: ArcSwapOption::empty(),
            tile_cache: TileCache::new(config.tiles.cache_bytes),
            cpu_budget: Semaphore::new(cpu_permits()),
            styles,
            config,
            keys,
            last_load: tokio::sync::Mutex::new(None),
            last_load_seen: Mutex::new(None),
            archives,
            events: OnceLock::new(),
            changes: tokio::sync::broadcast::channel(FEED_CAPACITY).0,
            instance_id: format!("rs_{}", hex::encode(rand::random::<[u8; 8]>())),
            replica_out: OnceLock::new(),
            analyses: AnalysisCache::default(),
            events_overlay: ArcSwap::from_pointee(layers::tiles::Overlay::default()),
        }))
    }

    /// A state serving `store` with the default configuration (tests, embedding).
    pub fn with_store(config: ServerConfig, store: Store) -> Self {
        let state = AppState::new(config);
        state.install(Dataset::new(store, TileOptions::default()));
        state
    }

    /// The dataset being served, or 503 while none is loaded.
    pub fn dataset(&self) -> ApiResult<Arc<Dataset>> {
        self.current
            .load_full()
            .ok_or_else(|| ApiError::unavailable("no dataset is loaded yet"))
    }

    /// Swap in a new dataset. Cached tiles are keyed by dataset version, so the old
    /// ones can no longer be hit; clearing frees their memory at once.
    pub fn install(&self, dataset: Dataset) {
        self.current.store(Some(Arc::new(dataset)));
        self.tile_cache.clear();
    }

    /// Attach the events store (once; a second store is refused and dropped).
    pub fn set_events(&self, store: EventStore) {
        let _ = self.events.set(store);
    }

    /// The events store, or 503 while there is none.
    pub fn events(&self) -> ApiResult<&EventStore> {
        self.events
            .get()
            .ok_or_else(|| ApiError::unavailable("the events store is not open"))
    }

    pub fn last_load(&self) -> Option<LoadStatus> {
        self.last_load_seen.lock().ok().and_then(|g| g.clone())
    }

    /// Run CPU-bound `work` on the blocking pool within the CPU budget. The wait for a
    /// permit and for the result are await points, so the request timeout cancels
    /// them (a job already running finishes, and its result is dropped).
    pub async fn run_blocking<T, F>(&self, work: F) -> ApiResult<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self
            .cpu_budget
            .acquire()
            .await
            .map_err(|_| ApiError::unavailable("the server is shutting down"))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| ApiError::unavailable("the work was interrupted"))
    }
}
