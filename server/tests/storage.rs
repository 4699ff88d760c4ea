//! Encryption at rest, key handling and logs, against the real binary and the real
//! SQLite file it writes.

mod common;

use base64::Engine;
use common::*;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;

const KEY_A: [u8; 32] = [0xA5; 32];
const KEY_B: [u8; 32] = [0x5B; 32];

fn b64(k: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(k)
}

/// The database and any journal or WAL beside it, as bytes.
fn database_bytes(data_dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(data_dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("connections.sqlite3") {
            out.push((name, std::fs::read(entry.path()).unwrap_or_default()));
        }
    }
    out
}

#[test]
fn database_file_and_logs_hold_no_secret() {
    let dirs = Dirs::new();
    let server = dirs.start(&[]);
    let mut secrets = Vec::new();
    let mut ids = Vec::new();
    for api_type in API_TYPES {
        let body = body_for(api_type, "at-rest");
        secrets.extend(secret_values(&body));
        let r = server.send_json("POST", "/api/connections", &body);
        assert_eq!(r.status, 201, "{}", r.text());
        assert_no_secret(r.raw().as_bytes(), &secrets, "a create response");
        ids.push(r.json()["id"].as_str().unwrap_or_default().to_owned());
    }
    // Update one (old and new secrets both must be absent), delete another.
    let update = body_for("ap-ar-v3", "at-rest-new");
    secrets.extend(secret_values(&update));
    let r = server.send_json("PUT", &format!("/api/connections/{}", ids[1]), &update);
    assert_eq!(r.status, 200);
    assert_eq!(server.request("DELETE", &format!("/api/connections/{}", ids[3]), &[], b"").status, 204);

    // A rejected write that carries secrets: the 422 must not echo them.
    let mut bad = body_for("ap-ar-v2", "rejected");
    bad["secrets"]["devKey"] = json!("BAD KEY with spaces rejected-devkey");
    bad["settings"]["password"] = json!("misplaced-password-in-settings");
    bad["secrets"]["colour"] = json!("unknown-secret-value");
    secrets.extend(secret_values(&bad));
    secrets.push("misplaced-password-in-settings".into());
    let r = server.send_json("POST", "/api/connections", &bad);
    assert_eq!(r.status, 422);
    assert_no_secret(r.raw().as_bytes(), &secrets, "a 422 response");
    // Malformed and mistyped bodies carrying secrets.
    let r = server.request(
        "POST",
        "/api/connections",
        &[("Content-Type", "application/json")],
        br#"{"secrets":{"password":"in-broken-json-Zx"}"#,
    );
    assert_eq!(r.status, 400);
    assert!(!r.text().contains("in-broken-json-Zx"));
    secrets.push("in-broken-json-Zx".into());

    for path in ["/api/connections".to_owned(), format!("/api/connections/{}", ids[0])] {
        assert_no_secret(server.get(&path).raw().as_bytes(), &secrets, "a GET response");
    }

    let files = database_bytes(&dirs.data());
    assert!(files.iter().any(|(n, _)| n == "connections.sqlite3"));
    for (name, bytes) in &files {
        assert_no_secret(bytes, &secrets, name);
    }
    // The search does find what is stored in clear, so it is looking at real data
    // (in the database or, before a checkpoint, its WAL).
    let needle = b"00801ABCDEFGHIJKLM";
    assert!(files.iter().any(|(_, b)| b.windows(needle.len()).any(|w| w == needle)));

    let (status, log) = server.stop();
    assert!(status.success(), "graceful exit on SIGTERM: {status:?}\n{log}");
    assert!(log.contains("shutting down"), "{log}");
    assert!(
        log.contains("method=POST") && log.contains("path=/api/connections") && log.contains("status=201"),
        "{log}"
    );
    assert_no_secret(log.as_bytes(), &secrets, "the server log");
    for (name, bytes) in database_bytes(&dirs.data()) {
        assert_no_secret(&bytes, &secrets, &name);
    }
}

