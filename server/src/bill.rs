//! "Test connection": logs in to BILL exactly as each API type expects
//! (`shared/BILLCOM.md`) and turns BILL's answer into a [`CheckResult`] with
//! items on the fields that caused it (`billcom_connection::check`).
//!
//! The host is derived here from apiType + environment (`spec::base_url`); a
//! client can never name a URL. For tests only, an origin override replaces the
//! scheme, host and port of every BILL base URL while keeping BILL's paths.
//!
//! Outbound calls: one total deadline per test (10 s by default), no redirects
//! followed, bodies read incrementally and capped, HTTPS only unless the origin
//! is overridden. Secrets travel in zeroize-on-drop buffers and as sensitive
//! header values; nothing here logs a secret, a body or a session id.

use crate::store::{NewConnection, SavedConnection};
use billcom_connection::check::{self, CheckCode, CheckIssue, CheckResult};
use billcom_connection::report::{Param, Params, Severity};
use billcom_connection::spec::{self, ApiType, ENVIRONMENTS};
use billcom_connection::Secret;
use bytes::Bytes;
use reqwest::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use serde_json::Value as Json;
use std::borrow::Cow;
use std::sync::Once;
use std::time::Duration;
use tokio::time::Instant;
use zeroize::{Zeroize, Zeroizing};

/// The default total time one connection test may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read from BILL; anything longer is `invalid_response`.
pub const MAX_RESPONSE: usize = 256 * 1024;

/// How the outbound client is set up (from the command line / environment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillSettings {
    /// Test-only override of scheme + host + port, e.g. `http://127.0.0.1:9911`
    /// (already normalized by [`parse_origin`]).
    pub origin: Option<String>,
    /// Total time for one test (every call of it, bodies included).
    pub timeout: Duration,
}

impl Default for BillSettings {
    fn default() -> Self {
        BillSettings { origin: None, timeout: DEFAULT_TIMEOUT }
    }
}

/// Checks an origin override: `http(s)://host[:port]`, nothing else (no path,
/// query, fragment or user info). Returns it normalized, without a trailing slash.
pub fn parse_origin(text: &str) -> Result<String, String> {
    let bad = || format!("BILLCOM_API_ORIGIN must be scheme://host[:port], like http://127.0.0.1:9911 (got {text:?})");
    let url = reqwest::Url::parse(text).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(bad());
    }
    Ok(url.origin().ascii_serialization())
}

/// The credentials of one test, whatever they came from (a form or a saved
/// connection). Secrets stay [`Secret`]s; absent fields read as "".
pub struct Credentials {
    pub api_type: &'static ApiType,
    pub environment: &'static str,
    settings: Vec<(String, String)>,
    secrets: Vec<(String, Secret)>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("api_type", &self.api_type.id)
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// From a validated, unsaved form.
    pub fn from_new(new: NewConnection) -> Option<Credentials> {
        Some(Credentials {
            api_type: spec::api_type(new.api_type)?,
            environment: ENVIRONMENTS.iter().find(|e| e.id == new.environment)?.id,
            settings: new.settings.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            secrets: new.secrets.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        })
    }

    /// From a saved connection and its decrypted secrets. `None` when the stored
    /// API type or environment is not one of ours (a corrupt record).
    pub fn from_saved(saved: &SavedConnection, secrets: Vec<(String, Secret)>) -> Option<Credentials> {
        Some(Credentials {
            api_type: spec::api_type(&saved.api_type)?,
            environment: ENVIRONMENTS.iter().find(|e| e.id == saved.environment)?.id,
            settings: saved.settings.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect(),
            secrets,
        })
    }

    fn setting(&self, key: &str) -> &str {
        self.settings.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.as_str())
    }

    fn secret(&self, key: &str) -> &str {
        self.secrets.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.expose())
    }

    /// Feeds what identifies "a set of credentials" for the rate limiter to
    /// `hasher`: API type, environment, the key or token, and the username.
    pub fn hash_identity<H: std::hash::Hasher>(&self, hasher: &mut H) {
        use std::hash::Hash;
        self.api_type.id.hash(hasher);
        self.environment.hash(hasher);
        let key = match self.api_type.id {
            "partner" => self.secret("appKey"),
            "spend-expense" => self.secret("apiToken"),
            _ => self.secret("devKey"),
        };
        key.hash(hasher);
        self.setting("username").hash(hasher);
    }
}

