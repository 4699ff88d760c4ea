//! The store's decrypting side, and the router served in-process over real TCP.

mod common;

use billcom_connection::Secret;
use billcom_connection_server::api::AppState;
use billcom_connection_server::bill::{BillClient, BillSettings};
use billcom_connection_server::statics::StaticRoots;
use billcom_connection_server::store::{NewConnection, Store, StoreError, DB_FILE};
use common::*;
use std::sync::Arc;
use zeroize::Zeroizing;

fn key(byte: u8) -> Zeroizing<[u8; 32]> {
    Zeroizing::new([byte; 32])
}

fn v2(name: &str, password: &str, dev_key: &str) -> NewConnection {
    NewConnection {
        name: name.into(),
        api_type: "ap-ar-v2",
        environment: "production",
        settings: vec![("organizationId", "00801ABCDEFGHIJKLM".into()), ("username", "a@example.com".into())],
        secrets: vec![("password", Secret::new(password.into())), ("devKey", Secret::new(dev_key.into()))],
    }
}

fn exposed(secrets: &[(String, Secret)]) -> Vec<(String, String)> {
    secrets.iter().map(|(f, s)| (f.clone(), s.expose().to_owned())).collect()
}

#[test]
fn load_secrets_decrypts_into_secret_values() -> Result<(), StoreError> {
    let tmp = tempfile::tempdir().map_err(|_| StoreError::Corrupt("tempdir"))?;
    let (store, _) = Store::open(tmp.path(), Some(key(1))).map_err(|_| StoreError::Corrupt("open"))?;
    let a = store.create(&v2("A", "pass word A", "DEVKEY-A"))?;
    let b = store.create(&v2("B", "pass word B", "DEVKEY-B"))?;
    assert_eq!(a.secrets_set, ["password", "devKey"]);

    let mut got = store.load_secrets(&a.id)?.unwrap_or_default();
    got.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(exposed(&got), [("devKey".into(), "DEVKEY-A".into()), ("password".into(), "pass word A".into())]);
    assert_eq!(format!("{got:?}"), r#"[("devKey", [redacted]), ("password", [redacted])]"#);
    assert!(store.load_secrets("AAAAAAAAAAAAAAAAAAAAAA")?.is_none());

    // Replacing swaps the secrets whole.
    store.replace(&b.id, &v2("B2", "new pw", "DEVKEY-B2"))?;
    let got = exposed(&store.load_secrets(&b.id)?.unwrap_or_default());
    assert!(got.contains(&("password".into(), "new pw".into())));
    assert!(got.contains(&("devKey".into(), "DEVKEY-B2".into())));

    // Same data, another process's view: reopening with the same key reads it.
    drop(store);
    let (store, _) = Store::open(tmp.path(), Some(key(1))).map_err(|_| StoreError::Corrupt("reopen"))?;
    assert_eq!(store.list()?.len(), 2);
    assert!(store.load_secrets(&a.id)?.is_some());
    Ok(())
}

#[test]
fn moved_or_altered_ciphertexts_fail_to_decrypt() -> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    let (store, _) = Store::open(tmp.path(), Some(key(2)))?;
    let a = store.create(&v2("A", "pw-A", "DK-A"))?;
    let b = store.create(&v2("B", "pw-B", "DK-B"))?;
    drop(store);

    let db = rusqlite::Connection::open(tmp.path().join(DB_FILE))?;
    // Copy A's password ciphertext (with its nonce) onto B's record.
    db.execute(
        "UPDATE secrets SET (nonce, ciphertext) = (SELECT nonce, ciphertext FROM secrets WHERE connection_id = ?1 AND field = 'password') \
         WHERE connection_id = ?2 AND field = 'password'",
        [&a.id, &b.id],
    )?;
    // Swap A's two fields with each other.
    db.execute_batch(&format!(
        "UPDATE secrets SET field = 'tmp' WHERE connection_id = '{0}' AND field = 'password';
         UPDATE secrets SET field = 'password' WHERE connection_id = '{0}' AND field = 'devKey';
         UPDATE secrets SET field = 'devKey' WHERE connection_id = '{0}' AND field = 'tmp';",
        a.id
    ))?;
    drop(db);

    let (store, _) = Store::open(tmp.path(), Some(key(2)))?;
    for id in [&a.id, &b.id] {
        match store.load_secrets(id) {
            Err(StoreError::Decrypt { field }) => assert!(field == "password" || field == "devKey"),
            other => panic!("expected a decryption error, got {:?}", other.map(|o| o.map(|v| v.len()))),
        }
    }
    Ok(())
}

