//! The startup sequence (and `rotate-key`): what `main` runs with the parsed
//! [`Config`].

use crate::api::AppState;
use crate::bill::{self, BillClient};
use crate::cli::Config;
use crate::limiter::TestLimiter;
use crate::pg::{PgLimiter, PgStore};
use crate::statics::StaticRoots;
use crate::storage::Storage;
use crate::store::Store;
use crate::{keys, store};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

/// Logs to stderr, plain text, INFO and up.
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .with_target(false)
        .try_init();
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    tracing::error!("{message}");
    ExitCode::FAILURE
}

/// `rotate-key`: re-encrypts every secret under a new key (server stopped).
pub fn rotate_key(data_dir: &std::path::Path, database_url: Option<&str>) -> ExitCode {
    let env_key = match keys::from_env() {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let new_key = match keys::new_from_env() {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let rotated = match database_url {
        Some(url) => PgStore::rotate_key(url, data_dir, env_key, new_key),
        None => Store::rotate_key(data_dir, env_key, new_key),
    };
    match rotated {
        Ok(r) => {
            tracing::info!(secrets = r.secrets, "every saved secret is now encrypted with the new key");
            match r.origin {
                keys::KeyOrigin::Env => tracing::warn!(
                    "start the server with {} set to the new key (the value of {}); the old key no longer works",
                    keys::ENV_VAR,
                    keys::NEW_ENV_VAR
                ),
                keys::KeyOrigin::File(p) | keys::KeyOrigin::Generated(p) => tracing::info!(
                    "the new key is in {}; back it up, and discard backups of the old key with care \
                     (older database backups still need it)",
                    p.display()
                ),
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// Binds, opens the store, serves until SIGINT/SIGTERM. Non-zero exit on any
/// startup failure, with a message naming the problem. The address is bound
/// first, so a server that cannot listen creates nothing (no data directory, no
/// database, no key file).
pub fn run(config: Config) -> ExitCode {
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "billcom-connection-server starting");
    let env_key = match keys::from_env() {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(8)
        .thread_name("billcom-server")
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format_args!("could not start the async runtime: {e}")),
    };
    let listener = match runtime.block_on(tokio::net::TcpListener::bind(config.listen.as_str())) {
        Ok(l) => l,
        Err(e) => return fail(format_args!("could not listen on {}: {e}", config.listen)),
    };
    type Opened = (Box<dyn Storage>, Option<Box<dyn TestLimiter>>, keys::KeyOrigin);
    let (store, limiter, origin): Opened = match &config.database_url {
        Some(url) => match PgStore::open(url, &config.data_dir, env_key) {
            Ok((s, origin)) => {
                tracing::info!(database = %s.label(), "database open (PostgreSQL)");
                let s = Arc::new(s);
                (Box::new(Arc::clone(&s)), Some(Box::new(PgLimiter(s))), origin)
            }
            Err(e) => return fail(e),
        },
        None => match Store::open(&config.data_dir, env_key) {
            Ok((s, origin)) => {
                tracing::info!(database = %s.db_path().display(), "database open");
                (Box::new(s), None, origin)
            }
            Err(e) => return fail(e),
        },
    };
    tracing::info!("encryption key {origin}");
    if let keys::KeyOrigin::Generated(path) = &origin {
        tracing::warn!(
            "a new key was generated in {}: back it up with the database; without it no saved secret can be read",
            path.display()
        );
    }
    if config.data_dir.exists() && store::is_open_to_others(&config.data_dir) {
        tracing::warn!(
            "the data directory {} is accessible to group or others; consider `chmod 700` on it",
            config.data_dir.display()
        );
    }
    for file in store::files_open_to_others(&config.data_dir) {
        tracing::warn!(
            "!!! {} is readable or writable by group or others: it holds every saved connection (secrets \
             encrypted, settings in clear). Run `chmod 600 {}`. !!!",
            file.display(),
            file.display()
        );
    }
    let roots = StaticRoots::new(&config.static_dir);
    for (what, dir) in [("www", &roots.www), ("pkg", &roots.pkg)] {
        if !dir.is_dir() {
            tracing::warn!("static {what} directory {} does not exist; the demo will not be served", dir.display());
        }
    }
    if let Some(origin) = &config.bill.origin {
        tracing::warn!(
            "!!! BILLCOM_API_ORIGIN is set: connection tests go to {origin} instead of BILL \
             (plain HTTP allowed). This is for tests only; unset it in any real deployment. !!!"
        );
    }
    if config.bill.timeout != bill::DEFAULT_TIMEOUT {
        tracing::warn!(
            timeout_ms = u64::try_from(config.bill.timeout.as_millis()).unwrap_or(u64::MAX),
            "BILLCOM_API_TIMEOUT_MS is set (tests only): connection tests use this total timeout"
        );
    }
    let bill = match BillClient::new(config.bill.clone()) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let mut state = AppState::from_boxed(store, bill);
    if let Some(limiter) = limiter {
        state = state.with_limiter(limiter);
    }
    let state = Arc::new(state);
    runtime.block_on(serve(listener, config, state, roots))
}

async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    state: crate::api::Shared,
    roots: StaticRoots,
) -> ExitCode {
    let addr: SocketAddr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => return fail(format_args!("could not read the listening address: {e}")),
    };
    tracing::info!(static_dir = %config.static_dir.display(), "serving www/ at / and pkg/ at /pkg/");
    if !addr.ip().is_loopback() {
        tracing::warn!(
            "!!! listening on {addr}, which is NOT a loopback address: anyone who can reach this \
             machine can list, create, change and delete connections. This server has no \
             authentication and no TLS; put it behind a proxy that provides both. !!!"
        );
    }
    let limits = config.limits;
    tracing::info!(
        header_timeout_ms = limits.header_timeout.as_millis() as u64,
        request_timeout_ms = limits.request_timeout.as_millis() as u64,
        max_connections = limits.max_connections,
        "limits"
    );
    tracing::info!("listening on http://{addr}");
    let app = crate::router(state, roots, limits.request_timeout);
    let stopping = async {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight (at most {} s)", crate::serve::DRAIN.as_secs());
    };
    if crate::serve::serve(listener, app, limits, stopping).await {
        tracing::info!("stopped");
    } else {
        tracing::warn!("requests still open after {} s; stopping anyway", crate::serve::DRAIN.as_secs());
    }
    ExitCode::SUCCESS
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}