/// Why an exchange produced no usable answer.
type Failure = CheckCode;

/// A complete answer from BILL: status and (capped) body, zeroized on drop.
/// Success when BILL answered 200 with `key` of the documented type, else
/// `invalid_response`; the parsed body is scrubbed either way.
fn documented(a: &Answer, key: &str, shape: fn(&Json) -> bool) -> CheckResult {
    let Some(mut v) = a.json() else { return check::transport(CheckCode::InvalidResponse) };
    let ok = a.status == StatusCode::OK && v.get(key).is_some_and(shape);
    crate::submission::scrub(&mut v);
    if ok {
        CheckResult::success()
    } else {
        check::transport(CheckCode::InvalidResponse)
    }
}

struct Answer {
    status: StatusCode,
    body: Zeroizing<Vec<u8>>,
}

impl Answer {
    /// The body as JSON, or `None`. The caller scrubs what it does not keep.
    fn json(&self) -> Option<Json> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The code of the first item of a v3 error array (`[{ code, message, ... }]`).
    fn v3_error_code(&self) -> Option<String> {
        let mut v = self.json()?;
        let code =
            v.as_array().and_then(|a| a.first()).and_then(|e| e.get("code")).and_then(Json::as_str).map(str::to_owned);
        crate::submission::scrub(&mut v);
        code
    }
}

/// The outbound HTTP client for connection tests.
pub struct BillClient {
    http: reqwest::Client,
    settings: BillSettings,
}

impl std::fmt::Debug for BillClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BillClient").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// Installs rustls' ring provider as the process default, once (reqwest is
/// built with `rustls-no-provider`).
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another provider is already installed: that one is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct V3Login<'a> {
    username: &'a str,
    password: &'a str,
    organization_id: &'a str,
    dev_key: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PartnerLogin<'a> {
    username: &'a str,
    password: &'a str,
    app_key: &'a str,
}

/// A request body that is zeroized when reqwest drops it.
fn secret_body(bytes: Zeroizing<Vec<u8>>) -> reqwest::Body {
    reqwest::Body::from(Bytes::from_owner(bytes))
}

fn json_body<T: Serialize>(value: &T, capacity: usize) -> Option<reqwest::Body> {
    // Sized up front so the buffer never reallocates (which would leave a copy).
    let mut buf = Zeroizing::new(Vec::with_capacity(capacity));
    serde_json::to_writer(&mut *buf, value).ok()?;
    Some(secret_body(buf))
}

/// A header value holding a secret: marked sensitive (never printed by `Debug`).
fn secret_header(text: &str) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(text).ok()?;
    v.set_sensitive(true);
    Some(v)
}

/// BILL cannot have accepted a value that is not a valid header value.
fn unsendable(field: &'static str) -> CheckResult {
    CheckResult::failure(vec![CheckIssue {
        field: Some(Cow::Borrowed(field)),
        code: CheckCode::Rejected,
        severity: Severity::Error,
        message: "BILL cannot accept this value: it holds characters that cannot be sent in an HTTP header.".into(),
        params: Params::default(),
    }])
}

/// A BILL code's items, kept to the fields this API type has: an item on a field
/// the form does not show (e.g. `username` for Spend & Expense) becomes one
/// form-level `auth_failed` carrying the code.
fn bill_code(api_type: &ApiType, code: &str) -> CheckResult {
    let r = check::from_bill_code(api_type.id, code);
    if r.errors.iter().all(|e| e.field.as_deref().is_none_or(|f| api_type.has_field(f))) {
        return r;
    }
    let params = r
        .errors
        .iter()
        .find_map(|e| e.params.get("billCode").cloned())
        .map(|c| Params(vec![("billCode", c)]))
        .unwrap_or_default();
    CheckResult::failure(vec![CheckIssue {
        field: None,
        code: CheckCode::AuthFailed,
        severity: Severity::Error,
        message: "BILL refused the login.".into(),
        params,
    }])
}

