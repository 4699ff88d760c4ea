//! The demo's static files: `<static>/www/` at `/` and `<static>/pkg/` at `/pkg/`.
//!
//! A request path is percent-decoded and split into segments; `..`, `.`, empty
//! segments, backslashes, NUL and dot-files are refused, and the resolved file
//! must still lie under its root after symlinks are followed.

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::path::{Path, PathBuf};

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

pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("ts") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes a path; `None` if malformed or not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = hex(*bytes.get(i + 1)?)?;
            let lo = hex(*bytes.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The safe relative segments of a request path under a root, or `None`.
/// A trailing slash (or the root itself) means `index.html`.
pub fn segments(rest: &str) -> Option<Vec<String>> {
    let decoded = percent_decode(rest)?;
    let mut out = Vec::new();
    let mut parts: Vec<&str> = decoded.split('/').collect();
    if parts.last() == Some(&"") {
        parts.pop();
        out.push(String::new()); // marker, replaced below
    }
    let mut segs = Vec::new();
    for p in parts {
        if p.is_empty() || p.starts_with('.') || p.contains(['\\', '\0']) || p.contains(':') {
            return None;
        }
        segs.push(p.to_owned());
    }
    if !out.is_empty() || segs.is_empty() {
        segs.push("index.html".to_owned());
    }
    Some(segs)
}

/// Resolves and reads one file; anything odd is a 404.
pub async fn serve(roots: &StaticRoots, method: &Method, path: &str) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut res = plain(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed\n");
        res.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return res;
    }
    let (root, rest) = match path.strip_prefix("/pkg/") {
        Some(rest) => (&roots.pkg, rest),
        None => (&roots.www, path.strip_prefix('/').unwrap_or(path)),
    };
    let Some(segs) = segments(rest) else { return not_found() };
    let root = root.clone();
    let found = tokio::task::spawn_blocking(move || -> Option<(PathBuf, Vec<u8>)> {
        let root = std::fs::canonicalize(&root).ok()?;
        let mut candidate = root.clone();
        candidate.extend(&segs);
        let real = std::fs::canonicalize(&candidate).ok()?;
        if !real.starts_with(&root) || !real.is_file() {
            return None;
        }
        let data = std::fs::read(&real).ok()?;
        Some((real, data))
    })
    .await
    .ok()
    .flatten();
    let Some((real, data)) = found else { return not_found() };
    let mut res = Response::new(Body::from(data));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&real)));
    // The demo changes with every build; always revalidate.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
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
            "%c3%28",
            "C:x",
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
    fn wasm_is_application_wasm() {
        assert_eq!(content_type(Path::new("x/billcom_connection_bg.wasm")), "application/wasm");
    }
}
