//! `riskmap-server --dataset DIR [--listen ADDR]`

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use riskmap_server::{AppState, Loaded, ServerConfig, app};
use tracing::info;

/// Serve a prepared riskmap dataset: vector tiles, the spatial query API and the viewer.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Prepared dataset directory (written by `riskmap-prep build` or `riskmap-prep demo`).
    #[arg(long, env = "RISKMAP_DATASET")]
    dataset: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "RISKMAP_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Tile cache size in MiB (0 turns the cache off).
    #[arg(long, env = "RISKMAP_TILE_CACHE_MB", default_value_t = 256)]
    tile_cache_mb: u64,
    /// Origin allowed to fetch tiles and JSON from a browser page on another origin
    /// (repeatable; `*` for any). Without it no CORS headers are sent.
    #[arg(
        long = "cors-origin",
        env = "RISKMAP_CORS_ORIGINS",
        value_delimiter = ','
    )]
    cors_origins: Vec<String>,
    /// Directory of MapLibre style files (`NAME.json`, served at /styles/NAME.json).
    #[arg(long, env = "RISKMAP_STYLES", default_value = "styles")]
    styles: PathBuf,
    /// Public URL of this server, used in TileJSON and style URLs (default: from each
    /// request's Host header).
    #[arg(long, env = "RISKMAP_PUBLIC_URL")]
    public_url: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .init();
    let args = Args::parse();
    let state = AppState::new(ServerConfig {
        tile_cache_bytes: args.tile_cache_mb << 20,
        cors_origins: args.cors_origins.clone(),
        styles_dir: args.styles.clone(),
        public_url: args.public_url.clone(),
        ..ServerConfig::new(args.dataset.clone())
    });
    let dir = args.dataset.clone();
    let store = tokio::task::spawn_blocking(move || layers::Store::open(&dir))
        .await?
        .with_context(|| format!("loading dataset {}", args.dataset.display()))?;
    info!(
        version = store.version(),
        load_ms = store.load_time.as_millis() as u64,
        "dataset loaded"
    );
    for l in store.layers() {
        info!(layer = l.id(), features = l.features.len(), bbox = ?l.meta.bbox, "layer");
    }
    let loaded = tokio::task::spawn_blocking(move || Loaded::new(store)).await?;
    state.install(loaded);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    info!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(state)).await?;
    Ok(())
}
