//! "Test connection" end to end: the real server binary, with BILLCOM_API_ORIGIN
//! pointing at the real BILL test double (`tests/support/bill-mock.mjs`, run by
//! Node as a child process), over loopback TCP. Every API type: success, each
//! credential BILL can blame, lock-outs, BILL's rate limits (codes and HTTP 429),
//! slow past the timeout, 5xx, non-JSON. Plus the saved-connection endpoint, the
//! limiter, what went over the wire, and that no secret reached the log.

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MOCK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/support/bill-mock.mjs");
/// The server's total time per test in these runs, and the mock's delay when slow.
const TIMEOUT_MS: u64 = 1500;
const SLOW_MS: u64 = 4000;

// The mock's accounts (its ACCOUNTS constant).
const AP_USER: &str = "ap@example.com";
const AP_PASSWORD: &str = "Correct-Horse-1";
const AP_ORG: &str = "00801MOCKORG0001";
const AP_DEV_KEY: &str = "MOCK-DEV-KEY-0001";
const PARTNER_USER: &str = "partner@example.com";
const PARTNER_PASSWORD: &str = "Partner-Pass-1";
const PARTNER_APP_KEY: &str = "MOCK-APP-KEY-0001";
const SPEND_TOKEN: &str = "MOCK-SPEND-TOKEN-0001";

/// The Node BILL double, killed when dropped.
struct Mock {
    addr: SocketAddr,
    origin: String,
    child: Child,
    _stdout: BufReader<ChildStdout>,
}

impl Mock {
    fn start() -> Mock {
        let mut child = Command::new("node")
            .arg(MOCK)
            .arg("--port")
            .arg("0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start `node {MOCK}` (is node on PATH?): {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let origin = line
            .trim()
            .strip_prefix("bill-mock listening ")
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!("unexpected first line from the mock: {line:?}")
            })
            .to_owned();
        let addr = origin
            .strip_prefix("http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("bad mock origin {origin:?}"));
        Mock { addr, origin, child, _stdout: reader }
    }

    fn post(&self, path: &str, body: &Value) -> Resp {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        request(self.addr, "POST", path, &[("Content-Type", "application/json")], &bytes)
    }

    fn mode(&self, mode: &str, delay_ms: u64) {
        let r = self.post("/__mock/mode", &json!({ "mode": mode, "delayMs": delay_ms }));
        assert_eq!(r.status, 200, "{}", r.text());
    }

    fn reset(&self) {
        assert_eq!(self.post("/__mock/reset", &json!({})).status, 200);
    }

