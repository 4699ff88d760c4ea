//! The JSON API under `/api/connections`.
//!
//! Writes accept only `Content-Type: application/json`. Besides being the format,
//! this keeps cross-site pages out: a browser cannot send that content type to
//! another origin without a CORS preflight, and this server answers none.

use crate::bill::{self, BillClient, Credentials};
use crate::limiter::{self, Limiter, TestLimiter, Verdict};
use crate::storage::Storage;
use crate::store::{
    is_well_formed_id, Created, Cursor, NewConnection, Precondition, SavedConnection, StoreError, Written,
    DEFAULT_PAGE, MAX_PAGE,
};
use crate::submission::{self, Rejection};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use billcom_connection::{spec, Issue, Param};
use http_body_util::BodyExt;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use zeroize::{Zeroize, Zeroizing};

/// The largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;
/// How much more of an oversized body is read (and thrown away) before answering
/// 413, so that the client sees the 413 rather than a connection reset.
const DRAIN_LIMIT: usize = 1024 * 1024;
/// The longest a client may take to send its body.
const BODY_TIMEOUT: Duration = Duration::from_secs(15);

pub struct AppState {
    pub store: Box<dyn Storage>,
    /// The outbound client for "test connection".
    pub bill: BillClient,
    /// Connection tests per set of credentials.
    pub limiter: Box<dyn TestLimiter>,
}

impl AppState {
    pub fn new(store: impl Storage, bill: BillClient) -> AppState {
        AppState::from_boxed(Box::new(store), bill)
    }

    pub fn from_boxed(store: Box<dyn Storage>, bill: BillClient) -> AppState {
        AppState { store, bill, limiter: Box::new(Limiter::default()) }
    }

    /// With the limiter's counts somewhere else (PostgreSQL: shared by instances).
    pub fn with_limiter(mut self, limiter: Box<dyn TestLimiter>) -> AppState {
        self.limiter = limiter;
        self
    }
}

pub type Shared = Arc<AppState>;

/// An error response: `{ message, code?, errors: [...] }`. `code` names a
/// request-level failure a client acts on (`idempotency_conflict`, `conflict`).
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: &'static str,
    pub code: Option<&'static str>,
    pub errors: Vec<Issue>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    errors: &'a [Issue],
}

impl ApiError {
    pub fn new(status: StatusCode, message: &'static str) -> Self {
        ApiError { status, message, code: None, errors: Vec::new() }
    }

    pub fn with_code(status: StatusCode, code: &'static str, message: &'static str) -> Self {
        ApiError { status, message, code: Some(code), errors: Vec::new() }
    }

    pub fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "No connection with this id.")
    }

    fn internal() -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "The server could not complete the request.")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json(self.status, &ErrorBody { message: self.message, code: self.code, errors: &self.errors })
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        // StoreError messages hold no user data and no secret.
        tracing::error!(error = %e, "storage failure");
        ApiError::internal()
    }
}

/// A JSON response; a serialization failure (not expected) becomes a 500.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => {
            let mut res = (status, body).into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            res
        }
        Err(_) => {
            let mut res = (
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"message":"The server could not encode its answer.","errors":[]}"#,
            )
                .into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            res
        }
    }
}

/// Runs a store call on the blocking pool (SQLite and AES are synchronous).
async fn blocking<T, F>(state: &Shared, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&dyn Storage) -> Result<T, StoreError> + Send + 'static,
{
    let state = Arc::clone(state);
    match tokio::task::spawn_blocking(move || f(&*state.store)).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(_) => {
            tracing::error!("a storage task failed");
            Err(ApiError::internal())
        }
    }
}

/// The id from the path, or a 404 for anything that cannot be one of ours.
fn id_of(path: Result<Path<String>, axum::extract::rejection::PathRejection>) -> Result<String, ApiError> {
    match path {
        Ok(Path(id)) if is_well_formed_id(&id) => Ok(id),
        _ => Err(ApiError::not_found()),
    }
}

