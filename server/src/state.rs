//! What every handler reads: the loaded dataset (swapped atomically on reload) and the
//! server's configuration.

use std::path::PathBuf;
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use layers::Store;
use layers::query::Derived;

use crate::error::{ApiError, ApiResult};

/// A dataset loaded and ready to serve, with everything derived from it at load time.
/// A request holds one `Arc<Loaded>` from start to end, so it finishes on the version it
/// started with even if a reload swaps in another.
#[derive(Debug)]
pub struct Loaded {
    pub store: Store,
    /// Indexes the queries need, built once per dataset (admin and grid hierarchies,
    /// prepared polygons, grid hazard exposure, shelters by id).
    pub derived: Derived,
}

impl Loaded {
    /// Derive everything the handlers need from a freshly opened store.
    pub fn new(store: Store) -> Self {
        let derived = Derived::new(&store);
        Loaded { store, derived }
    }

    pub fn version(&self) -> &str {
        self.store.version()
    }
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub dataset: PathBuf,
}

#[derive(Clone)]
pub struct AppState {
    pub current: Arc<ArcSwapOption<Loaded>>,
    pub config: Arc<ServerConfig>,
}

impl AppState {
    pub fn new(config: ServerConfig) -> Self {
        AppState {
            current: Arc::new(ArcSwapOption::empty()),
            config: Arc::new(config),
        }
    }

    /// The dataset being served, or 503 while none is loaded.
    pub fn loaded(&self) -> ApiResult<Arc<Loaded>> {
        self.current
            .load_full()
            .ok_or_else(|| ApiError::unavailable("no dataset is loaded yet"))
    }

    pub fn install(&self, loaded: Loaded) {
        self.current.store(Some(Arc::new(loaded)));
    }
}