    fn calls(&self) -> Vec<Value> {
        request(self.addr, "GET", "/__mock/calls", &[], b"").json().as_array().cloned().unwrap_or_default()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(dirs: &Dirs, origin: &str) -> Server {
    let ms = TIMEOUT_MS.to_string();
    dirs.start(&[("BILLCOM_API_ORIGIN", origin), ("BILLCOM_API_TIMEOUT_MS", ms.as_str())])
}

fn apar(api_type: &str, org: &str, user: &str, password: &str, dev_key: &str) -> Value {
    json!({
        "name": "BILL test", "apiType": api_type, "environment": "sandbox",
        "settings": { "organizationId": org, "username": user },
        "secrets": { "password": password, "devKey": dev_key },
    })
}

fn partner(user: &str, password: &str, app_key: &str) -> Value {
    json!({
        "name": "BILL partner", "apiType": "partner", "environment": "production",
        "settings": { "username": user },
        "secrets": { "password": password, "appKey": app_key },
    })
}

fn spend(token: &str) -> Value {
    json!({
        "name": "Cards", "apiType": "spend-expense", "environment": "sandbox",
        "settings": {}, "secrets": { "apiToken": token },
    })
}

/// An expected item: (field, code, params.billCode).
type Item<'a> = (Option<&'a str>, &'a str, Option<&'a str>);

fn items(v: &Value) -> Vec<(Option<String>, String, Option<String>)> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    (
                        i["field"].as_str().map(str::to_owned),
                        i["code"].as_str().unwrap_or("").to_owned(),
                        i["params"]["billCode"].as_str().map(str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every secret value a test sends, for the "not in the log" check.
#[derive(Default)]
struct Sent(Vec<String>);

impl Sent {
    fn note(&mut self, body: &Value) {
        for s in secret_values(body) {
            if !self.0.contains(&s) {
                self.0.push(s);
            }
        }
    }
}

/// POSTs an unsaved form to /api/connections/test and checks the answer's shape.
fn test_unsaved(server: &Server, sent: &mut Sent, body: &Value) -> Value {
    sent.note(body);
    let r = server.send_json("POST", "/api/connections/test", body);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_no_secret(r.raw().as_bytes(), &secret_values(body), "a test answer");
    let v = r.json();
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    // An answer without an errors array must fail here, not pass an empty loop.
    let errors = v["errors"].as_array().unwrap_or_else(|| panic!("no errors array: {v}"));
    assert_eq!(v["ok"].as_bool(), Some(errors.is_empty()), "{v}");
    for i in errors {
        assert_eq!(i["severity"], "error", "{v}");
        assert!(i["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    }
    v
}

fn expect(server: &Server, sent: &mut Sent, body: &Value, want: &[Item]) -> Value {
    let v = test_unsaved(server, sent, body);
    let got = items(&v);
    let want: Vec<_> =
        want.iter().map(|(f, c, b)| (f.map(str::to_owned), (*c).to_owned(), b.map(str::to_owned))).collect();
    assert_eq!(got, want, "{} -> {v}", body["apiType"]);
    assert_eq!(v["ok"], want.is_empty(), "{v}");
    v
}

/// Rate limits by HTTP 429, a slow BILL, a 5xx and a non-JSON page: the same for
/// every API type.
fn faults(server: &Server, mock: &Mock, sent: &mut Sent, good: &Value) {
    mock.mode("status429", 0);
    expect(server, sent, good, &[(None, "rate_limited", None)]);
    mock.mode("error500", 0);
    expect(server, sent, good, &[(None, "upstream_error", None)]);
    mock.mode("html", 0);
    expect(server, sent, good, &[(None, "invalid_response", None)]);
    mock.mode("slow", SLOW_MS);
    let t = Instant::now();
    expect(server, sent, good, &[(None, "timeout", None)]);
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(TIMEOUT_MS - 100) && took < Duration::from_millis(SLOW_MS),
        "the timeout took {took:?}"
    );
    mock.reset();
    // And BILL is fine again.
    expect(server, sent, good, &[]);
}

/// The server's log names no secret it was given, and no BILL session id.
fn assert_log_clean(server: Server, sent: &Sent) {
    let (_, log) = server.stop();
    assert!(log.contains("BILLCOM_API_ORIGIN is set"), "no startup warning:\n{log}");
    assert!(log.contains("connection test"), "{log}");
    assert_no_secret(log.as_bytes(), &sent.0, "the server log");
    for prefix in ["v2-", "v3-"] {
        for (i, _) in log.match_indices(prefix) {
            let after = &log[i + 3..];
            let hex = after.chars().take_while(char::is_ascii_hexdigit).count();
            assert!(hex < 24, "the log holds a session id: {}", &log[i..(i + 30).min(log.len())]);
        }
    }
    assert!(!log.to_ascii_lowercase().contains("sessionid"), "{log}");
}

fn form_keys(body: &str) -> Vec<String> {
    let mut keys: Vec<String> = body.split('&').filter_map(|p| p.split_once('=')).map(|(k, _)| k.to_owned()).collect();
    keys.sort();
    keys
}

/// BILL's refusals of an AP/AR login (v2 and v3 alike), each on the field it blames.
fn apar_refusals(server: &Server, sent: &mut Sent, t: &str, wrong_dev_key: &str) {
    let both = |code| [(Some("username"), "rejected", Some(code)), (Some("password"), "rejected", Some(code))];
    expect(server, sent, &apar(t, AP_ORG, AP_USER, "wrong password 1", AP_DEV_KEY), &both("BDC_1101"));
    expect(
        server,
        sent,
        &apar(t, AP_ORG, AP_USER, AP_PASSWORD, wrong_dev_key),
        &[(Some("devKey"), "rejected", Some("BDC_1102"))],
    );
    expect(
        server,
        sent,
        &apar(t, AP_ORG, AP_USER, AP_PASSWORD, "MOCK-DEV-KEY-INACTIVE"),
        &[(Some("devKey"), "rejected", Some("BDC_1103"))],
    );
    expect(
        server,
        sent,
        &apar(t, "00801WRONGORG001", AP_USER, AP_PASSWORD, AP_DEV_KEY),
        &[(Some("organizationId"), "rejected", Some("BDC_1123"))],
    );
    expect(
        server,
        sent,
        &apar(t, "00801LOCKEDORG01", AP_USER, AP_PASSWORD, AP_DEV_KEY),
        &[(None, "locked", Some("BDC_1107"))],
    );
    expect(
        server,
        sent,
        &apar(t, AP_ORG, "locked@example.com", AP_PASSWORD, AP_DEV_KEY),
        &[(None, "locked", Some("BDC_1110"))],
    );
    expect(
        server,
        sent,
        &apar(t, AP_ORG, "ratelimited@example.com", AP_PASSWORD, AP_DEV_KEY),
        &[(None, "rate_limited", Some("BDC_1144"))],
    );
    expect(
        server,
        sent,
        &apar(t, AP_ORG, "busy@example.com", AP_PASSWORD, AP_DEV_KEY),
        &[(None, "rate_limited", Some("BDC_1322"))],
    );
}

#[test]
fn ap_ar_v2() {
    let mock = Mock::start();
    let dirs = Dirs::for_api();
    let server = start_server(&dirs, &mock.origin);
    let mut sent = Sent::default();
    let t = "ap-ar-v2";
    let good = apar(t, AP_ORG, AP_USER, AP_PASSWORD, AP_DEV_KEY);

    expect(&server, &mut sent, &good, &[]);
    // What went over the wire: one form-encoded POST, credentials in the body only.
    let calls = mock.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let c = &calls[0];
    assert_eq!(
        (c["method"].as_str(), c["path"].as_str(), c["query"].as_str()),
        (Some("POST"), Some("/api/v2/Login.json"), Some(""))
    );
    assert_eq!(c["contentType"], "application/x-www-form-urlencoded");
    let body = c["body"].as_str().unwrap_or_default();
    assert_eq!(form_keys(body), ["devKey", "orgId", "password", "userName"]);
    assert!(body.contains("userName=ap%40example.com") && body.contains("password=Correct-Horse-1"), "{body}");

    apar_refusals(&server, &mut sent, t, "WRONG-DEV-KEY-2");
    let both = |code| [(Some("username"), "rejected", Some(code)), (Some("password"), "rejected", Some(code))];
    expect(&server, &mut sent, &apar(t, AP_ORG, "nobody@example.com", AP_PASSWORD, AP_DEV_KEY), &both("BDC_1101"));
    faults(&server, &mock, &mut sent, &good);
    assert_log_clean(server, &sent);
}

#[test]
fn ap_ar_v3() {
    let mock = Mock::start();
    let dirs = Dirs::for_api();
    let server = start_server(&dirs, &mock.origin);
    let mut sent = Sent::default();
    let t = "ap-ar-v3";
    let good = apar(t, AP_ORG, AP_USER, AP_PASSWORD, AP_DEV_KEY);

    expect(&server, &mut sent, &good, &[]);
    // Login (JSON), session check with devKey + sessionId headers, logout.
    let calls = mock.calls();
    let seen: Vec<_> =
        calls.iter().map(|c| (c["method"].as_str().unwrap_or(""), c["path"].as_str().unwrap_or(""))).collect();
    assert_eq!(
        seen,
        [("POST", "/connect/v3/login"), ("GET", "/connect/v3/login/session"), ("POST", "/connect/v3/logout")]
    );
    assert_eq!(calls[0]["contentType"], "application/json");
    assert_eq!(calls[0]["query"], "");
    let login: Value = serde_json::from_str(calls[0]["body"].as_str().unwrap_or("")).unwrap_or_default();
    assert_eq!(
        login,
        json!({ "username": AP_USER, "password": AP_PASSWORD, "organizationId": AP_ORG, "devKey": AP_DEV_KEY })
    );
    for c in &calls[1..] {
        let names = c["headerNames"].as_array().cloned().unwrap_or_default();
        assert!(names.contains(&json!("devkey")) && names.contains(&json!("sessionid")), "{c}");
        assert_eq!(c["body"], "", "{c}");
    }

    apar_refusals(&server, &mut sent, t, "WRONG-DEV-KEY-3");
    let both = |code| [(Some("username"), "rejected", Some(code)), (Some("password"), "rejected", Some(code))];
    // A failed login makes no further call.
    mock.reset();
    expect(&server, &mut sent, &apar(t, AP_ORG, AP_USER, "wrong password 2", AP_DEV_KEY), &both("BDC_1101"));
    assert_eq!(mock.calls().len(), 1);
    faults(&server, &mock, &mut sent, &good);
    assert_log_clean(server, &sent);
}

#[test]
fn partner_operations() {
    let mock = Mock::start();
    let dirs = Dirs::for_api();
    let server = start_server(&dirs, &mock.origin);
    let mut sent = Sent::default();
    let good = partner(PARTNER_USER, PARTNER_PASSWORD, PARTNER_APP_KEY);

    expect(&server, &mut sent, &good, &[]);
    let calls = mock.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(
        (calls[0]["method"].as_str(), calls[0]["path"].as_str()),
        (Some("POST"), Some("/connect/v3/partner/login"))
    );
    assert_eq!(calls[0]["contentType"], "application/json");
    let login: Value = serde_json::from_str(calls[0]["body"].as_str().unwrap_or("")).unwrap_or_default();
    assert_eq!(login, json!({ "username": PARTNER_USER, "password": PARTNER_PASSWORD, "appKey": PARTNER_APP_KEY }));

    let both = |code| [(Some("username"), "rejected", Some(code)), (Some("password"), "rejected", Some(code))];
    expect(&server, &mut sent, &partner(PARTNER_USER, "wrong partner pw", PARTNER_APP_KEY), &both("BDC_1101"));
    // For a partner, a rejected key is the application key.
    expect(
        &server,
        &mut sent,
        &partner(PARTNER_USER, PARTNER_PASSWORD, "WRONG-APP-KEY-1"),
        &[(Some("appKey"), "rejected", Some("BDC_1102"))],
    );
    expect(
        &server,
        &mut sent,
        &partner("locked@example.com", PARTNER_PASSWORD, PARTNER_APP_KEY),
        &[(None, "locked", Some("BDC_1110"))],
    );
    expect(
        &server,
        &mut sent,
        &partner("ratelimited@example.com", PARTNER_PASSWORD, PARTNER_APP_KEY),
        &[(None, "rate_limited", Some("BDC_1144"))],
    );
    // (No organization ID on this form: BDC_1123 would be form-level; see check.rs.)
    faults(&server, &mock, &mut sent, &good);
    assert_log_clean(server, &sent);
}

#[test]
fn spend_and_expense() {
    let mock = Mock::start();
    let dirs = Dirs::for_api();
    let server = start_server(&dirs, &mock.origin);
    let mut sent = Sent::default();
    let good = spend(SPEND_TOKEN);

    expect(&server, &mut sent, &good, &[]);
    let calls = mock.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let c = &calls[0];
    assert_eq!(
        (c["method"].as_str(), c["path"].as_str(), c["query"].as_str()),
        (Some("GET"), Some("/connect/v3/spend/budgets"), Some("?max=1"))
    );
    assert!(c["headerNames"].as_array().is_some_and(|n| n.contains(&json!("apitoken"))), "{c}");
    assert_eq!(c["body"], "");

    // No password, key or organization here: the token is the one credential.
    expect(&server, &mut sent, &spend("WRONG-SPEND-TOKEN-1"), &[(Some("apiToken"), "rejected", None)]);
    faults(&server, &mock, &mut sent, &good);
    assert_log_clean(server, &sent);
}

#[test]
fn saved_connections_are_tested_with_their_stored_secrets() {
    let mock = Mock::start();
    let dirs = Dirs::for_api();
    let server = start_server(&dirs, &mock.origin);
    let mut sent = Sent::default();
    let create = |body: &Value, sent: &mut Sent| -> String {
        sent.note(body);
        let r = server.send_json("POST", "/api/connections", body);
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["id"].as_str().unwrap_or_default().to_owned()
    };
    let good = create(&apar("ap-ar-v3", AP_ORG, AP_USER, AP_PASSWORD, AP_DEV_KEY), &mut sent);
    let bad_token = create(&spend("WRONG-SPEND-TOKEN-2"), &mut sent);
    mock.reset();

    // No body, no content type: the secrets come from the store.
    let r = server.request("POST", &format!("/api/connections/{good}/test"), &[], b"");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_no_secret(r.raw().as_bytes(), &sent.0, "a saved test's answer");
    assert_eq!(r.json(), json!({ "ok": true, "message": r.json()["message"], "errors": [] }));
    let calls = mock.calls();
    assert_eq!(calls.len(), 3, "{calls:?}");
    let login: Value = serde_json::from_str(calls[0]["body"].as_str().unwrap_or("")).unwrap_or_default();
    assert_eq!(login["password"], AP_PASSWORD);
    assert_eq!(login["devKey"], AP_DEV_KEY);

    // Any body is ignored.
    let r = server.send_json(
        "POST",
        &format!("/api/connections/{bad_token}/test"),
        &json!({ "secrets": { "apiToken": SPEND_TOKEN } }),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(items(&r.json()), [(Some("apiToken".to_owned()), "rejected".to_owned(), None)]);

    // Unknown and malformed ids; the wrong method.
    let r = server.request("POST", "/api/connections/AAAAAAAAAAAAAAAAAAAAAA/test", &[], b"");
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(server.request("POST", "/api/connections/nope/test", &[], b"").status, 404);
    let r = server.get(&format!("/api/connections/{good}/test"));
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));

    // Another site cannot make the server log in with a saved connection.
    let before = mock.calls().len();
    for h in [("Sec-Fetch-Site", "cross-site"), ("Origin", "https://evil.example")] {
        let r = server.request("POST", &format!("/api/connections/{good}/test"), &[h], b"");
        assert_eq!(r.status, 403, "{h:?}: {}", r.text());
    }
    let own_origin = format!("http://{}", server.addr);
    let r = server.request(
        "POST",
        &format!("/api/connections/{good}/test"),
        &[("Origin", own_origin.as_str()), ("Sec-Fetch-Site", "same-origin")],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(mock.calls().len(), before + 3);

    // A deleted connection is gone for tests too.
    assert_eq!(server.request("DELETE", &format!("/api/connections/{good}"), &[], b"").status, 204);
    assert_eq!(server.request("POST", &format!("/api/connections/{good}/test"), &[], b"").status, 404);
    assert_log_clean(server, &sent);
}

#[test]
fn invalid_forms_are_422_and_never_reach_bill() {
    let mock = Mock::start();
    let dirs = Dirs::for_api();
    let server = start_server(&dirs, &mock.origin);
    // Missing devKey, organization ID without the 008 prefix.
    let body = json!({
        "name": "x", "apiType": "ap-ar-v2", "environment": "sandbox",
        "settings": { "organizationId": "12345678901234567", "username": AP_USER },
        "secrets": { "password": AP_PASSWORD },
    });
    let r = server.send_json("POST", "/api/connections/test", &body);
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let c = codes(&r);
    assert!(c.contains(&("devKey".into(), "required".into())), "{c:?}");
    assert!(c.iter().any(|(f, _)| f == "organizationId"), "{c:?}");
    // The same gates as a create: content type, JSON.
    let bytes = serde_json::to_vec(&apar("ap-ar-v2", AP_ORG, AP_USER, AP_PASSWORD, AP_DEV_KEY)).unwrap_or_default();
    assert_eq!(server.request("POST", "/api/connections/test", &[("Content-Type", "text/plain")], &bytes).status, 415);
    assert_eq!(
        server.request("POST", "/api/connections/test", &[("Content-Type", "application/json")], b"{").status,
        400
    );
    // A URL cannot be named by the client.
    let mut with_url = apar("ap-ar-v2", AP_ORG, AP_USER, AP_PASSWORD, AP_DEV_KEY);
    with_url["baseUrl"] = json!("https://evil.example/api/v2");
    let r = server.send_json("POST", "/api/connections/test", &with_url);
    assert_eq!(r.status, 422);
    assert_eq!(codes(&r), [("baseUrl".to_owned(), "unknown_field".to_owned())]);
    assert!(mock.calls().is_empty(), "{:?}", mock.calls());
}

#[test]
fn the_limiter_answers_rate_limited_without_calling_bill() {
    let mock = Mock::start();
    let dirs = Dirs::for_api();
    let server = start_server(&dirs, &mock.origin);
    let mut sent = Sent::default();
    let good = spend(SPEND_TOKEN);
    // Someone retrying by hand never meets the limit: 21 quick tests all reach BILL.
    for _ in 0..21 {
        expect(&server, &mut sent, &good, &[]);
    }
    assert_eq!(mock.calls().len(), 21);
    // A script does: at the latest after 30 a minute.
    let mut limited = None;
    for n in 22..=40 {
        let before = mock.calls().len();
        let v = test_unsaved(&server, &mut sent, &good);
        if v["ok"] == false {
            assert_eq!(items(&v), [(None, "rate_limited".to_owned(), None)], "{v}");
            assert!(v["errors"][0]["params"]["retryAfter"].as_u64().is_some_and(|s| (1..=60).contains(&s)), "{v}");
            assert_eq!(mock.calls().len(), before, "a limited test must not call BILL");
            limited = Some(n);
            break;
        }
        assert_eq!(mock.calls().len(), before + 1);
    }
    // 30 a minute, refilling one every 2 s: the 31st (or, on a slow machine, one
    // of the next few) is limited.
    assert!(limited.is_some_and(|n| (31..=34).contains(&n)), "limited at {limited:?}");
    // Other credentials are not affected; a saved connection with the same ones is.
    expect(&server, &mut sent, &spend("WRONG-SPEND-TOKEN-3"), &[(Some("apiToken"), "rejected", None)]);
    let r = server.send_json("POST", "/api/connections", &good);
    let id = r.json()["id"].as_str().unwrap_or_default().to_owned();
    let r = server.request("POST", &format!("/api/connections/{id}/test"), &[], b"");
    assert_eq!(items(&r.json()), [(None, "rate_limited".to_owned(), None)]);
    assert_log_clean(server, &sent);
}

/// A tiny HTTP server answering every request with `response`; returns its
/// origin and a count of the requests it saw.
fn fake_bill(response: Vec<u8>) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&hits);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 8192];
            let _ = s.read(&mut buf);
            seen.fetch_add(1, Ordering::SeqCst);
            let _ = s.write_all(&response);
        }
    });
    (format!("http://{addr}"), hits)
}

