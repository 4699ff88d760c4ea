//! The JSON API, against the real binary over real TCP with a real SQLite file.

mod common;

use billcom_connection::{spec, validate, Entry, Value as CoreValue};
use common::*;
use serde_json::{json, Value};

fn assert_api_headers(r: &Resp) {
    assert_eq!(r.header("cache-control"), Some("no-store"), "{r:?}");
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
}

fn expected_secrets(api_type: &str) -> Vec<&'static str> {
    spec::api_type(api_type).map(|t| t.fields().filter(|f| f.secret).map(|f| f.id).collect()).unwrap_or_default()
}

#[test]
fn full_crud_for_each_api_type() {
    let dirs = Dirs::for_api();
    let server = dirs.start(&[]);
    let mut ids = Vec::new();
    for api_type in API_TYPES {
        let body = body_for(api_type, "crud");
        let secrets = secret_values(&body);

        // Create.
        let r = server.send_json("POST", "/api/connections", &body);
        assert_eq!(r.status, 201, "{}", r.text());
        assert_api_headers(&r);
        assert_no_secret(r.raw().as_bytes(), &secrets, "the create response");
        let c = r.json();
        let id = c["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(id.len(), 22, "{c}");
        assert_eq!(r.header("location"), Some(format!("/api/connections/{id}").as_str()));
        assert_eq!(c["name"], body["name"]);
        assert_eq!(c["apiType"], api_type);
        assert_eq!(c["environment"], "sandbox");
        assert_eq!(c["baseUrl"].as_str(), spec::base_url(api_type, "sandbox"));
        assert_eq!(c["settings"], settings_for(api_type));
        assert_eq!(c["secretsSet"], json!(expected_secrets(api_type)));
        assert_eq!(c["createdAt"], c["updatedAt"]);
        let created = c["createdAt"].as_str().unwrap_or_default().to_owned();
        assert!(created.ends_with('Z') && created.len() == 24, "{created}");
        let keys: Vec<&String> = c.as_object().map(|m| m.keys().collect()).unwrap_or_default();
        assert_eq!(
            keys,
            [
                "apiType",
                "baseUrl",
                "createdAt",
                "environment",
                "id",
                "name",
                "secretsSet",
                "settings",
                "updatedAt",
                "version"
            ]
        );

        // Read.
        let r = server.get(&format!("/api/connections/{id}"));
        assert_eq!(r.status, 200);
        assert_api_headers(&r);
        assert_eq!(r.json(), c);

        // Replace: new name, production, every secret again (new values).
        let mut update = body_for(api_type, "crud-updated");
        update["name"] = json!("  Renamed  ");
        update["environment"] = json!("production");
        let r = server.send_json("PUT", &format!("/api/connections/{id}"), &update);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_api_headers(&r);
        assert_no_secret(r.raw().as_bytes(), &secret_values(&update), "the update response");
        let u = r.json();
        assert_eq!(u["id"], json!(id));
        assert_eq!(u["name"], "Renamed", "names are stored trimmed");
        assert_eq!(u["baseUrl"].as_str(), spec::base_url(api_type, "production"));
        assert_eq!(u["createdAt"], json!(created));
        assert!(u["updatedAt"].as_str() >= Some(created.as_str()));
        assert_eq!(server.get(&format!("/api/connections/{id}")).json(), u);
        ids.push(id);
    }

    // List, oldest first.
    let r = server.get("/api/connections");
    assert_eq!(r.status, 200);
    assert_api_headers(&r);
    let list = r.json();
    let listed: Vec<&str> =
        list.as_array().map(|a| a.iter().filter_map(|c| c["id"].as_str()).collect()).unwrap_or_default();
    assert_eq!(listed, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(list.as_array().is_some_and(|a| a.iter().all(|c| c["name"] == "Renamed")));

    // Delete.
    for id in &ids {
        let path = format!("/api/connections/{id}");
        let r = server.request("DELETE", &path, &[], b"");
        assert_eq!(r.status, 204);
        assert_api_headers(&r);
        assert!(r.body.is_empty());
        assert_eq!(server.get(&path).status, 404);
        assert_eq!(server.request("DELETE", &path, &[], b"").status, 404);
    }
    assert_eq!(server.get("/api/connections").json(), json!([]));
}

#[test]
fn replacing_can_change_the_api_type() {
    let dirs = Dirs::for_api();
    let server = dirs.start(&[]);
    let r = server.send_json("POST", "/api/connections", &body_for("ap-ar-v2", "switch"));
    assert_eq!(r.status, 201);
    let id = r.json()["id"].as_str().unwrap_or_default().to_owned();
    let r = server.send_json("PUT", &format!("/api/connections/{id}"), &body_for("spend-expense", "switch"));
    assert_eq!(r.status, 200, "{}", r.text());
    let c = r.json();
    assert_eq!(c["apiType"], "spend-expense");
    assert_eq!(c["settings"], json!({}));
    assert_eq!(c["secretsSet"], json!(["apiToken"]));
    assert_eq!(c["baseUrl"], "https://gateway.stage.bill.com/connect");
}

#[test]
fn update_requires_every_secret_again() {
    let dirs = Dirs::for_api();
    let server = dirs.start(&[]);
    for api_type in API_TYPES {
        let body = body_for(api_type, "reenter");
        let r = server.send_json("POST", "/api/connections", &body);
        assert_eq!(r.status, 201);
        let path = format!("/api/connections/{}", r.json()["id"].as_str().unwrap_or_default());
        let secrets = expected_secrets(api_type);

        // No `secrets` at all, then an empty object, then empty strings.
        let mut without = body.clone();
        if let Some(m) = without.as_object_mut() {
            m.remove("secrets");
        }
        let empty_strings: serde_json::Map<String, Value> =
            secrets.iter().map(|s| ((*s).to_owned(), json!(""))).collect();
        for secrets_value in [None, Some(json!({})), Some(Value::Object(empty_strings))] {
            let mut b = without.clone();
            if let Some(v) = secrets_value {
                b["secrets"] = v;
            }
            let r = server.send_json("PUT", &path, &b);
            assert_eq!(r.status, 422, "{}", r.text());
            assert_api_headers(&r);
            let mut got = codes(&r);
            got.sort();
            let mut want: Vec<(String, String)> =
                secrets.iter().map(|s| ((*s).to_owned(), "required".to_owned())).collect();
            want.sort();
            assert_eq!(got, want, "{api_type}");
        }
        // The record is untouched.
        let c = server.get(&path).json();
        assert_eq!(c["name"], body["name"]);
        assert_eq!(c["secretsSet"], json!(secrets));
    }
}

/// (label, change to a valid body, expected (field, code) items in order)
type Case = (&'static str, fn(&mut Value), Vec<(&'static str, &'static str)>);

/// A valid v3 body with one change applied.
fn v3_with(change: impl FnOnce(&mut Value)) -> Value {
    let mut b = body_for("ap-ar-v3", "validation");
    change(&mut b);
    b
}

/// The core validator's items for a flat settings object, as JSON.
fn core_items(flat: &[(&str, Value)]) -> Value {
    let entries: Vec<Entry> = flat
        .iter()
        .map(|(k, v)| Entry {
            key: (*k).to_owned(),
            value: match v {
                Value::Null => CoreValue::Missing,
                Value::String(s) => CoreValue::Text(s.clone()),
                Value::Number(_) => CoreValue::NotText("number"),
                Value::Bool(_) => CoreValue::NotText("boolean"),
                Value::Array(_) => CoreValue::NotText("array"),
                Value::Object(_) => CoreValue::NotText("object"),
            },
        })
        .collect();
    serde_json::to_value(validate(&entries).errors).unwrap_or_default()
}

/// Flattens a body the way the server does (only for bodies with nothing misplaced).
fn flatten(body: &Value) -> Vec<(&str, Value)> {
    let mut out = Vec::new();
    if let Some(m) = body.as_object() {
        for (k, v) in m {
            if k == "settings" || k == "secrets" {
                if let Some(inner) = v.as_object() {
                    out.extend(inner.iter().map(|(k, v)| (k.as_str(), v.clone())));
                }
            } else {
                out.push((k.as_str(), v.clone()));
            }
        }
    }
    out
}

#[test]
fn same_codes_as_the_client() {
    let dirs = Dirs::for_api();
    let server = dirs.start(&[]);
    // (label, change to a valid body, expected (field, code) items in order)
    let cases: Vec<Case> = vec![
        (
            "short org id",
            |b| b["settings"]["organizationId"] = json!("123"),
            vec![("organizationId", "too_short"), ("organizationId", "invalid_format")],
        ),
        (
            "org id prefix",
            |b| b["settings"]["organizationId"] = json!("00912345678901234"),
            vec![("organizationId", "invalid_format")],
        ),
        (
            "org id too long",
            |b| b["settings"]["organizationId"] = json!("008012345678901234567"),
            vec![("organizationId", "too_long")],
        ),
        (
            "org id not alnum",
            |b| b["settings"]["organizationId"] = json!("00801-BCDEFGHIJKL"),
            vec![("organizationId", "invalid_format")],
        ),
        ("inner space in key", |b| b["secrets"]["devKey"] = json!("abc def"), vec![("devKey", "invalid_format")]),
        (
            "control char in password",
            |b| b["secrets"]["password"] = json!("a\tb"),
            vec![("password", "invalid_format")],
        ),
        ("number name", |b| b["name"] = json!(42), vec![("name", "invalid_type")]),
        ("boolean key", |b| b["secrets"]["devKey"] = json!(true), vec![("devKey", "invalid_type")]),
        ("object username", |b| b["settings"]["username"] = json!({"a": 1}), vec![("username", "invalid_type")]),
        ("array password", |b| b["secrets"]["password"] = json!(["x"]), vec![("password", "invalid_type")]),
        ("unknown api type", |b| b["apiType"] = json!("x"), vec![("apiType", "invalid_option")]),
        ("unknown environment", |b| b["environment"] = json!("staging"), vec![("environment", "invalid_option")]),
        ("empty name", |b| b["name"] = json!("   "), vec![("name", "required")]),
        ("null name", |b| b["name"] = Value::Null, vec![("name", "required")]),
        ("long name", |b| b["name"] = json!("n".repeat(101)), vec![("name", "too_long")]),
        ("unknown setting", |b| b["settings"]["colour"] = json!("blue"), vec![("colour", "unknown_field")]),
        ("unknown secret", |b| b["secrets"]["pin"] = json!("1234"), vec![("pin", "unknown_field")]),
    ];
    for (label, change, want) in cases {
        let body = v3_with(change);
        let r = server.send_json("POST", "/api/connections", &body);
        assert_eq!(r.status, 422, "{label}: {}", r.text());
        assert_api_headers(&r);
        let got = codes(&r);
        let want: Vec<(String, String)> = want.iter().map(|(f, c)| ((*f).to_owned(), (*c).to_owned())).collect();
        assert_eq!(got, want, "{label}");
        // Exactly the core's items: same order, messages and params.
        let j = r.json();
        assert_eq!(j["errors"], core_items(&flatten(&body)), "{label}");
        assert!(j["message"].is_string());
    }
    assert_eq!(server.get("/api/connections").json(), json!([]), "nothing invalid was saved");
}

#[test]
fn misplaced_and_extra_keys_are_unknown_fields() {
    let dirs = Dirs::for_api();
    let server = dirs.start(&[]);
    let cases: Vec<Case> = vec![
        // A secret in settings would be stored in clear and echoed back.
        (
            "secret in settings",
            |b| {
                let pw = b["secrets"]["password"].take();
                b["secrets"].as_object_mut().map(|m| m.remove("password"));
                b["settings"]["password"] = pw;
            },
            vec![("password", "required"), ("password", "unknown_field")],
        ),
        (
            "non-secret in secrets",
            |b| {
                let u = b["settings"]["username"].take();
                b["settings"].as_object_mut().map(|m| m.remove("username"));
                b["secrets"]["username"] = u;
            },
            vec![("username", "required"), ("username", "unknown_field")],
        ),
        (
            "baseUrl from the client",
            |b| b["baseUrl"] = json!("https://evil.example/api"),
            vec![("baseUrl", "unknown_field")],
        ),
        ("extra top-level key", |b| b["id"] = json!("abc"), vec![("id", "unknown_field")]),
        (
            "credential at top level",
            |b| b["organizationId"] = json!("00801ABCDEFGHIJKLM"),
            vec![("organizationId", "unknown_field")],
        ),
        ("name inside settings", |b| b["settings"]["name"] = json!("x"), vec![("name", "unknown_field")]),
    ];
    for (label, change, want) in cases {
        let r = server.send_json("POST", "/api/connections", &v3_with(change));
        assert_eq!(r.status, 422, "{label}: {}", r.text());
        let got = codes(&r);
        let want: Vec<(String, String)> = want.iter().map(|(f, c)| ((*f).to_owned(), (*c).to_owned())).collect();
        assert_eq!(got, want, "{label}");
        for item in r.json()["errors"].as_array().into_iter().flatten() {
            assert_eq!(item["severity"], "error");
            assert!(item["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
    }
    // Fields of another API type are ignored (as the validator does) and not stored.
    let mut b = body_for("spend-expense", "other-type");
    b["settings"]["organizationId"] = json!("00801ABCDEFGHIJKLM");
    b["secrets"]["appKey"] = json!("APPKEY-not-for-spend");
    let r = server.send_json("POST", "/api/connections", &b);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["settings"], json!({}));
    assert_eq!(r.json()["secretsSet"], json!(["apiToken"]));
}

#[test]
fn a_non_email_username_is_only_a_warning() {
    let dirs = Dirs::for_api();
    let server = dirs.start(&[]);
    let mut b = body_for("ap-ar-v2", "sync-token");
    b["settings"]["username"] = json!("my-sync-token");
    b["settings"]["organizationId"] = json!("  00801ABCDEFGHIJKLM ");
    let r = server.send_json("POST", "/api/connections", &b);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["settings"]["username"], "my-sync-token");
    assert_eq!(r.json()["settings"]["organizationId"], "00801ABCDEFGHIJKLM", "stored normalized");
}

/// Issue 13 finding 6: a name carrying a right-to-left override (or another
/// invisible format character) is refused by the server as by the browser, and
/// nothing is saved.
#[test]
fn a_name_with_a_bidi_override_is_refused() {
    let dirs = Dirs::for_api();
    let server = dirs.start(&[]);
    for name in ["Payables \u{202E}lanif", "Pay\u{200B}ables", "\u{2066}Payables\u{2069}"] {
        let mut b = body_for("ap-ar-v3", "bidi");
        b["name"] = json!(name);
        let r = server.send_json("POST", "/api/connections", &b);
        assert_eq!(r.status, 422, "{name:?}: {}", r.text());
        let item = &r.json()["errors"][0];
        assert_eq!(
            (item["field"].as_str(), item["params"]["rule"].as_str()),
            (Some("name"), Some("no_invisible")),
            "{item}"
        );
    }
    assert_eq!(server.get("/api/connections").json(), json!([]));
}

#[test]
fn malformed_oversized_and_wrongly_typed_bodies() {
    let dirs = Dirs::for_api();
    let server = dirs.start(&[]);
    let json_ct = [("Content-Type", "application/json")];
    let check = |r: &Resp, status: u16, label: &str| {
        assert_eq!(r.status, status, "{label}: {}", r.text());
        assert_api_headers(r);
        assert_eq!(r.header("content-type"), Some("application/json"), "{label}");
        let j = r.json();
        assert!(j["message"].as_str().is_some_and(|m| !m.is_empty()), "{label}");
        assert_eq!(j["errors"], json!([]), "{label}");
    };
    for (label, body) in [
        ("broken JSON", &b"{\"name\": "[..]),
        ("trailing garbage", b"{} x"),
        ("empty body", b""),
        ("array", b"[]"),
        ("string", b"\"connection\""),
        ("number", b"42"),
        ("null", b"null"),
        ("settings an array", br#"{"name":"n","apiType":"spend-expense","environment":"sandbox","settings":[],"secrets":{"apiToken":"t"}}"#),
        ("settings a string", br#"{"name":"n","apiType":"spend-expense","environment":"sandbox","settings":"x","secrets":{"apiToken":"t"}}"#),
        ("secrets a string", br#"{"name":"n","apiType":"spend-expense","environment":"sandbox","settings":{},"secrets":"t0ken"}"#),
        ("lone surrogate", br#"{"name":"\ud800"}"#),
        ("invalid UTF-8", b"{\"name\":\"\xff\"}"),
    ] {
        check(&server.request("POST", "/api/connections", &json_ct, body), 400, label);
    }

    let valid = serde_json::to_vec(&body_for("spend-expense", "ct")).unwrap_or_default();
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/jsonp"),
        Some("multipart/form-data; boundary=x"),
        Some("application/json; charset=utf-16"),
        Some("application/json; charset=iso-8859-1"),
        Some("application/json; boundary=x"),
    ] {
        let headers: Vec<(&str, &str)> = ct.map(|c| vec![("Content-Type", c)]).unwrap_or_default();
        check(&server.request("POST", "/api/connections", &headers, &valid), 415, &format!("content type {ct:?}"));
    }
    let r = server.request("POST", "/api/connections", &[("Content-Type", "Application/JSON; charset=utf-8")], &valid);
    assert_eq!(r.status, 201, "parameters and case of the media type are fine");
    let r =
        server.request("POST", "/api/connections", &[("Content-Type", "application/json;charset=\"UTF-8\"")], &valid);
    assert_eq!(r.status, 201, "a quoted charset is fine");
    // Two Content-Type headers: refused, whatever they say.
    let two = [("Content-Type", "application/json"), ("Content-Type", "text/plain")];
    check(&server.request("POST", "/api/connections", &two, &valid), 415, "two content types");
    let same = [("Content-Type", "application/json"), ("Content-Type", "application/json")];
    check(&server.request("POST", "/api/connections", &same, &valid), 415, "a repeated content type");
    // An unknown key is echoed clipped, not whole.
    let mut huge_key = body_for("spend-expense", "key");
    huge_key["k".repeat(60_000)] = json!(1);
    let r = server.send_json("POST", "/api/connections", &huge_key);
    assert_eq!(r.status, 422);
    assert!(r.body.len() < 2_000, "{} bytes", r.body.len());
    let field = r.json()["errors"][0]["field"].as_str().unwrap_or_default().to_owned();
    assert_eq!(field, format!("{}…", "k".repeat(64)));

    // Over 64 KB: valid JSON padded with whitespace, declared or chunked.
    let mut big = valid.clone();
    big.extend(std::iter::repeat_n(b' ', 64 * 1024));
    check(&server.request("POST", "/api/connections", &json_ct, &big), 413, "oversized");
    let mut chunked = format!("{:x}\r\n", big.len()).into_bytes();
    chunked.extend_from_slice(&big);
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    check(
        &server.request(
            "POST",
            "/api/connections",
            &[("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")],
            &chunked,
        ),
        413,
        "oversized, chunked",
    );
    check(
        &server.request(
            "POST",
            "/api/connections",
            &[("Content-Type", "application/json"), ("Content-Length", "50000000")],
            b"",
        ),
        413,
        "declared far too large",
    );
    // Exactly 64 KB is fine.
    let mut edge = valid.clone();
    edge.extend(std::iter::repeat_n(b' ', 64 * 1024 - valid.len()));
    assert_eq!(server.request("POST", "/api/connections", &json_ct, &edge).status, 201);

    // Ids.
    let put = serde_json::to_vec(&body_for("spend-expense", "ids")).unwrap_or_default();
    for path in [
        "/api/connections/AAAAAAAAAAAAAAAAAAAAAA",
        "/api/connections/short",
        "/api/connections/..%2F..%2Fetc%2Fpasswd",
        "/api/connections/%FF%FE",
        "/api/connections/AAAAAAAAAAAAAAAAAAAAAA%00",
        "/api/connections/x/y",
    ] {
        check(&server.get(path), 404, path);
        check(&server.request("PUT", path, &json_ct, &put), 404, path);
        check(&server.request("DELETE", path, &[], b""), 404, path);
    }
    check(&server.get("/api/nothing"), 404, "unknown endpoint");
    check(&server.get("/api"), 404, "bare /api");

    // Wrong methods.
    for (method, path) in [
        ("PATCH", "/api/connections"),
        ("DELETE", "/api/connections"),
        ("POST", "/api/connections/AAAAAAAAAAAAAAAAAAAAAA"),
    ] {
        let r = server.request(method, path, &json_ct, b"{}");
        check(&r, 405, method);
        assert!(r.header("allow").is_some(), "{method} {path}");
    }
}

#[test]
fn serves_the_demo_and_refuses_traversal() {
    let dirs = Dirs::for_api();
    // A symlink inside www/ pointing outside it.
    let _ = std::os::unix::fs::symlink(
        dirs.static_root().join("outside-secret.txt"),
        dirs.static_root().join("www/link.txt"),
    );
    let server = dirs.start(&[]);
    let r = server.get("/");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r.text().contains("<title>demo</title>"));
    let csp = r.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    assert_ne!(r.header("cache-control"), Some("no-store"));
    assert_eq!(server.get("/index.html").status, 200);
    assert_eq!(server.get("/app.js").header("content-type"), Some("text/javascript; charset=utf-8"));
    let w = server.get("/pkg/billcom_connection_bg.wasm");
    assert_eq!(w.status, 200);
    assert_eq!(w.header("content-type"), Some("application/wasm"));
    assert_eq!(w.body, b"\0asm\x01\0\0\0");
    assert_eq!(server.request("HEAD", "/", &[], b"").status, 200);

    for path in [
        "/../outside-secret.txt",
        "/%2e%2e/outside-secret.txt",
        "/%2E%2E%2Foutside-secret.txt",
        "/pkg/../outside-secret.txt",
        "/pkg/%2e%2e/outside-secret.txt",
        "/pkg/..%2Foutside-secret.txt",
        "/..%5Coutside-secret.txt",
        "/link.txt",
        "/.hidden",
        "//etc/passwd",
        "/nope.html",
        "/pkg/",
    ] {
        let r = server.get(path);
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.text().contains("TOP-SECRET"), "{path}");
    }
    // Malformed escapes and NUL: refused (400 or 404), never a file.
    for path in
        ["/pkg/%00", "/%E0%A4%A", "/www/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e%2f%2e%2e%2fetc/passwd", "/Cargo.toml"]
    {
        let r = server.get(path);
        assert!(matches!(r.status, 400 | 404), "{path}: {}", r.status);
        assert!(!r.text().contains("TOP-SECRET") && !r.text().contains("root:"), "{path}");
    }
    let r = server.request("POST", "/", &[("Content-Type", "application/json")], b"{}");
    assert_eq!(r.status, 405);
}

#[test]
fn answers_only_for_its_own_host_names() {
    let dirs = Dirs::for_api();
    let server = dirs.start(&[("BILLCOM_ALLOWED_HOSTS", "billcom.internal, Proxy.Example")]);
    let get = |host: &str| server.request("GET", "/api/connections", &[("Host", host)], b"");
    // Names that can only mean this machine, and the configured ones.
    for host in [
        "localhost",
        "LOCALHOST:8080",
        "127.0.0.1",
        "127.0.0.1:1",
        "[::1]:8080",
        "billcom.internal",
        "proxy.example:443",
    ] {
        assert_eq!(get(host).status, 200, "{host}");
    }
    // A rebinding page's own name, with or without a port: refused, in the API's shape.
    for host in ["evil.example", "evil.example:8080", "localhost.evil.example", "[not-an-ip]:80"] {
        let r = get(host);
        assert_eq!(r.status, 421, "{host}");
        assert_eq!(r.json()["errors"], json!([]));
        assert_eq!(r.header("cache-control"), Some("no-store"));
    }
    let r = server.request("GET", "/", &[("Host", "evil.example")], b"");
    assert_eq!(r.status, 421);
}

fn post_with_key(server: &Server, key: &str, body: &Value) -> Resp {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    server.request(
        "POST",
        "/api/connections",
        &[("Content-Type", "application/json"), ("Idempotency-Key", key)],
        &bytes,
    )
}

/// Issue 10/13: a retried save with the same Idempotency-Key never creates a
/// second record, across restarts and racing retries; another body with that key
/// is a 422 `idempotency_conflict`.
#[test]
fn an_idempotency_key_makes_a_retried_create_safe() {
    let dirs = Dirs::for_api();
    let server = dirs.start(&[]);
    let body = body_for("ap-ar-v3", "idem");
    let first = post_with_key(&server, "save-1f0c", &body);
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.header("idempotent-replayed"), None);
    let id = first.json()["id"].as_str().unwrap_or_default().to_owned();
    let again = post_with_key(&server, "save-1f0c", &body);
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(again.json()["id"], id.as_str());
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.header("location"), first.header("location"));
    assert_no_secret(again.raw().as_bytes(), &secret_values(&body), "a replayed answer");

    // The same key with another body (here only a secret differs): a conflict.
    let other = body_for("ap-ar-v3", "idem-other");
    let r = post_with_key(&server, "save-1f0c", &other);
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["code"], "idempotency_conflict");
    assert_no_secret(r.raw().as_bytes(), &secret_values(&other), "a conflict answer");

    // An invalid body is not remembered: fixing it and retrying with the key works.
    let mut bad = body_for("partner", "idem-fixed");
    bad["name"] = json!("");
    assert_eq!(post_with_key(&server, "save-2", &bad).status, 422);
    let fixed = post_with_key(&server, "save-2", &body_for("partner", "idem-fixed"));
    assert_eq!(fixed.status, 201, "{}", fixed.text());
    assert_eq!(fixed.header("idempotent-replayed"), None);

    // Racing retries of one save: one record.
    let addr = server.addr;
    let bytes = serde_json::to_vec(&body_for("spend-expense", "idem-race")).unwrap_or_default();
    let ids: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let bytes = bytes.clone();
                s.spawn(move || {
                    let r = request(
                        addr,
                        "POST",
                        "/api/connections",
                        &[("Content-Type", "application/json"), ("Idempotency-Key", "race-key")],
                        &bytes,
                    );
                    assert_eq!(r.status, 201, "{}", r.text());
                    r.json()["id"].as_str().unwrap_or_default().to_owned()
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    assert_eq!(ids.len(), 8);
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    assert_eq!(server.get("/api/connections").json().as_array().map(Vec::len), Some(3));

    // Bad keys.
    let long = "k".repeat(256);
    for key in ["", " ", "two words", "é", long.as_str()] {
        let r = post_with_key(&server, key, &body);
        assert_eq!((r.status, r.json()["code"].as_str()), (400, Some("invalid_idempotency_key")), "{key:?}");
    }

    // Kept in the database: a restart still knows the key.
    drop(server.stop());
    let server = dirs.start(&[]);
    let r = post_with_key(&server, "save-1f0c", &body);
    assert_eq!((r.status, r.json()["id"].as_str()), (201, Some(id.as_str())));
    // Once its record is deleted, a retry is told so rather than recreating it.
    assert_eq!(server.request("DELETE", &format!("/api/connections/{id}"), &[], b"").status, 204);
    let r = post_with_key(&server, "save-1f0c", &body);
    assert_eq!((r.status, r.json()["code"].as_str()), (410, Some("idempotency_gone")), "{}", r.text());
}

fn put(server: &Server, id: &str, if_match: Option<&str>, body: &Value) -> Resp {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(tag) = if_match {
        headers.push(("If-Match", tag));
    }
    server.request("PUT", &format!("/api/connections/{id}"), &headers, &bytes)
}

/// Issue 13 part 2: every saved connection has a version, sent as its ETag; PUT
/// and DELETE with If-Match refuse a stale version with 412 `conflict` and change
/// nothing; without If-Match they behave as before.
#[test]
fn optimistic_concurrency_with_etag_and_if_match() {
    let dirs = Dirs::for_api();
    let server = dirs.start(&[]);
    let r = server.send_json("POST", "/api/connections", &body_for("ap-ar-v3", "occ"));
    assert_eq!((r.status, r.header("etag")), (201, Some("\"1\"")));
    assert_eq!(r.json()["version"], 1);
    let id = r.json()["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(server.get(&format!("/api/connections/{id}")).header("etag"), Some("\"1\""));

    let mut edited = body_for("ap-ar-v3", "occ");
    edited["name"] = json!("edited once");
    let r = put(&server, &id, Some("\"1\""), &edited);
    assert_eq!((r.status, r.header("etag")), (200, Some("\"2\"")), "{}", r.text());
    assert_eq!(r.json()["version"], 2);

    // A second editor still holding version 1: refused, nothing changed.
    let mut late = body_for("partner", "occ-late");
    late["name"] = json!("late edit");
    let r = put(&server, &id, Some("\"1\""), &late);
    assert_eq!((r.status, r.json()["code"].as_str(), r.header("etag")), (412, Some("conflict"), Some("\"2\"")));
    assert_no_secret(r.raw().as_bytes(), &secret_values(&late), "a 412");
    let now = server.get(&format!("/api/connections/{id}")).json();
    assert_eq!((now["name"].as_str(), now["version"].as_i64()), (Some("edited once"), Some(2)));

    // Lists, *, weak tags, garbage, and no header at all.
    assert_eq!(put(&server, &id, Some("\"7\", \"2\""), &edited).json()["version"], 3);
    assert_eq!(put(&server, &id, Some("*"), &edited).json()["version"], 4);
    assert_eq!(put(&server, &id, Some("W/\"4\""), &edited).status, 412, "weak tags never match");
    assert_eq!(put(&server, &id, Some("4"), &edited).status, 400, "not an entity-tag");
    assert_eq!(put(&server, &id, None, &edited).json()["version"], 5);
    assert_eq!(put(&server, "AAAAAAAAAAAAAAAAAAAAAA", Some("\"1\""), &edited).status, 404);

    // Racing editors holding the same version: exactly one wins.
    let addr = server.addr;
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let mut b = body_for("ap-ar-v3", "occ-race");
                b["name"] = json!(format!("racer {t}"));
                let bytes = serde_json::to_vec(&b).unwrap_or_default();
                let path = format!("/api/connections/{id}");
                s.spawn(move || {
                    request(addr, "PUT", &path, &[("Content-Type", "application/json"), ("If-Match", "\"5\"")], &bytes)
                        .status
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut sorted = statuses.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [200, 412, 412, 412, 412, 412, 412, 412], "{statuses:?}");

    // DELETE honours If-Match too.
    let del = |tag: &str| server.request("DELETE", &format!("/api/connections/{id}"), &[("If-Match", tag)], b"");
    assert_eq!(del("\"5\"").status, 412);
    assert_eq!(server.get(&format!("/api/connections/{id}")).status, 200);
    assert_eq!(del("\"6\"").status, 204);
    assert_eq!(del("\"6\"").status, 404);
}

/// The `next` URL of a list answer's Link header.
fn next_link(r: &Resp) -> Option<String> {
    let link = r.header("link")?;
    let url = link.strip_prefix('<')?.split_once('>')?.0.to_owned();
    assert!(link.ends_with("rel=\"next\""), "{link}");
    Some(url)
}

/// Issue 13 part 3: the list is paged (default 100, at most 500) in creation
/// order with an opaque cursor in a Link header; pages stay stable while records
/// are created and deleted between them.
#[test]
fn the_list_is_paged_with_an_opaque_cursor() {
    let dirs = Dirs::for_api();
    let server = dirs.start(&[]);
    let mut ids = Vec::new();
    for n in 0..105 {
        let r = server.send_json("POST", "/api/connections", &body_for("spend-expense", &format!("page-{n}")));
        assert_eq!(r.status, 201);
        ids.push(r.json()["id"].as_str().unwrap_or_default().to_owned());
    }
    let r = server.get("/api/connections");
    assert_eq!(r.json().as_array().map(Vec::len), Some(100), "the default page");
    let next = next_link(&r).unwrap_or_else(|| panic!("no Link: {:?}", r.headers));
    assert!(next.starts_with("/api/connections?limit=100&cursor="), "{next}");
    let r = server.get(&next);
    assert_eq!(r.json().as_array().map(Vec::len), Some(5));
    assert_eq!(next_link(&r), None, "the last page has no next");

    // Pages of 40, with a record deleted and one created between pages.
    let mut seen: Vec<String> = Vec::new();
    let mut url = Some("/api/connections?limit=40".to_owned());
    let mut pages = 0;
    while let Some(u) = url {
        let r = server.get(&u);
        assert_eq!(r.status, 200, "{}", r.text());
        seen.extend(r.json().as_array().into_iter().flatten().filter_map(|c| c["id"].as_str().map(str::to_owned)));
        url = next_link(&r);
        if pages == 0 {
            assert_eq!(server.request("DELETE", &format!("/api/connections/{}", ids[10]), &[], b"").status, 204);
            assert_eq!(server.request("DELETE", &format!("/api/connections/{}", ids[60]), &[], b"").status, 204);
            let r = server.send_json("POST", "/api/connections", &body_for("spend-expense", "page-late"));
            ids.push(r.json()["id"].as_str().unwrap_or_default().to_owned());
        }
        pages += 1;
    }
    assert_eq!(pages, 3);
    let mut want: Vec<String> = ids.clone();
    want.remove(60); // deleted before its page was read (ids[10] was already seen)
    assert_eq!(seen, want, "every record once, in creation order");

    for bad in ["limit=0", "limit=501", "limit=ten", "cursor=abc", "cursor=YzEuLTU", "limit=10&cursor="] {
        let r = server.get(&format!("/api/connections?{bad}"));
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
        assert!(r.json()["code"].as_str().is_some_and(|c| c.starts_with("invalid_")), "{bad}");
    }
    let r = server.get("/api/connections?limit=500");
    assert_eq!(r.json().as_array().map(Vec::len), Some(104));
}
