//! `riskmap-server`: serve a prepared riskmap dataset.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use riskmap_server::config::{LogFormat, ServerConfig};
use riskmap_server::{AppState, app, reload};
use tracing::info;

/// mimalloc rather than glibc malloc: a request allocates and frees many small objects
/// across worker threads, and the cached-tile path spent ~15% of its time in glibc's
/// malloc/free (perf, bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Serve a prepared riskmap dataset: vector tiles, the spatial query API, the viewer
/// and the wall screen. Settings come from --config, then RISKMAP_* environment
/// variables, then these flags (later wins).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// TOML configuration file (see server/src/config.rs or the README for its keys).
    #[arg(long, env = "RISKMAP_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Prepared dataset directory (from `riskmap-prep build` or `riskmap-prep demo`).
    #[arg(long, env = "RISKMAP_DATASET", value_name = "DIR")]
    dataset: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "RISKMAP_LISTEN", value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Reload by itself when the dataset directory holds a new version.
    #[arg(long, env = "RISKMAP_WATCH")]
    watch: Option<bool>,
    /// Log format.
    #[arg(long, env = "RISKMAP_LOG_FORMAT", value_enum)]
    log_format: Option<LogFormat>,
    /// Log filter, e.g. `info` or `riskmap_server=debug,info`.
    #[arg(long, env = "RISKMAP_LOG")]
    log: Option<String>,
    /// Memory for the tile cache in bytes; 0 turns it off.
    #[arg(long, env = "RISKMAP_TILE_CACHE_BYTES", value_name = "BYTES")]
    tile_cache_bytes: Option<u64>,
    /// Directory of MapLibre style files (NAME.json, served at /styles/NAME.json).
    #[arg(long, env = "RISKMAP_STYLES", value_name = "DIR")]
    styles: Option<PathBuf>,
    /// Public URL of this server for TileJSON and style URLs [default: from Host].
    #[arg(long, env = "RISKMAP_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
    /// Tianditu key, to offer the optional Tianditu basemaps in the viewer.
    #[arg(
        long,
        env = "RISKMAP_TIANDITU_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    tianditu_key: Option<String>,
    /// The built web viewer (`web-viewer/dist`) [default: found next to the executable].
    #[arg(long, env = "RISKMAP_ASSETS", value_name = "DIR")]
    assets: Option<PathBuf>,
    /// Directory for the server's own state (the default SQLite events database).
    #[arg(long, env = "RISKMAP_STATE_DIR", value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Events database: `sqlite:///path/events.db` or `postgres://...` [default: under --state-dir].
    #[arg(long, env = "RISKMAP_EVENTS_DATABASE", value_name = "URL")]
    events_database: Option<String>,
    /// Validate the configuration, print the effective settings and exit.
    #[arg(long)]
    check_config: bool,
    /// Print a new random API key and the `[[keys]]` entry to configure it, and exit.
    #[arg(long)]
    gen_key: bool,
}

fn effective_config(args: &Args) -> anyhow::Result<ServerConfig> {
    let mut c = match &args.config {
        Some(path) => ServerConfig::from_file(path)?,
        None => ServerConfig::default(),
    };
    if let Some(v) = &args.dataset {
        c.dataset = v.clone();
    }
    if let Some(v) = args.listen {
        c.listen = v;
    }
    if let Some(v) = args.watch {
        c.watch = v;
    }
    if let Some(v) = args.log_format {
        c.log.format = v;
    }
    if let Some(v) = &args.log {
        c.log.level = v.clone();
    }
    if let Some(v) = args.tile_cache_bytes {
        c.tiles.cache_bytes = v;
    }
    if let Some(v) = &args.styles {
        c.tiles.styles_dir = v.clone();
    }
    if let Some(v) = &args.public_url {
        c.tiles.public_url = Some(v.clone()).filter(|u| !u.is_empty());
    }
    if let Some(v) = &args.tianditu_key {
        c.viewer.tianditu_key = Some(v.clone()).filter(|k| !k.is_empty());
    }
    if let Some(v) = &args.state_dir {
        c.state_dir = v.clone();
    }
    if let Some(v) = &args.events_database {
        c.events.database = Some(v.clone());
    }
    if let Some(v) = &args.assets {
        c.viewer.assets_dir = Some(v.clone());
    }
    c.validate()?;
    Ok(c)
}

fn init_logging(config: &ServerConfig) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log.format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
        LogFormat::Text => builder.init(),
    }
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    info!("shutting down: refusing new connections, finishing requests in flight");
}

/// Open the events store (creating the state directory for the default SQLite file)
/// and start the expiry sweep. A store that cannot be opened stops the start: events
/// written to nowhere would be acknowledged and lost.
async fn open_events(state: &AppState) -> anyhow::Result<()> {
    let url = state.config.events_database();
    if state.config.events.database.is_none() {
        std::fs::create_dir_all(&state.config.state_dir)
            .with_context(|| format!("creating state_dir {}", state.config.state_dir.display()))?;
    }
    let shown = riskmap_server::config::redact_url(&url);
    let store = riskmap_events::EventStore::open(&url)
        .await
        .with_context(|| format!("opening the events database {shown}"))?;
    info!(database = %shown, "events store open");
    state.set_events(store);
    riskmap_server::events_replicas::start(state);
    riskmap_server::events_tiles::spawn(state);
    let every = Duration::from_secs(state.config.events.expiry_check_seconds);
    riskmap_server::api::events::spawn_expiry(state.clone(), every);
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.gen_key {
        let (key, digest) = riskmap_server::access::generate_key();
        println!("key (give it to the caller; it is not stored): {key}\n");
        println!(
            "[[keys]]\nname = \"CHANGE-ME\"\nrole = \"analyst\"   # public, analyst, system or admin\nsha256 = \"{digest}\""
        );
        return Ok(());
    }
    let config = effective_config(&args).context("configuration")?;
    if args.check_config {
        print!("{}", config.to_toml());
        eprintln!("configuration is valid");
        return Ok(());
    }
    init_logging(&config);
    let grace = Duration::from_millis(config.http.shutdown_grace_ms);
    let listen = config.listen;
    let archives = riskmap_server::tile_archives::Archives::open(&config.tiles.archives).await?;
    let state = AppState::with_archives(config, archives);
    open_events(&state).await?;

    // Serve at once (/health says 503 until the dataset is in), load in the background.
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    info!("listening on http://{}", listener.local_addr()?);
    {
        let state = state.clone();
        tokio::spawn(async move {
            reload::load(&state).await;
            if state.config.watch {
                reload::spawn_watcher(state.clone());
            }
        });
    }
    let server = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal());
    let mut server = std::pin::pin!(server.into_future());
    tokio::select! {
        r = &mut server => r?,
        _ = async { shutdown_signal().await; tokio::time::sleep(grace).await } => {
            tracing::warn!("requests still in flight after {} ms; exiting", grace.as_millis());
        }
    }
    Ok(())
}