#[test]
fn unreachable_oversized_and_redirected_answers() {
    let dirs = Dirs::for_api();
    let mut sent = Sent::default();
    let good = spend(SPEND_TOKEN);

    // Nothing listens there.
    let closed = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).unwrap_or_else(|e| panic!("{e}"));
    let server = start_server(&dirs, &format!("http://{closed}"));
    expect(&server, &mut sent, &good, &[(None, "unreachable", None)]);
    drop(server);

    // An answer over the 256 KB cap, with and without a Content-Length.
    let big = format!("{{\"results\":[],\"pad\":\"{}\"}}", "x".repeat(300 * 1024));
    for head in [format!("Content-Length: {}\r\n", big.len()), String::new()] {
        let (origin, _) = fake_bill(
            format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{head}Connection: close\r\n\r\n{big}")
                .into_bytes(),
        );
        let server = start_server(&dirs, &origin);
        expect(&server, &mut sent, &good, &[(None, "invalid_response", None)]);
        drop(server);
    }

    // A redirect is not followed.
    let (target, target_hits) = fake_bill(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\nConnection: close\r\n\r\n{\"results\":[]}".to_vec());
    let (origin, _) = fake_bill(
        format!("HTTP/1.1 302 Found\r\nLocation: {target}/connect/v3/spend/budgets\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes(),
    );
    let server = start_server(&dirs, &origin);
    expect(&server, &mut sent, &good, &[(None, "invalid_response", None)]);
    assert_eq!(target_hits.load(Ordering::SeqCst), 0, "the redirect was followed");
    drop(server);

    // A 200 without the documented fields.
    let (origin, _) = fake_bill(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
            .to_vec(),
    );
    let server = start_server(&dirs, &origin);
    expect(&server, &mut sent, &good, &[(None, "invalid_response", None)]);
    assert_log_clean(server, &sent);
}

#[test]
fn a_bad_origin_or_timeout_stops_the_server() {
    let dirs = Dirs::for_api();
    for env in [
        [("BILLCOM_API_ORIGIN", "http://127.0.0.1:9/api"), ("BILLCOM_API_TIMEOUT_MS", "1000")],
        [("BILLCOM_API_ORIGIN", "http://127.0.0.1:9"), ("BILLCOM_API_TIMEOUT_MS", "0")],
    ] {
        let (status, log) = dirs.run_to_exit(&env);
        assert_eq!(status.code(), Some(2), "{log}");
        assert!(log.contains("BILLCOM_API_"), "{log}");
    }
    // Without the override, the server warns about nothing.
    let server = dirs.start(&[]);
    let (_, log) = server.stop();
    assert!(!log.contains("BILLCOM_API_ORIGIN"), "{log}");
}

/// Finding 1 of issue 13: a saved connection's test must read the record and its
/// secrets as one version. Each round a PUT switches the connection between two
/// versions (AP/AR v3 in sandbox, Partner in production) while its saved test runs;
/// every login that reaches the BILL double must carry one version's secrets whole.
#[test]
fn a_saved_test_never_mixes_two_versions_of_a_connection() {
    const ROUNDS: usize = 1000;
    let mock = Mock::start();
    let dirs = Dirs::for_api();
    let server = start_server(&dirs, &mock.origin);
    // Unique keys per round, so the limiter (per key) never refuses a test.
    let version = |round: usize| -> Value {
        if round.is_multiple_of(2) {
            apar("ap-ar-v3", AP_ORG, "race@example.com", &format!("pwA-{round}"), &format!("DKA-{round}"))
        } else {
            partner("race@example.com", &format!("pwB-{round}"), &format!("AKB-{round}"))
        }
    };
    let r = server.send_json("POST", "/api/connections", &version(0));
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap_or_default().to_owned();
    mock.reset();
    let (addr, put_path, test_path) =
        (server.addr, format!("/api/connections/{id}"), format!("/api/connections/{id}/test"));
    let mut tested = 0;
    for round in 1..=ROUNDS {
        let body = serde_json::to_vec(&version(round)).unwrap_or_default();
        let put_path = put_path.clone();
        let put = std::thread::spawn(move || {
            request(addr, "PUT", &put_path, &[("Content-Type", "application/json")], &body).status
        });
        let r = request(addr, "POST", &test_path, &[], b"");
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(put.join().unwrap_or(0), 200);
        tested += 1;
    }
    // Every login the server sent: the path says which version it read the record
    // as; the body must hold that same version's password and key, of one round.
    let mut mixed = Vec::new();
    let calls = mock.calls();
    assert_eq!(calls.len(), tested, "one login per test (each one refused by BILL)");
    for c in &calls {
        let body: Value = serde_json::from_str(c["body"].as_str().unwrap_or("")).unwrap_or_default();
        let password = body["password"].as_str().unwrap_or("");
        let consistent = match c["path"].as_str() {
            Some("/connect/v3/login") => {
                password.strip_prefix("pwA-").is_some_and(|n| body["devKey"].as_str() == Some(&format!("DKA-{n}")))
            }
            Some("/connect/v3/partner/login") => {
                password.strip_prefix("pwB-").is_some_and(|n| body["appKey"].as_str() == Some(&format!("AKB-{n}")))
            }
            _ => false,
        };
        if !consistent {
            mixed.push(format!("{} {}", c["path"], c["body"]));
        }
    }
    assert!(mixed.is_empty(), "{} of {tested} logins mixed two versions, e.g. {:?}", mixed.len(), mixed.first());
}

/// Issue 13 finding 3: BILL counts logins per developer key, so varying the
/// username (or the password) with one key must not get past the limiter; the
/// same key in the other environment, or on v2, is counted as BILL counts it.
#[test]
fn the_limiter_counts_per_developer_key_whatever_the_username() {
    let mock = Mock::start();
    let dirs = Dirs::for_api();
    let server = start_server(&dirs, &mock.origin);
    let mut sent = Sent::default();
    let mut reached = 0;
    for n in 0..40 {
        let body = apar("ap-ar-v3", AP_ORG, &format!("user{n}@example.com"), &format!("pw-{n}"), "ONE-DEV-KEY-1");
        let before = mock.calls().len();
        let _ = test_unsaved(&server, &mut sent, &body);
        reached += mock.calls().len() - before;
    }
    assert!((30..=34).contains(&reached), "{reached} of 40 tests with one developer key reached BILL");
    // v2 shares the developer key's count; production is another BILL.
    let v2 = apar("ap-ar-v2", AP_ORG, "other@example.com", "pw-x", "ONE-DEV-KEY-1");
    assert_eq!(items(&test_unsaved(&server, &mut sent, &v2)), [(None, "rate_limited".to_owned(), None)]);
    let mut prod = apar("ap-ar-v3", AP_ORG, "other@example.com", "pw-x", "ONE-DEV-KEY-1");
    prod["environment"] = json!("production");
    let before = mock.calls().len();
    let _ = test_unsaved(&server, &mut sent, &prod);
    assert_eq!(mock.calls().len(), before + 1, "production has its own count");
    assert_log_clean(server, &sent);
}

/// Runs the crate's HTTP description of a connection (`httpSettings`) with real
/// values against the BILL double, as a universal-HTTP connector would: each step
/// of `test` in order, every `{{x}}` replaced by its value, `{{sessionId}}` by what
/// the login answered at `sessionFrom`.
fn execute_description(api_type: &str, environment: &str, origin: &str, values: &[(&str, &str)]) {
    use billcom_connection::http_view::http_settings_for;
    use billcom_connection::tree::Node;
    let d = http_settings_for(api_type, environment).unwrap_or_else(|e| panic!("{e:?}"));
    let text = |n: Option<&Node>| n.and_then(Node::as_str).unwrap_or_default().to_owned();
    // The server's test override swaps BILL's scheme://host for the double's.
    let base = text(d.get("baseUri"));
    let bill_origin: String = base.split('/').take(3).collect::<Vec<_>>().join("/");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| panic!("{e}"));
    // reqwest is built without a default TLS provider (as in the server).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .user_agent(concat!("billcom-connection-server/", env!("CARGO_PKG_VERSION")))
        .no_proxy()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut session = String::new();
    let Some(Node::List(steps)) = d.get("test") else { panic!("no test steps") };
    for step in steps {
        let r = d.get(step.as_str().unwrap_or_default()).unwrap_or_else(|| panic!("no {step:?}"));
        let fill = |v: &Node| -> String {
            let s = v.as_str().unwrap_or_default();
            match s.strip_prefix("{{").and_then(|x| x.strip_suffix("}}")) {
                Some("sessionId") => session.clone(),
                Some(id) => values
                    .iter()
                    .find(|(k, _)| *k == id)
                    .map(|(_, v)| (*v).to_owned())
                    .unwrap_or_else(|| panic!("{id}")),
                None => s.to_owned(),
            }
        };
        let url = text(r.get("url")).replacen(&bill_origin, origin, 1);
        let method = reqwest::Method::from_bytes(text(r.get("method")).as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let mut req = client.request(method, url);
        let mut content_type = String::new();
        if let Some(Node::Map(headers)) = r.get("headers") {
            for (k, v) in headers {
                if k == "Content-Type" {
                    content_type = fill(v);
                }
                req = req.header(k.as_ref(), fill(v));
            }
        }
        if let Some(Node::Map(body)) = r.get("body") {
            let pairs: Vec<(String, String)> = body.iter().map(|(k, v)| (k.to_string(), fill(v))).collect();
            let bytes = if content_type == "application/x-www-form-urlencoded" {
                form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish()
            } else {
                let object = Node::Map(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect());
                serde_json::to_string(&object).unwrap_or_default()
            };
            req = req.body(bytes);
        }
        let answer = rt.block_on(async { req.send().await?.text().await }).unwrap_or_else(|e| panic!("{e}"));
        if let Some(pointer) = r.get("sessionFrom").and_then(Node::as_str) {
            let v: Value = serde_json::from_str(&answer).unwrap_or_default();
            session =
                v.pointer(pointer).and_then(Value::as_str).unwrap_or_else(|| panic!("no session: {answer}")).to_owned();
        }
    }
}

/// Issue 12, item 2: the HTTP view is not a second description of BILL's calls
/// that could drift. Executed with real values, it sends exactly what the
/// server's connection test sends: same calls, same order, same methods, paths,
/// queries, content types, header names and bodies.
#[test]
fn the_http_view_executed_sends_exactly_what_the_server_sends() {
    let mock = Mock::start();
    let dirs = Dirs::for_api();
    let server = start_server(&dirs, &mock.origin);
    let mut sent = Sent::default();
    let ap = [("username", AP_USER), ("password", AP_PASSWORD), ("organizationId", AP_ORG), ("devKey", AP_DEV_KEY)];
    type Case<'a> = (Value, &'a [(&'a str, &'a str)], usize);
    let cases: [Case; 4] = [
        (apar("ap-ar-v2", AP_ORG, AP_USER, AP_PASSWORD, AP_DEV_KEY), &ap, 1),
        (apar("ap-ar-v3", AP_ORG, AP_USER, AP_PASSWORD, AP_DEV_KEY), &ap, 3),
        (
            partner(PARTNER_USER, PARTNER_PASSWORD, PARTNER_APP_KEY),
            &[("username", PARTNER_USER), ("password", PARTNER_PASSWORD), ("appKey", PARTNER_APP_KEY)],
            1,
        ),
        (spend(SPEND_TOKEN), &[("apiToken", SPEND_TOKEN)], 1),
    ];
    for (body, values, n) in cases {
        let (t, env) = (body["apiType"].as_str().unwrap_or(""), body["environment"].as_str().unwrap_or(""));
        mock.reset();
        expect(&server, &mut sent, &body, &[]);
        let by_server = mock.calls();
        mock.reset();
        execute_description(t, env, &mock.origin, values);
        let by_description = mock.calls();
        assert_eq!(by_server.len(), n, "{t}: {by_server:?}");
        assert_eq!(by_description, by_server, "{t}");
    }
    assert_log_clean(server, &sent);
}