enum BodyError {
    TooLarge,
    Unreadable,
    Timeout,
}

/// Reads at most [`MAX_BODY`] bytes. The buffer is zeroized when dropped, as it
/// holds secrets in plain text.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Zeroizing<Vec<u8>>, BodyError> {
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return Err(BodyError::TooLarge);
    }
    let read = async move {
        let mut body = body;
        let mut buf = Zeroizing::new(Vec::new());
        let mut seen = 0usize;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| BodyError::Unreadable)?;
            let Ok(data) = frame.into_data() else { continue };
            seen = seen.saturating_add(data.len());
            if seen > MAX_BODY {
                buf.zeroize();
                if seen > DRAIN_LIMIT {
                    break;
                }
            } else {
                buf.extend_from_slice(&data);
            }
            // `data` may still hold part of a secret; wipe it when we own it.
            if let Ok(mut owned) = data.try_into_mut() {
                owned.as_mut().zeroize();
            }
        }
        if seen > MAX_BODY {
            Err(BodyError::TooLarge)
        } else {
            Ok(buf)
        }
    };
    tokio::time::timeout(BODY_TIMEOUT, read).await.unwrap_or(Err(BodyError::Timeout))
}

/// Exactly one `Content-Type`, `application/json`, with no parameter but an
/// optional `charset=utf-8` (JSON is UTF-8: RFC 8259). Anything else — another
/// charset, a second Content-Type header — is refused rather than guessed at.
fn is_json(headers: &HeaderMap) -> bool {
    let mut values = headers.get_all(header::CONTENT_TYPE).iter();
    let (Some(value), None) = (values.next(), values.next()) else { return false };
    let Ok(value) = value.to_str() else { return false };
    let mut parts = value.split(';');
    let essence_ok = parts.next().is_some_and(|e| e.trim().eq_ignore_ascii_case("application/json"));
    essence_ok
        && parts.all(|p| match p.split_once('=') {
            Some((name, v)) => {
                name.trim().eq_ignore_ascii_case("charset") && v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            None => p.trim().is_empty(),
        })
}

/// The longest `field` an `unknown_field` item echoes: a key can be up to the
/// body's size, and echoing it whole would only amplify a hostile request.
const MAX_ECHOED_KEY: usize = 64;

/// Clips the keys echoed by `unknown_field` items to [`MAX_ECHOED_KEY`] characters
/// (plus "…"); the message already shortens them.
fn clip_unknown_keys(errors: &mut [Issue]) {
    for e in errors {
        if let Some(field) = &e.field {
            if field.chars().nth(MAX_ECHOED_KEY).is_some() {
                let mut clipped: String = field.chars().take(MAX_ECHOED_KEY).collect();
                clipped.push('…');
                e.field = Some(clipped.into());
            }
        }
    }
}

/// Reads, parses and validates a create/replace body.
async fn submission(headers: &HeaderMap, body: Body) -> Result<NewConnection, ApiError> {
    // The body is read (or drained) first even when the content type is wrong, so
    // the client gets the 415 rather than a reset connection.
    let bytes = read_body(headers, body).await;
    if !is_json(headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the connection as JSON, with one Content-Type: application/json (UTF-8).",
        ));
    }
    let bytes = match bytes {
        Ok(b) => b,
        Err(BodyError::TooLarge) => {
            return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "The request body is larger than 64 KB."))
        }
        Err(BodyError::Unreadable) => {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "The request body could not be read."))
        }
        Err(BodyError::Timeout) => {
            return Err(ApiError::new(StatusCode::REQUEST_TIMEOUT, "The request body took too long to arrive."))
        }
    };
    // serde_json's own error text may quote the input; it is never passed on.
    let parsed: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "The request body is not valid JSON."))?;
    drop(bytes);
    match submission::parse(parsed) {
        Ok(connection) => Ok(connection),
        Err(Rejection::Malformed(message)) => Err(ApiError::new(StatusCode::BAD_REQUEST, message)),
        Err(Rejection::Invalid(mut errors)) => Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: None,
            message: "The connection is not valid; see errors.",
            errors: {
                clip_unknown_keys(&mut errors);
                errors
            },
        }),
        Err(Rejection::Internal) => Err(ApiError::internal()),
    }
}

