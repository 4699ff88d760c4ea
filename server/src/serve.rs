//! The accept loop: hyper's HTTP/1 connections with the limits axum's `serve`
//! does not set (issue 13, finding 2).
//!
//! - A header-read timeout: a connection that has not sent a whole request head
//!   within [`Limits::header_timeout`] of opening, or of its previous response
//!   (an idle keep-alive connection), is closed. hyper starts this timer whenever
//!   it waits for a request head, so slow-header and idle clients are both cut off.
//! - A request timeout (tower-http, in [`crate::router`]): 408 past
//!   [`Limits::request_timeout`].
//! - A cap on open connections: at [`Limits::max_connections`] the loop stops
//!   accepting until one closes; new clients wait in the kernel's listen queue.
//!
//! Each limit is logged when hit, at most once per [`LOG_EVERY`] with a count, so
//! a flood cannot flood the log too.

use crate::cli::Limits;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The least time between two log lines about the same limit.
pub const LOG_EVERY: Duration = Duration::from_secs(5);
/// How long shutdown waits for requests in flight.
pub const DRAIN: Duration = Duration::from_secs(10);

/// Counts hits of one limit and logs them, at most once per [`LOG_EVERY`].
struct Tally {
    what: &'static str,
    count: AtomicU64,
    last: Mutex<Option<Instant>>,
}

impl Tally {
    const fn new(what: &'static str) -> Tally {
        Tally { what, count: AtomicU64::new(0), last: Mutex::new(None) }
    }

    fn hit(&self) {
        self.count.fetch_add(1, Ordering::Relaxed);
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_none_or(|t| t.elapsed() >= LOG_EVERY) {
            *last = Some(Instant::now());
            let n = self.count.swap(0, Ordering::Relaxed);
            tracing::warn!(count = n, "{}", self.what);
        }
    }
}

static HEADER_TIMEOUTS: Tally =
    Tally::new("closed connection(s) that sent no complete request header in time (slow or idle clients)");
static CAP_REACHED: Tally =
    Tally::new("the connection cap is reached: new connections wait until open ones close (--max-connections)");
static ACCEPT_ERRORS: Tally = Tally::new("could not accept a connection (out of file descriptors?)");

/// Serves `app` on `listener` until `shutdown` completes, then lets requests in
/// flight finish for at most [`DRAIN`]. Returns whether they all did.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits, shutdown: impl Future<Output = ()>) -> bool {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = match Arc::clone(&permits).try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                CAP_REACHED.hit();
                tokio::select! {
                    p = Arc::clone(&permits).acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // EMFILE and the like: wait instead of spinning.
                    ACCEPT_ERRORS.hit();
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                if e.is_timeout() {
                    HEADER_TIMEOUTS.hit();
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_ok()
}