#[test]
fn generated_key_file_is_private_and_reused() {
    let dirs = Dirs::new();
    let server = dirs.start(&[]);
    let key_file = dirs.data().join("connection.key");
    let mode = std::fs::metadata(&key_file).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
    assert_eq!(mode, 0o600, "key file mode");
    let db_mode =
        std::fs::metadata(dirs.data().join("connections.sqlite3")).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
    assert_eq!(db_mode, 0o600, "database file mode");
    let text = std::fs::read_to_string(&key_file).unwrap_or_default();
    let key = base64::engine::general_purpose::STANDARD.decode(text.trim()).unwrap_or_default();
    assert_eq!(key.len(), 32);
    let log = server.log();
    assert!(log.contains("newly generated"), "{log}");
    assert!(!log.contains(text.trim()), "the key is never logged");
    let r = server.send_json("POST", "/api/connections", &body_for("partner", "reuse"));
    assert_eq!(r.status, 201);
    let (status, _) = server.stop();
    assert!(status.success());

    // Second start: same key file, data readable.
    let server = dirs.start(&[]);
    assert!(server.log().contains("from key file"), "{}", server.log());
    assert_eq!(server.get("/api/connections").json().as_array().map(Vec::len), Some(1));
    assert_eq!(std::fs::read_to_string(&key_file).unwrap_or_default(), text, "not regenerated");
    let (status, log) = server.stop();
    assert!(status.success());
    assert!(!log.contains(text.trim()));

    // The key file's content works as BILLCOM_CONNECTION_KEY.
    let server = dirs.start(&[("BILLCOM_CONNECTION_KEY", text.trim())]);
    assert!(server.log().contains("from BILLCOM_CONNECTION_KEY"));
    drop(server);
}

#[test]
fn a_wrong_key_is_reported_clearly() {
    let dirs = Dirs::new();
    let key_a = b64(&KEY_A);
    let key_b = b64(&KEY_B);
    let server = dirs.start(&[("BILLCOM_CONNECTION_KEY", &key_a)]);
    assert!(!dirs.data().join("connection.key").exists(), "no key file when the key comes from the env");
    assert_eq!(server.send_json("POST", "/api/connections", &body_for("ap-ar-v2", "wrong-key")).status, 201);
    let (status, _) = server.stop();
    assert!(status.success());

    let (status, log) = dirs.run_to_exit(&[("BILLCOM_CONNECTION_KEY", &key_b)]);
    assert!(!status.success(), "must not start with the wrong key");
    assert!(!log.contains("panicked"), "{log}");
    assert!(log.contains("the key does not match the data in"), "{log}");
    assert!(log.contains("connections.sqlite3"), "{log}");
    assert!(log.contains("BILLCOM_CONNECTION_KEY"), "{log}");
    assert!(!log.contains(&key_a) && !log.contains(&key_b), "keys are never printed");

    // No key at all for data that has one: refuse, do not generate a new one.
    let (status, log) = dirs.run_to_exit(&[]);
    assert!(!status.success());
    assert!(log.contains("no key was given"), "{log}");
    assert!(!dirs.data().join("connection.key").exists(), "no new key file for existing data");

    // The right key still works, and the data is intact.
    let server = dirs.start(&[("BILLCOM_CONNECTION_KEY", &key_a)]);
    assert_eq!(server.get("/api/connections").json().as_array().map(Vec::len), Some(1));
}

#[test]
fn malformed_keys_are_reported_clearly() {
    for (value, expect) in [
        ("not base64 at all!", "not valid base64"),
        ("c2hvcnQ=", "decodes to 5 bytes"),
        (&*b64(&[1u8; 16]), "decodes to 16 bytes"),
        (&*b64(&[1u8; 33]), "decodes to 33 bytes"),
        ("", "decodes to 0 bytes"),
    ] {
        let dirs = Dirs::new();
        let (status, log) = dirs.run_to_exit(&[("BILLCOM_CONNECTION_KEY", value)]);
        assert!(!status.success(), "{value:?}");
        assert!(log.contains("BILLCOM_CONNECTION_KEY") && log.contains(expect), "{value:?}: {log}");
        assert!(!log.contains("panicked"), "{log}");
        assert!(value.len() < 6 || !log.contains(value), "the value is never printed");
    }
}

#[test]
fn a_bad_key_file_is_refused() {
    // Group/world readable.
    let dirs = Dirs::new();
    let server = dirs.start(&[]);
    drop(server);
    let key_file = dirs.data().join("connection.key");
    for mode in [0o644, 0o640, 0o604, 0o660] {
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(mode)).unwrap_or_else(|e| panic!("{e}"));
        let (status, log) = dirs.run_to_exit(&[]);
        assert!(!status.success(), "mode {mode:o}");
        assert!(log.contains("readable or writable by group or others") && log.contains("chmod 600"), "{log}");
    }
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap_or_else(|e| panic!("{e}"));
    drop(dirs.start(&[]));

    // Wrong size (an empty file on a fresh directory is replaced: see below).
    for content in ["c2hvcnQ=\n", &format!("{}\n", b64(&[3u8; 31]))] {
        let dirs = Dirs::new();
        std::fs::create_dir_all(dirs.data()).unwrap_or_else(|e| panic!("{e}"));
        let key_file = dirs.data().join("connection.key");
        std::fs::write(&key_file, content).unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap_or_else(|e| panic!("{e}"));
        let (status, log) = dirs.run_to_exit(&[]);
        assert!(!status.success(), "{content:?}");
        assert!(log.contains("wrong size"), "{log}");
    }
}

