//! Slow, idle and too many clients (issue 13, finding 2), against the real binary:
//! the header-read timeout closes slow and idle connections, the request timeout
//! answers 408, the connection cap holds new clients back, and each is logged.

mod common;

use common::*;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Whether the server closed `s` (EOF or reset) within `within`.
fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let mut buf = [0u8; 256];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        let _ = s.set_read_timeout(Some(left.min(Duration::from_millis(200))));
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {} // an error answer (e.g. 408) before the close
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return true,
        }
    }
}

fn connect(server: &Server) -> TcpStream {
    TcpStream::connect_timeout(&server.addr, Duration::from_secs(5)).unwrap_or_else(|e| panic!("connect: {e}"))
}

/// 300 slow or idle connections: the server keeps answering others within 5 s,
/// and closes every one of them once the header timeout (here 2 s) passes.
#[test]
fn slow_and_idle_connections_are_closed_and_others_still_served() {
    let dirs = Dirs::for_api();
    let server = dirs.start(&[("BILLCOM_HEADER_TIMEOUT_MS", "2000")]);
    let opened = Instant::now();
    let mut idle: Vec<TcpStream> = (0..150).map(|_| connect(&server)).collect();
    let mut slow: Vec<TcpStream> = (0..150).map(|_| connect(&server)).collect();
    for s in &mut slow {
        let _ = s.write_all(b"GET /api/connections HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    }
    // Meanwhile, other clients get answers (the slow ones keep dribbling headers).
    for i in 0..10 {
        for s in &mut slow {
            let _ = s.write_all(format!("X-Slow-{i}: a\r\n").as_bytes());
        }
        let t = Instant::now();
        let r = server.get("/api/connections");
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(t.elapsed() < Duration::from_secs(5), "an ordinary request took {:?}", t.elapsed());
        std::thread::sleep(Duration::from_millis(100));
    }
    // Every slow and idle connection is closed soon after the 2 s timeout.
    let mut open = 0;
    for s in idle.iter_mut().chain(slow.iter_mut()) {
        if !closed_within(s, Duration::from_secs(5).saturating_sub(opened.elapsed()).max(Duration::from_millis(50))) {
            open += 1;
        }
    }
    assert_eq!(open, 0, "{open} of 300 slow or idle connections were still open {:?} after opening", opened.elapsed());
    let (_, log) = server.stop();
    assert!(log.contains("sent no complete request header in time"), "{log}");
}

/// A keep-alive connection that went quiet after one answered request is closed too.
#[test]
fn an_idle_keep_alive_connection_is_closed() {
    let dirs = Dirs::for_api();
    let server = dirs.start(&[("BILLCOM_HEADER_TIMEOUT_MS", "1000")]);
    let mut s = connect(&server);
    let _ = s.write_all(b"GET /api/connections HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    let mut buf = [0u8; 1024];
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let n = s.read(&mut buf).unwrap_or(0);
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf[..n]));
    let t = Instant::now();
    assert!(closed_within(&mut s, Duration::from_secs(4)), "still open after {:?}", t.elapsed());
    assert!(t.elapsed() >= Duration::from_millis(800), "closed too early: {:?}", t.elapsed());
}

/// A body that never arrives: 408 once the request timeout passes, logged.
#[test]
fn a_request_past_its_timeout_gets_408() {
    let dirs = Dirs::for_api();
    let server = dirs.start(&[("BILLCOM_REQUEST_TIMEOUT_MS", "500")]);
    let mut s = connect(&server);
    let _ = s.write_all(
        b"POST /api/connections HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    );
    let t = Instant::now();
    let mut buf = [0u8; 2048];
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let n = s.read(&mut buf).unwrap_or(0);
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("application/json"), "{text}");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    let (_, log) = server.stop();
    assert!(log.contains("request timed out"), "{log}");
}

/// At the cap, a new client waits (it is not refused) until a connection closes;
/// reaching the cap is logged.
#[test]
fn the_connection_cap_holds_new_clients_back() {
    let dirs = Dirs::for_api();
    let server = dirs.start(&[("BILLCOM_MAX_CONNECTIONS", "3"), ("BILLCOM_HEADER_TIMEOUT_MS", "60000")]);
    let held: Vec<TcpStream> = (0..3).map(|_| connect(&server)).collect();
    std::thread::sleep(Duration::from_millis(300));
    let addr = server.addr;
    let waiting = std::thread::spawn(move || {
        let t = Instant::now();
        let r = request(addr, "GET", "/api/connections", &[], b"");
        (r.status, t.elapsed())
    });
    std::thread::sleep(Duration::from_millis(1000));
    assert!(!waiting.is_finished(), "a fourth connection was served while three were open (cap 3)");
    drop(held);
    let (status, took) = waiting.join().unwrap_or((0, Duration::ZERO));
    assert_eq!(status, 200);
    assert!(took >= Duration::from_millis(900), "{took:?}");
    let (_, log) = server.stop();
    assert!(log.contains("the connection cap is reached"), "{log}");
}