/// The `ETag` of a saved connection: its version, as a strong entity-tag.
fn etag(version: i64) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("\"{version}\"")).ok()
}

/// `If-Match`: absent (`None`), `*`, or a list of strong entity-tags naming
/// versions. A weak tag never matches (RFC 9110 uses strong comparison here), nor
/// does anything that is not a version of ours; a header that is not a list of
/// entity-tags is a 400.
fn if_match(headers: &HeaderMap) -> Result<Option<Precondition>, ApiError> {
    let bad =
        || ApiError::with_code(StatusCode::BAD_REQUEST, "invalid_if_match", "If-Match must be * or a list of ETags.");
    let mut versions = Vec::new();
    let mut any = false;
    let mut seen = false;
    for value in headers.get_all(header::IF_MATCH) {
        seen = true;
        let text = value.to_str().map_err(|_| bad())?;
        for tag in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if tag == "*" {
                any = true;
            } else if let Some(opaque) = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
                if let Ok(v) = opaque.parse::<i64>() {
                    versions.push(v);
                }
            } else if !(tag.starts_with("W/\"") && tag.ends_with('"') && tag.len() >= 4) {
                return Err(bad());
            }
        }
    }
    Ok(match (seen, any) {
        (false, _) => None,
        (true, true) => Some(Precondition::Any),
        (true, false) => Some(Precondition::Versions(versions)),
    })
}

/// 412 for a stale `If-Match`, carrying the stored version's `ETag`.
fn stale(current: i64) -> Response {
    let mut res = ApiError::with_code(
        StatusCode::PRECONDITION_FAILED,
        "conflict",
        "This connection was changed since it was read (If-Match does not match its version); nothing was saved.",
    )
    .into_response();
    if let Some(tag) = etag(current) {
        res.headers_mut().insert(header::ETAG, tag);
    }
    res
}

fn saved(status: StatusCode, c: &SavedConnection) -> Response {
    let mut res = json(status, c);
    if let Some(tag) = etag(c.version) {
        res.headers_mut().insert(header::ETAG, tag);
    }
    if status == StatusCode::CREATED {
        if let Ok(v) = HeaderValue::from_str(&format!("/api/connections/{}", c.id)) {
            res.headers_mut().insert(header::LOCATION, v);
        }
    }
    res
}

/// `limit` and `cursor` from the query string (anything else is ignored).
fn page_query(query: Option<&str>) -> Result<(usize, Option<Cursor>), ApiError> {
    let mut limit = DEFAULT_PAGE;
    let mut cursor = None;
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match &*k {
            "limit" => {
                limit = v.parse::<usize>().ok().filter(|n| (1..=MAX_PAGE).contains(n)).ok_or_else(|| {
                    ApiError::with_code(
                        StatusCode::BAD_REQUEST,
                        "invalid_limit",
                        "limit must be a whole number from 1 to 500.",
                    )
                })?;
            }
            "cursor" => {
                cursor = Some(Cursor::decode(&v).ok_or_else(|| {
                    ApiError::with_code(
                        StatusCode::BAD_REQUEST,
                        "invalid_cursor",
                        "cursor must be a value this server gave in a Link header.",
                    )
                })?);
            }
            _ => {}
        }
    }
    Ok((limit, cursor))
}