#[test]
fn a_non_loopback_listen_address_is_warned_about() {
    let dirs = Dirs::new();
    // The wildcard address: nothing connects to it; the test only reads the warning.
    let mut child = command_listening_on("0.0.0.0:0", &dirs.data(), &dirs.static_root(), &[])
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let mut reader = std::io::BufReader::new(stderr);
    let mut seen = String::new();
    let mut line = String::new();
    while std::io::BufRead::read_line(&mut reader, &mut line).map(|n| n > 0).unwrap_or(false) {
        seen.push_str(&line);
        if line.contains("listening on http://") {
            break;
        }
        line.clear();
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen.contains("NOT a loopback address"), "{seen}");
}

#[test]
fn one_server_per_data_directory() {
    let dirs = Dirs::new();
    let first = dirs.start(&[]);
    let (status, log) = dirs.run_to_exit(&[]);
    assert!(!status.success());
    assert!(log.contains("is using the data directory"), "{log}");
    let (status, log) = rotate_key(&dirs.data(), &[]);
    assert!(!status.success(), "no rotation under a running server");
    assert!(log.contains("stop it first"), "{log}");
    assert!(first.get("/api/connections").status == 200, "the first server is unaffected");
}

#[test]
fn rotating_the_key_file_reencrypts_every_secret() {
    let dirs = Dirs::new();
    let server = dirs.start(&[]);
    let mut ids = Vec::new();
    let mut secrets = Vec::new();
    for api_type in API_TYPES {
        let body = body_for(api_type, "rotate");
        secrets.extend(secret_values(&body));
        ids.push(
            server.send_json("POST", "/api/connections", &body).json()["id"].as_str().unwrap_or_default().to_owned(),
        );
    }
    let (status, _) = server.stop();
    assert!(status.success());
    let key_file = dirs.data().join("connection.key");
    let old = std::fs::read_to_string(&key_file).unwrap_or_default();

    let (status, log) = rotate_key(&dirs.data(), &[]);
    assert!(status.success(), "{log}");
    assert!(log.contains("secrets=7"), "{log}");
    let new = std::fs::read_to_string(&key_file).unwrap_or_default();
    assert_ne!(old, new);
    assert_eq!(std::fs::metadata(&key_file).map(|m| m.permissions().mode() & 0o777).unwrap_or(0), 0o600);
    assert!(!dirs.data().join("connection.key.new").exists());
    assert!(!log.contains(old.trim()) && !log.contains(new.trim()), "keys are never printed");
    for (name, bytes) in database_bytes(&dirs.data()) {
        assert_no_secret(&bytes, &secrets, &name);
    }

    // The old key no longer opens the data; the new file does, and every secret
    // decrypts under it.
    let (status, log) = dirs.run_to_exit(&[("BILLCOM_CONNECTION_KEY", old.trim())]);
    assert!(!status.success());
    assert!(log.contains("the key does not match the data in"), "{log}");
    let key = base64::engine::general_purpose::STANDARD.decode(new.trim()).unwrap_or_default();
    let key: [u8; 32] = key.try_into().unwrap_or([0; 32]);
    let (store, _) = billcom_connection_server::store::Store::open(&dirs.data(), Some(zeroize::Zeroizing::new(key)))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut decrypted = Vec::new();
    for id in &ids {
        let got = store.load_secrets(id).unwrap_or_else(|e| panic!("{e}")).unwrap_or_default();
        decrypted.extend(got.iter().map(|(_, s)| s.expose().to_owned()));
    }
    decrypted.sort();
    secrets.sort();
    assert_eq!(decrypted, secrets);
    drop(store);
    let server = dirs.start(&[]);
    assert_eq!(server.get("/api/connections").json().as_array().map(Vec::len), Some(4));
}

