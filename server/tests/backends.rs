//! The storage suite, run against every backend behind the `Storage` trait:
//! SQLite always, PostgreSQL when `scripts/with-postgres.sh` provides one
//! (`BILLCOM_TEST_DATABASE_URL`; `npm test` does). Plus two server instances on
//! one PostgreSQL database with concurrent writes through both.

mod common;

use billcom_connection::Secret;
use billcom_connection_server::pg::PgStore;
use billcom_connection_server::storage::Storage;
use billcom_connection_server::store::{Created, NewConnection, Precondition, Store, Written};
use common::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::Arc;
use zeroize::Zeroizing;

const KEY: [u8; 32] = [0x42; 32];

fn v3(name: &str, password: &str) -> NewConnection {
    NewConnection {
        name: name.into(),
        api_type: "ap-ar-v3",
        environment: "sandbox",
        settings: vec![("organizationId", "00801ABCDEFGHIJKLM".into()), ("username", "a@example.com".into())],
        secrets: vec![("password", Secret::new(password.into())), ("devKey", Secret::new(format!("DK-{password}")))],
    }
}

/// Every backend to run the suite against, with a name for messages.
fn backends(dirs: &Dirs) -> Vec<(&'static str, Arc<dyn Storage>)> {
    let key = || Some(Zeroizing::new(KEY));
    let (sqlite, _) = Store::open(&dirs.data(), key()).unwrap_or_else(|e| panic!("sqlite: {e}"));
    let mut out: Vec<(&'static str, Arc<dyn Storage>)> = vec![("sqlite", Arc::new(sqlite))];
    match fresh_database() {
        Some(url) => {
            let (pg, _) = PgStore::open(&url, &dirs.tmp.path().join("pg-data"), key())
                .unwrap_or_else(|e| panic!("postgres: {e}"));
            out.push(("postgres", Arc::new(pg)));
        }
        None => eprintln!("BILLCOM_TEST_DATABASE_URL is not set: PostgreSQL not tested here (npm test sets it)"),
    }
    out
}

#[test]
fn every_backend_keeps_the_same_contract() -> Result<(), Box<dyn std::error::Error>> {
    let dirs = Dirs::new();
    for (name, s) in backends(&dirs) {
        // Create, read, secrets of the same version.
        let Created::New(a) = s.create_once(None, &v3("first", "pw1"))? else { panic!("{name}: create") };
        assert_eq!((a.version, a.created_at == a.updated_at), (1, true), "{name}");
        assert_eq!(s.get(&a.id)?.map(|c| c.name), Some("first".to_owned()), "{name}");
        let (saved, secrets) = s.load_with_secrets(&a.id)?.ok_or("no secrets")?;
        let exposed: Vec<(String, String)> = secrets.iter().map(|(f, v)| (f.clone(), v.expose().to_owned())).collect();
        assert_eq!(exposed.len(), 2, "{name}");
        assert!(exposed.contains(&("password".into(), "pw1".into())), "{name}: {exposed:?}");
        assert_eq!(saved.secrets_set, ["password", "devKey"], "{name}");

        // Replace with and without If-Match; versions and updatedAt grow.
        let Written::Done(b) = s.replace_if(&a.id, &v3("second", "pw2"), Some(&Precondition::Versions(vec![1])))?
        else {
            panic!("{name}: replace")
        };
        assert_eq!(b.version, 2, "{name}");
        assert!(b.updated_at > a.updated_at, "{name}: {} then {}", a.updated_at, b.updated_at);
        let stale = s.replace_if(&a.id, &v3("late", "pw3"), Some(&Precondition::Versions(vec![1])))?;
        assert!(matches!(stale, Written::Stale(2)), "{name}: {stale:?}");
        assert_eq!(s.get(&a.id)?.map(|c| c.name), Some("second".to_owned()), "{name}");
        let Written::Done(c) = s.replace_if(&a.id, &v3("third", "pw3"), None)? else { panic!("{name}") };
        assert!(c.version == 3 && c.updated_at > b.updated_at, "{name}");
        assert!(matches!(s.replace_if("AAAAAAAAAAAAAAAAAAAAAA", &v3("x", "y"), None)?, Written::NotFound), "{name}");

        // Idempotency: replay, conflict, gone.
        let Created::New(k) = s.create_once(Some("k1"), &v3("keyed", "pwk"))? else { panic!("{name}") };
        let Created::Replayed(again) = s.create_once(Some("k1"), &v3("keyed", "pwk"))? else { panic!("{name}") };
        assert_eq!(again.id, k.id, "{name}");
        assert!(matches!(s.create_once(Some("k1"), &v3("keyed", "other"))?, Created::Conflict), "{name}");

        // Pages in creation order.
        for n in 0..5 {
            s.create_once(None, &v3(&format!("p{n}"), "pw"))?;
        }
        let first = s.list_page(None, 3)?;
        let second = s.list_page(first.next, 3)?;
        let names: Vec<String> = first.items.iter().chain(&second.items).map(|c| c.name.clone()).collect();
        assert_eq!(names, ["third", "keyed", "p0", "p1", "p2", "p3"], "{name}");
        assert!(second.next.is_some(), "{name}");
        assert_eq!(s.list_page(second.next, 3)?.items.len(), 1, "{name}");

        // Delete with If-Match; then the idempotency key answers Gone.
        assert!(matches!(s.delete_if(&k.id, Some(&Precondition::Versions(vec![9])))?, Written::Stale(1)), "{name}");
        assert!(matches!(s.delete_if(&k.id, Some(&Precondition::Any))?, Written::Done(())), "{name}");
        assert!(matches!(s.delete_if(&k.id, None)?, Written::NotFound), "{name}");
        assert!(matches!(s.create_once(Some("k1"), &v3("keyed", "pwk"))?, Created::Gone), "{name}");
        assert!(s.load_with_secrets(&k.id)?.is_none(), "{name}");
    }
    Ok(())
}

/// Concurrent replaces of one record: updatedAt distinct, the last commit latest;
/// concurrent creates with one idempotency key: one record. On every backend.
#[test]
fn every_backend_orders_concurrent_writes() -> Result<(), Box<dyn std::error::Error>> {
    let dirs = Dirs::new();
    for (name, s) in backends(&dirs) {
        let Created::New(a) = s.create_once(None, &v3("start", "pw"))? else { panic!("{name}") };
        let answers: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|t| {
                    let (s, id) = (Arc::clone(&s), a.id.clone());
                    scope.spawn(move || match s.replace_if(&id, &v3(&format!("t{t}"), "pw"), None) {
                        Ok(Written::Done(c)) => c.updated_at,
                        other => panic!("{other:?}"),
                    })
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        let distinct: HashSet<&String> = answers.iter().collect();
        assert_eq!(distinct.len(), 8, "{name}: {answers:?}");
        let last = s.get(&a.id)?.ok_or("gone")?;
        assert_eq!(Some(&last.updated_at), answers.iter().max(), "{name}");
        assert_eq!(last.version, 9, "{name}");

        let ids: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let s = Arc::clone(&s);
                    scope.spawn(move || match s.create_once(Some("race"), &v3("raced", "pw")) {
                        Ok(Created::New(c) | Created::Replayed(c)) => c.id,
                        other => panic!("{other:?}"),
                    })
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        assert!(ids.iter().all(|i| *i == ids[0]), "{name}: {ids:?}");
    }
    Ok(())
}

/// Two server instances on one PostgreSQL database, writes through both at once:
/// nothing lost or duplicated, each sees the other's records, one idempotency key
/// and one If-Match race hold across instances.
#[test]
fn two_instances_share_one_postgres_database() {
    let Some(url) = fresh_database() else {
        eprintln!("BILLCOM_TEST_DATABASE_URL is not set: PostgreSQL not tested here (npm test sets it)");
        return;
    };
    let key = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, KEY);
    let env = [("DATABASE_URL", url.as_str()), ("BILLCOM_CONNECTION_KEY", key.as_str())];
    let (d1, d2) = (Dirs::new(), Dirs::new());
    let servers = [d1.start(&env), d2.start(&env)];
    let addrs = [servers[0].addr, servers[1].addr];
    let post = |addr, body: &Value, key: Option<&str>| {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(k) = key {
            headers.push(("Idempotency-Key", k));
        }
        request(addr, "POST", "/api/connections", &headers, &bytes)
    };
    // 4 clients x 25 creates, alternating instances.
    let ids: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|c| {
                scope.spawn(move || {
                    (0..25)
                        .map(|n| {
                            let r = post(addrs[n % 2], &body_for("spend-expense", &format!("two-{c}-{n}")), None);
                            assert_eq!(r.status, 201, "{}", r.text());
                            r.json()["id"].as_str().unwrap_or_default().to_owned()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).flatten().collect()
    });
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 100);
    for addr in addrs {
        let listed = request(addr, "GET", "/api/connections?limit=500", &[], b"").json();
        assert_eq!(listed.as_array().map(Vec::len), Some(100), "every instance sees every record");
    }
    // One idempotency key, retried through both instances at once: one record.
    let body = body_for("ap-ar-v3", "two-idem");
    let replayed: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|n| {
                let body = &body;
                scope.spawn(move || {
                    let r = post(addrs[n % 2], body, Some("two-instances"));
                    assert_eq!(r.status, 201, "{}", r.text());
                    r.json()["id"].as_str().unwrap_or_default().to_owned()
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    assert!(replayed.iter().all(|i| *i == replayed[0]), "{replayed:?}");
    // If-Match raced through both instances: exactly one wins.
    let id = replayed[0].clone();
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|n| {
                let path = format!("/api/connections/{id}");
                scope.spawn(move || {
                    let mut b = body_for("ap-ar-v3", "two-idem");
                    b["name"] = json!(format!("edit {n}"));
                    let bytes = serde_json::to_vec(&b).unwrap_or_default();
                    let headers = [("Content-Type", "application/json"), ("If-Match", "\"1\"")];
                    request(addrs[n % 2], "PUT", &path, &headers, &bytes).status
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 412).count(), 5, "{statuses:?}");
    for s in servers {
        let (_, log) = s.stop();
        assert!(log.contains("PostgreSQL"), "{log}");
    }
}

/// With PostgreSQL the connection-test limiter's counts are in the database: two
/// instances allow one developer key what one instance does (30 a minute), not
/// twice that.
#[test]
fn two_instances_share_the_test_limiter() {
    let Some(url) = fresh_database() else {
        eprintln!("BILLCOM_TEST_DATABASE_URL is not set: PostgreSQL not tested here (npm test sets it)");
        return;
    };
    let key = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, KEY);
    // BILL "unreachable" (a closed port): a test that is let through answers fast
    // with `unreachable`; one held back answers `rate_limited`.
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("BILLCOM_CONNECTION_KEY", key.as_str()),
        ("BILLCOM_API_ORIGIN", "http://127.0.0.1:9"),
    ];
    let (d1, d2) = (Dirs::new(), Dirs::new());
    let servers = [d1.start(&env), d2.start(&env)];
    let mut let_through = 0;
    for n in 0..50 {
        let body = json!({
            "name": "limited", "apiType": "ap-ar-v3", "environment": "sandbox",
            "settings": { "organizationId": "00801ABCDEFGHIJKLM", "username": format!("u{n}@example.com") },
            "secrets": { "password": format!("pw-{n}"), "devKey": "SHARED-DEV-KEY-1" },
        });
        let r = servers[n % 2].send_json("POST", "/api/connections/test", &body);
        assert_eq!(r.status, 200, "{}", r.text());
        if r.json()["errors"][0]["code"] != "rate_limited" {
            let_through += 1;
        }
    }
    assert!((30..=33).contains(&let_through), "{let_through} of 50 tests through two instances reached BILL");
}

/// `rotate-key` on PostgreSQL: every secret re-encrypted in one transaction; the
/// old key is then refused, the new one reads every secret; the same key twice is
/// refused and changes nothing.
#[test]
fn rotating_the_key_of_a_postgres_database() -> Result<(), Box<dyn std::error::Error>> {
    let Some(url) = fresh_database() else {
        eprintln!("BILLCOM_TEST_DATABASE_URL is not set: PostgreSQL not tested here (npm test sets it)");
        return Ok(());
    };
    const NEW: [u8; 32] = [0x24; 32];
    let dirs = Dirs::new();
    let dir = dirs.tmp.path().join("pg-data");
    let ids: Vec<String> = {
        let (pg, _) = PgStore::open(&url, &dir, Some(Zeroizing::new(KEY)))?;
        (0..3)
            .map(|n| match pg.create_once(None, &v3(&format!("rot {n}"), &format!("pw{n}"))) {
                Ok(Created::New(c)) => c.id,
                other => panic!("{other:?}"),
            })
            .collect()
    };
    let same = PgStore::rotate_key(&url, &dir, Some(Zeroizing::new(KEY)), Some(Zeroizing::new(KEY)));
    assert!(matches!(same, Err(billcom_connection_server::store::StartupError::SameKey)), "{same:?}");
    let rotated = PgStore::rotate_key(&url, &dir, Some(Zeroizing::new(KEY)), Some(Zeroizing::new(NEW)))?;
    assert_eq!(rotated.secrets, 6);
    let old = PgStore::open(&url, &dir, Some(Zeroizing::new(KEY)));
    assert!(old.is_err_and(|e| e.to_string().contains("does not match")));
    let (pg, _) = PgStore::open(&url, &dir, Some(Zeroizing::new(NEW)))?;
    for (n, id) in ids.iter().enumerate() {
        let (_, secrets) = pg.load_with_secrets(id)?.ok_or("gone")?;
        assert!(secrets.iter().any(|(f, v)| f == "password" && v.expose() == format!("pw{n}")));
    }
    Ok(())
}
