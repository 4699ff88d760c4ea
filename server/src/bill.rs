//! "Test connection": executes BILL's requests as the crate describes them
//! (`billcom_connection::bill_api`: login, ping, logout per API type) and turns
//! BILL's answers into a [`TestResult`] with items on the fields that caused them
//! (`billcom_connection::connection_test`). Nothing here knows an API type: a new
//! one is a table edit in the crate.
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
use billcom_connection::bill_api::{self, Encoding, Envelope, Expect, Param, Request, Shape, Source};
use billcom_connection::connection_test::{self, TestCode, TestResult};
use billcom_connection::report::Param as ReportParam;
use billcom_connection::spec::{self, ApiType};
use billcom_connection::Secret;
use bytes::Bytes;
use reqwest::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::ser::{Serialize, SerializeMap, Serializer};
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
    pub api_type: ApiType,
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
            api_type: *spec::api_type(new.api_type)?,
            environment: spec::environment(new.environment)?.id,
            settings: new.settings.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            secrets: new.secrets.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        })
    }

    /// From a saved connection and its decrypted secrets. `None` when the stored
    /// API type or environment is not one of ours (a corrupt record).
    pub fn from_saved(saved: &SavedConnection, secrets: Vec<(String, Secret)>) -> Option<Credentials> {
        Some(Credentials {
            api_type: *spec::api_type(&saved.api_type)?,
            environment: spec::environment(&saved.environment)?.id,
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

    /// A field's value, a secret or not (the tables say which).
    fn field(&self, id: &str) -> &str {
        if spec::is_secret(id) {
            self.secret(id)
        } else {
            self.setting(id)
        }
    }

    /// What a value sent to BILL comes from.
    fn value<'a>(&'a self, source: Source, session: Option<&'a Secret>) -> &'a str {
        match source {
            Source::Field(id) => self.field(id),
            Source::Session => session.map_or("", Secret::expose),
        }
    }
}

/// Why an exchange produced no usable answer.
type Failure = TestCode;

/// Overwrites every string in a JSON value before it is dropped: BILL's answers
/// hold session ids.
fn scrub(v: &mut Json) {
    match v {
        Json::String(s) => s.zeroize(),
        Json::Array(a) => a.iter_mut().for_each(scrub),
        Json::Object(m) => m.iter_mut().for_each(|(_, x)| scrub(x)),
        Json::Null | Json::Bool(_) | Json::Number(_) => {}
    }
}

/// A complete answer from BILL: status and (capped) body, zeroized on drop.
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
        scrub(&mut v);
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

/// A JSON object of string pairs, in order (BILL's v3 login bodies).
struct Pairs<'a>(&'a [(&'a str, &'a str)]);

impl Serialize for Pairs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A request body that is zeroized when reqwest drops it.
fn secret_body(bytes: Zeroizing<Vec<u8>>) -> reqwest::Body {
    reqwest::Body::from(Bytes::from_owner(bytes))
}

/// A body of string pairs, in a buffer sized up front so it never reallocates
/// (which would leave a copy of a secret behind).
fn encode(encoding: Encoding, pairs: &[(&str, &str)]) -> Option<reqwest::Body> {
    let bytes = match encoding {
        Encoding::Json => {
            // JSON escaping at most sextuples a byte (\u00XX).
            let capacity = 2 + pairs.iter().map(|(k, v)| 6 * (k.len() + v.len()) + 6).sum::<usize>();
            let mut buf = Zeroizing::new(Vec::with_capacity(capacity));
            serde_json::to_writer(&mut *buf, &Pairs(pairs)).ok()?;
            buf
        }
        Encoding::Form => {
            // Percent-encoding at most triples a byte.
            let capacity = pairs.iter().map(|(k, v)| 3 * (k.len() + v.len()) + 2).sum::<usize>();
            let mut form = form_urlencoded::Serializer::new(String::with_capacity(capacity));
            for (k, v) in pairs {
                form.append_pair(k, v);
            }
            Zeroizing::new(form.finish().into_bytes())
        }
    };
    Some(secret_body(bytes))
}

/// A header value holding a secret: marked sensitive (never printed by `Debug`).
fn secret_header(text: &str) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(text).ok()?;
    v.set_sensitive(true);
    Some(v)
}