/// `GET /api/connections?limit=&cursor=`: one page (default 100, at most 500) in
/// creation order, as a JSON array; when more follow, a `Link: <…>; rel="next"`
/// header holds the next page's URL (with an opaque cursor).
pub async fn list(State(state): State<Shared>, uri: axum::http::Uri) -> Result<Response, ApiError> {
    let (limit, cursor) = page_query(uri.query())?;
    let page = blocking(&state, move |s| s.list_page(cursor, limit)).await?;
    let mut res = json(StatusCode::OK, &page.items);
    if let Some(next) = page.next {
        let link = format!("</api/connections?limit={limit}&cursor={}>; rel=\"next\"", next.encode());
        if let Ok(v) = HeaderValue::from_str(&link) {
            res.headers_mut().insert(header::LINK, v);
        }
    }
    Ok(res)
}

/// The `Idempotency-Key` header: absent, or 1 to 255 visible ASCII characters
/// (one header only).
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let bad = || {
        ApiError::with_code(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            "Idempotency-Key must be one header of 1 to 255 visible ASCII characters.",
        )
    };
    let mut values = headers.get_all("idempotency-key").iter();
    let Some(value) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(bad());
    }
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > 255 || !bytes.iter().all(|b| (0x21..=0x7e).contains(b)) {
        return Err(bad());
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

/// `POST /api/connections`. With an `Idempotency-Key`, a retry of the same body
/// returns the first request's record (201, same id, `Idempotent-Replayed: true`)
/// instead of creating a second one; the same key with another body is a 422
/// `idempotency_conflict`.
pub async fn create(State(state): State<Shared>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers);
    let new = submission(&headers, body).await?;
    let key = key?;
    match blocking(&state, move |s| s.create_once(key.as_deref(), &new)).await? {
        Created::New(c) => {
            tracing::info!(id = %c.id, api_type = %c.api_type, "connection created");
            Ok(saved(StatusCode::CREATED, &c))
        }
        Created::Replayed(c) => {
            tracing::info!(id = %c.id, "connection create replayed (Idempotency-Key)");
            let mut res = saved(StatusCode::CREATED, &c);
            res.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(res)
        }
        Created::Conflict => Err(ApiError::with_code(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_conflict",
            "This Idempotency-Key was used for a different connection; use a new key for a new save.",
        )),
        Created::Gone => Err(ApiError::with_code(
            StatusCode::GONE,
            "idempotency_gone",
            "The connection this Idempotency-Key created has since been deleted.",
        )),
    }
}