/// What every call has in common: 429 is a rate limit, 5xx BILL's own failure,
/// 3xx a redirect we do not follow (BILL documents none).
fn common_status(status: StatusCode) -> Option<CheckResult> {
    if status == StatusCode::TOO_MANY_REQUESTS {
        Some(CheckResult::form_level(
            CheckCode::RateLimited,
            None,
            "BILL is limiting requests for these credentials (HTTP 429). Wait a minute, then test again.",
        ))
    } else if status.is_server_error() {
        Some(check::transport(CheckCode::UpstreamError))
    } else if status.is_redirection() || status.is_informational() {
        Some(check::transport(CheckCode::InvalidResponse))
    } else {
        None
    }
}

/// A 4xx with BILL's v3 error array: its first code, on the right field.
fn v3_failure(api_type: &ApiType, a: &Answer) -> CheckResult {
    match a.v3_error_code() {
        Some(code) => bill_code(api_type, &code),
        None => check::transport(CheckCode::InvalidResponse),
    }
}

/// Takes a non-empty `sessionId` string out of a JSON object, scrubbing the rest.
fn take_session_id(mut v: Json, pointer: &str) -> Option<Secret> {
    let id = v.pointer_mut(pointer).and_then(|s| match s {
        Json::String(s) if !s.is_empty() => Some(Secret::new(std::mem::take(s))),
        _ => None,
    });
    crate::submission::scrub(&mut v);
    id
}

impl BillClient {
    /// Builds the client. Fails only if TLS cannot be set up (e.g. no usable
    /// system certificate store).
    pub fn new(settings: BillSettings) -> Result<BillClient, String> {
        install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .https_only(settings.origin.is_none())
            .user_agent(concat!("billcom-connection-server/", env!("CARGO_PKG_VERSION")));
        if settings.origin.is_some() {
            // The override points at a local test double: never through a proxy.
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| format!("could not set up the HTTPS client for BILL: {e}"))?;
        Ok(BillClient { http, settings })
    }

    pub fn settings(&self) -> &BillSettings {
        &self.settings
    }

    /// `{base}{path}` for this API type and environment, with the test-only
    /// origin override applied (BILL's path kept).
    pub fn url(&self, api_type: &ApiType, environment: &str, path: &str) -> Option<String> {
        let base = api_type.base_url(environment)?;
        let base = match &self.settings.origin {
            None => Cow::Borrowed(base),
            Some(origin) => {
                // "https://host/path" -> origin + "/path"
                let after_scheme = base.split_once("://")?.1;
                let base_path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
                Cow::Owned(format!("{origin}{base_path}"))
            }
        };
        Some(format!("{base}{path}"))
    }

    /// Runs the check for the credentials' API type. Never fails: every outcome,
    /// including BILL being slow, down or odd, is a [`CheckResult`].
    pub async fn check(&self, c: &Credentials) -> CheckResult {
        let deadline = Instant::now() + self.settings.timeout;
        let result = match c.api_type.id {
            "ap-ar-v2" => self.v2(c, deadline).await,
            "ap-ar-v3" => self.v3(c, deadline).await,
            "partner" => self.partner(c, deadline).await,
            "spend-expense" => self.spend(c, deadline).await,
            _ => Err(CheckCode::InvalidResponse),
        };
        result.unwrap_or_else(check::transport)
    }

    fn request(&self, c: &Credentials, method: Method, path: &str) -> Result<RequestBuilder, Failure> {
        let url = self.url(c.api_type, c.environment, path).ok_or(CheckCode::Unreachable)?;
        Ok(self.http.request(method, url).header(ACCEPT, "application/json"))
    }

