//! Test helpers: the real server binary as a child process (its stderr captured),
//! and a small HTTP/1.1 client over std's TcpStream (loopback only).

#![allow(dead_code)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_billcom-connection-server");

/// A running server: its address, data dir and everything it wrote to stderr.
pub struct Server {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    child: Child,
    log: Arc<Mutex<String>>,
}

/// Env vars the server reads; cleared for every child so the caller's own
/// environment cannot leak in.
const SERVER_ENV: [&str; 11] = [
    "DATABASE_URL",
    "BILLCOM_ALLOWED_HOSTS",
    "BILLCOM_CONNECTION_KEY",
    "BILLCOM_LISTEN",
    "BILLCOM_DATA_DIR",
    "BILLCOM_STATIC_DIR",
    "BILLCOM_API_ORIGIN",
    "BILLCOM_API_TIMEOUT_MS",
    "BILLCOM_HEADER_TIMEOUT_MS",
    "BILLCOM_REQUEST_TIMEOUT_MS",
    "BILLCOM_MAX_CONNECTIONS",
];

pub fn command(data_dir: &Path, static_dir: &Path, env: &[(&str, &str)]) -> Command {
    command_listening_on("127.0.0.1:0", data_dir, static_dir, env)
}

pub fn command_listening_on(listen: &str, data_dir: &Path, static_dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--listen").arg(listen).arg("--data-dir").arg(data_dir).arg("--static-dir").arg(static_dir);
    for k in SERVER_ENV {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    cmd
}

impl Server {
    /// Starts the binary and waits for its "listening on" line.
    pub fn start(data_dir: &Path, static_dir: &Path, env: &[(&str, &str)]) -> Result<Server, String> {
        let mut child = command(data_dir, static_dir, env).spawn().map_err(|e| e.to_string())?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel::<SocketAddr>();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    if let Ok(a) = rest.trim().parse::<SocketAddr>() {
                        let _ = tx.send(a);
                    }
                }
                if let Ok(mut l) = sink.lock() {
                    l.push_str(&line);
                }
                line.clear();
            }
        });
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(addr) => Ok(Server { addr, data_dir: data_dir.to_owned(), child, log }),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(100));
                Err(format!("server did not start; stderr:\n{}", log.lock().map(|l| l.clone()).unwrap_or_default()))
            }
        }
    }

    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        request(self.addr, method, path, headers, body)
    }

    pub fn send_json(&self, method: &str, path: &str, body: &Value) -> Resp {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        self.request(method, path, &[("Content-Type", "application/json")], &bytes)
    }

    pub fn get(&self, path: &str) -> Resp {
        self.request("GET", path, &[], b"")
    }

    /// SIGTERM, then wait for a graceful exit; returns the status and all stderr.
    pub fn stop(mut self) -> (ExitStatus, String) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").arg("-TERM").arg(&pid).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        let status = loop {
            if let Ok(Some(s)) = self.child.try_wait() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break self.child.wait().unwrap_or_else(|e| panic!("wait: {e}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // Let the reader thread drain the pipe.
        std::thread::sleep(Duration::from_millis(100));
        let log = self.log();
        (status, log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs the binary expecting it to exit by itself (a startup failure); returns its
/// status and stderr. Fails the test if it is still running after 20 s.
pub fn run_to_exit(data_dir: &Path, static_dir: &Path, env: &[(&str, &str)]) -> (ExitStatus, String) {
    wait_for_exit(command(data_dir, static_dir, env))
}

/// `billcom-connection-server rotate-key --data-dir DIR`, to completion.
pub fn rotate_key(data_dir: &Path, env: &[(&str, &str)]) -> (ExitStatus, String) {
    let mut cmd = Command::new(BIN);
    cmd.arg("rotate-key").arg("--data-dir").arg(data_dir);
    for k in SERVER_ENV.iter().chain(&["BILLCOM_NEW_CONNECTION_KEY"]) {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    wait_for_exit(cmd)
}

fn wait_for_exit(mut cmd: Command) -> (ExitStatus, String) {
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn: {e}"));
    let mut stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        let _ = tx.send(s);
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Ok(Some(s)) = child.try_wait() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the process kept running; it was expected to exit by itself");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let log = rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
    (status, log)
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Status line, headers and body, as one string (for "contains no secret").
    pub fn raw(&self) -> String {
        let mut s = format!("{}\n", self.status);
        for (k, v) in &self.headers {
            s.push_str(&format!("{k}: {v}\n"));
        }
        s.push_str(&self.text());
        s
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`).
pub fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap_or_else(|e| panic!("connect: {e}"));
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(20)));
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    let has_length = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length") || k.eq_ignore_ascii_case("transfer-encoding"));
    if !has_length && (!body.is_empty() || matches!(method, "POST" | "PUT")) {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    stream.write_all(&out).unwrap_or_else(|e| panic!("write: {e}"));
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap_or_else(|e| panic!("read: {e}"));
    parse_response(&raw, method == "HEAD")
}

fn parse_response(raw: &[u8], head_only: bool) -> Resp {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| panic!("no header end"));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
    let rest = &raw[split + 4..];
    let chunked =
        headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked"));
    let body = if head_only {
        Vec::new()
    } else if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Resp { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16).unwrap_or(0);
        data = &data[eol + 2..];
        if size == 0 || data.len() < size {
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[(size + 2).min(data.len())..];
    }
    out
}

/// The superuser URL of the throwaway PostgreSQL that `scripts/with-postgres.sh`
/// started, if any: then the API suites run against PostgreSQL.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("BILLCOM_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())
}

/// A new, empty database on that server; its URL.
pub fn fresh_database() -> Option<String> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let admin = postgres_admin_url()?;
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let name = format!("t_{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), nanos);
    let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap_or_else(|e| panic!("postgres: {e}"));
    client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap_or_else(|e| panic!("create database: {e}"));
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    Some(format!("{base}/{name}"))
}

/// A temp dir with `data/` (not yet created: the server makes it) and a static
/// root holding a tiny www/ and pkg/; and, when the suites run against
/// PostgreSQL, a database of its own (kept across restarts of its servers).
pub struct Dirs {
    pub tmp: tempfile::TempDir,
    pub database_url: Option<String>,
}

impl Dirs {
    pub fn new() -> Dirs {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let s = tmp.path().join("static");
        std::fs::create_dir_all(s.join("www")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(s.join("pkg")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(s.join("www/index.html"), "<!doctype html><title>demo</title>")
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(s.join("www/app.js"), "export const x = 1;\n").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(s.join("pkg/billcom_connection_bg.wasm"), b"\0asm\x01\0\0\0").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(s.join("outside-secret.txt"), "TOP-SECRET-OUTSIDE-WWW").unwrap_or_else(|e| panic!("{e}"));
        Dirs { tmp, database_url: None }
    }

    /// Like [`Dirs::new`], with a fresh PostgreSQL database when the suites run
    /// against PostgreSQL (`BILLCOM_TEST_DATABASE_URL`).
    pub fn for_api() -> Dirs {
        Dirs { database_url: fresh_database(), ..Dirs::new() }
    }

    pub fn data(&self) -> PathBuf {
        self.tmp.path().join("data")
    }

    pub fn static_root(&self) -> PathBuf {
        self.tmp.path().join("static")
    }

    pub fn start(&self, env: &[(&str, &str)]) -> Server {
        let mut env = env.to_vec();
        if let Some(url) = &self.database_url {
            env.push(("DATABASE_URL", url.as_str()));
        }
        Server::start(&self.data(), &self.static_root(), &env).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn run_to_exit(&self, env: &[(&str, &str)]) -> (ExitStatus, String) {
        run_to_exit(&self.data(), &self.static_root(), env)
    }
}

pub const API_TYPES: [&str; 4] = ["ap-ar-v2", "ap-ar-v3", "partner", "spend-expense"];

/// Secret values unique to a test and an API type, easy to search for in bytes.
pub fn secrets_for(api_type: &str, tag: &str) -> Value {
    let t = format!("{api_type}-{tag}");
    match api_type {
        "ap-ar-v2" | "ap-ar-v3" => json!({
            "password": format!("pw with spaces {t} Zq9!"),
            "devKey": format!("DEVKEY{t}x7Q"),
        }),
        "partner" => json!({
            "appKey": format!("APPKEY{t}p4W"),
            "password": format!("partner pw {t} Lm3"),
        }),
        _ => json!({ "apiToken": format!("APITOKEN{t}k8R") }),
    }
}

pub fn settings_for(api_type: &str) -> Value {
    match api_type {
        "ap-ar-v2" | "ap-ar-v3" => json!({ "organizationId": "00801ABCDEFGHIJKLM", "username": "ap@example.com" }),
        "partner" => json!({ "username": "partner@example.com" }),
        _ => json!({}),
    }
}

/// A valid create body.
pub fn body_for(api_type: &str, tag: &str) -> Value {
    json!({
        "name": format!("BILL {api_type} {tag}"),
        "apiType": api_type,
        "environment": "sandbox",
        "settings": settings_for(api_type),
        "secrets": secrets_for(api_type, tag),
    })
}

/// Every secret string of a body.
pub fn secret_values(body: &Value) -> Vec<String> {
    body.get("secrets")
        .and_then(Value::as_object)
        .map(|m| m.values().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The (field, code) pairs of a 422 body.
pub fn codes(resp: &Resp) -> Vec<(String, String)> {
    resp.json()
        .get("errors")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|i| {
                    (
                        i.get("field").and_then(Value::as_str).unwrap_or("").to_owned(),
                        i.get("code").and_then(Value::as_str).unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn assert_no_secret(haystack: &[u8], secrets: &[String], what: &str) {
    for s in secrets {
        let needle = s.as_bytes();
        assert!(!haystack.windows(needle.len()).any(|w| w == needle), "{what} contains the secret {s:?}");
    }
}
