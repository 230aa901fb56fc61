//! Connection limits of `serve` (issue 14): stalled clients are disconnected after the header,
//! body and idle timeouts, and the per-address cap refuses one address's extra connection while
//! another address is still served. Timeouts are shortened to 1 s through the configuration.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Target;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn addr(server: &common::Server) -> SocketAddr {
    server.url.trim_start_matches("http://").parse().unwrap()
}

/// Reads until the server closes the connection; fails the test if that takes longer than
/// `bound`. Returns what was read.
async fn read_until_closed(stream: &mut TcpStream, bound: Duration) -> Vec<u8> {
    let mut got = Vec::new();
    let result = tokio::time::timeout(bound, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(
        result.is_ok(),
        "the server kept the connection open for {bound:?}; read so far: {:?}",
        String::from_utf8_lossy(&got)
    );
    got
}

/// A TCP connection from the loopback address `from` (127.0.0.x all reach the server on Linux).
async fn connect_from(from: [u8; 4], to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    socket.connect(to).await.unwrap()
}

#[tokio::test]
async fn stalled_headers_and_stalled_bodies_are_disconnected_after_their_timeouts() {
    let t = Target::sqlite("limits-stall");
    let server = t.serve_with_env(
        &[],
        &[
            ("WEDERHOOR_SERVER__HEADER_TIMEOUT_SECS", "1"),
            ("WEDERHOOR_SERVER__BODY_TIMEOUT_SECS", "1"),
        ],
    );
    let to = addr(&server);

    // Half a request line and headers, then nothing.
    let started = Instant::now();
    let mut headers = TcpStream::connect(to).await.unwrap();
    headers
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    read_until_closed(&mut headers, Duration::from_secs(15)).await;
    assert!(started.elapsed() >= Duration::from_millis(900));

    // Complete headers announcing 100 kB of form body, 10 bytes of it, then nothing.
    let started = Instant::now();
    let mut body = TcpStream::connect(to).await.unwrap();
    body.write_all(
        b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Content-Length: 100000\r\n\r\nusername=a",
    )
    .await
    .unwrap();
    let answer = read_until_closed(&mut body, Duration::from_secs(15)).await;
    assert!(started.elapsed() >= Duration::from_millis(900));
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "{answer}"
    );

    // A kept-alive connection that sends no next request is closed too.
    let mut idle = TcpStream::connect(to).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut idle, Duration::from_secs(15)).await;
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));

    // The server still serves.
    let ok = reqwest::get(format!("{}/healthz", server.url))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn a_connection_on_which_nothing_moves_is_closed_after_the_idle_timeout() {
    // The header timeout (which also bounds an idle keep-alive connection) is a minute, so a
    // close within the bound below can only be the idle timeout's.
    let t = Target::sqlite("limits-idle");
    let server = t.serve_with_env(
        &[],
        &[
            ("WEDERHOOR_SERVER__HEADER_TIMEOUT_SECS", "60"),
            ("WEDERHOOR_SERVER__BODY_TIMEOUT_SECS", "60"),
            ("WEDERHOOR_SERVER__IDLE_TIMEOUT_SECS", "1"),
        ],
    );
    let to = addr(&server);
    let bound = Duration::from_secs(20);

    // A client that opens a connection and never sends a byte.
    let started = Instant::now();
    let mut silent = TcpStream::connect(to).await.unwrap();
    let answer = read_until_closed(&mut silent, bound).await;
    assert!(answer.is_empty(), "{:?}", String::from_utf8_lossy(&answer));
    assert!(started.elapsed() >= Duration::from_millis(900));

    // A client that sends half its headers and stalls.
    let started = Instant::now();
    let mut half = TcpStream::connect(to).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nAccept: */")
        .await
        .unwrap();
    read_until_closed(&mut half, bound).await;
    assert!(started.elapsed() >= Duration::from_millis(900));

    // A kept-alive connection after a full answer, with no next request.
    let started = Instant::now();
    let mut kept = TcpStream::connect(to).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut kept, bound).await;
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
    assert!(started.elapsed() >= Duration::from_millis(900));

    // The server still serves.
    let ok = reqwest::get(format!("{}/healthz", server.url))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn one_address_over_its_cap_is_refused_while_another_is_served() {
    let t = Target::sqlite("limits-per-ip");
    let server = t.serve_with_env(
        &[],
        &[
            ("WEDERHOOR_SERVER__MAX_CONNECTIONS_PER_IP", "3"),
            ("WEDERHOOR_SERVER__HEADER_TIMEOUT_SECS", "60"),
        ],
    );
    let to = addr(&server);

    // Three open connections from 127.0.0.1 (think: three live-update streams).
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut s = connect_from([127, 0, 0, 1], to).await;
        // A full request on each, so the server has certainly accepted and counted it.
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 12];
        s.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"HTTP/1.1 200");
        held.push(s);
    }

    // The fourth from the same address is answered 503 and closed.
    let mut fourth = connect_from([127, 0, 0, 1], to).await;
    let answer = read_until_closed(&mut fourth, Duration::from_secs(15)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");

    // Another address is served.
    let mut other = connect_from([127, 0, 0, 2], to).await;
    other
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut other, Duration::from_secs(15)).await;
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"),
        "{answer:?}"
    );

    // Once one of the three is closed, the first address gets a connection again (the server
    // notices the close asynchronously: try, bounded, until it is served).
    drop(held.pop());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mut again = connect_from([127, 0, 0, 1], to).await;
        let _ = again
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await;
        let answer = read_until_closed(&mut again, Duration::from_secs(15)).await;
        if answer.starts_with(b"HTTP/1.1 200") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the closed connection was never released"
        );
        tokio::task::yield_now().await;
    }
}