    /// Sends and reads the whole answer (at most [`MAX_RESPONSE`] bytes) before
    /// `deadline`.
    async fn exchange(&self, req: RequestBuilder, deadline: Instant) -> Result<Answer, Failure> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(CheckCode::Timeout);
        }
        let work = async {
            let mut res = req.timeout(remaining).send().await.map_err(classify)?;
            let status = res.status();
            if res.content_length().is_some_and(|n| n > MAX_RESPONSE as u64) {
                return Err(CheckCode::InvalidResponse);
            }
            let first = res.content_length().map_or(8 * 1024, |n| n as usize).min(MAX_RESPONSE);
            let mut body = Zeroizing::new(Vec::with_capacity(first));
            while let Some(chunk) = res.chunk().await.map_err(classify)? {
                if body.len() + chunk.len() > MAX_RESPONSE {
                    return Err(CheckCode::InvalidResponse);
                }
                // Reserve exactly, so a growing buffer never leaves copies behind.
                if body.capacity() < body.len() + chunk.len() {
                    let mut bigger = Zeroizing::new(Vec::with_capacity(
                        (body.len() + chunk.len()).max(body.capacity() * 2).min(MAX_RESPONSE),
                    ));
                    bigger.extend_from_slice(&body);
                    body = bigger;
                }
                body.extend_from_slice(&chunk);
                if let Ok(mut owned) = chunk.try_into_mut() {
                    owned.as_mut().zeroize();
                }
            }
            Ok(Answer { status, body })
        };
        tokio::time::timeout_at(deadline, work).await.unwrap_or(Err(CheckCode::Timeout))
    }

    /// AP/AR v2: `POST {base}/Login.json`, form-encoded `userName`, `password`,
    /// `orgId`, `devKey` in the body. Success is `response_status` 0 with a
    /// `sessionId`; failure is `response_status` 1 with `response_data.error_code`.
    async fn v2(&self, c: &Credentials, deadline: Instant) -> Result<CheckResult, Failure> {
        let fields = [
            ("userName", c.setting("username")),
            ("password", c.secret("password")),
            ("orgId", c.setting("organizationId")),
            ("devKey", c.secret("devKey")),
        ];
        // Percent-encoding at most triples a byte; sized so it never reallocates.
        let capacity = fields.iter().map(|(k, v)| k.len() + 2 + v.len() * 3).sum::<usize>();
        let body = {
            let mut form = form_urlencoded::Serializer::new(String::with_capacity(capacity));
            for (k, v) in fields {
                form.append_pair(k, v);
            }
            Zeroizing::new(form.finish().into_bytes())
        };
        let req = self
            .request(c, Method::POST, "/Login.json")?
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(secret_body(body));
        let a = self.exchange(req, deadline).await?;
        if let Some(r) = common_status(a.status) {
            return Ok(r);
        }
        if a.status != StatusCode::OK {
            // v2 answers every login, good or bad, with 200.
            return Ok(check::transport(CheckCode::InvalidResponse));
        }
        let Some(mut v) = a.json() else { return Ok(check::transport(CheckCode::InvalidResponse)) };
        let status = v.get("response_status").and_then(Json::as_u64);
        let result = match status {
            Some(0) => match take_session_id(std::mem::take(&mut v), "/response_data/sessionId") {
                Some(_session) => CheckResult::success(),
                None => check::transport(CheckCode::InvalidResponse),
            },
            Some(1) => match v.pointer("/response_data/error_code").and_then(Json::as_str) {
                Some(code) => bill_code(c.api_type, code),
                None => check::transport(CheckCode::InvalidResponse),
            },
            _ => check::transport(CheckCode::InvalidResponse),
        };
        crate::submission::scrub(&mut v);
        Ok(result)
    }

    /// AP/AR v3: `POST {base}/v3/login` (JSON), then `GET {base}/v3/login/session`
    /// with the `devKey` and `sessionId` headers, then `POST {base}/v3/logout`
    /// (whose failure does not fail the test).
    async fn v3(&self, c: &Credentials, deadline: Instant) -> Result<CheckResult, Failure> {
        let login = V3Login {
            username: c.setting("username"),
            password: c.secret("password"),
            organization_id: c.setting("organizationId"),
            dev_key: c.secret("devKey"),
        };
        let session = match self.login(c, "/v3/login", &login, deadline).await? {
            Ok(session) => session,
            Err(failed) => return Ok(failed),
        };
        let Some(dev_key) = secret_header(c.secret("devKey")) else { return Ok(unsendable("devKey")) };
        let Some(session_id) = secret_header(session.expose()) else {
            return Ok(check::transport(CheckCode::InvalidResponse));
        };
        drop(session);
        let dev_key_name = HeaderName::from_static("devkey");
        let session_name = HeaderName::from_static("sessionid");
        let req = self
            .request(c, Method::GET, "/v3/login/session")?
            .header(dev_key_name.clone(), dev_key.clone())
            .header(session_name.clone(), session_id.clone());
        let checked = self.exchange(req, deadline).await;
        // Log out whatever the session check said, within the same deadline.
        if let Ok(req) = self.request(c, Method::POST, "/v3/logout") {
            let req = req.header(dev_key_name, dev_key).header(session_name, session_id);
            if let Err(code) = self.exchange(req, deadline).await {
                tracing::debug!(outcome = code.as_str(), "BILL v3 logout failed (ignored)");
            }
        }
        let a = checked?;
        if let Some(r) = common_status(a.status) {
            return Ok(r);
        }
        if a.status.is_client_error() {
            return Ok(v3_failure(c.api_type, &a));
        }
        Ok(documented(&a, "organizationId", Json::is_string))
    }

    /// Partner: `POST {base}/v3/partner/login`, JSON `username`, `password`,
    /// `appKey`; success is a `sessionId`.
    async fn partner(&self, c: &Credentials, deadline: Instant) -> Result<CheckResult, Failure> {
        let login = PartnerLogin {
            username: c.setting("username"),
            password: c.secret("password"),
            app_key: c.secret("appKey"),
        };
        Ok(match self.login(c, "/v3/partner/login", &login, deadline).await? {
            Ok(_session) => CheckResult::success(),
            Err(failed) => failed,
        })
    }

    /// A v3 JSON login: `Ok(Ok(sessionId))`, or `Ok(Err(result))` with BILL's
    /// verdict.
    async fn login<T: Serialize>(
        &self,
        c: &Credentials,
        path: &str,
        body: &T,
        deadline: Instant,
    ) -> Result<Result<Secret, CheckResult>, Failure> {
        let capacity = 256
            + c.secrets.iter().map(|(_, s)| s.expose().len() * 6).sum::<usize>()
            + c.settings.iter().map(|(_, s)| s.len() * 6).sum::<usize>();
        let body = json_body(body, capacity).ok_or(CheckCode::InvalidResponse)?;
        let req = self.request(c, Method::POST, path)?.header(CONTENT_TYPE, "application/json").body(body);
        let a = self.exchange(req, deadline).await?;
        if let Some(r) = common_status(a.status) {
            return Ok(Err(r));
        }
        if a.status.is_client_error() {
            return Ok(Err(v3_failure(c.api_type, &a)));
        }
        if a.status != StatusCode::OK {
            return Ok(Err(check::transport(CheckCode::InvalidResponse)));
        }
        Ok(match a.json().and_then(|v| take_session_id(v, "/sessionId")) {
            Some(session) => Ok(session),
            None => Err(check::transport(CheckCode::InvalidResponse)),
        })
    }

    /// Spend & Expense: no login call; a cheap authenticated read,
    /// `GET {base}/v3/spend/budgets?max=1` with the `apiToken` header. 401/403
    /// mean the token was refused.
    async fn spend(&self, c: &Credentials, deadline: Instant) -> Result<CheckResult, Failure> {
        let Some(token) = secret_header(c.secret("apiToken")) else { return Ok(unsendable("apiToken")) };
        let req =
            self.request(c, Method::GET, "/v3/spend/budgets?max=1")?.header(HeaderName::from_static("apitoken"), token);
        let a = self.exchange(req, deadline).await?;
        if let Some(r) = common_status(a.status) {
            return Ok(r);
        }
        if a.status == StatusCode::UNAUTHORIZED || a.status == StatusCode::FORBIDDEN {
            return Ok(check::token_rejected());
        }
        if a.status.is_client_error() {
            return Ok(v3_failure(c.api_type, &a));
        }
        Ok(documented(&a, "results", Json::is_array))
    }
}

