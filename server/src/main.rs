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
        dataset: args.dataset.clone(),
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
    state.install(Loaded::new(store));
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    info!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(state)).await?;
    Ok(())
}
