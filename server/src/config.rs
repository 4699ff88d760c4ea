//! Command line and environment, and the startup sequence.

use crate::api::AppState;
use crate::bill::{self, BillClient, BillSettings};
use crate::statics::StaticRoots;
use crate::store::Store;
use crate::{keys, store};
use std::ffi::OsString;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

pub const USAGE: &str = "\
billcom-connection-server: the reference backend of the Bill.com connection form

USAGE:
    billcom-connection-server [--listen ADDR] [--data-dir DIR] [--static-dir DIR]
    billcom-connection-server rotate-key [--data-dir DIR]

OPTIONS:
    --listen ADDR       address to listen on        [env BILLCOM_LISTEN, default 127.0.0.1:8080]
    --data-dir DIR      where the database and key file live
                                                    [env BILLCOM_DATA_DIR, default ./data]
    --static-dir DIR    the repository root: serves DIR/www at / and DIR/pkg at /pkg/
                                                    [env BILLCOM_STATIC_DIR, default .]
    -h, --help          print this help
    -V, --version       print the version

ENVIRONMENT:
    BILLCOM_CONNECTION_KEY   base64 of 32 bytes: the key that encrypts saved secrets.
                             When unset, DIR/connection.key is used (generated on first
                             start with mode 0600). Keep it: without it no saved secret
                             can be read.
    BILLCOM_API_ORIGIN       FOR TESTS ONLY: sends every connection test to this origin
                             (scheme://host[:port], e.g. http://127.0.0.1:9911) instead
                             of BILL, keeping BILL's paths; plain HTTP is then allowed.
    BILLCOM_API_TIMEOUT_MS   FOR TESTS ONLY: the total time one connection test may take,
                             in milliseconds (default 10000).

ROTATE-KEY:
    With the server stopped, re-encrypts every saved secret under a new key in one
    transaction. With a key file, a new key is generated (or taken from
    BILLCOM_NEW_CONNECTION_KEY) and replaces DIR/connection.key. With the key in
    BILLCOM_CONNECTION_KEY, set BILLCOM_NEW_CONNECTION_KEY to the new key, then start
    the server with BILLCOM_CONNECTION_KEY set to it.
";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    pub static_dir: PathBuf,
    /// Outbound calls to BILL (connection tests).
    pub bill: BillSettings,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Run(Config),
    RotateKey { data_dir: PathBuf },
    Help,
    Version,
}

/// Parses flags (`--flag value` or `--flag=value`), falling back to `env` and then
/// to the defaults. `env` is a lookup so tests need not touch the process env.
pub fn parse<I, E>(args: I, env: E) -> Result<Command, String>
where
    I: IntoIterator<Item = OsString>,
    E: Fn(&str) -> Option<OsString>,
{
    let mut listen: Option<OsString> = None;
    let mut data_dir: Option<OsString> = None;
    let mut static_dir: Option<OsString> = None;
    let mut it = args.into_iter().peekable();
    let rotate = it.peek().is_some_and(|a| a == "rotate-key");
    if rotate {
        it.next();
    }
    while let Some(arg) = it.next() {
        let text = arg.to_str().ok_or("arguments must be valid UTF-8")?.to_owned();
        let (flag, inline) = match text.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(OsString::from(v))),
            _ => (text.clone(), None),
        };
        let slot = match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--listen" if !rotate => &mut listen,
            "--data-dir" => &mut data_dir,
            "--static-dir" if !rotate => &mut static_dir,
            other => return Err(format!("unknown argument `{other}` (see --help)")),
        };
        let value = match inline {
            Some(v) => v,
            None => it.next().ok_or_else(|| format!("{flag} needs a value"))?,
        };
        if value.is_empty() {
            return Err(format!("{flag} needs a non-empty value"));
        }
        *slot = Some(value);
    }
    let pick = |flag: Option<OsString>, var: &str, default: &str| {
        flag.or_else(|| env(var).filter(|v| !v.is_empty())).unwrap_or_else(|| default.into())
    };
    if rotate {
        return Ok(Command::RotateKey { data_dir: pick(data_dir, "BILLCOM_DATA_DIR", "./data").into() });
    }
    let listen = pick(listen, "BILLCOM_LISTEN", "127.0.0.1:8080")
        .into_string()
        .map_err(|_| "the listen address must be valid UTF-8".to_owned())?;
    Ok(Command::Run(Config {
        listen,
        data_dir: pick(data_dir, "BILLCOM_DATA_DIR", "./data").into(),
        static_dir: pick(static_dir, "BILLCOM_STATIC_DIR", ".").into(),
        bill: bill_settings(&env)?,
    }))
}