/// A reqwest error as a check code. Its text (which names the URL) is not logged.
fn classify(e: reqwest::Error) -> Failure {
    if e.is_timeout() {
        CheckCode::Timeout
    } else if e.is_body() || e.is_decode() {
        CheckCode::InvalidResponse
    } else {
        // Connect (DNS, TCP, TLS), a refused scheme, a connection closed early.
        // The cause helps an operator (a proxy, a CA store); it never holds a
        // header or a body, and the URL is taken out.
        let e = e.without_url();
        let mut cause = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            cause.push_str(": ");
            cause.push_str(&s.to_string());
            source = s.source();
        }
        tracing::warn!(cause = %cause, "BILL could not be reached");
        CheckCode::Unreachable
    }
}

/// The item for a test refused by our own limiter, with `params.retryAfter` in
/// seconds.
pub fn limited(retry_after: Duration) -> CheckResult {
    let mut r = check::transport(CheckCode::RateLimited);
    let secs = u32::try_from(retry_after.as_secs().saturating_add(1)).unwrap_or(u32::MAX);
    if let Some(e) = r.errors.first_mut() {
        e.params.0.push(("retryAfter", Param::Num(secs)));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_port_only() {
        assert_eq!(parse_origin("http://127.0.0.1:9911").as_deref(), Ok("http://127.0.0.1:9911"));
        assert_eq!(parse_origin("http://127.0.0.1:9911/").as_deref(), Ok("http://127.0.0.1:9911"));
        assert_eq!(parse_origin("HTTPS://Example.com").as_deref(), Ok("https://example.com"));
        for bad in ["", "127.0.0.1:9911", "ftp://x", "http://x/api", "http://x?a=1", "http://u:p@x", "http://x#f"] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_keep_bill_paths_under_an_override() {
        let real = BillClient::new(BillSettings::default()).unwrap_or_else(|e| panic!("{e}"));
        let v2 = spec::api_type("ap-ar-v2").unwrap_or_else(|| panic!("v2"));
        let v3 = spec::api_type("ap-ar-v3").unwrap_or_else(|| panic!("v3"));
        assert_eq!(
            real.url(v2, "production", "/Login.json").as_deref(),
            Some("https://api.bill.com/api/v2/Login.json")
        );
        assert_eq!(
            real.url(v2, "sandbox", "/Login.json").as_deref(),
            Some("https://api-stage.bill.com/api/v2/Login.json")
        );
        assert_eq!(
            real.url(v3, "production", "/v3/login").as_deref(),
            Some("https://gateway.prod.bill.com/connect/v3/login")
        );
        assert_eq!(real.url(v3, "nowhere", "/v3/login"), None);
        let mock =
            BillClient::new(BillSettings { origin: Some("http://127.0.0.1:9911".into()), timeout: DEFAULT_TIMEOUT })
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mock.url(v2, "sandbox", "/Login.json").as_deref(), Some("http://127.0.0.1:9911/api/v2/Login.json"));
        assert_eq!(mock.url(v3, "production", "/v3/login").as_deref(), Some("http://127.0.0.1:9911/connect/v3/login"));
    }

    #[test]
    fn codes_for_fields_a_type_lacks_become_form_level() {
        let spend = spec::api_type("spend-expense").unwrap_or_else(|| panic!("spend"));
        let r = bill_code(spend, "BDC_1101");
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.errors[0].field, None);
        assert_eq!(r.errors[0].code, CheckCode::AuthFailed);
        assert_eq!(r.errors[0].params.get("billCode"), Some(&Param::Str("BDC_1101")));
        let v3 = spec::api_type("ap-ar-v3").unwrap_or_else(|| panic!("v3"));
        assert_eq!(bill_code(v3, "BDC_1101").errors.len(), 2);
    }

    #[test]
    fn limited_carries_retry_after() {
        let v = serde_json::to_value(limited(Duration::from_millis(1500))).unwrap_or_default();
        assert_eq!(v["errors"][0]["code"], "rate_limited");
        assert_eq!(v["errors"][0]["params"]["retryAfter"], 2);
    }
}
