//! The demo's static files: `<static>/www/` at `/` and `<static>/pkg/` at `/pkg/`,
//! served by tower-http's [`ServeDir`] behind a small guard.
//!
//! The guard percent-decodes the path and refuses `..`, `.`, empty segments,
//! backslashes, colons, NUL and dot-files; the file must exist and, once symlinks
//! are followed, still lie under its root (`ServeDir` follows symlinks anywhere).
//! Then `ServeDir` sends it: content type from the extension, `Last-Modified`,
//! `If-Modified-Since`, ranges, `HEAD`. The guard adds a strong `ETag` (mtime and
//! size, as nginx does) and answers a matching `If-None-Match` with `304`, so a
//! page load revalidates the `.wasm` instead of downloading it again
//! (`Cache-Control: no-cache`: the demo changes with every build).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;
use tower::ServiceExt;
use tower_http::services::ServeDir;

#[derive(Clone, Debug)]
pub struct StaticRoots {
    pub www: PathBuf,
    pub pkg: PathBuf,
}

impl StaticRoots {
    pub fn new(static_dir: &Path) -> Self {
        StaticRoots { www: static_dir.join("www"), pkg: static_dir.join("pkg") }
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut res = (status, text).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    res
}

fn not_found() -> Response {
    plain(StatusCode::NOT_FOUND, "Not found\n")
}

/// The safe relative segments of a request path under a root, or `None`.
/// A trailing slash (or the root itself) means `index.html`.
pub fn segments(rest: &str) -> Option<Vec<String>> {
    // A `%` must start an escape (percent_encoding would keep `%zz` as text).
    let escapes_ok =
        rest.split('%').skip(1).all(|s| s.get(..2).is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit())));
    if !escapes_ok {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(rest).decode_utf8().ok()?;
    let mut parts: Vec<&str> = decoded.split('/').collect();
    let index = parts.len() > 1 && parts.last() == Some(&"");
    if index || decoded.is_empty() {
        parts.pop();
    }
    let mut segs = Vec::new();
    for p in parts {
        if p.is_empty() || p.starts_with('.') || p.contains(['\\', '\0', ':']) {
            return None;
        }
        segs.push(p.to_owned());
    }
    if index || segs.is_empty() {
        segs.push("index.html".to_owned());
    }
    Some(segs)
}

/// The strong validator of a file: its modification time (ns) and size.
fn etag_of(meta: &std::fs::Metadata) -> Option<HeaderValue> {
    let mtime = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
    HeaderValue::from_str(&format!("\"{mtime:x}-{:x}\"", meta.len())).ok()
}

/// Whether `If-None-Match` names `etag` (or is `*`); weak comparison, as RFC 9110
/// asks for this header.
fn none_match(headers: &HeaderMap, etag: &HeaderValue) -> Option<bool> {
    let mut values = headers.get_all(header::IF_NONE_MATCH).iter().peekable();
    values.peek()?;
    let want = etag.as_bytes();
    Some(values.filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|t| {
        let t = t.trim();
        t == "*" || t.strip_prefix("W/").unwrap_or(t).as_bytes() == want
    }))
}

/// Resolves one file under its root and lets `ServeDir` send it; anything odd is a 404.
pub async fn serve(roots: &StaticRoots, req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut res = plain(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed\n");
        res.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return res;
    }
    let path = req.uri().path();
    let (root, rest) = match path.strip_prefix("/pkg/") {
        Some(rest) => (&roots.pkg, rest),
        None => (&roots.www, path.strip_prefix('/').unwrap_or(path)),
    };
    let Some(segs) = segments(rest) else { return not_found() };
    let Ok(uri) = Uri::builder().path_and_query(format!("/{rest}")).build() else { return not_found() };
    let root = root.clone();
    let found = tokio::task::spawn_blocking(move || -> Option<(PathBuf, Option<HeaderValue>)> {
        let root = std::fs::canonicalize(&root).ok()?;
        let mut candidate = root.clone();
        candidate.extend(&segs);
        let real = std::fs::canonicalize(&candidate).ok()?;
        let meta = std::fs::metadata(&real).ok()?;
        if !real.starts_with(&root) || !meta.is_file() {
            return None;
        }
        Some((root, etag_of(&meta)))
    })
    .await
    .ok()
    .flatten();
    let Some((root, etag)) = found else { return not_found() };

    let (mut parts, body) = req.into_parts();
    if let Some(etag) = &etag {
        match none_match(&parts.headers, etag) {
            Some(true) => {
                let mut res = StatusCode::NOT_MODIFIED.into_response();
                res.headers_mut().insert(header::ETAG, etag.clone());
                res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                return res;
            }
            // RFC 9110 13.1.3: with If-None-Match, If-Modified-Since is ignored.
            Some(false) => {
                parts.headers.remove(header::IF_MODIFIED_SINCE);
            }
            None => {}
        }
    }
    parts.uri = uri;
    let req = Request::from_parts(parts, body);
    let Ok(res) = ServeDir::new(root).oneshot(req).await;
    let mut res = res.map(Body::new);
    if res.status() == StatusCode::NOT_FOUND {
        return not_found();
    }
    let h = res.headers_mut();
    if let Some(etag) = etag {
        h.insert(header::ETAG, etag);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(ct) = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        // mime_guess gives bare `text/*`; the files are UTF-8.
        if ct.starts_with("text/") && !ct.contains("charset") {
            if let Ok(v) = HeaderValue::from_str(&format!("{ct}; charset=utf-8")) {
                h.insert(header::CONTENT_TYPE, v);
            }
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_and_odd_segments_are_refused() {
        for bad in [
            "..",
            "../x",
            "a/../b",
            "%2e%2e/x",
            "%2E%2E%2Fetc",
            "a//b",
            ".git/config",
            "a\\b",
            "%00",
            "%zz",
            "%2",
            "%c3%28",
            "C:x",
            "/",
        ] {
            assert_eq!(segments(bad), None, "{bad}");
        }
    }

    #[test]
    fn index_for_root_and_trailing_slash() {
        assert_eq!(segments(""), Some(vec!["index.html".to_owned()]));
        assert_eq!(segments("docs/"), Some(vec!["docs".to_owned(), "index.html".to_owned()]));
        assert_eq!(segments("app.js"), Some(vec!["app.js".to_owned()]));
        assert_eq!(segments("a%20b.js"), Some(vec!["a b.js".to_owned()]));
    }

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        let etag = HeaderValue::from_static("\"1f-8\"");
        let mut h = HeaderMap::new();
        assert_eq!(none_match(&h, &etag), None);
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"a\", W/\"1f-8\""));
        assert_eq!(none_match(&h, &etag), Some(true));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"1f-9\""));
        assert_eq!(none_match(&h, &etag), Some(false));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert_eq!(none_match(&h, &etag), Some(true));
    }
}