/// What every call has in common: 429 is a rate limit, 5xx BILL's own failure,
/// 3xx a redirect we do not follow (BILL documents none).
fn common_status(status: StatusCode) -> Option<TestResult> {
    if status == StatusCode::TOO_MANY_REQUESTS {
        Some(TestResult::form_level(
            TestCode::RateLimited,
            None,
            "BILL is limiting requests for these credentials (HTTP 429). Wait a minute, then test again.",
        ))
    } else if status.is_server_error() {
        Some(connection_test::transport(TestCode::UpstreamError))
    } else if status.is_redirection() || status.is_informational() {
        Some(connection_test::transport(TestCode::InvalidResponse))
    } else {
        None
    }
}

/// Takes a non-empty session id string out of a JSON value (the caller scrubs
/// the rest).
fn take_session_id(v: &mut Json, pointer: &str) -> Option<Secret> {
    v.pointer_mut(pointer).and_then(|s| match s {
        Json::String(s) if !s.is_empty() => Some(Secret::new(std::mem::take(s))),
        _ => None,
    })
}

fn invalid() -> TestResult {
    connection_test::transport(TestCode::InvalidResponse)
}

/// BILL's verdict on one call: `Ok` with the session id when the call yields one,
/// `Err` with the result to report.
fn read(api_type: ApiType, r: &Request, a: &Answer) -> Result<Option<Secret>, TestResult> {
    if let Some(result) = common_status(a.status) {
        return Err(result);
    }
    if let Some(field) = r.refused_by {
        if a.status == StatusCode::UNAUTHORIZED || a.status == StatusCode::FORBIDDEN {
            return Err(connection_test::refused(field));
        }
    }
    if r.envelope == Envelope::V3 && a.status.is_client_error() {
        return Err(match a.v3_error_code() {
            Some(code) => connection_test::from_bill_code(api_type, &code),
            None => invalid(),
        });
    }
    // v2 answers every call, good or bad, with 200; v3 succeeds with 200.
    if a.status != StatusCode::OK {
        return Err(invalid());
    }
    if r.expect == Expect::Nothing {
        return Ok(None);
    }
    let Some(mut v) = a.json() else { return Err(invalid()) };
    let result = read_json(api_type, r, &mut v);
    scrub(&mut v);
    result
}

