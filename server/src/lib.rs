//! Reference backend for the Bill.com connection form.
//!
//! It serves the demo (`www/`, `pkg/`) and a JSON API for saved connections. Every
//! write is re-validated with the `billcom-connection` crate, the very rules the
//! browser runs; secrets are stored only as AES-256-GCM ciphertexts and never
//! leave the server again (see `README.md` beside this crate).

pub mod api;
pub mod bill;
pub mod cli;
pub mod crypto;
pub mod keys;
pub mod limiter;
pub mod pg;
pub mod serve;
pub mod startup;
pub mod statics;
pub mod storage;
pub mod store;
pub mod submission;

use api::Shared;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use statics::StaticRoots;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_http::timeout::TimeoutLayer;

#[derive(Clone)]
struct RouterState {
    api: Shared,
    roots: Arc<StaticRoots>,
}

impl axum::extract::FromRef<RouterState> for Shared {
    fn from_ref(s: &RouterState) -> Shared {
        Arc::clone(&s.api)
    }
}

/// The whole application: API, static files, headers and request logging.
/// `request_timeout`: the longest one request may take (then 408).
pub fn router(state: Shared, roots: StaticRoots, request_timeout: Duration) -> Router {
    let state = RouterState { api: state, roots: Arc::new(roots) };
    Router::new()
        .route("/api/connections", get(api::list).post(api::create))
        .route("/api/connections/test", post(api::test_unsaved))
        .route("/api/connections/{id}", get(api::get_one).put(api::replace).delete(api::delete))
        .route("/api/connections/{id}/test", post(api::test_saved))
        .fallback(fallback)
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, request_timeout))
        .layer(middleware::from_fn(headers_and_log))
        .with_state(state)
}

/// The demo runs its own module scripts and WASM (hence 'wasm-unsafe-eval') and talks
/// only to this origin; nothing inline, no plugins, no framing, no form posts.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// Host names accepted besides `localhost` and IP literals: env
/// `BILLCOM_ALLOWED_HOSTS`, comma-separated (e.g. the name a proxy forwards).
fn allowed_hosts() -> &'static [String] {
    static HOSTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    HOSTS.get_or_init(|| {
        std::env::var("BILLCOM_ALLOWED_HOSTS")
            .unwrap_or_default()
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect()
    })
}

/// DNS rebinding defence: a page on another site whose name was made to resolve
/// to this machine would be same-origin with it, so requests must name this
/// server by `localhost`, an IP address, or a host listed in
/// `BILLCOM_ALLOWED_HOSTS`. (A request without Host, HTTP/1.0, is let through:
/// a browser always sends one.)
fn host_allowed(host: Option<&HeaderValue>) -> bool {
    let Some(host) = host else { return true };
    let Ok(host) = host.to_str() else { return false };
    let name = if let Some(rest) = host.strip_prefix('[') {
        // [v6]:port
        return rest.split(']').next().is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok());
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        }
    };
    let name = name.to_ascii_lowercase();
    name == "localhost" || name.parse::<std::net::IpAddr>().is_ok() || allowed_hosts().contains(&name)
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

async fn fallback(State(state): State<RouterState>, req: Request) -> Response {
    let path = req.uri().path();
    if is_api(path) {
        return api::ApiError::new(StatusCode::NOT_FOUND, "No such API endpoint.").into_response();
    }
    statics::serve(&state.roots, req.method(), path).await
}

/// Adds the security headers and logs one line per request: method, path (never
/// the query string, never a body), status and duration.
async fn headers_and_log(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path: String = req.uri().path().chars().take(200).collect();
    let api = is_api(&path);
    let mut res = if host_allowed(req.headers().get(header::HOST)) {
        next.run(req).await
    } else {
        api::ApiError::new(StatusCode::MISDIRECTED_REQUEST, "This server does not answer for that host name.")
            .into_response()
    };
    if res.status() == StatusCode::REQUEST_TIMEOUT && res.headers().get(header::CONTENT_TYPE).is_none() {
        // tower-http's timeout: the request took longer than --request-timeout-ms.
        tracing::warn!(method = %method, path = %path, "request timed out (--request-timeout-ms)");
        res = api::ApiError::new(StatusCode::REQUEST_TIMEOUT, "The request took too long.").into_response();
    }
    if api && res.status() == StatusCode::METHOD_NOT_ALLOWED {
        // axum's own 405 has an empty body; give it the API's error shape, keeping
        // its Allow header.
        let allow = res.headers().get(header::ALLOW).cloned();
        res =
            api::ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed on this endpoint.").into_response();
        if let Some(allow) = allow {
            res.headers_mut().insert(header::ALLOW, allow);
        }
    }
    let h = res.headers_mut();
    if api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    tracing::info!(
        method = %method,
        path = %path,
        status = res.status().as_u16(),
        duration_ms = format_args!("{:.1}", start.elapsed().as_secs_f64() * 1000.0),
        "request"
    );
    res
}
