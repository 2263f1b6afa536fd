#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! Attack 15 of issue 10: slow and idle connections, over real TCP on loopback,
//! against `auth_runtime::server::serve` (what demo-api serves with). Clients bind
//! distinct loopback addresses (127.0.0.2, 127.0.0.3, ...), as different hosts would.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use auth_runtime::{
    limits::RequestLimits,
    server::{serve, ServerLimits},
};
use poem::{
    handler,
    listener::{Acceptor, Listener, TcpListener},
    web::{LocalAddr, RemoteAddr},
    EndpointExt, Route,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
};

#[handler]
fn hello() -> &'static str {
    "hello"
}

#[handler]
fn echo(body: String) -> String {
    body
}

async fn start(limits: ServerLimits) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let acceptor = TcpListener::bind("0.0.0.0:0")
        .into_acceptor()
        .await
        .unwrap();
    let port = acceptor.local_addr()[0].as_socket_addr().unwrap().port();
    let app = Route::new()
        .at("/", hello)
        .at("/echo", poem::post(echo))
        .with(RequestLimits::new(1024).body_timeout(Duration::from_secs(1)));
    let server = tokio::spawn(async move {
        serve(acceptor, app, limits, std::future::pending())
            .await
            .unwrap();
    });
    (SocketAddr::from(([127, 0, 0, 1], port)), server)
}

async fn connect_from(source: [u8; 4], to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((source, 0))).unwrap();
    socket.connect(to).await.unwrap()
}

/// Sends a whole GET and returns the status line, or `None` if the server said
/// nothing within `within`.
async fn get(stream: &mut TcpStream, within: Duration) -> Option<String> {
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .ok()?;
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(within, stream.read(&mut buf))
        .await
        .ok()?
        .ok()?;
    String::from_utf8_lossy(&buf[..n])
        .lines()
        .next()
        .map(str::to_owned)
}

/// Whether the server has closed `stream` (read returns end of file or an error)
/// within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 64];
    matches!(
        tokio::time::timeout(within, stream.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack_15_header_dribblers_and_silent_connections_are_dropped() {
    let limits = ServerLimits {
        header_read_timeout: Duration::from_secs(1),
        ..ServerLimits::default()
    };
    let (addr, _server) = start(limits).await;
    let mut dribbler = connect_from([127, 0, 0, 2], addr).await;
    dribbler.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
    let mut silent = connect_from([127, 0, 0, 2], addr).await;
    let start = Instant::now();
    assert!(
        closed_within(&mut dribbler, Duration::from_secs(3)).await,
        "a partial header is cut off"
    );
    assert!(
        closed_within(&mut silent, Duration::from_secs(3)).await,
        "a silent connection is cut off"
    );
    assert!(start.elapsed() < Duration::from_secs(3));
    // A kept-alive connection that goes quiet after its response is dropped too.
    let mut kept = connect_from([127, 0, 0, 3], addr).await;
    kept.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 256];
    let n = kept.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    assert!(
        closed_within(&mut kept, Duration::from_secs(3)).await,
        "an idle kept-alive connection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack_15_held_connections_do_not_lock_others_out() {
    // The header timeout is long: what keeps the server available is the caps.
    let limits = ServerLimits {
        header_read_timeout: Duration::from_secs(60),
        max_connections: 8,
        max_connections_per_address: 4,
        ..ServerLimits::default()
    };
    let (addr, _server) = start(limits).await;
    let mut held = Vec::new();
    for _ in 0..12 {
        let mut s = connect_from([127, 0, 0, 2], addr).await;
        s.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
        held.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Another host is served at once.
    let mut other = connect_from([127, 0, 0, 3], addr).await;
    let line = get(&mut other, Duration::from_secs(2)).await;
    assert_eq!(line.as_deref(), Some("HTTP/1.1 200 OK"), "another address");
    // So is a request from the holder's own address: it replaces a connection that
    // has waited longest for its header.
    let mut same = connect_from([127, 0, 0, 2], addr).await;
    let line = get(&mut same, Duration::from_secs(2)).await;
    assert_eq!(line.as_deref(), Some("HTTP/1.1 200 OK"), "the same address");
    // Of the twelve held, at most the per-address cap is still open.
    let mut open = 0;
    for s in &mut held {
        if !closed_within(s, Duration::from_millis(50)).await {
            open += 1;
        }
    }
    assert!(open <= 4, "{open} held connections still open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack_15_slow_bodies_from_several_addresses_do_not_lock_others_out() {
    let limits = ServerLimits {
        max_connections: 8,
        max_connections_per_address: 2,
        body_grace: Duration::from_millis(200),
        ..ServerLimits::default()
    };
    let (addr, _server) = start(limits).await;
    // Four addresses fill the server with bodies sent a byte at a time.
    let mut held = Vec::new();
    for host in 2..6u8 {
        for _ in 0..2 {
            let mut s = connect_from([127, 0, 1, host], addr).await;
            s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nx")
                .await
                .unwrap();
            held.push(s);
        }
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    for host in 10..13u8 {
        let mut other = connect_from([127, 0, 1, host], addr).await;
        let line = get(&mut other, Duration::from_secs(2)).await;
        assert_eq!(
            line.as_deref(),
            Some("HTTP/1.1 200 OK"),
            "a fifth address, {host}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack_15_a_slow_body_gets_408() {
    let (addr, _server) = start(ServerLimits::default()).await;
    let mut s = connect_from([127, 0, 0, 4], addr).await;
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nx")
        .await
        .unwrap();
    let start = Instant::now();
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("an answer")
        .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(start.elapsed() < Duration::from_secs(3));
}

/// An acceptor that always fails, as one out of file descriptors does.
struct Failing(Arc<AtomicUsize>);

impl Acceptor for Failing {
    type Io = tokio::io::DuplexStream;

    fn local_addr(&self) -> Vec<LocalAddr> {
        Vec::new()
    }

    async fn accept(
        &mut self,
    ) -> std::io::Result<(Self::Io, LocalAddr, RemoteAddr, poem::http::uri::Scheme)> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Err(std::io::Error::other("Too many open files"))
    }
}

#[tokio::test]
async fn attack_15_accept_errors_back_off_instead_of_spinning() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = Route::new().at("/", hello);
    let stop = tokio::time::sleep(Duration::from_millis(500));
    serve(Failing(calls.clone()), app, ServerLimits::default(), stop)
        .await
        .unwrap();
    let n = calls.load(Ordering::Relaxed);
    // 10, 20, 40, 80, 160 ms... : a handful of attempts, not millions.
    assert!((2..=10).contains(&n), "{n} accept attempts in 500 ms");
}