fn read_json(api_type: ApiType, r: &Request, v: &mut Json) -> Result<Option<Secret>, TestResult> {
    if r.envelope == Envelope::V2 {
        match v.get("response_status").and_then(Json::as_u64) {
            Some(0) => {}
            Some(1) => {
                return Err(match v.pointer("/response_data/error_code").and_then(Json::as_str) {
                    Some(code) => connection_test::from_bill_code(api_type, code),
                    None => invalid(),
                })
            }
            _ => return Err(invalid()),
        }
    }
    match r.expect {
        Expect::Session(pointer) => take_session_id(v, pointer).map(Some).ok_or_else(invalid),
        Expect::Key(key, shape) => {
            let ok = v.get(key).is_some_and(|x| match shape {
                Shape::String => x.is_string(),
                Shape::Array => x.is_array(),
            });
            if ok {
                Ok(None)
            } else {
                Err(invalid())
            }
        }
        Expect::Nothing => Ok(None),
    }
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

    /// Runs a connection test for the credentials' API type: its login, ping and
    /// logout (`bill_api::protocol`), those that exist. Never fails: every
    /// outcome, including BILL being slow, down or odd, is a [`TestResult`].
    pub async fn test_connection(&self, c: &Credentials) -> TestResult {
        let deadline = Instant::now() + self.settings.timeout;
        let p = bill_api::protocol(c.api_type);
        let mut session = None;
        if let Some(login) = &p.login {
            match self.call(c, login, None, deadline).await {
                Ok(s) => session = s,
                Err(result) => return result,
            }
        }
        let verdict = match &p.ping {
            Some(ping) => self.call(c, ping, session.as_ref(), deadline).await.map(drop),
            None => Ok(()),
        };
        // Log out whatever the ping said, within the same deadline.
        if let (Some(logout), Some(_)) = (&p.logout, &session) {
            if let Err(r) = self.call(c, logout, session.as_ref(), deadline).await {
                let outcome = r.errors.first().map_or("failed", |e| e.code.as_str());
                tracing::debug!(outcome, "BILL logout failed (ignored)");
            }
        }
        drop(session);
        verdict.err().unwrap_or_else(TestResult::success)
    }

    /// One call of a connection test: built from the tables, sent, read.
    async fn call(
        &self,
        c: &Credentials,
        r: &Request,
        session: Option<&Secret>,
        deadline: Instant,
    ) -> Result<Option<Secret>, TestResult> {
        let req = self.build(c, r, session)?;
        let answer = self.exchange(req, deadline).await.map_err(connection_test::transport)?;
        read(c.api_type, r, &answer)
    }

    /// The request for `r`: BILL's URL for the API type and environment, its
    /// headers (secrets marked sensitive) and its body (zeroized when sent).
    fn build(&self, c: &Credentials, r: &Request, session: Option<&Secret>) -> Result<RequestBuilder, TestResult> {
        let p = bill_api::protocol(c.api_type);
        let url = self
            .url(&c.api_type, c.environment, r.path)
            .ok_or_else(|| connection_test::transport(TestCode::Unreachable))?;
        let method = match r.method {
            bill_api::Method::Get => Method::GET,
            bill_api::Method::Post => Method::POST,
        };
        let mut req = self.http.request(method, url).header(ACCEPT, bill_api::ACCEPT);
        let resolved = p.resolve(r);
        for h in &resolved.headers {
            let name = HeaderName::from_bytes(h.name.as_bytes()).map_err(|_| invalid())?;
            let Some(value) = secret_header(c.value(h.value, session)) else {
                return Err(match h.value {
                    Source::Field(id) => connection_test::unsendable(id),
                    // A session id BILL gave that is no header value: BILL's fault.
                    Source::Session => invalid(),
                });
            };
            req = req.header(name, value);
        }
        if let Some((encoding, params)) = &resolved.body {
            let pairs: Vec<(&str, &str)> = params.iter().map(|x: &Param| (x.name, c.value(x.value, session))).collect();
            let body = encode(*encoding, &pairs).ok_or_else(invalid)?;
            req = req.header(CONTENT_TYPE, encoding.media_type()).body(body);
        }
        Ok(req)
    }

    /// Sends and reads the whole answer (at most [`MAX_RESPONSE`] bytes) before
    /// `deadline`.
    async fn exchange(&self, req: RequestBuilder, deadline: Instant) -> Result<Answer, Failure> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(TestCode::Timeout);
        }
        let work = async {
            let mut res = req.timeout(remaining).send().await.map_err(classify)?;
            let status = res.status();
            if res.content_length().is_some_and(|n| n > MAX_RESPONSE as u64) {
                return Err(TestCode::InvalidResponse);
            }
            let first = res.content_length().map_or(8 * 1024, |n| n as usize).min(MAX_RESPONSE);
            let mut body = Zeroizing::new(Vec::with_capacity(first));
            while let Some(chunk) = res.chunk().await.map_err(classify)? {
                if body.len() + chunk.len() > MAX_RESPONSE {
                    return Err(TestCode::InvalidResponse);
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
        tokio::time::timeout_at(deadline, work).await.unwrap_or(Err(TestCode::Timeout))
    }
}

/// A reqwest error as a test code. Its text (which names the URL) is not logged.
fn classify(e: reqwest::Error) -> Failure {
    if e.is_timeout() {
        TestCode::Timeout
    } else if e.is_body() || e.is_decode() {
        TestCode::InvalidResponse
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
        TestCode::Unreachable
    }
}

/// The item for a test refused by our own limiter, with `params.retryAfter` in
/// seconds.
pub fn limited(retry_after: Duration) -> TestResult {
    let mut r = connection_test::transport(TestCode::RateLimited);
    let secs = u32::try_from(retry_after.as_secs().saturating_add(1)).unwrap_or(u32::MAX);
    if let Some(e) = r.errors.first_mut() {
        e.params.0.push(("retryAfter", ReportParam::Num(secs)));
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
    fn limited_carries_retry_after() {
        let v = serde_json::to_value(limited(Duration::from_millis(1500))).unwrap_or_default();
        assert_eq!(v["errors"][0]["code"], "rate_limited");
        assert_eq!(v["errors"][0]["params"]["retryAfter"], 2);
    }
}