#[test]
fn the_router_serves_over_real_tcp() -> Result<(), Box<dyn std::error::Error>> {
    let dirs = Dirs::new();
    let (store, _) = Store::open(&dirs.data(), Some(key(3)))?;
    let bill = BillClient::new(BillSettings::default())?;
    let app = billcom_connection_server::router(
        Arc::new(AppState::new(store, bill)),
        StaticRoots::new(&dirs.static_root()),
        std::time::Duration::from_secs(30),
    );
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let body = body_for("ap-ar-v3", "in-process");
    let bytes = serde_json::to_vec(&body)?;
    let r = request(addr, "POST", "/api/connections", &[("Content-Type", "application/json")], &bytes);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_no_secret(r.raw().as_bytes(), &secret_values(&body), "the response");
    let r = request(addr, "GET", "/api/connections", &[], b"");
    assert_eq!(r.json().as_array().map(Vec::len), Some(1));
    rt.shutdown_background();
    Ok(())
}

/// Issue 13 finding 6: `updatedAt` follows commit order. Concurrent replaces of
/// one record: every answer has a distinct `updatedAt`, and the record as finally
/// stored (the last commit) has the latest of them.
#[test]
fn updated_at_follows_commit_order() -> Result<(), Box<dyn std::error::Error>> {
    let dirs = Dirs::new();
    let (store, _) = Store::open(&dirs.data(), Some(key(4)))?;
    let store = Arc::new(store);
    let id = store.create(&v2("start", "pw", "DK"))?.id;
    for run in 0..20 {
        let answers: Vec<(String, String)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|t| {
                    let (store, id) = (Arc::clone(&store), id.clone());
                    s.spawn(move || {
                        let c = store.replace(&id, &v2(&format!("run {run} thread {t}"), "pw", "DK")).ok().flatten();
                        c.map(|c| (c.name, c.updated_at))
                    })
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok().flatten()).collect()
        });
        assert_eq!(answers.len(), 8);
        let last = store.get(&id)?.ok_or("gone")?;
        let mut stamps: Vec<&str> = answers.iter().map(|(_, u)| u.as_str()).collect();
        stamps.sort_unstable();
        stamps.dedup();
        assert_eq!(stamps.len(), 8, "run {run}: equal updatedAt values: {answers:?}");
        assert_eq!(
            Some(&last.updated_at.as_str()),
            stamps.last(),
            "run {run}: {} is the last commit: {answers:?}",
            last.name
        );
        assert!(last.updated_at.len() == 24 && last.updated_at.ends_with('Z'), "{}", last.updated_at);
    }
    Ok(())
}

/// A database written by the schema-1 server (no version column, no idempotency
/// table) is upgraded in place: its records read as version 1 and can be replaced.
#[test]
fn a_schema_1_database_is_upgraded() -> Result<(), Box<dyn std::error::Error>> {
    let dirs = Dirs::new();
    let id = {
        let (store, _) = Store::open(&dirs.data(), Some(key(5)))?;
        store.create(&v2("old", "pw", "DK"))?.id
    };
    {
        // Back to schema 1, as the earlier server left it.
        let conn = rusqlite::Connection::open(dirs.data().join(DB_FILE))?;
        conn.execute_batch(
            "ALTER TABLE connections DROP COLUMN version; DROP TABLE idempotency; PRAGMA user_version = 1;",
        )?;
    }
    let (store, _) = Store::open(&dirs.data(), Some(key(5)))?;
    assert_eq!(store.get(&id)?.map(|c| c.version), Some(1));
    assert_eq!(store.replace(&id, &v2("new", "pw2", "DK"))?.map(|c| c.version), Some(2));
    Ok(())
}

/// Issue 13 part 3: reads never wait for a write. Another connection holds the
/// database's write lock (an exclusive transaction, as a long write would); the
/// store still lists and reads at once (WAL, separate read connections).
#[test]
fn reads_do_not_wait_for_a_write() -> Result<(), Box<dyn std::error::Error>> {
    let dirs = Dirs::new();
    let (store, _) = Store::open(&dirs.data(), Some(key(6)))?;
    let id = store.create(&v2("read me", "pw", "DK"))?.id;
    let writer = rusqlite::Connection::open(dirs.data().join(DB_FILE))?;
    writer.execute_batch("BEGIN EXCLUSIVE; UPDATE connections SET name = 'being written';")?;
    let t = std::time::Instant::now();
    let page = store.list_page(None, 10)?;
    assert_eq!(page.items.len(), 1);
    assert_eq!(store.get(&id)?.map(|c| c.name), Some("read me".to_owned()), "the committed version is read");
    assert!(store.load_with_secrets(&id)?.is_some());
    assert!(t.elapsed() < std::time::Duration::from_secs(1), "reads waited {:?}", t.elapsed());
    writer.execute_batch("COMMIT;")?;
    assert_eq!(store.get(&id)?.map(|c| c.name), Some("being written".to_owned()));
    Ok(())
}