pub async fn get_one(
    State(state): State<Shared>,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Response, ApiError> {
    let id = id_of(path)?;
    match blocking(&state, move |s| s.get(&id)).await? {
        Some(c) => Ok(saved(StatusCode::OK, &c)),
        None => Err(ApiError::not_found()),
    }
}

/// `PUT /api/connections/{id}`: a full replacement; with `If-Match`, only of the
/// version(s) named (else 412 `conflict`, nothing saved).
pub async fn replace(
    State(state): State<Shared>,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let id = id_of(path)?;
    let precondition = if_match(&headers);
    let new = submission(&headers, body).await?;
    let precondition = precondition?;
    match blocking(&state, move |s| s.replace_if(&id, &new, precondition.as_ref())).await? {
        Written::Done(c) => {
            tracing::info!(id = %c.id, api_type = %c.api_type, version = c.version, "connection replaced");
            Ok(saved(StatusCode::OK, &c))
        }
        Written::NotFound => Err(ApiError::not_found()),
        Written::Stale(current) => Ok(stale(current)),
    }
}

/// `DELETE /api/connections/{id}`; with `If-Match`, only of the version(s) named.
pub async fn delete(
    State(state): State<Shared>,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = id_of(path)?;
    let precondition = if_match(&headers)?;
    let log_id = id.clone();
    match blocking(&state, move |s| s.delete_if(&id, precondition.as_ref())).await? {
        Written::Done(()) => {
            tracing::info!(id = %log_id, "connection deleted");
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Written::NotFound => Err(ApiError::not_found()),
        Written::Stale(current) => Ok(stale(current)),
    }
}

/// Runs a connection test: the rate limit first (no call to BILL when over it),
/// then the test. Always 200 with the `TestResult`.
///
/// `key` is the limiter's key, from [`TestLimiter::key`].
async fn run_test(state: &Shared, creds: Credentials, key: [u8; 32], id: Option<&str>) -> Response {
    let started = std::time::Instant::now();
    let api_type = creds.api_type.id;
    let limits = Arc::clone(state);
    let verdict = tokio::task::spawn_blocking(move || limits.limiter.take(&key)).await.unwrap_or(Verdict::Allowed);
    let result = match verdict {
        Verdict::Limited(wait) => bill::limited(wait),
        Verdict::Allowed => state.bill.test_connection(&creds).await,
    };
    drop(creds);
    // What BILL said, never what was sent: no secret, no session id.
    let first = result.errors.first();
    let bill_code = match first.and_then(|e| e.params.get("billCode")) {
        Some(Param::Str(s)) => s,
        Some(Param::Owned(s)) => s.as_str(),
        _ => "-",
    };
    tracing::info!(
        id = id.unwrap_or("-"),
        api_type,
        outcome = first.map_or("ok", |e| e.code.as_str()),
        bill_code,
        duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "connection test"
    );
    json(StatusCode::OK, &result)
}

/// `POST /api/connections/test`: tests an unsaved form (the same body as a
/// create, validated the same way: 422 with the report when invalid).
pub async fn test_unsaved(State(state): State<Shared>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let new = submission(&headers, body).await?;
    let api_type = spec::api_type(new.api_type).ok_or_else(ApiError::internal)?;
    let (field, value) = limiter::counted(api_type, &new.secrets);
    let key = state.limiter.key(new.environment, field, value);
    let creds = Credentials::from_new(new).ok_or_else(ApiError::internal)?;
    Ok(run_test(&state, creds, key, None).await)
}

/// Whether a browser says this request comes from another site. The saved
/// connection's test takes no body, so nothing forces a CORS preflight: refuse
/// cross-site requests outright (Sec-Fetch-Site, or an Origin naming another host).
fn is_cross_site(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // Every current browser sends Sec-Fetch-Site; it is trusted over Origin vs
    // Host, which a proxy rewriting Host would confuse.
    if let Some(site) = text("sec-fetch-site") {
        return !matches!(site, "same-origin" | "none");
    }
    match (text("origin"), text("host")) {
        (None, _) => false,
        (Some(origin), Some(host)) => {
            let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
            authority != Some(host)
        }
        (Some(_), None) => true,
    }
}

/// `POST /api/connections/{id}/test`: tests a saved connection. No body is
/// needed (any is ignored); the secrets are decrypted here and go only to BILL.
pub async fn test_saved(
    State(state): State<Shared>,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let id = id_of(path)?;
    // Drain whatever was sent (bounded), so the client sees our answer.
    let _ = read_body(&headers, body).await;
    if is_cross_site(&headers) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "Cross-site requests cannot test a saved connection."));
    }
    let lookup = id.clone();
    // One read of record and secrets together: never one version's settings with
    // another's secrets (issue 13, finding 1).
    let loaded = blocking(&state, move |s| s.load_with_secrets(&lookup)).await?;
    let Some((saved, secrets)) = loaded else { return Err(ApiError::not_found()) };
    let key = spec::api_type(&saved.api_type).map(|t| {
        let (field, value) = limiter::counted(t, &secrets);
        state.limiter.key(&saved.environment, field, value)
    });
    let creds = Credentials::from_saved(&saved, secrets).ok_or_else(|| {
        tracing::error!(id = %id, "a saved connection has an unknown API type or environment");
        ApiError::internal()
    })?;
    let key = key.ok_or_else(ApiError::internal)?;
    Ok(run_test(&state, creds, key, Some(&id)).await)
}