#[test]
fn rotating_an_environment_key() {
    let dirs = Dirs::new();
    let (a, b) = (b64(&KEY_A), b64(&KEY_B));
    let server = dirs.start(&[("BILLCOM_CONNECTION_KEY", &a)]);
    assert_eq!(server.send_json("POST", "/api/connections", &body_for("partner", "env-rotate")).status, 201);
    drop(server.stop());

    let (status, log) = rotate_key(&dirs.data(), &[("BILLCOM_CONNECTION_KEY", &a)]);
    assert!(!status.success());
    assert!(log.contains("BILLCOM_NEW_CONNECTION_KEY"), "{log}");
    let (status, log) = rotate_key(&dirs.data(), &[("BILLCOM_CONNECTION_KEY", &a), ("BILLCOM_NEW_CONNECTION_KEY", &a)]);
    assert!(!status.success());
    assert!(log.contains("same as the current key"), "{log}");
    let (status, log) = rotate_key(&dirs.data(), &[("BILLCOM_CONNECTION_KEY", &b), ("BILLCOM_NEW_CONNECTION_KEY", &a)]);
    assert!(!status.success(), "the current key must be right");
    assert!(log.contains("the key does not match"), "{log}");

    let (status, log) = rotate_key(&dirs.data(), &[("BILLCOM_CONNECTION_KEY", &a), ("BILLCOM_NEW_CONNECTION_KEY", &b)]);
    assert!(status.success(), "{log}");
    assert!(!dirs.data().join("connection.key").exists(), "no key file when keys live in the environment");
    assert!(!log.contains(&a) && !log.contains(&b));
    assert!(!dirs.run_to_exit(&[("BILLCOM_CONNECTION_KEY", &a)]).0.success());
    let server = dirs.start(&[("BILLCOM_CONNECTION_KEY", &b)]);
    assert_eq!(server.get("/api/connections").json().as_array().map(Vec::len), Some(1));
}

/// Issue 13 finding 4: a kill -9 during the very first start must leave either no
/// key file or a whole one, and the next start must work.
#[test]
fn a_crash_during_the_first_start_never_leaves_a_broken_key_file() {
    let mut partial = 0;
    for round in 0..40u64 {
        let dirs = Dirs::new();
        let mut child = command(&dirs.data(), &dirs.static_root(), &[]).spawn().unwrap_or_else(|e| panic!("{e}"));
        std::thread::sleep(std::time::Duration::from_micros(500 * (round % 20)));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let key_file = dirs.data().join("connection.key");
        match std::fs::metadata(&key_file).map(|m| m.len()) {
            Ok(45) | Err(_) => {}
            Ok(n) => panic!("round {round}: a {n}-byte key file was left"),
        }
        if key_file.exists() {
            partial += 1;
        }
        let server = dirs.start(&[]);
        assert_eq!(server.get("/api/connections").status, 200);
        let (_, log) = server.stop();
        assert!(!log.contains("wrong size"), "{log}");
        let names: Vec<String> = std::fs::read_dir(dirs.data())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp-"))
            .collect();
        assert!(names.is_empty(), "left over: {names:?}");
    }
    eprintln!("{partial} of 40 rounds were killed after the key file was made");
}

/// An empty key file (what an older version left when killed while creating it)
/// is replaced while no data is encrypted, and refused once there is some.
#[test]
fn an_empty_key_file_is_replaced_only_while_nothing_is_encrypted() {
    let dirs = Dirs::new();
    std::fs::create_dir_all(dirs.data()).unwrap_or_else(|e| panic!("{e}"));
    let key_file = dirs.data().join("connection.key");
    std::fs::write(&key_file, "").unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap_or_else(|e| panic!("{e}"));
    let server = dirs.start(&[]);
    let r = server.send_json("POST", "/api/connections", &body_for("ap-ar-v3", "empty-key"));
    assert_eq!(r.status, 201, "{}", r.text());
    let (_, log) = server.stop();
    assert!(log.contains("is empty and no data is encrypted yet"), "{log}");
    assert_eq!(std::fs::metadata(&key_file).map(|m| m.len()).ok(), Some(45));

    std::fs::write(&key_file, "").unwrap_or_else(|e| panic!("{e}"));
    let (status, log) = dirs.run_to_exit(&[]);
    assert!(!status.success());
    assert!(log.contains("wrong size"), "{log}");
}

/// Issue 13 finding 6: a server that cannot bind creates nothing (no data
/// directory, database or key file).
#[test]
fn a_bind_failure_creates_nothing() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let addr = taken.local_addr().unwrap_or_else(|e| panic!("{e}")).to_string();
    let dirs = Dirs::new();
    let mut cmd = command_listening_on(&addr, &dirs.data(), &dirs.static_root(), &[]);
    let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{log}");
    assert!(log.contains("could not listen on"), "{log}");
    assert!(!dirs.data().exists(), "the data directory was created before the bind failed");
}

/// A database file readable by others (e.g. restored from a backup with 0644) is
/// warned about loudly.
#[test]
fn a_database_readable_by_others_is_warned_about() {
    let dirs = Dirs::new();
    drop(dirs.start(&[]));
    let db = dirs.data().join("connections.sqlite3");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap_or_else(|e| panic!("{e}"));
    let (_, log) = dirs.start(&[]).stop();
    assert!(log.contains("is readable or writable by group or others") && log.contains("chmod 600"), "{log}");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap_or_else(|e| panic!("{e}"));
    let (_, log) = dirs.start(&[]).stop();
    assert!(!log.contains("by group or others"), "{log}");
}