/// `BILLCOM_API_ORIGIN` and `BILLCOM_API_TIMEOUT_MS`, both for tests only.
fn bill_settings<E: Fn(&str) -> Option<OsString>>(env: &E) -> Result<BillSettings, String> {
    let text = |var: &str| -> Result<Option<String>, String> {
        match env(var).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v.into_string().map(Some).map_err(|_| format!("{var} must be valid UTF-8")),
        }
    };
    let origin = text("BILLCOM_API_ORIGIN")?.map(|o| bill::parse_origin(&o)).transpose()?;
    let timeout = match text("BILLCOM_API_TIMEOUT_MS")? {
        None => bill::DEFAULT_TIMEOUT,
        Some(ms) => match ms.parse::<u64>() {
            Ok(n @ 1..=120_000) => Duration::from_millis(n),
            _ => {
                return Err(format!(
                    "BILLCOM_API_TIMEOUT_MS must be a whole number of milliseconds from 1 to 120000 (got {ms:?})"
                ))
            }
        },
    };
    Ok(BillSettings { origin, timeout })
}

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
pub fn rotate_key(data_dir: &std::path::Path) -> ExitCode {
    let env_key = match keys::from_env() {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let new_key = match keys::new_from_env() {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    match Store::rotate_key(data_dir, env_key, new_key) {
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

/// Opens the store, binds, serves until SIGINT/SIGTERM. Non-zero exit on any
/// startup failure, with a message naming the problem.
pub fn run(config: Config) -> ExitCode {
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "billcom-connection-server starting");
    let env_key = match keys::from_env() {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let (store, origin) = match Store::open(&config.data_dir, env_key) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    tracing::info!(database = %store.db_path().display(), "database open");
    tracing::info!("encryption key {origin}");
    if let keys::KeyOrigin::Generated(path) = &origin {
        tracing::warn!(
            "a new key was generated in {}: back it up with the database; without it no saved secret can be read",
            path.display()
        );
    }
    if store::is_open_to_others(&config.data_dir) {
        tracing::warn!(
            "the data directory {} is accessible to group or others; consider `chmod 700` on it",
            config.data_dir.display()
        );
    }
    let roots = StaticRoots::new(&config.static_dir);
    for (what, dir) in [("www", &roots.www), ("pkg", &roots.pkg)] {
        if !dir.is_dir() {
            tracing::warn!("static {what} directory {} does not exist; the demo will not be served", dir.display());
        }
    }
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
    let state = Arc::new(AppState::new(store, bill));
    runtime.block_on(serve(config, state, roots))
}

async fn serve(config: Config, state: crate::api::Shared, roots: StaticRoots) -> ExitCode {
    let listener = match tokio::net::TcpListener::bind(config.listen.as_str()).await {
        Ok(l) => l,
        Err(e) => return fail(format_args!("could not listen on {}: {e}", config.listen)),
    };
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
    tracing::info!("listening on http://{addr}");
    let app = crate::router(state, roots);
    let stop = Arc::new(tokio::sync::Notify::new());
    let stop_server = Arc::clone(&stop);
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        stop_server.notified().await;
    });
    let mut server = std::pin::pin!(server.into_future());
    tokio::select! {
        r = &mut server => {
            return match r {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(format_args!("the server stopped: {e}")),
            };
        }
        () = shutdown_signal() => {}
    }
    tracing::info!("shutting down: finishing requests in flight (at most 10 s)");
    stop.notify_one();
    match tokio::time::timeout(Duration::from_secs(10), server).await {
        Ok(Ok(())) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => fail(format_args!("the server stopped with an error: {e}")),
        Err(_) => {
            tracing::warn!("requests still open after 10 s; stopping anyway");
            ExitCode::SUCCESS
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn defaults_env_and_flags() {
        let none = |_: &str| None;
        assert_eq!(
            parse(args(&[]), none),
            Ok(Command::Run(Config {
                listen: "127.0.0.1:8080".into(),
                data_dir: "./data".into(),
                static_dir: ".".into(),
                bill: BillSettings::default(),
            }))
        );
        let env = |k: &str| (k == "BILLCOM_DATA_DIR").then(|| OsString::from("/srv/x"));
        let Ok(Command::Run(c)) = parse(args(&["--listen=127.0.0.1:0"]), env) else { panic!("parse failed") };
        assert_eq!(c.listen, "127.0.0.1:0");
        assert_eq!(c.data_dir, PathBuf::from("/srv/x"));
        let Ok(Command::Run(c)) = parse(args(&["--data-dir", "/a", "--static-dir", "/b"]), env) else {
            panic!("parse failed")
        };
        assert_eq!((c.data_dir, c.static_dir), (PathBuf::from("/a"), PathBuf::from("/b")));
    }

    #[test]
    fn bill_origin_and_timeout_come_from_the_environment() {
        let env = |k: &str| match k {
            "BILLCOM_API_ORIGIN" => Some(OsString::from("http://127.0.0.1:9911/")),
            "BILLCOM_API_TIMEOUT_MS" => Some(OsString::from("250")),
            _ => None,
        };
        let Ok(Command::Run(c)) = parse(args(&[]), env) else { panic!("parse failed") };
        assert_eq!(c.bill.origin.as_deref(), Some("http://127.0.0.1:9911"));
        assert_eq!(c.bill.timeout, Duration::from_millis(250));
        let bad_origin = |k: &str| (k == "BILLCOM_API_ORIGIN").then(|| OsString::from("http://x/api"));
        assert!(parse(args(&[]), bad_origin).is_err());
        for t in ["0", "abc", "999999", "-5"] {
            let bad_timeout = move |k: &str| (k == "BILLCOM_API_TIMEOUT_MS").then(|| OsString::from(t));
            assert!(parse(args(&[]), bad_timeout).is_err(), "{t}");
        }
    }

    #[test]
    fn bad_arguments_are_errors() {
        let none = |_: &str| None;
        assert!(parse(args(&["--nope"]), none).is_err());
        assert!(parse(args(&["--listen"]), none).is_err());
        assert!(parse(args(&["--listen="]), none).is_err());
        assert_eq!(parse(args(&["--help"]), none), Ok(Command::Help));
    }

    #[test]
    fn rotate_key_takes_only_the_data_dir() {
        let none = |_: &str| None;
        assert_eq!(
            parse(args(&["rotate-key", "--data-dir", "/d"]), none),
            Ok(Command::RotateKey { data_dir: "/d".into() })
        );
        assert_eq!(parse(args(&["rotate-key"]), none), Ok(Command::RotateKey { data_dir: "./data".into() }));
        assert!(parse(args(&["rotate-key", "--listen", "127.0.0.1:1"]), none).is_err());
        assert!(parse(args(&["--data-dir", "/d", "rotate-key"]), none).is_err());
    }
}
